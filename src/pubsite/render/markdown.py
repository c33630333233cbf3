"""Markdown output. Every {{ value }} is escaped by the environment's finalize hook, so a
field can open no HTML tag, link or Liquid/Hugo tag; already-built Markdown is wrapped in
`Md` to pass through."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from pubsite import urls
from pubsite.model import Publication, Site
from pubsite.render import view
from pubsite.render.listing import Listing
from pubsite.templating import environment

if TYPE_CHECKING:
    from pubsite.render.cv import Item
    from pubsite.write import Content


class Md(str):
    """Text that is already Markdown and must not be escaped again."""


_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|~])")


def escape(text: str) -> str:
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


def authors(site: Site, pub: Publication) -> Md:
    settings = site.profile.publications
    parts = []
    for a in view.shown_authors(pub.authors, settings.max_authors):
        if a is None:
            parts.append("…")
            continue
        text = escape(a.display(settings.name_style))
        text += "".join(escape(m.symbol) for m in view.legend_marks(site.profile, a.marks))
        parts.append(f"**{text}**" if a.is_owner else text)
    return Md(", ".join(parts))


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
        self.listing = Listing()
        self._item: Callable[[Item], str] | None = None

    def listings(self) -> dict[str, Listing]:
        return {"index.md": self.listing}

    def fragments(self, pub: Publication) -> dict[str, str]:
        from pubsite.render import cv

        if self._item is None:
            self._item = cv.markdown_item(self.site, self.user_templates)
        return {"index.md": self._item(cv.Item("", pub))}

    def paper(self, pub: Publication) -> list[tuple[str, str]]:
        return []

    def files(self) -> Iterator[tuple[str, Content]]:
        yield "index.md", self.listing.chunks([self.page()])

    def page(self) -> str:
        from pubsite.render import cv

        site, user_templates = self.site, self.user_templates
        env = environment("markdown", user_templates, escape, Md)
        pubs = site.publications
        settings = site.profile.publications
        # The publication list is the CV's Markdown list: one template for both.
        publication_list = Md(cv.render(site, "markdown", cv.build_groups(
            list(pubs), settings.group_by, "none"), user_templates, listing=self.listing))
        text = env.get_template("markdown/index.md").render(
            profile=site.profile, settings=settings, publication_list=publication_list,
            link=link, md=profile_markdown)
        # Items hold no run of three newlines and neither start nor end with one, so this
        # leaves every item's text as it was rendered.
        return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def render_page(site: Site, user_templates: Path | None = None) -> str:
    return MarkdownSite(site, user_templates).page()
