"""How each output format spells an entry: its escaper and its joins.

view.Format decides what an entry shows; each class here supplies only the escaping and
the markup of one format (HTML site, CV HTML, Markdown, LaTeX, RenderCV; plain text is
view.Plain). A new output format adds its class here and its name in render/__init__.py.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import quote

from markupsafe import escape as html_escape

from pubsite import identifiers, urls
from pubsite.cleantext import strip_invisible
from pubsite.model import Author, Link, Mark, Profile, Publication, Venue
from pubsite.render.texescape import tex_escape, tex_url
from pubsite.view import Format, Plain, author_runs, editors_label, legend_marks

# --- HTML ----------------------------------------------------------------------------

def safe_href(url: str) -> str:
    """Last guard before an attribute: a refused URL becomes a harmless fragment."""
    return urls.safe_url(url, urls.WEB_AND_MAIL) or "#"


class HtmlFormat(Format):
    """The site's HTML: every text passes markupsafe.escape (as Jinja's autoescape would);
    authors and venues carry the classes the theme styles."""

    ellipsis = '<span class="ellipsis">…</span>'

    def __init__(self, profile: Profile) -> None:
        super().__init__(profile)
        self._colours = dict(profile.publications.venue_colors)

    def esc(self, text: str) -> str:
        return str(html_escape(text))

    def strong(self, text: str) -> str:
        return f"<strong>{text}</strong>"

    def author(self, a: Author) -> str:
        found = self._authors.get(a)
        if found is not None:
            return found
        if a.others:
            found = '<span class="author">et al.</span>'
        else:
            text = self.name(a)
            if a.is_owner:
                text = self.strong(text)
            if a.url:
                text = f'<a href="{html_escape(safe_href(a.url))}">{text}</a>'
            text += "".join(f'<sup class="mark" title="{html_escape(m.legend)}">'
                            f"{html_escape(m.symbol)}</sup>"
                            for m in legend_marks(self.profile, a.marks))
            found = f'<span class="author{" owner" if a.is_owner else ""}">{text}</span>'
        self._authors[a] = found
        return found

    def authors(self, pub: Publication, limit: int = 0) -> str:
        """Past `limit`, the full list (what shows without JavaScript) and the short one
        with a button per gap that site.js shows instead; the button expands in place."""
        full = super().authors(pub)
        if limit <= 0 or len(pub.authors) <= limit:
            return full
        who = "editors" if pub.edited else "authors"
        short = ", ".join(
            self.author(x) if not isinstance(x, int) else
            f'<button type="button" class="authors-more" aria-label="show all '
            f'{len(pub.authors)} {who}">… {x} more …</button>'
            for x in author_runs(pub.authors, limit))
        if pub.edited:
            short += self.esc(editors_label(pub))
        return (f'<span class="authors-all">{full}</span>'
                f'<span class="authors-short" hidden>{short}</span>')

    def venue(self, v: Venue) -> str:
        year = f" {html_escape(v.year)}" if v.year else ""
        notes = "; ".join(f'<span class="{"award" if n.award else "note"}">'
                          f"{html_escape(n.text)}</span>" for n in v.notes)
        notes = f' <span class="venue-notes">({notes})</span>' if notes else ""
        # A short form carries the full name (shown on hover, found by the filter).
        style = self._badge(v.name)
        name = (f'<abbr class="venue-name"{style} title="{html_escape(v.full)}">'
                f"{html_escape(v.name)}</abbr>" if v.full else
                f'<span class="venue-name"{style}>{html_escape(v.name)}</span>')
        return f'<span class="venue">{name}{year}{notes}</span>'

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


class CvHtmlFormat(Format):

    def esc(self, text: str) -> str:
        return str(html_escape(text))

    def strong(self, text: str) -> str:
        return f"<strong>{text}</strong>"

    def award(self, text: str) -> str:
        return f'<strong class="award">{text}</strong>'

    def marks(self, marks: list[Mark]) -> str:
        symbols = "".join(m.symbol for m in marks)
        return f"<sup>{html_escape(symbols)}</sup>" if symbols else ""

    def link(self, link: Link) -> str:
        return f'<a href="{html_escape(safe_href(link.url))}">{html_escape(link.label)}</a>'



# --- Markdown ------------------------------------------------------------------------

class Md(str):
    """Text that is already Markdown and must not be escaped again."""


_SPECIAL = re.compile(r"([\\`*_\[\]{}<>|~])")


def escape(text: str) -> str:
    # Names and venues repeat thousands of times; long text is unique.
    return _escape_short(text) if len(text) <= 48 else _escape(text)


@lru_cache(maxsize=65536)
def _escape_short(text: str) -> str:
    return _escape(text)


def _escape(text: str) -> str:
    text = text.replace("&", "&amp;")
    text = _SPECIAL.sub(r"\\\1", text)
    # A line must not start a list, quote or heading by accident.
    text = re.sub(r"(?m)^(\s*)([+\-=]|\d+[.)])(\s)", r"\1\\\2\3", text)
    return text.replace("\n", " ")


def link(label: str, url: str) -> Md:
    safe = urls.safe_url(url, urls.WEB_AND_MAIL)
    if safe is None:
        return Md(escape(label))
    # Percent-encode what could end the <...> target or read as template syntax.
    target = quote(safe, safe=":/?#[]@!$&'()*+,;=%~")
    return Md(f"[{escape(label)}](<{target}>)")


class MarkdownFormat(Format):
    def esc(self, text: str) -> str:
        return escape(text)

    def strong(self, text: str) -> str:
        return f"**{text}**"

    def link(self, x: Link) -> str:
        return link(x.label, x.url)


def md_links(links: tuple[Link, ...]) -> Md:
    return Md(" · ".join(link(x.label, x.url) for x in links))


# --- LaTeX ---------------------------------------------------------------------------

class LatexFormat(Format):
    def esc(self, text: str) -> str:
        return tex_escape(text)

    def strong(self, text: str) -> str:
        return "\\textbf{" + text + "}"

    def marks(self, marks: list[Mark]) -> str:
        symbols = "".join(m.symbol for m in marks)
        return "\\textsuperscript{" + tex_escape(symbols) + "}" if symbols else ""

    def name(self, a: Author) -> str:
        # A name is not broken across lines: "Eric~P.~Xing".
        return tex_escape(a.display(self.style)).replace(" ", "~")

    def link(self, link: Link) -> str:
        # An identifier may break after its slashes and dots (a DOI is wider than a column).
        label = re.sub(r"([/.])(?=.)", r"\1\\allowbreak{}", tex_escape(link.label))
        return "\\href{" + tex_url(link.url) + "}{" + label + "}"



# --- BibTeX for citing --------------------------------------------------------------

_FIELD_CASE = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}


def bibtex_entry(pub: Publication) -> str:
    """The entry a reader cites: the same on the page, in the copy button, in the .bib
    download and in `export --format bibtex`."""
    lines = [f"@{strip_invisible(pub.entry_type)}{{{strip_invisible(pub.key)},"]
    width = max((len(_FIELD_CASE.get(n, n)) for n, _ in pub.cite_fields), default=0)
    for name, value in pub.cite_fields:
        shown = _FIELD_CASE.get(name, name).ljust(width)
        value = " ".join(value.split())
        text = identifiers.month_expression(value) if name == "month" else f"{{{value}}}"
        lines.append(f"  {shown} = {text},")
    lines.append("}")
    return "\n".join(lines)


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
    def esc(self, text: str) -> str:
        return rendercv_escape(text)

    def strong(self, text: str) -> str:
        return f"**{text}**"


