"""What one load in `pubsite serve` keeps for the next: each entry's publication.

An edit of one entry of 1,000 leaves 999 entries as they were; normalising them again took
0.125 s of serve's 0.33 s from save to reload (bench/run.py, serve_edit_1000_s: 0.33 s ->
0.28-0.29 s with this). An entry is known again by everything its publication is decided from
besides the profile (whose change empties the keep, with serve's memo): its text, its
fields after macros and crossrefs, its type, key and file. What normalising it said is
replayed at its new line, and its slug is given again in the file's order, so the site,
its order and the diagnostics are those of a load without the keep (tests/test_serve_memo).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pubsite.errors import Diagnostic
    from pubsite.model.site import Publication
    from pubsite.read.bib import RawEntry

EntryKey = tuple[str, str, str, str, tuple[tuple[str, str], ...], frozenset[str]]
Stat = tuple[int, int]
# What a lookup saw of a project file: its size, mtime, ctime and inode (a file copied over
# it with its mtime kept still changes the last two: a preview's header gives its size),
# or why pubsite refused it and whether something is there (the finding names the reason).
Seen = tuple[int, int, int, int] | tuple[str, bool]


def stat_of(seen: Seen) -> Stat:
    """The size and mtime a site records of a file (`Site.files`); (-1, -1) if refused."""
    return (seen[0], seen[1]) if isinstance(seen[0], int) else (-1, -1)


def entry_key(e: RawEntry) -> EntryKey:
    return (e.raw, e.file, e.entry_type, e.key, tuple(e.fields.items()),
            frozenset(e.inherited))


@dataclass(frozen=True, slots=True)
class Remembered:
    publication: Publication
    line: int  # the entry's line when it was normalised
    said: tuple[Diagnostic, ...]  # what normalising it reported, at that line
    files: tuple[str, ...]  # the project files its links and preview looked up


@dataclass(slots=True)
class Kept:
    entries: dict[EntryKey, Remembered] = field(default_factory=dict)
    files: dict[str, Seen] = field(default_factory=dict)  # each looked-up file as seen then

    def check_files(self, look: Callable[[str], Seen]) -> None:
        """Forget every entry unless each project file the last load looked up is as it
        was (a PDF added, changed, removed or refused for another reason changes the links,
        previews and findings of the entries that name it)."""
        if any(look(name) != then for name, then in self.files.items()):
            self.entries.clear()
            self.files.clear()
