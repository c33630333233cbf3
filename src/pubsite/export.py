"""`pubsite export`: one selection of publications in one format, as text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pubsite import pipeline, report
from pubsite.errors import EXIT_USAGE, Diagnostics, PubsiteError
from pubsite.model import Publication, Site

FORMATS = ("json", "markdown", "html", "text", "latex", "csl-json", "bibtex", "jsonresume",
           "rendercv")


@dataclass(frozen=True, slots=True)
class Selection:
    selected: bool = False
    since: int | None = None
    until: int | None = None
    kinds: tuple[str, ...] = ()

    def keep(self, p: Publication) -> bool:
        year = p.year_number
        if self.selected and not p.selected:
            return False
        if self.since is not None and (year is None or year < self.since):
            return False
        if self.until is not None and (year is None or year > self.until):
            return False
        return not self.kinds or p.kind in self.kinds


@dataclass(frozen=True, slots=True)
class Layout:
    group_by: str = "none"
    sort: str = "newest"
    numbering: str = "none"
    standalone: bool = False


def sort_pubs(pubs: list[Publication], order: str) -> list[Publication]:
    """Newest (or oldest) first, then by month, ties broken by key; stable."""
    sign = -1 if order == "newest" else 1
    return sorted(pubs, key=lambda p: (sign * (p.year_number or 0), sign * (p.month or 0), p.key))


def export(bib_path: Path, profile_path: Path, fmt: str, selection: Selection,
           layout: Layout = Layout()) -> str:
    if fmt not in FORMATS:
        raise PubsiteError(f"unknown format {fmt}; choose one of {', '.join(FORMATS)}",
                           EXIT_USAGE)
    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    diags = Diagnostics()
    site = pipeline.load_site(inputs, diags)
    if diags.has_errors:
        raise PubsiteError("export stopped: fix the problems above",
                           diagnostics=diags.sorted())
    if diags.items:
        report.text(diags.sorted())
    pubs = sort_pubs([p for p in site.publications if selection.keep(p)], layout.sort)
    chosen = Site(site.profile, tuple(pubs))
    try:
        return render(chosen, fmt, layout, inputs.templates)
    except Exception as exc:
        from pubsite import templating

        raise templating.as_pubsite_error(exc) from exc


def render(site: Site, fmt: str, layout: Layout, templates: Path | None) -> str:
    pubs = site.publications
    if fmt in ("json", "csl-json", "bibtex", "jsonresume", "rendercv"):
        from pubsite.render import data

        if fmt == "json":
            return data.to_json(site, pubs)
        if fmt == "csl-json":
            return data.to_csl_json(pubs)
        if fmt == "bibtex":
            return data.to_bibtex(pubs)
        if fmt == "jsonresume":
            return data.to_jsonresume(pubs, site)
        return data.to_rendercv(pubs, site)
    from pubsite.render import cv

    groups = cv.build_groups(list(pubs), layout.group_by, layout.numbering)
    return cv.render(site, fmt, groups, templates, standalone=layout.standalone)
