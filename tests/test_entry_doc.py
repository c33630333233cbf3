"""One document per entry: a change to how one part of an entry is written, made in the one
place docs/ARCHITECTURE.md names (`view.venue_part`, `view.author_part`), reaches every
output a user gets from `pubsite build` and `pubsite export`; the data formats, which carry
facts and not the line, stay as they were."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main
from pubsite.model.site import Author, Venue
from pubsite.render import view

PROFILE = 'name = "Ada Lovelace"\n'
BIB = """@article{engine,
  author  = {Ada Lovelace and Charles Babbage},
  title   = {Notes on the Analytical Engine},
  journal = {Scientific Memoirs},
  volume  = {3},
  pages   = {666--731},
  year    = {1843},
}
"""
LINE_EXPORTS = ("latex", "markdown", "html", "text", "rendercv")
DATA_EXPORTS = ("csl-json", "bibtex")
MARK = "Qq"  # letters: every escaper leaves them as they are


def _outputs(project: Path, out: str) -> dict[str, str]:
    """What a user gets: the built site's index.html, the paper page and its description,
    index.md, and every export."""
    runner = CliRunner()
    args = ["--bib", str(project / "publications.bib"), "--profile",
            str(project / "profile.toml")]
    built = runner.invoke(main, ["build", *args, "--out", str(project / out)])
    assert built.exit_code == 0, built.output
    page = (project / out / "publications" / "engine" / "index.html").read_text()
    found = re.search(r'<meta name="description" content="([^"]*)"', page)
    assert found is not None
    seen = {"index.html": (project / out / "index.html").read_text(), "paper page": page,
            "description": html.unescape(found.group(1)),
            "index.md": (project / out / "index.md").read_text()}
    for fmt in (*LINE_EXPORTS, "json", "jsonresume", *DATA_EXPORTS):
        result = runner.invoke(main, ["export", *args, "--format", fmt])
        assert result.exit_code == 0, result.output
        seen[fmt] = result.stdout
    return seen


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "profile.toml").write_text(PROFILE)
    (tmp_path / "publications.bib").write_text(BIB)
    return tmp_path


def _venue_with_mark(v: Venue, details: str = "", spelled: str = "") -> view.Tag:
    part = ORIGINAL_VENUE(v, details, spelled)
    return dataclasses.replace(part, children=(f"{MARK} ", *part.children))


def _author_with_mark(a: Author, profile: object) -> view.Tag:
    part = ORIGINAL_AUTHOR(a, profile)  # type: ignore[arg-type]
    return dataclasses.replace(part, children=(*part.children, f" {MARK}"))


ORIGINAL_VENUE, ORIGINAL_AUTHOR = view.venue_part, view.author_part

# Where each part shows. The venue line is in the JSON export's "venue"; authors are data
# there (name parts), but JSON Resume's summary is the author line. A page's description
# is the title and the venue line (or the abstract's first sentence): no authors.
SHOWN = {
    "venue": ("index.html", "paper page", "description", "index.md", *LINE_EXPORTS, "json"),
    "author": ("index.html", "paper page", "index.md", *LINE_EXPORTS, "jsonresume"),
}


@pytest.mark.parametrize("part", ["venue", "author"])
def test_one_change_to_a_part_changes_every_output(
        project: Path, monkeypatch: pytest.MonkeyPatch, part: str) -> None:
    before = _outputs(project, "before")
    changed = _venue_with_mark if part == "venue" else _author_with_mark
    monkeypatch.setattr(view, f"{part}_part", changed)
    after = _outputs(project, "after")
    assert not [name for name, text in before.items() if MARK in text]
    missed = [name for name in SHOWN[part] if MARK not in after[name]]
    assert missed == []
    # The data formats carry facts, never the written line.
    unchanged = [name for name in after if name not in SHOWN[part]]
    assert {name: after[name] for name in unchanged} == \
        {name: before[name] for name in unchanged}
    assert set(DATA_EXPORTS) <= set(unchanged)


def test_the_venue_part_is_written_once_with_its_details() -> None:
    """A full reference puts its details between the venue and the year; RenderCV's line,
    without the year, ends with the pages and no stray comma."""
    v = Venue("Nature", "2015")
    plain = view.Plain(_profile())
    assert plain.render((view.venue_part(v, "521, pp. 1–2"),)) == "Nature, 521, pp. 1–2, 2015"
    assert plain.render((view.venue_part(Venue("Nature"), "521"),)) == "Nature, 521"
    assert plain.render((view.venue_part(v),)) == "Nature 2015"


def test_rendercv_line_has_no_stray_comma(project: Path) -> None:
    result = CliRunner().invoke(main, [
        "export", "--bib", str(project / "publications.bib"), "--profile",
        str(project / "profile.toml"), "--format", "rendercv"])
    assert 'journal: "Scientific Memoirs, 3, pp. 666–731"' in result.stdout


def _profile() -> view.Profile:
    return view.Profile(name="Ada Lovelace")


# --- The order of an entry's parts -------------------------------------------------------

MARKED_BIB = BIB.replace("Ada Lovelace and Charles Babbage", "Ada Lovelace* and Charles Babbage*")
# What each part says in every output (the legend: the profile's default per entry).
SAYS = {"title": "Analytical Engine", "authors": "Babbage",
        "legend": "indicates equal contributions)", "venue": "Scientific Memoirs"}
# Each output's entry, cut out of what surrounds it on the page (the page's own <title>,
# its JSON-LD and the BibTeX to cite name the same things).
ENTRY_OF = {
    "index.html": r'<li class="pub".*?<details class="pub-bibtex">',
    "paper page": r"<h1>.*?<p class=\"pub-links\">",
    "CV page": r'<ol class="pubsite-list">.*?</ol>',
    "index.md": r"- \*\*Notes.*",
    **{fmt: r".*" for fmt in ("latex", "markdown", "html", "text")},
}


def _order_in_outputs(project: Path, out: str) -> dict[str, list[str]]:
    seen = _outputs(project, out)
    seen["CV page"] = (project / out / "cv" / "index.html").read_text()
    orders = {}
    for name, pattern in ENTRY_OF.items():
        found = re.search(pattern, seen[name], re.DOTALL)
        assert found is not None, name
        at = {part: found.group(0).find(text) for part, text in SAYS.items()}
        assert -1 not in at.values(), (name, at)
        orders[name] = sorted(at, key=at.__getitem__)
    return orders


def test_the_view_alone_orders_an_entrys_parts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`view.ORDER` is the one place the order of an entry's parts is written: the site's
    list entry and paper page, the CV page, index.md and every CV list follow it (no
    template places a part of its own accord; the plain-text list once put the legend last)."""
    (tmp_path / "profile.toml").write_text(PROFILE + "cv = true\n")
    (tmp_path / "publications.bib").write_text(MARKED_BIB)
    before = _order_in_outputs(tmp_path, "before")
    assert before == {name: ["title", "authors", "legend", "venue"] for name in ENTRY_OF}
    monkeypatch.setattr(view, "ORDER", ("title", "venue", "legend", "authors", "links"))
    after = _order_in_outputs(tmp_path, "after")
    assert after == {name: ["title", "venue", "legend", "authors"] for name in ENTRY_OF}


def test_the_homepage_cuts_author_lists_and_every_cv_list_shows_all(tmp_path: Path) -> None:
    """`max_authors` is the homepage's (the site's list and index.md): the CV lists, the
    Markdown one included, name every author, as a CV must."""
    (tmp_path / "profile.toml").write_text(
        PROFILE + "[publications]\nmax_authors = 2\n", encoding="utf-8")
    (tmp_path / "publications.bib").write_text(BIB.replace(
        "Ada Lovelace and Charles Babbage",
        "Ada Lovelace and Charles Babbage and Mary Somerville and Luigi Menabrea and "
        "Augustus De Morgan"), encoding="utf-8")
    seen = _outputs(tmp_path, "site")
    assert "**Ada Lovelace**, …, Augustus De Morgan." in seen["index.md"]
    for fmt in ("latex", "markdown", "html", "text"):
        assert "Menabrea" in seen[fmt], fmt
