"""LaTeX to Unicode for the fields that are rendered as text.

pylatexenc does the decoding; it is slow, so plain text skips it and repeated strings
(author names above all) are memoised. URL-like fields must never pass through here:
LaTeX reads `%` as a comment and `~` as a space, which damages URLs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from pubsite.model.cleantext import strip_invisible
from pubsite.read import braces
from pubsite.read import latexmacros as macros

_LATEX_CHARS = frozenset("\\{}$~^_&%#")
_LIGATURES = ("--", "``", "''", "!`", "?`")
_WS = re.compile(r"\s+")

_converter: Any = None
# Text holding TeX's file or catcode primitives is shown exactly as written: the reader
# (and `validate`) should see what the data holds, and every exporter escapes it.
PRIMITIVES = re.compile(
    r"\\(?:input|include|write\d*|immediate|openin|openout|read|catcode|csname|def|edef|"
    r"gdef|newwrite|newread|directlua|special|usepackage|documentclass|end|begin|loop)"
    r"(?![a-zA-Z])|\^\^[0-9a-f]{2}|\^\^[@-_]"
)


def _get_converter() -> Any:
    global _converter
    if _converter is None:
        from pylatexenc.latex2text import (
            LatexNodes2Text,
            MacroTextSpec,
            get_default_latex_context_db,
        )
        from pylatexenc.latexwalker import get_default_latex_context_db as walker_db
        from pylatexenc.macrospec import std_macro

        class _KeepText(LatexNodes2Text):  # type: ignore[misc]
            """An unknown command keeps its arguments' text (pylatexenc drops it)."""

            def macro_node_to_text(self, node: Any) -> str:
                if self.latex_context.get_macro_spec(node.macroname) is None:
                    args = node.nodeargd.argnlist if node.nodeargd else []
                    return "".join(self._groupnodecontents_to_text(n) for n in args if n)
                return str(super().macro_node_to_text(node))

        db = get_default_latex_context_db()
        table = {**macros.LOGOS, **macros.AAS_JOURNALS}
        db.add_context_category(
            "pubsite",
            prepend=True,
            macros=[
                MacroTextSpec("url", simplify_repl="%s"),
                # \href{url}{text}: the text (a link field gives its URL elsewhere).
                MacroTextSpec("href", simplify_repl="%(2)s"),
                *(MacroTextSpec(n, simplify_repl="") for n in macros.SILENT),
                *(MacroTextSpec(n, discard=False) for n in macros.TEXT_OF_ARGUMENT),
                *(MacroTextSpec(n, simplify_repl="\u201c%s\u201d") for n in macros.QUOTED),
                *(MacroTextSpec(n, simplify_repl=v.replace("%", "%%"))
                  for n, v in table.items()),
            ],
        )
        wdb = walker_db()
        wdb.add_context_category(
            "pubsite",
            prepend=True,
            macros=[std_macro("href", False, 2),
                    *(std_macro(n, True, 1) for n in ("hspace", "vspace", "phantom",
                                                     "hphantom", "vphantom", "noopsort",
                                                     "label", "index", "nocite")),
                    *(std_macro(n, False, 1) for n in (*macros.TEXT_OF_ARGUMENT,
                                                      *macros.QUOTED)
                      if n not in ("makebox",))],
        )
        text = _KeepText(latex_context=db, math_mode="text",
                         strict_latex_spaces=False, keep_comments=False)
        _converter = (text, wdb)
    return _converter


@lru_cache(maxsize=4096)
def is_known(command: str) -> bool:
    """Whether the decoder knows what `\\command` prints (else it keeps the text of its
    arguments, and `validate` names it)."""
    if command in _NAMED or command in _ACCENTS:
        return True
    conv, _ = _get_converter()
    return conv.latex_context.get_macro_spec(command) is not None


# --- before the parser: what pylatexenc reads wrongly or not at all ------------------------

# Zotero's Better BibTeX and some web exports escape a backslash twice (`\\&`, `$\\beta$`):
# `\\` (a line break) before `&`, `%`, `$`, `#`, `_`, a command name or an accent on a
# letter (`{\\"o}`, `Ren{\\'e}`) is never meant.
_DOUBLE_ESCAPE = re.compile(r"\\\\(?=([&%$#_]|[A-Za-z]+|[\"'^`~=.](?=\s*\{?\s*[A-Za-z\\])))")


def double_escapes(text: str) -> int:
    """How many `\\` of the text are a doubled escape (see `single_escapes`)."""
    if "\\\\" not in text:
        return 0
    return sum(1 for m in _DOUBLE_ESCAPE.finditer(text) if _doubled(m))


def first_double_escape(text: str) -> str:
    r"""The first doubled escape of the text as written (`\\&`, `\\beta`, `\\"`), "" if none."""
    if "\\\\" in text:
        for m in _DOUBLE_ESCAPE.finditer(text):
            if _doubled(m):
                return "\\\\" + m.group(1)
    return ""


def single_escapes(text: str) -> str:
    r"""The text with each doubled escape written once: `\\&` as `\&`, `\\beta` as
    `\beta`; a line break before a word that is no command (`one\\two`) stays."""
    if "\\\\" not in text:
        return text
    return _DOUBLE_ESCAPE.sub(lambda m: "\\" if _doubled(m) else m.group(0), text)


def _doubled(m: re.Match[str]) -> bool:
    word = m.group(1)
    return not word[0].isalpha() or is_known(word)


_SPACING = re.compile(
    r"\\(?:kern|mkern|hskip|vskip|mskip|raise|lower|moveleft|moveright|penalty)\s*"
    r"-?\s*(?:\d+(?:\.\d*)?|\.\d+)\s*(?:em|ex|pt|mu|mm|cm|in|bp|sp|pc|dd|cc)?"
    r"(?:\s*(?:plus|minus)\s*-?[\d.]+\s*(?:em|ex|pt|mu|fil+)?)*")
_SOFT = re.compile(r"\\[-/]")  # \- (a hyphenation point), \/ (italic correction)
_TIE = re.compile(r"\\t\s*\{\s*(\S)\s*(\S)\s*\}")  # \t{oo}: a tie over two letters
_SUP = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUB = str.maketrans("0123456789+-=()aeox", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₒₓ")
_SCRIPT = re.compile(
    r"(?<![\\])([\^_])\s*(?:\{\s*(?:\\(?:mbox|text|mathrm|textrm)\s*)?\{?([^{}\\]*)\}?\s*\}"
    r"|\\(?:mbox|text|mathrm|textrm)\s*\{([^{}\\]*)\}|([0-9+\-=()n]))")
_TEXT_SCRIPT = re.compile(r"\\text(super|sub)script\s*\{([^{}\\]*)\}")
_HTML_TAG = re.compile(r"</?(?:b|i|em|strong|sup|sub|span|p|br|u|tt|code|small)\b[^<>]*>", re.I)
_HTML_SCRIPT = re.compile(r"<(sup|sub)>([^<>]*)</\1>", re.I)


def _script(kind: str, body: str) -> str | None:
    table = _SUP if kind in ("^", "super") else _SUB
    body = body.strip()
    out = body.translate(table)
    if not body or any(a == b for a, b in zip(body, out, strict=True)):
        return None  # a letter with no Unicode form: the source stays readable
    return out


_DBLP = (("{\\textbackslash}", "\\"), ("\\textbackslash{}", "\\"), ("{\\textdollar}", "$"),
         ("\\textdollar{}", "$"), ("{\\^{}}", "^"), ("{\\_}", "_"), ("\\{", "{"), ("\\}", "}"))


def _unescape_dblp(text: str) -> str:
    """DBLP escapes the LaTeX of a title ("{\\textbackslash}mathrm\\{AC\\}"): the writer
    meant the LaTeX, so it is read as LaTeX."""
    for a, b in _DBLP:
        text = text.replace(a, b)
    return text


def _prepare(text: str) -> str:
    """Spacing and kerning dropped, ties and super/subscripts in Unicode where it has them,
    HTML pasted into a field read as markup."""
    if "\\textbackslash" in text:
        text = _unescape_dblp(text)
    if "<" in text:
        text = _HTML_SCRIPT.sub(lambda m: _script("super" if m.group(1).lower() == "sup"
                                                  else "sub", m.group(2)) or m.group(2), text)
        text = _HTML_TAG.sub("", text)
    if "\\" in text:
        text = _SPACING.sub("", text)
        text = _SOFT.sub("", text)
        text = _TIE.sub(lambda m: m.group(1) + "\u0361" + m.group(2), text)
        text = _TEXT_SCRIPT.sub(lambda m: _script(m.group(1), m.group(2)) or m.group(2), text)
        text = raised_marks(text)
    if "`" in text:  # TeX's single quotes: `like this' prints ‘like this’
        text = _TEX_QUOTE.sub("\u2018\\1\u2019", text)
    if ("^" in text or "_" in text) and ("$" in text or "\\(" in text):
        # Only in math: outside it "file_1" is an underscore someone typed.
        pieces, at = [], 0
        for start, end in math_spans(text):
            math = _MATH_MARK.sub(lambda m: _MARKS[m.group(1)], text[start:end])
            pieces += [text[at:start], _SCRIPT.sub(_scripted, math)]
            at = end
        text = "".join(pieces) + text[at:]
    return text


_TEX_QUOTE = re.compile(r"(?<!`)`([^`'\n]+)'(?!')")
# A raised star or dagger in math (`$^\star$`, `$^{\dagger}$`) is the mark itself; Unicode
# has no superscript form of them, and `^⋆` would show the caret.
# A raised circle (`$^\circ$C`) is a degree sign, which Unicode has.
_MATH_MARK = re.compile(r"\^\s*\{?\s*\\(star|ast|dagger|ddagger|dag|ddag|circ)\b\s*\}?")
_TEXT_MARK = re.compile(r"\\textsuperscript\s*\{\s*\\(star|ast|dagger|ddagger|dag|ddag|circ)\b"
                        r"\s*\}")
_MARKS = {"star": "*", "ast": "*", "dagger": "†", "ddagger": "‡", "dag": "†", "ddag": "‡",
          "circ": "°"}


def raised_marks(text: str) -> str:
    r"""`\textsuperscript{\dagger}` as the mark itself (`validate` then sees no command)."""
    return _TEXT_MARK.sub(lambda m: _MARKS[m.group(1)], text) if "\\textsup" in text else text


def math_spans(text: str) -> list[tuple[int, int]]:
    r"""The math of a text, `$...$` or `\(...\)`, as `\$[^$]*\$|\\\(.*?\\\)` (dot matching
    newlines) finds it, in one pass: the pattern read on to the end from each `\(` that
    nothing closes. A `$` or `\(` that finds no end now ends the search for its kind."""
    spans: list[tuple[int, int]] = []
    last_close = text.rfind("\\)")
    at = 0
    dollar = paren = -2  # the next `$` and `\(` at or after `at`; -1: none that closes
    pair = -1  # the `$` after `dollar`
    while True:
        if -1 != dollar < at:
            dollar = text.find("$", at)
            pair = text.find("$", dollar + 1) if dollar >= 0 else -1
            dollar = dollar if pair >= 0 else -1
        if -1 != paren < at:
            paren = text.find("\\(", at)
            paren = paren if 0 <= paren <= last_close - 2 else -1
        if dollar < 0 and paren < 0:
            return spans
        if paren < 0 or 0 <= dollar < paren:
            spans.append((dollar, pair + 1))
        else:
            spans.append((paren, text.find("\\)", paren + 2) + 2))
        at = spans[-1][1]


def _scripted(m: re.Match[str]) -> str:
    body = next(g for g in m.groups()[1:] if g is not None)  # `^{1}`, `^\textrm{1}`, `^1`
    return _script(m.group(1), body) or m.group(0)


def needs_decoding(text: str) -> bool:
    if not _LATEX_CHARS.isdisjoint(text):
        return True
    return any(lig in text for lig in _LIGATURES)


# pylatexenc is recursive and superlinear on long input: longer text is decoded in pieces
# cut at whitespace outside braces, which keeps the meaning and the cost linear.
CHUNK = 4000


def decode(text: str) -> str:
    """Decode LaTeX markup to NFC Unicode with whitespace collapsed."""
    text = single_escapes(text)
    if ("<" in text or "^" in text or "_" in text or "\\" in text or "`" in text) \
            and not PRIMITIVES.search(text):
        text = _prepare(text)
    if needs_decoding(text) and not PRIMITIVES.search(text):
        if "%" in text:
            # On a web page "25%" means a percent sign, not a LaTeX comment that would
            # silently drop the rest of the field.
            text = _BARE_PERCENT.sub(r"\\%", text)
        fast = _fast_decode(text)
        if fast is not None:
            text = fast
        elif len(text) > CHUNK:
            text = " ".join(_decode_latex(piece) for piece in _pieces(text))
        else:
            text = _decode_latex(text)
    if text.isascii() and text.isprintable() and "  " not in text:
        return text.strip()  # nothing to collapse, strip or compose
    text = _WS.sub(" ", strip_invisible(text)).strip()
    return unicodedata.normalize("NFC", text)


def _pieces(text: str) -> list[str]:
    """Long text in pieces of about CHUNK characters, cut only between words outside
    braces (pylatexenc's time grows faster than the text). A group never closed is cut
    anyway, its braces dropped: meaning is lost there, but the cost stays bounded."""
    out: list[str] = []
    held: list[str] = []
    size = 0
    for word in braces.split_top(text, " \n"):
        if len(word) > CHUNK * 4:
            out.extend(strip_braces(" ".join(part)) for part in
                       _batched(word.split(), CHUNK))
            continue
        held.append(word)
        size += len(word) + 1
        if size > CHUNK:
            out.append(" ".join(held))
            held, size = [], 0
    out.append(" ".join(held))
    return out


def _batched(words: list[str], size: int) -> list[list[str]]:
    batches: list[list[str]] = [[]]
    held = 0
    for w in words:
        if held > size:
            batches.append([])
            held = 0
        batches[-1].append(w)
        held += len(w) + 1
    return batches


_ACCENTS = {
    "`": "\u0300", "'": "\u0301", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "b": "\u0331", "d": "\u0323",
}
_NAMED = {
    "ss": "ß", "o": "ø", "O": "Ø", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "aa": "å",
    "AA": "Å", "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ", "textendash": "–", "textemdash": "—",
}
_NAMED_RE = re.compile(r"\\(" + "|".join(sorted(_NAMED, key=len, reverse=True))
                       + r")(?![A-Za-z])(?:\{\}|\s*)")
_ACCENT_RE = re.compile(r"\\([`'^\"~=.]|[uvHckrbd](?![A-Za-z]))\s*"
                        r"(?:\{\s*(\\[ij](?![A-Za-z])\s*|[^{}\\\s])\s*\}"
                        r"|(\\[ij](?![A-Za-z])\s*|[^{}\\\s]))")
_BARE_PERCENT = re.compile(r"(?<!\\)%")
_ESCAPES = re.compile(r"\\([&%_#${}])")
_PUNCT = (("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"), ("~", " "))


def _fast_decode(text: str) -> str | None:
    """The common subset (accents, named letters, escapes, dashes, braces) without a
    parser; None when anything else is present, for pylatexenc to handle."""
    # Kept: without it a cold build of 1,000 entries took 23.3x the bare parse, not 11.3x.
    if "$" in text:
        return None
    out = text
    for _ in range(3):  # nested accents: {\~{\^e}}
        new = _replace_each_distinct(_ACCENT_RE, out, _accent)
        if new == out:
            break
        out = new
    out = _replace_each_distinct(_NAMED_RE, out, lambda m: _NAMED[m.group(1)])
    # Escaped braces must survive the removal of grouping braces: park them meanwhile.
    out = _ESCAPES.sub(lambda m: _PARKED.get(m.group(1), m.group(1)), out)
    if "\\" in out:
        return None
    out = out.replace("{", "").replace("}", "")
    for a, b in _PUNCT:
        out = out.replace(a, b)
    return out.replace("\ue000", "{").replace("\ue001", "}")


_PARKED = {"{": "\ue000", "}": "\ue001"}


def _replace_each_distinct(pattern: re.Pattern[str], text: str,
                           repl: Callable[[re.Match[str]], str]) -> str:
    """Like pattern.sub, but each distinct match is replaced everywhere at once with
    str.replace: a field holds few distinct accents but may hold millions of them."""
    pos = 0
    seen: set[str] = set()
    while True:
        m = pattern.search(text, pos)
        if m is None:
            return text
        token = m.group(0)
        if token in seen:  # replaced already; only a new context can make it reappear
            pos = m.end()
            continue
        seen.add(token)
        replacement = repl(m)
        text = text[:m.start()] + text[m.start():].replace(token, replacement)
        pos = m.start() + len(replacement)


def _accent(m: re.Match[str]) -> str:
    base = (m.group(2) or m.group(3)).strip()
    if base in ("\\i", "\\j"):
        base = base[1]  # an accent on a dotless i is written on i
    return base + _ACCENTS[m.group(1)]


def _decode_latex(text: str) -> str:
    fast = _fast_decode(text)
    if fast is not None:
        return fast
    from pylatexenc.latexwalker import LatexWalker

    conv, wdb = _get_converter()
    try:
        nodes = next(_walked(LatexWalker, text, wdb))
        out: str = conv.nodelist_to_text(nodes)
    except Exception:  # pylatexenc raises assorted errors on broken input
        out = text.replace("{", "").replace("}", "")
    # A non-breaking space from `~` is what LaTeX means, but it surprises every reader of
    # plain text and Markdown: fold it to a space.
    return out.replace("\u00a0", " ")


def _walked(walker: Any, text: str, wdb: Any) -> Iterator[Any]:
    """pylatexenc's nodes for `text`, from a generator left unfinished. The walker keeps
    the exception that ends its stream, and so its own frame, in a reference cycle; a
    frame in a cycle keeps its caller's, up the whole stack, with their variables (the
    load's: the file's text, the checks' findings) until a collection, and every worker
    forked before it collected them again (41,105 objects, 25-94 ms a process, on 10,000
    entries). The frame of a generator dropped while suspended has no caller."""
    yield walker(text, latex_context=wdb, tolerant_parsing=True).get_latex_nodes()[0]


def strip_braces(text: str) -> str:
    return text.replace("{", "").replace("}", "")


def case_protected(raw: str) -> list[tuple[str, bool]]:
    """A BibTeX title decoded in pieces, each with whether braces protect its case: a
    brace group at the top level that is not a command's argument nor a "special
    character" (`{\\"u}`), as BibTeX's change.case$ reads it. Spaces between pieces kept."""
    pieces: list[tuple[str, bool]] = []
    start = i = 0
    while i < len(raw):
        if raw[i] == "{" and not _is_argument(raw, i) and raw[i + 1:i + 2] != "\\":
            end = braces.closing(raw, i)
            pieces.append((raw[start:i], False))
            pieces.append((raw[i + 1:end], True))
            start = i = end + 1
        elif raw[i] == "{":
            i = braces.closing(raw, i) + 1
        else:
            i += 1
    pieces.append((raw[start:], False))
    out: list[tuple[str, bool]] = []
    for text, protected in pieces:
        shown = decode(text)
        if shown:
            lead = " " if text[:1].isspace() else ""
            trail = " " if text[-1:].isspace() else ""
            out.append((lead + shown + trail, protected))
    return out


def _is_argument(raw: str, i: int) -> bool:
    """Whether the `{` at i opens a command's argument (`\\emph{`, `\\"{`, `\\href{}{`)."""
    before = raw[:i].rstrip()
    return bool(re.search(r"\\(?:[A-Za-z]+|.)\s*(?:\{[^{}]*\})*$", before))
