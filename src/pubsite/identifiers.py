"""Identifiers and dates as BibTeX files write them: DOI, arXiv id (in all its URL forms),
month names and numbers. The checks (rules.py) and the normaliser both read them here, so
what validate accepts is exactly what the output shows."""

from __future__ import annotations

import re
from urllib.parse import quote

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
    for i, name in enumerate(MONTHS, 1):
        if v in (name.lower(), name[:3].lower()):
            return i
    return None


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
