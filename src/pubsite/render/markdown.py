"""Markdown output. Every {{ value }} is escaped by the environment's finalize hook, so a
field can open no HTML tag, link or Liquid/Hugo tag; already-built Markdown is wrapped in
`Md` to pass through."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pubsite.model.site import Content, Site
from pubsite.read import mdlinks
from pubsite.render import cv
from pubsite.render.formats import MarkdownFormat, Md, escape, link
from pubsite.render.templating import environment
from pubsite.render.view import email_shown, obfuscate_email

# A link of the simple form, [label](url): neither part holds a bracket (nor the URL a
# parenthesis), so that each try stops at the next one; and no part gives back what it
# took (*+), so that blanks after "](" are read once. With any character allowed up to
# the closing one, each "[" of "[a](" or "[[[" read the rest of the text, and 100 KB of
# them took a minute. What this leaves, nested and balanced forms, the Markdown reader
# reads, and mdlinks checks every link it finds.
_SIMPLE_LINK = re.compile(r"(?<!!)\[([^\[\]]*+)\]\(\s*+<?([^()\[\]\s>]*+)>?\s*+\)")


def profile_markdown(text: str) -> Md:
    """Profile Markdown passes through with raw HTML and template syntax neutralised."""
    text = text.replace("<", "&lt;")
    text = text.replace("{{", "{&#123;").replace("{%", "{&#37;")

    def fix(m: re.Match[str]) -> str:
        return str(link(m.group(1), m.group(2)))

    text = _SIMPLE_LINK.sub(fix, text)
    # What the simple form above misses (references, nesting, images) is caught here.
    return Md(mdlinks.inert(text).strip())


class MarkdownSite:
    """index.md: the profile and the publication list (the CV's Markdown list)."""

    def __init__(self, site: Site, user_templates: Path | None = None,
                 memo: dict[Any, Any] | None = None) -> None:
        self.site = site
        self.user_templates = user_templates
        self.memo = memo  # serve's: the list's items of its last build

    def files(self) -> Iterator[tuple[str, Content]]:
        yield "index.md", self.page()

    def page(self) -> str:
        site, user_templates = self.site, self.user_templates
        env = environment("markdown", user_templates, escape, Md)
        settings = site.profile.publications
        # The homepage's own list: the venue line and every link, as the HTML page shows.
        listing = cv.render(site, MarkdownFormat, cv.build_groups(
            list(site.publications), settings.group_by, "none"), user_templates,
            style="short", limit=settings.max_authors, memo=self.memo)
        text = env.get_template("markdown/index.md").render(
            profile=site.profile, settings=settings, publication_list=Md(listing),
            link=link, md=profile_markdown, obfuscate_email=obfuscate_email,
            email_shown=email_shown,
            md_break=Md("  "))
        return _RUNS.sub("\n\n", text).strip() + "\n"


_RUNS = re.compile(r"\n{3,}")
