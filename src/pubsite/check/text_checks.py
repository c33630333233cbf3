"""Checks of field text: mojibake, control and bidi characters, dangerous LaTeX, template
syntax. One combined pattern keeps the common case (clean text) to a single scan."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pubsite.model.chars import BIDI_CHARS, INVISIBLE
from pubsite.read.latex import PRIMITIVES
from pubsite.read.mojibake import mojibake_fix
from pubsite.rulebook import RuleId

if TYPE_CHECKING:
    from pubsite.errors import Diagnostics
    from pubsite.read.bib import RawEntry

_SUSPICIOUS = re.compile(
    INVISIBLE.pattern + "|" + PRIMITIVES.pattern +
    # Only braces that survive into the output: escaped ones, and "{%" (LaTeX would read
    # a comment there); "{{" alone is BibTeX's ordinary case protection.
    r"|\\\{\s*\\?\{|\{\s*\\\{|\\?\{%"
)



def check_text(value: str, field: str, e: RawEntry, diags: Diagnostics) -> None:
    # Every match needs a backslash, "{%", "^^" or a character that is not printable (an
    # invisible one is never printable): most values have none, and the pattern has no
    # literal to search for.
    if ("\\" in value or "{%" in value or "^^" in value or not value.isprintable()) \
            and _SUSPICIOUS.search(value):
        _suspicious(value, field, e, diags)
    fixed = mojibake_fix(value)
    if fixed is not None:
        diags.warning(RuleId.MOJIBAKE, e.file, e.field_line(field),
                      f"{field} of {e.key} looks like garbled text (UTF-8 read in another "
                      "encoding)", f"replace it with: {fixed[:200]}", key=e.key)


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
