"""Every output pubsite makes, for the seed and every corpus file, into one folder: run it
on two commits and `diff -r` the folders to see what a change did to what users get.

    python bench/snapshot.py OUT            # this checkout
    diff -r OUT_BEFORE OUT_AFTER

Each corpus file is built with its owner (real2/MANIFEST.md) or "Jane Doe" as the
profile, into `OUT/<file>/site/` (the HTML site and index.md; pubsite's own records left
out) and `OUT/<file>/export.<format>` for every export format, plus the LaTeX and text CV
grouped by type with numbering and the short style. Runs in one process (CliRunner).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "data" / "shared" / "corpus"
FORMATS = ("json", "markdown", "html", "text", "latex", "csl-json", "bibtex", "jsonresume",
           "rendercv")
VARIANTS = {"latex-grouped": ["--format", "latex", "--group-by", "type", "--numbering", "type",
                              "--style", "short"],
            "text-oldest": ["--format", "text", "--sort", "oldest", "--group-by", "year"]}


def owners() -> dict[str, str]:
    found = {}
    for line in (CORPUS / "real2" / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 6 and cells[1].endswith(".bib"):
            found[cells[1]] = cells[5]
    return found


def projects() -> list[tuple[str, Path, str | None]]:
    """(name, .bib, owner or None for the profile beside it)."""
    out: list[tuple[str, Path, str | None]] = [("seed", ROOT / "publications.bib", None)]
    who = owners()
    for folder in ("real", "real2"):
        for bib in sorted((CORPUS / folder).glob("*.bib")):
            if bib.stat().st_size > 1_000_000:
                continue  # tugboat: 4,800 entries add minutes and nothing new
            out.append((f"{folder}-{bib.stem}", bib, who.get(bib.name, "Jane Doe")))
    return out


def snapshot(out: Path, only: str | None = None) -> None:
    from pubsite.cli import main

    runner = CliRunner()
    for name, bib, owner in projects():
        if only and not re.search(only, name):
            continue
        target = out / name
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            project = Path(tmp)
            shutil.copy(bib, project / "publications.bib")
            if owner is None:
                shutil.copy(ROOT / "profile.toml", project / "profile.toml")
            else:
                (project / "profile.toml").write_text(f'name = "{owner}"\n', encoding="utf-8")
            # Relative paths: the JSON export and messages name the .bib as given.
            os.chdir(project)
            args = ["--bib", "publications.bib", "--profile", "profile.toml"]
            built = runner.invoke(main, ["build", *args, "--out", "_site", "--quiet",
                                         "--keep-going"])
            (target / "build.log").write_text(f"exit {built.exit_code}\n{built.output}")
            if (project / "_site").is_dir():
                shutil.copytree(project / "_site", target / "site", dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns(".pubsite-*"))
            runs = {fmt: ["--format", fmt] for fmt in FORMATS} | VARIANTS
            for label, extra in runs.items():
                result = runner.invoke(main, ["export", *args, *extra])
                (target / f"export.{label}").write_text(
                    f"exit {result.exit_code}\n{result.stdout}", encoding="utf-8")
            os.chdir(ROOT)
        print(name, file=sys.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--only", help="a pattern the project's name must match")
    options = parser.parse_args()
    snapshot(options.out.resolve(), options.only)
