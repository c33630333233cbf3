"""The one URL allow-list every link from data or profile passes through."""

from __future__ import annotations

import html
import re

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")
# What browsers strip before reading a scheme: leading/trailing C0 controls and space, and
# every tab and newline anywhere (WHATWG URL parser).
_C0_EDGES = re.compile(r"^[\x00-\x20]+|[\x00-\x20]+$")
_TAB_NL = re.compile(r"[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

WEB = frozenset({"http", "https"})
WEB_AND_MAIL = frozenset({"http", "https", "mailto"})


def check_url(url: str, allowed: frozenset[str] = WEB) -> tuple[str | None, str]:
    """Return (clean url, "") when allowed, else (None, reason)."""
    if url.startswith(("https://", "http://")) and url.isprintable() and "&" not in url \
            and url[-1] != " " and ("https" if url[4] == "s" else "http") in allowed:
        # The common case, and what the checks below would conclude: no edge, tab,
        # newline or control characters to strip, no entities, an allowed scheme.
        return url, ""
    cleaned = _TAB_NL.sub("", _C0_EDGES.sub("", url))
    if not cleaned:
        return None, "the URL is empty"
    if _CONTROL.search(cleaned):
        return None, "the URL contains control characters"
    # Entities would be decoded by a Markdown or HTML reader before the scheme is read.
    decoded = _TAB_NL.sub("", _C0_EDGES.sub("", html.unescape(cleaned)))
    for candidate in (cleaned, decoded):
        m = _SCHEME.match(candidate)
        if m and m.group(1).lower() not in allowed:
            return None, f"the scheme '{m.group(1)}:' is not allowed (only " \
                         f"{', '.join(sorted(allowed))} and relative links)"
    if _CONTROL.search(decoded):
        return None, "the URL contains control characters"
    if cleaned.startswith("\\") or cleaned.startswith("/\\"):
        return None, "the URL starts with a backslash"
    return cleaned, ""


def safe_url(url: str, allowed: frozenset[str] = WEB) -> str | None:
    return check_url(url, allowed)[0]


_URL_ESCAPES = re.compile(r"\\([_%#&$~])(?:\{\})?")


def clean_bib_url(value: str) -> str:
    """A URL as written in BibTeX: drop \\url{...} and the escapes LaTeX needs."""
    v = value.strip()
    m = re.fullmatch(r"\\(?:url|href)\s*\{(.*?)\}(?:\s*\{.*\})?", v, re.S)
    if m:
        v = m.group(1)
    v = v.replace("\\~{}", "~").replace("{\\textasciitilde}", "~").replace("\\textasciitilde", "~")
    v = _URL_ESCAPES.sub(r"\1", v)
    if v.startswith("{") and v.endswith("}"):
        v = v[1:-1]
    return v.strip()
