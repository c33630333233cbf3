"""The one brace scanner: BibTeX values and names are read by brace depth (a `}` with no
`{` open counts as depth 0, as BibTeX's own scanner recovers)."""

from __future__ import annotations


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
