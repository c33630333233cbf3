"""Load a .bib file: bytes to text, bibtexparser's blocks to raw entries, with exact lines.

bibtexparser splits the file; everything it leaves raw or gets wrong is done here (see
shared/corpus/GOTCHAS.md): @string and `#` concatenation, month macros, crossref,
case-insensitive field names that keep the first value, duplicate keys and fields, failed
blocks, and 1-based line numbers computed from the text itself.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pubsite.errors import Diagnostics
from pubsite.model.identifiers import MONTH_MACROS
from pubsite.read import bibscan, braces
from pubsite.rulebook import RuleId

# A value past this size that came from macro expansion is a "billion laughs" chain.
MAX_EXPANSION = 1_000_000  # one value
MAX_FILE_EXPANSION = 16_000_000  # all macro text of a file, plus 4x its size


@dataclass(slots=True)
class RawEntry:
    key: str
    entry_type: str
    fields: dict[str, str]
    file: str
    line: int
    raw: str
    field_lines: dict[str, int] = field(default_factory=dict)
    inherited: set[str] = field(default_factory=set)  # fields a crossref gave
    index: _FieldIndex | None = field(default=None, compare=False, repr=False)

    def field_line(self, name: str) -> int:
        """1-based line of a field, found in the entry's own text."""
        if name not in self.field_lines:
            self.field_lines[name] = self.nth_field_line(name, 1)
        return self.field_lines[name]

    def nth_field_line(self, name: str, nth: int) -> int:
        """1-based line of the nth `name =` in the entry's text (of the last when there are
        fewer, of the entry when there is none)."""
        if self.index is None:
            self.index = _FieldIndex(self.raw)
        offsets = self.index.offsets(name)
        offset = offsets[min(nth, len(offsets)) - 1] if offsets else 0
        return self.line + bisect.bisect_left(self.index.newlines, offset)


class _FieldIndex:
    """Where each `name =` stands in an entry's text, found in one pass: a pattern per name
    read the whole entry again for each field (an entry of 20,000 fields: minutes)."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.newlines = [m.start() for m in re.finditer("\n", raw)]
        self.found: dict[str, list[int]] = {}
        for m in _FIELD_NAME.finditer(raw):
            self.found.setdefault(_name_key(m.group(1)), []).append(m.start(1))

    def offsets(self, name: str) -> list[int]:
        if _NAME_CHARS.fullmatch(name):
            # A name of these characters is exactly the run of them before its `=`.
            return self.found.get(_name_key(name), [])
        pattern = re.compile(r"(?<![\w\-:.+])" + re.escape(name) + r"\s*=", re.IGNORECASE)
        return [m.start() for m in pattern.finditer(self.raw)]


# A field's name follows the entry's opening or the end of the field before it (comment
# lines may stand between): only those places are tried, not every word of every value
# (a warning's line: 47 -> 8 us an entry of 1.2 KB; 2,000 of them were 0.1 s of a load).
_FIELD_NAME = re.compile(r"[,{(\"}](?:\s*+%[^\n]*+)*+\s*+([\w\-:.+]++)\s*+=")
_NAME_CHARS = re.compile(r"[\w\-:.+]+")
# What IGNORECASE matches besides the lowercase: the letters whose lowercase is two
# characters, or another letter's (the dotted and dotless i, the long s).
_CASE_FIXES = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})


def _name_key(name: str) -> str:
    return name.translate(_CASE_FIXES).lower()


@dataclass(slots=True)
class BibData:
    file: str
    text: str
    entries: list[RawEntry]
    comments: list[tuple[int, str]]  # text outside entries, with its line


def read_text(path: Path, diags: Diagnostics, display: str | None = None) -> tuple[str, str]:
    """Read a text input as UTF-8; say what else it looks like when it is not."""
    return decode_text(path.read_bytes(), path, diags, display)


def decode_text(data: bytes, path: Path, diags: Diagnostics,
                display: str | None = None) -> tuple[str, str]:
    name = display or str(path)
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # Windows tools save "Unicode" as UTF-16 with a byte order mark: unambiguous, read.
        diags.warning(RuleId.ENCODING, name, 1, "file is UTF-16, not UTF-8; it was read as UTF-16",
                    f"convert it once: iconv -f UTF-16 -t UTF-8 {path.name} > fixed.bib "
                    "and replace the file")
        return _no_nul(data.decode("utf-16", "replace"), name, diags), "UTF-16"
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        encoding, text = _guess_encoding(data)
        # BibTeX reads any bytes; so does pubsite, in the encoding the bytes look like, and
        # says so (a wrong guess shows in the text; the hint converts the file for good).
        diags.warning(
            RuleId.ENCODING, name, line,
            f"file is not UTF-8 (first bad byte at line {line}); it looks like {encoding} "
            f"and was read as {encoding}",
            f"convert it once: iconv -f {encoding} -t UTF-8 {path.name} > fixed.bib "
            "and replace the file",
        )
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _no_nul(text, name, diags), encoding


def _no_nul(text: str, name: str, diags: Diagnostics) -> str:
    """A NUL byte ends strings in C tools and makes keys and paths unsafe: reported with
    its line and dropped."""
    if "\x00" not in text:
        return text
    at = text.index("\x00")
    diags.error(RuleId.CONTROL_CHARACTER, name, text.count("\n", 0, at) + 1,
                f"the file holds {text.count(chr(0))} NUL byte(s) (U+0000), the first here",
                "delete them; a NUL byte is never part of BibTeX text")
    return text.replace("\x00", "")


def _guess_encoding(data: bytes) -> tuple[str, str]:
    # GBK and Big5 accept many Latin-1 byte pairs too, so prefer them only when the file has
    # many high bytes in pairs; cp1252 is the common case for Western European text.
    candidates = ["gbk", "big5", "shift_jis"] if _looks_cjk(data) else []
    candidates += ["cp1252", "latin-1"]
    for enc in candidates:
        try:
            return enc.upper() if enc != "latin-1" else "Latin-1", data.decode(enc)
        except UnicodeDecodeError:
            continue
    return "Latin-1", data.decode("latin-1")


def _looks_cjk(data: bytes) -> bool:
    high = sum(1 for b in data if b >= 0x80)
    pairs = re.search(rb"[\x81-\xfe][\x40-\xfe]", data)
    return high >= 4 and high > len(data) // 50 and bool(pairs)


class _LineIndex:
    def __init__(self, text: str) -> None:
        self.starts = [m.end() for m in re.finditer("\n", text)]

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) + 1


def parse(text: str, file: str, diags: Diagnostics,
          sink: Callable[[list[RawEntry]], None] | None = None) -> BibData:
    """Parse the text: entries, with their 1-based lines, and the text between them;
    `sink` is given the entries as they are read (`_Outlet`)."""
    from bibtexparser import model as bm
    from bibtexparser.entrypoint import parse_string

    # bibtexparser logs each failed block; they all become diagnostics here instead.
    logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)
    line_at, macros = _LineIndex(text).line, Macros(len(text))
    entries: list[RawEntry] = []
    comments: list[tuple[int, str]] = []
    seen_keys: dict[str, RawEntry] = {}
    cursor, groups = 0, braces.Groups(text)  # groups: built only if bibscan is needed
    recovered = (0, 0)  # the stretch last read by bibscan: bibtexparser's ghosts inside go
    outlet = _Outlet(sink)
    for block in _blocks(text, parse_string):
        outlet.give(entries)
        placed = _place(text, block.raw or "", cursor, recovered)
        if placed is None:
            continue
        pos, raw = placed
        if pos >= 0:
            cursor = pos + len(raw)
            line = line_at(pos)
        else:
            line = (block.start_line or 0) + 1
        if isinstance(block, (bm.ParsingFailedBlock, bm.ImplicitComment)) and pos >= 0:
            found = _rescan(groups, pos, pos + len(raw), block)
            if found:
                for at, entry in found:
                    entries.append(_entry(entry, file, line_at(at), text[at:entry.end],
                                          macros, diags, seen_keys))
                recovered = (pos, max(pos + len(raw), found[-1][1].end))
                cursor = recovered[1]
                continue
            if pos == recovered[1] > recovered[0] and isinstance(block, bm.ImplicitComment):
                continue
        if isinstance(block, bm.DuplicateBlockKeyBlock | bm.DuplicateFieldKeyBlock):
            inner = block.ignore_error_block
            if isinstance(inner, bm.String) and isinstance(block, bm.DuplicateBlockKeyBlock):
                diags.warning(RuleId.DUPLICATE_STRING, file, line,
                              f"@string {inner.key} is defined again; the new value wins",
                              "remove one of the definitions")
            block = inner
        if isinstance(block, bm.Entry):
            entries.append(_entry(block, file, line, raw, macros, diags, seen_keys))
        elif isinstance(block, bm.String):
            key = block.key.strip()
            value = _resolve(block.value, macros, file, line, diags, None)
            macros[key.lower()] = value
        elif isinstance(block, bm.ParsingFailedBlock):
            _failed_block(block, file, line, raw, diags)
        elif isinstance(block, bm.ImplicitComment):
            comments.append((line, block.comment))
            _stray_at(raw, file, line, diags)
    _no_entries(entries, text, file, diags)
    _resolve_crossrefs(entries, diags)
    outlet.give(entries, last=True)
    return BibData(file, text, entries, comments)


SINK_BATCH = 256  # entries given to a sink at once: about 0.6 MB sent between processes
# The first batches are smaller, doubling up to SINK_BATCH: the sink's process starts on
# the file's first entries at once instead of waiting for 256 of them to be read.
FIRST_BATCH = 16


class _Outlet:
    """Gives a sink the entries as they are read, SINK_BATCH at a time, and the rest once
    the text is read; from the first entry with a crossref on, all at the end (resolving
    a crossref changes the entry that has it)."""

    def __init__(self, sink: Callable[[list[RawEntry]], None] | None) -> None:
        self.sink = sink
        self.sent = self.checked = 0  # entries given; looked at for a crossref

    def give(self, entries: list[RawEntry], last: bool = False) -> None:
        if self.sink is None:
            return
        due = min(SINK_BATCH, max(FIRST_BATCH, self.sent))
        if len(entries) - self.sent < due and not last:
            return
        while self.checked < len(entries) and "crossref" not in entries[self.checked].fields:
            self.checked += 1
        ready = len(entries) if last else self.checked
        if ready > self.sent or last:
            self.sink(entries[self.sent:ready])
            self.sent = ready


def _no_entries(entries: list[RawEntry], text: str, file: str, diags: Diagnostics) -> None:
    """Text that is no entry at all (and nothing said about it yet): BibTeX reads it as a
    comment, but the site it gives is empty, which is never what was meant."""
    if entries or not text.strip() or any(d.file == file for d in diags.items):
        return
    diags.warning(RuleId.NO_ENTRIES, file, 1, "the file holds no BibTeX entry; the site lists no "
                  "publications", "write each publication as @type{key, field = {value}, ...}")


def _stray_at(raw: str, file: str, line: int, diags: Diagnostics) -> None:
    """An `@` outside every entry that starts none: BibTeX reads an entry type there and
    reports an error; here it is said once per stretch of text, at the first `@`."""
    at = raw.find("@")
    if at < 0:
        return
    count = raw.count("@")
    what = "an '@'" if count == 1 else f"{count} '@' characters"
    diags.warning(RuleId.STRAY_AT, file, line + raw.count("\n", 0, at),
                  f"{what} outside any entry, where BibTeX starts an entry and finds "
                  f"none ({raw[at:at + 40]!r}): it reports an error", "delete the '@' (in a "
                  "comment, write it as 'at'), or finish the entry as @type{key, field = "
                  "{value}}")


def _place(text: str, raw: str, cursor: int,
           recovered: tuple[int, int]) -> tuple[int, str] | None:
    """Where a block stands in the text (-1: not found); None for a block bibtexparser
    found inside a value BibTeX reads whole, which is no block at all (but for what it
    holds past that value)."""
    pos = text.find(raw, cursor) if raw else -1
    if pos < 0 and raw and recovered[0] <= (inside := text.find(raw, recovered[0])) \
            < recovered[1]:
        if inside + len(raw) <= recovered[1]:
            return None
        return recovered[1], text[recovered[1]:inside + len(raw)]
    return pos, raw


def _rescan(groups: braces.Groups, start: int, end: int,
            block: object) -> list[tuple[int, Any]]:
    """Entries BibTeX reads where bibtexparser failed or saw a comment: read by bibscan.
    A failed block is read from its `@` (on past its end: a value may hold an `@`)."""
    text = groups.text
    out: list[tuple[int, Any]] = []
    if "@" not in text[start:end]:
        return out
    failed = type(block).__name__ == "ParsingFailedBlock"
    for offset in bibscan.entry_starts(text[start:end]):
        at = start + offset
        if out and at < out[-1][1].end:
            continue
        if re.match(r"@\s*(comment|string|preamble)\b", text[at:at + 40], re.I):
            continue  # BibTeX skips the word "comment" and reads on; macros are not ours here
        found = bibscan.scan_entry(groups, at)
        if found:
            out.append((at, found))
        elif failed and not out:
            return []  # BibTeX cannot read it either: reported as bibtexparser failed
    return out


# Kept for memory, not speed (no gain at 1,000 entries): the parse of 10,000 entries peaks
# at 81 MB in pieces, 128 MB whole; 50,000 entries parse in 6.2 s, not 7.3 s.
PIECE = 512 * 1024
FIRST_PIECE = 16 * 1024
_BLOCK_START = re.compile(r"\n[ \t]*@")


def _blocks(text: str, parse_string: Any) -> Iterator[Any]:
    """bibtexparser's blocks, parsed in pieces of about PIECE characters cut before an `@`
    that starts a line with braces balanced before it: the splitter's cost grows faster
    than the file, and each piece's blocks are freed once read."""
    start = 0
    # The first pieces are smaller, doubling up to PIECE: a sink (the load's other
    # process) gets the first entries after a few milliseconds, not after a whole piece.
    size = min(PIECE, FIRST_PIECE)
    pos = size
    balance, counted = 0, 0  # braces open in text[start:counted], counted once each
    while pos < len(text):
        m = _BLOCK_START.search(text, pos)
        if m is None:
            break
        cut = m.start() + 1
        balance += text.count("{", counted, cut) - text.count("}", counted, cut)
        counted = cut
        # A cut must not fall inside a value; where braces never balance (an entry left
        # open), cut anyway once the piece is large: BibTeX recovers at an @ too.
        if balance != 0 and cut - start < 4 * PIECE:
            pos = m.end()
            continue
        balance = 0
        # An empty parse stack keeps values raw (braces, quotes, `#`): resolved by us.
        yield from parse_string(text[start:cut], parse_stack=[]).blocks
        size = min(PIECE, 2 * size)
        start, pos = cut, cut + size
    yield from parse_string(text[start:], parse_stack=[]).blocks


def _failed_block(block: object, file: str, line: int, raw: str, diags: Diagnostics) -> None:
    if re.match(r"\s*@\s*comment\b", raw, re.IGNORECASE):
        return  # BibTeX ignores @comment whatever follows it
    exc = getattr(block, "error", None)
    error = str(getattr(exc, "abort_reason", "") or exc or "") or "unreadable block"
    error = " ".join(error.split())
    head = raw.strip().splitlines()[0][:60] if raw.strip() else ""
    m = re.match(r"@\s*(\w+)\s*[{(]\s*([^,\s]*)", raw.strip())
    key = m.group(2) if m and m.group(2) else None
    if "end of file" in error or "closing" in error or "Unexpected block start" in error:
        message = f"this entry is not closed ({error}); it was skipped: {head}"
        hint = "close every { with a }; an entry must end with } before the next @"
        rule = RuleId.UNBALANCED_BRACES
    else:
        message = f"could not parse this block, it was skipped: {error}"
        hint = "check the entry's syntax: @type{key, field = {value}, ...}"
        rule = RuleId.PARSE_ERROR
    diags.error(rule, file, line, message, hint, key=key)


def _entry(block: object, file: str, line: int, raw: str, macros: Macros,
           diags: Diagnostics, seen_keys: dict[str, RawEntry]) -> RawEntry:
    key: str = getattr(block, "key", "")
    entry_type: str = getattr(block, "entry_type", "").lower()
    entry = RawEntry(key, entry_type, {}, file, line, raw)
    counts: dict[str, int] = {}
    for f in getattr(block, "fields", []):
        name = f.key.strip().lower()
        if "%" in name or "\n" in name or " " in name:
            # `%` starts no comment inside an entry; BibTeX rejects the field, we take the
            # last word as its name and say so.
            text = name
            name = name.split()[-1] if name.split() else name
            diags.warning(RuleId.INLINE_COMMENT, file, entry.field_line(name) if name else line,
                          f"text before field '{name}' in {key} is not a field: "
                          f"{' '.join(text.split()[:-1])[:60]!r}",
                          "BibTeX has no comments inside entries: delete the text, or move it "
                          "into a note field", key=key)
        counts[name] = counts.get(name, 0) + 1
        if name in entry.fields:
            diags.warning(
                RuleId.DUPLICATE_FIELD, file, entry.nth_field_line(name, counts[name]),
                f"field '{name}' appears more than once in entry {key}; the first value is kept",
                "delete the repeated field", key=key)
            continue
        entry.fields[name] = _resolve(f.value, macros, file, line, diags, key)
    folded = key.casefold()
    previous = seen_keys.get(folded)
    if previous is not None:
        if previous.key == key:
            diags.warning(RuleId.DUPLICATE_KEY, file, line,
                          f"key {key} is already used at line {previous.line}; BibTeX would "
                          "drop this entry (pubsite keeps both)",
                          "give one of the two entries a different key", key=key)
        else:
            diags.warning(RuleId.DUPLICATE_KEY_CASE, file, line,
                          f"key {key} differs only in case from {previous.key} at line "
                          f"{previous.line}; BibTeX treats them as the same key",
                          "rename one of them", key=key)
    else:
        seen_keys[folded] = entry
    return entry


_TOKEN = re.compile(r'\s*(?:(\{)|(")|(\d+)|([^\s#{}"]+)|(#))')


class Macros(dict[str, str]):
    """The @string macros of one file, and what is left of the file's expansion budget:
    macro text is counted for the whole file, so a chain that doubles itself is cut once,
    however many values use it ("billion laughs")."""

    def __init__(self, text_size: int) -> None:
        super().__init__(MONTH_MACROS)
        self.left = MAX_FILE_EXPANSION + 4 * text_size
        self.cut = False


def _resolve(value: str, macros: Macros, file: str, line: int, diags: Diagnostics,
             key: str | None) -> str:
    """Resolve a raw BibTeX value: braces, quotes, numbers, macros and `#`."""
    v = value.strip()
    if not v:
        return ""
    if "#" not in v:
        if v[0] == "{" and v[-1] == "}":
            return v[1:-1]
        if v[0] == '"' and v[-1] == '"' and len(v) > 1:
            return v[1:-1]
        if v.isdigit():
            return v
    pieces: list[str] = []
    total = 0
    for text, from_macro in _parts(v, macros, file, line, diags, key):
        total += len(text)
        if from_macro:
            macros.left -= len(text)
        if total > MAX_EXPANSION or macros.left < 0:
            if not macros.cut:
                diags.error(RuleId.EXPANSION_TOO_LARGE, file, line,
                            "values grow past their limit through @string macros; the rest "
                            "was cut", "check the @string definitions for a chain that "
                            "doubles itself", key=key)
            macros.cut = macros.left < 0
            break
        pieces.append(text)
    return "".join(pieces)


def _parts(v: str, macros: Macros, file: str, line: int, diags: Diagnostics,
           key: str | None) -> Iterator[tuple[str, bool]]:
    """The parts of a value joined by `#`, each with whether a macro gave it."""
    i, n = 0, len(v)
    expect_value = True
    while i < n:
        m = _TOKEN.match(v, i)
        if not m:
            return
        i = m.end()
        if m.group(5):
            expect_value = True
            continue
        if not expect_value:
            diags.warning(RuleId.CONCATENATION, file, line,
                          f"missing '#' between parts of a value: {v[:60]}",
                          "join the parts with # or put them in one pair of braces", key=key)
        expect_value = False
        if m.group(1) or m.group(2):
            end = braces.closing(v, m.end() - 1) if m.group(1) else \
                braces.closing(v, m.end(), quote=True)
            yield v[m.end():end], False
            i = end + 1
        elif m.group(3):
            yield m.group(3), False
        else:
            found = macros.get(m.group(4).lower())
            if found is None:
                name = m.group(4)
                diags.warning(RuleId.UNDEFINED_STRING, file, line,
                              f"@string macro '{name}' is not defined; its name is shown as text",
                              f"define it with @string{{{name} = {{...}}}} or put the value "
                              "in braces", key=key)
            yield (m.group(4), False) if found is None else (found, True)


MAX_CROSSREF_DEPTH = 16  # BibTeX reads one level, biblatex a few; a chain of thousands is an attack


def _resolve_crossrefs(entries: list[RawEntry], diags: Diagnostics) -> None:
    """Each entry takes the fields it lacks from the entries its crossref chain names, up to
    MAX_CROSSREF_DEPTH of them, each giving its own fields (not those it inherited): a
    chain of n entries would otherwise cost n * n, and its fields too."""
    by_key = {e.key.casefold(): e for e in entries}
    too_deep: list[RawEntry] = []
    for entry in entries:
        ref = entry.fields.get("crossref")
        if ref is None:
            continue
        seen = {entry.key.casefold()}
        parent = by_key.get(ref.strip().casefold())
        if parent is None:
            diags.warning(RuleId.CROSSREF_MISSING, entry.file, entry.field_line("crossref"),
                          f"crossref '{ref}' names no entry in this file",
                          "add the cross-referenced entry or remove the crossref field",
                          key=entry.key)
            continue
        while parent is not None and parent.key.casefold() not in seen:
            if len(seen) > MAX_CROSSREF_DEPTH:
                too_deep.append(entry)
                break
            seen.add(parent.key.casefold())
            _inherit(entry, parent)
            nxt = parent.fields.get("crossref")
            parent = by_key.get(nxt.strip().casefold()) if nxt else None
        if parent is not None and parent.key.casefold() in seen:
            diags.warning(RuleId.CROSSREF_CYCLE, entry.file, entry.field_line("crossref"),
                          f"crossref chain from {entry.key} loops back on itself",
                          "remove the crossref that points back", key=entry.key)
    if too_deep:
        first = too_deep[0]
        diags.warning(RuleId.CROSSREF_DEPTH, first.file, first.field_line("crossref"),
                      f"the crossref chain from {first.key} (and {len(too_deep) - 1} more "
                      f"entries) is longer than {MAX_CROSSREF_DEPTH} entries; fields further "
                      "along are not inherited", "point each entry's crossref at the entry "
                      "that holds the shared fields (BibTeX reads one level)", key=first.key)


def _inherit(entry: RawEntry, parent: RawEntry) -> None:
    for name, value in parent.fields.items():
        if name in ("crossref", "ids") or name in parent.inherited:
            continue
        target = name
        if name == "title" and parent.entry_type in ("proceedings", "book", "collection",
                                                     "mvbook"):
            target = "booktitle"
        if target not in entry.fields:
            entry.fields[target] = value
            entry.inherited.add(target)
