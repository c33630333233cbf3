"""cv.pdf: the CV's LaTeX document compiled with pdflatex, when it is installed."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from pubsite.model.site import Site
from pubsite.render import cv
from pubsite.render.memo import Memo


def cv_pdf(site: Site, formats: tuple[str, ...], templates: Path | None,
           memo: Memo | None = None) -> tuple[bytes | None, str]:
    """cv.pdf for a site whose profile asks for a CV (it goes with the HTML site, which
    links it): the PDF, or None and why not. With `pubsite serve`'s memo, pdflatex runs
    only when the CV's LaTeX changed."""
    if not site.profile.cv or "html" not in formats:
        return None, ""
    tex = cv.document(site, templates)
    if memo is None:
        return pdflatex(tex)
    digest = hashlib.sha256(tex.encode()).hexdigest()
    if memo.cv_pdf[0] != digest:
        memo.cv_pdf = (digest, *pdflatex(tex))
    return memo.cv_pdf[1], memo.cv_pdf[2]


def pdflatex(tex: str) -> tuple[bytes | None, str]:
    """The PDF, or None and why not. The same input gives the same bytes (the dates come
    from SOURCE_DATE_EPOCH); TeX may read and write only in its own folder and runs no
    shell."""
    exe = shutil.which("pdflatex")
    if exe is None:
        return None, ("cv.pdf not made: pdflatex is not installed (TeX Live: "
                      "texlive-latex-recommended and lmodern); the CV page prints to PDF "
                      "from the browser")
    env = {**os.environ, "SOURCE_DATE_EPOCH": os.environ.get("SOURCE_DATE_EPOCH") or "0",
           "FORCE_SOURCE_DATE": "1", "openin_any": "p", "openout_any": "p",
           "shell_escape": "f"}
    with tempfile.TemporaryDirectory(prefix="pubsite-cv-") as work:
        (Path(work) / "cv.tex").write_text(tex, encoding="utf-8")
        try:
            run = subprocess.run([exe, "-no-shell-escape", "-interaction=nonstopmode",
                                  "-halt-on-error", "cv.tex"], cwd=work, env=env,
                                 capture_output=True, timeout=300)
        except subprocess.TimeoutExpired:
            return None, "cv.pdf not made: pdflatex took more than 5 minutes"
        pdf = Path(work) / "cv.pdf"
        if run.returncode != 0 or not pdf.is_file():
            log = run.stdout.decode("utf-8", "replace")
            first = next((line for line in log.splitlines() if line.startswith("!")),
                         "see the log")
            return None, (f"cv.pdf not made: pdflatex stopped ({first}); "
                          "`pubsite export --format latex --standalone` shows the LaTeX")
        return pdf.read_bytes(), ""
