"""Rebuilding after a few entries changed, without running the whole pipeline again.

A full build leaves a record in the cache (cache.py): the .bib file's blocks (a digest and
line span each), and for each entry its key, slug, where it sorts and groups, the facts the
duplicate checks compare, and where its fragment lies in each listing file (index.html,
index.md, feed.xml). The next build splits the file the same way; when only entry blocks
changed, each keeping its key and its place in the list, it parses, checks, normalises and
renders just those entries, checks duplicates again over every entry's cached facts,
splices their fragments into the previous listing files and writes the few changed files
in place. Anything else (a changed @string, a crossref, a new, removed or moved entry, a
template that renders the whole list) runs the full build, which writes a new record.
Tests compare both kinds of build byte for byte.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pubsite.errors import Diagnostic, Diagnostics

if TYPE_CHECKING:
    from pubsite.model import Publication
    from pubsite.rules import WorkFacts

# A larger change (a find-and-replace across the file) runs the full build: it is the
# build every other one is checked against.
MAX_CHANGED = 64
# Rules whose findings depend on more than one entry. Duplicate works are checked again
# over the whole file from cached facts; the others cannot change in an incremental build
# (it refuses new keys and crossrefs) but name other lines, so lines may not move.
RECHECKED_RULES = frozenset({"duplicate-work"})
CROSS_ENTRY_RULES = frozenset({"duplicate-key", "duplicate-key-case", "crossref-missing",
                               "crossref-cycle"}) | RECHECKED_RULES
# Templates that see the whole list: overriding one rules out patching fragments.
WHOLE_LIST_TEMPLATES = ("html/index.html", "html/base.html", "html/feed.xml",
                        "html/sitemap.xml", "markdown/index.md", "cv/markdown.md")

_BLOCK = re.compile(rb"\n[ \t]*@")
_HEAD = re.compile(r"[ \t]*@[ \t]*(\w+)[ \t]*[{(][ \t]*([^,\s{}()]+)[ \t]*,")
_CROSSREF_BYTES = re.compile(rb"crossref\s*=\s*[{\"]\s*([^}\"\s]+)")


@dataclass(frozen=True, slots=True)
class Blocks:
    """The file cut before every line that starts with `@` (the first block takes whatever
    precedes the first such line): byte spans, first lines, newline counts and digests."""
    starts: list[int]
    ends: list[int]
    lines: list[int]
    counts: list[int]
    digests: list[bytes]
    open_end: bool  # the file does not end with a newline

    def last(self, i: int) -> int:
        """The line of the block's last character."""
        closed = i < len(self.starts) - 1 or not self.open_end
        return self.lines[i] + self.counts[i] - (1 if closed and self.counts[i] else 0)


def split(data: bytes) -> Blocks:
    """Only used to see what changed, never to parse."""
    starts = [0, *[m.start() + 1 for m in _BLOCK.finditer(data)]]
    ends = [*starts[1:], len(data)]
    view = memoryview(data)
    sha = hashlib.sha256  # faster than blake2b where the CPU has SHA instructions
    digests = [sha(view[a:b]).digest()[:16] for a, b in zip(starts, ends, strict=True)]
    counts = [data.count(b"\n", a, b) for a, b in zip(starts, ends, strict=True)]
    lines = list(accumulate(counts[:-1], initial=1))
    return Blocks(starts, ends, lines, counts, digests, not data.endswith(b"\n"))


def scan(data: bytes) -> dict[str, Any]:
    """The file's blocks as digests and line spans, and the keys any crossref names; taken
    from the file's bytes (see `normalised`), so the record needs nothing else from it."""
    lowered = data.lower()  # a case-blind regex over the whole file is ten times slower
    targets = {m.group(1).decode("utf-8", "replace").casefold()
               for m in _CROSSREF_BYTES.finditer(lowered)} if b"crossref" in lowered else set()
    return {**compact(split(data)), "crossref_targets": sorted(targets)}


def normalised(raw: bytes) -> bytes:
    """The file as bib.read_text sees it, still as bytes: no BOM, LF newlines."""
    data = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data


def compact(blocks: Blocks) -> dict[str, Any]:
    return {"digests": b"".join(blocks.digests), "counts": blocks.counts}


def placement(p: Publication) -> tuple[Any, ...]:
    """Everything about an entry that the rest of the site depends on: its file names,
    where it sorts and groups, and what the list-wide legend, filters and feed date use."""
    return (p.key, p.slug, p.year, p.year_number, p.month, p.kind, p.marks_used, p.selected)


def whole_list_overridden(templates: Path | None) -> bool:
    """A whole-list template in the user's folder that differs from the built-in one (a
    copy made by `pubsite init --templates` changes nothing)."""
    if templates is None:
        return False
    from pubsite.templating import builtin_templates

    builtin = builtin_templates()
    for name in WHOLE_LIST_TEMPLATES:
        mine, original = templates / name, builtin / name
        if mine.is_file() and (not original.is_file() or
                               mine.read_bytes() != original.read_bytes()):
            return True
    return False


def _hash(value: object) -> int:
    """A fact as a nonzero 64-bit number (0 when empty): equal facts, equal numbers."""
    if not value:
        return 0
    n = int.from_bytes(hashlib.blake2b(repr(value).encode("utf-8", "surrogatepass"),
                                       digest_size=8).digest(), "little", signed=True)
    return n or 1


def hashed_facts(f: WorkFacts) -> tuple[int, ...]:
    doi, arxiv, title, place = f
    return (_hash(doi), _hash(arxiv), _hash(title), *(_hash(x) for x in place))


def facts_shape(n: tuple[int, ...] | array[int]) -> WorkFacts:
    """Hashed facts in the shape rules.check_duplicate_works compares (by == and truth)."""
    return n[0], n[1], n[2] or None, (n[3], n[4], n[5])  # type: ignore[return-value]


def _placement_digest(p: Publication) -> bytes:
    return hashlib.blake2b(repr(placement(p)).encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()


class Record:
    """The cache record of the last build, compact so that it loads in milliseconds: per
    entry (in file order) its block, key, slug, a digest of its placement and its work
    facts as numbers; per listing file the byte span of each entry's fragment."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.context: str = data["context"]
        self.digests: bytes = data["digests"]
        self.counts: list[int] = data["counts"]
        self.crossref_targets: list[str] = data["crossref_targets"]
        self.blocks: list[int] = data["entry_blocks"]
        self.keys: list[str] = data["keys"]
        self.slugs: list[str] = data["slugs"]
        self.placements: bytes = data["placements"]
        self.facts = array("q", data["facts"])
        self.listings: dict[str, tuple[array[int], array[int]]] = {
            rel: (array("q", a), array("q", b)) for rel, (a, b) in data["listings"].items()}
        self.stats: dict[str, tuple[int, int]] = data.get("stats", {})
        # The inputs digest of the build this record describes: it must be the one whose
        # output is in the folder now (not a site restored from an older build).
        self.built: str = data.get("built", "")
        n = len(self.blocks)
        if not (len(self.keys) == len(self.slugs) == n and len(self.placements) == 16 * n
                and len(self.facts) == 6 * n and len(self.digests) == 16 * len(self.counts)
                and all(len(a) == len(b) == n for a, b in self.listings.values())):
            raise ValueError("inconsistent build record")
        self.entry_of = {b: j for j, b in enumerate(self.blocks)}

    @classmethod
    def of_build(cls, scanned: dict[str, Any], context: str, pubs: tuple[Publication, ...],
                 facts: dict[int, WorkFacts], listings: dict[str, dict[str, tuple[int, int]]]
                 ) -> Record | None:
        """None when the entries cannot be told apart by block (two on one line, or one
        that does not start a line)."""
        lines = accumulate(scanned["counts"][:-1], initial=1)
        by_line = {line: i for i, line in enumerate(lines)}
        found: dict[int, Publication] = {}
        for p in pubs:
            i = by_line.get(p.source_line)
            if i is None or i in found or p.source_line not in facts:
                return None
            found[i] = p
        order = sorted(found)
        ordered = [found[i] for i in order]
        return cls({
            **scanned, "context": context, "entry_blocks": order,
            "keys": [p.key for p in ordered], "slugs": [p.slug for p in ordered],
            "placements": b"".join(_placement_digest(p) for p in ordered),
            "facts": array("q", [n for p in ordered
                                 for n in hashed_facts(facts[p.source_line])]).tobytes(),
            "listings": {rel: (array("q", [spans[p.slug][0] for p in ordered]).tobytes(),
                               array("q", [spans[p.slug][1] for p in ordered]).tobytes())
                         for rel, spans in listings.items()},
        })

    def data(self) -> dict[str, Any]:
        return {"context": self.context, "digests": self.digests, "counts": self.counts,
                "crossref_targets": self.crossref_targets, "entry_blocks": self.blocks,
                "keys": self.keys, "slugs": self.slugs, "placements": self.placements,
                "facts": self.facts.tobytes(),
                "listings": {rel: (a.tobytes(), b.tobytes())
                             for rel, (a, b) in self.listings.items()},
                "stats": self.stats, "built": self.built}

    def placed_as_before(self, j: int, p: Publication) -> bool:
        return self.placements[16 * j:16 * j + 16] == _placement_digest(p)

    def works(self, lines: list[int], fresh: dict[int, tuple[str, int, WorkFacts]]
              ) -> Iterator[tuple[str, int, WorkFacts]]:
        """Every entry's (key, line, facts) in file order, the fresh ones for entries just
        parsed again; for rules.check_duplicate_works."""
        facts = self.facts
        for j, (block, key) in enumerate(zip(self.blocks, self.keys, strict=True)):
            if j in fresh:
                yield fresh[j]
            else:
                yield key, lines[block], facts_shape(facts[6 * j:6 * j + 6])

    def update(self, blocks: Blocks, fresh: dict[int, tuple[int, ...]]) -> None:
        compacted = compact(blocks)
        self.digests, self.counts = compacted["digests"], compacted["counts"]
        for j, f in fresh.items():
            self.facts[6 * j:6 * j + 6] = array("q", f)


@dataclass(slots=True)
class Plan:
    """What an incremental build will do: which blocks changed, and the text to parse
    (the changed entries and every non-entry block) with the line each part starts at."""
    blocks: Blocks
    changed: list[int]
    partial_text: str
    parts: list[tuple[int, int]]  # (offset in partial_text, line in the file)

    def line(self, offset: int) -> int:
        """The file's line at an offset of the partial text."""
        i = bisect.bisect_right(self.parts, (offset, 1 << 62)) - 1
        start, line = self.parts[max(i, 0)]
        return line + self.partial_text.count("\n", start, offset)


def plan(data: bytes, record: Record) -> Plan | None:
    """The changed entry blocks, when the change allows patching; otherwise None. `data`
    is the file as UTF-8 with newlines already made LF."""
    blocks = split(data)
    old = record.digests
    if len(blocks.digests) * 16 != len(old):
        return None
    entries = record.entry_of
    changed = [i for i, d in enumerate(blocks.digests) if d != old[16 * i:16 * i + 16]]
    if not changed or len(changed) > MAX_CHANGED:
        return None
    keys = [k.casefold() for k in record.keys]
    targets = set(record.crossref_targets)
    for i in changed:
        if i not in entries:
            return None  # an @string, @preamble, comment or unreadable block changed
        key = record.keys[entries[i]]
        try:
            body = data[blocks.starts[i]:blocks.ends[i]].decode("utf-8")
        except UnicodeDecodeError:
            return None  # the full build says where, and what to do
        head = _HEAD.match(body)
        if head is None or head.group(2) != key or head.group(1).lower() in (
                "string", "preamble", "comment"):
            return None
        if "crossref" in body.lower() or key.casefold() in targets or \
                keys.count(key.casefold()) != 1 or body.count("{") != body.count("}"):
            return None
    # Unchanged entries are left out; every @string and @preamble stays, in order, so
    # macros resolve as in a full build.
    kept = set(changed)
    pieces: list[str] = []
    parts: list[tuple[int, int]] = []
    size = 0
    for i, (start, end) in enumerate(zip(blocks.starts, blocks.ends, strict=True)):
        if i in kept or i not in entries:
            piece = data[start:end].decode("utf-8", "replace")
            if piece and not piece.endswith("\n"):
                piece += "\n"
            parts.append((size, blocks.lines[i]))
            pieces.append(piece)
            size += len(piece)
    return Plan(blocks, changed, "".join(pieces), parts)


def merge_diagnostics(old: list[Diagnostic], fresh: list[Diagnostic], bib_name: str,
                      record: Record, p: Plan) -> list[Diagnostic] | None:
    """The previous build's findings with the changed entries' replaced and lines moved;
    `fresh` holds the changed entries' findings and the whole file's duplicate works.
    None when a finding that names another line would need rewriting."""
    old_lines = list(accumulate(record.counts[:-1], initial=1))
    moved = any(p.blocks.counts[i] != record.counts[i] for i in p.changed)
    changed = set(p.changed)
    out = []
    for d in old:
        if d.file != bib_name or d.line is None:
            out.append(d)
            continue
        if d.rule in RECHECKED_RULES:
            continue
        i = max(bisect.bisect_right(old_lines, d.line) - 1, 0)
        if d.rule in CROSS_ENTRY_RULES:
            if moved:
                return None
        elif i in changed:
            continue
        line = d.line - old_lines[i] + p.blocks.lines[i]
        out.append(Diagnostic(d.rule, d.severity, d.file, line, d.message, d.hint, d.key,
                              d.column))
    spans = [(p.blocks.lines[i], p.blocks.last(i)) for i in p.changed]
    for d in fresh:
        if d.rule in RECHECKED_RULES or (
                d.file == bib_name and d.line is not None and d.rule not in CROSS_ENTRY_RULES
                and any(a <= d.line <= b for a, b in spans)):
            out.append(d)
    diags = Diagnostics()
    diags.items = out
    return diags.sorted()


def splice(data: bytes, spans: tuple[array[int], array[int]], fragments: dict[int, bytes]
           ) -> list[bytes | memoryview]:
    """Replace the fragments of the given entries; return the file as pieces (not copied)
    and move every span in `spans` to where it now is."""
    starts, ends = spans
    order = sorted(fragments, key=lambda j: starts[j])
    view = memoryview(data)
    pieces: list[bytes | memoryview] = []
    cursor = 0
    for j in order:
        pieces += [view[cursor:starts[j]], fragments[j]]
        cursor = ends[j]
    pieces.append(view[cursor:])
    cut = [ends[j] for j in order]  # a span moves by the growth of the fragments before it
    growth = list(accumulate(len(fragments[j]) - (ends[j] - starts[j]) for j in order))
    if any(growth):
        for j in range(len(starts)):
            k = bisect.bisect_right(cut, starts[j])
            if k:
                starts[j] += growth[k - 1]
                ends[j] += growth[k - 1]
    for j in order:
        ends[j] = starts[j] + len(fragments[j])
    return pieces
