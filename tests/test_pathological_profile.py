"""Hostile profile.toml files are read in time linear in their size: each is refused or
reported with its file and line, as a user runs pubsite. Each file is big enough that the
quadratic readers these replace took from half a minute to minutes (or gigabytes), so the
subprocess's timeout and memory limit fail them; no figure of time is asserted."""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

BIB = "@misc{k, title = {T}, author = {Ada}, year = {2020}}\n"
# Generous: each run takes well under a second now, and took 10 s to minutes before.
TIMEOUT = 30
# The dotted key of 50,000 parts made tomllib take 9.8 GB; the limit ends such a run
# early, before it takes the machine's memory, instead of waiting for the timeout.
MEMORY = 2 * 1024 ** 3


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def pubsite(folder: Path, profile: str, *args: str) -> subprocess.CompletedProcess[str]:
    (folder / "publications.bib").write_text(BIB, encoding="utf-8")
    (folder / "profile.toml").write_text(profile, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pubsite", *args], cwd=folder,
                          capture_output=True, text=True, timeout=TIMEOUT,
                          preexec_fn=_limit_memory, env={**os.environ, "NO_COLOR": "1"})


def test_a_dotted_key_of_50k_parts_is_refused_with_its_line(tmp_path: Path) -> None:
    # 100 KB; tomllib took 74 s and 9.8 GB for it.
    key = ".".join(["a"] * 50_000)
    result = pubsite(tmp_path, f'name = "Ada"\n# a comment\n{key}.b = 1\n', "build")
    assert result.returncode == 1, result.stderr[-2000:]
    out = result.stdout + result.stderr
    assert "profile.toml:3: error[profile-too-deep] a dotted key of more than 32 parts" in out
    assert "hint: write keys of a few parts, or [tables]" in out
    assert "Traceback" not in out
    assert not (tmp_path / "_site").exists()


def test_a_dotted_table_header_of_quoted_parts_is_refused(tmp_path: Path) -> None:
    header = ".".join(['"a"'] * 30_000)
    result = pubsite(tmp_path, f'name = "Ada"\n[{header}]\nx = 1\n', "validate")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "profile.toml:2: error[profile-too-deep] a dotted key of more than 32 parts" \
        in result.stdout


def test_dots_inside_strings_and_comments_are_no_key(tmp_path: Path) -> None:
    """The guard reads strings as strings: 100 KB of dots in a multi-line basic string
    (with an escaped quote and closing quotes of its own), a literal one, a one-line
    string with an escaped quote and a comment pass, and the profile is read."""
    dots = ".".join(["a"] * 25_000)
    profile = (f'name = "Ada"\n# {dots}\n'
               f'about = """\nSee \\""" {dots}\n"""""\n'
               f"description = '''{dots}'''\n"
               f'title = "x \\" {dots}"\n')
    result = pubsite(tmp_path, profile, "validate")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "profile-too-deep" not in result.stdout


def test_16k_unknown_keys_are_reported_50_and_a_count(tmp_path: Path) -> None:
    # Finding each key's line by reading the whole text took 56 s.
    keys = "".join(f"k{i} = 1\n" for i in range(16_000))
    result = pubsite(tmp_path, 'name = "Ada"\n' + keys, "validate")
    assert result.returncode == 1, result.stderr[-2000:]
    listed = re.findall(r"profile\.toml:(\d+): error\[profile-unknown-key\] unknown key "
                        r"'k(\d+)'", result.stdout)
    assert listed == [(str(i + 2), str(i)) for i in range(50)]
    assert ("profile.toml:52: error[profile-unknown-key] 15,950 more [profile-unknown-key] "
            "in the profile from here on, not listed one by one (the first 50 are)") \
        in result.stdout
    assert "hint: fix the ones listed, then run `pubsite validate` again" in result.stdout


def test_16k_unknown_tables_stop_a_build(tmp_path: Path) -> None:
    # A build prints the first findings and a count; 16,000 line searches took a minute.
    keys = "".join(f"[t{i}]\nx = 1\n" for i in range(16_000))
    result = pubsite(tmp_path, 'name = "Ada"\n' + keys, "build")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "profile.toml:2: error[profile-unknown-key] unknown key 't0'" in result.stderr
    assert "\n51 error(s)" in result.stderr
    assert not (tmp_path / "_site").exists()


def test_30k_garbled_strings_are_reported_50_and_a_count(tmp_path: Path) -> None:
    # Written with escapes, so that the text is not where the key's line is: a search of
    # the rest of the file for each one took over a minute.
    items = ", ".join(['"\\u00c3\\u00a9"'] * 30_000)
    result = pubsite(tmp_path, f'name = "Ada"\nabout = "Hi"\nx = [{items}]\n', "validate")
    found = re.findall(r"warning\[mojibake\] 'x\.(\d+)' looks like garbled text", result.stdout)
    assert found == [str(i) for i in range(50)]
    assert "profile.toml:3: warning[mojibake] 29,950 more [mojibake]" in result.stdout
    assert "hint: replace it with: é\n" in result.stdout


def test_profile_markdown_of_120kb_brackets_builds(tmp_path: Path) -> None:
    # Each "[" of the simple link form read the rest of the text: 100 KB took a minute.
    about = "[a](" * 30_000
    result = pubsite(tmp_path, f'name = "Ada"\nabout = "{about}"\n', "build", "-q")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "_site" / "index.md").read_text().count("[a](") == 30_000


def test_profile_markdown_keeps_a_link_with_parentheses(tmp_path: Path) -> None:
    """The simple form leaves a URL with parentheses to the Markdown reader, which reads
    it whole (the simple form used to end it at the first ')')."""
    from markdown_it import MarkdownIt

    about = "See [the page](https://en.wikipedia.org/wiki/Ada_(language)) and [b](https://b.org)."
    result = pubsite(tmp_path, f'name = "Ada"\nabout = "{about}"\n', "build", "-q")
    assert result.returncode == 0, result.stderr[-2000:]
    html = MarkdownIt("commonmark").render((tmp_path / "_site" / "index.md").read_text())
    assert '<a href="https://en.wikipedia.org/wiki/Ada_(language)">the page</a> and' in html
    assert '<a href="https://b.org">b</a>' in html


def test_a_line_of_400k_blanks_keeps_the_lines_after_it(tmp_path: Path) -> None:
    # Blank runs are where a backtracking pattern spends its time: each key and table line
    # is read with str methods, once.
    profile = 'name = "Ada"\n' + " " * 400_000 + "\nnmae = 1\n[" + " " * 100 + "x]\n"
    result = pubsite(tmp_path, profile, "validate")
    assert result.returncode == 1, result.stderr[-2000:]
    assert "profile.toml:3: error[profile-unknown-key] unknown key 'nmae'" in result.stdout
    assert "profile.toml:4: error[profile-unknown-key] unknown key 'x'" in result.stdout


def test_profile_markdown_link_then_400k_blanks_builds(tmp_path: Path) -> None:
    # The simple link form gave back the blanks after "](" one at a time: 32 KB took 3.5 s,
    # and the time grew with the square of the blanks.
    about = "[a](" + " " * 400_000 + "x"
    result = pubsite(tmp_path, f'name = "Ada"\nabout = "{about}"\n', "build", "-q")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "[a](" + " " * 1000 in (tmp_path / "_site" / "index.md").read_text()


def test_twenty_thousand_owner_aliases_are_capped(tmp_path: Path) -> None:
    """Every author is compared with every alias: 20,000 aliases made validate take 8.6 s
    on 18 entries (hours on a real file). The first 100 are used, with an error."""
    aliases = ", ".join(f'"Ada Lovelace{i}"' for i in range(20_000))
    bib = "".join(f"@misc{{k{i}, title = {{T}}, author = {{Ada Lovelace and B. Babbage"
                  f"{i}}}, year = {{2020}}}}\n" for i in range(400))
    (tmp_path / "publications.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "profile.toml").write_text(f'name = "Ada Lovelace"\n[owner]\naliases = '
                                           f'[{aliases}]\n', encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pubsite", "validate"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=TIMEOUT,
                            preexec_fn=_limit_memory, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 1, result.stderr[-2000:]
    assert "profile.toml:3: error[profile-value] 'owner.aliases' lists 20,000 items; the " \
        "first 100 are used" in result.stdout
