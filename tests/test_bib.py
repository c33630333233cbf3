"""Reading .bib files: values, macros, lines, and what bibtexparser alone gets wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pubsite.errors import Diagnostics
from pubsite.read import bib

from conftest import SHARED

REAL = sorted((SHARED / "corpus" / "real").glob("*.bib"))


def parse(text: str) -> tuple[bib.BibData, Diagnostics]:
    d = Diagnostics()
    return bib.parse(text, "t.bib", d), d


def test_concatenation_and_macros() -> None:
    data, d = parse('@string{ack = "Thanks"}\n@string{etal = ack # { and others}}\n'
                    '@misc{a, month = apr # "-" # may, note = etal # "!", year = 2020,'
                    ' title = "Say {"}hi{"}"}\n')
    f = data.entries[0].fields
    assert f["month"] == "April-May"
    assert f["note"] == "Thanks and others!"
    assert f["year"] == "2020"
    assert f["title"] == 'Say {"}hi{"}'
    assert not d.items


def test_field_names_are_case_insensitive_and_first_wins() -> None:
    data, d = parse("@misc{a, TITLE = {First}, title = {Second}, AUTHOR = {A and B}}\n")
    assert data.entries[0].fields["title"] == "First"
    assert data.entries[0].fields["author"] == "A and B"
    assert [x.rule for x in d.items] == ["duplicate-field"]


def test_crossref_inherits() -> None:
    data, _ = parse("@inproceedings{child, title = {C}, crossref = {Parent}}\n"
                    "@proceedings{parent, title = {Proc}, year = 1999, publisher = {P}}\n")
    f = data.entries[0].fields
    assert f["booktitle"] == "Proc" and f["year"] == "1999" and f["title"] == "C"


def test_lines_survive_backslash_line_ends() -> None:
    text = ("@misc{a,\n  note = {one\\\\\n two\\\\\n three\\\\\n},\n}\n\n"
            "@misc{b,\n  title = {x},\n}\n")
    data, _ = parse(text)
    assert [e.line for e in data.entries] == [1, 8]
    assert data.entries[1].field_line("title") == 9


@pytest.mark.parametrize("path", REAL, ids=[p.name for p in REAL])
def test_every_entry_line_points_at_its_key(path: Path) -> None:
    d = Diagnostics()
    text, _ = bib.read_text(path, d)
    data = bib.parse(text, path.name, d)
    lines = text.splitlines()
    for e in data.entries:
        line = lines[e.line - 1]
        assert "@" + e.entry_type in line.lower().replace(" ", ""), (e.key, e.line, line)
        assert e.key in "\n".join(lines[e.line - 1:e.line + 2]), (e.key, e.line, line)
    for diag in d.items:
        assert diag.line is not None, diag
        assert 1 <= diag.line <= len(lines) + 1


def test_gotchas_from_the_corpus() -> None:
    real = SHARED / "corpus" / "real"

    def load(name: str) -> tuple[bib.BibData, Diagnostics]:
        d = Diagnostics()
        text, _ = bib.read_text(real / name, d)
        return bib.parse(text, name, d), d

    xampl, _ = load("texlive_xampl.bib")
    by_key = {e.key: e.fields for e in xampl.entries}
    assert by_key["manual-full"]["month"] == "April-May"  # apr # "-" # may
    assert by_key["inbook-crossref"]["publisher"]  # inherited from whole-set
    tug, d = load("texlive-beebe_tugboat.bib")
    assert len(tug.entries) == 4839
    acks = [e.fields.get("acknowledgement", "") for e in tug.entries]
    assert not any("#" in a or a == "ack-nhfb" for a in acks)
    dup = [x for x in d.items if x.rule == "duplicate-field"]
    assert sorted(x.key for x in dup) == ["Anonymous:TB10-3-445"] * 2 + \
        ["Anonymous:TB10-3-461"] * 2
    text = (real / "texlive-beebe_tugboat.bib").read_text().splitlines()
    for x in dup:
        assert x.line is not None
        assert text[x.line - 1].lstrip().split()[0] in ("bibsource", "acknowledgement")
    ys, d = load("yang-song_papers.bib")
    assert [e.key for e in ys.entries].count("gao2020learning") == 2
    assert [(x.rule, x.line) for x in d.items if x.rule == "duplicate-key"] == \
        [("duplicate-key", 336)]


BIBLIKE = st.text(alphabet=st.sampled_from(list('@{}",=#% \n\\abcAND0123~$^')), max_size=300)


@settings(max_examples=300, deadline=None)
@given(BIBLIKE)
def test_random_input_never_raises(text: str) -> None:
    data, d = parse(text)
    _consistent(text, data, d)


def _consistent(text: str, data: bib.BibData, d: Diagnostics) -> None:
    """What any input yields points back into that input: an entry starts with an `@` on
    its line and its key is in its text; every finding has a message and a line that
    exists."""
    lines = text.splitlines() or [""]
    assert len(data.entries) <= text.count("@")
    for e in data.entries:
        assert 1 <= e.line <= len(lines) and "@" in lines[e.line - 1], (e.key, e.line)
        assert e.key in e.raw and e.raw in text
    for x in d.items:
        assert x.message
        assert x.line is None or 1 <= x.line <= len(lines) + 1, (x.rule, x.line)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    "@article{k1, author = {A. B and C, D}, title = {T}}\n", "@string{s = {x}}\n",
    "@misc{k2, title = s # {y}}\n", "}", "{", '"', "@comment{", "junk = {1},\n",
    "@misc{k3, author = {Jean de La Fontaine*}, title = {\\\"u}\n", "\\\\\n", "% c\n",
]), max_size=12))
def test_mutated_bibtex_never_raises(parts: list[str]) -> None:
    text = "".join(parts)
    data, d = parse(text)
    _consistent(text, data, d)
    # An entry that stands whole, with nothing open before it, is always read.
    if parts and parts[0].startswith("@article{k1"):
        assert data.entries and data.entries[0].key == "k1"


@pytest.mark.parametrize("path", [p for p in REAL if p.stat().st_size > 20_000],
                         ids=lambda p: p.name)
def test_parsing_in_pieces_equals_parsing_whole(path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    d = Diagnostics()
    text, _ = bib.read_text(path, d)

    def run(piece: int, first: int | None = None) -> tuple[object, ...]:
        # The first pieces grow from `first` to `piece` (by default all are `piece`).
        monkeypatch.setattr(bib, "PIECE", piece)
        monkeypatch.setattr(bib, "FIRST_PIECE", first or piece)
        diags = Diagnostics()
        data = bib.parse(text, path.name, diags)
        return ([(e.key, e.entry_type, e.fields, e.line) for e in data.entries],
                data.comments, [(x.rule, x.line, x.key) for x in diags.items])

    whole = run(10**9)
    assert run(2048) == whole
    assert run(50_000) == whole
    assert run(50_000, 1024) == whole
