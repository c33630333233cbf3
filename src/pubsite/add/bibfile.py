"""publications.bib as `pubsite add` changes it: read once (its bytes kept to compare),
the new entry placed where the file's order puts it, only bytes added or one entry's
bytes replaced, and written through the build's write rules: a temporary file beside it
and one rename, never when the file is read-only or changed since it was read."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from pathlib import Path

from pubsite import write as site_write
from pubsite.errors import EXIT_OUTPUT, EXIT_USAGE, Diagnostics, PubsiteError
from pubsite.model import identifiers
from pubsite.pipeline import read_input_file
from pubsite.read import bib
from pubsite.read.bib import RawEntry


@dataclass(frozen=True, slots=True)
class BibFile:
    path: Path
    name: str  # as messages show it
    data: bytes
    text: str  # decoded, its BOM kept, so that offsets are the file's
    entries: tuple[RawEntry, ...]

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def offset(self, e: RawEntry) -> int:
        """Where entry `e` starts in `text` (its `@`)."""
        start = 0
        for _ in range(e.line - 1):
            start = self.text.index("\n", start) + 1
        found = self.text.find(e.raw, start)
        return found if found >= 0 else start

    def find(self, key: str) -> RawEntry | None:
        return next((e for e in self.entries if e.key == key), None)


def load(path: Path, name: str) -> BibFile:
    """The file as it is now; an encoding other than UTF-8 is refused (add writes UTF-8)."""
    data = read_input_file(path, name)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PubsiteError(f"{name}: is not UTF-8 (byte {exc.start}); pubsite add writes "
                           "UTF-8 only. Convert the file (iconv -t UTF-8) and run it again",
                           EXIT_USAGE) from None
    bom = 1 if text.startswith("\ufeff") else 0
    parsed = bib.parse(text[bom:], name, Diagnostics())
    return BibFile(path, name, data, text, tuple(parsed.entries))


def _when(e: RawEntry) -> tuple[int, int]:
    year = e.fields.get("year", "")[:4]
    month = identifiers.month(e.fields.get("month", "")) or 0
    return (int(year) if year.isdigit() else 0, month)


def place(f: BibFile, key: str, when: tuple[int, int]) -> RawEntry | None:
    """The entry the new one goes before (None: at the end), as the file's order implies:
    newest first, oldest first, or by key; a file in no order takes it at the end."""
    entries = [e for e in f.entries if e.entry_type not in ("string", "preamble")]
    dates = [_when(e) for e in entries]
    keys = [e.key.casefold() for e in entries]
    if len(entries) < 2:
        return entries[0] if entries and dates[0] < when else None
    if all(a >= b for a, b in itertools.pairwise(dates)) and dates[0] != dates[-1]:
        return next((e for e, d in zip(entries, dates, strict=True) if d < when), None)
    if all(a <= b for a, b in itertools.pairwise(dates)) and dates[0] != dates[-1]:
        return next((e for e, d in zip(entries, dates, strict=True) if d > when), None)
    if keys == sorted(keys):
        return next((e for e in entries if e.key.casefold() > key.casefold()), None)
    return None


def inserted(f: BibFile, entry_text: str, before: RawEntry | None) -> str:
    """The file's text with the entry added: before `before` (a blank line after it), or
    at the end (a blank line before it). Every other byte stays."""
    nl = f.newline
    if before is not None:
        at = f.offset(before)
        return f.text[:at] + entry_text + nl + nl + f.text[at:]
    body = f.text
    lead = "" if not body.strip("\ufeff") else (nl if body.endswith("\n") else nl + nl)
    return body + lead + entry_text + nl


def replaced(f: BibFile, old: RawEntry, entry_text: str) -> str:
    at = f.offset(old)
    return f.text[:at] + entry_text + f.text[at + len(old.raw):]


def write(f: BibFile, text: str) -> None:
    """The new text in place of the file, only if it still holds what was read and may
    be written; a temporary file and one rename (`write.replace_file`), so a full disk or
    a kill leaves the old file whole."""
    target = Path(os.path.realpath(f.path))
    # A file without write permission is the user's "leave it alone", also to root, whom
    # os.access lets write anything.
    if not os.access(target, os.W_OK) or not os.stat(target).st_mode & 0o222:
        raise PubsiteError(f"{f.name}: is read-only; nothing was written. Make it writable "
                           "(chmod u+w) or run pubsite add --dry-run and paste the entry",
                           EXIT_OUTPUT)
    try:
        now = target.read_bytes()
    except OSError as exc:
        raise PubsiteError(f"{f.name}: cannot read it again: {exc.strerror}; nothing was "
                           "written", EXIT_OUTPUT) from exc
    if now != f.data:
        raise PubsiteError(f"{f.name}: changed while pubsite add ran (an editor saved it?); "
                           "nothing was written. Run pubsite add again", EXIT_OUTPUT)
    site_write.replace_file(target, text.encode("utf-8"))
