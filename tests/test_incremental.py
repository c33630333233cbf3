"""Builds after an edit: only the changed entries are rebuilt, and the site is byte for byte
what a full build of the edited file gives (files, manifest and printed findings)."""

from __future__ import annotations

import os
import pickle
import re
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pubsite import cache, write
from pubsite.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
import synth

PROFILE = '''name = "Hao Zhang"
base_url = "https://example.org/~hao"
[publications]
group_by = "year"
'''

EXTRA = r"""
@proceedings{parent2020,
  title = {Proceedings of Something},
  booktitle = {Proceedings of Something},
  year = {2020},
  publisher = {ACM},
}

@inproceedings{child2020,
  crossref = {parent2020},
  title = {A Child Paper},
  author = {Hao Zhang and Ada Lovelace},
}

@article{dupA,
  title = {First Copy},
  author = {Hao Zhang},
  journal = jmlr,
  year = {2019},
  doi = {10.5555/same},
}

@misc{warned,
  title = {A Warning Below the Edits},
  author = {Hao Zhang},
  year = {2017},
  month = {Smarch},
  doi = {not a doi},
}

@article{dupB,
  title = {Second Copy},
  author = {Hao Zhang},
  journal = jmlr,
  year = {2018},
  doi = {10.5555/same},
}
"""


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def make_project(folder: Path, profile: str = PROFILE, n: int = 30) -> Path:
    synth.write(folder / "publications.bib", n, seed=11)
    with open(folder / "publications.bib", "a", encoding="utf-8") as f:
        f.write(EXTRA)
    (folder / "profile.toml").write_text(profile, encoding="utf-8")
    return folder


def build(runner: CliRunner, folder: Path, out: str = "_site", *extra: str) -> Result:
    return runner.invoke(main, ["build", "--bib", str(folder / "publications.bib"),
                                "--profile", str(folder / "profile.toml"),
                                "--out", str(folder / out), *extra])


def edit_file(project: Path, edit: Callable[[str], str]) -> None:
    bib = project / "publications.bib"
    bib.write_text(edit(bib.read_text(encoding="utf-8")), encoding="utf-8")


def findings(result: Result, out: str) -> list[str]:
    """What a build printed about the inputs (the summary line names the output folder)."""
    return [line for line in result.output.splitlines() if out not in line]


def edit_entry(key: str, change: Callable[[str], str]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        m = re.search(r"@\w+\{" + re.escape(key) + r",.*?\n}\n", text, re.S)
        assert m, key
        return text[:m.start()] + change(m.group(0)) + text[m.end():]
    return apply


def sub(pattern: str, repl: str) -> Callable[[str], str]:
    def apply(block: str) -> str:
        changed = re.sub(pattern, repl, block, count=1)
        assert changed != block, pattern
        return changed
    return apply


def both(*edits: Callable[[str], str]) -> Callable[[str], str]:
    def apply(text: str) -> str:
        for e in edits:
            text = e(text)
        return text
    return apply


# name: (edit of the file, True if only the edited entries are rebuilt, False if in full)
EDITS: dict[str, tuple[Callable[[str], str], bool]] = {
    "title": (edit_entry("key000010", sub(r"title = \{", "title = {Edited ")), True),
    "field added (lines move)": (
        edit_entry("key000010", sub(r"\n}\n$", "\n  note = {Extended version},\n}\n")), True),
    "field removed (lines move)": (
        edit_entry("key000004", sub(r"\n  slides = \{[^\n]*", "")), True),
    "abstract with accents": (
        edit_entry("key000020", sub(r"abstract = \{", r"abstract = {Na\\\"ive caf\\'e --- ")),
        True),
    "bad DOI appears": (edit_entry("key000007", sub(r"doi = \{", "doi = {doi:xx")), True),
    "duplicate DOI appears": (
        edit_entry("key000012", sub(r"doi = \{[^}]*\}", "doi = {10.5555/same}")), True),
    "duplicate resolved": (edit_entry("dupB", sub(r"10\.5555/same", "10.5555/other")), True),
    "owner dropped": (edit_entry("key000015", sub(r"Hao Zhang", "Hao Zhong")), True),
    "two entries": (both(edit_entry("key000002", sub(r"title = \{", "title = {New ")),
                         edit_entry("key000025", sub(r"title = \{", "title = {Old "))), True),
    "year": (edit_entry("key000010", sub(r"year = \{\d+\}", "year = {1970}")), False),
    "string": (sub(r"\{Journal of Machine Learning Research\}", "{JMLR}"), False),
    "entry added": (lambda t: t + "\n@misc{added, title = {New}, author = {Hao Zhang}, "
                    "year = {2001}}\n", False),
    "entry removed": (lambda t: re.sub(r"@\w+\{key000003,.*?\n}\n", "", t, flags=re.S), False),
    "key renamed": (edit_entry("key000010", sub(r"key000010", "key000010b")), False),
    "crossref parent": (edit_entry("parent2020", sub(r"ACM", "IEEE")), False),
    "crossref child": (edit_entry("child2020", sub(r"A Child", "The Child")), False),
}


@pytest.mark.parametrize("name", list(EDITS))
def test_edit_gives_what_a_full_build_gives(runner: CliRunner, tmp_path: Path,
                                            name: str) -> None:
    edit, patched = EDITS[name]
    project = make_project(tmp_path)
    assert build(runner, project).exit_code == 0
    edit_file(project, edit)
    again = build(runner, project)
    assert again.exit_code == 0, again.output
    assert ("rebuilt" in again.output) is patched, again.output
    cold = build(runner, project, "cold")
    assert cold.exit_code == 0 and "rebuilt" not in cold.output
    assert tree(project / "_site") == tree(project / "cold")
    assert findings(again, "_site") == findings(cold, "cold")


def test_repeated_edits_keep_matching_full_builds(runner: CliRunner, tmp_path: Path) -> None:
    """The record a patched build leaves serves the next edit: three in a row, lines
    moving each time, every one patched and every one equal to a full build."""
    project = make_project(tmp_path)
    assert build(runner, project).exit_code == 0
    bib = project / "publications.bib"
    for i, key in enumerate(["key000003", "key000021", "key000003"]):
        text = edit_entry(key, sub(r"\n}\n$", f"\n  note = {{Edit {i}}},\n}}\n"))(
            bib.read_text(encoding="utf-8"))
        bib.write_text(text, encoding="utf-8")
        result = build(runner, project)
        assert "rebuilt 1 changed entry" in result.output, result.output
        cold = build(runner, project, f"cold{i}")
        assert tree(project / "_site") == tree(project / f"cold{i}")
        assert findings(result, "_site") == findings(cold, f"cold{i}")


@pytest.mark.parametrize("profile", [
    'name = "Hao Zhang"\n[publications]\ngroup_by = "type"\nlegend = "entry"\n',
    'name = "Hao Zhang"\n[publications]\nper_paper_pages = false\n',
])
def test_other_layouts_patch_too(runner: CliRunner, tmp_path: Path, profile: str) -> None:
    project = make_project(tmp_path, profile)
    assert build(runner, project).exit_code == 0
    edit_file(project, EDITS["title"][0])
    assert "rebuilt 1" in build(runner, project).output
    build(runner, project, "cold")
    assert tree(project / "_site") == tree(project / "cold")


def test_markdown_only_and_crlf_files(runner: CliRunner, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    bib = project / "publications.bib"
    bib.write_bytes(bib.read_bytes().replace(b"\n", b"\r\n"))
    assert build(runner, project, "_site", "--format", "markdown").exit_code == 0
    text = bib.read_bytes().replace(b"title = {", b"title = {Edited ", 1)
    bib.write_bytes(text)
    assert "rebuilt 1" in build(runner, project, "_site", "--format", "markdown").output
    build(runner, project, "cold", "--format", "markdown")
    assert tree(project / "_site") == tree(project / "cold")


@pytest.mark.parametrize(("change", "says"), [
    (sub(r"title = \{", "title = {{"), "publications.bib:"),  # unbalanced: a full build
    (sub(r"code = \{https", "code = {javascript"), "url-scheme"),  # found while patching
])
def test_an_edit_with_an_error_fails_and_keeps_the_site(
        runner: CliRunner, tmp_path: Path, change: Callable[[str], str], says: str) -> None:
    project = make_project(tmp_path)
    assert build(runner, project).exit_code == 0
    before = tree(project / "_site")
    edit_file(project, edit_entry("key000010", change))
    result = build(runner, project)
    assert result.exit_code == 1 and says in result.output
    assert tree(project / "_site") == before


def test_keep_going_patches_around_an_error(runner: CliRunner, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    edit_file(project, edit_entry("key000010", sub(r"code = \{https", "code = {javascript")))
    assert build(runner, project, "_site", "--keep-going").exit_code == 0
    edit_file(project, edit_entry("key000011", sub(r"title = \{", "title = {Edited ")))
    kept = build(runner, project, "_site", "--keep-going")
    assert kept.exit_code == 0 and "rebuilt 1" in kept.output and "url-scheme" in kept.output
    cold = build(runner, project, "cold", "--keep-going")
    assert tree(project / "_site") == tree(project / "cold")
    assert findings(kept, "_site") == findings(cold, "cold")


def _cache_file(project: Path) -> Path:
    return cache.path_for(project, project / "_site")


def test_damaged_cache_is_noted_and_rebuilt(runner: CliRunner, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert build(runner, project).exit_code == 0
    record = _cache_file(project)
    assert record.is_file()
    record.write_bytes(record.read_bytes()[:-50] + b"x" * 50)
    edit_file(project, EDITS["title"][0])
    result = build(runner, project)
    assert "build cache damaged; this build rebuilds it" in result.output
    assert "built 35 publications" in result.output
    build(runner, project, "cold")
    assert tree(project / "_site") == tree(project / "cold")
    # The full build wrote a good record: the next edit is patched again.
    edit_file(project, EDITS["owner dropped"][0])
    assert "rebuilt 1" in build(runner, project).output


class _Planted:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, ("touch planted-by-cache",))


def test_cache_holding_code_is_refused(runner: CliRunner, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A cache file is plain data: one that holds a class is refused, whatever its
    checksum, and nothing in it runs."""
    project = make_project(tmp_path)
    monkeypatch.chdir(project)
    assert build(runner, project).exit_code == 0
    record = _cache_file(project)
    payload = pickle.dumps({"format": cache.FORMAT, "context": _Planted()})
    import hashlib
    record.write_bytes(b"pubsite-cache\n" + hashlib.blake2b(payload, digest_size=32).digest()
                       + payload)
    edit_file(project, EDITS["title"][0])
    result = build(runner, project)
    assert result.exit_code == 0 and "build cache damaged" in result.output
    assert not (project / "planted-by-cache").exists()


def test_hand_edited_output_is_not_patched_over(runner: CliRunner, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    assert build(runner, project).exit_code == 0
    index = project / "_site" / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace("</body>", "<p>mine</p></body>"),
                     encoding="utf-8")
    edit_file(project, EDITS["title"][0])
    result = build(runner, project)
    assert "built 35 publications" in result.output and "rebuilt" not in result.output
    build(runner, project, "cold")
    assert tree(project / "_site") == tree(project / "cold")


def test_templates_that_see_the_whole_list_turn_patching_off(runner: CliRunner,
                                                              tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "templates" / "html").mkdir(parents=True)
    (project / "templates" / "html" / "index.html").write_text(
        '{% extends "default:html/index.html" %}{% block main %}{{ publications|length }}'
        '{{ super() }}{% endblock %}', encoding="utf-8")
    assert build(runner, project).exit_code == 0
    assert not _cache_file(project).exists()
    edit_file(project, EDITS["entry removed"][0])
    assert "built 34" in build(runner, project).output


def test_entry_template_override_still_patches(runner: CliRunner, tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "templates" / "html").mkdir(parents=True)
    (project / "templates" / "html" / "entry.html").write_text(
        '<li class="pub" id="{{ pub.slug }}">{{ pub.title }} ({{ pub.year }})</li>\n',
        encoding="utf-8")
    assert build(runner, project).exit_code == 0
    edit_file(project, EDITS["title"][0])
    assert "rebuilt 1" in build(runner, project).output
    build(runner, project, "cold")
    assert tree(project / "_site") == tree(project / "cold")
    assert "Edited" in (project / "_site" / "index.html").read_text(encoding="utf-8")


def test_failure_while_replacing_files_restores_the_site(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    out = tmp_path / "_site"
    write.write_site(out, {"index.html": "old index", "a/page.html": "old page",
                           "keep.txt": "kept"}, [])
    before = tree(out)
    manifest = write.previous(out).files
    real = os.replace
    calls = {"n": 0}

    def flaky(src: str | Path, dst: str | Path) -> None:
        calls["n"] += 1
        if calls["n"] == 4:  # the second file's move into place
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(write.os, "replace", flaky)
    with pytest.raises(OSError):
        write.update_site(out, {"index.html": b"new index", "a/page.html": b"new page"}, [],
                          {"inputs": "x"}, manifest)
    monkeypatch.setattr(write.os, "replace", real)
    assert tree(out) == before
    assert not list(tmp_path.glob("._site*")), "no temporary folder may stay behind"
    counts = write.update_site(out, {"index.html": b"new index", "a/page.html": b"old page"},
                               [], {"inputs": "x"}, manifest)
    assert counts["written"] == 1 and (out / "index.html").read_bytes() == b"new index"
    assert write.previous(out).meta == {"inputs": "x"}


_TEXT = st.text(alphabet=st.sampled_from(list("abc XYZ{}\\\"'$%&#_^~-é—\n")), max_size=30)


@settings(max_examples=20, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(key=st.integers(0, 29), field=st.sampled_from(["title", "abstract", "venue", "note"]),
       text=_TEXT)
def test_any_edit_of_one_field_matches_a_full_build(runner: CliRunner, tmp_path_factory:
                                                     pytest.TempPathFactory, key: int,
                                                     field: str, text: str) -> None:
    project = make_project(tmp_path_factory.mktemp("p"), n=30)
    assert build(runner, project).exit_code == 0
    value = "{" + text + "}"

    def change(block: str) -> str:
        if re.search(rf"\n  {field} = ", block):
            return re.sub(rf"\n  {field} = [^\n]*", lambda _m: f"\n  {field} = {value},",
                          block, count=1)
        return block.replace("\n}\n", f"\n  {field} = {value},\n}}\n")

    edit_file(project, edit_entry(f"key{key:06d}", change))
    again = build(runner, project, "_site", "--keep-going")
    cold = build(runner, project, "cold", "--keep-going")
    assert again.exit_code == cold.exit_code
    if cold.exit_code == 0:
        assert tree(project / "_site") == tree(project / "cold")
        assert findings(again, "_site") == findings(cold, "cold")


# Mostly newlines, so that runs of them often cross the seams between pieces.
_PIECES = st.lists(st.text(alphabet=st.sampled_from(list("\n\n\n\na \t")), max_size=6),
                   max_size=12)


@settings(max_examples=300)
@given(pieces=_PIECES)
def test_streamed_tidying_equals_tidying_the_whole_text(pieces: list[str]) -> None:
    """index.md is tidied (runs of blank lines, outer whitespace) piece by piece, so that
    a long list is never one string; it must equal doing it to the whole text."""
    from pubsite.render.markdown import _collapse_newlines, _strip

    whole = "".join(pieces)
    assert "".join(_collapse_newlines(pieces)) == re.sub(r"\n{3,}", "\n\n", whole)
    assert "".join(_strip(pieces)) == whole.strip()
    assert "".join(_strip(_collapse_newlines(pieces))) == \
        re.sub(r"\n{3,}", "\n\n", whole).strip()


def test_listing_spans_point_at_each_fragment() -> None:
    from pubsite.render.listing import Listing

    class Pub:
        def __init__(self, slug: str) -> None:
            self.slug = slug

    listing = Listing(lambda p: f"<li>{p.slug}—é</li>")
    pubs = [Pub(s) for s in ("a", "b", "c")]
    chunks = ["<ol>", listing(pubs[0]) + "\n", listing(pubs[1]) + listing(pubs[2]), "</ol>"]
    data = b"".join(listing.chunks(chunks))
    assert listing.complete(["a", "b", "c"])
    for p in pubs:
        a, b = listing.spans[p.slug]
        assert data[a:b].decode() == f"<li>{p.slug}—é</li>"
    assert not listing.complete(["a", "b", "c", "d"])


def test_compiled_templates_are_cached_privately_and_follow_edits(tmp_path: Path) -> None:
    import subprocess

    (tmp_path / "p").mkdir()
    project = make_project(tmp_path / "p", n=3)
    template = project / "templates" / "html" / "entry.html"
    template.parent.mkdir(parents=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}

    def run(text: str, out: str) -> str:
        template.write_text(f'<li class="pub" id="{{{{ pub.slug }}}}">{text}</li>\n',
                            encoding="utf-8")
        subprocess.run([sys.executable, "-m", "pubsite", "build", "-q", "--out", out],
                       cwd=project, env=env, check=True)
        return (project / out / "index.html").read_text(encoding="utf-8")

    assert "FIRST" in run("FIRST", "a")
    compiled = list((tmp_path / "cache" / "pubsite").glob("templates-*/*.cache"))
    assert compiled, "compiled templates are kept in the user's cache folder"
    assert not list(project.rglob("*.cache")), "never in the project"
    page = run("SECOND", "b")  # same path, new source: compiled again, not reused
    assert "SECOND" in page and "FIRST" not in page


def test_a_shared_template_cache_folder_is_not_used(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from pubsite import templating

    folder = tmp_path / "pubsite"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    templating._bytecode_cache.cache_clear()
    try:
        assert templating._bytecode_cache() is not None
        templating._bytecode_cache.cache_clear()
        next(folder.glob("templates-*")).chmod(0o777)  # others could plant code here
        assert templating._bytecode_cache() is None
    finally:
        templating._bytecode_cache.cache_clear()


def test_a_site_restored_from_an_older_build_is_not_patched(runner: CliRunner,
                                                            tmp_path: Path) -> None:
    """The record describes the last build; a folder put back from an earlier one (a
    deploy branch checked out, a backup) has other byte spans, so it is built in full."""
    import shutil

    project = make_project(tmp_path)
    assert build(runner, project).exit_code == 0
    shutil.copytree(project / "_site", project / "backup")
    edit_file(project, EDITS["title"][0])
    assert "rebuilt 1" in build(runner, project).output
    shutil.rmtree(project / "_site")
    shutil.copytree(project / "backup", project / "_site")
    edit_file(project, EDITS["field added (lines move)"][0])
    result = build(runner, project)
    assert "built 35 publications" in result.output and "rebuilt" not in result.output
    build(runner, project, "cold")
    assert tree(project / "_site") == tree(project / "cold")


def test_a_folder_deleted_by_hand_is_built_again(runner: CliRunner, tmp_path: Path) -> None:
    import shutil

    project = make_project(tmp_path)
    assert build(runner, project).exit_code == 0
    shutil.rmtree(project / "_site" / "publications" / "key000020")
    edit_file(project, EDITS["title"][0])
    result = build(runner, project)
    assert "built 35 publications" in result.output and "rebuilt" not in result.output
    build(runner, project, "cold")
    assert tree(project / "_site") == tree(project / "cold")


def test_a_copied_theme_still_patches(runner: CliRunner, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """`pubsite init --templates` copies the whole theme for editing: unchanged copies of
    the whole-list templates do not turn patching off; an edited one does."""
    project = make_project(tmp_path)
    monkeypatch.chdir(project)
    assert runner.invoke(main, ["init", "--templates"]).exit_code == 0
    assert (project / "templates" / "html" / "index.html").is_file()
    assert build(runner, project).exit_code == 0
    edit_file(project, EDITS["title"][0])
    assert "rebuilt 1" in build(runner, project).output
    index = project / "templates" / "html" / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "</section>", "</section><!-- mine -->", 1), encoding="utf-8")
    assert build(runner, project).exit_code == 0
    edit_file(project, EDITS["owner dropped"][0])
    assert "built 35 publications" in build(runner, project).output
    build(runner, project, "cold")
    assert tree(project / "_site") == tree(project / "cold")
