"""Data formats: the normalised model as JSON (a documented, stable shape)."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from typing import Any

from pubsite.model import identifiers, urls
from pubsite.model.choices import GroupBy, Kind
from pubsite.model.site import Author, Publication, Site
from pubsite.read import latex
from pubsite.render import resume
from pubsite.render.citebibtex import bibtex_entry
from pubsite.render.formats import RenderCVFormat, rendercv_escape
from pubsite.render.view import Plain, Tag, group


def author_dict(a: Author) -> dict[str, Any]:
    return {
        "first": a.name.first, "von": a.name.von, "last": a.name.last, "jr": a.name.jr,
        "owner": a.is_owner, "marks": list(a.marks), "others": a.others,
    }


def publication_dict(p: Publication, site: Site, plain: Plain) -> dict[str, Any]:
    return {
        "key": p.key,
        "slug": p.slug,
        "type": p.entry_type,
        "kind": p.kind,
        "title": p.title,
        "year": p.year,
        "month": p.month,
        "venue": plain.venues(p.venues),
        "venues": [{"name": v.name, "year": v.year,
                    "notes": [{"text": n.text, "award": n.award} for n in v.notes]}
                   for v in p.venues],
        "links": [{"label": link.label, "url": link.url} for link in p.links],
        "authors": [author_dict(a) for a in p.authors],
        "authors_are_editors": p.edited,
        "legend": plain.legend(p),
        "doi": p.doi,
        "arxiv": p.arxiv,
        "abstract": p.abstract,
        "selected": p.selected,
        "tags": list(p.tags),
        "status": p.status,
        "source": {"file": p.source_file, "line": p.source_line},
    }


def to_json(site: Site) -> str:
    pubs = site.publications
    plain = Plain(site.profile)
    data = {
        "publications": [publication_dict(p, site, plain) for p in pubs],
        "marks": [{"id": m.id, "symbol": m.symbol, "legend": m.legend}
                  for m in site.profile.marks],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# --- CSL-JSON -------------------------------------------------------------------------

CSL_TYPES = {
    "article": "article-journal", "inproceedings": "paper-conference",
    "conference": "paper-conference", "book": "book", "mvbook": "book", "inbook": "chapter",
    "incollection": "chapter", "phdthesis": "thesis", "mastersthesis": "thesis",
    "thesis": "thesis", "techreport": "report", "report": "report",
    "unpublished": "manuscript", "online": "webpage", "patent": "patent",
    "proceedings": "book", "manual": "book", "booklet": "pamphlet",
}


def csl_name(a: Author) -> dict[str, str]:
    n = a.name
    if a.others:
        return {"literal": "others"}
    if not n.first and not n.von:
        return {"literal": n.last}
    out = {"family": n.last, "given": n.first}
    if n.von:
        out["non-dropping-particle"] = n.von
    if n.jr:
        out["suffix"] = n.jr
    return out


def csl_title(p: Publication) -> str:
    """The title with its brace-protected words as CSL's `<span class="nocase">`, so that
    a style's title or sentence case leaves "GeePS" and "GPU" as written."""
    raw = p.title_tex
    if "{" not in raw:
        return p.title
    pieces = latex.case_protected(raw)
    if not any(protected for _, protected in pieces):
        return p.title
    return "".join(f'<span class="nocase">{html.escape(text, quote=False)}</span>'
                   if protected else html.escape(text, quote=False)
                   for text, protected in pieces).strip()


def csl_item(p: Publication) -> dict[str, Any]:
    # CSL's type of a preprint is "article", whatever entry type carried it (Scholar's
    # @article, biblatex's @online with an arXiv eprint).
    kind = "article" if p.kind is Kind.PREPRINT else CSL_TYPES.get(p.entry_type, "document")
    item: dict[str, Any] = {"id": p.key, "type": kind, "title": csl_title(p)}
    authors = [csl_name(a) for a in p.authors if not a.others]
    if authors:
        item["editor" if p.edited else "author"] = authors
    if p.year_number is not None:
        parts = [p.year_number] + ([p.month] if p.month else [])
        item["issued"] = {"date-parts": [parts]}
    if p.container:
        item["container-title"] = p.container
        if p.container_short and p.container_short not in (p.container, p.publisher):
            item["container-title-short"] = p.container_short
    if p.genre:
        item["genre"] = p.genre  # what a working paper says it is ("Working Paper")
    if p.venues:
        notes = [n.text for v in p.venues for n in v.notes]
        if notes:
            item["note"] = "; ".join(notes)
    number = "number" if p.kind is Kind.REPORT else "issue"  # a report's number is its own
    # CSL's page ranges take a hyphen (citeproc writes the style's dash).
    for key, value in (("volume", p.volume), (number, p.number),
                       ("page", p.pages.replace("–", "-")),
                       ("publisher", p.publisher), ("publisher-place", p.place),
                       ("ISBN", p.isbn), ("ISSN", p.issn)):
        if value:
            item[key] = value
    if p.institution and not p.publisher:
        item["publisher"] = p.institution  # a thesis's school, a report's institution
    if p.doi:
        item["DOI"] = p.doi
    if p.arxiv and "number" not in item:
        # The id as `number` prints once in Chicago, APA and IEEE alike (with `archive`
        # Chicago prints it twice).
        item["number"] = f"arXiv:{p.arxiv}"
    url = _web_url(p)
    if url:
        item["URL"] = url
    if p.abstract:
        item["abstract"] = p.abstract
    if p.tags:
        item["keyword"] = ", ".join(p.tags)
    return item


def to_csl_json(site: Site) -> str:
    pubs = site.publications
    return json.dumps([csl_item(p) for p in pubs], ensure_ascii=False, indent=2) + "\n"


# --- BibTeX ---------------------------------------------------------------------------

def to_bibtex(site: Site) -> str:
    """BibTeX for citing: macros and crossrefs resolved, names without marks, homepage
    fields left out (citebibtex.bibtex_entry)."""
    return "\n\n".join(bibtex_entry(p) for p in site.publications) + "\n"


# --- JSON Resume ------------------------------------------------------------------------

def to_jsonresume(site: Site) -> str:
    pubs = site.publications
    plain = Plain(site.profile)
    items = []
    for p in pubs:
        item: dict[str, Any] = {"name": p.title}
        publisher = _publisher(p)
        if publisher:
            item["publisher"] = publisher
        if re.fullmatch(r"[12]\d{3}(-\d{2})?", p.iso_date()):
            # "2023" stays a year, "2023-05" a month; a year such as 9019 (a typo) is left
            # out rather than made invalid.
            item["releaseDate"] = p.iso_date()
        url = _one_uri(p)
        if url:
            item["url"] = url
        summary = plain.authors(p)
        legend = plain.legend(p)
        item["summary"] = f"{summary} {legend}".strip() if not p.abstract else \
            f"{summary}. {p.abstract}"
        items.append(item)
    data = {**resume.jsonresume(site.profile), "publications": items}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _publisher(p: Publication) -> str:
    """Who published it: the journal, proceedings or publisher; never "Preprint"."""
    if p.container:
        return p.container
    if p.publisher or p.institution:
        return p.publisher or p.institution
    if p.kind is Kind.PREPRINT or not p.venues or p.venues[0].placeholder or \
            p.venue_is_note:
        return ""  # a working paper's note says what it is, not who published it
    return p.venues[0].name


_URI_SPLIT = re.compile(r"[\s;,]+")


def _one_uri(p: Publication) -> str:
    """One absolute http(s) URI: the DOI's, or the first of the links (a field may hold
    several, separated by ";" or spaces)."""
    return identifiers.doi_url(p.doi) if p.doi else _web_url(p)


def _web_url(p: Publication) -> str:
    for link in p.links:
        for part in _URI_SPLIT.split(link.url):
            if part.startswith(("https://", "http://")) and urls.safe_url(part) == part:
                return part
    return ""


# --- RenderCV ---------------------------------------------------------------------------

def to_rendercv(site: Site, group_by: GroupBy = "none") -> str:
    """A RenderCV YAML file: the owner's name and a publications section (one per group);
    JSON strings are valid YAML. Text is escaped for RenderCV's Markdown and Typst
    (formats.rendercv_escape), so that the PDF prints exactly the text."""
    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    spell = RenderCVFormat(site.profile)
    lines = [f"# The CV of {site.profile.name} for RenderCV, generated by pubsite.",
             "cv:", f"  name: {q(rendercv_escape(site.profile.name))}"]
    groups = [g for g in group(site.publications, group_by) if g.publications]
    others = resume.rendercv(site.profile)
    if groups or others:  # RenderCV refuses an empty section: the file then has none.
        lines.append("  sections:")
    for title, items in others.items():
        lines.append(f"    {q(title)}:")
        lines.extend(f"      - {json.dumps(item, ensure_ascii=False)}" for item in items)
    for g in groups:
        lines.append(f"    {q(g.title or site.profile.publications.heading)}:")
        for p in g.publications:
            lines.extend(_rendercv_entry(p, spell, q))
    return "\n".join(lines) + "\n"


def _rendercv_entry(p: Publication, spell: RenderCVFormat, q: Callable[[str], str]
                    ) -> list[str]:
    doc = spell.view.dated(p)  # the date is shown beside the entry, not in its venue line
    written = spell.write(doc)
    # RenderCV takes the authors one by one: each author's part of the author list.
    authors = [spell.node(n) for n in doc.part("authors")
               if isinstance(n, Tag) and n.name != "editors"]
    lines = [f"      - title: {q(written.title)}",
             "        authors:" if authors else "        authors: []"]
    lines.extend(f"          - {q(author)}" for author in authors)
    if p.year:
        lines.append(f"        date: {q(p.iso_date() or spell.esc(p.year))}")
    if written.venue:
        lines.append(f"        journal: {q(written.venue)}")
    if identifiers.is_doi(p.doi):
        lines.append(f"        doi: {q(p.doi)}")
    else:
        url = _one_uri(p)
        if url:
            lines.append(f"        url: {q(url)}")
    return lines
