"""profile.toml read as TOML behind guards against hostile files (tomllib has no size or
depth limits), before any schema: what the no-op check and profile.py both read."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pubsite.errors import Diagnostics
from pubsite.model import urls
from pubsite.projectfiles import Refused, read_input
from pubsite.rulebook import RuleId

# tomllib has no depth or size limits; a profile is a page of text, so anything past this
# is refused before parsing.
MAX_PROFILE_BYTES = 512 * 1024
MAX_NESTING = 32


# What the scan skips in one step: the characters of bare keys, and blanks.
_KEYISH = re.compile(r"[A-Za-z0-9_\- \t]*")
# The rest of a string after its opening quote(s), up to and with the closing one; a string
# left open ends at its line (one-line strings) or at the end of the text (multi-line
# ones), where tomllib reports it.
_BASIC = re.compile(r'(?:[^"\\\n]|\\.)*"?')
_LITERAL = re.compile(r"[^'\n]*'?")
_ML_BASIC = re.compile(r'(?:[^"\\]|\\.|"(?!""))*(?:""")?', re.S)


def _string_end(text: str, i: int) -> tuple[int, bool]:
    """Where the string that opens at `i` ends, and whether it is a multi-line one."""
    quote = text[i]
    if text.startswith(quote * 3, i):
        if quote == '"':
            end = _ML_BASIC.match(text, i + 3).end()  # type: ignore[union-attr]
        else:
            found = text.find("'''", i + 3)
            end = len(text) if found < 0 else found + 3
        # A multi-line string may end in up to two more quotes of its own: '''a''''' is a''.
        for _ in range(2):
            if text.startswith(quote, end):
                end += 1
        return end, True
    pattern = _BASIC if quote == '"' else _LITERAL
    return pattern.match(text, i + 1).end(), False  # type: ignore[union-attr]


def _too_deep(text: str) -> tuple[str, int] | None:
    """The first place where brackets nest more than MAX_NESTING deep ("nesting") or a
    dotted key has more than MAX_NESTING parts ("dotted"), with its offset, read in one
    pass: tomllib's time and memory grow with the square of a dotted key's parts (a key
    of 50,000 parts took 74 s and 9.8 GB). A dotted key is a run of bare or quoted keys,
    blanks and dots, so the dots are counted from anything else to anything else; inside
    strings and comments nothing counts. Valid TOML has no run of 32 dots elsewhere."""
    depth = dots = 0
    i, n = 0, len(text)
    while True:
        i = _KEYISH.match(text, i).end()  # type: ignore[union-attr]
        if i >= n:
            return None
        c = text[i]
        if c == ".":
            dots += 1
            if dots >= MAX_NESTING:
                return "dotted", i
            i += 1
            continue
        if c in "\"'":
            i, multi = _string_end(text, i)
            if multi:
                dots = 0  # a multi-line string is a value, never a key
            continue
        dots = 0
        if c == "#":
            found = text.find("\n", i)
            i = n if found < 0 else found
            continue
        if c in "[{":
            depth += 1
            if depth > MAX_NESTING:
                return "nesting", i
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1


def read_toml(path: Path, diags: Diagnostics, name: str) -> tuple[dict[str, Any], str] | None:
    """The TOML of the profile, behind guards against hostile files (tomllib has no size or
    depth limits), or None with the reason in `diags`."""
    try:
        data = read_input(path)
    except Refused as why:
        diags.error(RuleId.PROFILE_UNREADABLE, name, None, f"profile {why}",
                    "pass a profile.toml that is a regular file")
        return None
    if len(data) > MAX_PROFILE_BYTES:
        diags.error(RuleId.PROFILE_TOO_LARGE, name, None,
                    f"profile is {len(data):,} bytes; the limit is {MAX_PROFILE_BYTES:,}",
                    "a profile is a page of text: move long content out of it")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        diags.error(RuleId.ENCODING, name, data.count(b"\n", 0, exc.start) + 1,
                    "profile is not UTF-8", "save the file as UTF-8")
        return None
    deep = _too_deep(text)
    if deep is not None:
        kind, at = deep
        line = text.count("\n", 0, at) + 1
        if kind == "dotted":
            diags.error(RuleId.PROFILE_TOO_DEEP, name, line,
                        f"a dotted key of more than {MAX_NESTING} parts (a.b.c… = …)",
                        "write keys of a few parts, or [tables]: pubsite's keys nest two "
                        "levels at most")
        else:
            diags.error(RuleId.PROFILE_TOO_DEEP, name, line,
                        f"profile nests more than {MAX_NESTING} levels of [ ] or {{ }}",
                        "flatten the tables: pubsite's keys nest two levels at most")
        return None
    try:
        return tomllib.loads(text), text
    except RecursionError:
        diags.error(RuleId.PROFILE_TOO_DEEP, name, None, "a key nests too deeply (a dotted name "
                    "of hundreds of parts)", "write tables with a few levels at most")
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        diags.error(RuleId.TOML_SYNTAX, name, int(m.group(1)) if m else None,
                    f"not valid TOML: {exc}",
                    "check quotes, brackets and `key = value` syntax on that line")
    return None


def copied_files(path: Path) -> list[str]:
    """Files beside profile.toml that a build copies into the site (the photo): their
    bytes are inputs of the build too. Read without the schema, for the no-op check."""
    found = read_toml(path, Diagnostics(), str(path))
    photo = found[0].get("photo") if found else None
    return [photo] if isinstance(photo, str) and urls.is_project_path(photo) else []
