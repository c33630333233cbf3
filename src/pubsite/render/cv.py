"""The CV publication list in LaTeX, Markdown, HTML and plain text.

One template per format in templates/cv/ (overridable like the site's); each format's
escaper is applied to every {{ value }} by the environment, so templates hold no escaping.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pubsite.model.choices import GroupBy, Kind, Numbering, ReferenceStyle
from pubsite.model.site import Link, Publication, Site
from pubsite.render.formats import (
    LatexFormat,
    MarkdownFormat,
    Md,
    safe_href,
)
from pubsite.render.templating import environment
from pubsite.render.texescape import Need, needs, tex_escape, tex_url
from pubsite.render.view import (
    Format,
    Raw,
    Written,
    cv_links,
    cv_sections,
    email_shown,
    group,
    last_text,
    legend_marks,
    legend_text,
    links_part,
    marks_in,
    reference_ids,
    shown_text,
    stop,
)


@dataclass(frozen=True, slots=True)
class Item:
    label: str
    pub: Publication


@dataclass(frozen=True, slots=True)
class CvGroup:
    title: str
    items: tuple[Item, ...]


TYPE_PREFIX = {Kind.JOURNAL: "J", Kind.CONFERENCE: "C", Kind.PREPRINT: "P", Kind.THESIS: "T",
               Kind.BOOK: "B", Kind.CHAPTER: "BC", Kind.REPORT: "R", Kind.PATENT: "PT",
               Kind.PROCEEDINGS: "E", Kind.OTHER: "O"}


def number(pubs: list[Publication], style: Numbering) -> list[str]:
    """Labels for a list already in display order: plain 1..n, reverse n..1, or J1/C1."""
    if style == "none":
        return [""] * len(pubs)
    if style == "reverse":
        return [str(len(pubs) - i) for i in range(len(pubs))]
    if style == "type":
        totals: dict[Kind, int] = {}
        for p in pubs:
            totals[p.kind] = totals.get(p.kind, 0) + 1
        seen: dict[Kind, int] = {}
        labels = []
        for p in pubs:
            seen[p.kind] = seen.get(p.kind, 0) + 1
            # CVs count up from the oldest within each type, shown newest first.
            labels.append(f"{TYPE_PREFIX[p.kind]}{totals[p.kind] - seen[p.kind] + 1}")
        return labels
    return [str(i + 1) for i in range(len(pubs))]


def build_groups(pubs: list[Publication], group_by: GroupBy, numbering: Numbering
                 ) -> list[CvGroup]:
    groups = group(pubs, group_by)
    ordered = [p for g in groups for p in g.publications]
    labels = dict(zip((p.key + "\0" + p.slug for p in ordered), number(ordered, numbering),
                      strict=True))
    return [CvGroup(g.title, tuple(Item(labels[p.key + "\0" + p.slug], p)
                                   for p in g.publications)) for g in groups]


Spelling = type[Format]  # a list's format: its class says how it escapes, marks up and joins


def render(site: Site, fmt: Spelling, groups: list[CvGroup], user_templates: Path | None,
           standalone: bool = False, style: ReferenceStyle = "full", limit: int = 0,
           memo: dict[Any, Any] | None = None) -> str:
    """The list; `limit` cuts each author list as the homepage does (index.md), a CV shows
    every author (0)."""
    return "".join(generate(site, fmt, groups, user_templates, standalone, style, limit,
                            memo)).strip() + "\n"


def generate(site: Site, fmt: Spelling, groups: list[CvGroup], user_templates: Path | None,
             standalone: bool = False, style: ReferenceStyle = "full", limit: int = 0,
             memo: dict[Any, Any] | None = None) -> Iterator[str]:
    """The list as text, in pieces (not yet stripped); `memo`: serve's, for the Markdown
    items."""
    env, helpers = _environment(site, fmt, user_templates, style, limit)
    helpers["standalone"] = standalone
    if fmt.medium == "latex":
        helpers["extra_preamble"] = [Raw(n.preamble) for n in latex_needs(site)[0]]
    helpers["list_legend"] = legend_text(legend_marks(
        site.profile, marks_in([i.pub for g in groups for i in g.items])))
    if fmt.medium == "markdown":
        helpers["item_text"] = markdown_item(site, user_templates, style, limit, memo)
    pieces: Iterator[str] = env.get_template(fmt.list_template).generate(
        profile=site.profile, groups=groups, **helpers)
    return pieces


def full_list(site: Site, fmt: Spelling, user_templates: Path | None,
              root: str | None = "") -> str:
    """Every publication as a CV lists them (the CV page, cv.pdf): grouped by type, the
    full reference. A file the site copies (a local PDF) is linked through `root`, the
    way from the page to the site's root; with None, it is left out."""
    pubs = [rooted(p, root) for p in site.publications]
    return render(site, fmt, build_groups(pubs, "type", "none"), user_templates)


def rooted(pub: Publication, root: str | None) -> Publication:
    """The publication with its local links made relative to a page `root` away from the
    site's root (or absolute, with base_url), or left out where no address would work
    (cv.pdf without base_url: a link to a file beside the PDF is dead once downloaded)."""
    if not any(x.local for x in pub.links):
        return pub
    if root is None:
        return replace(pub, links=tuple(x for x in pub.links if not x.local))
    return replace(pub, links=tuple(Link(x.label, root + x.url) if x.local else x
                                    for x in pub.links))


def document(site: Site, user_templates: Path | None) -> str:
    """cv.pdf's LaTeX: the profile's sections and every publication in the full style,
    grouped by type."""
    env = environment("latex", user_templates, tex_escape, Raw)
    profile = site.profile
    base = profile.base_url.rstrip("/")
    listing = full_list(site, LatexFormat, user_templates, base + "/" if base else None)
    email, mailto = email_shown(profile)
    return env.get_template("cv/document.tex").render(
        profile=profile, email=email, mailto=mailto, sections=cv_sections(profile),
        publications=Raw(listing), url=lambda u: Raw(tex_url(u)),
        extra_preamble=[Raw(n.preamble) for n in latex_needs(site)[0]])


def latex_needs(site: Site) -> tuple[list[Need], str]:
    """The packages pdflatex needs for the characters of this list, and the characters it
    cannot print."""
    return needs({c for text in shown_text(site.profile, site.publications) for c in text})


def markdown_item(site: Site, user_templates: Path | None,
                  style: ReferenceStyle = "full", limit: int = 0,
                  memo: dict[Any, Any] | None = None) -> Callable[[Item], str]:
    """One Markdown list item, without the blank line that separates items. From `memo`
    when `pubsite serve` wrote this item before: it depends on the item and on the profile
    and templates, which key the memo (an edit of one entry of 1,000: index.md 0.08 s ->
    0.01 s, rendered in serve's process instead of a worker; serve's reload 0.28-0.29 s ->
    0.24-0.26 s, bench/run.py serve_edit_1000_s)."""
    env, helpers = _environment(site, MarkdownFormat, user_templates, style, limit)
    template = env.get_template("cv/markdown-item.md")
    def item_text(item: Item) -> str:
        key = ("markdown item", item, style, limit)
        found = memo.get(key) if memo is not None else None
        if found is None:
            # An entry never ends in a line break.
            text = template.render(profile=site.profile, item=item, **helpers).strip("\n")
            found = Md(text.rstrip(" "))
            if memo is not None:
                memo[key] = found
        return found

    return item_text


def _environment(site: Site, fmt: Spelling, user_templates: Path | None,
                 style: ReferenceStyle = "full", limit: int = 0) -> tuple[Any, dict[str, Any]]:
    f, raw = fmt(site.profile), fmt.raw
    full = style == "full"

    def links_of(p: Publication) -> tuple[Link, ...]:
        return cv_links(p, reference_ids(p) if full else None)

    def entry(p: Publication) -> Written:
        return f.write(f.view.cv(p, full, limit, f.hyperlinks), raw)

    helpers: dict[str, Any] = {
        "entry": entry,
        # The single parts, for templates written before `entry` (a copied theme).
        "authors": lambda p: raw(f.authors(p, limit)),
        "authors_stop": lambda p: stop(last_text(f.view.authors(p))),
        "stop": stop,
        "venues": lambda p: raw(f.venues(p.venues)),
        "reference": lambda p: raw(f.reference(p, full)),
        "links_of": links_of,
        "links": lambda p: raw(f.render(links_part(links_of(p)))),
        "legend": lambda p: raw(f.legend(p)),
        "per_entry_legend": f.view.legend_per_entry,
    }
    if fmt.medium == "html":  # autoescaped; URLs through the `href` filter
        return environment("html", user_templates, filters=(("href", safe_href),)), helpers
    helpers["url"] = lambda u: raw(f.url(u))
    if fmt.medium == "markdown":  # a line break, for templates written before `entry`
        helpers["md_break"] = raw("  ")
    return environment(fmt.medium, user_templates, fmt.esc, raw), helpers
