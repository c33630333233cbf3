"""The one LaTeX escaper: no text from the data can form a command.

ASCII specials become their text commands; every other non-ASCII character goes through
pylatexenc's table (ü -> {\\"u}); what has no LaTeX form under pdflatex becomes "?".
"""

from __future__ import annotations

import logging
import re
import unicodedata
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
        out = "".join(c if c.isascii() else _encoder().unicode_to_latex(c) for c in out)
    return out


_URL_TABLE = {ord("\\"): "%5C", ord("{"): "%7B", ord("}"): "%7D", ord(" "): "%20",
              ord("^"): "%5E", ord("|"): "%7C", ord("<"): "%3C", ord(">"): "%3E",
              ord('"'): "%22", ord("%"): r"\%", ord("#"): r"\#", ord("&"): r"\&",
              ord("~"): "%7E", ord("\n"): "", ord("\r"): "", ord("\t"): ""}


def tex_url(url: str) -> str:
    """A URL for \\href: characters TeX would act on are percent-encoded or escaped."""
    url = quote(_CONTROLS.sub("", url), safe="".join(chr(c) for c in range(33, 127)))
    return url.translate(_URL_TABLE)
