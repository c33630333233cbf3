"""`pubsite export`: one selection of publications in one format, as text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pubsite import pipeline, report
from pubsite.errors import Diagnostics, PubsiteError
from pubsite.model import Publication, Site


@dataclass(frozen=True, slots=True)
class Selection:
    selected: bool = False
    since: int | None = None
    until: int | None = None
    kinds: tuple[str, ...] = ()

    def keep(self, p: Publication) -> bool:
        year = int(p.year[:4]) if p.year[:4].isdigit() else None
        if self.selected and not p.selected:
            return False
        if self.since is not None and (year is None or year < self.since):
            return False
        if self.until is not None and (year is None or year > self.until):
            return False
        return not self.kinds or p.kind in self.kinds


def export(bib_path: Path, profile_path: Path, fmt: str, selection: Selection) -> str:
    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    diags = Diagnostics()
    site = pipeline.load_site(inputs, diags)
    if diags.has_errors:
        raise PubsiteError("export stopped: fix the problems above",
                           diagnostics=diags.sorted())
    pubs = tuple(p for p in site.publications if selection.keep(p))
    chosen = Site(site.profile, pubs)
    if diags.items:
        report.text([d for d in diags.sorted() if not d.is_error])
    if fmt == "json":
        from pubsite.render import data

        return data.to_json(chosen, pubs)
    if fmt == "markdown":
        from pubsite.render import markdown

        return markdown.render_page(chosen, inputs.templates)
    raise PubsiteError(f"unknown format {fmt}", 2)
