"""The normalised model every renderer reads: frozen, Unicode, free of markup."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pubsite.model import identifiers

# The model's vocabulary lives in model/choices.py: the CLI builds its options from it
# without loading the model's classes.
from pubsite.model.choices import (
    Check,
    CitationService,
    Front,
    GroupBy,
    Kind,
    Legend,
    NameStyle,
    PaperSize,
    SortOrder,
)
from pubsite.projectfiles import ProjectFile

# What a renderer gives the write stage for one file: text, bytes, text in pieces, or a
# project file to copy as it is (streamed, checked again when it is opened).
Content = str | bytes | Iterable[str] | Iterable[bytes] | ProjectFile

_FOUR_DIGITS = re.compile(r"\d{4}")
_FORTHCOMING = re.compile(r"appear|forthcoming|press|accepted|submitted|review|preparation|"
                          r"print", re.I)


class Status(StrEnum):
    """Where a work stands: a .bib's `status`, biblatex's `pubstate`, or decided from its
    kind and venue (a work shown as "Preprint" is one)."""
    PUBLISHED = "published"
    PREPRINT = "preprint"
    IN_PRESS = "in press"
    FORTHCOMING = "forthcoming"
    ACCEPTED = "accepted"
    SUBMITTED = "submitted"
    IN_PREPARATION = "in preparation"
    WORKING_PAPER = "working paper"


@dataclass(frozen=True, slots=True)
class Name:
    first: str = ""
    von: str = ""
    last: str = ""
    jr: str = ""

    @property
    def family(self) -> str:
        if self.von.endswith(("-", "'", "\u2019")):  # "al-Badri", "d'Alembert"
            return self.von + self.last
        return f"{self.von} {self.last}".strip()

    @lru_cache(maxsize=65536)  # noqa: B019 - names are few and live for the whole run
    def first_last(self) -> str:
        parts = [self.first, self.family]
        text = " ".join(p for p in parts if p)
        return f"{text}, {self.jr}" if self.jr else text

    def initials_last(self) -> str:
        initials = " ".join(_initial(t) for t in self.first.split())
        text = " ".join(p for p in (initials, self.family) if p)
        return f"{text}, {self.jr}" if self.jr else text

    @lru_cache(maxsize=65536)  # noqa: B019 - names are few and live for the whole run
    def last_first(self) -> str:
        family = self.family
        if self.jr:
            family = f"{family}, {self.jr}"
        return f"{family}, {self.first}" if self.first else family

    @lru_cache(maxsize=65536)  # noqa: B019 - names are few and live for the whole run
    def display(self, style: NameStyle = "first-last") -> str:
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

    def display(self, style: NameStyle = "first-last") -> str:
        return "et al." if self.others else self.name.display(style)


@dataclass(frozen=True, slots=True)
class Note:
    text: str
    award: bool = False


@dataclass(frozen=True, slots=True)
class Venue:
    name: str
    year: str = ""
    notes: tuple[Note, ...] = ()
    full: str = ""  # the journal or proceedings in full, where `name` is a short form
    # "Preprint" shown where no field names where a preprint appeared: not a venue name,
    # so outputs that name a publisher or container leave it out.
    placeholder: bool = False


@dataclass(frozen=True, slots=True)
class Preview:
    """A paper's preview image: a project file copied into the site, with its size (the
    page reserves the space: no layout shift)."""
    path: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class Link:
    label: str
    url: str
    local: bool = False  # a file of the project copied into the site; url relative to its root


@dataclass(frozen=True, slots=True)
class Publication:
    key: str
    slug: str
    kind: Kind
    entry_type: str
    title: str  # with biblatex's subtitle and titleaddon: "Title: Subtitle. Addon"
    authors: tuple[Author, ...]
    year: str
    month: int | None
    venues: tuple[Venue, ...]
    links: tuple[Link, ...]
    abstract: str = ""
    doi: str = ""
    arxiv: str = ""
    selected: bool = False
    edited: bool = False  # the names are the editors of an edited volume (no author field)
    preview: Preview | None = None
    tags: tuple[str, ...] = ()
    status: Status = Status.PUBLISHED
    # The journal or proceedings (journal, journaltitle, booktitle, eventtitle), and the
    # short form a `venue` or `abbr` field gives; "" where there is none.
    container: str = ""
    container_short: str = ""
    title_tex: str = ""  # `title` as TeX source, joined like `title` (CSL's case protection)
    source_file: str = ""
    source_line: int = 0
    # Where in its container the work is, and who put it out: decoded, "" where the entry
    # says nothing. Every output reads these, never the entry's fields.
    volume: str = ""
    number: str = ""  # a journal's issue, or a report's own number (`kind` tells which)
    pages: str = ""  # as shown: "12–15", "e123", "S1–S10, 20–25" (each dash an en dash)
    first_page: str = ""  # the range's ends ("12", "15"); pages that are no range are first
    last_page: str = ""
    publisher: str = ""
    place: str = ""  # the address (an event's place, biblatex's `venue`, where none is)
    institution: str = ""  # the school of a thesis or the institution of a report
    isbn: str = ""
    issn: str = ""
    # What an @unpublished or @misc says it is where that is its venue line ("Working
    # Paper"): CSL's genre; and whether the venue line is the entry's note, which says what
    # the work is and not who published it.
    genre: str = ""
    venue_is_note: bool = False
    cite_fields: tuple[tuple[str, str], ...] = ()  # the BibTeX a reader cites (see normalise)

    @property
    def year_number(self) -> int | None:
        """The four-digit year in `year` ("2021", "{\\noopsort{a}}1973"), if any."""
        m = _FOUR_DIGITS.search(self.year)
        return int(m.group(0)) if m else None

    @property
    def forthcoming(self) -> bool:
        """"to appear", "in press", "forthcoming": newer than every dated work."""
        return self.year_number is None and bool(_FORTHCOMING.search(self.year))

    @property
    def sort_year(self) -> int:
        return self.year_number or (10_000 if self.forthcoming else 0)

    @property
    def sort_key(self) -> tuple[int, int]:
        """The one order of every list and export (newest first: the largest): year, then
        month; works without a month come after the dated ones of their year."""
        return self.sort_year, self.month or 0

    @property
    def year_label(self) -> str:
        """The year a list groups and filters by: digits, "Forthcoming" or ""."""
        if self.year_number:
            return str(self.year_number)
        return "Forthcoming" if self.forthcoming else ""

    def iso_date(self) -> str:
        """"2021-05", "2021", or "" when there is no year."""
        year = self.year_number
        if year is None:
            return ""
        return f"{year:04d}-{self.month:02d}" if self.month else f"{year:04d}"

    @property
    def fulltext(self) -> Link | None:
        """Where the paper itself is (what Google Scholar needs, with the abstract): the
        link labelled PDF, else the arXiv PDF."""
        found = next((link for link in self.links if link.label == "PDF"), None)
        if found is None and self.arxiv:
            found = Link("PDF", identifiers.arxiv_pdf_url(self.arxiv))
        return found

    @property
    def marks_used(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for a in self.authors:
            for m in a.marks:
                seen.setdefault(m)
        return tuple(seen)


def sort_publications(pubs: Iterable[Publication], order: SortOrder = "newest"
                      ) -> list[Publication]:
    """Newest (or oldest) first by `Publication.sort_key`, year then month; the file's own
    order among equals (the author's choice). The one order of the site, the CV page and
    every export."""
    return sorted(pubs, key=lambda p: p.sort_key, reverse=order == "newest")


# --- The profile: declared once --------------------------------------------------------
# Each field below is a key of profile.toml: its type is the annotation, its default the
# field's (a Literal type lists the allowed values), and `key(...)` adds the help text and
# how its text is checked (`Check`: `url`, `web` for http(s) only, `markdown`, `photo` a
# path inside the project or a URL, ...).
# profile.py reads and checks profile.toml by walking these classes; nothing else lists
# the keys.

def key(default: Any, help: str, *, check: Check = "", minimum: int | None = None,
        internal: bool = False, at_most: int | None = None) -> Any:
    meta = {"help": help, "check": check, "minimum": minimum,
            "internal": internal, "at_most": at_most}
    if isinstance(default, list | dict):
        raise TypeError("use a tuple or a dataclass default")
    return field(default=default, metadata=meta)


@dataclass(frozen=True, slots=True)
class Position:
    title: str = key("", "the position, e.g. Assistant Professor")
    organization: str = key("", "where, e.g. a department and university")
    url: str = key("", "a link for the organization", check="url")
    start_date: str = key("", "from (a TOML date, 2019-09 or any text), for the CV",
                          check="date")
    end_date: str = key("", "until (empty: present), for the CV", check="date")
    summary: str = key("", "a line about it, for the CV", check="markdown")


# The CV's sections, in JSON Resume's vocabulary (snake_case): `export --format jsonresume`
# and `--format rendercv` write them as the whole CV.

@dataclass(frozen=True, slots=True)
class Education:
    institution: str = key("", "the university or school")
    area: str = key("", "the field, e.g. Computer Science")
    study_type: str = key("", "the degree, e.g. PhD")
    start_date: str = key("", "from", check="date")
    end_date: str = key("", "until", check="date")
    url: str = key("", "a link for the institution", check="url")
    summary: str = key("", "a line about it, e.g. the thesis", check="markdown")


@dataclass(frozen=True, slots=True)
class Award:
    title: str = key("", "the award")
    date: str = key("", "when", check="date")
    awarder: str = key("", "who gave it")
    summary: str = key("", "a line about it", check="markdown")


@dataclass(frozen=True, slots=True)
class Talk:
    title: str = key("", "the talk")
    event: str = key("", "where: the venue, seminar or institution")
    date: str = key("", "when", check="date")
    url: str = key("", "slides or a recording", check="url")


@dataclass(frozen=True, slots=True)
class Teaching:
    course: str = key("", "the course")
    role: str = key("", "e.g. Instructor, Teaching assistant")
    institution: str = key("", "where")
    date: str = key("", "when, e.g. Fall 2023", check="date")


@dataclass(frozen=True, slots=True)
class Service:
    role: str = key("", "e.g. Program committee member")
    organization: str = key("", "e.g. a conference or journal")
    date: str = key("", "when", check="date")


@dataclass(frozen=True, slots=True)
class NewsItem:
    text: str = key("", "the news, in Markdown", check="markdown")
    date: str = key("", "when (a TOML date or any text)", check="date")


@dataclass(frozen=True, slots=True)
class Section:
    title: str = key("", "the heading")
    body: str = key("", "the text, in Markdown", check="markdown")


@dataclass(frozen=True, slots=True)
class ProfileLink:
    label: str = key("", "the link text, e.g. Google Scholar")
    url: str = key("", "the address", check="url")


@dataclass(frozen=True, slots=True)
class OwnerSpec:
    name: str = key("", "your name as BibTeX writes it (default: name)")
    # Every author is compared with every alias: a list past this is not a person's names.
    aliases: tuple[str, ...] = key((), "other spellings of your name in author lists",
                                   at_most=100)
    match_initials: bool = key(
        True, "match initials and a given name more or fewer (false: only the name and "
        "aliases as written)")


@dataclass(frozen=True, slots=True)
class Mark:
    id: str = key("", "the mark's id (the table's key)", internal=True)
    symbol: str = key("", "the symbol put after a name, e.g. *")
    legend: str = key("", "what the symbol means")


@dataclass(frozen=True, slots=True)
class PublicationSettings:
    heading: str = key("Publications", "the heading of the list")
    name_style: NameStyle = key("first-last", "how names are written")
    max_authors: int = key(0, "authors shown before the list is cut (0: all)", minimum=0)
    group_by: GroupBy = key("none", "headings in the list")
    legend: Legend = key("entry", "where the legend of marks goes")
    per_paper_pages: bool = key(True, "a page per paper")
    bibtex_keep: tuple[str, ...] = key(
        (), "fields kept in the BibTeX visitors copy, beyond the standard ones")
    files: str = key("assets/pdf", "the folder where relative links of the .bib "
                     "(pdf = {paper.pdf}) are looked up, besides the project folder")
    venue_colors: tuple[tuple[str, str], ...] = key(
        (), "[publications.venue_colors]: a venue's badge colour, e.g. OSDI = \"#1f6feb\"",
        check="color")
    previews: str = key("assets/img/publication_preview", "the folder where preview "
                        "images (preview = {figure.png}) are looked up, besides the project")
    front: Front = key("all", "the front page lists all publications, or the selected ones "
                       "(selected = {true}) with the full list on publications/")
    selected_heading: str = key("Selected publications",
                                "the heading of the selected ones on the front page")
    citations: CitationService = key(
        "off", "citation counts by DOI or arXiv id, fetched at build time into "
        ".pubsite-citations.json beside profile.toml and shown as a badge and a total (no "
        "request from the visitor's browser)")
    citations_max_age: int = key(7, "days a fetched count is used before it is asked again",
                                 minimum=1)


DEFAULT_MARKS = (
    Mark("equal", "*", "indicates equal contributions"),
    Mark("corresponding", "†", "indicates corresponding author"),
)


@dataclass(frozen=True, slots=True)
class Profile:
    name: str = key("", "your name, as the page shows it")
    owner: OwnerSpec = key(  # frozen, safely shared
        OwnerSpec(), "how your name is found in author lists")
    positions: tuple[Position, ...] = key((), "[[positions]]: your positions")
    email: str = key("", "shown obfuscated unless email_mailto is true")
    email_display: str = key("", "shown as written instead of email (with email_mailto, "
                             "the text of the mailto: link)")
    email_mailto: bool = key(False, "show email as a mailto: link")
    photo: str = key("", "a picture beside profile.toml, or an https URL", check="photo")
    photo_alt: str = key("", "the photo's alternative text (default: Photo of NAME)")
    about: str = key("", "a paragraph about you, in Markdown", check="markdown")
    news_heading: str = key("", "the heading of the news")
    news: tuple[NewsItem, ...] = key((), "[[news]]: dated news items, newest first")
    cv: bool = key(False, "a CV page (cv/) from the profile's sections and the "
                   "publications, and cv.pdf when pdflatex is installed")
    cv_paper: PaperSize = key("letter", "cv.pdf's paper size")
    education: tuple[Education, ...] = key((), "[[education]]: degrees, for the CV")
    awards: tuple[Award, ...] = key((), "[[awards]]: awards and honours, for the CV")
    talks: tuple[Talk, ...] = key((), "[[talks]]: invited talks, for the CV")
    teaching: tuple[Teaching, ...] = key((), "[[teaching]]: courses, for the CV")
    service: tuple[Service, ...] = key((), "[[service]]: service, for the CV")
    news_front: int = key(5, "news items on the front page; with more, all are on news/",
                          minimum=1)
    sections: tuple[Section, ...] = key((), "[[sections]]: more sections of the page")
    links: tuple[ProfileLink, ...] = key((), "[[links]]: profile links")
    coauthors: tuple[tuple[str, str], ...] = key(
        (), "[coauthors]: a coauthor's name = their homepage", check="web")
    marks: tuple[Mark, ...] = key(DEFAULT_MARKS, "[marks.ID]: contribution marks")
    publications: PublicationSettings = key(  # frozen, safely shared
        PublicationSettings(), "the publication list")
    title: str = key("", "the page title (default: name)")
    description: str = key("", "the page description for search engines")
    lang: str = key("en", "the page language")
    base_url: str = key("", "where the site is served from (for feed and sitemap)",
                        check="base_url")
    source_file: str = key("", "", internal=True)

    def mark(self, mark_id: str) -> Mark | None:
        for m in self.marks:
            if m.id == mark_id:
                return m
        return None


@dataclass(frozen=True, slots=True)
class Site:
    profile: Profile
    publications: tuple[Publication, ...]
    # Project files the links name, with (size, mtime_ns), or (-1, -1) where a looked-up
    # file is missing: a build is up to date only while these stay as they were.
    files: tuple[tuple[str, int, int], ...] = ()
    # A link named a path outside the project, looked for on this computer: whether it is
    # there decides the link, so no build is up to date (only project files are stat'ed).
    looks_outside: bool = False
    # Citation counts by entry key (publications.citations), from the project's cache.
    citations: tuple[tuple[str, int], ...] = ()
