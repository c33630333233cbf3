"""Strips what chars.INVISIBLE names from everything rendered."""

from __future__ import annotations

from pubsite.model.chars import INVISIBLE


def strip_invisible(text: str) -> str:
    if text.isascii() and (text.isprintable() or
                           text.replace("\n", "").replace("\t", "").replace("\r", "")
                           .isprintable()):
        return text  # ASCII whose only controls are line breaks and tabs (raw BibTeX)
    return INVISIBLE.sub("", text)
