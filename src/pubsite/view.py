"""The entry view: the one place that decides what an entry shows.

Author names in the profile's style with owner and marks, the legend, the venue line
(venue, year, notes and awards), the labelled links, and the list around them (groups,
truncation that keeps the owner). A format subclasses `Format` and supplies only its
escaping and joins (pybtex's richtext is the model); every output, HTML to RenderCV, calls
the same `authors`, `venues` and `legend` here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pubsite import identifiers
from pubsite.model import Author, Link, Mark, Note, Profile, Publication, Venue

KIND_LABELS = {
    "journal": "Journal articles", "conference": "Conference papers", "preprint": "Preprints",
    "thesis": "Theses", "book": "Books", "chapter": "Book chapters", "report": "Reports",
    "proceedings": "Proceedings", "patent": "Patents", "other": "Other",
}


@dataclass(frozen=True, slots=True)
class Group:
    title: str
    publications: tuple[Publication, ...]


def group(pubs: tuple[Publication, ...] | list[Publication], by: str) -> list[Group]:
    if by == "none":
        return [Group("", tuple(pubs))]
    groups: dict[str, list[Publication]] = {}
    for p in pubs:
        label = (p.year_label or "Undated") if by == "year" else \
            KIND_LABELS.get(p.kind, p.kind.title())
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


_PAGE_RANGE = re.compile(r"^\s*([^\s\-–—]+)\s*(?:-+|–|—)\s*([^\s\-–—]+)\s*$")


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
    where = {"journal": ("citation_journal_title", p.container or venue),
             "conference": ("citation_conference_title", p.container or venue),
             "thesis": ("citation_dissertation_institution", p.field("school") or venue),
             "report": ("citation_technical_report_institution",
                        p.field("institution") or venue)}.get(p.kind)
    if where and where[1]:
        out.append(where)
    if p.kind == "report" and p.field("number"):
        out.append(("citation_technical_report_number", p.field("number")))
    elif p.field("number"):
        out.append(("citation_issue", p.field("number")))
    if p.field("publisher") and p.kind in ("book", "chapter", "proceedings", "other"):
        out.append(("citation_publisher", p.field("publisher")))
    for field, tag in (("volume", "citation_volume"), ("isbn", "citation_isbn")):
        if p.field(field):
            out.append((tag, p.field(field)))
    pages = _PAGE_RANGE.match(p.field("pages"))
    if pages:
        out += [("citation_firstpage", pages.group(1)), ("citation_lastpage", pages.group(2))]
    elif p.field("pages"):
        out.append(("citation_firstpage", p.field("pages").strip()))
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

# Spaces open a match only where their run starts (a pattern that tried each space of a
# long run read the run again from each); a dash opens one anywhere.
_DASHES = re.compile(r"(?:(?<!\s)\s+)?(?:-+|–|—)\s*")
_PUBLISHED_BY = ("book", "chapter", "proceedings", "other")


def reference_details(p: Publication) -> str:
    """What a full reference adds to the venue: volume(issue), pages, and the publisher of
    a book (unless the venue already names it)."""
    volume, number, pages = (p.field(n).strip() for n in ("volume", "number", "pages"))
    parts: list[str] = []
    if volume:
        journal = p.kind == "journal"
        parts.append((f"{volume}({number})" if number else volume) if journal
                     else f"vol. {volume}")
    elif number and p.kind == "journal":
        parts.append(f"no. {number}")
    if pages:
        pages = _DASHES.sub("–", pages)
        parts.append(("pp. " if re.search(r"[–,]", pages) else "p. ") + pages)
    publisher = p.field("publisher").strip()
    if publisher and p.kind in _PUBLISHED_BY and \
            not any(publisher in v.name for v in p.venues):
        parts.append(publisher)
    return ", ".join(parts)


def full_venues(p: Publication) -> tuple[Venue, ...]:
    """The venues with the first one's details before its year:
    "Nature, 521(7553), pp. 436–444, 2015"."""
    extra = reference_details(p)
    if not extra:
        return p.venues
    if not p.venues:
        return (Venue(extra),)
    first = p.venues[0]
    name = ", ".join(x for x in (first.name, extra) if x) + ("," if first.year else "")
    return (Venue(name, first.year, first.notes), *p.venues[1:])


def reference_ids(p: Publication) -> list[Link]:
    """The identifiers a full reference shows: the DOI, and the arXiv id of a preprint
    (or of a paper without a DOI)."""
    out = [Link(f"doi:{p.doi}", identifiers.doi_url(p.doi))] if p.doi else []
    if p.arxiv and (p.kind == "preprint" or not p.doi):
        out.append(Link(f"arXiv:{p.arxiv}", identifiers.arxiv_url(p.arxiv)))
    return out


def other_links(p: Publication, ids: list[Link]) -> tuple[Link, ...]:
    """The entry's links without those its identifiers already give."""
    shown = {link.url for link in ids}
    return tuple(link for link in p.links if link.url not in shown)


def stop(text: str) -> str:
    """The full stop after a part, unless it ends in one: "Smith, Jr." takes none."""
    return "" if text.rstrip().endswith((".", "?", "!")) else "."


def authors_stop(pub: Publication, profile: Profile) -> str:
    """The stop after the author list, from how it ends: "(eds.)", or the last author
    (always shown) with their marks. (Cheaper than spelling the whole list again.)"""
    if pub.edited:
        return stop(editors_label(pub))
    if not pub.authors:
        return ""
    last = pub.authors[-1]
    marks = "".join(m.symbol for m in legend_marks(profile, last.marks))
    return stop(last.display(profile.publications.name_style) + marks)


def venues_stop(venues: tuple[Venue, ...]) -> str:
    """The stop after a venue line, from its last venue: notes end in ")"."""
    last = venues[-1] if venues else Venue("")
    return "." if last.notes else stop(f"{last.name} {last.year}")


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9])")


def page_description(p: Publication) -> str:
    """What a search result or a shared link says about a paper page: the abstract's first
    sentence, else the title with where and when it appeared (plain text, at most ~300
    characters)."""
    if p.abstract:
        text = _SENTENCE_END.split(p.abstract, maxsplit=1)[0]
    else:
        where = ", ".join(f"{v.name} {v.year}".strip() for v in p.venues)
        text = f"{p.title}. {where}".strip() if where else p.title
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


class Format:
    """How one output format spells an entry's parts. The defaults are plain text; a
    format overrides `esc` (its escaper) and the few joins it writes differently. Each
    author's text is made once per format: names repeat thousands of times in a list."""

    ellipsis = "…"

    def __init__(self, profile: Profile) -> None:
        self.profile = profile
        self.style = profile.publications.name_style
        self._authors: dict[Author, str] = {}

    def esc(self, text: str) -> str:
        return text

    def strong(self, text: str) -> str:
        return text

    def award(self, text: str) -> str:
        return self.strong(text)

    def note(self, text: str) -> str:
        return text

    def marks(self, marks: list[Mark]) -> str:
        return self.esc("".join(m.symbol for m in marks))

    def name(self, a: Author) -> str:
        return self.esc(a.display(self.style))

    def author(self, a: Author) -> str:
        found = self._authors.get(a)
        if found is None:
            text = self.name(a) + self.marks(legend_marks(self.profile, a.marks))
            found = self._authors[a] = self.strong(text) if a.is_owner else text
        return found

    def authors(self, pub: Publication, limit: int = 0) -> str:
        text = ", ".join(self.ellipsis if a is None else self.author(a)
                         for a in shown_authors(pub.authors, limit))
        return text + self.esc(editors_label(pub)) if pub.edited else text

    def notes(self, notes: tuple[Note, ...]) -> str:
        return "; ".join(self.award(self.esc(n.text)) if n.award else self.note(self.esc(n.text))
                         for n in notes)

    def venue(self, v: Venue) -> str:
        text = self.esc(f"{v.name} {v.year}".strip())
        return f"{text} ({self.notes(v.notes)})" if v.notes else text

    def venues(self, venues: tuple[Venue, ...]) -> str:
        return ", ".join(self.venue(v) for v in venues)

    def legend(self, pub: Publication) -> str:
        return self.esc(legend_text(legend_marks(self.profile, pub.marks_used)))

    def link(self, link: Link) -> str:
        return self.esc(link.label)

    def reference(self, pub: Publication, full: bool) -> str:
        """The venue line of a CV entry with its full stop; in the full style with
        volume(issue), pages, publisher, and the identifiers after it."""
        venues = full_venues(pub) if full else pub.venues
        line = self.venues(venues)
        if line:
            line += self.esc(venues_stop(venues))
        ids = " ".join(self.link(x) for x in reference_ids(pub)) if full else ""
        return f"{line} {ids}" if line and ids else line or ids


class Plain(Format):
    """Plain text: no escaping, no emphasis (text CV, JSON fields)."""

    def award(self, text: str) -> str:
        return text
