"""BibTeX's name grammar, contribution marks and owner matching.

Splitting follows BibTeX 0.99d (x_format_name / von_token_found) on the raw LaTeX text, and
only then are the parts decoded: decoding first would strip the braces that keep
"{Barnes and Noble}" one name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from pubsite.model.site import Name
from pubsite.read import braces, latex

# A match starts only where a run of spaces does (the lookbehind): without it, each space of
# a long run would be tried as a start and scan the run again, quadratic in its length.
_AND_RE = re.compile(r"(?<![ \t\n\r\f\v])[ \t\n\r\f\v]+and[ \t\n\r\f\v]+", re.IGNORECASE)
_WS = " \t\n\r\f\v"


@lru_cache(maxsize=32768)
def split_authors(field: str) -> list[str]:
    """Split an author/editor field at ` and ` outside braces, in any case."""
    text = field.strip(_WS)
    if not text:
        return []
    if "{" not in text:
        return [p.strip(_WS) for p in _AND_RE.split(text)]
    out: list[str] = []
    start = 0
    opened = closed = counted = 0  # braces in text[:counted], counted once each
    for m in _AND_RE.finditer(text):
        # Only an "and" at brace depth 0 separates names (braces are counted in C).
        opened += text.count("{", counted, m.start())
        closed += text.count("}", counted, m.start())
        counted = m.start()
        if opened > closed:
            continue
        out.append(text[start:m.start()].strip(_WS))
        start = m.end()
    out.append(text[start:].strip(_WS))
    return out


@dataclass(frozen=True, slots=True)
class RawName:
    """Name parts as BibTeX splits them: lists of raw LaTeX tokens."""

    first: tuple[str, ...]
    von: tuple[str, ...]
    last: tuple[str, ...]
    jr: tuple[str, ...]
    warnings: tuple[str, ...] = ()


def _tokens(part: str) -> list[str]:
    """Split at whitespace and `~` outside braces."""
    return braces.split_top(part, _WS + "~", keep_empty=False)


def _split_commas(name: str) -> list[str]:
    return braces.split_top(name, ",")


_SPECIAL_LOWER = {"i", "j", "oe", "ae", "aa", "o", "l", "ss"}
_SPECIAL_UPPER = {"OE", "AE", "AA", "O", "L"}


def is_von_token(token: str) -> bool:
    """BibTeX's von_token_found: is the first cased letter lowercase?"""
    i = 0
    n = len(token)
    while i < n:
        c = token[i]
        if c == "{":
            if i + 1 < n and token[i + 1] == "\\":
                j = i + 2
                k = j
                while k < n and token[k].isascii() and token[k].isalpha():
                    k += 1
                cs = token[j:k]
                if cs in _SPECIAL_UPPER:
                    return False
                if cs in _SPECIAL_LOWER:
                    return True
                depth = 1
                while k < n and depth > 0:
                    ch = token[k]
                    if ch == "}":
                        depth -= 1
                    elif ch == "{":
                        depth += 1
                    elif ch.isupper():
                        return False
                    elif ch.islower():
                        return True
                    k += 1
                return False
            i = braces.closing(token, i) + 1
            continue
        if c.isupper():
            return False
        if c.islower():
            return True
        i += 1
    return False


@lru_cache(maxsize=65536)
def split_name(name: str) -> RawName:
    """Split one name into first/von/last/jr as BibTeX does, never failing."""
    warnings: list[str] = []
    parts = _split_commas(name)
    if _EXTENDED.match(parts[0]):
        return _extended(parts)
    if len(parts) > 1 and not parts[-1].strip(_WS):
        # BibTeX would read "Last, First," as jr=First; a stray comma is the likelier truth.
        warnings.append("trailing comma in name")
        while len(parts) > 1 and not parts[-1].strip(_WS):
            parts.pop()
    if len(parts) > 3:
        warnings.append("too many commas in name")
    toks = [_tokens(p) for p in parts]
    if len(toks) == 1:
        words = toks[0]
        n = len(words)
        if n == 0:
            return RawName((), (), (), (), tuple(warnings))
        von_start = 0
        while von_start < n - 1 and not is_von_token(words[von_start]):
            von_start += 1
        if von_start == n - 1:
            return RawName(tuple(words[:-1]), (), (words[-1],), (), tuple(warnings))
        von_end = n - 1
        while von_end > von_start and not is_von_token(words[von_end - 1]):
            von_end -= 1
        return RawName(tuple(words[:von_start]), tuple(words[von_start:von_end]),
                       tuple(words[von_end:]), (), tuple(warnings))
    head = toks[0]
    if len(toks) == 2:
        jr: list[str] = []
        first = toks[1]
    else:
        jr = toks[1]
        first = [t for ts in toks[2:] for t in ts]
    n = len(head)
    von_end = n - 1
    while von_end > 0 and not is_von_token(head[von_end - 1]):
        von_end -= 1
    if n and not head[n - 1:]:
        warnings.append("empty last name")
    return RawName(tuple(first), tuple(head[:von_end]), tuple(head[von_end:]), tuple(jr),
                   tuple(warnings))


def cite_form(raw: str) -> str:
    """The name as BibTeX can read it, for the BibTeX a visitor copies: as written where
    BibTeX reads it without complaint, else from its parts as pubsite read them
    (`Gearty, William,` has a trailing comma that stops `bibtex`; `Gearty, William` does not)."""
    parts = split_name(raw)
    last = " ".join((*parts.von, *parts.last))
    if not parts.warnings or not last:
        return raw
    first = " ".join(parts.first)
    if parts.jr:
        return f"{last}, {' '.join(parts.jr)}, {first}"
    return f"{last}, {first}" if first else last


_EXTENDED = re.compile(r"^\s*(?:family|given|prefix|suffix)\s*=", re.I)


def _extended(parts: list[str]) -> RawName:
    """biblatex's extended name format: `family=Badri, given=Mohamed Ali, prefix=al-`."""
    found: dict[str, tuple[str, ...]] = {}
    for part in parts:
        key, _, value = part.partition("=")
        value = value.strip(_WS)
        if value.startswith("{") and braces.closing(value, 0) == len(value) - 1:
            value = value[1:-1]
        found[key.strip(_WS).lower()] = tuple(_tokens(value))
    return RawName(found.get("given", ()), found.get("prefix", ()), found.get("family", ()),
                   found.get("suffix", ()))


def _join(tokens: tuple[str, ...]) -> str:
    return latex.decode(" ".join(tokens)) if tokens else ""


@lru_cache(maxsize=65536)
def decode_name(raw: str) -> tuple[Name, tuple[str, ...]]:
    """Split and decode a single raw name; also return BibTeX's warnings."""
    parts = split_name(raw)
    name = Name(_join(parts.first), _join(parts.von), _join(parts.last), _join(parts.jr))
    return name, parts.warnings


# --- names someone emphasised by hand --------------------------------------------------

_EMPHASIS = re.compile(r"\\(?:textbf|underline|uline|textit|emph)\s*\{|\{\\(?:bf|bfseries)\s+")
_BOLD_HINTS = ("\\textbf", "\\underline", "\\uline", "{\\bf")
MAX_EMPHASIS = 64  # more than this in one name: read in one pass (a real name has one or two)


@lru_cache(maxsize=65536)
def unwrap_emphasis(raw: str) -> tuple[str, bool]:
    """`\\textbf{Zhu, W.}`, `{\\bf Zhu}`, `\\underline{...}` inside a name give their text;
    True when the name was bolded or underlined by hand (people do that to their own)."""
    if "\\" not in raw:
        return raw, False
    if len(_EMPHASIS.findall(raw)) > MAX_EMPHASIS:
        return _unwrap_in_one_pass(raw)
    bold = False
    while m := _EMPHASIS.search(raw):
        bold = bold or m.group(0).startswith(_BOLD_HINTS)
        open_at = m.end() - 1 if m.group(0).endswith("{") else m.start()
        end = braces.closing(raw, open_at)
        raw = raw[:m.start()] + raw[m.end():end] + raw[end + 1:]
    return raw, bold


def _unwrap_in_one_pass(raw: str) -> tuple[str, bool]:
    """unwrap_emphasis for a name of thousands of commands: the loop there reads the rest of
    the name again for each. This pass differs only where taking a command out joins its
    neighbours into another (`\\emph\\textbf{{`), which no real name does."""
    bold = False
    out: list[str] = []
    groups: list[bool] = []  # for each open brace: does its closing brace end an emphasis?
    i = 0
    while i < len(raw):
        c = raw[i]
        m = _EMPHASIS.match(raw, i) if c in "\\{" else None
        if m:
            bold = bold or m.group(0).startswith(_BOLD_HINTS)
            groups.append(True)
            i = m.end()
            continue
        if c == "{":
            groups.append(False)
        elif c == "}" and groups and groups.pop():
            c = ""
        out.append(c)
        i += 1
    return "".join(out), bold


# --- contribution marks -------------------------------------------------------------

# One raised mark or several (`$^{*,\dagger}$`, `\textsuperscript{\dag}`), each as its symbol.
_ONE_MARK = r"(?:\*|\\(?:ast|star|dagger|ddagger|dag|ddag)\b)"
_MARK_GROUP = re.compile(
    r"\$\s*\^?\s*\{?\s*(" + _ONE_MARK + r"(?:\s*,?\s*" + _ONE_MARK + r")*)\s*\}?\s*\$"
    r"|\\textsuperscript\s*\{\s*\$?\s*(" + _ONE_MARK + r"(?:\s*,?\s*" + _ONE_MARK
    + r")*)\s*\$?\s*\}")
_MARK_SYMBOLS = {"*": "*", "ast": "*", "star": "*", "dagger": "†", "dag": "†", "ddagger": "‡",
                 "ddag": "‡"}


def _marks_written(m: re.Match[str]) -> str:
    group = m.group(1) or m.group(2)
    return "".join(_MARK_SYMBOLS[x.lstrip("\\")] for x in re.findall(_ONE_MARK, group))


_MARK_FORMS: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (_MARK_GROUP, _marks_written),
    (re.compile(r"\$\s*\^?\s*\{?\s*\\dagger\s*\}?\s*\$|\\textdagger\b|\\dag\b"), "†"),
    (re.compile(r"\$\s*\^?\s*\{?\s*\\ddagger\s*\}?\s*\$|\\textdaggerdbl\b|\\ddag\b"), "‡"),
    (re.compile(r"\^\s*\*"), "*"),
    (re.compile(r"\u2217"), "*"),  # "∗", the asterisk operator that PDFs give when copied
]
_PHRASES = [
    (re.compile(r"\(\s*(co-?first author|equal contribution|joint first author)\s*\)\s*$", re.I),
     "equal"),
    (re.compile(r"\(\s*(corresponding author|corresponding)\s*\)\s*$", re.I), "corresponding"),
]


@lru_cache(maxsize=65536)
def extract_marks(raw: str, symbols: tuple[tuple[str, str], ...]) -> tuple[str, tuple[str, ...]]:
    """Take contribution marks off the ends of a raw name and of each of its comma parts.

    `symbols` maps a mark symbol to its id (from the profile), longest first. Returns the
    cleaned name and the mark ids, each once, in the order found.
    """
    if not _might_have_mark(raw, symbols):
        return raw, ()
    text = raw
    for pattern, repl in _MARK_FORMS:
        text = pattern.sub(repl, text)
    found: list[str] = []
    for pattern, mark_id in _PHRASES:
        m = pattern.search(text)
        if m:
            found.append(mark_id)
            text = text[: m.start()]
    parts = [_strip_symbols(part, symbols, found) for part in _split_commas(text)]
    cleaned = ",".join(parts).strip(_WS)
    return cleaned, tuple(dict.fromkeys(found))


def _strip_symbols(part: str, symbols: tuple[tuple[str, str], ...], found: list[str]) -> str:
    # The text left is part[start:end]: taking a symbol off moves an index instead of copying
    # the rest, so a name followed by thousands of marks is read in one pass.
    lead = part[: len(part) - len(part.lstrip(_WS))]
    start, end = len(lead), max(len(part.rstrip(_WS)), len(lead))
    head: list[str] = []
    tail: list[str] = []  # taken off the end, in reverse of the written order
    changed = True
    while changed and start < end:
        changed = False
        for sym, mark_id in symbols:
            braced = "{" + sym + "}"
            if part.endswith(braced, start, end):
                end = _rstrip_at(part, start, end - len(braced))
                tail.append(mark_id)
            elif part.endswith(sym, start, end) and not part.endswith("\\" + sym, start, end):
                end = _rstrip_at(part, start, end - len(sym))
                tail.append(mark_id)
            elif part.startswith(sym, start, end):
                start += len(sym)
                while start < end and part[start] in _WS_TIE:
                    start += 1
                head.append(mark_id)
            else:
                continue
            changed = True
    found.extend(head + tail[::-1])
    return lead + part[start:end]


_WS_TIE = _WS + "~"


def _rstrip_at(text: str, start: int, end: int) -> int:
    """The end of text[start:end] without its trailing spaces and ties."""
    while end > start and text[end - 1] in _WS_TIE:
        end -= 1
    return end


def _might_have_mark(raw: str, symbols: tuple[tuple[str, str], ...]) -> bool:
    if "$" in raw or "\\text" in raw or "\\dag" in raw or "(" in raw or "^" in raw or "∗" in raw:
        return True
    return any(sym in raw for sym, _ in symbols)


def parse_annotations(value: str) -> dict[int, tuple[str, ...]]:
    """biblatex data annotations: `1=equal;2=equal,corresponding;3=highlight` (1-based)."""
    out: dict[int, tuple[str, ...]] = {}
    for item in value.split(";"):
        if "=" not in item:
            continue
        left, right = item.split("=", 1)
        left = left.split(":", 1)[0].strip()
        if not left.isdigit():
            continue
        labels = tuple(x.strip().strip('"').lower() for x in right.split(",") if x.strip())
        out[int(left)] = out.get(int(left), ()) + labels
    return out


# --- owner matching -------------------------------------------------------------------
#
# The owner is found the way people write their own name: in each entry, the authors whose
# family name is the owner's (accents, case, hyphens and spaces aside) and whose given names
# do not conflict with the owner's (initials with or without periods, one name more or
# fewer) are candidates; the best fitting one is the owner. See `Normaliser.authors`.

_STRIP_PUNCT = re.compile(r"[.\u2019'`]")
_SEP = re.compile(r"[\s\-\u2010\u2011\u2013]+")
# Letters NFKD does not take apart, and the dotless i a PDF gives before a combining accent.
_FOLD = str.maketrans({"ı": "i", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "đ": "d", "Đ": "D",
                       "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "þ": "th"})
_UPPER_INITIALS = re.compile(r"^[A-Z]{2,3}$")
EXACT = 1000  # the score of the owner's name or an alias as written


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFC", text).casefold()
    text = _STRIP_PUNCT.sub("", text)
    return _SEP.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lowercase letters without accents: what matching compares."""
    text = unicodedata.normalize("NFKD", text.translate(_FOLD))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _given_tokens(text: str) -> tuple[str, ...]:
    """"W.A." and "WA" give (w, a); "Jean-Luc" gives (jean, luc)."""
    out: list[str] = []
    for word in re.split(r"[\s.\-\u2010\u2011\u2013~]+", text):
        if not word:
            continue
        if _UPPER_INITIALS.match(word):
            out.extend(word.lower())
        else:
            out.append(fold(word))
    return tuple(w for w in (re.sub(r"[^\w]", "", t) for t in out) if w)


def _family_key(text: str) -> str:
    return re.sub(r"[^\w]", "", fold(text))


def _token_fit(a: str, b: str) -> int:
    """0: conflict; 1: an initial agrees; 2: the same name."""
    if a == b:
        return 2 if len(a) > 1 else 1
    if (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b)):
        return 1
    return 0


def _given_fit(mine: tuple[str, ...], theirs: tuple[str, ...]) -> int:
    """How many letters of agreement, or -1 where the given names conflict.

    The first names must agree; after them either list may hold names the other leaves out
    (a middle name or initial more or fewer), but those both write must agree, in order.
    """
    if not mine or not theirs:
        return 0
    first = _token_fit(mine[0], theirs[0])
    if not first:
        return -1
    short, long_ = sorted((mine[1:], theirs[1:]), key=len)
    total, j = first, 0
    for tok in short:
        while j < len(long_) and not _token_fit(tok, long_[j]):
            j += 1
        if j == len(long_):
            return -1
        total += _token_fit(tok, long_[j])
        j += 1
    return total


@dataclass(frozen=True, slots=True)
class _Form:
    family: str
    given: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OwnerMatcher:
    """Scores how well a name fits the site's owner; also spots near misses for validate."""

    keys: frozenset[tuple[str, str]]
    forms: tuple[_Form, ...] = ()
    match_initials: bool = True
    # The whole name in reading order, so that case changes that move BibTeX's part
    # boundaries ("hao zhang" has von "hao") still match.
    full_keys: frozenset[str] = frozenset()
    # The first of two surnames ("Carrillo" of Carrillo-Perez), as Spanish and Portuguese
    # writers cite themselves: the owner only with given names that agree.
    surnames: tuple[_Form, ...] = ()

    @classmethod
    def build(cls, name: str, aliases: tuple[str, ...] = (),
              match_initials: bool = True) -> OwnerMatcher:
        keys: set[tuple[str, str]] = set()
        forms: list[_Form] = []
        surnames: list[_Form] = []
        full: set[str] = set()
        for raw in (name, *aliases):
            if not raw.strip():
                continue
            parsed, _ = decode_name(raw)
            keys.add(_key(parsed))
            full.add(_norm(parsed.first_last()))
            forms.append(_Form(_family_key(parsed.family), _given_tokens(parsed.first)))
            parts = [p for p in _SEP.split(parsed.last) if p]
            if len(parts) > 1 and _family_key(parts[0]):
                surnames.append(_Form(_family_key(parts[0]), forms[-1].given))
        return cls(frozenset(keys), tuple(forms), match_initials, frozenset(full),
                   tuple(surnames))

    def score(self, name: Name) -> int:
        """0 where the name cannot be the owner's; EXACT for the name or an alias as
        written; otherwise 1 + the letters of given name that agree."""
        if _key(name) in self.keys or (not name.jr and _norm(name.first_last())
                                       in self.full_keys):
            return EXACT
        if not name.first and not name.von and " " in name.last.strip():
            return self._braced_whole(name.last)
        if not self.match_initials or name.jr:
            return 0
        # Most co-authors share no letters of the owner's family name: done in one test.
        whole = _family_key(f"{name.first}{name.von}{name.last}")
        if not any(form.family and form.family in whole
                   for form in (*self.forms, *self.surnames)):
            return 0
        best = 0
        longest = max(len(form.family) for form in self.forms)
        for family, given in _readings(name, longest):
            for form in self.forms:
                if family == form.family:
                    fit = _given_fit(form.given, given)
                    if fit >= 0:
                        best = max(best, 1 + fit)
        if not best and name.first:
            # One surname of two: a given name must agree, so "Maria Carrillo" stays plain.
            family = _family_key(name.family)
            best = max((_given_fit(form.given, _given_tokens(name.first))
                        for form in self.surnames if form.family == family), default=0)
        return max(best, 0)

    def _braced_whole(self, text: str) -> int:
        """`{Botha Hugo}` or `{Clark Heather M.}`: a name braced whole, so BibTeX reads it as
        one family name; its words are the owner's in either order, or it is not the owner."""
        words = text.split()
        return max(self.score(Name(" ".join(words[1:]), "", words[0], "")),
                   self.score(Name(" ".join(words[:-1]), "", words[-1], "")))

    def near_miss(self, name: Name) -> str | None:
        """Why this name looks like the owner without matching, or None."""
        first, family = _key(name)
        for kf, kl in self.keys:
            if (first, family) == (kl, kf):
                return "the owner's name in reversed order without a comma"
        if not self.match_initials and _is_initials(name.first) and any(
                f.family == _family_key(name.family) for f in self.forms):
            return "an initial form of the owner's name (set owner.match_initials or add an alias)"
        # The name as written (the first of its readings) is enough here.
        family_key, given = _family_key(name.family), _given_tokens(name.first)
        letters = [t[0] for t in given]
        for form in self.forms:
            owners = [t[0] for t in form.given]
            if family_key == form.family and len(given) > 1 and letters != owners \
                    and sorted(letters) == sorted(owners):
                return "the owner's name with the given names in another order"
            if form.given and family_key in form.given and form.family[:1] in letters:
                return "the owner's name with a given name written as the family name"
        whole = fold(first + " " + family)
        for kf, kl in self.keys:
            mine = fold(kf + " " + kl)
            if _one_edit(whole, mine) and len(kf + kl) > 4:
                return "one letter away from the owner's name"
            if _swapped(whole, mine) and len(kf + kl) > 4:
                return "two letters of the owner's name swapped"
        return None


def _readings(name: Name, longest: int) -> list[tuple[str, tuple[str, ...]]]:
    """(family, given names) as written, and with a compound or particle family name that
    BibTeX split off into the given names ("A. Meyer Gohde", "J. De Leeuw").

    Only families of at most `longest` letters (the owner's longest) can match, and a word
    with no letters changes neither part: the words taken into the family stop there, so a
    name of thousands of words gives a few readings, not one per word."""
    out = [(_family_key(name.family), _given_tokens(name.first))]
    words = name.first.split()
    keys = [_family_key(w) for w in words]
    family = out[0][0]
    for k in range(1, len(words) + 1):
        if not keys[-k]:
            continue  # the reading of k - 1 words again
        # The key of words joined by spaces is the keys joined: fold and \w work per letter.
        family = keys[-k] + family
        if len(family) > longest:
            break
        out.append((family, _given_tokens(" ".join(words[:-k]))))
    if words and not name.von and all(_is_initials_word(w) for w in [*words[1:], name.last]):
        # "Wall W.A.", "Wall W. A.", "Wall WA": family name first, initials after, no comma.
        out.append((_family_key(words[0]), _given_tokens(" ".join([*words[1:], name.last]))))
    # "Am Trevail" from a tool that capitalised the initials "AM".
    runs = [(f, tuple(c for t in g for c in (t if 1 < len(t) <= 3 else (t,)))) for f, g in out]
    return out + runs


def _is_initials_word(text: str) -> bool:
    return bool(_UPPER_INITIALS.match(text)) or _is_initials(text)


def _key(name: Name) -> tuple[str, str]:
    return _norm(name.first), _norm(name.family)


def _is_initials(first: str) -> bool:
    words = [w for w in _SEP.split(first.replace(".", " ")) if w]
    return bool(words) and all(len(w) == 1 for w in words)


def _swapped(a: str, b: str) -> bool:
    """`a` is `b` with two neighbouring letters exchanged (a typing slip)."""
    if len(a) != len(b) or a == b:
        return False
    diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] \
        and a[diff[1]] == b[diff[0]]


def _one_edit(a: str, b: str) -> bool:
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if len(a) > len(b):
        a, b = b, a
    return any(a == b[:i] + b[i + 1:] for i in range(len(b)))
