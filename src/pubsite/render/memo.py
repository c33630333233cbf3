"""What `pubsite serve` keeps of one build for the next: each entry's publication
(`read/kept.py`), rendered paper pages, list entries and index.md's items."""

from __future__ import annotations

from typing import Any

from pubsite.read.kept import Kept


class Carried(dict[Any, Any]):
    """What one build rendered, found again by the next: a piece it uses again moves into
    the new build's dict, and the rest goes with the old one, so that serve holds one
    build's pieces, not those of every edit of a long session."""

    def __init__(self, previous: dict[Any, Any]) -> None:
        super().__init__()
        self.previous = previous

    def get(self, key: Any, default: Any = None) -> Any:
        found = super().get(key)
        if found is None:
            found = self.previous.get(key)
            if found is None:
                return default
            self[key] = found
        return found


class Memo:
    """Paper pages and list entries rendered by an earlier build of the same process
    (`pubsite serve`), valid while the profile, templates and options stay the same: an
    edit of one entry of 1,000 renders one page and one entry instead of all (bench/:
    from 0.62 s to 0.39 s from save to reload)."""

    def __init__(self) -> None:
        self.context = ""
        self.papers = Carried({})
        self.kept = Kept()  # the last load's publications, by their entries
        # cv.pdf for the last CV LaTeX: pdflatex takes seconds, and most edits leave the
        # CV's text as it was (a digest of the LaTeX, the PDF or None, and why not).
        self.cv_pdf: tuple[str, bytes | None, str] = ("", None, "")

    def valid_for(self, context: str) -> Carried:
        """The pieces for a build with this context: the last build's, carried over."""
        if context != self.context:
            self.context, self.kept, self.papers = context, Kept(), Carried({})
        else:
            # The build before the last goes; after a build that rendered nothing (its
            # input had errors) the last one that did stays.
            self.papers = Carried(dict(self.papers) or self.papers.previous)
        return self.papers
