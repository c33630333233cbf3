"""Inputs of a few hundred KB that once took minutes and gigabytes: each now builds (or is
reported) as a user runs pubsite, and its result is checked.

Each size is one that the quadratic code took minutes over (measured before the fix), so
the generous timeout fails the test if the path turns quadratic again; speed itself is
measured in bench/, not asserted here.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from pubsite.errors import Diagnostics
from pubsite.model.site import Name
from pubsite.read import bib, bibscan, braces, latex, names, normalise

from helpers import publications

PROFILE = 'name = "Jane Doe"\n'
TIMEOUT = 60  # seconds; the same inputs took minutes before


def pubsite(project: Path, bib_text: str, *args: str) -> subprocess.CompletedProcess[str]:
    (project / "profile.toml").write_text(PROFILE, encoding="utf-8")
    (project / "publications.bib").write_text(bib_text, encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "pubsite", *args], cwd=project,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)


def entry(key: str, fields: str, entry_type: str = "misc") -> str:
    return (f"@{entry_type}{{{key},\n  title = {{Title of {key}}},\n  year = {{2020}},\n"
            f"  abstract = {{What it shows.}},\n{fields}}}\n")


def exported(project: Path, bib_text: str) -> list[dict[str, Any]]:
    result = pubsite(project, bib_text, "export", "--format", "json")
    assert result.returncode == 0, result.stderr
    pubs: list[dict[str, Any]] = json.loads(result.stdout)["publications"]
    return pubs


def diagnostics(project: Path, bib_text: str) -> list[dict[str, Any]]:
    result = pubsite(project, bib_text, "validate", "--format", "json")
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def full_name(author: dict[str, Any]) -> str:
    return " ".join(author[p] for p in ("first", "von", "last") if author[p])


# --- names --------------------------------------------------------------------------


def test_a_name_of_sixteen_thousand_words_builds(tmp_path: Path) -> None:
    # 48 KB: `_readings` made one reading per word, each of all the words before it.
    words = 16_000
    text = entry("long", '  author = "' + "Ab " * words + 'Doe and Jane Doe",\n')
    result = pubsite(tmp_path, text, "build")
    assert result.returncode == 0, result.stderr
    [pub] = publications((tmp_path / "_site" / "index.html").read_text(encoding="utf-8"))
    assert pub["title"] == "Title of long"
    assert pub["bold"] == ["Jane Doe"]  # the owner is still found after the long name
    [first, owner] = exported(tmp_path, text)[0]["authors"]
    assert (first["first"].count("Ab"), first["last"]) == (words, "Doe")
    assert (owner["owner"], first["owner"]) == (True, False)


def test_a_long_name_of_particles_still_matches_the_owner() -> None:
    # The readings stop once the family name is longer than the owner's; those that can
    # match are all still there.
    matcher = names.OwnerMatcher.build("Meyer Gohde, Alexander")
    name = Name(" ".join(["A."] * 5000 + ["Meyer"]), "", "Gohde")
    assert matcher.score(name) > 0
    assert matcher.score(Name(" ".join(["A."] * 5000 + ["Other"]), "", "Gohde")) == 0


def test_a_name_of_twenty_five_thousand_commas_builds(tmp_path: Path) -> None:
    # 50 KB of "a,a,a,...": more than 4 GB and minutes before.
    text = entry("commas", "  author = {" + ",".join(["a"] * 25_000) + "},\n")
    result = pubsite(tmp_path, text, "build")
    assert result.returncode == 0, result.stderr
    [author] = exported(tmp_path, text)[0]["authors"]
    assert (author["last"], author["jr"]) == ("a", "a")
    assert author["first"].split() == ["a"] * 24_998
    found = diagnostics(tmp_path, text)
    assert [d["message"] for d in found if d["rule"] == "name-syntax"] == [
        "too many commas in name in author '" + ",".join(["a"] * 25_000) + "' of commas"]


def test_a_name_with_a_long_run_of_spaces_builds(tmp_path: Path) -> None:
    # 400 KB of spaces: every space was a start for the " and " pattern, each scanning
    # the rest of the run.
    text = entry("spaces", "  author = {Jane" + " " * 400_000 + "Doe and Bob Roe},\n")
    [pub] = exported(tmp_path, text)
    assert [full_name(a) for a in pub["authors"]] == ["Jane Doe", "Bob Roe"]
    assert pub["authors"][0]["owner"] is True


def test_names_split_at_and_outside_braces_only_in_a_long_list() -> None:
    # The braces before each " and " were counted from the start of the field each time.
    field = " and ".join(["{Barnes and Noble}", *[f"Author{i} Name" for i in range(20_000)]])
    found = names.split_authors(field)
    assert len(found) == 20_001
    assert found[:2] == ["{Barnes and Noble}", "Author0 Name"]


def test_a_name_followed_by_four_hundred_thousand_marks_builds(tmp_path: Path) -> None:
    # Each `*` taken off the end copied the rest of the name and went in at the front of a
    # list.
    text = entry("stars", "  author = {Jane Doe" + "*" * 400_000 + " and Bob Roe},\n")
    [owner, other] = exported(tmp_path, text)[0]["authors"]
    assert (full_name(owner), owner["marks"], owner["owner"]) == ("Jane Doe", ["equal"], True)
    assert (full_name(other), other["marks"]) == ("Bob Roe", [])


def test_a_name_nested_in_twenty_thousand_emphasis_commands_builds(tmp_path: Path) -> None:
    # Each \\textbf was taken out by copying the name and finding its brace from the start.
    n = 20_000
    text = entry("bold", "  author = {" + "\\textbf{" * n + "Jane Doe" + "}" * n +
                 " and Bob Roe},\n")
    [owner, other] = exported(tmp_path, text)[0]["authors"]
    assert (full_name(owner), owner["owner"]) == ("Jane Doe", True)
    assert full_name(other) == "Bob Roe"


def test_names_emphasised_by_hand_unwrap_as_before() -> None:
    assert names.unwrap_emphasis("\\textbf{Zhu, W.}") == ("Zhu, W.", True)
    assert names.unwrap_emphasis("{\\bf Zhu} \\emph{W.}") == ("Zhu W.", True)
    many = "\\emph{A}" * (names.MAX_EMPHASIS + 1) + "{\\bfseries  B}"
    assert names.unwrap_emphasis(many) == ("A" * (names.MAX_EMPHASIS + 1) + "B", True)


def test_marks_taken_off_both_ends_keep_their_written_order() -> None:
    symbols = (("†", "corresponding"), ("*", "equal"))
    assert names.extract_marks("Jane Doe{†}*", symbols) == (
        "Jane Doe", ("corresponding", "equal"))
    assert names.extract_marks("*Jane Doe{†} ~*", symbols) == (
        "Jane Doe", ("equal", "corresponding"))
    assert names.extract_marks("Jane Doe\\*", symbols) == ("Jane Doe\\*", ())


# --- links and venues ---------------------------------------------------------------


def test_a_links_field_of_nested_brackets_builds(tmp_path: Path) -> None:
    # 400 KB of "[a](": the links pattern read the rest of the field again from each `[`.
    text = entry("links", "  author = {Jane Doe},\n  links = {" + "[a](" * 100_000 +
                 " x [Code](https://example.org/code)},\n")
    [pub] = exported(tmp_path, text)
    assert pub["links"] == [{"label": "Code", "url": "https://example.org/code"}]


def test_link_items_are_those_the_pattern_finds() -> None:
    value = "[Code]( https://x.org/c ) [[Data](https://x.org/d) [a](b c) [](x) [Doc](y"
    assert normalise.link_items(value) == [("Code", "https://x.org/c"),
                                           ("[Data", "https://x.org/d")]


def test_an_also_field_of_nested_venues_builds(tmp_path: Path) -> None:
    # 256 KB of "V 2020 (": the venue pattern tried every length of name.
    # Nothing closes the notes: the whole text is the venue's name.
    text = entry("also", "  author = {Jane Doe},\n  also = {" + "V 2020 (" * 32_000 +
                 "; V 2021 (Oral)},\n")
    [pub] = exported(tmp_path, text)
    [_, long_, short] = pub["venues"]
    assert (long_["name"], long_["year"], long_["notes"]) == (
        ("V 2020 (" * 32_000).strip(), "", [])
    assert (short["name"], short["year"], short["notes"]) == (
        "V", "2021", [{"text": "Oral", "award": False}])


def test_venues_read_as_before() -> None:
    venue = normalise._parse_venue
    assert venue("NeurIPS 2021 (Oral, Best paper)") == normalise.Venue(
        "NeurIPS", "2021", (normalise.Note("Oral, Best paper"),))
    assert venue("ICML") == normalise.Venue("ICML")
    assert venue("Workshop (at ICML)") == normalise.Venue(
        "Workshop", "", (normalise.Note("at ICML"),))
    assert venue("V2020 (x) y)") == normalise.Venue("V2020 (x) y)")
    assert venue("A\nB 2020") == normalise.Venue("A\nB 2020")


def test_a_title_of_unclosed_math_builds(tmp_path: Path) -> None:
    # Each `\\(` that nothing closes was read on to the end of the title.
    text = entry("math", "  author = {Jane Doe},\n  note = {" + "\\(" * 100_000 +
                 " $x^2$},\n")
    [pub] = exported(tmp_path, text)
    assert pub["title"] == "Title of math"
    assert latex.math_spans("\\(" * 100_000 + " $x^2$") == [(200_001, 200_006)]


def test_pages_and_links_with_long_runs_of_spaces_build(tmp_path: Path) -> None:
    # A pattern tried each space of the run as a start and read the run again from each.
    spaces, controls = " " * 200_000, "\x01" * 200_000
    fields = "  author = {Jane Doe},\n  journal = {J},\n  volume = {1},\n"
    text = entry("runs", fields + f"  pages = {{1{spaces}-{spaces}9}},\n", "article")
    result = pubsite(tmp_path, text, "export", "--format", "text")
    assert result.returncode == 0, result.stderr
    assert "pp. 1–9" in result.stdout
    text = entry("runs", fields + f"  code = {{https://x.org/{controls}a}},\n", "article")
    found = diagnostics(tmp_path, text)
    assert [(d["rule"], d["line"]) for d in found] == [("control-character", 8),
                                                       ("url-not-web", 8)]
    assert found[1]["message"].endswith("the URL contains control characters")


# --- the file's structure -------------------------------------------------------------


def test_a_file_of_at_signs_is_reported_not_called_clean(tmp_path: Path) -> None:
    # 200,000 `@`: each was a start that read all the others.
    found = diagnostics(tmp_path, "@" * 200_000 + "\n")
    assert [(d["rule"], d["line"]) for d in found] == [("stray-at", 1)]
    assert "200000 '@' characters" in found[0]["message"]
    result = pubsite(tmp_path, "@" * 200_000 + "\n", "build")
    assert result.returncode == 0, result.stderr
    assert "stray-at" in result.stdout + result.stderr


def test_a_stray_at_between_entries_is_reported_at_its_line(tmp_path: Path) -> None:
    text = entry("a", "  author = {Jane Doe},\n") + "\nmail me: jane@example.org\n"
    found = diagnostics(tmp_path, text)
    assert [(d["rule"], d["line"]) for d in found] == [("stray-at", 8)]


def test_a_file_without_entries_is_reported(tmp_path: Path) -> None:
    found = diagnostics(tmp_path, "Jane Doe, Title, 2020.\n")
    assert [d["rule"] for d in found] == ["no-entries"]


def test_a_field_after_a_long_run_of_blank_lines_is_found(tmp_path: Path) -> None:
    # `^\\s*name =` tried each blank line as a start and read the run again from each.
    blank = 200_000
    text = (entry("a", "  author = {Jane Doe},\n") + "Notes:" + "\n" * blank +
            "see above\n  doi = {10.1/x},\n")
    found = diagnostics(tmp_path, text)
    assert [(d["rule"], d["line"]) for d in found] == [("lost-field", 7 + blank + 1)]
    assert found[0]["message"].startswith("'doi = {' stands outside any entry")


def test_entry_starts_pass_over_runs_of_at_signs() -> None:
    assert bibscan.entry_starts("@" * 100_000 + " misc{a,}") == [99_999]
    text = "@@ \n@{a,} x@y @b ( @@misc{"
    pattern = r"@\s*[^\s\"#%'(),={}]+\s*[{(]"  # what entry_starts finds, as a pattern
    assert bibscan.entry_starts(text) == [m.start() for m in re.finditer(pattern, text)]
    assert bibscan.entry_starts(text) == [1, 14, 19]


def test_an_entry_of_twenty_thousand_fields_names_their_lines(tmp_path: Path) -> None:
    # A pattern was compiled and run over the whole entry for each field's line.
    fields = "".join(f"  note = {{n{i}}},\n" for i in range(20_000))
    text = entry("many", "  author = {Jane Doe},\n" + fields)
    found = diagnostics(tmp_path, text)
    duplicates = [d["line"] for d in found if d["rule"] == "duplicate-field"]
    assert duplicates == list(range(7, 7 + 19_999))
    [pub] = exported(tmp_path, text)
    assert pub["title"] == "Title of many"


def test_an_entry_of_twenty_thousand_made_up_fields_builds(tmp_path: Path) -> None:
    # Each field's line read the entry again; each name went through difflib.
    fields = "  yeaar = {2020},\n" + "".join(f"  f{i} = {{v}},\n" for i in range(20_000))
    text = entry("made", "  author = {Jane Doe},\n" + fields)
    found = [d for d in diagnostics(tmp_path, text) if d["rule"] == "unknown-field"]
    assert (found[0]["line"], found[0]["hint"]) == (6, "did you mean 'year'?")
    assert [(d["line"], d["message"][:12]) for d in found[-2:]] == [
        (20_005, "field 'f1999"), (20_006, "field 'f1999")]
    assert len(found) == 20_001
    result = pubsite(tmp_path, text, "build")
    assert result.returncode == 0, result.stderr
    [pub] = publications((tmp_path / "_site" / "index.html").read_text(encoding="utf-8"))
    assert pub["title"] == "Title of made"


def test_field_lines_follow_case_and_repeats() -> None:
    raw = "@misc{k,\n  Title = {a},\n  xtitle = {b},\n  TITLE = {c},\n}"
    entry_ = bib.RawEntry("k", "misc", {}, "f.bib", 10, raw)
    assert [entry_.nth_field_line("title", n) for n in (1, 2, 3)] == [11, 13, 13]
    assert entry_.nth_field_line("xtitle", 1) == 12
    assert entry_.nth_field_line("absent", 1) == 10


def test_a_crossref_chain_of_sixteen_thousand_entries_is_cut_and_reported(
        tmp_path: Path) -> None:
    # Each entry walked the whole chain behind it: n * n.
    n = 16_000
    chain = "".join(entry(f"k{i}", f"  author = {{Jane Doe}},\n  crossref = {{k{i + 1}}},\n")
                    for i in range(n))
    text = chain + entry(f"k{n}", "  author = {Jane Doe},\n  journal = {Root Journal},\n",
                         "article")
    pubs = {p["key"]: p for p in exported(tmp_path, text)}
    depth = bib.MAX_CROSSREF_DEPTH
    near = [p["venues"][0]["name"] for k, p in pubs.items()
            if int(k[1:]) >= n - depth]
    assert near == ["Root Journal"] * (depth + 1)
    assert "Root Journal" not in json.dumps(pubs[f"k{n - depth - 1}"])
    found = diagnostics(tmp_path, text)
    [deep] = [d for d in found if d["rule"] == "crossref-depth"]
    assert (deep["key"], deep["line"]) == ("k0", 6)
    assert f"and {n - depth - 1} more entries" in deep["message"]


def test_crossref_inherits_through_a_short_chain() -> None:
    diags = Diagnostics()
    data = bib.parse("@inproceedings{a, title = {A}, crossref = {b}}\n"
                     "@inproceedings{b, title = {B}, pages = {1}, crossref = {c}}\n"
                     "@proceedings{c, title = {Proc}, year = {2020}}\n", "f.bib", diags)
    by_key = {e.key: e.fields for e in data.entries}
    assert by_key["a"] == {"title": "A", "crossref": "b", "pages": "1", "booktitle": "Proc",
                           "year": "2020"}
    assert diags.items == []


def test_twelve_thousand_unterminated_entries_are_reported(tmp_path: Path) -> None:
    # Each failed entry was read again by bibscan, whose brace scan ran to the end of the
    # file: n * n.
    n = 12_000
    text = "".join(f"@misc{{k{i}, title = {{x\n" for i in range(n))
    found = diagnostics(tmp_path, text)
    assert found, "an unterminated file is called clean"
    assert found[0]["line"] == 1 and found[0]["severity"] == "error"
    result = pubsite(tmp_path, text, "build")
    assert result.returncode == 1
    assert "publications.bib:1" in result.stdout + result.stderr


def test_groups_close_where_the_plain_scanner_closes() -> None:
    import random

    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice('{}"ab \\') for _ in range(rng.randint(0, 40)))
        groups = braces.Groups(text)
        for start in range(len(text) + 1):
            assert groups.closing(start, quote=True) == braces.closing(text, start, quote=True)
            if start < len(text) and text[start] == "{":
                assert groups.closing(start) == braces.closing(text, start), (text, start)


def test_forty_thousand_links_build_each_once(tmp_path: Path) -> None:
    # Each link was compared with every link before it: n * n (26 s at 40k).
    n = 40_000
    links = ", ".join(f"[l{i}](https://x.org/{i})" for i in range(n))
    text = entry("many", f"  author = {{Jane Doe}},\n"
                         f"  links = {{{links}, [again](https://x.org/7)}},\n")
    result = pubsite(tmp_path, text, "build")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "_site" / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'href="https://x\.org/\d+"', page)) == n  # the repeat: once
    assert ">l39999<" in page and ">again<" not in page
