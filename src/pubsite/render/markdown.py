"""Markdown output. Every {{ value }} is escaped by the environment's finalize hook, so a
field can open no HTML tag, link or Liquid/Hugo tag; already-built Markdown is wrapped in
`Md` to pass through."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from pubsite import urls
from pubsite.model import Publication, Site
from pubsite.templating import environment
from pubsite.view import Format, obfuscate_email

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


class MarkdownFormat(Format):
    def esc(self, text: str) -> str:
        return escape(text)

    def strong(self, text: str) -> str:
        return f"**{text}**"


def links(pub: Publication) -> Md:
    return Md(" · ".join(link(x.label, x.url) for x in pub.links))


class MarkdownSite:
    """index.md: the profile and the publication list (the CV's Markdown list)."""

    def __init__(self, site: Site, user_templates: Path | None = None) -> None:
        self.site = site
        self.user_templates = user_templates

    def files(self) -> Iterator[tuple[str, Content]]:
        yield "index.md", self.page()

    def page(self) -> str:
        from pubsite.render import cv

        site, user_templates = self.site, self.user_templates
        env = environment("markdown", user_templates, escape, Md)
        settings = site.profile.publications
        listing = cv.render(site, "markdown", cv.build_groups(
            list(site.publications), settings.group_by, "none"), user_templates)
        text = env.get_template("markdown/index.md").render(
            profile=site.profile, settings=settings, publication_list=Md(listing),
            link=link, md=profile_markdown, obfuscate_email=obfuscate_email)
        return _RUNS.sub("\n\n", text).strip() + "\n"


_RUNS = re.compile(r"\n{3,}")
