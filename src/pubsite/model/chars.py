"""Characters that must never reach any output: C0/C1 controls (except tab and line
breaks), bidirectional marks and overrides, noncharacters. `validate` reports them
(text_checks.py) and every rendered text is cleaned of them (cleantext.py), from this one
table, so a build with --keep-going never writes what validate calls an error."""

from __future__ import annotations

import re

BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# The last two code points of every plane (U+xFFFE, U+xFFFF, planes 0 to 16) and U+FDD0-FDEF.
NONCHARACTER = "\ufdd0-\ufdef" + "".join(
    chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17))

INVISIBLE = re.compile(f"[{CONTROL}{BIDI}{NONCHARACTER}]")
BIDI_CHARS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
