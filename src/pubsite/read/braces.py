"""The one brace scanner: BibTeX values and names are read by brace depth (a `}` with no
`{` open counts as depth 0, as BibTeX's own scanner recovers)."""

from __future__ import annotations

import bisect
import re


def closing(text: str, start: int, quote: bool = False) -> int:
    """Index of the `}` that closes the group opened at `start` (with `quote`, of the `"`
    that ends a quoted value begun before `start`); len(text) when none does."""
    depth = 0
    for i in range(start, len(text)):
        c = text[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
            if depth == 0 and not quote:
                return i
        elif quote and c == '"' and depth == 0:
            return i
    return len(text)


class Groups:
    """`closing` for many starts in one text, each answered in constant time: a reader
    that retries entry after entry (bibscan, where bibtexparser failed) would otherwise
    scan to the end of the file once per unterminated value. Built on first use, from
    the text's brace and quote characters only."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._at: list[int] | None = None
        self._shut: list[int] = []
        self._quote: list[int] = []

    def _build(self) -> None:
        at = [m.start() for m in _SPECIAL.finditer(self.text)]
        shut = [-1] * len(at)  # for a `{`: the index in `at` of the `}` closing it
        stack: list[int] = []
        for k, p in enumerate(at):
            c = self.text[p]
            if c == "{":
                stack.append(k)
            elif c == "}" and stack:
                shut[stack.pop()] = k
        # quote[k]: the `"` at depth 0 counted from at[k], len(text) when there is none
        quote = [len(self.text)] * (len(at) + 1)
        for k in range(len(at) - 1, -1, -1):
            c = self.text[at[k]]
            if c == '"':
                quote[k] = at[k]
            elif c == "}":
                quote[k] = quote[k + 1]
            elif shut[k] >= 0:
                quote[k] = quote[shut[k] + 1]
        self._at, self._shut, self._quote = at, shut, quote

    def closing(self, start: int, quote: bool = False) -> int:
        """What `closing(text, start, quote)` returns."""
        if self._at is None:
            self._build()
        assert self._at is not None
        k = bisect.bisect_left(self._at, start)
        if quote:
            return self._quote[k]
        if k == len(self._at) or self._at[k] != start or self.text[start] != "{":
            return closing(self.text, start)  # not a group's start: rare, read plainly
        return self._at[self._shut[k]] if self._shut[k] >= 0 else len(self.text)


_SPECIAL = re.compile(r'[{}"]')


def split_top(text: str, separators: str, keep_empty: bool = True) -> list[str]:
    """`text` split at the characters of `separators` that stand outside every brace."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, c in enumerate(text):
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and c in separators:
            if keep_empty or i > start:
                parts.append(text[start:i])
            start = i + 1
    if keep_empty or len(text) > start:
        parts.append(text[start:])
    return parts


def balanced(text: str) -> bool:
    """Braces a BibTeX value can hold as written: each one closed, none closed early."""
    depth = 0
    for c in text:
        depth += (c == "{") - (c == "}")
        if depth < 0:
            return False
    return depth == 0
