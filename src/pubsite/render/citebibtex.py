"""The BibTeX a reader cites: one entry, the same on the paper page, in the copy button,
in the .bib download and in `export --format bibtex` (names as BibTeX can read them, empty
fields left out: decided in `read/normalise.py`'s `cite_fields`)."""

from __future__ import annotations

from pubsite.model import identifiers
from pubsite.model.cleantext import strip_invisible
from pubsite.model.site import Publication

_FIELD_CASE = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}


def bibtex_entry(pub: Publication) -> str:
    """The entry a reader cites: the same on the page, in the copy button, in the .bib
    download and in `export --format bibtex`."""
    lines = [f"@{strip_invisible(pub.entry_type)}{{{strip_invisible(pub.key)},"]
    width = max((len(_FIELD_CASE.get(n, n)) for n, _ in pub.cite_fields), default=0)
    for name, value in pub.cite_fields:
        shown = _FIELD_CASE.get(name, name).ljust(width)
        value = " ".join(value.split())
        text = identifiers.month_expression(value) if name == "month" else f"{{{value}}}"
        lines.append(f"  {shown} = {text},")
    lines.append("}")
    return "\n".join(lines)
