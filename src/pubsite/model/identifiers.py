"""Identifiers and dates as BibTeX files write them: DOI, arXiv id (in all its URL forms),
month names and numbers. The checks (rules.py) and the normaliser both read them here, so
what validate accepts is exactly what the output shows."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, unquote

from pubsite.model import urls

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
# BibTeX's predefined month macros: jan -> January.
MONTH_MACROS = {m[:3].lower(): m for m in MONTHS}

_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ARXIV_PREFIX = re.compile(
    r"^(?:arxiv:\s*|https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/)", re.I)
_ARXIV = re.compile(r"^(\d{4}\.\d{4,5}|[a-z\-]+(\.[A-Z]{2})?/\d{7})(v\d+)?$")


def doi(value: str) -> str:
    """The DOI in a `doi` field (bare, `doi:`, or a doi.org URL), as written otherwise."""
    return _DOI_PREFIX.sub("", value.strip()).strip()


def is_doi(value: str) -> bool:
    return bool(_DOI.match(doi(value)))


def doi_field(value: str) -> str:
    """The DOI of a .bib `doi` field, as BibTeX files write it (`\\url{...}`, escaped
    underscores, a doi.org URL): the one reading the checks and the normaliser share."""
    return doi(urls.clean_bib_url(value))


_DOI_URL = re.compile(r"^https?://(?:dx\.)?doi\.org/", re.I)


def doi_in_url(value: str) -> str:
    """The DOI a doi.org address (a `url` field) names, percent-decoded; "" for any other
    address."""
    url = urls.clean_bib_url(value)
    if not _DOI_URL.match(url):
        return ""
    ident = unquote(_DOI_URL.sub("", url)).strip()
    return ident if _DOI.match(ident) else ""


def eprint_is_arxiv(fields: Mapping[str, str]) -> bool:
    """biblatex's `eprinttype = {arxiv}` or BibTeX's `archiveprefix = {arXiv}`, as written:
    spaces around it, any case, and an empty archiveprefix that leaves eprinttype to say."""
    scheme = fields.get("archiveprefix", "").strip() or fields.get("eprinttype", "").strip()
    return scheme.lower() == "arxiv"


_ARXIV_FIELDS = ("arxiv", "arxiv-id")


def arxiv_source(fields: Mapping[str, str]) -> tuple[str, str]:
    """The field that holds an entry's arXiv id and its value: `arxiv` (al-folio's
    `arxiv-id`), else `eprint` when the entry says it is an arXiv eprint; ("", "")."""
    for name in _ARXIV_FIELDS:
        if fields.get(name, "").strip():
            return name, fields[name].strip()
    eprint = fields.get("eprint", "").strip()
    if eprint and eprint_is_arxiv(fields):
        return "eprint", eprint
    scholar = journal_arxiv(fields.get("journal", ""))
    if scholar:
        return "journal", scholar
    dblp = corr_arxiv(fields.get("journal", ""), fields.get("volume", ""))
    if dblp:
        return "volume", dblp
    return "", ""


# DBLP's record of an arXiv paper: journal = {CoRR}, volume = {abs/2201.12023} (older
# records: {cs.LG/0102001}).
_CORR_VOLUME = re.compile(r"\s*(?:abs/)?(\S+?)\s*$")


def corr_arxiv(journal: str, volume: str) -> str:
    """The arXiv id of DBLP's CoRR record, from its volume; "" for any other journal."""
    if journal.strip() != "CoRR":
        return ""
    found = _CORR_VOLUME.match(volume)
    return found.group(1) if found and is_arxiv(found.group(1)) else ""


# Journals that are preprint servers: a paper "in" one is a preprint. DBLP names arXiv's
# computing repository CoRR; the others are the life sciences' and chemistry's servers.
_PREPRINT_SERVERS = frozenset({"corr", "biorxiv", "medrxiv", "chemrxiv"})


def is_preprint_server(journal: str) -> bool:
    name = journal.strip().casefold()
    return "arxiv" in name or name in _PREPRINT_SERVERS


# Google Scholar's export of a preprint: journal = {arXiv preprint arXiv:ID} (also
# "arXiv ID", "arXiv preprint ID").
_JOURNAL_ARXIV = re.compile(r"\s*arxiv(?:\s+preprint)?(?:\s+arxiv:)?\s*(\S+?)\s*$", re.I)


def journal_arxiv(journal: str) -> str:
    """The arXiv id a `journal` field holds in place of a journal, as written; "" if it
    holds none (a journal named after arXiv without an id is no id)."""
    found = _JOURNAL_ARXIV.match(journal)
    return found.group(1) if found and is_arxiv(found.group(1)) else ""


def arxiv_field(fields: Mapping[str, str]) -> str:
    """The arXiv id of an entry (see `arxiv_source`), in any of its URL forms; "" if none."""
    return arxiv(urls.clean_bib_url(arxiv_source(fields)[1]))


def arxiv(value: str) -> str:
    """The arXiv id in a field: bare, `arXiv:`, or an abs/pdf/html URL (with `.pdf`)."""
    ident = _ARXIV_PREFIX.sub("", value.strip())
    return ident.removesuffix(".pdf").strip("/")


def is_arxiv(value: str) -> bool:
    return bool(_ARXIV.match(arxiv(value)))


def arxiv_url(ident: str) -> str:
    return f"https://arxiv.org/abs/{ident}"


def arxiv_pdf_url(ident: str) -> str:
    return f"https://arxiv.org/pdf/{ident}"


def doi_url(ident: str) -> str:
    """The doi.org address of a DOI, with what a URL cannot hold percent-encoded."""
    return "https://doi.org/" + quote(ident, safe="/:;()._-")


def month(value: str) -> int | None:
    """1..12 from `10`, `oct`, `Oct.`, `October`; None for anything else."""
    v = value.strip().lower().removesuffix(".")
    if v.isdigit():
        n = int(v)
        return n if 1 <= n <= 12 else None
    return _MONTH_NUMBERS.get(v)


_MONTH_NUMBERS = {spelling: i for i, name in enumerate(MONTHS, 1)
                  for spelling in (name.lower(), name[:3].lower())}


_MONTH_NAME = re.compile(r"\b(" + "|".join(MONTHS) + r")\b")


def month_expression(value: str) -> str:
    """A month field as BibTeX source: one month as its macro (`mar`), months within text
    as a concatenation (`apr # "-" # may`, `"10~" # jan`), which bibtex reads as names and
    biber as numbers; any other text braced."""
    single = month(value)
    if single:
        return MONTHS[single - 1][:3].lower()
    parts = [p for p in _MONTH_NAME.split(value) if p]
    if len(parts) == 1 or any(p.count("{") != p.count("}") or '"' in p for p in parts):
        return "{" + value + "}"
    return " # ".join(p[:3].lower() if p in MONTHS else '"' + p + '"' for p in parts)
