"""Each class of input from other people's files, with a small input of its own (issue 14):
LaTeX that keeps its text, venues and years that never go missing, fields of other tools,
links that work from the page they are on, severity by consequence, what BibTeX accepts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main
from pubsite.read import latex

from helpers import publications


@pytest.mark.parametrize(("raw", "shown"), [
    (r"\texttt{code} here", "code here"), (r"\textup{up} \textmd{md} \textsl{sl}", "up md sl"),
    (r"\mbox{box} \hbox{hb} \text{tx}", "box hb tx"), (r"\ensuremath{\alpha}-helix", "α-helix"),
    (r"see \href{https://x.org}{the site}", "see the site"), (r"\emph{em} \textbf{bf}", "em bf"),
    (r"$O(n \log n)$ time", "O(n log n) time"), (r"NC\({}^{\mbox{1}}\)", "NC¹"),
    (r"\TeX, \LaTeX, \XeTeX, \ConTeXt, \BibTeX", "TeX, LaTeX, XeTeX, ConTeXt, BibTeX"),
    (r"A\kern.1em B \raise.2ex\hbox{C} \llap{D}", "A B C D"), (r"hy\-phen a\,b", "hyphen a b"),
    (r"{\noopsort{a}}1973", "1973"), (r"\t{oo}", "o\u0361o"),
    (r"\apj, \mnras, \aap", "ApJ, MNRAS, A&A"),
    (r"\physrevd", "Phys. Rev. D"), ("<b>105</b>(<i>3</i>)", "105(3)"), (r"H$_2$O", "H₂O"),
    (r"\foo{kept}", "kept"), (r"\enquote{Heimat}", "“Heimat”"),
    (r"{\textdollar}AC{\^{}}0[{\textbackslash}oplus]{\textdollar}", "AC⁰[⊕]"),  # DBLP
])
def test_latex_never_eats_text(raw: str, shown: str) -> None:
    assert latex.decode(raw) == shown


def _project(tmp_path: Path, bib: str, profile: str = 'name = "Ada Lovelace"\n') -> list[str]:
    (tmp_path / "publications.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "profile.toml").write_text(profile, encoding="utf-8")
    return ["--bib", str(tmp_path / "publications.bib"),
            "--profile", str(tmp_path / "profile.toml")]


def _findings(args: list[str]) -> list[dict[str, object]]:
    out = CliRunner().invoke(main, ["validate", *args, "--format", "json"])
    return list(json.loads(out.stdout))


def test_unknown_commands_and_fields_are_named_once_with_a_count(tmp_path: Path) -> None:
    bib = "".join(f"@article{{k{i}, author = {{Ada Lovelace}}, title = {{A \\foo{{b}} c}},"
                  f" journal = {{J}}, year = 2020, repo = {{https://x.org/{i}}},"
                  f" mystery = {{m}}}}\n" for i in range(19))
    found = _findings(_project(tmp_path, bib))
    unknown = [d["message"] for d in found if d["rule"] == "unknown-field"]
    assert unknown == ["field 'mystery' in 19 entries is not one pubsite or BibTeX knows "
                       "(first in k0); it is ignored"]
    commands = [d["message"] for d in found if d["rule"] == "latex-unknown"]
    assert len(commands) == 1
    assert commands[0].startswith("LaTeX command \\foo in 19 entries")


BIB_VENUES = r"""
@techreport{tr, author = {Ada Lovelace}, title = {Report}, institution = {Goethe University},
  type = {Mimeo}, number = {42}, year = 2024}
@unpublished{talk, author = {Ada Lovelace}, title = {Talk}, institution = {UCLA}, year = 2014,
  note = {Presentation}}
@inproceedings{event, author = {Ada Lovelace}, title = {Event}, eventtitle = {EGU 2021},
  year = 2021}
@book{pub, author = {Ada Lovelace}, title = {Book}, publisher = {MIT Press}, year = 2019}
@misc{how, author = {Ada Lovelace}, title = {Web}, howpublished = {Blog}, year = 2018}
@article{novenue, author = {Ada Lovelace}, title = {No venue}, year = 2017}
@article{soon, author = {Ada Lovelace}, title = {Soon}, journal = {J}, year = {to appear}}
@article{press, author = {Ada Lovelace}, title = {Press}, journal = {J}, year = {in press}}
@article{lettered, author = {Ada Lovelace}, title = {Lettered}, journal = {J}, year = {2022a}}
@article{dated, author = {Ada Lovelace}, title = {Dated}, journaltitle = {JT},
  date = {2023-05-02/2023-06}}
"""


def test_venues_and_years_never_go_missing(tmp_path: Path) -> None:
    args = _project(tmp_path, BIB_VENUES)
    out = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "s"), "--quiet"])
    assert out.exit_code == 0, out.output
    page = (tmp_path / "s" / "index.html").read_text()
    shown = {p["id"]: p for p in publications(page)}
    assert shown["tr"]["venue"] == "Mimeo 42, Goethe University 2024"
    assert shown["talk"]["venue"] == "UCLA 2014"
    assert shown["event"]["venue"] == "EGU 2021 2021"
    assert shown["pub"]["venue"] == "MIT Press 2019"
    assert shown["how"]["venue"] == "Blog 2018"
    assert shown["novenue"]["venue"] == "2017"  # the year even without a venue
    assert shown["lettered"]["venue"] == "J 2022"
    assert shown["dated"]["venue"] == "JT May 2023"  # the month the date gives
    assert all(p["venue"] != "Preprint" for p in shown.values())
    # forthcoming work first; the year filter offers only years
    assert [p["id"] for p in publications(page)][:2] == ["soon", "press"]
    options = page.split('id="pub-filter-year"')[1].split("</select>")[0]
    assert options.count("<option") == 1 + len({"2024", "2023", "2022", "2021", "2019",
                                                "2018", "2017", "2014"})


def test_links_read_as_their_writer_meant(tmp_path: Path) -> None:
    (tmp_path / "assets" / "pdf").mkdir(parents=True)
    (tmp_path / "assets" / "pdf" / "paper.pdf").write_bytes(b"%PDF-1.4 x")
    bib = (r"@article{a, author = {Ada Lovelace}, title = {T}, journal = {J}, year = 2020,"
           r" pdf = {paper.pdf}, html = {osf.io/abcd},"
           r" url = {doi:<a href=""https://doi.org/10.1/x"">10.1/x</a>},"
           r" code = {ftp://x.org/c}, slides = {missing.pdf}, video = {10.5555/v},"
           r" website = {https://same.org}, supp = {https://same.org}}" "\n")
    args = _project(tmp_path, bib)
    out = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "s"), "--quiet"])
    assert out.exit_code == 0, out.output
    site = tmp_path / "s"
    assert (site / "assets" / "pdf" / "paper.pdf").read_bytes() == b"%PDF-1.4 x"
    for page in (site / "index.html", site / "publications" / "a" / "index.html"):
        text = page.read_text()
        assert "https://osf.io/abcd" in text
        assert "https://doi.org/10.1/x" in text
        assert "https://doi.org/10.5555/v" in text
        assert text.count('href="https://same.org"') == 1
        assert "ftp:" not in text and "missing.pdf" not in text
        prefix = "" if page.parent == site else "../../"
        assert f'href="{prefix}assets/pdf/paper.pdf"' in text
        assert (page.parent / f"{prefix}assets/pdf/paper.pdf").resolve().is_file()
    found = {d["rule"]: d for d in _findings(args)}
    assert found["url-not-web"]["severity"] == "warning"
    assert "tried assets/pdf/missing.pdf, missing.pdf" in str(found["link-file-missing"]["message"])


def test_a_script_link_stays_an_error_but_export_is_not_refused(tmp_path: Path) -> None:
    bib = (r"@article{a, author = {Ada Lovelace}, title = {T}, journal = {J}, year = 2020,"
           r" code = {javascript:alert(1)}}" "\n")
    args = _project(tmp_path, bib)
    errors = [d for d in _findings(args) if d["severity"] == "error"]
    assert [d["rule"] for d in errors] == ["url-scheme"]
    out = CliRunner().invoke(main, ["export", "--format", "json", *args])
    assert out.exit_code == 0, out.output
    assert "javascript" not in out.stdout


def test_entries_bibtex_accepts_are_kept(tmp_path: Path) -> None:
    bib = ('@article{q1, author = {Ada Lovelace}, title = {Quoted}, journal = {J}, year = 2020,'
           ' remark = "{a "b, c" d}"}\n'
           "@t+{x, author = {Ada Lovelace}, title = {Odd type}, year = 2021}\n"
           '@article{s, author = {Ada Lovelace}, title = "An article\n'
           '@article{ghost, title = {not an entry}}\n", journal = {J}, year = 2022}\n'
           "@misc{after, author = {family=Badri, given=Mohamed Ali, prefix=al-,"
           " useprefix=true}, title = {After}, year = 2023}\n")
    args = _project(tmp_path, bib)
    out = CliRunner().invoke(main, ["export", "--format", "json", *args])
    data = json.loads(out.stdout)["publications"]
    assert sorted(p["key"] for p in data) == ["after", "q1", "s", "x"]
    names = {p["key"]: p["authors"][0] for p in data}
    assert (names["after"]["first"], names["after"]["von"], names["after"]["last"]) == \
        ("Mohamed Ali", "al-", "Badri")


def test_a_linked_file_that_appears_or_changes_is_copied_on_the_next_build(
        tmp_path: Path) -> None:
    args = _project(tmp_path, "@misc{zz, title = {Z}, author = {Ada Lovelace}, year = 2020,"
                              " pdf = {z.pdf}}\n")
    build = ["build", *args, "--out", str(tmp_path / "s"), "--quiet"]
    assert CliRunner().invoke(main, build).exit_code == 0
    assert not (tmp_path / "s" / "assets" / "pdf" / "z.pdf").exists()
    (tmp_path / "assets" / "pdf").mkdir(parents=True)
    (tmp_path / "assets" / "pdf" / "z.pdf").write_bytes(b"one")
    assert CliRunner().invoke(main, build).exit_code == 0
    assert (tmp_path / "s" / "assets" / "pdf" / "z.pdf").read_bytes() == b"one"
    (tmp_path / "assets" / "pdf" / "z.pdf").write_bytes(b"second")
    assert CliRunner().invoke(main, build).exit_code == 0
    assert (tmp_path / "s" / "assets" / "pdf" / "z.pdf").read_bytes() == b"second"


def test_a_file_outside_the_project_that_goes_is_seen_by_the_next_build(
        tmp_path: Path) -> None:
    # A JabRef path: left out while the file is on this computer, kept as written (a page
    # of the same server) once it is not; the build in between is not "up to date".
    elsewhere = tmp_path / "elsewhere" / "z.pdf"
    elsewhere.parent.mkdir()
    elsewhere.write_bytes(b"%PDF")
    project = tmp_path / "project"
    project.mkdir()
    args = _project(project, "@misc{zz, title = {Z}, author = {Ada Lovelace}, year = 2020,"
                             f" pdf = {{{elsewhere}}}}}\n")
    build = ["build", *args, "--out", str(project / "s")]
    first = CliRunner().invoke(main, build)
    assert first.exit_code == 0, first.output
    assert "outside the project; the link is left out" in first.output
    page = project / "s" / "index.html"
    assert str(elsewhere) not in page.read_text(encoding="utf-8")
    elsewhere.unlink()
    second = CliRunner().invoke(main, build)
    assert second.exit_code == 0, second.output
    assert "up to date" not in second.output
    assert "it is kept as written" in second.output
    assert f'href="{elsewhere}"' in page.read_text(encoding="utf-8")


def test_underscores_outside_math_stay_as_typed() -> None:
    assert latex.decode("file_1 and 2^3") == "file_1 and 2^3"
    assert latex.decode("H$_2$O and $x^2$") == "H₂O and x²"


def test_linked_files_are_published_safely(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("[remote] secret")
    (tmp_path / "index.html").write_text("<p>my old homepage</p>")
    (tmp_path / "assets" / "pdf").mkdir(parents=True)
    (tmp_path / "assets" / "pdf" / "p.pdf").write_bytes(b"%PDF p")
    bib = (r"@article{a, author = {Ada Lovelace}, title = {T}, journal = {J}, year = 2020,"
           r" pdf = {p.pdf}, code = {.git/config}, html = {./index.html}}" "\n")
    args = _project(tmp_path, bib, 'name = "Ada Lovelace"\nbase_url = "https://ada.org"\n')
    out = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "md"),
                                    "--quiet", "--format", "markdown"])
    assert out.exit_code == 0, out.output  # a Markdown site has no index.html of its own
    assert (tmp_path / "md" / "assets" / "pdf" / "p.pdf").read_bytes() == b"%PDF p"
    assert (tmp_path / "md" / "index.html").read_text() == "<p>my old homepage</p>"
    assert not (tmp_path / "md" / ".git").exists()
    out = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "s"), "--quiet"])
    assert out.exit_code == 1  # pubsite's own page is never overwritten, nor left out quietly
    assert "publications.bib:1: a links 'index.html'" in out.output
    bib = bib.replace(", html = {./index.html}", "")
    args = _project(tmp_path, bib, 'name = "Ada Lovelace"\nbase_url = "https://ada.org"\n')
    out = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "s"), "--quiet"])
    assert out.exit_code == 0, out.output
    assert (tmp_path / "s" / "assets" / "pdf" / "p.pdf").read_bytes() == b"%PDF p"
    assert not (tmp_path / "s" / ".git").exists()
    index = (tmp_path / "s" / "index.html").read_text()
    assert "my old homepage" not in index
    paper = (tmp_path / "s" / "publications" / "a" / "index.html").read_text()
    assert '<meta name="citation_pdf_url" content="https://ada.org/assets/pdf/p.pdf">' in paper
    missing = [d for d in _findings(args) if d["rule"] == "link-file-missing"]
    assert len(missing) == 1
    assert "(tried assets/pdf/config)" in str(missing[0]["message"])  # never .git/config


BIB_BIBLATEX = r"""
@collection{vol, editor = {Stefan Groth and Ada Lovelace}, title = {Edited Volume},
  publisher = {Waxmann}, date = {2019-03}}
@article{pre, author = {Ada Lovelace}, title = {Sent}, journaltitle = {J}, pubstate = {inpress}}
@online{web, author = {Ada Lovelace}, title = {A page}, organization = {W3C}, date = {2020}}
@dataset{data, author = {Ada Lovelace}, title = {Data}, publisher = {Zenodo}, date = {2021}}
@misc{ep, author = {Ada Lovelace}, title = {E}, eprint = {2101.00001}, eprinttype = {arxiv},
  date = {2021-01}}
"""


def test_biblatex_reads_as_written(tmp_path: Path) -> None:
    args = _project(tmp_path, BIB_BIBLATEX)
    data = {p["key"]: p for p in json.loads(CliRunner().invoke(
        main, ["export", "--format", "json", *args]).stdout)["publications"]}
    assert data["vol"]["authors_are_editors"] is True
    assert (data["vol"]["year"], data["vol"]["month"]) == ("2019", 3)
    assert data["pre"]["year"] == "in press"
    assert [data[k]["venue"] for k in ("web", "data")] == ["W3C 2020", "Zenodo 2021"]
    assert data["ep"]["arxiv"] == "2101.00001" and data["ep"]["kind"] == "preprint"
    csl = {i["id"]: i for i in json.loads(CliRunner().invoke(
        main, ["export", "--format", "csl-json", *args]).stdout)}
    assert [n["family"] for n in csl["vol"]["editor"]] == ["Groth", "Lovelace"]
    assert "author" not in csl["vol"]
    text = CliRunner().invoke(main, ["export", "--format", "text", *args]).stdout
    assert "Stefan Groth, Ada Lovelace (eds.)" in text
    out = CliRunner().invoke(main, ["build", *args, "--out", str(tmp_path / "s"), "--quiet"])
    assert out.exit_code == 0, out.output
    page = (tmp_path / "s" / "publications" / "vol" / "index.html").read_text()
    assert "(eds.)" in page
    assert "citation_author" not in page
    assert '"editor": [' in page
