"""BibTeX as the oracle: the real `bibtex` binary reads every corpus file with a small
style (tests/oracle/names.bst) that prints each entry's key and each name's four parts;
pubsite must read the same entries and the same name parts, but for the deviations the
README lists (hyphenated given names kept whole, UTF-8 letters read as letters)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from pubsite.errors import Diagnostics
from pubsite.read import bib, names

ORACLE = Path(__file__).parent / "oracle" / "names.bst"
SHARED = Path(__file__).resolve().parent / "data" / "shared" / "corpus"
FILES = sorted([*SHARED.glob("real/*.bib"), *SHARED.glob("real2/*.bib")])

pytestmark = pytest.mark.skipif(shutil.which("bibtex") is None, reason="bibtex not installed")

Parts = tuple[str, str, str, str]


def bibtex_reading(source: Path, work: Path) -> tuple[list[str], dict[str, list[Parts]]] | None:
    """Keys and name parts as BibTeX reads them; None when BibTeX reports an error."""
    work.mkdir()
    # The text as pubsite decodes it (a GBK or Latin-1 file too), in UTF-8 for both readers.
    text, _ = bib.read_text(source, Diagnostics())
    (work / "x.bib").write_text(text, encoding="utf-8")
    shutil.copy(ORACLE, work / "names.bst")
    (work / "x.aux").write_text("\\citation{*}\n\\bibdata{x}\n\\bibstyle{names}\n")
    done = subprocess.run(["bibtex", "-terse", "x"], cwd=work, capture_output=True,
                          check=False, timeout=120)
    if done.returncode >= 2:
        return None
    keys: list[str] = []
    found: dict[str, list[Parts]] = {}
    text = (work / "x.bbl").read_bytes().decode("utf-8", "replace")
    # BibTeX breaks output lines longer than 79 characters; a continued line has no "|" start.
    lines: list[str] = []
    for line in text.splitlines():
        if line.startswith(("KEY|", "author|", "editor|")) or not lines:
            lines.append(line)
        else:
            lines[-1] += line.lstrip() if lines[-1].endswith(" ") else " " + line.lstrip()
    for line in lines:
        kind, _, rest = line.partition("|")
        if kind == "KEY":
            keys.append(rest)
            found.setdefault(rest, [])
        elif kind in ("author", "editor"):
            first, von, last, jr = (_spaces(p) for p in rest.split("|", 3))
            found[keys[-1]].append((first, von, last, jr))
    return keys, found


def _spaces(text: str) -> str:
    return " ".join(text.replace("~", " ").split())


def pubsite_reading(source: Path) -> tuple[list[str], dict[str, list[Parts]], set[str]]:
    """Keys, name parts, and the keys whose names use an undefined @string macro (pubsite
    shows its name, BibTeX prints nothing: the README's third deviation)."""
    text, _ = bib.read_text(source, Diagnostics())
    diags = Diagnostics()
    data = bib.parse(text, source.name, diags)
    undefined = {d.key for d in diags.items if d.rule == "undefined-string" and d.key}
    keys = [e.key for e in data.entries]
    found: dict[str, list[Parts]] = {}
    for e in data.entries:
        parts = found.setdefault(e.key, [])
        for field in ("author", "editor"):
            for raw in names.split_authors(e.fields.get(field, "")):
                n = names.split_name(raw)
                parts.append(tuple(_spaces(" ".join(p)) for p in (n.first, n.von, n.last,
                                                                  n.jr)))  # type: ignore[misc]
    return keys, found, undefined


def documented_deviation(ours: Parts, theirs: Parts) -> bool:
    """The README's deviations: a given name joined by a hyphen to a lowercase part
    ("Jean-luc", "Ming-chih") stays a given name; a UTF-8 letter is a letter (BibTeX reads
    its bytes as non-letters when it looks for a lowercase "von" word)."""
    whole = " ".join(p for p in ours if p)
    if whole != " ".join(p for p in theirs if p).replace(" -", "-").replace("- ", "-") and \
            whole.replace("-", " ") != " ".join(p for p in theirs if p).replace("-", " "):
        return False
    hyphen = any("-" in t for t in ours[0].split()) or "-" in theirs[1]
    return hyphen or not whole.isascii()


@pytest.mark.parametrize("source", FILES, ids=[f.name for f in FILES])
def test_pubsite_reads_what_bibtex_reads(source: Path, tmp_path: Path) -> None:
    theirs = bibtex_reading(source, tmp_path / "bibtex")
    if theirs is None:
        pytest.skip("BibTeX reports an error on this file")
    their_keys, their_names = theirs
    our_keys, our_names, undefined = pubsite_reading(source)
    # BibTeX's keys are case-blind (the first spelling is kept); so are pubsite's duplicates.
    assert [k.lower() for k in our_keys] == [k.lower() for k in their_keys]
    wrong = []
    for key in their_keys:
        if key in undefined:
            continue
        ours = our_names.get(key, [])
        for a, b in zip(ours, their_names[key], strict=False):
            if a != b and not documented_deviation(a, b):
                wrong.append((key, a, b))
        if len(ours) != len(their_names[key]):
            wrong.append((key, len(ours), len(their_names[key])))
    assert wrong == []
