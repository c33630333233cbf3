"""Unit tests of the tables and stages each fact lives in: identifiers, invisible
characters, the profile schema, the entry view, the rules, URLs and the normaliser."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pytest

from pubsite.check import rules
from pubsite.errors import Diagnostics
from pubsite.model import chars, cleantext, identifiers, urls
from pubsite.model.site import (
    Author,
    Mark,
    Name,
    Note,
    Profile,
    Publication,
    Venue,
)
from pubsite.read import bib, profile
from pubsite.read.normalise import Normaliser
from pubsite.render.formats import CvHtmlFormat, HtmlFormat, LatexFormat, MarkdownFormat
from pubsite.render.view import Plain

from conftest import SHARED

# --- identifiers ---------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "ident"), [
    ("2201.12023", "2201.12023"), ("arXiv:2201.12023v2", "2201.12023v2"),
    ("https://arxiv.org/abs/2201.12023", "2201.12023"),
    ("https://arxiv.org/pdf/2201.12023.pdf", "2201.12023"),
    ("https://arxiv.org/pdf/2201.12023v3", "2201.12023v3"),
    ("http://export.arxiv.org/abs/hep-th/9901001", "hep-th/9901001"),
])
def test_arxiv_ids_in_every_form(raw: str, ident: str) -> None:
    assert identifiers.arxiv(raw) == ident
    assert identifiers.is_arxiv(raw)


@pytest.mark.parametrize("raw", ["arXiv preprint", "https://example.org/2201.12023", "12"])
def test_not_arxiv_ids(raw: str) -> None:
    assert not identifiers.is_arxiv(raw)


@pytest.mark.parametrize(("raw", "doi"), [
    ("10.1145/1", "10.1145/1"), ("doi:10.1145/1", "10.1145/1"),
    ("https://doi.org/10.1145/1", "10.1145/1"), ("http://dx.doi.org/10.1000/x", "10.1000/x"),
])
def test_dois(raw: str, doi: str) -> None:
    assert identifiers.doi(raw) == doi
    assert identifiers.is_doi(raw)


@pytest.mark.parametrize(("raw", "month"), [
    ("1", 1), ("12", 12), ("oct", 10), ("Oct.", 10), ("October", 10), ("SEP", 9),
    ("13", None), ("0", None), ("Octember", None), ("", None), ("spring", None),
])
def test_months(raw: str, month: int | None) -> None:
    assert identifiers.month(raw) == month


def test_months_checked_and_read_alike(tmp_path: Path) -> None:
    """What validate accepts as a month is what the page shows as one."""
    for raw in ("Oct.", "october", "10", "Octember", "13"):
        d = Diagnostics()
        e = bib.parse(f"@misc{{k, title={{T}}, month={{{raw}}}}}", "x.bib", d).entries[0]
        rules.check_bib(bib.BibData("x.bib", "", [e], []), d)
        warned = any(x.rule == "month-format" for x in d.items)
        assert warned == (identifiers.month(raw) is None), raw


# --- invisible characters --------------------------------------------------------------


@pytest.mark.parametrize("ch", ["\u200e", "\u200f", "\u202e", "\u2066", "\x00", "\x1b",
                                "\x85", "\ufffe", "\U0008fffe", "\U0005ffff"])
def test_checked_characters_are_the_cleaned_ones(ch: str) -> None:
    assert chars.INVISIBLE.search(ch)
    assert cleantext.strip_invisible(f"a{ch}b") == "ab"
    d = Diagnostics()
    e = bib.parse(f"@misc{{k, title={{a{ch}b}}}}", "x.bib", d).entries[0]
    rules.check_bib(bib.BibData("x.bib", "", [e], []), d)
    assert {x.rule for x in d.items} & {"bidi-character", "control-character"}, ch


@pytest.mark.parametrize("ch", ["\t", "\n", "é", "\u00a0", "中"])
def test_ordinary_characters_stay(ch: str) -> None:
    assert cleantext.strip_invisible(f"a{ch}b") == f"a{ch}b"


def test_every_cleaned_character_is_unprintable() -> None:
    # strip_invisible returns printable text untouched without the regex: sound only while
    # every character the table names is one str.isprintable refuses.
    printable = [hex(c) for c in range(sys.maxunicode + 1)
                 if chars.INVISIBLE.match(chr(c)) and chr(c).isprintable()]
    assert printable == []
    assert cleantext.strip_invisible("é\u200e中\n") == "é中\n"


def test_the_split_text_check_finds_what_the_combined_pattern_finds() -> None:
    # check_text searches each part of the pattern only where the text holds what that
    # part needs: on every field of the corpus and on each kind of finding, it must say
    # what one search with the whole pattern says.
    from pubsite.check import text_checks

    values = ["plain", "a\u202eb", "x\x07y", "\\input{f}", "^^5c", "^^M", "\\{\\{",
              "{ \\{", "\\{%", "{%", "{{ x }}", "\\inputs", "\\'e", "50%", "\u00a0"]
    for path in sorted((SHARED / "corpus").glob("real*/*.bib")):
        text = path.read_text(encoding="utf-8", errors="replace")
        values += [v for e in bib.parse(text, path.name, Diagnostics()).entries
                   for v in e.fields.values()]
    found = [v for v in values if text_checks._SUSPICIOUS.search(v)]
    assert [v for v in values if text_checks._any_suspicious(v)] == found
    assert len(found) >= 8  # the made cases and the corpus's own


# --- profile schema ----------------------------------------------------------------------


def _profile(tmp_path: Path, text: str) -> tuple[Profile | None, Diagnostics]:
    path = tmp_path / "profile.toml"
    path.write_text(text, encoding="utf-8")
    d = Diagnostics()
    return profile.load(path, d, display="profile.toml"), d


def test_profile_defaults_come_from_the_schema(tmp_path: Path) -> None:
    p, d = _profile(tmp_path, 'name = "Ada Lovelace"\n')
    assert p is not None and d.items == []
    assert p.owner.name == "Ada Lovelace" and p.title == "Ada Lovelace"
    assert p.photo_alt == "Photo of Ada Lovelace"
    assert p.publications.name_style == "first-last" and p.publications.max_authors == 0
    assert [m.id for m in p.marks] == ["equal", "corresponding"]


@pytest.mark.parametrize(("text", "rule", "line", "words"), [
    ('name = "A"\n\n[publications]\nname_style = "fancy"\n', "profile-value", 4,
     "first-last, initials, last-first"),
    ('name = "A"\n[publications]\nmax_authors = "3"\n', "profile-type", 3, "integer"),
    ('name = "A"\n[publications]\nmax_authors = -1\n', "profile-value", 3, "at least 0"),
    ('name = "A"\nphoto_alt = true\n', "profile-type", 2, "string"),
    ('name = "A"\n[owner]\naliases = "A. B."\n', "profile-type", 3, "list of strings"),
    ('name = "A"\nnmae = "B"\n', "profile-unknown-key", 2, "did you mean 'name'"),
    ('name = "A"\n[marks.equal]\nsymbl = "#"\n', "profile-unknown-key", 3, "symbol"),
    ('name = "A"\npositions = "prof"\n', "profile-type", 2, "array of tables"),
    ('name = "A"\n[[links]]\nlabel = "x"\nurl = "javascript:alert(1)"\n', "url-scheme", 4,
     "javascript"),
    ('name = "A"\nbase_url = "example.org"\n', "profile-value", 2, "http"),
])
def test_profile_errors_name_key_and_line(tmp_path: Path, text: str, rule: str, line: int,
                                          words: str) -> None:
    _, d = _profile(tmp_path, text)
    found = [x for x in d.items if x.rule == rule]
    assert len(found) == 1, d.items
    assert found[0].line == line
    assert words in found[0].message + found[0].hint


def test_profile_marks_merge_over_defaults(tmp_path: Path) -> None:
    p, d = _profile(tmp_path, 'name = "A"\n[marks.equal]\nsymbol = "#"\n'
                              '[marks.student]\nsymbol = "§"\nlegend = "student"\n')
    assert p is not None and d.items == []
    assert p.mark("equal") == Mark("equal", "#", "indicates equal contributions")
    assert p.mark("student") == Mark("student", "§", "student")


def test_profile_dotted_key_of_a_thousand_parts(tmp_path: Path) -> None:
    _, d = _profile(tmp_path, "[" + ".".join(["a"] * 1000) + "]\n")
    assert [(x.rule, x.line) for x in d.items] == [("profile-too-deep", 1)]


def test_news_dates_may_be_toml_dates(tmp_path: Path) -> None:
    p, d = _profile(tmp_path, 'name = "A"\n[[news]]\ndate = 2024-05-01\ntext = "Hi"\n')
    assert p is not None and d.items == []
    assert p.news[0].date == "2024-05-01"


# --- the entry view ----------------------------------------------------------------------

OWNER = Author(Name("Hao", "", "Zhang"), is_owner=True, marks=("equal",))
OTHER = Author(Name("Ion", "", "Stoica"), marks=("equal", "corresponding"))
PUB = Publication(
    key="k", slug="k", kind="conference", entry_type="inproceedings", title="T & <b>",
    authors=(OWNER, OTHER), year="2022", month=None,
    venues=(Venue("OSDI", "2022", (Note("Oral"), Note("Best Paper", award=True))),),
    links=())


def _view_profile() -> Profile:
    from pubsite.model.site import DEFAULT_MARKS

    return Profile(name="Hao Zhang", marks=DEFAULT_MARKS)


@pytest.mark.parametrize(("fmt", "authors", "venues"), [
    (Plain, "Hao Zhang*, Ion Stoica*†", "OSDI 2022 (Oral; Best Paper)"),
    (MarkdownFormat, r"**Hao Zhang\***, Ion Stoica\*†", "OSDI 2022 (Oral; **Best Paper**)"),
    (LatexFormat,
     r"\textbf{Hao~Zhang\textsuperscript{*}}, Ion~Stoica\textsuperscript{*{\textdagger}}",
     r"OSDI 2022 (Oral; \textbf{Best Paper})"),
    (CvHtmlFormat, "<strong>Hao Zhang<sup>*</sup></strong>, Ion Stoica<sup>*†</sup>",
     'OSDI 2022 (Oral; <strong class="award">Best Paper</strong>)'),
])
def test_one_view_every_format(fmt: type[Plain], authors: str, venues: str) -> None:
    f = fmt(_view_profile())
    assert f.authors(PUB) == authors
    assert f.venues(PUB.venues) == venues
    assert "equal contributions" in f.legend(PUB)
    assert "corresponding author" in f.legend(PUB)


def test_html_view_keeps_owner_and_escapes() -> None:
    f = HtmlFormat(_view_profile())
    text = f.authors(PUB)
    assert '<span class="author owner"><strong>Hao Zhang</strong><sup class="mark"' in text
    assert 'title="indicates corresponding author">†</sup>' in text
    odd = dataclasses.replace(PUB, authors=(Author(Name("<b>Eve</b>", "", "X")),))
    assert "&lt;b&gt;Eve&lt;/b&gt;" in f.authors(odd)
    authors = (*(Author(Name(f"A{i}", "", "X")) for i in range(8)), OWNER,
               *(Author(Name(f"B{i}", "", "Y")) for i in range(3)))
    short = f.authors(dataclasses.replace(PUB, authors=authors), limit=4)
    full, visible = short.split('<span class="authors-short" hidden>')
    assert "A5" in full  # what shows without JavaScript
    assert "Hao Zhang" in visible and "B2" in visible and "A5" not in visible
    # The button's text is its name: no aria-label that says something else.
    # One button for both runs it hides (5 before the owner, 2 after): it reveals all 7.
    assert '<button type="button" class="authors-more">7 more authors</button>' in visible
    assert visible.count("<button") == 1 and "</span>, …, <span" in visible
    assert "aria-label" not in visible


# --- rules -------------------------------------------------------------------------------


def _rules(entry: str) -> set[str]:
    d = Diagnostics()
    data = bib.parse(entry, "x.bib", d)
    rules.check_bib(data, d)
    return {x.rule for x in d.items}


@pytest.mark.parametrize(("entry", "rule"), [
    ("@article{k, title={T}, year={20x4}}", "year-format"),
    ("@article{k, title={T}, doi={doi.org/abc}}", "doi-format"),
    ("@article{k, title={T}, arxiv={arXiv preprint}}", "arxiv-format"),
    ("@article{k, titel={T}}", "unknown-field"),
    ("@artcle{k, title={T}}", "unknown-entry-type"),
    ("@article{a, title={Same}, doi={10.1000/x}}\n@article{b, title={Other}, "
     "doi={https://doi.org/10.1000/X}}", "duplicate-work"),
])
def test_rules_find(entry: str, rule: str) -> None:
    assert rule in _rules(entry)


@pytest.mark.parametrize("entry", [
    "@article{k, title={T}, year={2024}, doi={https://doi.org/10.1000/x}}",
    "@article{k, title={T}, arxiv={https://arxiv.org/pdf/2201.12023v2}}",
    "@misc{k, title={T}, eprint={2201.12023}, archiveprefix={arXiv}}",
])
def test_rules_accept(entry: str) -> None:
    assert _rules(entry) & {"doi-format", "arxiv-format", "year-format"} == set()


# --- urls -------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "ok"), [
    ("https://x.org/a", True), ("paper.pdf", True), ("mailto:a@b.c", False),
    ("javascript:alert(1)", False), ("JaVa\tScRiPt:alert(1)", False),
    ("&#106;avascript:alert(1)", False), ("data:text/html,x", False),
    ("\\\\evil.com", False), (" https://x.org", True),
])
def test_urls_allow_list(url: str, ok: bool) -> None:
    assert (urls.safe_url(url) is not None) == ok


# --- normalise ---------------------------------------------------------------------------


def _normalise(entry: str, name: str = "Hao Zhang") -> Publication:
    d = Diagnostics()
    data = bib.parse(entry, "x.bib", d)
    from pubsite.model.site import DEFAULT_MARKS, OwnerSpec

    prof = Profile(name=name, owner=OwnerSpec(name), marks=DEFAULT_MARKS)
    return Normaliser(prof, d).publications(data.entries)[0]


def test_normalise_arxiv_url_forms_give_the_id() -> None:
    p = _normalise("@misc{k, title={T}, author={Hao Zhang}, "
                   "arxiv={https://arxiv.org/pdf/2201.12023v2.pdf}}")
    assert p.arxiv == "2201.12023v2"


def test_normalise_marks_owner_and_venue_notes() -> None:
    p = _normalise("@inproceedings{k, title={T}, author={Hao Zhang* and Ion Stoica}, "
                   "booktitle={OSDI}, year={2022}, venue_note={Oral}, award={Best Paper}}")
    assert [a.is_owner for a in p.authors] == [True, False]
    assert p.authors[0].marks == ("equal",)
    assert p.venues[0].notes == (Note("Oral"), Note("Best Paper", award=True))
    assert p.month is None and p.year == "2022"
