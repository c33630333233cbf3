"""The links and images in a piece of Markdown, found the way a Markdown reader finds them
(reference definitions, nested brackets, images): what the profile's checks report and
what the Markdown output must never carry unless the URL allow-list accepts it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from pubsite.model import urls


@lru_cache(maxsize=1)
def _reader() -> Any:
    # Imported here: a build with nothing to do reads the profile without rendering it.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True})
    md.validateLink = _every_link  # type: ignore[method-assign]
    return md


def _every_link(url: str) -> bool:
    return True  # the checks want to see every link, even those a reader would drop


def destinations(text: str) -> list[str]:
    found: list[str] = []
    todo: list[Any] = list(_reader().parse(text))
    while todo:
        token = todo.pop()
        if token.type in ("link_open", "image"):
            found.append(str(token.attrGet("href") or token.attrGet("src") or ""))
        todo.extend(token.children or ())
    return found


def unsafe(text: str) -> list[str]:
    """Destinations the allow-list refuses (http, https and mailto only)."""
    return [u for u in destinations(text) if urls.safe_url(u, urls.WEB_AND_MAIL) is None]


def inert(text: str) -> str:
    """`text` with no link or image left when any of them is refused: its brackets are
    escaped, so the words stay and no reader makes a link of them."""
    if not unsafe(text):
        return text
    return text.replace("[", "\\[").replace("]", "\\]")
