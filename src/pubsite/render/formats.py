"""How each output format writes an entry's document: its escaper and its markup.

The entry view (view.py) builds one document per entry and decides what it shows; each
class here says only how that format escapes text and writes each kind of node (a named
part, a link, a gap in a cut author list): the site's HTML, the CV's HTML, Markdown,
LaTeX, RenderCV; plain text is view.Plain. A new output format adds its class here and
its name in render/registry.py.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import ClassVar
from urllib.parse import quote

from markupsafe import Markup
from markupsafe import escape as html_escape

from pubsite.model import urls
from pubsite.model.site import Profile
from pubsite.render.texescape import tex_escape, tex_url
from pubsite.render.view import Cut, Format, Gap, Plain, Tag, last_text

# --- HTML ----------------------------------------------------------------------------

def safe_href(url: str) -> str:
    """Last guard before an attribute: a refused URL becomes a harmless fragment."""
    return urls.safe_url(url, urls.WEB_AND_MAIL) or "#"


# The parts the site writes as a span of their class (the theme styles them, site.js reads
# them).
_SPANS = {"author": "author", "owner": "author owner", "venue": "venue", "venue-full": "venue-full",
          "venue-notes": "venue-notes", "award": "award", "note": "note"}


def html_text(text: str) -> str:
    """Text escaped for HTML, as a plain `str`."""
    return str(html_escape(text))


class HtmlFormat(Format):
    """The site's HTML: every text passes markupsafe.escape (as Jinja's autoescape would);
    each part carries the class the theme styles and site.js reads."""

    def __init__(self, profile: Profile) -> None:
        super().__init__(profile)
        self._colours = dict(profile.publications.venue_colors)

    esc = staticmethod(html_text)

    def strong(self, text: str) -> str:
        return f"<strong>{text}</strong>"

    def tag(self, node: Tag, inner: str) -> str:
        span = _SPANS.get(node.name)
        if span:
            return f'<span class="{span}">{inner}</span>'
        if node.name == "owner-name":
            return self.strong(inner)
        if node.name == "name" and node.info:
            return f'<a href="{html_escape(safe_href(node.info))}">{inner}</a>'
        if node.name == "mark":
            return f'<sup class="mark" title="{html_escape(node.info)}">{inner}</sup>'
        if node.name == "venue-name":
            # A short form carries the full name (shown on hover, found by the filter).
            style = self._badge(last_text(node.children))
            return (f'<abbr class="venue-name"{style} title="{html_escape(node.info)}">'
                    f"{inner}</abbr>" if node.info else
                    f'<span class="venue-name"{style}>{inner}</span>')
        return inner

    def gap(self, node: Gap) -> str:
        if not node.more:  # the entry's one button is at its first gap
            return self.ellipsis
        # Its text is its whole accessible name (what a voice user says is what it reads).
        who = "editors" if node.edited else "authors"
        return f'<button type="button" class="authors-more">{node.more} more {who}</button>'

    def cut(self, node: Cut) -> str:
        """The full list (what shows without JavaScript) and the short one with a button
        per gap that site.js shows instead; the button expands in place."""
        return (f'<span class="authors-all">{self.render(node.full)}</span>'
                f'<span class="authors-short" hidden>{self.render(node.short)}</span>')

    def _badge(self, venue: str) -> str:
        """The profile's colour for this venue's badge, with black or white text, whichever
        reads better on it (WCAG contrast)."""
        colour = self._colours.get(venue, "")
        if not colour:
            return ""
        return f' style="--badge:{colour};--badge-text:{readable_on(colour)}"'


def readable_on(colour: str) -> str:
    """#000000 or #ffffff: the text colour with the higher contrast on `colour`."""
    def linear(c: int) -> float:
        x = c / 255
        return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    lum = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


_CV_WRAP = {"authors": ('<span class="authors">', "</span>"), "links": (" ", ""),
            "reference": ('<span class="venue">', "</span>"),
            "legend": ('<small class="legend">', "</small>")}


class CvHtmlFormat(Format):
    """The HTML export and the CV page: a citation list, strong where the others are."""

    sep = "\n"
    seps: ClassVar[Mapping[str, str]] = {"links": ""}  # the links part opens with a space
    esc = staticmethod(html_text)
    raw = Markup
    medium = "html"
    list_template = "cv/html.html"

    def strong(self, text: str) -> str:
        return f"<strong>{text}</strong>"

    def award(self, text: str) -> str:
        return f'<strong class="award">{text}</strong>'

    def tag(self, node: Tag, inner: str) -> str:
        if node.name == "sep":  # a space before each link is all the HTML list needs
            return " "
        wrap = _CV_WRAP.get(node.name)
        return wrap[0] + inner + wrap[1] if wrap else super().tag(node, inner)

    def marks(self, text: str) -> str:
        return f"<sup>{text}</sup>"

    def title(self, text: str) -> str:
        return f"<cite>{text}</cite>"

    def href(self, url: str, text: str) -> str:
        return f'<a href="{html_escape(safe_href(url))}">{text}</a>'



# --- Markdown ------------------------------------------------------------------------

class Md(str):
    """Text that is already Markdown and must not be escaped again."""


# Each character Markdown reads as markup, with a backslash before it: one pass in C
# (a regex substitution per text cost a quarter of index.md at 10,000 entries).
_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]{}<>|~"})
_LINE_START = re.compile(r"(?m)^(\s*)([+\-=]|\d+[.)])(\s)")


def escape(text: str) -> str:
    return _escape(text)


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;").translate(_SPECIAL)
    # A line must not start a list, quote or heading by accident.
    if _LINE_START.search(text):
        text = _LINE_START.sub(r"\1\\\2\3", text)
    return text.replace("\n", " ")


def link(label: str, url: str) -> Md:
    return _md_link(escape(label), url)


def _md_link(text: str, url: str) -> Md:
    """A link around Markdown `text`; the text alone when the URL is refused."""
    safe = urls.safe_url(url, urls.WEB_AND_MAIL)
    if safe is None:
        return Md(text)
    # Percent-encode what could end the <...> target or read as template syntax.
    target = quote(safe, safe=":/?#[]@!$&'()*+,;=%~")
    return Md(f"[{text}](<{target}>)")


class MarkdownFormat(Format):
    # Two trailing spaces: the line break CommonMark, GFM, kramdown and Python-Markdown
    # all honour (a backslash is CommonMark's alone).
    sep = "  \n  "

    esc = staticmethod(escape)
    raw = Md
    medium = "markdown"
    list_template = "cv/markdown.md"  # its items are cv/markdown-item.md's

    def strong(self, text: str) -> str:
        return f"**{text}**"

    def title(self, text: str) -> str:
        return f"**{text}**"

    def href(self, url: str, text: str) -> str:
        return _md_link(text, url)


# --- LaTeX ---------------------------------------------------------------------------

class LatexFormat(Format):
    sep = "\\\\\n  "  # a line break, the next part indented in the source

    esc = staticmethod(tex_escape)
    url = staticmethod(tex_url)
    medium = "latex"
    list_template = "cv/latex.tex"

    def strong(self, text: str) -> str:
        return "\\textbf{" + text + "}"

    def marks(self, text: str) -> str:
        return "\\textsuperscript{" + text + "}"

    def name(self, text: str) -> str:
        # A name is not broken across lines: "Eric~P.~Xing".
        return text.replace(" ", "~")

    def title(self, text: str) -> str:
        return "\\textit{" + text + "}"

    def tag(self, node: Tag, inner: str) -> str:
        if node.name == "legend":
            return "{\\small " + inner + "}"
        if node.name == "sep":
            return " $\\cdot$ "
        if node.name == "id":
            # An identifier may break after its slashes and dots (wider than a column).
            return re.sub(r"([/.])(?=.)", r"\1\\allowbreak{}", inner)
        return super().tag(node, inner)

    def href(self, url: str, text: str) -> str:
        return "\\href{" + tex_url(url) + "}{" + text + "}"



# --- RenderCV ------------------------------------------------------------------------

# RenderCV escapes Typst's special characters itself, but keeps `#cmd[...]`, `$$...$$` and
# `[text](url)` as written, reads `*` as emphasis, and strips punctuation from both ends
# of a templated line ("Smith, Jr." would lose its period); these it does not escape.
# Each is written as a Typst content block holding the escaped character (`#[\(]`), which
# RenderCV passes through untouched; a `(` so written never completes a `[..](..)` link.
# (RenderCV substitutes values with re.sub: a backslash never precedes a digit.)
_TYPST_ACTIVE = re.compile(r"[#(`<$]|-(?=[-?])|\.(?=\.\.)|^[=+\-]|^\d+\.")
_LINE_END = re.compile(r"^[^\w\s#\[\]()*\\]|[^\w\s#\[\]()*\\]$")


@lru_cache(maxsize=65536)
def rendercv_escape(text: str) -> str:
    """Text that RenderCV's Markdown and Typst print exactly as it is."""
    text = " ".join(text.split())
    text = _TYPST_ACTIVE.sub(_typst_literal, text)
    text = _LINE_END.sub(_typst_literal, text)
    return text.replace("*", "\\*")


def _typst_literal(m: re.Match[str]) -> str:
    found = m.group()
    if found[-1] == "." and len(found) > 1:  # "12." at the start would number a list
        return found[:-1] + "#[\\.]"
    return f"#[\\{found}]"


class RenderCVFormat(Plain):
    esc = staticmethod(rendercv_escape)

    def strong(self, text: str) -> str:
        return f"**{text}**"


