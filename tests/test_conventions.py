"""How other tools and people write a .bib, each read with its own small input and checked
in what users get (the exports, the page, validate): working papers, biblatex's `venue` and
dates, Zotero's double escapes, marks in math, how owners write themselves (Hugo Blox's
`admin`, a first surname, a name braced whole), names BibTeX cannot read, and how many
lines repeated findings take."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main

from conftest import SHARED, require_tool


def _project(folder: Path, bib: str, name: str = "Jane Doe") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "publications.bib").write_text(bib, encoding="utf-8")
    (folder / "profile.toml").write_text(f'name = "{name}"\n', encoding="utf-8")
    return folder


def _run(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(main, [*args, "--bib", str(folder / "publications.bib"),
                                       "--profile", str(folder / "profile.toml")])
    assert result.exit_code == 0, result.output
    return result.stdout if args[0] == "export" else result.output  # export: the file only


def _pubs(folder: Path) -> dict[str, dict]:  # type: ignore[type-arg]
    out = CliRunner().invoke(main, ["export", "--format", "json", "--bib",
                                    str(folder / "publications.bib"), "--profile",
                                    str(folder / "profile.toml")]).stdout
    return {p["key"]: p for p in json.loads(out)["publications"]}


WORKING = r"""
@unpublished{rr, author = {Jane Doe}, title = {Resubmitted}, year = {2018},
  note = {Revise and Resubmit, \textit{Journal of Policy Analysis and Management}}}
@unpublished{wp, author = {Jane Doe}, title = {Working}, year = {2019}, note = {Working Paper}}
@misc{talk, author = {Jane Doe}, title = {Handout}, year = {2019},
  howpublished = {Handout from a colloquium at Rutgers}}
@unpublished{sub, author = {Jane Doe}, title = {Sent}, year = {2020}, status = {submitted}}
@misc{arx, author = {Jane Doe}, title = {Only arXiv}, year = {2021}, eprint = {2101.00001},
  archiveprefix = {arXiv}, note = {arXiv preprint arXiv:2101.00001}}
"""


def test_working_papers_say_what_they_are_and_preprint_only_for_an_eprint(
        tmp_path: Path) -> None:
    folder = _project(tmp_path, WORKING)
    venues = {k: p["venue"] for k, p in _pubs(folder).items()}
    assert venues == {
        "rr": "Revise and Resubmit, Journal of Policy Analysis and Management 2018",
        "wp": "Working Paper 2019", "talk": "Handout from a colloquium at Rutgers 2019",
        "sub": "Submitted 2020", "arx": "Preprint 2021"}
    markdown = _run(folder, "export", "--format", "markdown")
    latex = _run(folder, "export", "--format", "latex")
    for out in (markdown, latex):
        assert "Working Paper 2019" in out
        assert "Revise and Resubmit" in out
        assert out.count("Preprint") == 1
    csl = {i["id"]: i for i in json.loads(_run(folder, "export", "--format", "csl-json"))}
    assert csl["wp"]["genre"] == "Working Paper"
    assert "genre" not in csl["arx"]
    # validate asks an @unpublished to say what it is only when nothing does
    checked = _run(folder, "validate")
    assert "missing-field" not in checked
    bare = _project(tmp_path / "bare", "@unpublished{b, author = {Jane Doe}, title = {B}}")
    assert "without one it shows as 'Preprint'" in _run(bare, "validate")


def test_a_misc_working_paper_is_one_and_not_a_preprint(tmp_path: Path) -> None:
    folder = _project(tmp_path, WORKING + """
@misc{mwp, author = {Jane Doe}, title = {Misc Working}, year = {2017}, note = {Working Paper}}
""")
    pubs = _pubs(folder)
    assert pubs["mwp"]["venue"] == "Working Paper 2017"
    assert {k: p["status"] for k, p in pubs.items()} == {
        "rr": "submitted", "wp": "working paper", "mwp": "working paper",
        "talk": "published", "sub": "submitted", "arx": "preprint"}
    csl = {i["id"]: i for i in json.loads(_run(folder, "export", "--format", "csl-json"))}
    assert csl["mwp"]["genre"] == "Working Paper"
    assert csl["talk"]["genre"] == "Handout from a colloquium at Rutgers"
    grouped = _run(folder, "export", "--format", "markdown", "--group-by", "type")
    preprints = grouped.split("### Preprints")[1].split("###")[0]
    assert "Only arXiv" in preprints
    for title in ("Resubmitted", "Working", "Misc Working", "Sent"):
        assert f"**{title}**" in grouped and f"**{title}**" not in preprints, title


def test_biblatex_venue_is_a_place_and_a_date_in_year_is_read(tmp_path: Path) -> None:
    folder = _project(tmp_path, r"""
@inproceedings{ev, author = {Jane Doe}, title = {A Talk}, year = {2017},
  eventtitle = {Southern Hospital Medicine Conference}, venue = {New Orleans, LO}}
@inproceedings{short, author = {Jane Doe}, title = {Short}, year = {2016},
  booktitle = {Proceedings of Something}, venue = {SOME}}
@article{sub, author = {Jane Doe}, title = {Exceptive Conditionals},
  subtitle = {The Meaning of \emph{Unless}}, journaltitle = {Linguistics and Philosophy},
  year = {2013-12-26}}
""")
    pubs = _pubs(folder)
    assert pubs["ev"]["venue"] == "Southern Hospital Medicine Conference 2017"
    assert pubs["short"]["venue"] == "SOME 2016"  # al-folio's venue: the short name
    assert (pubs["sub"]["year"], pubs["sub"]["month"]) == ("2013", 12)
    assert pubs["sub"]["title"] == "Exceptive Conditionals: The Meaning of Unless"
    csl = {i["id"]: i for i in json.loads(_run(folder, "export", "--format", "csl-json"))}
    assert csl["ev"]["publisher-place"] == "New Orleans, LO"
    assert csl["sub"]["container-title"] == "Linguistics and Philosophy"
    assert csl["sub"]["issued"] == {"date-parts": [[2013, 12]]}
    assert "New Orleans" not in _run(folder, "export", "--format", "markdown")
    assert "read as 2013" in _run(folder, "validate")


ZOTERO = r"""
@article{z1, author = {Jane Doe}, title = {$\\beta$-amyloid and $^\\textrm{1}$H},
  journal = {Parkinsonism \\& Related Disorders}, year = {2020}}
@article{z2, author = {Jane Doe}, title = {Line one\\two}, journal = {A \\& B}, year = {2021}}
"""


def test_zotero_double_escapes_are_read_once_and_said_once(tmp_path: Path) -> None:
    folder = _project(tmp_path, ZOTERO)
    pubs = _pubs(folder)
    assert pubs["z1"]["title"] == "β-amyloid and ¹H"
    assert pubs["z1"]["venues"][0]["name"] == "Parkinsonism & Related Disorders"
    assert pubs["z2"]["title"] == "Line one two"  # a line break before a word stays one
    site = tmp_path / "s"
    CliRunner().invoke(main, ["build", "--bib", str(folder / "publications.bib"), "--profile",
                              str(folder / "profile.toml"), "--out", str(site), "--quiet"])
    page = (site / "index.html").read_text()
    assert "Parkinsonism &amp; Related Disorders" in page
    shown = re.sub(r"<script.*?</script>|<pre.*?</pre>", "", page, flags=re.S)  # not the BibTeX
    assert "β-amyloid and ¹H" in shown and "textrm" not in shown and "\\" not in shown
    checked = _run(folder, "validate")
    assert checked.count("warning[double-escape]") == 1
    assert "4 escapes written twice" in checked and "(z1, z2)" in checked
    cited = _run(folder, "export", "--format", "bibtex")
    assert "\\\\&" not in cited and "{Parkinsonism \\& Related Disorders}" in cited


def test_marks_written_in_math_are_marks(tmp_path: Path) -> None:
    folder = _project(tmp_path, r"""
@article{m, title = {Marked$^\star$ and Daggered$^{\dagger}$}, journal = {J}, year = {2020},
  author = {Jane Doe and
  Na Hyun Jo{$^\star$} and Al Bo$^{*}$ and Cy Do\textsuperscript{*} and Ed Fu$^\dagger$}}
""")
    assert _pubs(folder)["m"]["title"] == "Marked* and Daggered†"  # no caret left
    authors = _pubs(folder)["m"]["authors"]
    assert [(a["last"], a["marks"]) for a in authors[1:]] == [
        ("Jo", ["equal"]), ("Bo", ["equal"]), ("Do", ["equal"]), ("Fu", ["corresponding"])]
    assert "latex-unknown" not in _run(folder, "validate")


def _bibtex_log(folder: Path, cited: str) -> str:
    """What real bibtex says reading the cited BibTeX (its .blg)."""
    (folder / "refs.bib").write_text(cited, encoding="utf-8")
    (folder / "x.aux").write_text("\\citation{*}\n\\bibdata{refs}\n\\bibstyle{plain}\n")
    subprocess.run(["bibtex", "-terse", "x"], cwd=folder, capture_output=True, timeout=60)
    return (folder / "x.blg").read_text(encoding="utf-8", errors="replace")


def test_an_empty_field_is_left_out_of_the_cited_bibtex(tmp_path: Path) -> None:
    require_tool("bibtex", "the cited BibTeX is read by real bibtex")
    folder = _project(tmp_path, "@article{a,author={Ann Lee},title={A},journal={J},"
                      "year={2020},month={}}")
    cited = _run(folder, "export", "--format", "bibtex")
    assert "month" not in cited and "journal = {J}," in cited
    assert "error message" not in _bibtex_log(folder, cited)
    site = tmp_path / "s"
    _run(folder, "build", "--out", str(site))
    for shown in (site / "publications" / "a" / "a.bib", site / "publications" / "a" /
                  "index.html"):
        text = shown.read_text(encoding="utf-8")
        assert "journal = {J}," in text and "month" not in text, shown


DOUBLED_ACCENTS = r"""
@article{d, author = {J{\\"o}rg M{\\"u}ller and Ren{\\'e} Roe}, title = {{\\"o}l},
  journal = {J}, year = {2020}}
"""


def test_double_escaped_accents_are_read_as_the_accent_meant(tmp_path: Path) -> None:
    require_tool("bibtex", "the cited BibTeX is read by real bibtex")
    folder = _project(tmp_path, DOUBLED_ACCENTS, "Jörg Müller")
    pub = _pubs(folder)["d"]
    assert pub["title"] == "öl"
    assert [f"{a['first']} {a['last']}" for a in pub["authors"]] == ["Jörg Müller", "René Roe"]
    assert "Jörg Müller, René Roe" in _run(folder, "export", "--format", "text")
    cited = _run(folder, "export", "--format", "bibtex")
    assert "author  = {J{\\\"o}rg M{\\\"u}ller and Ren{\\'e} Roe}," in cited
    assert "title   = {{\\\"o}l}," in cited and "\\\\" not in cited
    assert "error message" not in _bibtex_log(folder, cited)
    checked = _run(folder, "validate")
    assert "owner-missing" not in checked  # the owner is read from the doubled name too
    assert "4 escapes written twice (\\\\\" for \\\") in 1 entry (d)" in checked


def test_the_double_escape_message_quotes_the_file(tmp_path: Path) -> None:
    folder = _project(tmp_path, "@article{p, author = {Jane Doe}, title = {Up 5\\\\%},"
                      " journal = {J}, year = {2020}}")
    checked = _run(folder, "validate")
    assert "1 escape written twice (\\\\% for \\%) in 1 entry (p); it is read as" in checked
    assert "beta" not in checked
    assert _pubs(folder)["p"]["title"] == "Up 5%"


@pytest.mark.parametrize("title", [r"At 5 $^\circ$C", r"At 5 $^{\circ}$C", r"At 5 $^\\circ$C"])
def test_a_raised_circle_is_a_degree_sign(tmp_path: Path, title: str) -> None:
    folder = _project(tmp_path, f"@article{{t, author = {{Jane Doe}}, title = {{{title}}},"
                      " journal = {J}, year = {2020}}")
    assert _pubs(folder)["t"]["title"] == "At 5 °C"


def test_marks_in_every_written_form_are_marks(tmp_path: Path) -> None:
    folder = _project(tmp_path, r"""
@article{m, title = {Daggered$^\dag$ and Starred\textsuperscript{\dagger}}, journal = {J},
  year = {2020}, author = {Jane Doe and Al Bo$^\dag$ and Cy Do$^{\dag}$ and
  Ed Fu$^{*,\dagger}$ and Fa Ga\textsuperscript{\dagger}}}
""")
    pub = _pubs(folder)["m"]
    assert pub["title"] == "Daggered† and Starred†"
    assert [(a["last"], a["marks"]) for a in pub["authors"][1:]] == [
        ("Bo", ["corresponding"]), ("Do", ["corresponding"]),
        ("Fu", ["equal", "corresponding"]), ("Ga", ["corresponding"])]
    shown = _run(folder, "export", "--format", "markdown")
    assert "^" not in shown and "Al Bo†" in shown and "Ed Fu\\*†" in shown
    assert "latex-unknown" not in _run(folder, "validate")


OWNERS = r"""
@article{hugo, author = {admin and Sin\'ead M. Griffin}, title = {H}, journal = {J}, year = {2020}}
@article{first, author = {Carrillo, Francisco and Ana Perez}, title = {F}, journal = {J},
  year = {2019}}
@article{initial, author = {Carrillo, F.}, title = {I}, journal = {J}, year = {2018}}
@article{other, author = {Maria Carrillo and Carrillo-Perez, Francisco}, title = {O},
  journal = {J}, year = {2017}}
@article{braced, author = {{Carrillo-Perez Francisco} and Bob Smith}, title = {B},
  journal = {J}, year = {2016}}
"""


def test_how_owners_write_themselves(tmp_path: Path) -> None:
    folder = _project(tmp_path, OWNERS, "Francisco Carrillo-Perez")
    bold = {k: [f"{a['first']} {a['last']}".strip() for a in p["authors"] if a["owner"]]
            for k, p in _pubs(folder).items()}
    assert bold == {"hugo": ["Francisco Carrillo-Perez"], "first": ["Francisco Carrillo"],
                    "initial": ["F. Carrillo"], "other": ["Francisco Carrillo-Perez"],
                    "braced": ["Carrillo-Perez Francisco"]}
    for fmt in ("markdown", "latex", "bibtex", "csl-json", "text"):
        assert "admin" not in _run(folder, "export", "--format", fmt), fmt
    assert "owner-missing" not in _run(folder, "validate")


def test_coauthors_sharing_the_family_name_stay_plain(tmp_path: Path) -> None:
    folder = _project(tmp_path, r"""
@article{s, author = {Amit J. Shah and Anish S. Shah}, title = {S}, journal = {J}, year = {2020}}
@article{o, author = {Amit J. Shah and Bob Smith}, title = {O}, journal = {J}, year = {2019}}
""", "Anish S. Shah")
    pubs = _pubs(folder)
    assert [a["first"] for a in pubs["s"]["authors"] if a["owner"]] == ["Anish S."]
    assert not [a for a in pubs["o"]["authors"] if a["owner"]]
    ma = _project(tmp_path / "ma", "@article{m, author = {Chao Ma}, title = {M}, journal = {J},"
                  " year = {2020}}", "Zheng Ma")
    assert not [a for a in _pubs(ma)["m"]["authors"] if a["owner"]]


def test_family_name_first_gets_a_near_miss_with_the_fix(tmp_path: Path) -> None:
    folder = _project(tmp_path, "@article{v, author = {Cuong, V. D. and Bob Smith}, title = {V},"
                      " journal = {J}, year = {2020}}", "Duc-Cuong Vu")
    checked = _run(folder, "validate")
    assert "warning[owner-near-miss]" in checked
    assert "add it to owner.aliases" in checked


def test_hugo_admin_file_prints_one_line_per_rule(tmp_path: Path) -> None:
    entries = "\n".join(f"@article{{k{i}, author = {{Bob Smith}}, title = {{T{i}}}, "
                        f"journal = {{J}}, year = {{2020}}}}" for i in range(15))
    folder = _project(tmp_path, entries)
    for command in (["build", "--out", str(tmp_path / "s")], ["validate"]):
        out = _run(folder, *command)
        assert out.count("warning[owner-missing]") == 1, out
        assert out.count("hint: check the spelling") == 1
        assert "15 in all: k0, k1, k2, ..." in out


def test_a_root_relative_link_is_the_projects_file_or_warned(tmp_path: Path) -> None:
    folder = _project(tmp_path, """
@article{a, author = {Jane Doe}, title = {A}, journal = {J}, year = {2020},
  code = {/assets/code/sample.zip}, pdf = {/assets/pdf/there.pdf}}
""")
    (folder / "assets" / "pdf").mkdir(parents=True)
    (folder / "assets" / "pdf" / "there.pdf").write_bytes(b"%PDF-1.4\n")
    checked = _run(folder, "validate")
    assert re.search(r"link-file-missing\] link 'code' of a names '/assets/code/sample.zip'",
                     checked)
    assert "there.pdf" not in checked
    links = {x["label"]: x["url"] for x in _pubs(folder)["a"]["links"]}
    assert links["PDF"] == "assets/pdf/there.pdf"


# --- names BibTeX cannot read: the BibTeX that visitors copy is read by `bibtex` ---------

CORPUS = [*sorted((SHARED / "corpus" / "real").glob("*.bib")),
          *sorted((SHARED / "corpus" / "real2").glob("*.bib"))]
_NAME_ERRORS = re.compile(r"^(Too many commas in name \d+ of .*|Name \d+ in .* has a comma at "
                          r"the end.*)$", re.M)


def test_cited_names_are_ones_bibtex_can_read(tmp_path: Path) -> None:
    """Every corpus file, even those bibtex itself rejects: the export carries no name that
    pubsite's reader warned about (name-syntax) in a form bibtex stops on."""
    require_tool("bibtex", "the cited BibTeX is read by real bibtex")
    warned = exported = 0
    for bib in CORPUS:
        if bib.stat().st_size > 1_000_000:
            continue  # tugboat: no name BibTeX cannot read, and minutes of bibtex
        folder = _project(tmp_path / bib.stem, "")
        shutil.copy(bib, folder / "publications.bib")
        args = ["--bib", str(folder / "publications.bib"), "--profile",
                str(folder / "profile.toml")]
        warned += "name-syntax" in CliRunner().invoke(main, ["validate", *args]).output
        cited = CliRunner().invoke(main, ["export", "--format", "bibtex", *args])
        if cited.exit_code or not cited.stdout.strip():
            continue  # an error in the file: pubsite exports nothing to cite
        exported += 1
        (folder / "refs.bib").write_text(cited.stdout, encoding="utf-8")
        (folder / "x.aux").write_text("\\citation{*}\n\\bibdata{refs}\n\\bibstyle{plain}\n")
        subprocess.run(["bibtex", "-terse", "x"], cwd=folder, capture_output=True, timeout=300)
        blg = (folder / "x.blg").read_text(encoding="utf-8", errors="replace")
        assert not _NAME_ERRORS.findall(blg), (bib.name, _NAME_ERRORS.findall(blg)[:3])
    assert warned >= 2  # the files with names bibtex cannot read are among them
    assert exported >= len(CORPUS) - 8


@pytest.mark.parametrize("raw, cited", [("Gearty*, William,", "Gearty*, William"),
                                        ("A, B, C, D", "A, B, C D"),
                                        ("Jane Doe", "Jane Doe")])
def test_cite_form(raw: str, cited: str) -> None:
    from pubsite.read import names

    assert names.cite_form(raw) == cited
