"""What `pubsite serve` keeps of one build for the next: each entry's publication
(`read/kept.py`), rendered paper pages, list entries and index.md's items."""

from __future__ import annotations

from typing import Any

from pubsite.read.kept import Kept


class Memo:
    """Paper pages and list entries rendered by an earlier build of the same process
    (`pubsite serve`), valid while the profile, templates and options stay the same: an
    edit of one entry of 1,000 renders one page and one entry instead of all (bench/:
    from 0.62 s to 0.39 s from save to reload)."""

    def __init__(self) -> None:
        self.context = ""
        self.papers: dict[Any, Any] = {}
        self.kept = Kept()  # the last load's publications, by their entries
        # cv.pdf for the last CV LaTeX: pdflatex takes seconds, and most edits leave the
        # CV's text as it was (a digest of the LaTeX, the PDF or None, and why not).
        self.cv_pdf: tuple[str, bytes | None, str] = ("", None, "")

    def valid_for(self, context: str) -> dict[Any, Any]:
        if context != self.context:
            self.context, self.papers, self.kept = context, {}, Kept()
        return self.papers
