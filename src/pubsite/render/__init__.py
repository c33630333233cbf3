"""Renderers: one module per output family, each owning its escaping.

A renderer takes the Site and returns {relative path: text}; it never writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from pubsite.model import Site

Renderer = Callable[[Site, Path | None],
                    Iterable[tuple[str, str | bytes | Iterable[str]]] | dict[str, str | bytes]]


def site_renderer(name: str) -> Renderer:
    if name == "html":
        from pubsite.render import html

        return html.render_site
    if name == "markdown":
        from pubsite.render import markdown

        return markdown.render_site
    raise KeyError(name)
