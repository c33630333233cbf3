"""Markdown output. Every {{ value }} is escaped by the environment's finalize hook, so a
field can open no HTML tag, link or Liquid/Hugo tag; already-built Markdown is wrapped in
`Md` to pass through."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from pubsite import urls
from pubsite.model import Author, Publication, Site
from pubsite.render import view
from pubsite.render.listing import Listing
from pubsite.templating import environment

if TYPE_CHECKING:
    from pubsite.write import Content


class Md(str):
    """Text that is already Markdown and must not be escaped again."""


_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|~])")


def escape(text: str) -> str:
    # Names and venues repeat thousands of times; long text is unique.
    return _escape_short(text) if len(text) <= 48 else _escape(text)


@lru_cache(maxsize=65536)
def _escape_short(text: str) -> str:
    return _escape(text)


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;")
    text = _SPECIAL.sub(r"\\\1", text)
    # A line must not start a list, quote or heading by accident.
    text = re.sub(r"(?m)^(\s*)([+\-=]|\d+[.)])(\s)", r"\1\\\2\3", text)
    return text.replace("\n", " ")


def link(label: str, url: str) -> Md:
    safe = urls.safe_url(url, urls.WEB_AND_MAIL)
    if safe is None:
        return Md(escape(label))
    # Percent-encode what could end the <...> target or read as template syntax.
    target = quote(safe, safe=":/?#[]@!$&'()*+,;=%~")
    return Md(f"[{escape(label)}](<{target}>)")


def profile_markdown(text: str) -> Md:
    """Profile Markdown passes through with raw HTML and template syntax neutralised."""
    text = text.replace("<", "&lt;")
    text = text.replace("{{", "{&#123;").replace("{%", "{&#37;")

    def fix(m: re.Match[str]) -> str:
        return str(link(m.group(1), m.group(2)))

    text = re.sub(r"(?<!!)\[([^\]]*)\]\(\s*<?([^)\s>]*)>?\s*\)", fix, text)
    return Md(text.strip())


class Authors:
    """Author lists as Markdown, each author's text made once (names repeat thousands of
    times in a large list)."""

    def __init__(self, site: Site) -> None:
        self.profile = site.profile
        self.settings = site.profile.publications
        self.names: dict[Author, str] = {}

    def one(self, a: Author) -> str:
        found = self.names.get(a)
        if found is None:
            text = escape(a.display(self.settings.name_style))
            text += "".join(escape(m.symbol) for m in view.legend_marks(self.profile, a.marks))
            found = self.names[a] = f"**{text}**" if a.is_owner else text
        return found

    def __call__(self, pub: Publication) -> Md:
        return Md(", ".join("…" if a is None else self.one(a)
                            for a in view.shown_authors(pub.authors,
                                                        self.settings.max_authors)))


def venues(pub: Publication) -> Md:
    out = []
    for v in pub.venues:
        text = escape(f"{v.name} {v.year}".strip())
        if v.notes:
            notes = "; ".join(f"**{escape(n.text)}**" if n.award else escape(n.text)
                              for n in v.notes)
            text += f" ({notes})"
        out.append(text)
    return Md(", ".join(out))


def links(pub: Publication) -> Md:
    return Md(" · ".join(link(x.label, x.url) for x in pub.links))


class MarkdownSite:
    """index.md: the profile and the publication list, items placed through a Listing."""

    def __init__(self, site: Site, user_templates: Path | None = None) -> None:
        self.site = site
        self.user_templates = user_templates
        from pubsite.render import cv

        self.listing = Listing(cv.markdown_item(site, user_templates))

    def listings(self) -> dict[str, Listing]:
        return {"index.md": self.listing}

    def fragments(self, pub: Publication) -> dict[str, str]:
        from pubsite.render import cv

        return {"index.md": self.listing.render_one(cv.Item("", pub))}

    def paper(self, pub: Publication) -> list[tuple[str, str]]:
        return []

    def files(self) -> Iterator[tuple[str, Content]]:
        yield "index.md", self.listing.chunks(self.page_pieces())

    def page_pieces(self) -> Iterator[str]:
        """index.md in pieces: a list of thousands is never one string in memory (as
        text it is several times its UTF-8 size, and tidying it copies it again)."""
        from pubsite.render import cv

        site, user_templates = self.site, self.user_templates
        env = environment("markdown", user_templates, escape, Md)
        settings = site.profile.publications
        # The publication list is the CV's Markdown list: one template for both.
        listing = cv.generate(site, "markdown", cv.build_groups(
            list(site.publications), settings.group_by, "none"), user_templates,
            listing=self.listing)
        text = env.get_template("markdown/index.md").render(
            profile=site.profile, settings=settings, publication_list=Md(_PLACE),
            link=link, md=profile_markdown)
        head, found, tail = text.partition(_PLACE)
        pieces: Iterator[str]
        if found:
            pieces = chain([head], _strip(_batched(listing)), ["\n", tail])
        else:  # the user's template changed or dropped the list: render it whole
            whole = Md("".join(listing).strip() + "\n")
            pieces = iter([text.replace(_PLACE, whole)])
        # Items hold no run of three newlines and neither start nor end with one, so
        # tidying leaves every item's text as it was rendered.
        yield from _strip(_collapse_newlines(pieces))
        yield "\n"


_PLACE = "\x00pubsite-publication-list\x00"
_RUNS = re.compile(r"\n{3,}")


def _batched(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[str]:
    buffer: list[str] = []
    held = 0
    for piece in pieces:
        buffer.append(piece)
        held += len(piece)
        if held >= size:
            yield "".join(buffer)
            buffer, held = [], 0
    yield "".join(buffer)


def _strip(pieces: Iterable[str]) -> Iterator[str]:
    """str.strip over text given in pieces."""
    started = False
    held: list[str] = []
    for piece in pieces:
        if not started:
            piece = piece.lstrip()
            if not piece:
                continue
            started = True
        body = piece.rstrip()
        if not body:
            held.append(piece)
            continue
        yield from held
        yield body
        held = [piece[len(body):]] if len(body) < len(piece) else []


def _collapse_newlines(pieces: Iterable[str]) -> Iterator[str]:
    """Runs of three or more newlines become two, across the seams between pieces."""
    pending = 0
    for piece in pieces:
        end = len(piece.rstrip("\n"))
        if not end:
            pending += len(piece)
            continue
        start = len(piece) - len(piece.lstrip("\n"))
        run = pending + start
        yield "\n" * (run if run < 3 else 2) + _RUNS.sub("\n\n", piece[start:end])
        pending = len(piece) - end
    yield "\n" * (pending if pending < 3 else 2)

