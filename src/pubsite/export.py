"""The selection stage of `pubsite export`: which publications, in which order."""

from __future__ import annotations

from dataclasses import dataclass

from pubsite.model import Publication, Site


@dataclass(frozen=True, slots=True)
class Selection:
    selected: bool = False
    since: int | None = None
    until: int | None = None
    kinds: tuple[str, ...] = ()
    sort: str = "newest"

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
        return Site(site.profile, tuple(sort_pubs([p for p in site.publications
                                                   if self.keep(p)], self.sort)))


def sort_pubs(pubs: list[Publication], order: str) -> list[Publication]:
    """Newest (or oldest) first, then by month, ties broken by key; stable."""
    sign = -1 if order == "newest" else 1
    return sorted(pubs, key=lambda p: (sign * p.sort_year, sign * (p.month or 0), p.key))
