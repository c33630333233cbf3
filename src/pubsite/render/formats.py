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

from pubsite import urls
from pubsite.cleantext import strip_invisible
from pubsite.model import Author, Mark, Publication, Venue
from pubsite.render.texescape import tex_escape
from pubsite.view import Format, Plain, legend_marks

# --- HTML ----------------------------------------------------------------------------

def safe_href(url: str) -> str:
    """Last guard before an attribute: a refused URL becomes a harmless fragment."""
    return urls.safe_url(url, urls.WEB_AND_MAIL) or "#"


class HtmlFormat(Format):
    """The site's HTML: every text passes markupsafe.escape (as Jinja's autoescape would);
    authors and venues carry the classes the theme styles."""

    ellipsis = '<span class="ellipsis">…</span>'

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
        full = super().authors(pub)
        if limit <= 0 or len(pub.authors) <= limit:
            return full
        who = "editors" if pub.edited else "authors"
        return (f'<span class="authors-short">{super().authors(pub, limit)}</span> '
                f'<details class="authors-all"><summary>all {len(pub.authors)} {who}'
                f"</summary>{full}</details>")

    def venue(self, v: Venue) -> str:
        year = f" {html_escape(v.year)}" if v.year else ""
        notes = "; ".join(f'<span class="{"award" if n.award else "note"}">'
                          f"{html_escape(n.text)}</span>" for n in v.notes)
        notes = f' <span class="venue-notes">({notes})</span>' if notes else ""
        return (f'<span class="venue"><span class="venue-name">{html_escape(v.name)}</span>'
                f"{year}{notes}</span>")



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



def md_links(pub: Publication) -> Md:
    return Md(" · ".join(link(x.label, x.url) for x in pub.links))


# --- LaTeX ---------------------------------------------------------------------------

class LatexFormat(Format):
    def esc(self, text: str) -> str:
        return tex_escape(text)

    def strong(self, text: str) -> str:
        return "\\textbf{" + text + "}"

    def marks(self, marks: list[Mark]) -> str:
        symbols = "".join(m.symbol for m in marks)
        return "\\textsuperscript{" + tex_escape(symbols) + "}" if symbols else ""



# --- BibTeX for citing --------------------------------------------------------------

_FIELD_CASE = {"archiveprefix": "archivePrefix", "primaryclass": "primaryClass"}
_MONTH_MACROS = frozenset(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                           "oct", "nov", "dec"))


def bibtex_entry(pub: Publication) -> str:
    """The entry a reader cites: the same on the page, in the copy button, in the .bib
    download and in `export --format bibtex`."""
    lines = [f"@{strip_invisible(pub.entry_type)}{{{strip_invisible(pub.key)},"]
    width = max((len(_FIELD_CASE.get(n, n)) for n, _ in pub.cite_fields), default=0)
    for name, value in pub.cite_fields:
        shown = _FIELD_CASE.get(name, name).ljust(width)
        value = " ".join(value.split())
        text = value if name == "month" and value in _MONTH_MACROS else f"{{{value}}}"
        lines.append(f"  {shown} = {text},")
    lines.append("}")
    return "\n".join(lines)


# --- RenderCV ------------------------------------------------------------------------

class RenderCVFormat(Plain):
    def strong(self, text: str) -> str:
        return f"**{text}**"


