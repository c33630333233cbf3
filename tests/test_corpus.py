"""Every real-world file of shared/corpus/real builds, and no entry is lost for its names."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main
from test_oracle import bibtex_reading

from conftest import SHARED
from helpers import publications

REAL = sorted((SHARED / "corpus" / "real").glob("*.bib"))
EXPORTS = ["html", "markdown", "latex", "bibtex", "csl-json", "json", "jsonresume",
           "rendercv", "text"]


def _profile(folder: Path, name: str, extra: str = "") -> Path:
    path = folder / "profile.toml"
    path.write_text(f'name = "{name}"\n{extra}', encoding="utf-8")
    return path


def _expected_entries(path: Path) -> int:
    """The most entries either reader finds: bibtexparser (counting the ones it sets aside)
    or the real bibtex where it reads the file without error (an `@t+{x,}`, a quote inside
    braces, an `@` inside a value)."""
    from bibtexparser import model as bm
    from bibtexparser.entrypoint import parse_string

    data = path.read_bytes().decode("utf-8", errors="replace")
    lib = parse_string(data, parse_stack=[])
    count = len(lib.entries)
    for block in lib.failed_blocks:
        if isinstance(getattr(block, "ignore_error_block", None), bm.Entry):
            count += 1
    if shutil.which("bibtex"):
        with tempfile.TemporaryDirectory() as work:
            found = bibtex_reading(path, Path(work) / "b")  # None where it reports errors
        return max(count, len(found[0]) if found else 0)
    return count


@pytest.mark.parametrize("bib", REAL, ids=[p.name for p in REAL])
def test_real_file_builds_without_losing_entries(bib: Path, tmp_path: Path) -> None:
    profile = _profile(tmp_path, "Jane Doe")
    out = tmp_path / "site"
    with tempfile.TemporaryDirectory() as work:
        bibtex_reads = shutil.which("bibtex") is None or \
            bibtex_reading(bib, Path(work) / "b") is not None
    # A file BibTeX reads without error builds and exports as it is; others with --keep-going.
    args = ["--bib", str(bib), "--profile", str(profile)]
    result = CliRunner().invoke(main, ["build", *args, "--out", str(out),
                                       *([] if bibtex_reads else ["--keep-going"])])
    assert result.exit_code == 0, result.output
    if bibtex_reads:
        for fmt in EXPORTS:
            exported = CliRunner().invoke(main, ["export", "--format", fmt, *args])
            assert exported.exit_code == 0, (fmt, exported.output[-500:])
    assert "Traceback" not in result.output and "internal error" not in result.output
    pubs = publications((out / "index.html").read_text())
    assert len(pubs) >= _expected_entries(bib)  # no entry either reader finds is lost


def _build(tmp_path: Path, bib: Path, name: str, extra: str = "") -> list[dict[str, object]]:
    profile = _profile(tmp_path, name, extra)
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--bib", str(bib), "--profile", str(profile),
                                       "--out", str(out), "--keep-going"])
    assert result.exit_code == 0, result.output
    return publications((out / "index.html").read_text())


def test_yang_song_stars_become_marks(shared: Path, tmp_path: Path) -> None:
    bib = shared / "corpus" / "real" / "yang-song_papers.bib"
    raw_starred = re.findall(r"author\s*=\s*\{[^}]*\*", bib.read_text())
    pubs = _build(tmp_path, bib, "Yang Song")
    starred = [p for p in pubs if "*" in str(p["authors"])]
    assert len(starred) == len(raw_starred) == 5
    for p in starred:
        assert p["legend"] == "(* indicates equal contributions)"
    assert all(p["legend"] == "" for p in pubs if "*" not in str(p["authors"]))
    # The owner is bold wherever he is an author, star or not.
    assert sum(1 for p in pubs if p["bold"]) >= 35
    assert any(p["bold"] == ["Yang Song"] and "Yang Song*" in str(p["authors"])
               for p in pubs)
    # The two different papers under one key are both there.
    titles = [str(p["title"]) for p in pubs]
    assert any(t.startswith("Anytime Sampling for Autoregressive Models") for t in titles)


def test_al_folio_marks_and_owner(shared: Path, tmp_path: Path) -> None:
    pubs = _build(tmp_path, shared / "corpus" / "real" / "al-folio_papers.bib",
                  "Albert Einstein", "[owner]\nmatch_initials = true\n")
    epr = next(p for p in pubs if "Einstein*†, A." not in str(p["authors"])
               and "Podolsky" in str(p["authors"]))
    assert epr["authors"] == "A. Einstein*†, B. Podolsky*, N. Rosen*"
    assert epr["legend"] == \
        "(* indicates equal contributions; † indicates corresponding author)"
    assert epr["bold"] == ["A. Einstein"]
    assert all(p["bold"] for p in pubs if "Einstein" in str(p["authors"]))


@pytest.mark.parametrize("bib", REAL, ids=[p.name for p in REAL])
def test_real_file_validates_without_traceback(bib: Path, tmp_path: Path) -> None:
    import json

    profile = _profile(tmp_path, "Jane Doe")
    result = CliRunner().invoke(main, ["validate", "--bib", str(bib), "--profile", str(profile),
                                       "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    findings = json.loads(result.output)
    errors = [d for d in findings if d["severity"] == "error"]
    assert (result.exit_code == 1) == bool(errors)


# --- real2: personal files from many fields, built with a profile holding only the name ---

REAL2 = sorted((SHARED / "corpus" / "real2").glob("*.bib"))


def _owners() -> dict[str, str]:
    found = {}
    for line in (SHARED / "corpus" / "real2" / "MANIFEST.md").read_text().splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 6 and cells[1].endswith(".bib"):
            found[cells[1]] = cells[5]
    return found


def _fold(text: str) -> str:
    import unicodedata
    text = unicodedata.normalize("NFKD", text.replace("ı", "i"))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


@pytest.mark.parametrize("bib", REAL2, ids=[p.name for p in REAL2])
def test_anyones_file_right_the_first_time(bib: Path, tmp_path: Path) -> None:
    from pubsite import pipeline
    from pubsite.errors import Diagnostics
    from pubsite.read import bib as bibfile
    from pubsite.read import latex

    owner = _owners()[bib.name]
    shutil.copy(bib, tmp_path / "publications.bib")
    (tmp_path / "profile.toml").write_text(f'name = "{owner}"\n', encoding="utf-8")
    args = ["--bib", str(tmp_path / "publications.bib"),
            "--profile", str(tmp_path / "profile.toml")]
    built = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "s"), "--quiet"])
    assert built.exit_code == 0, built.output
    for fmt in EXPORTS:
        out = CliRunner().invoke(main, ["export", "--format", fmt, *args])
        assert out.exit_code == 0, (fmt, out.output[-500:])
    diags = Diagnostics()
    pubs = pipeline.load(pipeline.Inputs(tmp_path / "publications.bib",
                                         tmp_path / "profile.toml"), diags).publications
    near = {d.key for d in diags.items if d.rule == "owner-near-miss"}
    # The fields as the file gives them (the model keeps only what it decided).
    text = bibfile.read_text(tmp_path / "publications.bib", Diagnostics())[0]
    written = {(e.key, e.line): e.fields
               for e in bibfile.parse(text, "publications.bib", Diagnostics()).entries}
    family = re.compile(r"\b" + re.escape(_fold(owner.split()[-1])) + r"\b")
    for p in pubs:
        if any(family.search(_fold(f"{a.name.first} {a.name.family}")) for a in p.authors):
            # the owner is bold, or the one slip in the name is reported with its fix
            assert any(a.is_owner for a in p.authors) or p.key in near, p.key
        shown = [p.title, *(v.name for v in p.venues), *(a.name.first_last() for a in p.authors)]
        assert not [s for s in shown if re.search(r"\\[A-Za-z]+|[{}]", s)], p.key
        fields = written[p.key, p.source_line]
        if any(fields.get(k, "").strip() for k in ("journal", "booktitle", "journaltitle",
               "eventtitle", "school", "institution", "publisher", "howpublished")):
            assert p.venues and p.venues[0].name not in ("", "Preprint"), p.key
        if any(fields.get(k, "").strip() for k in ("note", "howpublished", "status")) and \
                "arxiv" not in fields.get("note", "").lower():
            # a working paper says what it is: "Preprint" only for an eprint alone
            assert not p.venues or p.venues[0].name != "Preprint", p.key
        if fields.get("venue", "").strip() and (fields.get("eventtitle") or
                                                fields.get("eventdate")):
            # biblatex's venue is the event's place, never shown as the venue
            assert all(v.name != latex.decode(fields["venue"]) for v in p.venues), p.key
        if fields.get("year") or fields.get("date"):
            assert p.venues and p.venues[0].year, p.key
    site = tmp_path / "s"
    for page in site.rglob("*.html"):
        for href in re.findall(r'(?:href|src)="([^"#?:]+)"', page.read_text()):
            target = (page.parent / href)
            assert (target / "index.html" if target.is_dir() else target).exists(), \
                (str(page.relative_to(site)), href)
