"""The selection stage of `pubsite export`: which publications, in which order."""

from __future__ import annotations

from dataclasses import dataclass

from pubsite.model.choices import Kind, SortOrder
from pubsite.model.site import Publication, Site, sort_publications


@dataclass(frozen=True, slots=True)
class Selection:
    selected: bool = False
    since: int | None = None
    until: int | None = None
    kinds: tuple[Kind, ...] = ()
    sort: SortOrder = "newest"

    def keep(self, p: Publication) -> bool:
        year = p.year_number
        if self.selected and not p.selected:
            return False
        if self.since is not None and (year is None or year < self.since):
            return False
        if self.until is not None and (year is None or year > self.until):
            return False
        return not self.kinds or p.kind in self.kinds

    def __call__(self, site: Site) -> Site:
        # The site's order (the file's among equals) is kept: the CV page and an exported
        # CV list the same works in the same order.
        return Site(site.profile, tuple(sort_publications(
            (p for p in site.publications if self.keep(p)), self.sort)))
