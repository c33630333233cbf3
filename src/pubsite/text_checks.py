"""Checks of field text: mojibake, control and bidi characters, dangerous LaTeX, template
syntax. One combined pattern keeps the common case (clean text) to a single scan."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from pubsite.chars import BIDI_CHARS, INVISIBLE
from pubsite.latex import PRIMITIVES
from pubsite.rulebook import RuleId

if TYPE_CHECKING:
    from pubsite.bib import RawEntry
    from pubsite.errors import Diagnostics

_SUSPICIOUS = re.compile(
    INVISIBLE.pattern + "|" + PRIMITIVES.pattern +
    # Only braces that survive into the output: escaped ones, and "{%" (LaTeX would read
    # a comment there); "{{" alone is BibTeX's ordinary case protection.
    r"|\\\{\s*\\?\{|\{\s*\\\{|\\?\{%"
)
# Characters that appear when UTF-8 is read in a legacy code page.
_MOJIBAKE_HINT = re.compile(
    r"[ÃÂâÅÄÆÐÑ][\x80-\xbf\u0152-\u2122]|[\u0e00-\u0e7f][\u0152-\u2122\x80-\xff]|ฤ|๐Ÿ|â€")


def check_text(value: str, field: str, e: RawEntry, diags: Diagnostics) -> None:
    # Every match needs a backslash, a brace, "^^" or a character that is not printable:
    # most values have none, and the pattern has no literal to search for.
    if ("\\" in value or "{" in value or "^^" in value or not value.isprintable()) \
            and _SUSPICIOUS.search(value):
        _suspicious(value, field, e, diags)
    fixed = mojibake_fix(value)
    if fixed is not None:
        diags.warning(RuleId.MOJIBAKE, e.file, e.field_line(field),
                      f"{field} of {e.key} looks like garbled text (UTF-8 read in another "
                      "encoding)", f"replace it with: {fixed[:200]}", key=e.key)


def mojibake_fix(value: str) -> str | None:
    """The repaired text when `value` is mojibake, else None."""
    if value.isascii() or not _MOJIBAKE_HINT.search(value):
        return None
    fixed = repair_mojibake(value)
    return fixed if fixed != value else None


def _suspicious(value: str, field: str, e: RawEntry, diags: Diagnostics) -> None:
    line = e.field_line(field)
    seen: set[str] = set()
    for m in _SUSPICIOUS.finditer(value):
        hit = m.group(0)
        if hit in BIDI_CHARS:
            rule, severity = RuleId.BIDI_CHARACTER, "error"
            message = f"{field} of {e.key} holds an invisible bidirectional control " \
                      f"U+{ord(hit):04X} that can reorder the text shown"
            hint = "delete it (it is invisible in most editors)"
        elif len(hit) == 1:
            rule, severity = RuleId.CONTROL_CHARACTER, "error"
            message = f"{field} of {e.key} holds the control character U+{ord(hit):04X}"
            hint = "delete it; it was probably pasted from a PDF"
        elif "{" in hit:
            rule, severity = RuleId.TEMPLATE_SYNTAX, "warning"
            message = f"{field} of {e.key} contains '{hit}', which Jekyll and Hugo read as " \
                      "template syntax"
            hint = "pubsite escapes it in its own output; wrap it in {% raw %}...{% endraw %}" \
                   " where you paste the text into a Jekyll or Hugo page yourself"
        else:
            rule, severity = RuleId.DANGEROUS_LATEX, "warning"
            message = f"{field} of {e.key} contains the TeX primitive '{hit}', which can " \
                      "read or write files when the CV is compiled"
            hint = "remove it; pubsite's LaTeX export prints it as text, but other tools " \
                   "may not"
        if rule in seen:
            continue
        seen.add(rule)
        if severity == "error":
            diags.error(rule, e.file, line, message, hint, key=e.key)
        else:
            diags.warning(rule, e.file, line, message, hint, key=e.key)


def _legacy_bytes(text: str) -> bytes | None:
    """Bytes of `text` read back through the code pages that mojibake comes from."""
    out = bytearray()
    for ch in text:
        if ord(ch) < 0x80:
            out.append(ord(ch))
            continue
        for enc in ("cp874", "cp1252", "latin-1"):
            try:
                out += ch.encode(enc)
                break
            except UnicodeEncodeError:
                continue
        else:
            return None
    return bytes(out)


def repair_mojibake(text: str) -> str:
    import ftfy

    fixed: str = ftfy.fix_encoding(text)
    if fixed != text:
        return fixed
    # ftfy misses a Thai code page mixed with cp1252 (the seed's "HalฤฑcฤฑoฤŸlu").
    raw = _legacy_bytes(text)
    if raw is None:
        return text
    try:
        candidate = raw.decode("utf-8")
    except UnicodeDecodeError:
        return text
    return unicodedata.normalize("NFC", candidate)
