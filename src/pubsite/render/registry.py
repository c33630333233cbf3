"""The output formats, one row each: its name, whether `build` makes it as a site or
`export` prints it, the layout options it honours, what renders it, what spells its
entries, and its help line. The CLI's `--format` choices and help come from `FORMATS`,
and tests hold the README's format lists to it.

A new format is one module and one row: an export's renderer takes (site, layout,
templates) and returns the text; a site's takes (site, templates, memo, has_pdf, jobs)
and yields (relative path, content) pairs, never writing. Renderers load only when a format
is used, so that `pubsite --help` imports no renderer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from pubsite.model.choices import GroupBy, Numbering, ReferenceStyle
    from pubsite.model.site import Content, Site

Target = Literal["site", "export"]


@dataclass(frozen=True, slots=True)
class Layout:
    """How an export arranges the list (the CLI's --group-by, --numbering, --standalone and
    --style); each format honours some of them."""

    group_by: GroupBy = "none"
    numbering: Numbering = "none"
    standalone: bool = False
    style: ReferenceStyle = "full"


LAYOUT_OPTIONS = tuple(f.name for f in dataclasses.fields(Layout))

ExportRenderer = Callable[["Site", Layout, Path | None], str]
SiteRenderer = Callable[["Site", Path | None, dict[Any, Any] | None, bool, int],
                        Iterator[tuple[str, "Content"]]]


@dataclass(frozen=True, slots=True)
class OutputFormat:
    name: str
    target: Target
    help: str  # one line, for --help and the README
    render: ExportRenderer | SiteRenderer
    spelling: str  # the escaper or `Format` class its entries are written with (dotted)
    honours: tuple[str, ...] = ()  # Layout options; the CLI refuses the others
    notes: Callable[[Site], list[str]] | None = None  # what its reader must know (stderr)


# Each renderer imports its module when it runs (the table itself stays light).

def _html_site(site: Site, templates: Path | None, memo: dict[Any, Any] | None,
               has_pdf: bool, jobs: int) -> Iterator[tuple[str, Content]]:
    from pubsite.render.html import HtmlSite

    return HtmlSite(site, templates, memo, has_pdf=has_pdf, jobs=jobs).files()


def _markdown_site(site: Site, templates: Path | None, memo: dict[Any, Any] | None,
                   _has_pdf: bool, _jobs: int) -> Iterator[tuple[str, Content]]:
    from pubsite.render.markdown import MarkdownSite

    return MarkdownSite(site, templates, memo).files()


def _data(function: str) -> ExportRenderer:
    """A data export: `pubsite.render.data.<function>(site)`."""
    def run(site: Site, _layout: Layout, _templates: Path | None) -> str:
        from pubsite.render import data

        return cast(str, getattr(data, function)(site))
    return run


def _rendercv(site: Site, layout: Layout, _templates: Path | None) -> str:
    from pubsite.render import data

    return data.to_rendercv(site, layout.group_by)


def _cv_list(spelling: str) -> ExportRenderer:
    """A CV list (`render.cv`) written by the `Format` class `spelling` names, grouped and
    numbered as asked."""
    def run(site: Site, layout: Layout, templates: Path | None) -> str:
        from pubsite.render import cv

        module, _, name = spelling.rpartition(".")
        groups = cv.build_groups(list(site.publications), layout.group_by, layout.numbering)
        return cv.render(site, getattr(import_module(module), name), groups, templates,
                         standalone=layout.standalone, style=layout.style)
    return run


def _cv_row(name: str, help: str, spelling: str, honours: tuple[str, ...],
            notes: Callable[[Site], list[str]] | None = None) -> OutputFormat:
    """A CV list's row: the `Format` class that spells it also renders it."""
    return OutputFormat(name, "export", help, _cv_list(spelling), spelling, honours, notes)


def _latex_notes(site: Site) -> list[str]:
    from pubsite.render import cv
    from pubsite.render.texescape import needs_notes

    return needs_notes(*cv.latex_needs(site))


_LIST = ("group_by", "numbering", "style")

FORMATS: tuple[OutputFormat, ...] = (
    OutputFormat("html", "site", "the website: a front page, a page and a .bib per paper, "
                 "the CV page, feed and sitemap", _html_site,
                 "pubsite.render.formats.HtmlFormat"),
    OutputFormat("markdown", "site", "index.md: the profile and the publication list",
                 _markdown_site, "pubsite.render.formats.MarkdownFormat"),
    _cv_row("latex", "the CV list as LaTeX (--standalone: a document)",
            "pubsite.render.formats.LatexFormat", ("group_by", "numbering", "standalone", "style"),
            notes=_latex_notes),
    _cv_row("markdown", "the CV list as Markdown", "pubsite.render.formats.MarkdownFormat",
            _LIST),
    _cv_row("html", "the CV list as an HTML fragment", "pubsite.render.formats.CvHtmlFormat",
            _LIST),
    _cv_row("text", "the CV list as plain text", "pubsite.render.view.Plain", _LIST),
    OutputFormat("json", "export", "the normalised model", _data("to_json"), "json.dumps"),
    OutputFormat("csl-json", "export", "CSL-JSON for pandoc, Zotero and citeproc",
                 _data("to_csl_json"), "json.dumps"),
    OutputFormat("bibtex", "export", "BibTeX for citing", _data("to_bibtex"),
                 "pubsite.render.citebibtex.bibtex_entry"),
    OutputFormat("jsonresume", "export", "a JSON Resume", _data("to_jsonresume"),
                 "json.dumps"),
    OutputFormat("rendercv", "export", "a RenderCV YAML file", _rendercv,
                 "pubsite.render.formats.RenderCVFormat", ("group_by",)),
)


def names(target: Target) -> tuple[str, ...]:
    return tuple(f.name for f in FORMATS if f.target == target)


def get(target: Target, name: str) -> OutputFormat:
    for f in FORMATS:
        if f.target == target and f.name == name:
            return f
    raise KeyError(f"no {target} format {name!r}")


def honours(name: str) -> tuple[str, ...]:
    """The layout options the export `name` uses."""
    return get("export", name).honours


def export(site: Site, name: str, layout: Layout, templates: Path | None) -> str:
    return cast(ExportRenderer, get("export", name).render)(site, layout, templates)


def notes(site: Site, name: str) -> list[str]:
    """What the reader of an export must know to use it (packages a LaTeX preamble needs)."""
    found = get("export", name).notes
    return found(site) if found else []


def site_files(site: Site, formats: tuple[str, ...], templates: Path | None,
               memo: dict[Any, Any] | None = None, cv_pdf: bytes | None = None,
               jobs: int = 1) -> Generator[tuple[str, Content], None, None]:
    """Every file of the site formats asked for, then the project's files they link;
    `jobs` processes render the paper pages (`render/workers.py`)."""
    from pubsite.render import workers
    from pubsite.render.linkedfiles import linked_files

    produced: set[str] = set()
    if cv_pdf is not None:
        produced.add("cv.pdf")
        yield "cv.pdf", cv_pdf
    # With workers, the other formats (index.md) render in a worker of their own while
    # this process renders the site's lists and writes (cold builds, two cores, best runs:
    # 0.71 s against 0.77 s without at 1,000 entries; 5.60 s against 6.26 s and 167 MB
    # against 201 MB at 10,000). serve's memo lives in this process, and with it the
    # other formats render here too.
    others = [n for n in formats if n != "html"] \
        if "html" in formats and jobs > 1 and memo is None else []
    aside = {name: workers.Background(partial(_rendered, name, site, templates,
                                              cv_pdf is not None), jobs) for name in others}
    try:
        for name in formats:
            got = aside[name].result() if name in aside else \
                _site_renderer(name)(site, templates, memo, cv_pdf is not None, jobs)
            for rel, content in got:
                produced.add(rel)
                yield rel, content
    finally:
        for each in aside.values():
            each.close()  # on an error or Ctrl-C too: no worker is left
    yield from linked_files(site, produced)


def _site_renderer(name: str) -> SiteRenderer:
    return cast(SiteRenderer, get("site", name).render)


def _rendered(name: str, site: Site, templates: Path | None, has_pdf: bool
              ) -> list[tuple[str, Content]]:
    """A site format's files, all of them (in a worker: sent back at once)."""
    return list(_site_renderer(name)(site, templates, None, has_pdf, 1))
