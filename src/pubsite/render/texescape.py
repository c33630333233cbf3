"""The one LaTeX escaper: no text from the data can form a command.

ASCII specials become their text commands; every other non-ASCII character goes through
pylatexenc's table (ü -> {\\"u}); what has no LaTeX form under pdflatex becomes "?".
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import quote

_SPECIALS = {
    "\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
    "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", '"': r"\textquotedbl{}",
    "\n": " ", "\t": " ", "\r": " ",
}
_ASCII_TABLE = {ord(k): v for k, v in _SPECIALS.items()}
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_COMBINING = {
    "\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0304": "=",
    "\u0307": ".", "\u0306": "u", "\u030c": "v", "\u030b": "H", "\u0327": "c", "\u0328": "k",
    "\u030a": "r", "\u0331": "b", "\u0323": "d",
}


def _unknown(ch: str) -> str:
    decomposed = unicodedata.normalize("NFD", ch)
    base, marks = decomposed[0], decomposed[1:]
    if marks and base.isascii() and all(m in _COMBINING for m in marks):
        out = base
        for m in marks:
            out = f"\\{_COMBINING[m]}{{{out}}}"
        return "{" + out + "}"
    return "?"


@lru_cache(maxsize=1)
def _encoder() -> Any:
    from pylatexenc.latexencode import UnicodeToLatexEncoder

    logging.getLogger("pylatexenc").setLevel(logging.ERROR)
    return UnicodeToLatexEncoder(non_ascii_only=True, unknown_char_policy=_unknown,
                                 replacement_latex_protection="braces-all")


@lru_cache(maxsize=65536)
def tex_escape(text: str) -> str:
    text = _CONTROLS.sub("", unicodedata.normalize("NFC", text).replace("\n", " "))
    out = text.translate(_ASCII_TABLE)
    if not out.isascii():
        out = _CYRILLIC_RUN.sub(_cyrillic, out)
        out = "".join(c if c.isascii() else _char(c) for c in out)
    return out


# pylatexenc gives a few letters a math command that pdflatex refuses in text.
_TEXT_FORMS = {"\u025b": "{\\textepsilon}", "\u0278": "{\\textphi}"}
_MATH_ONLY = re.compile(r"\{\\(?:var)?(?:alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|"
                        r"kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|upsilon|phi|chi|psi|omega)\}")


@lru_cache(maxsize=4096)
def _char(c: str) -> str:
    found = _TEXT_FORMS.get(c)
    if found:
        return found
    latex = str(_encoder().unicode_to_latex(c))
    if _MATH_ONLY.fullmatch(latex):
        return "{\\ensuremath" + latex + "}"
    return latex


# Cyrillic letters exist only in the T2A font encoding: each run of them switches to it
# (the preamble loads it: see _NEEDS).
_CYRILLIC_RUN = re.compile("[\u0400-\u04ff]+(?:[ ,.-]+[\u0400-\u04ff]+)*")


def _cyrillic(m: re.Match[str]) -> str:
    encoded = "".join(c if c.isascii() else _char(c) for c in m.group())
    return "{\\fontencoding{T2A}\\selectfont " + encoded + "}"


_URL_TABLE = {ord("\\"): "%5C", ord("{"): "%7B", ord("}"): "%7D", ord(" "): "%20",
              ord("^"): "%5E", ord("|"): "%7C", ord("<"): "%3C", ord(">"): "%3E",
              ord('"'): "%22", ord("%"): r"\%", ord("#"): r"\#", ord("&"): r"\&",
              ord("~"): "%7E", ord("\n"): "", ord("\r"): "", ord("\t"): ""}


def tex_url(url: str) -> str:
    """A URL for \\href: characters TeX would act on are percent-encoded or escaped."""
    url = quote(_CONTROLS.sub("", url), safe="".join(chr(c) for c in range(33, 127)))
    return url.translate(_URL_TABLE)


# What pdflatex needs for the LaTeX that tex_escape writes, beyond the preamble the README
# gives (T1 fontenc, lmodern, textcomp, hyperref): a pattern on a character's LaTeX form,
# the preamble line, what it is for, and the TeX Live package that ships it.
_NEEDS = (
    (re.compile(r"\\(?:CYR|cyr)[A-Za-z]*"), r"\usepackage[T2A,T1]{fontenc}", "Cyrillic",
     "texlive-lang-cyrillic"),
    (re.compile(r"\\mathbb|\\mathfrak"), r"\usepackage{amssymb}", "blackboard and Fraktur",
     "texlive-base"),
    (re.compile(r"\\text(?:schwa|epsilon|phi|turn|scr|esh|yogh|glotstop|ipa|baro|crh|"
                r"hookabove|rhoticity|ct|barl|ltailn|ltilde|rtail|eng|openo|upsilon)"),
     r"\usepackage[safe]{tipa}", "IPA phonetic symbols", "tipa"),
)


@dataclass(frozen=True, slots=True)
class Need:
    preamble: str
    what: str
    package: str
    chars: str


def needs(chars: set[str]) -> tuple[list[Need], str]:
    """For the characters a document holds: the preamble lines pdflatex needs for them,
    and the characters with no pdflatex form at all (written as "?")."""
    found: dict[str, list[str]] = {}
    unprintable = []
    for c in sorted(chars):
        if c.isascii() or not c.isprintable():
            continue
        latex = tex_escape(c)
        if latex == "?":
            unprintable.append(c)
            continue
        for pattern, preamble, _what, _pkg in _NEEDS:
            if pattern.search(latex):
                found.setdefault(preamble, []).append(c)
    return [Need(p, w, pkg, "".join(found[p])) for _pat, p, w, pkg in _NEEDS if p in found], \
        "".join(unprintable)


def needs_notes(found: list[Need], unprintable: str) -> list[str]:
    """`needs` in words, for stderr."""
    notes = [f"latex: {len(n.chars)} {n.what} character(s) ({_sample(n.chars)}) need "
             f"{n.preamble} in the preamble (TeX Live: {n.package}); --standalone adds it"
             for n in found]
    if unprintable:
        notes.append(f"latex: {len(unprintable)} character(s) ({_sample(unprintable)}) have "
                     "no pdflatex form and print as '?': compile with lualatex or xelatex "
                     "and fontspec, or replace them in the .bib file")
    return notes


def _sample(chars: str) -> str:
    shown = ", ".join(chars[:8])
    return shown + (", ..." if len(chars) > 8 else "")
