"""BibTeX's own reading of one entry, for the entries bibtexparser gives up on: quoted
values holding braces and quotes, an `@` inside a value, entry types like `@t+`.

Follows BibTeX 0.99d's scanner: an identifier is any run of printable characters but
`"#%'(),={}` and space; a quoted value ends at a `"` outside braces; a braced value at its
closing brace; values join with `#`. Values come back raw, delimiters and all, for
bib._resolve to read as it reads every other value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pubsite.read import braces

_ID = re.compile(r"[^\s\"#%'(),={}]+")
_WS = re.compile(r"\s*")
_KEY = re.compile(r"[^\s,]*")


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    value: str


@dataclass(frozen=True, slots=True)
class Entry:
    entry_type: str
    key: str
    fields: list[Field]
    end: int  # just past the closing delimiter


def _skip(text: str, i: int) -> int:
    return _WS.match(text, i).end()  # type: ignore[union-attr]


def _value(groups: braces.Groups, i: int) -> int | None:
    """End of the value (with its `#` parts) starting at i, or None when it never ends."""
    text = groups.text
    while True:
        i = _skip(text, i)
        if i >= len(text):
            return None
        c = text[i]
        if c == "{":
            end = groups.closing(i)
            if end >= len(text):
                return None
            i = end + 1
        elif c == '"':
            end = groups.closing(i + 1, quote=True)
            if end >= len(text):
                return None
            i = end + 1
        else:
            m = _ID.match(text, i)
            if not m:
                return None
            i = m.end()
        j = _skip(text, i)
        if j < len(text) and text[j] == "#":
            i = j + 1
            continue
        return i


def scan_entry(groups: braces.Groups, at: int) -> Entry | None:
    """The entry whose `@` is at `at` in `groups.text`, read as BibTeX reads it; None where
    BibTeX too would report an error. One `Groups` serves every entry of a file."""
    text = groups.text
    i = _skip(text, at + 1)
    m = _ID.match(text, i)
    if not m or m.group(0)[0].isdigit():  # BibTeX: "You're missing an entry type"
        return None
    entry_type = m.group(0).lower()
    i = _skip(text, m.end())
    if i >= len(text) or text[i] not in "{(":
        return None
    closer = "}" if text[i] == "{" else ")"
    i = _skip(text, i + 1)
    m = _KEY.match(text, i)
    key = m.group(0).rstrip(closer) if m else ""
    i = _skip(text, i + len(key))
    fields: list[Field] = []
    while i < len(text):
        if text[i] == closer:
            return Entry(entry_type, key, fields, i + 1)
        if text[i] != ",":
            return None
        i = _skip(text, i + 1)
        if i < len(text) and text[i] == closer:
            return Entry(entry_type, key, fields, i + 1)
        m = _ID.match(text, i)
        if not m:
            return None
        name = m.group(0)
        i = _skip(text, m.end())
        if i >= len(text) or text[i] != "=":
            return None
        start = _skip(text, i + 1)
        end = _value(groups, start)
        if end is None:
            return None
        fields.append(Field(name, text[start:end].strip()))
        i = _skip(text, end)
    return None


def entry_starts(text: str) -> list[int]:
    """Where `@type{` or `@type(` stands in a stretch bibtexparser read as a comment (what
    `@\\s*[^\\s"#%'(),={}]+\\s*[{(]` finds).

    An `@` is itself a type character: every `@` of a run `@@@...` would read the same run
    to its end, so a failed run is passed over whole instead (linear, not quadratic)."""
    out: list[int] = []
    at = text.find("@")
    while at >= 0:
        start = _skip(text, at + 1)
        m = _ID.match(text, start)
        if m is None:
            at = text.find("@", at + 1)
            continue
        brace = _skip(text, m.end())
        if brace < len(text) and text[brace] in "{(":
            out.append(at)
            at = text.find("@", brace + 1)
        else:
            # An `@` inside the type read here, but for its last character, reads on to
            # the same end and fails alike.
            at = text.find("@", m.end() - 1)
    return out
