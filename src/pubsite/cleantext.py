"""Characters that must never reach any output: controls, bidi overrides, noncharacters.

`validate` reports them (text_checks); every text that is rendered passes through here.
"""

from __future__ import annotations

import re

_INVISIBLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufdd0-\ufdef\ufffe\uffff"
    "\U0001fffe\U0001ffff\U0010fffe\U0010ffff]"
)


def strip_invisible(text: str) -> str:
    if text.isascii() and (text.isprintable() or
                           text.replace("\n", "").replace("\t", "").replace("\r", "")
                           .isprintable()):
        return text  # ASCII whose only controls are line breaks and tabs (raw BibTeX)
    return _INVISIBLE.sub("", text)
