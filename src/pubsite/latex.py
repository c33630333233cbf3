"""LaTeX to Unicode for the fields that are rendered as text.

pylatexenc does the decoding; it is slow, so plain text skips it and repeated strings
(author names above all) are memoised. URL-like fields must never pass through here:
LaTeX reads `%` as a comment and `~` as a space, which damages URLs.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

_LATEX_CHARS = frozenset("\\{}$~^_&%#")
_LIGATURES = ("--", "``", "''", "!`", "?`")
_WS = re.compile(r"\s+")

_converter: Any = None


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

        db = get_default_latex_context_db()
        # \noopsort{key} only steers sorting; BibTeX prints nothing for it.
        db.add_context_category(
            "pubsite",
            prepend=True,
            macros=[
                MacroTextSpec("noopsort", simplify_repl=""),
                MacroTextSpec("url", simplify_repl="%s"),
                MacroTextSpec("relax", simplify_repl=""),
                MacroTextSpec("LaTeX", simplify_repl="LaTeX"),
                MacroTextSpec("TeX", simplify_repl="TeX"),
                MacroTextSpec("BibTeX", simplify_repl="BibTeX"),
            ],
        )
        wdb = walker_db()
        wdb.add_context_category(
            "pubsite",
            prepend=True,
            macros=[std_macro("noopsort", False, 1)],
        )
        text = LatexNodes2Text(latex_context=db, math_mode="text",
                               strict_latex_spaces="based-on-source", keep_comments=False)
        _converter = (text, wdb)
    return _converter


def needs_decoding(text: str) -> bool:
    if not _LATEX_CHARS.isdisjoint(text):
        return True
    return any(lig in text for lig in _LIGATURES)


@lru_cache(maxsize=65536)
def decode(text: str) -> str:
    """Decode LaTeX markup to NFC Unicode with whitespace collapsed."""
    if needs_decoding(text):
        text = _decode_latex(text)
    text = _WS.sub(" ", text).strip()
    return unicodedata.normalize("NFC", text)


def _decode_latex(text: str) -> str:
    from pylatexenc.latexwalker import LatexWalker

    conv, wdb = _get_converter()
    try:
        nodes, _, _ = LatexWalker(text, latex_context=wdb, tolerant_parsing=True).get_latex_nodes()
        out: str = conv.nodelist_to_text(nodes)
    except Exception:  # pylatexenc raises assorted errors on broken input
        out = text.replace("{", "").replace("}", "")
    # A non-breaking space from `~` is what LaTeX means, but it surprises every reader of
    # plain text and Markdown: fold it to a space.
    return out.replace("\u00a0", " ")


def strip_braces(text: str) -> str:
    return text.replace("{", "").replace("}", "")
