"""The CV publication list in LaTeX, Markdown, HTML and plain text.

One template per format in templates/cv/ (overridable like the site's); each format's
escaper is applied to every {{ value }} by the environment, so templates hold no escaping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pubsite.model import Publication, Site
from pubsite.render import view
from pubsite.render.texescape import tex_escape, tex_url
from pubsite.templating import environment


class Raw(str):
    """Text already in the output format."""


@dataclass(frozen=True, slots=True)
class Item:
    label: str
    pub: Publication

    @property
    def slug(self) -> str:
        return self.pub.slug


@dataclass(frozen=True, slots=True)
class CvGroup:
    title: str
    items: tuple[Item, ...]


TYPE_PREFIX = {"journal": "J", "conference": "C", "preprint": "P", "thesis": "T", "book": "B",
               "chapter": "BC", "report": "R", "patent": "PT", "proceedings": "E", "other": "O"}


def number(pubs: list[Publication], style: str) -> list[str]:
    """Labels for a list already in display order: plain 1..n, reverse n..1, or J1/C1."""
    if style == "none":
        return [""] * len(pubs)
    if style == "reverse":
        return [str(len(pubs) - i) for i in range(len(pubs))]
    if style == "type":
        totals: dict[str, int] = {}
        for p in pubs:
            totals[p.kind] = totals.get(p.kind, 0) + 1
        seen: dict[str, int] = {}
        labels = []
        for p in pubs:
            seen[p.kind] = seen.get(p.kind, 0) + 1
            # CVs count up from the oldest within each type, shown newest first.
            labels.append(f"{TYPE_PREFIX.get(p.kind, 'O')}{totals[p.kind] - seen[p.kind] + 1}")
        return labels
    return [str(i + 1) for i in range(len(pubs))]


def build_groups(pubs: list[Publication], group_by: str, numbering: str) -> list[CvGroup]:
    groups = view.group(pubs, group_by)
    ordered = [p for g in groups for p in g.publications]
    labels = dict(zip((p.key + "\0" + p.slug for p in ordered), number(ordered, numbering),
                      strict=True))
    return [CvGroup(g.title, tuple(Item(labels[p.key + "\0" + p.slug], p)
                                   for p in g.publications)) for g in groups]


_ESCAPERS: dict[str, Callable[[str], str]] = {
    "latex": tex_escape,
    "text": lambda s: s,
}


def render(site: Site, fmt: str, groups: list[CvGroup], user_templates: Path | None,
           standalone: bool = False) -> str:
    return "".join(generate(site, fmt, groups, user_templates, standalone)).strip() + "\n"


def generate(site: Site, fmt: str, groups: list[CvGroup], user_templates: Path | None,
             standalone: bool = False) -> Iterator[str]:
    """The list as text, in pieces (not yet stripped)."""
    env, helpers = _environment(site, fmt, user_templates)
    helpers["standalone"] = standalone
    helpers["list_legend"] = view.legend_text(view.legend_marks(
        site.profile, view.marks_in([i.pub for g in groups for i in g.items])))
    if fmt == "markdown":
        helpers["item_text"] = markdown_item(site, user_templates)
    pieces: Iterator[str] = env.get_template(f"cv/{fmt}.{_EXT[fmt]}").generate(
        profile=site.profile, groups=groups, **helpers)
    return pieces


def markdown_item(site: Site, user_templates: Path | None) -> Callable[[Item], str]:
    """One Markdown list item, without the blank line that separates items."""
    from pubsite.render.markdown import Md

    env, helpers = _environment(site, "markdown", user_templates)
    template = env.get_template("cv/markdown-item.md")
    return lambda item: Md(template.render(profile=site.profile, item=item,
                                           **helpers).strip("\n"))


def _environment(site: Site, fmt: str,
                 user_templates: Path | None) -> tuple[Any, dict[str, Any]]:
    profile = site.profile
    style = profile.publications.name_style

    def legend(p: Publication) -> str:
        return view.legend_text(view.legend_marks(profile, p.marks_used))

    helpers: dict[str, Any] = {
        "legend": legend, "per_entry_legend": profile.publications.legend == "entry",
    }
    if fmt == "html":
        from pubsite.render.html import safe_href

        env = environment("html", user_templates)
        env.filters["href"] = safe_href
        helpers["symbols"] = lambda a: "".join(
            m.symbol for m in view.legend_marks(profile, a.marks))
        helpers["name"] = lambda a: a.display(style)
    elif fmt == "markdown":
        from pubsite.render import markdown as md

        env = environment("markdown", user_templates, md.escape, md.Md)
        helpers.update(authors=md.Authors(site), venues=md.venues, links=md.links,
                       md_break=md.Md("\\"))
    else:
        env = environment(fmt, user_templates, _ESCAPERS[fmt], Raw)
        helpers["authors"] = lambda p: _authors(site, p, fmt)
        helpers["url"] = (lambda u: Raw(tex_url(u))) if fmt == "latex" else (lambda u: u)
        helpers["symbols"] = lambda a: "".join(
            m.symbol for m in view.legend_marks(profile, a.marks))
    return env, helpers


_EXT = {"latex": "tex", "markdown": "md", "html": "html", "text": "txt"}


def _authors(site: Site, p: Publication, fmt: str) -> Raw:
    style = site.profile.publications.name_style
    esc = _ESCAPERS[fmt]
    parts = []
    for a in p.authors:
        text = esc(a.display(style))
        symbols = [m.symbol for m in view.legend_marks(site.profile, a.marks)]
        if fmt == "latex":
            if symbols:
                text += "\\textsuperscript{" + esc("".join(symbols)) + "}"
            if a.is_owner:
                text = "\\textbf{" + text + "}"
        else:
            text += "".join(symbols)
        parts.append(text)
    return Raw(", ".join(parts))
