"""Data formats: the normalised model as JSON (a documented, stable shape)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

from pubsite import urls
from pubsite.model import Author, Publication, Site
from pubsite.render.formats import RenderCVFormat, bibtex_entry
from pubsite.view import Plain


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


def csl_item(p: Publication) -> dict[str, Any]:
    kind = CSL_TYPES.get(p.entry_type, "article" if p.kind == "preprint" else "document")
    item: dict[str, Any] = {"id": p.key, "type": kind, "title": p.title}
    authors = [csl_name(a) for a in p.authors if not a.others]
    if authors:
        item["editor" if p.edited else "author"] = authors
    if p.year_number is not None:
        parts = [p.year_number] + ([p.month] if p.month else [])
        item["issued"] = {"date-parts": [parts]}
    container = p.field("journal") or p.field("booktitle")
    if container:
        item["container-title"] = container
    short = p.venues[0].name if p.venues else ""
    if container and short and short not in (container, p.field("publisher"), "Preprint"):
        item["container-title-short"] = short
    if p.venues:
        notes = [n.text for v in p.venues for n in v.notes]
        if notes:
            item["note"] = "; ".join(notes)
    for field, key in (("volume", "volume"), ("number", "issue"), ("pages", "page"),
                       ("publisher", "publisher"), ("address", "publisher-place"),
                       ("isbn", "ISBN"), ("issn", "ISSN")):
        if p.field(field):
            item[key] = p.field(field).replace("–", "-") if key == "page" else p.field(field)
    school = p.field("school") or p.field("institution")
    if school and "publisher" not in item:
        item["publisher"] = school
    if p.doi:
        item["DOI"] = p.doi
    if p.links:
        item["URL"] = p.links[0].url
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
    fields left out (formats.bibtex_entry)."""
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
    return json.dumps({"publications": items}, ensure_ascii=False, indent=2) + "\n"


def _publisher(p: Publication) -> str:
    """Who published it: the journal, proceedings or publisher; never "Preprint"."""
    for name in ("journal", "journaltitle", "booktitle", "publisher", "school",
                 "institution"):
        if p.field(name):
            return p.field(name)
    if p.kind == "preprint" or not p.venues or p.venues[0].name == "Preprint":
        return ""
    return p.venues[0].name


_URI_SPLIT = re.compile(r"[\s;,]+")


def _one_uri(p: Publication) -> str:
    """One absolute http(s) URI: the DOI's, or the first of the links (a field may hold
    several, separated by ";" or spaces)."""
    if p.doi:
        return f"https://doi.org/{quote(p.doi, safe='/:;()._-')}"
    for link in p.links:
        for part in _URI_SPLIT.split(link.url):
            if part.startswith(("https://", "http://")) and urls.safe_url(part) == part:
                return part
    return ""


# --- RenderCV ---------------------------------------------------------------------------

def to_rendercv(site: Site) -> str:
    """The publications section of a RenderCV YAML file; JSON strings are valid YAML."""
    pubs = site.publications

    def q(text: str) -> str:
        return json.dumps(text, ensure_ascii=False)

    spell = RenderCVFormat(site.profile)
    lines = [f"# Publications of {site.profile.name} for RenderCV, generated by pubsite.",
             "cv:", "  sections:", "    publications:"]
    if not pubs:
        # RenderCV refuses an empty section: the file has none.
        lines = [*lines[:2], f"  name: {q(site.profile.name)}"]
    for p in pubs:
        lines.append(f"      - title: {q(p.title)}")
        lines.append("        authors:")
        lines.extend(f"          - {q(spell.author(a))}" for a in p.authors)
        if p.year:
            lines.append(f"        date: {q(p.iso_date() or p.year)}")
        if p.venues and p.venues[0].name:
            lines.append(f"        journal: {q(spell.venues(p.venues))}")
        if p.doi:
            lines.append(f"        doi: {q(p.doi)}")
        elif p.links:
            lines.append(f"        url: {q(p.links[0].url)}")
    return "\n".join(lines) + "\n"


EXPORTS = {"json": to_json, "csl-json": to_csl_json, "bibtex": to_bibtex,
           "jsonresume": to_jsonresume, "rendercv": to_rendercv}
