"""The entry view: the one place that decides what an entry shows.

Each entry becomes one format-neutral document (`Doc`), as pybtex's richtext builds one:
text, punctuation, named parts (`Tag`), links, and the gaps of a cut author list. The
part functions (`author_part`, `authors_part`, `venue_part`, `venues_part`, `legend_part`,
`reference_part`) decide each part's content, order and punctuation; `EntryView.site` and
`EntryView.cv` put the parts of an entry together. Every output writes the same document
through a `Format`, which supplies only its escaping and the markup of each kind of node
(the plain-text defaults are here, the others in render/formats.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import ClassVar

from pubsite.model import identifiers
from pubsite.model.choices import GroupBy, Kind
from pubsite.model.site import Author, Link, Mark, Note, Profile, Publication, Venue

KIND_LABELS = {
    Kind.JOURNAL: "Journal articles", Kind.CONFERENCE: "Conference papers",
    Kind.PREPRINT: "Preprints", Kind.THESIS: "Theses", Kind.BOOK: "Books",
    Kind.CHAPTER: "Book chapters", Kind.REPORT: "Reports", Kind.PROCEEDINGS: "Proceedings",
    Kind.PATENT: "Patents", Kind.OTHER: "Other",
}


@dataclass(frozen=True, slots=True)
class Group:
    title: str
    publications: tuple[Publication, ...]


def group(pubs: tuple[Publication, ...] | list[Publication], by: GroupBy) -> list[Group]:
    if by == "none":
        return [Group("", tuple(pubs))]
    groups: dict[str, list[Publication]] = {}
    for p in pubs:
        label = (p.year_label or "Undated") if by == "year" else \
            KIND_LABELS[p.kind]
        groups.setdefault(label, []).append(p)
    if by == "type":
        order = list(KIND_LABELS.values())
        return [Group(k, tuple(groups[k])) for k in sorted(
            groups, key=lambda k: order.index(k) if k in order else len(order))]
    return [Group(k, tuple(v)) for k, v in groups.items()]


def shown_authors(authors: tuple[Author, ...], limit: int) -> list[Author | None]:
    """The authors to show when the list is cut to `limit`; None marks an ellipsis."""
    return [None if isinstance(x, int) else x for x in author_runs(authors, limit)]


def author_runs(authors: tuple[Author, ...], limit: int) -> list[Author | int]:
    """The list cut to `limit`: the authors shown, and for each gap how many it hides.

    The owner and every marked author (co-first, corresponding) stay visible:
    A, B, 9, Owner, 3, Z.
    """
    if limit <= 0 or len(authors) <= limit:
        return list(authors)
    keep = set(range(max(limit - 1, 1))) | {len(authors) - 1}
    keep |= {i for i, a in enumerate(authors) if a.is_owner or a.marks}
    # A gap of one name would be a button as long as the name it hides: show the name.
    keep |= {i for i in range(len(authors)) if i not in keep
             and (i == 0 or i - 1 in keep) and (i + 1 == len(authors) or i + 1 in keep)}
    out: list[Author | int] = []
    for i, a in enumerate(authors):
        if i in keep:
            out.append(a)
        elif out and isinstance(out[-1], int):
            out[-1] += 1
        else:
            out.append(1)
    return out


def legend_marks(profile: Profile, mark_ids: tuple[str, ...]) -> list[Mark]:
    return [m for m in (profile.mark(mid) for mid in mark_ids) if m is not None]


def legend_text(marks: list[Mark]) -> str:
    if not marks:
        return ""
    return "(" + "; ".join(f"{m.symbol} {m.legend}" for m in marks) + ")"


def marks_in(pubs: tuple[Publication, ...] | list[Publication]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for p in pubs:
        for m in p.marks_used:
            seen.setdefault(m)
    return tuple(seen)


def shown_text(profile: Profile, pubs: tuple[Publication, ...] | list[Publication]
               ) -> Iterator[str]:
    """Every text an entry list shows (for what an output format must be able to print)."""
    yield profile.name
    for m in profile.marks:
        yield m.symbol + m.legend
    for p in pubs:
        yield p.title
        for a in p.authors:
            yield a.display()
        for v in p.venues:
            yield v.name + v.year + "".join(n.text for n in v.notes)
        for link in p.links:
            yield link.label


def scholar_meta(p: Publication, base_url: str = "") -> list[tuple[str, str]]:
    """Google Scholar's citation_* tags for a paper page, from what the data holds: never a
    made-up publisher, never an editor as an author. A PDF copied into the site needs
    base_url: Scholar reads only absolute URLs."""
    out = [("citation_title", p.title)]
    if not p.edited:  # Scholar has no tag for editors; they are not its authors
        out += [("citation_author", a.name.last_first()) for a in p.authors if not a.others]
    if p.year_number:
        month = f"/{p.month:02d}" if p.month else ""
        out.append(("citation_publication_date", f"{p.year_number}{month}"))
    venue = p.venues[0].name if p.venues and not p.venues[0].placeholder else ""
    where = {Kind.JOURNAL: ("citation_journal_title", p.container or venue),
             Kind.CONFERENCE: ("citation_conference_title", p.container or venue),
             Kind.THESIS: ("citation_dissertation_institution", p.institution or venue),
             Kind.REPORT: ("citation_technical_report_institution",
                           p.institution or venue)}.get(p.kind)
    if where and where[1]:
        out.append(where)
    if p.number:
        out.append(("citation_technical_report_number" if p.kind is Kind.REPORT
                    else "citation_issue", p.number))
    if p.publisher and p.kind in _PUBLISHED_BY:
        out.append(("citation_publisher", p.publisher))
    out += [(tag, value) for tag, value in (("citation_volume", p.volume),
                                            ("citation_isbn", p.isbn)) if value]
    out += [(tag, value) for tag, value in (("citation_firstpage", p.first_page),
                                            ("citation_lastpage", p.last_page)) if value]
    if p.doi:
        out.append(("citation_doi", p.doi))
    if p.arxiv:
        out.append(("citation_arxiv_id", p.arxiv))
    full = p.fulltext
    pdf = "" if full is None else full.url if not full.local else \
        f"{base_url}/{full.url}" if base_url else ""
    if pdf:
        out.append(("citation_pdf_url", pdf))
    return out


# --- The full reference of a CV -------------------------------------------------------

_PUBLISHED_BY = frozenset((Kind.BOOK, Kind.CHAPTER, Kind.PROCEEDINGS, Kind.OTHER))


def reference_details(p: Publication) -> str:
    """What a full reference adds to the venue: volume(issue), pages, and the publisher of
    a book (unless the venue already names it)."""
    parts: list[str] = []
    if p.volume:
        journal = p.kind is Kind.JOURNAL
        parts.append((f"{p.volume}({p.number})" if p.number else p.volume) if journal
                     else f"vol. {p.volume}")
    elif p.number and p.kind is Kind.JOURNAL:
        parts.append(f"no. {p.number}")
    if p.pages:
        parts.append(("pp. " if re.search(r"[–,]", p.pages) else "p. ") + p.pages)
    if p.publisher and p.kind in _PUBLISHED_BY and \
            not any(p.publisher in v.name for v in p.venues):
        parts.append(p.publisher)
    return ", ".join(parts)


def reference_ids(p: Publication) -> list[Link]:
    """The identifiers a full reference shows: the DOI, and the arXiv id of a preprint
    (or of a paper without a DOI)."""
    out = [Link(f"doi:{p.doi}", identifiers.doi_url(p.doi))] if p.doi else []
    if p.arxiv and (p.kind is Kind.PREPRINT or not p.doi):
        out.append(Link(f"arXiv:{p.arxiv}", identifiers.arxiv_url(p.arxiv)))
    return out


def other_links(p: Publication, ids: list[Link]) -> tuple[Link, ...]:
    """The entry's links without those its identifiers already give."""
    shown = {link.url for link in ids}
    return tuple(link for link in p.links if link.url not in shown)


def stop(text: str) -> str:
    """The full stop after a part, unless it ends in one: "Smith, Jr." takes none."""
    return "" if text.rstrip().endswith((".", "?", "!")) else "."


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def page_description(p: Publication, fmt: Format) -> str:
    """What a search result or a shared link says about a paper page: the abstract's first
    sentence, else the entry's summary (`EntryView.summary`, which `fmt` writes as plain
    text: a venue without its notes), at most ~300 characters."""
    if p.abstract:
        text = _SENTENCE_END.split(p.abstract, maxsplit=1)[0]
    else:
        text = fmt.write(fmt.view.summary(p)).line
    return text if len(text) <= 300 else text[:299].rsplit(" ", 1)[0] + "…"


def profile_description(profile: Profile) -> str:
    """The homepage's description: the profile's own, else name and positions."""
    if profile.description:
        return profile.description
    roles = "; ".join(", ".join(x for x in (pos.title, pos.organization) if x)
                      for pos in profile.positions)
    return f"{profile.name}: {roles}. Publications and contact." if roles else \
        f"{profile.name}: publications and contact."


# --- The CV's other sections --------------------------------------------------------

def date_span(start: str, end: str) -> str:
    """"2014-09 – 2020-05", "2019 – present", or one date."""
    if start and end:
        return f"{start} – {end}"
    return f"{start} – present" if start else end


def cv_sections(profile: Profile) -> list[tuple[str, list[tuple[str, str]]]]:
    """The CV's sections before the publications, as (title, [(when, what)]) in plain
    text: what cv.pdf and the text formats print (the CV page spells the same in HTML)."""
    def join(*parts: str) -> str:
        return ", ".join(p for p in parts if p)

    sections = [
        ("Positions", [(date_span(p.start_date, p.end_date), join(p.title, p.organization))
                       for p in profile.positions]),
        ("Education", [(date_span(e.start_date, e.end_date),
                        join(f"{e.study_type} in {e.area}" if e.study_type and e.area
                             else e.study_type or e.area, e.institution))
                       for e in profile.education]),
        ("Awards and honours", [(a.date, join(a.title, a.awarder)) for a in profile.awards]),
        ("Talks", [(t.date, join(t.title, t.event)) for t in profile.talks]),
        ("Teaching", [(t.date, join(t.course, t.role, t.institution))
                      for t in profile.teaching]),
        ("Service", [(s.date, join(s.role, s.organization)) for s in profile.service]),
    ]
    return [(title, rows) for title, rows in sections if rows]


def editors_label(pub: Publication) -> str:
    return " (ed.)" if len(pub.authors) == 1 else " (eds.)"


def obfuscate_email(email: str) -> str:
    """An address shown as text that harvesters do not read as one, in every format."""
    local, _, domain = email.partition("@")
    return f"{local} AT {domain.replace('.', ' DOT ')}" if domain else email


def email_shown(profile: Profile) -> tuple[str, str]:
    """The email as every output shows it, decided here once: its text (email_display as
    written, else email, obfuscated unless email_mailto), and the mailto: address the
    text links to ('' for none: email_mailto without email links nothing)."""
    href = "mailto:" + profile.email if profile.email and profile.email_mailto else ""
    text = profile.email_display or (profile.email if href else
                                     obfuscate_email(profile.email))
    return text, href




# --- The entry's document -------------------------------------------------------------
# One format-neutral structure per entry, as pybtex's richtext: a `str` is text (the format
# escapes it), `Punct` the punctuation the view puts between parts (written as it is), a
# `Tag` a named part (the format decides its markup), an `Href` a link, a `Gap` the authors
# a cut list hides, a `Cut` a list with its short form. The functions below are the one
# place that decides each part's content, order and punctuation; `Format` only writes it.


class Punct(str):
    """Punctuation between parts (", ", " (", ")"): the same in every format, not escaped."""


@dataclass(frozen=True, slots=True)
class Tag:
    """A named part. `info` is what it carries besides its text: an author's page, a
    mark's legend, the full name behind a short venue."""
    name: str
    children: tuple[Node, ...]
    info: str = ""


@dataclass(frozen=True, slots=True)
class Href:
    url: str
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Gap:
    """Authors a cut list leaves out: how many, of how many, editors or authors. `more` is
    what the entry's one control reveals, every name the list hides, on its first gap only
    (0 on the others, which read "…"): two buttons in one entry would each claim to be
    the way to the rest."""
    hidden: int
    total: int
    edited: bool
    more: int = 0


@dataclass(frozen=True, slots=True)
class Cut:
    """A list cut to its limit: a format shows `short`; the site shows both, to expand."""
    full: tuple[Node, ...]
    short: tuple[Node, ...]


Node = str | Tag | Href | Gap | Cut


_SEPARATORS: dict[str, Punct] = {}


def join(sep: str, parts: Iterable[Node]) -> tuple[Node, ...]:
    """The parts that are not empty, with `sep` between them (pybtex's join)."""
    between = _SEPARATORS.get(sep) or _SEPARATORS.setdefault(sep, Punct(sep))
    out: list[Node] = []
    for part in parts:
        if not part or (type(part) is Tag and not part.children):
            continue
        if out:
            out.append(between)
        out.append(part)
    return tuple(out)


_COMMA, _SPACE = Punct(", "), Punct(" ")


def last_text(nodes: tuple[Node, ...]) -> str:
    """The text a part ends with (what its full stop depends on)."""
    for node in reversed(nodes):
        if isinstance(node, str):
            found = node if node.strip() else ""
        elif isinstance(node, Gap):
            found = "…"
        else:
            found = last_text(node.short if isinstance(node, Cut) else node.children)
        if found:
            return found
    return ""


def stopped(nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    """A part with its full stop, unless it already ends in one ("Smith, Jr.")."""
    end = stop(last_text(nodes)) if nodes else ""
    return (*nodes, Punct(end)) if end else nodes


def author_part(a: Author, profile: Profile) -> Tag:
    """One author: the name in the profile's style, the owner's emphasised, and the marks."""
    if a.others:
        return Tag("author", (Tag("name", ("et al.",)),))
    name: tuple[Node, ...] = (a.display(profile.publications.name_style),)
    if a.is_owner:
        name = (Tag("owner-name", name),)
    parts: tuple[Node, ...] = (Tag("name", name, a.url or ""),)
    if a.marks:
        parts += (Tag("marks", tuple(Tag("mark", (m.symbol,), m.legend)
                                     for m in legend_marks(profile, a.marks))),)
    return Tag("owner" if a.is_owner else "author", parts)


def authors_part(pub: Publication, limit: int, author: Callable[[Author], Tag]
                 ) -> tuple[Node, ...]:
    """The author list, cut to `limit` (the owner and marked authors stay), "(eds.)"."""
    editors = (Tag("editors", (editors_label(pub),)),) if pub.edited else ()
    # Built directly, not by `join`: authors are never empty, and a list has thousands.
    full: list[Node] = [_COMMA] * (2 * len(pub.authors) - 1) if pub.authors else []
    full[::2] = map(author, pub.authors)
    full += editors
    if limit <= 0 or len(pub.authors) <= limit:
        return tuple(full)
    total = len(pub.authors)
    runs = author_runs(pub.authors, limit)
    first = next((i for i, x in enumerate(runs) if isinstance(x, int)), -1)
    more = sum(x for x in runs if isinstance(x, int))
    short = join(", ", (author(x) if not isinstance(x, int) else
                        Gap(x, total, pub.edited, more if i == first else 0)
                        for i, x in enumerate(runs)))
    return (Cut(tuple(full), (*short, *editors)),)


def note_part(n: Note) -> Tag:
    return Tag("award" if n.award else "note", (n.text,))


def venue_part(v: Venue, details: str = "", spelled: str = "") -> Tag:
    """One venue: its name, a full reference's details (volume, pages), the year, and the
    notes and awards in parentheses: "Nature, 521(7553), pp. 436–444, 2015 (Oral)".
    `spelled` is the name in full the site writes after the short one (al-folio's "AAAI
    In Proceedings of ..., 34(05), pp. 9604–9611, Jan 2020"): a hover is not on a phone."""
    # Spelled out, the full name needs no hover.
    name = Tag("venue-name", (v.name,), "" if spelled else v.full) if v.name else ""
    if spelled:
        rest = join(", ", (Tag("venue-full", (spelled,)), details, v.year))
        head: tuple[Node, ...] = (name, _SPACE, *rest) if name else rest
    elif details:
        head = join(", ", (name, details, v.year))
    else:
        head = join(" ", (name, v.year))
    if not v.notes:
        return Tag("venue", head)
    notes = Tag("venue-notes", (Punct("("), *join("; ", map(note_part, v.notes)), Punct(")")))
    return Tag("venue", (*head, Tag("notes", (Punct(" "), notes))))


def venues_part(venues: tuple[Venue, ...], details: str,
                venue: Callable[[Venue, str], Tag]) -> tuple[Node, ...]:
    """The venue line: each venue, the first with a full reference's details."""
    if not venues:
        return (Tag("venue", (details,)),) if details else ()
    return join(", ", (venue(v, details if i == 0 else "") for i, v in enumerate(venues)))


def legend_part(profile: Profile, mark_ids: tuple[str, ...]) -> tuple[Node, ...]:
    text = legend_text(legend_marks(profile, mark_ids))
    return (Tag("legend", (text,)),) if text else ()


def reference_part(pub: Publication, ids: list[Link] | None,
                   venue: Callable[[Venue, str], Tag]) -> tuple[Node, ...]:
    """The venue line of a CV entry with its full stop; in the full style (given the
    entry's `reference_ids`) with volume(issue), pages, publisher, and the identifiers
    after it."""
    full = ids is not None
    line = stopped(venues_part(pub.venues, reference_details(pub) if full else "", venue))
    shown = join(" ", (Href(x.url, (Tag("id", (x.label,)),)) for x in ids or ()))
    return (*line, _SPACE, *shown) if line and shown else line or shown


def cv_links(pub: Publication, ids: list[Link] | None) -> tuple[Link, ...]:
    """The links a CV entry lists: in the full style (given its `reference_ids`) those the
    identifiers do not already give; in the short style every link and the DOI, as the
    homepage links them."""
    if ids is not None:
        return other_links(pub, ids)
    doi = identifiers.doi_url(pub.doi) if pub.doi else ""
    if doi and doi not in {x.url for x in pub.links}:
        return (*pub.links, Link("DOI", doi))
    return pub.links


_LINK_SEP = Tag("sep", (Punct(" · "),))


def links_part(links: tuple[Link, ...]) -> tuple[Node, ...]:
    """The links by their labels, a middle dot between two."""
    out: list[Node] = []
    for x in links:
        if out:
            out.append(_LINK_SEP)
        out.append(Href(x.url, (x.label,)))
    return part("links", tuple(out))


@dataclass(frozen=True, slots=True)
class Doc:
    """An entry as named parts in the order it reads, each ready for any format to write:
    `title`, `authors`, `legend`, `venue` (the venue line on the site, the reference in a
    CV; a CV's parts end in their full stops), `links`. The view decides which parts an
    entry has and their order; a format writes and joins them (`Format.write`). The site's
    links are its templates' (each relative to the page): its doc has none."""
    parts: tuple[tuple[str, tuple[Node, ...]], ...]

    def part(self, name: str) -> tuple[Node, ...]:
        return next((nodes for n, nodes in self.parts if n == name), ())


class EntryView:
    """The entry view of one profile: builds each entry's `Doc`. An author's and a venue's
    part are made once: they repeat thousands of times in a list."""

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        # Each entry of a list carries its legend, or the list has one at its end.
        self.legend_per_entry = profile.publications.legend == "entry"
        # Kept: a cold 1,000-entry build 0.84 s with them, 1.03 s without (5 runs each).
        self._authors: dict[Author, Tag] = {}
        self._venues: dict[Venue, Tag] = {}

    def author(self, a: Author) -> Tag:
        found = self._authors.get(a)
        if found is None:
            found = self._authors[a] = author_part(a, self.profile)
        return found

    def authors(self, pub: Publication, limit: int = 0) -> tuple[Node, ...]:
        return authors_part(pub, limit, self.author)

    def venue(self, v: Venue, details: str = "") -> Tag:
        if details:  # a full reference's venue is its entry's own: nothing to share
            return venue_part(v, details)
        found = self._venues.get(v)
        if found is None:
            found = self._venues[v] = venue_part(v)
        return found

    def venues(self, venues: tuple[Venue, ...], details: str = "") -> tuple[Node, ...]:
        return venues_part(venues, details, self.venue)

    def reference(self, pub: Publication, full: bool) -> tuple[Node, ...]:
        return reference_part(pub, reference_ids(pub) if full else None, self.venue)

    def site(self, pub: Publication, limit: int = 0, legend: bool | None = None) -> Doc:
        """An entry of the site's list (`legend`: None, where the profile says) or its
        paper page (True): parts on lines of their own."""
        if legend is None:
            legend = self.legend_per_entry
        return ordered(title=part("title", (pub.title,)), authors=self.authors(pub, limit),
                       legend=legend_part(self.profile, pub.marks_used) if legend else (),
                       venue=site_venues_part(pub, self.venue))

    def cv(self, pub: Publication, full: bool, limit: int = 0, links: bool = True) -> Doc:
        """An entry of a CV list: each part a sentence with its full stop; the legend where
        the profile puts it on each entry, the links where the format can hold them."""
        ids = reference_ids(pub) if full else None
        legend = self.legend_per_entry
        # An entry without a title still reads as sentences: its title's stop stays.
        return ordered(title=stopped((Tag("title", (pub.title,)),)),
                       authors=stopped(part("authors", self.authors(pub, limit))),
                       legend=legend_part(self.profile, pub.marks_used) if legend else (),
                       venue=part("reference", reference_part(pub, ids, self.venue)),
                       links=links_part(cv_links(pub, ids)) if links else ())

    def dated(self, pub: Publication) -> Doc:
        """An entry of a list that sets its date apart (RenderCV's): the venue line with
        the reference's details and without the year."""
        venues = tuple(replace(v, year="") for v in pub.venues)
        return ordered(title=part("title", (pub.title,)), authors=self.authors(pub),
                       venue=self.venues(venues, reference_details(pub)))

    def feed(self, pub: Publication) -> Doc:
        """An Atom feed's summary of a paper: where and when it appeared, its abstract."""
        return ordered(venue=self.venues(pub.venues), abstract=part("abstract", (pub.abstract,)))

    def summary(self, pub: Publication) -> Doc:
        """What a search result or a shared link says of a paper: its title and where and
        when it appeared."""
        return ordered(title=part("title", (pub.title,)), venue=self.venues(pub.venues))


# The order in which an entry's parts read, in every output that writes them (the site's
# list and paper page, index.md, the CV lists, the meta description): written once, here.
ORDER = ("title", "authors", "legend", "venue", "abstract", "links")


def ordered(**parts: tuple[Node, ...]) -> Doc:
    return Doc(tuple((name, parts[name]) for name in ORDER if name in parts))


def dated(v: Venue, month: int | None) -> Venue:
    """The venue with its month before the year, as a reader writes it: "Jan 2020"."""
    if not month or not v.year:
        return v
    return replace(v, year=f"{identifiers.MONTHS[month - 1][:3]} {v.year}")


_IN = frozenset((Kind.CONFERENCE, Kind.CHAPTER, Kind.PROCEEDINGS))


def site_venues_part(pub: Publication, venue: Callable[[Venue, str], Tag]
                     ) -> tuple[Node, ...]:
    """The site's venue line: the first venue spelled out in full after its short name
    ("In" before a book's or proceedings' name), with volume, pages and month; the venues
    after it (`also`) as short as they are written."""
    if not pub.venues:
        return venues_part((), reference_details(pub), venue)
    first = dated(pub.venues[0], pub.month)
    spelled = ("In " if pub.kind in _IN else "") + first.full if first.full else ""
    head = venue_part(first, reference_details(pub), spelled)
    return join(", ", (head, *(venue(v, "") for v in pub.venues[1:])))


def part(name: str, nodes: tuple[Node, ...]) -> tuple[Node, ...]:
    """`nodes` as one named part, or nothing when there are none."""
    return (Tag(name, nodes),) if nodes and nodes != ("",) else ()


@dataclass(frozen=True, slots=True)
class Written:
    """A `Doc` in one format: its written parts in the view's order (the title always,
    the others where they say something), and `line`, the parts joined with the format's
    separators. Templates place `line`, or each of `parts` in an element of its own."""
    parts: tuple[tuple[str, str], ...]
    line: str

    def get(self, name: str) -> str:
        return next((text for n, text in self.parts if n == name), "")

    def __getattr__(self, name: str) -> str:
        # One part alone (`doc.title`), for a page that places it apart (a heading) or a
        # theme copied before `parts`.
        if name in ORDER:
            return self.get(name)
        raise AttributeError(name)


def _as_is(text: str) -> str:
    return text


class Raw(str):
    """Text already in the output format."""


_REPEATED = frozenset(("author", "owner", "venue"))


class Format:
    """How one output format writes the document's nodes: its escaper and the markup of
    the named parts it marks up; the defaults are plain text. Each author's text is made
    once per format."""

    ellipsis = "…"
    sep = " "  # between two parts of an entry's line
    seps: ClassVar[Mapping[str, str]] = {}  # before the parts that take another
    hyperlinks = True  # the format can hold links: a CV entry shows its links part
    # Its escaper, one function for every instance (a template environment made with it
    # is cached by it) and its already-written text, which templates do not escape again.
    esc: Callable[[str], str] = staticmethod(_as_is)
    url: Callable[[str], str] = staticmethod(_as_is)  # a link's address as the format writes it
    raw: type[str] = Raw
    medium = "text"  # the kind of template that writes its lists: "html", "latex", ...
    list_template = "cv/text.txt"  # its publication list, where it has one

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.view = EntryView(profile)
        # The text of each author and venue the view made (kept with it, so that its id
        # stays its own): they repeat thousands of times in a list. Kept: a cold
        # 1,000-entry build 0.84 s with it, 0.93 s without (5 runs each).
        self._done: dict[int, tuple[Tag, str]] = {}
        self._tags: dict[str, Callable[[str], str]] = {
            "owner": self.strong, "award": self.award, "note": self.note,
            "marks": self.marks, "name": self.name, "title": self.title}

    def strong(self, text: str) -> str:
        return text

    def award(self, text: str) -> str:
        return self.strong(text)

    def note(self, text: str) -> str:
        return text

    def marks(self, text: str) -> str:
        return text

    def name(self, text: str) -> str:
        return text

    def title(self, text: str) -> str:
        return text

    def href(self, url: str, text: str) -> str:
        return text

    def gap(self, node: Gap) -> str:
        return self.ellipsis

    def tag(self, node: Tag, inner: str) -> str:
        how = self._tags.get(node.name)
        return how(inner) if how else inner

    def render(self, nodes: tuple[Node, ...]) -> str:
        # One loop with the common nodes first: a list of 1,000 entries writes ~50,000
        # nodes per format, most of them separators and authors already written.
        done = self._done
        out: list[str] = []
        for node in nodes:
            if type(node) is Punct:
                out.append(node)
            elif type(node) is Tag:
                found = done.get(id(node))  # an author or venue written before
                out.append(found[1] if found is not None else self._tag(node))
            else:
                out.append(self.node(node))
        return "".join(out)

    def node(self, node: Node) -> str:
        if isinstance(node, str):
            return node if type(node) is Punct else self.esc(node)
        if isinstance(node, Tag):
            return self._tag(node)
        if isinstance(node, Href):
            return self.href(node.url, self.render(node.children))
        return self.gap(node) if isinstance(node, Gap) else self.cut(node)

    def _tag(self, node: Tag) -> str:
        if node.name in _REPEATED:
            found = self._done.get(id(node))
            if found is None:
                found = self._done[id(node)] = (node, self.tag(node, self.render(node.children)))
            return found[1]
        children = node.children
        inner = self.esc(children[0]) if len(children) == 1 and type(children[0]) is str \
            else self.render(children)  # most parts are one text
        return self.tag(node, inner) if inner else ""

    def cut(self, node: Cut) -> str:
        return self.render(node.short)

    def write(self, doc: Doc, wrap: Callable[[str], str] = str) -> Written:
        parts = [(name, self.render(nodes)) for name, nodes in doc.parts]
        kept = tuple((name, wrap(text)) for name, text in parts if text or name == "title")
        line: list[str] = []
        for name, text in parts:
            if text:
                if line:
                    line.append(self.seps.get(name, self.sep))
                line.append(text)
        return Written(kept, wrap("".join(line)))

    # Single parts, for the outputs that place one part alone.
    def author(self, a: Author) -> str:
        return self.node(self.view.author(a))

    def authors(self, pub: Publication, limit: int = 0) -> str:
        return self.render(self.view.authors(pub, limit))

    def venues(self, venues: tuple[Venue, ...]) -> str:
        return self.render(self.view.venues(venues))

    def legend(self, pub: Publication) -> str:
        return self.render(legend_part(self.profile, pub.marks_used))

    def reference(self, pub: Publication, full: bool) -> str:
        return self.render(self.view.reference(pub, full))


class Plain(Format):
    """Plain text: no escaping, no emphasis, no links (text CV, JSON fields)."""

    hyperlinks = False

    def award(self, text: str) -> str:
        return text


class Sentences(Plain):
    """Plain text whose parts are sentences (an Atom feed's summary)."""

    sep = ". "


class Summary(Sentences):
    """The short plain text of a meta description: a venue without its notes."""

    def tag(self, node: Tag, inner: str) -> str:
        return "" if node.name == "notes" else super().tag(node, inner)
