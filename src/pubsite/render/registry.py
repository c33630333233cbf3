"""One registry of output formats by name.

Site formats (`html`, `markdown`) yield `(relative path, content)` pairs and never write;
export formats return one text. A new export format is one entry in `EXPORTS`; a site
format one branch of `site_files`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pubsite.errors import EXIT_INPUT, PubsiteError
from pubsite.model import Content, Publication, Site
from pubsite.projectfiles import ProjectFile
from pubsite.render import cv, data
from pubsite.render.html import HtmlSite
from pubsite.render.markdown import MarkdownSite
from pubsite.render.texescape import needs_notes


@dataclass(frozen=True, slots=True)
class Layout:
    group_by: str = "none"
    numbering: str = "none"
    standalone: bool = False
    style: str = "full"


# Which layout options each export honours; the CLI refuses the others (a silently
# ignored --numbering is a CV printed wrong).
HONOURS: dict[str, tuple[str, ...]] = {
    "latex": ("group_by", "numbering", "standalone", "style"),
    **{name: ("group_by", "numbering", "style") for name in ("markdown", "html", "text")},
    "rendercv": ("group_by",),
}


def _data(name: str) -> Callable[[Site, Layout, Path | None], str]:
    def run(site: Site, layout: Layout, templates: Path | None) -> str:
        return data.EXPORTS[name](site)
    return run


def _cv(name: str) -> Callable[[Site, Layout, Path | None], str]:
    def run(site: Site, layout: Layout, templates: Path | None) -> str:
        groups = cv.build_groups(list(site.publications), layout.group_by, layout.numbering)
        return cv.render(site, name, groups, templates, standalone=layout.standalone,
                         style=layout.style)
    return run


EXPORTS: dict[str, Callable[[Site, Layout, Path | None], str]] = {
    **{name: _data(name) for name in data.EXPORTS},
    "rendercv": lambda site, layout, _templates: data.to_rendercv(site, layout.group_by),
    **{name: _cv(name) for name in ("markdown", "html", "text", "latex")},
}


def export(site: Site, fmt: str, layout: Layout, templates: Path | None) -> str:
    return EXPORTS[fmt](site, layout, templates)


def notes(site: Site, fmt: str) -> list[str]:
    """What the reader of an export must know to use it (packages a LaTeX preamble needs)."""
    return needs_notes(*cv.latex_needs(site)) if fmt == "latex" else []


class Memo:
    """Paper pages and list entries rendered by an earlier build of the same process
    (`pubsite serve`), valid while the profile, templates and options stay the same: an
    edit of one entry of 1,000 renders one page and one entry instead of all (bench/:
    from 0.62 s to under 0.5 s from save to reload)."""

    def __init__(self) -> None:
        self.context = ""
        self.papers: dict[Any, Any] = {}

    def valid_for(self, context: str) -> dict[Any, Any]:
        if context != self.context:
            self.context, self.papers = context, {}
        return self.papers


def cv_pdf(site: Site, formats: tuple[str, ...], templates: Path | None
           ) -> tuple[bytes | None, str]:
    """cv.pdf for a site whose profile asks for a CV: the PDF, or None and why not."""
    if not site.profile.cv or "html" not in formats:
        return None, ""
    from pubsite.render import pdf  # subprocess and tempfile: only a build with a CV

    return pdf.pdflatex(cv.document(site, templates))


def site_files(site: Site, formats: tuple[str, ...], templates: Path | None,
               memo: dict[Any, Any] | None = None, cv_pdf: bytes | None = None
               ) -> Iterator[tuple[str, Content]]:
    produced: set[str] = set()
    if cv_pdf is not None:
        produced.add("cv.pdf")
        yield "cv.pdf", cv_pdf
    for fmt in formats:
        if fmt == "html":
            pages = HtmlSite(site, templates, memo, has_pdf=cv_pdf is not None).files()
        elif fmt == "markdown":
            pages = MarkdownSite(site, templates).files()
        else:
            raise KeyError(fmt)
        for rel, content in pages:
            produced.add(rel)
            yield rel, content
    yield from _project_files(site, produced)


def _project_files(site: Site, produced: set[str]) -> Iterator[tuple[str, Content]]:
    """The project's files the links name (a paper's PDF), at the same path in the site,
    for every site format; never over a file pubsite writes itself."""
    base = os.path.abspath(Path(site.profile.source_file).parent)
    wanted: dict[str, Publication] = {}
    for pub in site.publications:
        for rel in [link.url for link in pub.links if link.local] + \
                ([pub.preview.path] if pub.preview else []):
            wanted.setdefault(rel, pub)
    clashes = [f"{pub.source_file}:{pub.source_line}: {pub.key} links '{rel}'"
               for rel, pub in wanted.items() if rel in produced]
    if clashes:
        raise PubsiteError(
            f"a linked file would be copied to where the site's own page or file goes: "
            f"{'; '.join(clashes[:10])}. Give the linked file another name or folder "
            "(e.g. assets/pdf/paper.pdf)", EXIT_INPUT)
    for rel in wanted:
        # The normaliser kept only files `projectfiles` accepts; the write stage
        # streams each one through it again, never reading a file whole.
        yield rel, ProjectFile(base, rel)
