"""profile.toml read as TOML behind guards against hostile files (tomllib has no size or
depth limits), before any schema: what the no-op check and profile.py both read."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from pubsite.errors import Diagnostics
from pubsite.projectfiles import Refused, read_input

# tomllib has no depth or size limits; a profile is a page of text, so anything past this
# is refused before parsing.
MAX_PROFILE_BYTES = 512 * 1024
MAX_NESTING = 32


def _nesting(text: str) -> int:
    depth = best = 0
    in_str: str | None = None
    for c in text:
        if in_str:
            if c == in_str:
                in_str = None
            continue
        if c in "\"'":
            in_str = c
        elif c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth = max(depth - 1, 0)
    return best


def read_toml(path: Path, diags: Diagnostics, name: str) -> tuple[dict[str, Any], str] | None:
    """The TOML of the profile, behind guards against hostile files (tomllib has no size or
    depth limits), or None with the reason in `diags`."""
    try:
        data = read_input(path)
    except Refused as why:
        diags.error("profile-unreadable", name, None, f"profile {why}",
                    "pass a profile.toml that is a regular file")
        return None
    if len(data) > MAX_PROFILE_BYTES:
        diags.error("profile-too-large", name, None,
                    f"profile is {len(data):,} bytes; the limit is {MAX_PROFILE_BYTES:,}",
                    "a profile is a page of text: move long content out of it")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        diags.error("encoding", name, data.count(b"\n", 0, exc.start) + 1,
                    "profile is not UTF-8", "save the file as UTF-8")
        return None
    if _nesting(text) > MAX_NESTING:
        diags.error("profile-too-deep", name, None,
                    f"profile nests more than {MAX_NESTING} levels", "flatten the tables")
        return None
    try:
        return tomllib.loads(text), text
    except RecursionError:
        diags.error("profile-too-deep", name, None, "a key nests too deeply (a dotted name "
                    "of hundreds of parts)", "write tables with a few levels at most")
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        diags.error("toml-syntax", name, int(m.group(1)) if m else None,
                    f"not valid TOML: {exc}",
                    "check quotes, brackets and `key = value` syntax on that line")
    return None


def copied_files(path: Path) -> list[str]:
    """Files beside profile.toml that a build copies into the site (the photo): their
    bytes are inputs of the build too. Read without the schema, for the no-op check."""
    found = read_toml(path, Diagnostics(), str(path))
    photo = found[0].get("photo") if found else None
    return [photo] if isinstance(photo, str) and photo and "://" not in photo else []
