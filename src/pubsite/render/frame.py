"""A page template's frame, rendered once for a run of pages that share it.

A paper page is `html/publication.html`, which extends `html/base.html`: the head's fixed
tags, the header, the navigation and the footer come from the base, and what is the
paper's own comes from blocks. For a run of pages whose frame reads nothing of the page
(every paper page: the same `root`, no page-specific navigation), the frame is rendered
once with a mark where each block goes, and each page renders only its blocks (10,000
paper pages: 0.98 -> 0.85 s of rendering, alternating runs).

Sound only for templates whose frame reads nothing of the page outside their blocks and
that set no variable outside them (a block would not see it): the built-in ones, which
the page tests compare byte for byte with a whole render. A user's copy of either template
is rendered whole (`HtmlSite` decides).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from jinja2 import Template

# A block's place in the frame: characters no template text or value holds (a NUL is
# never in pubsite's output: the normaliser removes control characters).
_MARK = "\x00block:{}\x00"
_MARKS = re.compile("\x00block:([^\x00]*)\x00")


def _marker(name: str) -> Any:
    def render(_context: Any) -> Any:
        yield _MARK.format(name)
    return render


class Framed:
    """`chain`: the page template, then each template it extends, in order; `shared`: the
    variables every page of the run has alike (the frame is rendered with them)."""

    def __init__(self, chain: Sequence[Template], shared: dict[str, Any]) -> None:
        self.page, self.parents = chain[0], list(chain[1:])
        context = self.page.new_context(dict(shared))
        # The page's root adds the parents' blocks after these, so each mark is the one
        # rendered (Jinja renders a block's first entry).
        for name in {n for t in chain for n in t.blocks}:
            context.blocks[name] = [_marker(name)]
        pieces = _MARKS.split("".join(self.page.root_render_func(context)))
        self.texts, self.blocks = pieces[0::2], pieces[1::2]

    def render(self, values: dict[str, Any]) -> str:
        """The page for `values` (the shared variables and the page's own): the frame with
        each block rendered for this page, as a whole render would."""
        context = self.page.new_context(values)
        for parent in self.parents:  # what the page's root would add for `super()`
            for name, block in parent.blocks.items():
                context.blocks.setdefault(name, []).append(block)
        out = [self.texts[0]]
        for name, text in zip(self.blocks, self.texts[1:], strict=True):
            out += context.blocks[name][0](context)
            out.append(text)
        return "".join(out)
