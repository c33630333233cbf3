"""pubsite validate: one broken input per rule, with the rule id and the line it names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main

from conftest import SHARED

PROFILE = 'name = "Ada Lovelace"\n'
GOOD = """@article{good,
  author  = {Ada Lovelace},
  title   = {A Good Entry},
  journal = {Journal},
  year    = {2020}, abstract = {What it shows.},
}
"""

# (rule, bib text, line the diagnostic must name). "@@" marks the expected line.
CASES = [
    ("parse-error", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n}\n"
     "@@@article{b title = {x}}\n"),
    ("unbalanced-braces", "@@@article{a,\n  author = {Ada Lovelace},\n  title = {Open\n"),
    ("lost-field", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n  journal = {J},\n"
     "  year = {2020}}\n@@  doi = {10.1/x},\n"),
    ("duplicate-key", GOOD + "@@@article{good,\n  author = {Ada Lovelace},\n  title = {Other},\n"
     "  journal = {J},\n  year = {2021},\n}\n"),
    ("duplicate-key-case", GOOD + "@@@article{GOOD,\n  author = {Ada Lovelace},\n"
     "  title = {Other},\n  journal = {J},\n  year = {2021},\n}\n"),
    ("duplicate-field", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n"
     "@@  title = {Again},\n  journal = {J},\n  year = {2020},\n}\n"),
    ("undefined-string", "@@@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n"
     "  journal = jacm,\n  year = {2020},\n}\n"),
    ("crossref-missing", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n"
     "  journal = {J},\n  year = {2020},\n@@  crossref = {nowhere},\n}\n"),
    ("crossref-cycle", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n"
     "  journal = {J},\n  year = {2020},\n@@  crossref = {b},\n}\n"
     "@article{b,\n  crossref = {a},\n}\n"),
    ("missing-field", "@@@article{a,\n  author = {Ada Lovelace},\n  journal = {J},\n"
     "  year = {2020},\n}\n"),
    ("unknown-entry-type", "@@@artcle{a,\n  author = {Ada Lovelace},\n  title = {T},\n}\n"),
    ("unknown-field", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n"
     "  journal = {J},\n@@  yeaar = {2020},\n}\n"),
    ("year-format", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n  journal = {J},\n"
     "@@  year = {20},\n}\n"),
    ("month-format", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n  journal = {J},\n"
     "  year = {2020},\n@@  month = {Smarch},\n}\n"),
    ("date-format", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n  journal = {J},\n"
     "@@  date = {May 2020},\n}\n"),
    ("doi-format", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n  journal = {J},\n"
     "  year = {2020},\n@@  doi = {not a doi},\n}\n"),
    # A URL holding "?DOI=" before the doi field (as in real2's trevail file): the line is
    # the field's, not the URL's.
    ("doi-format", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n  journal = {J},\n"
     "  url = {http://xlink.rsc.org/?DOI=C6AY02419J},\n@@  doi = {not a doi},\n}\n"),
    ("year-format", "@article{a,\n  author = {Ada Lovelace},\n  title = {T},\n"
     "  % a comment line\n@@  year = {20},\n}\n"),
    ("arxiv-format", "@misc{a,\n  author = {Ada Lovelace},\n  title = {T},\n  year = {2020},\n"
     "@@  arxiv = {12.34},\n}\n"),
    ("url-scheme", "@misc{a,\n  author = {Ada Lovelace},\n  title = {T},\n  year = {2020},\n"
     "@@  code = {javascript:alert(1)},\n}\n"),
    ("duplicate-work", GOOD + "@@@article{good2,\n  author = {Ada Lovelace},\n"
     "  title = {A good entry},\n  journal = {J},\n  year = {2020},\n}\n"),
    ("name-syntax", "@article{a,\n@@  author = {Lovelace, Ada,},\n  title = {T},\n  journal = {J},"
     "\n  year = {2020},\n}\n"),
    ("owner-missing", "@article{a,\n@@  author = {Charles Babbage},\n  title = {T},\n"
     "  journal = {J},\n  year = {2020},\n}\n"),
    ("owner-near-miss", "@article{a,\n@@  author = {Lovelace Ada},\n  title = {T},\n"
     "  journal = {J},\n  year = {2020},\n}\n"),
    ("owner-multiple", "@article{a,\n@@  author = {Ada Lovelace and Lovelace, Ada},\n"
     "  title = {T},\n  journal = {J},\n  year = {2020},\n}\n"),
    ("mojibake", "@article{a,\n  author = {Ada Lovelace},\n@@  title = {MÃ¼ller and HalฤฑcฤฑoฤŸlu},"
     "\n  journal = {J},\n  year = {2020},\n}\n"),
    ("control-character", "@article{a,\n  author = {Ada Lovelace},\n@@  title = {Bad\x07bell},\n"
     "  journal = {J},\n  year = {2020},\n}\n"),
    ("bidi-character", "@article{a,\n  author = {Ada Lovelace},\n@@  title = {abc\u202edcba},\n"
     "  journal = {J},\n  year = {2020},\n}\n"),
    ("dangerous-latex", "@article{a,\n  author = {Ada Lovelace},\n"
     "@@  title = {\\input{/etc/passwd}},\n  journal = {J},\n  year = {2020},\n}\n"),
    ("template-syntax", "@article{a,\n  author = {Ada Lovelace},\n"
     "@@  title = {\\{\\{ site.x \\}\\}},\n  journal = {J},\n  year = {2020},\n}\n"),
    ("expansion-too-large", "@string{a = \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n"
     # each @string doubles the one before; the 15th passes a million characters
     + "".join(("@@" if c == "p" else "") + f"@string{{{c} = {p} # {p}}}\n"
               for p, c in zip("abcdefghijklmnopq", "bcdefghijklmnopqr", strict=True))
     + "@article{x,\n  author = {Ada Lovelace},\n  title = r,\n  journal = {J},\n"
     "  year = {2020},\n}\n"),
]


def _validate(tmp_path: Path, bib: str, *args: str, profile: str = PROFILE) -> tuple[int, str]:
    (tmp_path / "publications.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "profile.toml").write_text(profile, encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--bib", str(tmp_path / "publications.bib"),
                                       "--profile", str(tmp_path / "profile.toml"), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(("rule", "text"), CASES, ids=[c[0] for c in CASES])
def test_rule_names_its_line(tmp_path: Path, rule: str, text: str) -> None:
    lines = text.split("\n")
    expected = next(i for i, line in enumerate(lines, 1) if line.startswith("@@"))
    bib = text.replace("@@", "", 1)
    code, out = _validate(tmp_path, bib, "--format", "json")
    found = json.loads(out)
    hits = [d for d in found if d["rule"] == rule]
    assert hits, f"no {rule} in {found}"
    assert expected in [d["line"] for d in hits], hits
    for d in found:
        assert d["file"].endswith("publications.bib")
        assert d["message"] and d["hint"] and d["severity"] in ("error", "warning")
    errors = any(d["severity"] == "error" for d in found)
    assert code == (1 if errors else 0)


def test_mojibake_hint_has_the_repair(tmp_path: Path) -> None:
    _, out = _validate(tmp_path, "@misc{a, author = {Ada Lovelace}, title = {HalฤฑcฤฑoฤŸlu}}\n",
                       "--format", "json")
    hit = next(d for d in json.loads(out) if d["rule"] == "mojibake")
    assert "Halıcıoğlu" in hit["hint"]


def test_a_doi_given_as_a_doi_org_url_is_the_same_work_as_its_doi_field(
        tmp_path: Path) -> None:
    """`pubsite add` and validate read a work the same way (`rules.work_facts`)."""
    bib = ("@article{a,\n  author = {Ada Lovelace},\n  title = {One title},\n"
           "  journal = {J},\n  year = {2020},\n  doi = {10.1000/xyz},\n}\n"
           "@article{b,\n  author = {Ada Lovelace},\n  title = {Another title},\n"
           "  journal = {J},\n  year = {2021},\n  url = {https://doi.org/10.1000/XYZ},\n}\n")
    _, out = _validate(tmp_path, bib, "--format", "json")
    hits = [d for d in json.loads(out) if d["rule"] == "duplicate-work"]
    assert [d["line"] for d in hits] == [8], hits  # the second entry, b


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    code, out = _validate(tmp_path, GOOD)
    assert code == 0
    assert "no problems found" in out


def test_strict_fails_on_warnings(tmp_path: Path) -> None:
    bib = GOOD.replace("year    = {2020}", "year    = {2020},\n  month = {Smarch}")
    assert _validate(tmp_path, bib)[0] == 0
    assert _validate(tmp_path, bib, "--strict")[0] == 1


def test_json_fields(tmp_path: Path) -> None:
    _code, out = _validate(tmp_path, GOOD + "@article{good,\n title={x}}\n", "--format", "json")
    d = next(d for d in json.loads(out) if d["rule"] == "duplicate-key")
    assert set(d) == {"rule", "severity", "file", "line", "message", "hint", "key"}
    assert d["severity"] == "warning" and d["line"] == 7 and d["key"] == "good"
    assert "line 1" in d["message"]


def test_github_format(tmp_path: Path) -> None:
    code, out = _validate(tmp_path, GOOD + "@article{bad, title = {x\n", "--format", "github")
    assert code == 1
    line = next(x for x in out.splitlines() if x.startswith("::error"))
    assert ",line=7," in line and "title=pubsite unbalanced-braces" in line
    assert line.split("::", 2)[2].startswith("this entry is not closed")
    assert "file=" in line and "publications.bib" in line


def test_text_format_groups_by_file_without_colour(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    _code, out = _validate(tmp_path, GOOD + "@article{bad, title = {x\n")
    assert "\x1b[" not in out
    assert "publications.bib:7: error[unbalanced-braces]" in out
    assert "hint:" in out


def test_profile_problems(tmp_path: Path) -> None:
    profile = ('name = "Ada"\nphoto = "../../etc/passwd"\n[publications]\n'
               'max_authors = "five"\ngroup_by = "decade"\n')
    code, out = _validate(tmp_path, GOOD, "--format", "json", profile=profile)
    found = {(d["rule"], d["line"]) for d in json.loads(out)}
    assert ("profile-path", 2) in found
    assert ("profile-type", 4) in found
    assert ("profile-value", 5) in found
    assert code == 1


def test_a_setting_outside_its_choices_names_them(tmp_path: Path) -> None:
    """The choices come from the setting's Literal type in model/site.py: a value outside
    them is refused with the values a user may write, on its line."""
    profile = PROFILE + '[publications]\nname_style = "surname-first"\nlegend = "page"\n'
    code, out = _validate(tmp_path, GOOD, "--format", "json", profile=profile)
    found = {d["line"]: d["message"] for d in json.loads(out) if d["rule"] == "profile-value"}
    assert found == {
        3: "'publications.name_style' is 'surname-first'; it must be one of: first-last, "
           "initials, last-first",
        4: "'publications.legend' is 'page'; it must be one of: entry, list"}
    assert code == 1


def test_toml_syntax_error(tmp_path: Path) -> None:
    code, out = _validate(tmp_path, GOOD, "--format", "json", profile='name = "x\n')
    d = json.loads(out)[0]
    assert d["rule"] == "toml-syntax" and d["line"] == 1 and code == 1


def test_not_utf8_says_which_encoding(tmp_path: Path) -> None:
    (tmp_path / "profile.toml").write_text(PROFILE)
    (tmp_path / "publications.bib").write_bytes(
        "@misc{a, author = {Ada Lovelace}, title = {Caf\u00e9 cr\u00e8me}}\n".encode("cp1252"))
    result = CliRunner().invoke(main, ["validate", "--bib", str(tmp_path / "publications.bib"),
                                       "--profile", str(tmp_path / "profile.toml"),
                                       "--format", "json"])
    d = next(d for d in json.loads(result.output) if d["rule"] == "encoding")
    assert "CP1252" in d["message"] and "iconv" in d["hint"]


def test_gbk_file_is_detected() -> None:
    bib = SHARED / "corpus" / "real" / "bibtexparser_gbk_test.bib"
    profile = Path(__file__).parent.parent / "profile.toml"
    result = CliRunner().invoke(main, ["validate", "--bib", str(bib), "--profile", str(profile),
                                       "--format", "json"])
    d = next(d for d in json.loads(result.output) if d["rule"] == "encoding")
    assert "GBK" in d["message"]


def test_mojibake_in_the_profile_like_the_seed(tmp_path: Path) -> None:
    profile = ('name = "Hao Zhang"\n\n[[news]]\n'
               'text = "I am starting at HalฤฑcฤฑoฤŸlu Data Science Institute."\n')
    code, out = _validate(tmp_path, GOOD.replace("Ada Lovelace", "Hao Zhang"), "--format",
                          "json", profile=profile)
    hit = next(d for d in json.loads(out) if d["rule"] == "mojibake")
    assert hit["line"] == 4 and hit["file"].endswith("profile.toml")
    assert "Halıcıoğlu Data Science Institute" in hit["hint"]
    assert code == 0


def test_misspellings_get_their_suggestion_on_every_entry(tmp_path: Path) -> None:
    bib = "".join(f"@artcle{{a{i},\n  author = {{Ada Lovelace}},\n  title = {{T{i}}},\n"
                  f"  yeaar = {{2020}},\n  jornal = {{J}},\n}}\n" for i in range(3))
    _, out = _validate(tmp_path, bib, "--format", "json")
    found = json.loads(out)
    types = [d["hint"] for d in found if d["rule"] == "unknown-entry-type"]
    fields = sorted(d["hint"] for d in found if d["rule"] == "unknown-field")
    assert types == ["did you mean @article?"] * 3
    assert fields == ["did you mean 'journal'?"] * 3 + ["did you mean 'year'?"] * 3


def test_an_eventtitle_is_the_venue_the_check_asks_for(tmp_path: Path) -> None:
    """normalise takes biblatex's eventtitle as the container: validate must not ask for
    a booktitle the page does not need."""
    (tmp_path / "publications.bib").write_text(
        "@inproceedings{e, author = {Ada Lovelace}, title = {T}, year = {2020},\n"
        "  eventtitle = {NeurIPS 2020}}\n", encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--bib",
                                       str(tmp_path / "publications.bib"), "--profile",
                                       str(tmp_path / "profile.toml")])
    assert [d["rule"] for d in json.loads(result.output)] == ["scholar-no-abstract-or-pdf"]
