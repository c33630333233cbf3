"""Where each publication's fragment lies in a listing file (index.html, index.md, feed.xml).

A listing template calls a fragment function once per publication (`entry(pub)`); this
records the byte span of each fragment in the text the template produces. With the spans
kept, a build after one edited entry patches that entry's fragment into the previous file
instead of rendering thousands again (see incremental.py).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

Span = tuple[int, int]


class Listing:
    def __init__(self, render_one: Callable[[Any], str]) -> None:
        self.render_one = render_one
        self._pending: deque[tuple[str, str]] = deque()
        self.spans: dict[str, Span] = {}
        self.calls = 0
        self.offset = 0  # bytes produced so far

    def __call__(self, pub: Any) -> str:
        text = self.render_one(pub)
        self.calls += 1
        self._pending.append((pub.slug, text))
        return text

    def chunks(self, chunks: Iterable[str]) -> Iterator[bytes]:
        """Pass the listing's text through as UTF-8, noting where each fragment lands."""
        for chunk in chunks:
            cursor = 0
            base = self.offset
            while self._pending:
                slug, fragment = self._pending[0]
                pos = chunk.find(fragment, cursor) if fragment else -1
                if pos < 0:
                    break  # produced later, in another chunk
                base += len(chunk[cursor:pos].encode("utf-8"))
                size = len(fragment.encode("utf-8"))
                if slug not in self.spans:
                    self.spans[slug] = (base, base + size)
                base += size
                cursor = pos + len(fragment)
                self._pending.popleft()
            data = chunk.encode("utf-8")
            self.offset += len(data)
            yield data

    def complete(self, slugs: Iterable[str]) -> bool:
        """Every publication's fragment was placed exactly once (a user template that
        renders entries another way cannot be patched; its builds just run in full)."""
        wanted = list(slugs)
        return not self._pending and self.calls == len(wanted) == len(self.spans) and \
            all(s in self.spans for s in wanted)
