"""Each service's answer read into one `Found`: the entry type and the fields of the work,
as BibTeX source text, in the order a reader expects them. Crossref's JSON and arXiv's
Atom are read here; DBLP's .bib and pasted BibTeX go through pubsite's own reader."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from pubsite.add.http import PASTE, FetchError
from pubsite.errors import Diagnostics
from pubsite.model import identifiers
from pubsite.read import bib, braces, names


@dataclass(frozen=True, slots=True)
class Person:
    given: str
    family: str  # with its von part, as BibTeX source
    jr: str = ""


@dataclass(frozen=True, slots=True)
class Found:
    entry_type: str
    authors: tuple[Person, ...]
    fields: tuple[tuple[str, str], ...]  # the rest, as BibTeX source (no outer braces)
    key_hint: str = ""  # the key the pasted entry had, for messages


_CROSSREF_TYPES = {"journal-article": "article", "proceedings-article": "inproceedings",
                   "book": "book", "monograph": "book", "edited-book": "book",
                   "book-chapter": "incollection", "report": "techreport",
                   "dissertation": "phdthesis", "posted-content": "misc"}
_TAG = re.compile(r"<[^>]+>")
_SPECIAL = re.compile(r"(?<!\\)([&%#_])")


def plain_to_bib(text: str) -> str:
    """Text from a JSON or XML answer (maybe with HTML tags) as a BibTeX value."""
    clean = " ".join(html.unescape(_TAG.sub("", text)).split())
    return _SPECIAL.sub(r"\\\1", clean)


def crossref(answer: bytes, what: str) -> Found:
    """Crossref's /works/DOI JSON (`message`)."""
    try:
        msg = json.loads(answer)["message"]
        title = plain_to_bib(_first(msg.get("title")))
        people = tuple(Person(plain_to_bib(a.get("given", "")), plain_to_bib(a["family"]))
                       for a in msg.get("author", []) if a.get("family"))
    except (ValueError, KeyError, TypeError, AttributeError):
        raise FetchError(f"{what}: the answer is not Crossref's JSON for a work; "
                         f"try again later, or {PASTE}") from None
    if not title:
        raise FetchError(f"{what}: Crossref's answer has no title; {PASTE}")
    kind = _CROSSREF_TYPES.get(str(msg.get("type", "")), "misc")
    container = "journal" if kind == "article" else "booktitle"
    year, month = _date(msg, what)
    fields = [("title", title), (container, plain_to_bib(_first(msg.get("container-title")))),
              ("venue", plain_to_bib(_first(msg.get("short-container-title")))),
              ("year", year), ("month", month), ("volume", str(msg.get("volume", ""))),
              ("number", str(msg.get("issue", ""))),
              ("pages", str(msg.get("page", "") or msg.get("article-number", ""))),
              ("publisher", plain_to_bib(str(msg.get("publisher", "")))),
              ("doi", str(msg.get("DOI", "")))]
    return Found(kind, people, tuple((k, v) for k, v in fields if v))


def _first(value: object) -> str:
    if isinstance(value, list):
        return str(value[0]) if value else ""
    return str(value or "")


def _date(msg: dict[str, object], what: str) -> tuple[str, str]:
    """The year and month of the first of Crossref's dates with a usable year; a month
    that is no month (13, 0, null) left out. Dates that are there but have no usable year
    are a malformed answer; no date at all is a work without one."""
    seen = False
    for name in ("published-print", "issued", "published-online", "published"):
        part = msg.get(name)
        parts = part.get("date-parts") if isinstance(part, dict) else None
        first = parts[0] if isinstance(parts, list) and parts else None
        if not isinstance(first, list) or not first:
            continue
        seen = True
        year, month = _number(first[0]), _number(first[1]) if len(first) > 1 else None
        if year is not None and 1000 <= year <= 9999:
            valid = month is not None and 1 <= month <= 12
            return str(year), identifiers.MONTHS[month - 1] if valid and month else ""
    if seen:
        raise FetchError(f"{what}: Crossref's answer has no usable date (its date-parts "
                         f"hold no year); {PASTE}")
    return "", ""


def _number(value: object) -> int | None:
    """A date part as Crossref writes it (a number, sometimes a string of digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.strip().isdigit() else None


_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"


def arxiv(answer: bytes, ident: str, what: str) -> Found:
    """arXiv's Atom feed for `id_list=ident`: its one entry, or its error entry."""
    entry = _feed(answer, what).find(f"{_ATOM}entry")
    if entry is None:
        raise FetchError(f"{what}: arXiv has no such paper; check the id")
    entry_id = entry.findtext(f"{_ATOM}id", "")
    if "/api/errors" in entry_id:
        said = " ".join(entry.findtext(f"{_ATOM}summary", "").split())
        raise FetchError(f"{what}: arXiv answered: {said}; check the id")
    people = tuple(_person(" ".join(a.findtext(f"{_ATOM}name", "").split()))
                   for a in entry.findall(f"{_ATOM}author"))
    published = entry.findtext(f"{_ATOM}published", "")
    month = identifiers.month(published[5:7]) if len(published) >= 7 else None
    summary = " ".join(entry.findtext(f"{_ATOM}summary", "").split())
    published_in = " ".join(entry.findtext(f"{_ARXIV}journal_ref", "").split())
    fields = [("title", " ".join(entry.findtext(f"{_ATOM}title", "").split())),
              ("year", published[:4]),
              ("month", identifiers.MONTHS[month - 1] if month else ""),
              ("arxiv", ident),
              ("doi", " ".join(entry.findtext(f"{_ARXIV}doi", "").split())),
              # Where the authors say it appeared, as they wrote it ("Eur.Phys.J. C31
              # (2003) 17-29"): a note, since it runs journal, volume and pages together.
              ("note", f"Published in {published_in}"
               if braces.balanced(published_in) else ""),
              ("abstract", summary if braces.balanced(summary) else "")]
    if not fields[0][1] or not people:
        raise FetchError(f"{what}: arXiv's answer has no title or authors; {PASTE}")
    return Found("misc", people, tuple((k, v) for k, v in fields if v))


def _feed(answer: bytes, what: str) -> ET.Element:
    """arXiv's Atom feed; anything else (an HTML error page, another XML, garbage) is an
    unexpected answer, never taken for "no such paper"."""
    try:
        root = ET.fromstring(answer)
    except ET.ParseError:
        root = None
    if root is not None and root.tag == f"{_ATOM}feed":
        return root
    tag = root.tag.rpartition("}")[2] if root is not None else ""
    seen = ("an HTML page" if tag.lower() == "html" else f"XML whose root is <{tag}>" if tag
            else "not XML" if answer.strip() else "empty")
    raise FetchError(f"{what}: arXiv's answer is malformed or unexpected ({seen}, not its "
                     f"Atom feed); try again later, or {PASTE}")


_GROUP = re.compile(r"\b(?:collaboration|consortium|team|group|committee)\b", re.I)


def _person(raw: str) -> Person:
    """One name as BibTeX reads it (`names.split_name`), its raw LaTeX kept; a group's
    name ("H1 Collaboration") braced whole, so that no "Collaboration, H1" is made of it."""
    if _GROUP.search(raw) and not raw.startswith("{"):
        return Person("", "{" + raw + "}")
    parts = names.split_name(raw)
    family = " ".join(parts.von + parts.last)
    return Person(" ".join(parts.first), family, " ".join(parts.jr))


def _bare(value: str) -> str:
    """A field's value with braces and spaces aside: "" when it holds nothing."""
    return "".join(c for c in value if c not in "{} \t\r\n~")


def bibtex(text: str, where: str) -> Found:
    """One entry of BibTeX source (pasted, or DBLP's .bib) through pubsite's reader."""
    diags = Diagnostics()
    data = bib.parse(text.lstrip("\ufeff"), where, diags)
    if len(data.entries) != 1:
        found = f"{len(data.entries)} entries" if data.entries else "no entry"
        raise FetchError(f"{where}: {found} found; give exactly one BibTeX entry "
                         "(@article{key, ...})")
    e = data.entries[0]
    if not _bare(e.fields.get("title", "")):
        raise FetchError(f"{where}: the entry {e.key} has no title; give the paper's whole "
                         "BibTeX entry (its title, authors, venue and year)")
    people = tuple(_person(n) for n in names.split_authors(e.fields.get("author", "")))
    fields = tuple((k, " ".join(v.split())) for k, v in e.fields.items()
                   if k != "author" and v.strip())
    return Found(e.entry_type, people, fields, e.key)
