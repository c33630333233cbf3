"""Renderers: one module per output family, each owning its escaping.

A site renderer is built from the Site and yields {relative path: text} pairs; it never
writes. Each can also render one publication's own files and its fragments of the listing
files, which is what a build after an edit needs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pubsite.model import Publication, Site
    from pubsite.render.listing import Listing
    from pubsite.write import Content


class SiteRenderer(Protocol):
    def files(self) -> Iterator[tuple[str, Content]]: ...

    def listings(self) -> dict[str, Listing]: ...

    def fragments(self, pub: Publication) -> dict[str, str]: ...

    def paper(self, pub: Publication) -> list[tuple[str, str]]: ...


def site_renderer(name: str, site: Site, user_templates: Path | None) -> SiteRenderer:
    if name == "html":
        from pubsite.render.html import HtmlSite

        return HtmlSite(site, user_templates)
    if name == "markdown":
        from pubsite.render.markdown import MarkdownSite

        return MarkdownSite(site, user_templates)
    raise KeyError(name)
