"""The normalised model every renderer reads: frozen, Unicode, free of markup."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_FOUR_DIGITS = re.compile(r"\d{4}")


@dataclass(frozen=True, slots=True)
class Name:
    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""

    @property
    def family(self) -> str:
        return f"{self.von} {self.last}".strip()

    @lru_cache(maxsize=65536)  # noqa: B019 - names are few and live for the whole run
    def first_last(self) -> str:
        parts = [self.first, self.von, self.last]
        text = " ".join(p for p in parts if p)
        return f"{text}, {self.jr}" if self.jr else text

    def initials_last(self) -> str:
        initials = " ".join(_initial(t) for t in self.first.split())
        text = " ".join(p for p in (initials, self.von, self.last) if p)
        return f"{text}, {self.jr}" if self.jr else text

    @lru_cache(maxsize=65536)  # noqa: B019 - names are few and live for the whole run
    def last_first(self) -> str:
        family = self.family
        if self.jr:
            family = f"{family}, {self.jr}"
        return f"{family}, {self.first}" if self.first else family

    @lru_cache(maxsize=65536)  # noqa: B019 - names are few and live for the whole run
    def display(self, style: str = "first-last") -> str:
        if style == "initials":
            return self.initials_last()
        if style == "last-first":
            return self.last_first()
        return self.first_last()


def _initial(token: str) -> str:
    # "Jean-Paul" gives "J.-P.", as BibTeX's {f.} does.
    pieces = [p for p in token.split("-") if p]
    return "-".join(p[0] + "." for p in pieces) if pieces else token


@dataclass(frozen=True, slots=True)
class Author:
    name: Name
    is_owner: bool = False
    marks: tuple[str, ...] = ()
    others: bool = False  # BibTeX "and others": rendered as "et al."
    url: str | None = None

    def display(self, style: str = "first-last") -> str:
        return "et al." if self.others else self.name.display(style)


@dataclass(frozen=True, slots=True)
class Mark:
    id: str
    symbol: str
    legend: str


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    award: bool = False


@dataclass(frozen=True, slots=True)
class Venue:
    name: str
    year: str = ""
    notes: tuple[Note, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class Publication:
    key: str
    slug: str
    kind: str
    entry_type: str
    title: str
    authors: tuple[Author, ...]
    year: str
    month: int | None
    venues: tuple[Venue, ...]
    links: tuple[Link, ...]
    abstract: str = ""
    doi: str = ""
    arxiv: str = ""
    selected: bool = False
    tags: tuple[str, ...] = ()
    status: str = "published"
    source_file: str = ""
    source_line: int = 0
    bibtex: str = ""
    fields: tuple[tuple[str, str], ...] = ()  # decoded extra fields (journal, volume, pages...)
    raw_fields: tuple[tuple[str, str], ...] = ()  # resolved BibTeX values, for BibTeX export

    @property
    def year_number(self) -> int | None:
        """The four-digit year in `year` ("2021", "{\\noopsort{a}}1973"), if any."""
        m = _FOUR_DIGITS.search(self.year)
        return int(m.group(0)) if m else None

    def iso_date(self) -> str:
        """"2021-05", "2021", or "" when there is no year."""
        year = self.year_number
        if year is None:
            return ""
        return f"{year:04d}-{self.month:02d}" if self.month else f"{year:04d}"

    @property
    def marks_used(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a in self.authors:
            for m in a.marks:
                seen.setdefault(m)
        return tuple(seen)

    def field(self, name: str) -> str:
        for k, v in self.fields:
            if k == name:
                return v
        return ""


@dataclass(frozen=True, slots=True)
class Position:
    title: str
    organization: str = ""
    url: str = ""


@dataclass(frozen=True, slots=True)
class NewsItem:
    text: str
    date: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    body: str


@dataclass(frozen=True, slots=True)
class ProfileLink:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class OwnerSpec:
    name: str
    aliases: tuple[str, ...] = ()
    match_initials: bool = False


@dataclass(frozen=True, slots=True)
class PublicationSettings:
    heading: str = "Publications"
    name_style: str = "first-last"
    max_authors: int = 0
    group_by: str = "none"
    legend: str = "entry"
    per_paper_pages: bool = True


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    owner: OwnerSpec
    positions: tuple[Position, ...] = ()
    email: str = ""
    email_display: str = ""
    email_mailto: bool = False
    photo: str = ""
    photo_alt: str = ""
    about: str = ""
    news_heading: str = ""
    news: tuple[NewsItem, ...] = ()
    sections: tuple[Section, ...] = ()
    links: tuple[ProfileLink, ...] = ()
    coauthors: tuple[tuple[str, str], ...] = ()
    marks: tuple[Mark, ...] = ()
    publications: PublicationSettings = field(default_factory=PublicationSettings)
    title: str = ""
    description: str = ""
    lang: str = "en"
    base_url: str = ""
    source_file: str = ""

    def mark(self, mark_id: str) -> Mark | None:
        for m in self.marks:
            if m.id == mark_id:
                return m
        return None


@dataclass(frozen=True, slots=True)
class Site:
    profile: Profile
    publications: tuple[Publication, ...]
