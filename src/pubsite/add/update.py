"""`pubsite add SOURCE --update KEY`: a preprint turned into the paper. The new metadata
must be the same work (its title close to the old one's, its first author the same);
the entry keeps its key, its homepage fields (links, notes, awards, `selected`, the
abstract the owner wrote, the arXiv id), and the marks its authors had (co-first stars,
corresponding daggers, a name bolded by hand, biblatex's `author+an`), moved to the same
people in the new author list."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from difflib import SequenceMatcher

from pubsite.add import entry
from pubsite.errors import EXIT_INPUT, PubsiteError
from pubsite.model import identifiers
from pubsite.read import braces, latex, names
from pubsite.read.bib import RawEntry

# What describes the work itself: replaced when a preprint becomes the paper. Everything
# else (links, notes, awards, selected, abstract, the arXiv id) is the homepage's: the old
# entry's value is kept, also over one the new metadata has.
BIBLIOGRAPHIC = frozenset({
    "title", "author", "journal", "journaltitle", "booktitle", "eventtitle", "venue", "abbr",
    "year", "month", "date", "volume", "number", "issue", "pages", "publisher", "address",
    "series", "doi", "howpublished", "eprint", "eprinttype", "archiveprefix", "primaryclass",
    "status", "pubstate", "school", "institution", "edition", "editor", "organization"})
# Below this likeness of two titles they are different works (see `title_likeness`).
SAME_TITLE = 0.5
# With another first author, the titles must be this alike.
SAME_TITLE_OTHER_FIRST = 0.9

Symbols = tuple[tuple[str, str], ...]


def merged(old: RawEntry, new: entry.Entry, symbols: Symbols) -> entry.Entry:
    """The new work's fields, the old key, the old entry's own fields, its authors' marks."""
    refuse_other_work(old, new, symbols)
    mine = [(k, v) for k, v in raw_fields(old)
            if k not in BIBLIOGRAPHIC and not (k == "note" and says_preprint(v))]
    kept = {k for k, _ in mine}
    authors, moved = _marked_authors(old, new, symbols)
    fields = [(k, authors if k == "author" else v) for k, v in new.fields if k not in kept]
    own = [(k, _annotations(v, moved) if k == "author+an" else v) for k, v in mine]
    return replace(new, key=old.key, fields=tuple(fields + [(k, v) for k, v in own if v]))


# What a note that only says "this is a preprint" is made of (an arXiv id aside).
_PREPRINT_WORDS = frozenset({"preprint", "arxiv", "eprint", "e", "print", "a", "an", "on",
                             "at", "in"})


def says_preprint(note: str) -> bool:
    """Whether a note only says the work is a preprint ("Preprint", "arXiv preprint
    arXiv:1312.6177"): the published paper drops it."""
    words = [w for w in re.split(r"[\s,;()]+", latex.decode(note)) if w]
    ids = [w for w in words if identifiers.is_arxiv(w.rstrip("."))]
    plain = set(_words(" ".join(w for w in words if w not in ids)))
    return plain <= _PREPRINT_WORDS and bool(ids or plain & {"preprint", "arxiv", "print"})


def refuse_other_work(old: RawEntry, new: entry.Entry, symbols: Symbols) -> None:
    """A one-line refusal when the new metadata is clearly another work than `old`."""
    likeness = title_likeness(old.fields.get("title", ""), new.get("title"))
    theirs = [_family(n, symbols) for n in names.split_authors(old.fields.get("author", ""))]
    ours = [_family(n, symbols) for n in names.split_authors(new.get("author"))]
    same_first = bool(theirs and ours and theirs[0] == ours[0])
    if likeness >= SAME_TITLE_OTHER_FIRST or (likeness >= SAME_TITLE and same_first):
        return
    differ = "title and first author differ" if not same_first else "title differs"
    raise PubsiteError(
        f"--update {old.key}: the metadata is another work ({differ}: "
        f"{_plain(new.get('title'))!r} by {_first(new.get('author'), symbols)}, not "
        f"{_plain(old.fields.get('title', ''))!r} by "
        f"{_first(old.fields.get('author', ''), symbols)}); nothing was written. Check the "
        "identifier and the key, add it without --update as a new entry, or, if it is the same "
        f"work renamed, set {old.key}'s title to the new one first", EXIT_INPUT)


def title_likeness(a: str, b: str) -> float:
    """0 to 1: how alike two titles are as words (case, braces, accents, punctuation
    aside): the larger of their sequence likeness and the share of the shorter title's
    words the other has (a preprint's title often grows: "X" becomes "X via Y")."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return 0.0
    share = len(set(wa) & set(wb)) / min(len(set(wa)), len(set(wb)))
    return max(SequenceMatcher(None, " ".join(wa), " ".join(wb)).ratio(), share)


def _first(authors: str, symbols: Symbols) -> str:
    """The first author's family name as readers see it."""
    found = names.split_authors(authors)
    if not found:
        return "no author"
    parts = names.split_name(names.extract_marks(names.unwrap_emphasis(found[0])[0],
                                                 symbols)[0])
    return _plain(" ".join(parts.von + parts.last))


def _plain(tex: str) -> str:
    return " ".join(latex.decode(tex).split())


def _words(tex: str) -> list[str]:
    text = unicodedata.normalize("NFKD", latex.decode(tex)).casefold()
    return re.findall(r"[^\W_]+", "".join(c for c in text if not unicodedata.combining(c)))


def _family(raw: str, symbols: Symbols) -> str:
    """A name's family name as a key: its marks and emphasis off, folded."""
    cleaned = names.extract_marks(names.unwrap_emphasis(raw)[0], symbols)[0]
    parts = names.split_name(cleaned)
    return " ".join(_words(" ".join(parts.von + parts.last)))


def _marked_authors(old: RawEntry, new: entry.Entry,
                    symbols: Symbols) -> tuple[str, dict[int, int]]:
    """The author list to write, and where each old author (1-based) now stands. The same
    people (as many, each the same family name with compatible initials): the old list as
    the file wrote it. Otherwise the new list, each author that is one of the old ones
    written as the old entry wrote them (their marks, their emphasis, their spelling)."""
    before = [" ".join(n.split()) for n in names.split_authors(old.fields.get("author", ""))]
    after = names.split_authors(new.get("author"))
    if len(before) == len(after) and all(
            _same_person(a, b, symbols) for a, b in zip(before, after, strict=True)):
        return " and ".join(before), {i: i for i in range(1, len(before) + 1)}
    where: dict[int, int] = {}
    for i, raw in enumerate(before, 1):
        j = next((j for j, n in enumerate(after, 1) if j not in where.values()
                  and _same_person(raw, n, symbols)), 0)
        if j:
            where[i] = j
            after[j - 1] = raw
    return " and ".join(after), where


def _same_person(a: str, b: str, symbols: Symbols) -> bool:
    """The same family name, and given names whose initials agree as far as both go
    ("Chris" and "C. M.", "Pierre-Nicholas" and "P.-N.")."""
    if _family(a, symbols) != _family(b, symbols):
        return False
    ia, ib = _initials(a, symbols), _initials(b, symbols)
    shorter = min(len(ia), len(ib))
    return ia[:shorter] == ib[:shorter]


def _initials(raw: str, symbols: Symbols) -> list[str]:
    cleaned = names.extract_marks(names.unwrap_emphasis(raw)[0], symbols)[0]
    return [w[0] for w in _words(" ".join(names.split_name(cleaned).first))]


def _annotations(value: str, moved: dict[int, int]) -> str:
    """biblatex's `author+an` with each author's number moved to where they now stand;
    an author no longer in the list loses theirs."""
    items = []
    for item in value.split(";"):
        left, sep, right = item.partition("=")
        number, colon, part = left.strip().partition(":")
        if sep and number.isdigit() and int(number) in moved:
            items.append(f"{moved[int(number)]}{colon}{part}={right.strip()}")
    return ";".join(items)


_RAW_FIELD = re.compile(r"([A-Za-z][\w\-:.+]*)\s*=\s*")


def raw_fields(e: RawEntry) -> list[tuple[str, str]]:
    """An entry's fields as its source writes them (braces, macros and all)."""
    out: list[tuple[str, str]] = []
    text = e.raw
    pos = text.index(",") + 1 if "," in text else len(text)
    while (m := _RAW_FIELD.search(text, pos)) is not None:
        start = m.end()
        if text[start:start + 1] == "{":
            end = braces.closing(text, start)
            value = text[start + 1:end]
            pos = end + 1
        else:
            stop = re.search(r",\s*(?=[A-Za-z][\w\-:.+]*\s*=)|\s*}\s*$", text[start:])
            value = text[start:start + stop.start()] if stop else text[start:]
            pos = start + (stop.end() if stop else len(text))
        out.append((m.group(1).lower(), value))
    return out
