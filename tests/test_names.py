"""BibTeX's name grammar, decoding, marks and owner matching."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pubsite.model.site import Name
from pubsite.read import names

from conftest import SHARED


def _cases(filename: str) -> list[dict[str, object]]:
    return list(json.loads((SHARED / "corpus" / filename).read_text()))


NAME_CASES = _cases("names.json")
AND_CASES = _cases("names_split_and.json")


def test_corpus_tables_are_present(shared: Path) -> None:
    assert len(NAME_CASES) == 178
    assert len(AND_CASES) == 44


@pytest.mark.parametrize("case", NAME_CASES, ids=[str(c["input"]) for c in NAME_CASES])
def test_name_parts_as_bibtex_gives_them(case: dict[str, object]) -> None:
    parts = names.split_name(str(case["input"]))
    assert list(parts.first) == case["first"]
    assert list(parts.von) == case["von"]
    assert list(parts.last) == case["last"]
    assert list(parts.jr) == case["jr"]


@pytest.mark.parametrize("case", AND_CASES, ids=[repr(c["input"]) for c in AND_CASES])
def test_split_at_and(case: dict[str, object]) -> None:
    assert names.split_authors(str(case["input"])) == case["expected"]


# Hard names: raw BibTeX -> decoded parts (first, von, last, jr).
HARD_NAMES = [
    ('M{\\"u}ller, Hans', ("Hans", "", "Müller", "")),
    ('Hans M\\"{u}ller', ("Hans", "", "Müller", "")),
    ("Paul Erd{\\H{o}}s", ("Paul", "", "Erdős", "")),
    ("Nguy{\\~{\\^e}}n Văn An", ("Nguyễn Văn", "", "An", "")),
    ("S{\\o}ren Kierkegaard", ("Søren", "", "Kierkegaard", "")),
    ("{\\AA}ngstr{\\\"o}m, Anders", ("Anders", "", "Ångström", "")),
    ("{\\relax Ch}ristopher Manning", ("Christopher", "", "Manning", "")),
    ("D{\\'{\\i}}az, Jos{\\'e}", ("José", "", "Díaz", "")),
    ("Ludwig van Beethoven", ("Ludwig", "van", "Beethoven", "")),
    ("van der Waals, Johannes Diderik", ("Johannes Diderik", "van der", "Waals", "")),
    ("Jean de La Fontaine", ("Jean", "de", "La Fontaine", "")),
    ("Ford, Jr., Henry", ("Henry", "", "Ford", "Jr.")),
    ("{Barnes and Noble}", ("", "", "Barnes and Noble", "")),
    ("{Wachter-Zeh}, Antonia", ("Antonia", "", "Wachter-Zeh", "")),
    ("Halıcıoğlu, Taner", ("Taner", "", "Halıcıoğlu", "")),
    ("Müller, Hans", ("Hans", "", "Müller", "")),
    ("Torralba-Agell, Adrià,", ("Adrià", "", "Torralba-Agell", "")),
]


@pytest.mark.parametrize(("raw", "expected"), HARD_NAMES, ids=[h[0] for h in HARD_NAMES])
def test_hard_names_decode(raw: str, expected: tuple[str, str, str, str]) -> None:
    name, _ = names.decode_name(raw)
    assert (name.first, name.von, name.last, name.jr) == expected


def test_trailing_comma_warns_but_keeps_the_name() -> None:
    _, warnings = names.decode_name("Torralba-Agell, Adrià,")
    assert warnings == ("trailing comma in name",)
    _, warnings = names.decode_name("Chong, B. M., Specia, L., & Mitkov, R.")
    assert warnings == ("too many commas in name",)


SYMBOLS = (("*", "equal"), ("†", "corresponding"), ("‡", "advisee"))


@pytest.mark.parametrize(("raw", "clean", "marks"), [
    ("Yang Song*", "Yang Song", ("equal",)),
    ("Song*, Yang", "Song, Yang", ("equal",)),
    ("Einstein*†, A.", "Einstein, A.", ("equal", "corresponding")),
    ("Ada Lovelace{*}", "Ada Lovelace", ("equal",)),
    ("Yang Song∗", "Yang Song", ("equal",)),
    ("Yang Song$^*$", "Yang Song", ("equal",)),
    ("Yang Song\\textsuperscript{*}", "Yang Song", ("equal",)),
    ("Yang Song$^\\dagger$", "Yang Song", ("corresponding",)),
    ("Yang Song*†", "Yang Song", ("corresponding", "equal")),
    ("*Yang Song", "Yang Song", ("equal",)),
    ("Yixin Wu (co-first author)", "Yixin Wu", ("equal",)),
    ("Ada Lovelace‡", "Ada Lovelace", ("advisee",)),
    ("Plain Name", "Plain Name", ()),
])
def test_marks_come_off_the_name(raw: str, clean: str, marks: tuple[str, ...]) -> None:
    got_clean, got_marks = names.extract_marks(raw, SYMBOLS)
    assert got_clean == clean
    assert sorted(got_marks) == sorted(marks)


def test_annotations() -> None:
    assert names.parse_annotations("1=equal;2=equal, corresponding; 3:family=highlight") == {
        1: ("equal",), 2: ("equal", "corresponding"), 3: ("highlight",)}


def _n(raw: str) -> Name:
    return names.decode_name(raw)[0]


class TestOwner:
    matcher = names.OwnerMatcher.build("Hao Zhang")

    @pytest.mark.parametrize("raw", ["Hao Zhang", "Zhang, Hao", "hao zhang", "ZHANG, HAO",
                                     "Hao~Zhang", "{Hao} {Zhang}", "H. Zhang", "Zhang, H.",
                                     "Zhang H", "Hao Q. Zhang"])
    def test_matches(self, raw: str) -> None:
        assert self.matcher.score(_n(raw))

    @pytest.mark.parametrize("raw", ["Haoran Zhang", "Hao Zhan", "Hao Zhang Jr", "J. Zhang",
                                     "Zhang Hao", "Hao Zheng", "Q. H. Zhang"])
    def test_does_not_match(self, raw: str) -> None:
        assert not self.matcher.score(_n(raw))

    def test_written_as_is_beats_initials(self) -> None:
        assert self.matcher.score(_n("Hao Zhang")) > self.matcher.score(_n("H. Zhang")) > 0

    def test_only_the_name_as_written_when_initials_are_off(self) -> None:
        strict = names.OwnerMatcher.build("Hao Zhang", match_initials=False)
        assert not strict.score(_n("H. Zhang"))
        assert strict.score(_n("Zhang, Hao"))
        assert strict.near_miss(_n("H. Zhang")) is not None

    @pytest.mark.parametrize(("owner", "written"), [
        ("Wolfgang A. Wall", "W.A. Wall"), ("Wolfgang A. Wall", "Wall, W.A."),
        ("Wolfgang A. Wall", "WA Wall"), ("Wolfgang A. Wall", "Wall WA"),
        ("Wolfgang A. Wall", "Wall W. A."),
        ("Marine A. Denolle", "Denolle, Marine"), ("Marine A. Denolle", "M. Denolle"),
        ("Edward Linscott", "Linscott, Edward B."), ("Art F. Y. Poon", "Art FY Poon"),
        ("Art F. Y. Poon", "Art Poon"), ("Alice M. Trevail", "Am Trevail"),
        ("Antonio Uría-Álvarez", "Uría Álvarez, A."), ("Antonio Uría-Álvarez", "A. Uría Álvarez"),
        ("Antonio Uría-Álvarez", "Ur{\\'\\i}a-{\\'A}lvarez, Antonio"),
        ("Antonio Uría-Álvarez", "Uri\u0301a-A\u0301lvarez, A."),  # combining accents
        ("Antonio Uría-Álvarez", "Urı\u0301a-Álvarez, A."),  # dotless i from a PDF
        ("Jan de Leeuw", "De Leeuw, J."), ("Jan de Leeuw", "J. De Leeuw"),
        ("Jan de Leeuw", "de Leeuw, Jan"), ("Milan Češka", "Milan Ceska"),
        ("Alexander Meyer-Gohde", "Alexander Meyer\u2010Gohde"),
        ("Jean-Paul Sartre", "Jean Paul Sartre"), ("Jean-Paul Sartre", "J.-P. Sartre"),
    ])
    def test_the_ways_people_write_their_own_name(self, owner: str, written: str) -> None:
        assert names.OwnerMatcher.build(owner).score(_n(written))

    @pytest.mark.parametrize(("owner", "written"), [
        ("Wolfgang A. Wall", "W. B. Wall"), ("Alexandre Imperiale", "Imperiale, S."),
        ("Marine A. Denolle", "Denolle, Martin"), ("Jan de Leeuw", "K. de Leeuw"),
        ("Hao Zhang", "Zhang, Hao, Jr."),
    ])
    def test_conflicting_given_names_never_match(self, owner: str, written: str) -> None:
        assert not names.OwnerMatcher.build(owner).score(_n(written))

    def test_aliases_and_accents(self) -> None:
        m = names.OwnerMatcher.build("Jürgen Müller", aliases=("J. Mueller", "Juergen Mueller"))
        assert m.score(_n('J{\\"u}rgen M{\\"u}ller'))
        assert m.score(_n("Müller, Jürgen"))
        assert m.score(_n("Juergen Mueller"))
        assert m.score(_n("Jurgen Muller"))  # accents dropped by an ASCII-only tool
        assert not m.score(_n("Jörg Müller"))

    @pytest.mark.parametrize(("raw", "why"), [
        ("Zhang Hao", "reversed"),
        ("Hao Zhnag", "swapped"),
        ("Hoa Zhang", "swapped"),
        ("Hao Zhan", "one letter"),
    ])
    def test_near_misses(self, raw: str, why: str) -> None:
        found = self.matcher.near_miss(_n(raw))
        assert found is not None
        assert why in found

    def test_given_names_in_another_order(self) -> None:
        found = names.OwnerMatcher.build("Art F. Y. Poon").near_miss(_n("Art Y F Poon"))
        assert found is not None
        assert "another order" in found

    @pytest.mark.parametrize("raw", ["Hao Wang", "Jia Zhang", "Oah Zhang", "Zhang Zhang"])
    def test_other_people_are_no_near_miss(self, raw: str) -> None:
        assert self.matcher.near_miss(_n(raw)) is None


@pytest.mark.parametrize(("raw", "text", "bold"), [
    ("\\textbf{Zhu, W.}", "Zhu, W.", True),
    ("*\\textbf{Beck, E. D.}", "*Beck, E. D.", True),
    ("{\\bf Zhu}, W.", "Zhu, W.", True),
    ("\\underline{Ada Lovelace}", "Ada Lovelace", True),
    ("\\emph{Smith}, J.", "Smith, J.", False),
    ("Ada Lovelace", "Ada Lovelace", False),
])
def test_emphasis_written_into_a_name(raw: str, text: str, bold: bool) -> None:
    assert names.unwrap_emphasis(raw) == (text, bold)


def test_owner_from_annotations_and_coauthor_links(tmp_path: Path) -> None:
    import json as jsonlib

    from click.testing import CliRunner

    from pubsite.cli import main

    (tmp_path / "publications.bib").write_text(
        "@article{a, author = {Zhang, H. and Ada Lovelace and Grace Hopper}, title = {T},\n"
        "  author+an = {1=highlight; 2=equal; 3=equal,corresponding}, journal = {J},"
        " year = 2020}\n", encoding="utf-8")
    (tmp_path / "profile.toml").write_text(
        'name = "Hao Zhang"\n[coauthors]\n"Ada Lovelace" = "https://example.org/ada"\n')
    args = ["--bib", str(tmp_path / "publications.bib"), "--profile",
            str(tmp_path / "profile.toml")]
    out = CliRunner().invoke(main, ["export", "--format", "json", *args])
    authors = jsonlib.loads(out.stdout)["publications"][0]["authors"]
    assert [a["owner"] for a in authors] == [True, False, False]
    assert [a["marks"] for a in authors] == [[], ["equal"], ["equal", "corresponding"]]
    result = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "site")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "site" / "index.html").read_text()
    assert '<a href="https://example.org/ada">Ada Lovelace</a>' in html
    assert "<strong>H. Zhang</strong>" in html
    assert "(* indicates equal contributions; † indicates corresponding author)" in html


@pytest.mark.parametrize(("style", "expected"), [
    ("first-last", "Ludwig van Beethoven"), ("initials", "L. van Beethoven"),
    ("last-first", "van Beethoven, Ludwig")])
def test_display_styles(style: str, expected: str) -> None:
    assert _n("van Beethoven, Ludwig").display(style) == expected
