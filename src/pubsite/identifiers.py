"""Identifiers and dates as BibTeX files write them: DOI, arXiv id (in all its URL forms),
month names and numbers. The checks (rules.py) and the normaliser both read them here, so
what validate accepts is exactly what the output shows."""

from __future__ import annotations

import re

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
