"""From raw BibTeX entries to the model: decode, split names, owner, marks, venues, links."""

from __future__ import annotations

import contextlib
import os
import re
import unicodedata
import urllib.parse
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

from pubsite import projectfiles
from pubsite.errors import Diagnostics
from pubsite.model import identifiers, urls
from pubsite.model.choices import Kind
from pubsite.model.cleantext import strip_invisible
from pubsite.model.site import (
    Author,
    Link,
    Name,
    Note,
    Preview,
    Profile,
    Publication,
    Status,
    Venue,
    sort_publications,
)
from pubsite.read import latex, names
from pubsite.read.bib import RawEntry
from pubsite.read.kept import EntryKey, Kept, Remembered, Seen, Stat, entry_key, stat_of
from pubsite.rulebook import RuleId

KIND_BY_TYPE = {
    "article": Kind.JOURNAL, "inproceedings": Kind.CONFERENCE, "conference": Kind.CONFERENCE,
    "proceedings": Kind.PROCEEDINGS, "book": Kind.BOOK, "mvbook": Kind.BOOK,
    "inbook": Kind.CHAPTER, "incollection": Kind.CHAPTER, "bookinbook": Kind.CHAPTER,
    "phdthesis": Kind.THESIS, "mastersthesis": Kind.THESIS, "thesis": Kind.THESIS,
    "techreport": Kind.REPORT, "report": Kind.REPORT, "unpublished": Kind.PREPRINT,
    "online": Kind.OTHER, "dataset": Kind.OTHER, "software": Kind.OTHER,
    "patent": Kind.PATENT, "misc": Kind.OTHER, "manual": Kind.OTHER, "booklet": Kind.OTHER,
}

# Fields that hold a link, with the label shown for them; taken in the order written.
LINK_FIELDS = {
    "arxiv": "arXiv", "pdf": "PDF", "html": "HTML", "code": "code", "slides": "slides",
    "project": "project", "presentation": "presentation", "video": "video",
    "poster": "poster", "blog": "blog", "website": "website", "proceedings": "proceedings",
    "supp": "supplement", "url": "link",
    # Hugo Blox and al-folio spellings of the same links.
    "repo": "code", "url_pdf": "PDF", "url_code": "code", "url_slides": "slides",
    "url_video": "video", "url_poster": "poster", "url_project": "project",
    "url_dataset": "dataset", "url_source": "source", "url_preprint": "preprint",
    "arxiv-id": "arXiv",
}
# What the BibTeX a visitor copies keeps: the fields BibTeX and biblatex styles print.
CITE_FIELDS = frozenset("""
author editor title subtitle titleaddon booktitle journal journaltitle year month date
volume number issue pages publisher address location organization institution school series
edition chapter howpublished type note doi url isbn issn eprint archiveprefix primaryclass
eprinttype eprintclass pubstate language eventtitle key entryset
""".split())
URL_FIELDS = frozenset({*LINK_FIELDS, "doi", "links", "eprint", "urldate", "file"})

HUGO_ADMIN = "admin"  # Hugo Blox's author folder of the site's owner
_HIGHLIGHT = 10 * names.EXACT  # biblatex's author+an = {n=highlight}
_BOLDED = names.EXACT // 2
_TRUE = frozenset({"true", "yes", "1", "y"})
_SLUG_BAD = re.compile(r"[^a-z0-9]+")
_RESERVED = frozenset({"con", "prn", "aux", "nul", "index", "assets", "feed", "sitemap",
                       *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))})


class Normaliser:
    """Holds what one run needs (owner matcher, mark symbols) so entries normalise fast."""

    def __init__(self, profile: Profile, diags: Diagnostics, kept: Kept | None = None) -> None:
        self.profile = profile
        self.diags = diags
        owner = profile.owner
        self.matcher = names.OwnerMatcher.build(owner.name, owner.aliases, owner.match_initials)
        # Longest symbol first, so "**" wins over "*".
        self.symbols = tuple(sorted(((m.symbol, m.id) for m in profile.marks if m.symbol),
                                    key=lambda x: -len(x[0])))
        self.coauthors = {_name_key(k): v for k, v in profile.coauthors}
        self.slugs: set[str] = set()
        self._next_suffix: dict[str, int] = {}
        self._authors: dict[tuple[str, tuple[str, ...]], tuple[Author, tuple[str, ...], int]] = {}
        self._owners: dict[Author, Author] = {}  # an author as the owner, made once
        self._cited: dict[str, str] = {}  # a name as cited, by its raw text
        self.files: dict[str, Stat] = {}  # project files looked up, with their stat
        # serve's keep of the last load's entries, and what this load will leave in it.
        self.kept = kept
        if kept is not None:
            kept.check_files(self._seen)
        self._keeping: dict[EntryKey, Remembered] = {}
        self._seen_now: dict[str, Seen] = {}  # with a keep: each file looked up, as seen
        self._looked_up: list[str] = []  # the project files the current entry looked up
        self._outside = False  # whether it looked for a file outside the project
        self.looked_outside = False  # whether any entry did

    def publications(self, entries: Iterable[RawEntry]) -> list[Publication]:
        made = self.publication if self.kept is None else self._kept_publication
        pubs = [made(e) for e in entries]
        if self.kept is not None:
            self.kept.entries, self.kept.files = self._keeping, self._seen_now
        if self.profile.publications.per_paper_pages:
            for p in pubs:
                if not p.abstract and p.fulltext is None:
                    self._unindexed(p)
        return sort_publications(pubs)  # newest first: the order every output starts from

    def _unindexed(self, p: Publication) -> None:
        self.diags.warning(
            RuleId.SCHOLAR_NO_ABSTRACT_OR_PDF, p.source_file, p.source_line,
            f"the page of {p.key} has neither an abstract nor a PDF link: Google Scholar "
            "indexes a paper page only with one of them",
            "add an abstract field, or a pdf field (a URL, or a file under "
            f"{self.profile.publications.files}/), or an arXiv eprint", key=p.key)

    def _kept_publication(self, e: RawEntry) -> Publication:
        """The entry's publication and findings as the last load made them, if it made
        them from the same entry (`read/kept.py`); else made, and kept for the next."""
        assert self.kept is not None
        key = entry_key(e)
        known = self.kept.entries.get(key)
        if known is None:
            at = len(self.diags.items)
            self._looked_up, self._outside = [], False
            pub = self.publication(e)
            known = Remembered(pub, e.line, tuple(self.diags.items[at:]),
                               tuple(self._looked_up))
            if not self._outside:  # a file outside the project is looked for each time
                self._keeping[key] = known
            return pub
        self._keeping[key] = known
        for name in known.files:  # each was seen as it is now (`Kept.check_files`)
            seen = self._seen_now[name] = self.kept.files[name]
            self.files[name] = stat_of(seen)
        shift = e.line - known.line
        self.diags.items += known.said if not shift else [
            replace(d, line=d.line + shift) if d.line is not None and d.file == e.file else d
            for d in known.said]
        pub, slug = known.publication, self.slug(e.key)
        if pub.slug != slug or pub.source_line != e.line:
            pub = replace(pub, slug=slug, source_line=e.line)
        return pub

    def publication(self, e: RawEntry) -> Publication:
        f = e.fields
        kind = self.kind(e)
        authors = self.authors(e)
        year, month = _year_month(f)
        arxiv = identifiers.arxiv_field(f)
        container, short = _container(e)
        venues = self.venues(e, kind, year, arxiv, (container, short))
        parts = _title_parts(e)
        pages, first_page, last_page = _pages(f)
        return Publication(
            key=e.key,
            slug=self.slug(e.key),
            kind=kind,
            entry_type=e.entry_type,
            title=_joined_title(*(latex.decode(p) if p else "" for p in parts)),
            authors=authors,
            year=year,
            month=month,
            venues=venues,
            links=self.links(e, arxiv),
            abstract=latex.decode(f["abstract"]) if f.get("abstract") else "",
            doi=identifiers.doi_field(f.get("doi", "")),
            arxiv=arxiv,
            selected=f.get("selected", "").strip().lower() in _TRUE,
            edited=bool(authors) and not f.get("author", "").strip(),
            preview=self.preview(e),
            tags=tuple(t.strip() for t in re.split(r"[,;]", latex.decode(f.get("keywords", "")))
                       if t.strip()),
            status=self.status(e, kind, venues),
            container=container,
            container_short=short,
            title_tex=_joined_title(*parts),
            source_file=e.file,
            source_line=e.line,
            # DBLP's CoRR volume is the arXiv id, shown as the id (arXiv:...) instead
            volume="" if identifiers.corr_arxiv(f.get("journal", ""), f.get("volume", ""))
            else _decoded(f, "volume"),
            number=_decoded(f, "number"),
            pages=pages,
            first_page=first_page,
            last_page=last_page,
            publisher=_decoded(f, "publisher"),
            place=_place(e),
            institution=_decoded(f, "school") or _decoded(f, "institution"),
            isbn=_decoded(f, "isbn"),
            issn=_decoded(f, "issn"),
            genre=_genre(e, container, venues),
            venue_is_note=bool(venues) and bool(venues[0].name) and
            venues[0].name == _decoded(f, "note"),
            cite_fields=self.cite_fields(e, arxiv),
        )

    def kind(self, e: RawEntry) -> Kind:
        """The `kind` field where it names a known kind; else the entry type's, with an
        arXiv eprint or `venue = {Preprint}` making an @misc a preprint."""
        f = e.fields
        written = f.get("kind", "").strip().lower()
        if written in _KINDS:
            return Kind(written)
        if written:
            self.diags.warning(RuleId.UNKNOWN_KIND, e.file, e.field_line("kind"),
                               f"kind '{f['kind'].strip()}' of {e.key} is not one pubsite "
                               f"knows; it is listed by its entry type (@{e.entry_type})",
                               "use one of " + ", ".join(_KINDS), key=e.key)
        kind = KIND_BY_TYPE.get(e.entry_type, Kind.OTHER)
        if kind is Kind.OTHER and (identifiers.arxiv_source(f)[0] or
                                   identifiers.eprint_is_arxiv(f) or
                                   f.get("venue", "").strip().lower() == "preprint"):
            return Kind.PREPRINT
        if kind is Kind.JOURNAL and identifiers.is_preprint_server(f.get("journal", "")):
            return Kind.PREPRINT
        if kind is Kind.PREPRINT and not f.get("eprint", "").strip() and \
                not identifiers.arxiv_field(f) and _stated(e, ""):
            # Only a work on a preprint server is a preprint: a working paper, or one under
            # revision at a journal ("Revise and Resubmit"), is listed with other works.
            return Kind.OTHER
        return kind

    def status(self, e: RawEntry, kind: Kind, venues: tuple[Venue, ...]) -> Status:
        """`status` as written, else biblatex's `pubstate`, else a preprint where the work
        is one (its kind, or "Preprint" in place of a venue), else published."""
        f = e.fields
        written = f.get("status", "").strip()
        if written:
            found = _STATUS_WORDS.get(_word(written))
            if found is not None:
                return found
            self.diags.warning(RuleId.UNKNOWN_STATUS, e.file, e.field_line("status"),
                               f"status '{written}' of {e.key} is not one pubsite knows",
                               "use one of " + ", ".join(Status), key=e.key)
        state = _STATUS_WORDS.get(_word(f.get("pubstate", "")))
        if state is not None:
            return state
        if kind is Kind.PREPRINT or (venues and venues[0].placeholder):
            return Status.PREPRINT
        return _working_status(e, venues) or Status.PUBLISHED

    def cite_fields(self, e: RawEntry, arxiv: str) -> tuple[tuple[str, str], ...]:
        """The fields of the BibTeX a reader cites from: the standard ones (and those the
        profile keeps), names without marks, the month as its macro, arXiv as eprint."""
        f = e.fields
        keep = CITE_FIELDS | set(self.profile.publications.bibtex_keep)
        books = _books_title_parts(e)  # the title cited is the one shown
        out: list[tuple[str, str]] = []
        for name, value in f.items():
            if name not in keep or name in books or (
                    name == "editor" and name in e.inherited and
                    "author" in f and e.entry_type in ("book", "inbook")):
                # A crossref's editor is the book's; BibTeX's book and inbook have an
                # author or an editor, not both.
                continue
            if not value.strip():
                continue  # `month = {}` would be cited as `month = ,`, which bibtex rejects
            if name not in URL_FIELDS:
                value = latex.single_escapes(value)  # Zotero's `\\&` stops LaTeX
            if name in ("author", "editor"):
                value = " and ".join(self.cited_name(raw) for raw in names.split_authors(value))
            elif name == "month":
                month = identifiers.month(value)
                value = identifiers.MONTHS[month - 1][:3].lower() if month else value
            out.append((name, strip_invisible(value)))
        if arxiv and "eprint" not in f:
            out += [("eprint", arxiv), ("archiveprefix", "arXiv")]
            if f.get("primaryclass"):
                out.append(("primaryclass", f["primaryclass"]))
        return tuple(out)

    def cited_name(self, raw: str) -> str:
        """A name as cited, without marks; made once per distinct name, as authors are
        (normalising 10,000 synthetic entries: 1.10 s -> 1.04 s)."""
        found = self._cited.get(raw)
        if found is None:
            found = self._cited[raw] = names.cite_form(self.hugo_admin(
                names.extract_marks(names.unwrap_emphasis(raw)[0], self.symbols)[0]))
        return found

    # -- authors --------------------------------------------------------------------
    def authors(self, e: RawEntry) -> tuple[Author, ...]:
        field = "author" if e.fields.get("author", "").strip() else "editor"
        value = e.fields.get(field, "")
        if not value.strip():
            return ()
        annotations = names.parse_annotations(e.fields.get(field + "+an", ""))
        out: list[Author] = []
        fits: list[int] = []
        for i, raw in enumerate(names.split_authors(value), 1):
            ann = annotations.get(i, ())
            author, warnings, fit = self.author(raw, ann)
            for w in warnings:
                self.diags.warning(RuleId.NAME_SYNTAX, e.file, e.field_line(field),
                                   f"{w} in author '{raw}' of {e.key}",
                                   "write names as 'First Last' or 'Last, First', "
                                   "separated by ' and '", key=e.key)
            out.append(author)
            fits.append(_HIGHLIGHT if "highlight" in ann else fit)
        best = max(fits, default=0)
        if best:
            # The entry is the context: of the authors who may be the owner, the best fitting
            # is; others who fit as well are reported (owner-multiple), conflicting ones never bold.
            out = [self._as_owner(a) if fit == best else a
                   for a, fit in zip(out, fits, strict=True)]
        self._check_owner(e, field, out)
        return tuple(out)

    def _as_owner(self, a: Author) -> Author:
        found = self._owners.get(a)
        if found is None:
            found = self._owners[a] = replace(a, is_owner=True)
        return found

    def author(self, raw: str, ann: tuple[str, ...]) -> tuple[Author, tuple[str, ...], int]:
        # Co-authors repeat across a bibliography: each distinct name is worked out once.
        cache_key = (raw, ann)
        found = self._authors.get(cache_key)
        if found is None:
            found = self._authors[cache_key] = self._make_author(raw, ann)
        return found

    def _make_author(self, raw: str, ann: tuple[str, ...]) -> tuple[Author, tuple[str, ...], int]:
        if raw.lower() == "others":
            return Author(Name(), others=True), (), 0
        unwrapped, bolded = names.unwrap_emphasis(raw)
        cleaned, marks = names.extract_marks(unwrapped, self.symbols)
        name, warnings = names.decode_name(self.hugo_admin(cleaned))
        mark_list = list(marks)
        for label in ann:
            mark_id = {"co-first": "equal", "cofirst": "equal", "equal": "equal",
                       "corresponding": "corresponding"}.get(label, label)
            if label != "highlight" and self.profile.mark(mark_id):
                mark_list.append(mark_id)
        fit = self.matcher.score(name)
        if fit and bolded:
            fit += _BOLDED  # bolded by hand: the file's owner said so
        author = Author(name, False, tuple(dict.fromkeys(mark_list)),
                        url=self.coauthors.get(_name_key(name.first_last())))
        return author, warnings, fit

    def hugo_admin(self, name: str) -> str:
        """Hugo Blox writes the site's owner as `admin` (its user folder): the owner's name."""
        owner = self.profile.owner.name
        return owner if name.strip() == HUGO_ADMIN and owner.strip() else name

    def _check_owner(self, e: RawEntry, field: str, authors: list[Author]) -> None:
        if not self.matcher.keys or field != "author":
            return
        owners = [a for a in authors if a.is_owner]
        if len(owners) == 1:
            return  # the usual case: no line to look up (a tenth of normalising, 10k entries)
        line = e.field_line(field)
        if len(owners) > 1:
            self.diags.warning(RuleId.OWNER_MULTIPLE, e.file, line,
                               f"{len(owners)} authors of {e.key} fit the owner's name equally "
                               f"well: {', '.join(a.name.first_last() for a in owners)}",
                               "make the names distinct, or add the exact form to "
                               "owner.aliases", key=e.key)
        if owners:
            return
        for a in authors:
            why = self.matcher.near_miss(a.name)
            if why:
                self.diags.warning(RuleId.OWNER_NEAR_MISS, e.file, line,
                                   f"'{a.name.first_last()}' in {e.key} is {why}",
                                   f"write it as '{self.profile.owner.name}' in the file, or "
                                   "add it to owner.aliases in profile.toml", key=e.key)
                return
        self.diags.warning(RuleId.OWNER_MISSING, e.file, line,
                           f"the owner ({self.profile.owner.name}) is not among the authors "
                           f"of {e.key}", "check the spelling, or add the form used to "
                           "owner.aliases", key=e.key)

    # -- venues and links -----------------------------------------------------------
    def venues(self, e: RawEntry, kind: Kind, year: str, arxiv: str,
               container: tuple[str, str]) -> tuple[Venue, ...]:
        f = e.fields
        full, short = container
        name = short or full or _venue_name(e, kind)
        if not name and (arxiv or kind is Kind.PREPRINT or e.entry_type in _WORKING_TYPES):
            name = _stated(e, arxiv)
        # "Preprint" only where no field names where the work appeared or what it is.
        placeholder = not name and bool(arxiv or kind is Kind.PREPRINT)
        if placeholder:
            name = "Preprint"
        notes = [Note(latex.decode(n)) for n in _split_list(f.get("venue_note", ""))]
        notes += [Note(latex.decode(n), award=True) for n in _split_list(f.get("award", ""))]
        # The year is shown even where nothing names the venue.
        venues = [Venue(name, year, tuple(notes), full if full != name else "", placeholder)] \
            if name or notes or year else []
        for extra in _split_list(f.get("also", "")):
            venues.append(_parse_venue(latex.decode(extra)))
        return tuple(venues)

    def links(self, e: RawEntry, arxiv: str) -> tuple[Link, ...]:
        out: dict[str, Link] = {}  # by URL: a file of 40k links stays linear
        for field, value in e.fields.items():
            if field == "links":
                for label, url in link_items(value):
                    self._add_link(e, field, latex.decode(label), url, out)
            elif field in LINK_FIELDS:
                url = urls.clean_bib_url(value)
                if field in ("arxiv", "arxiv-id") and "://" not in url:
                    url = identifiers.arxiv_url(identifiers.arxiv(url))
                self._add_link(e, field, LINK_FIELDS[field], url, out)
        if arxiv and not any(link.label == "arXiv" for link in out.values()):
            return (Link("arXiv", identifiers.arxiv_url(arxiv)), *out.values())
        return tuple(out.values())

    def _add_link(self, e: RawEntry, field: str, label: str, url: str,
                  out: dict[str, Link]) -> None:
        if not url:
            return
        safe, why, hostile = urls.from_bib(url)
        if safe is None:
            # A script in a link is an attack and stays an error; an ftp: or mailto: is a
            # slip whose effect (the link left out) is contained.
            report = self.diags.error if hostile else self.diags.warning
            report(RuleId.URL_SCHEME if hostile else RuleId.URL_NOT_WEB, e.file,
                   e.field_line(field), f"link '{label}' of {e.key} is left out: {why}",
                   "use an http(s) address", key=e.key)
            return
        if safe.startswith("/") and not safe.startswith("//"):
            rooted = self._rooted_link(e, field, label, safe)
            if rooted is not None:
                out.setdefault(rooted[0], Link(label, *rooted))
            return
        local = not urls.has_scheme(safe) and not safe.startswith(("/", "#", "?"))
        if local:
            found = self._local_link(e, field, label, safe)
            if found is None:
                return
            safe = found
        # `url` and `html` the same: one link, the first
        out.setdefault(safe, Link(label, safe, local))

    def _rooted_link(self, e: RawEntry, field: str, label: str, url: str
                     ) -> tuple[str, bool] | None:
        """A link from the site's root (`/assets/pdf/x.pdf`): the project's file when the
        project holds it (linked relatively, so the site works under any base_url and from
        disk); left out when it names a file elsewhere on this computer (a JabRef path,
        `/proc/...`), which a visitor could never open and which tells them your folders;
        else kept as written, a page elsewhere on the same web server. The link's URL and
        whether it is the project's file; None when it is left out."""
        found = self._project_file(url.lstrip("/"))[0] if url.strip("/") else None
        if found is not None:
            return found, True
        path = urllib.parse.unquote(url.split("#")[0].split("?")[0])
        self._outside = self.looked_outside = True
        with contextlib.suppress(OSError, ValueError):
            if path != "/" and os.path.lexists(path):
                self.diags.warning(
                    RuleId.LINK_FILE_MISSING, e.file, e.field_line(field),
                    f"link '{label}' of {e.key} names '{path}', a file on this computer "
                    "outside the project; the link is left out",
                    "copy the file into the project (e.g. assets/pdf/) and link it there",
                    key=e.key)
                return None
        # On a project site (https://user.github.io/repo/) a link from the server's root
        # leaves the site: said, and kept (it may be another page of the same server).
        tried = ", ".join(self._candidates(url.lstrip("/"))) or "nothing"
        self.diags.warning(
            RuleId.LINK_FILE_MISSING, e.file, e.field_line(field),
            f"link '{label}' of {e.key} names '{url}' from the web server's root, and the "
            f"project has no such file (tried {tried}); it is kept as written, and breaks "
            "where the site is not served at the root of its domain",
            f"put the file in the project at {url.lstrip('/')} (pubsite copies it and links "
            "it from each page), or write the full https:// address", key=e.key)
        return url, False

    def _local_link(self, e: RawEntry, field: str, label: str, rel: str) -> str | None:
        found, refused = self._project_file(rel)
        if found is None:
            tried = ", ".join(self._candidates(rel)) or "nothing: hidden paths stay private"
            what = f"a file pubsite will not publish ({'; '.join(refused)})" if refused \
                else f"a file that is not there (tried {tried})"
            hint = "use a regular file inside the project folder, at most " \
                f"{projectfiles.MAX_LINKED_BYTES // 2**20} MiB (not a symlink to another " \
                "place)" if refused else "put the file there, or set publications.files " \
                "in profile.toml to the folder that holds it"
            self.diags.warning(RuleId.LINK_FILE_MISSING, e.file, e.field_line(field),
                               f"link '{label}' of {e.key} names {what}; the link is left "
                               "out", hint, key=e.key)
        return found

    def _candidates(self, rel: str, folder: str | None = None) -> list[str]:
        rel = urllib.parse.unquote(rel.split("#")[0].split("?")[0])
        while rel.startswith("./"):
            rel = rel[2:]
        folder = (self.profile.publications.files if folder is None else folder).strip("/")
        found = [f"{folder}/{rel}", rel] if folder else [rel]
        if folder and "/" in rel:
            found.append(f"{folder}/{rel.rsplit('/', 1)[1]}")
        # Hidden files (.git, pubsite's own records) are never published.
        return [c for c in dict.fromkeys(found)
                if not any(part.startswith(".") for part in c.split("/"))]

    def _project_file(self, rel: str, folder: str | None = None
                      ) -> tuple[str | None, list[str]]:
        """The project file a relative link names, looked up where al-folio keeps them
        (publications.files, or `folder`, then the project folder), as a path relative to
        both the project and the site; else None, and why each file that is there was
        refused (a symlink out of the project, a FIFO, a file over the cap)."""
        base = Path(self.profile.source_file).parent
        cands = self._candidates(rel, folder)
        for cand in cands:
            known = self.files.get(cand)
            if known is None:
                known = self.files[cand] = self._stat(cand)
            if self.kept is not None:
                self._looked_up.append(cand)
            if known[0] >= 0:
                return cand, []
        refused = []
        for cand in cands:
            if (base / cand).is_symlink() or (base / cand).exists():  # refused: say why
                try:
                    projectfiles.stat_inside(base, cand, projectfiles.MAX_LINKED_BYTES)
                except projectfiles.Refused as why:
                    refused.append(f"{cand} {why}")
        return None, refused

    def _stat(self, rel: str) -> Stat:
        """A project file's size and mtime as a link would use it; (-1, -1) if refused.
        With serve's keep, also what it saw of the file, for the next load."""
        if self.kept is not None:
            seen = self._seen_now[rel] = self._seen(rel)
            return stat_of(seen)
        try:
            st = projectfiles.stat_inside(Path(self.profile.source_file).parent, rel,
                                          projectfiles.MAX_LINKED_BYTES)
        except projectfiles.Refused:
            return (-1, -1)
        return (st.st_size, st.st_mtime_ns)

    def _seen(self, rel: str) -> Seen:
        """What a lookup of a project file decides from (`read/kept.Seen`)."""
        base = Path(self.profile.source_file).parent
        try:
            st = projectfiles.stat_inside(base, rel, projectfiles.MAX_LINKED_BYTES)
        except projectfiles.Refused as why:
            return (str(why), (base / rel).is_symlink() or (base / rel).exists())
        return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)

    def preview(self, e: RawEntry) -> Preview | None:
        """al-folio's `preview = {figure.png}`: the image in publications.previews (or the
        project), with its size read from the file's header."""
        rel = e.fields.get("preview", "").strip()
        if not rel:
            return None
        # imagesize brings urllib.request, http, ssl and xml (49 modules, 5 MB): only a
        # file with previews loads it.
        import imagesize

        folder = self.profile.publications.previews
        found, refused = self._project_file(rel, folder) if not urls.has_scheme(rel) \
            else (None, [])
        size = None
        if found is not None:
            # imagesize reads the header from the file opened here, never by name.
            with contextlib.suppress(projectfiles.Refused), projectfiles.open_inside(
                    Path(self.profile.source_file).parent, found,
                    projectfiles.MAX_LINKED_BYTES) as f:
                size = imagesize.get(f)
        if found is None or size is None or min(size) <= 0:
            why = f"is a file pubsite will not publish ({'; '.join(refused)})" if refused \
                else "is not there" if found is None else "is not an image pubsite can read"
            tried = ", ".join(self._candidates(rel, folder))
            self.diags.warning(RuleId.PREVIEW_MISSING, e.file, e.field_line("preview"),
                               f"the preview of {e.key} {why} (tried {tried}); it is left out",
                               "use a regular file inside the project folder, at most "
                               f"{projectfiles.MAX_LINKED_BYTES // 2**20} MiB (not a "
                               "symlink to another place)" if refused else
                               f"put a PNG, JPEG, GIF, WebP or SVG file in {folder}/",
                               key=e.key)
            return None
        return Preview(found, int(size[0]), int(size[1]))

    def slug(self, key: str) -> str:
        base = unicodedata.normalize("NFKD", key)
        base = base.encode("ascii", "ignore").decode().lower()
        base = _SLUG_BAD.sub("-", base).strip("-")[:60].strip("-") or "entry"
        if base in _RESERVED:
            base += "-paper"
        slug = base
        # Where the last search for this base ended: thousands of copies of one key stay
        # linear instead of trying -2, -3, ... again for each.
        n = self._next_suffix.get(base, 2)
        while slug in self.slugs:
            slug = f"{base}-{n}"
            n += 1
        self._next_suffix[base] = n
        self.slugs.add(slug)
        return slug


_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-\d{1,2})?)?")
_YEAR_SUFFIX = re.compile(r"^(\d{4})[a-z]$")


def _decoded(f: dict[str, str], name: str) -> str:
    return latex.decode(f[name]) if f.get(name) else ""


def _place(e: RawEntry) -> str:
    """The address; an event's place (biblatex's `venue`) where the entry gives neither an
    address nor a location."""
    f = e.fields
    if f.get("address") or f.get("location", "").strip() or not is_event_place(e):
        return _decoded(f, "address")
    return latex.decode(f["venue"])


# A range of two pages, each without a space or dash ("12–15", "12 - 15", "S1--S9").
_PAGE_RANGE = re.compile(r"^\s*([^\s\-–—]+)\s*(?:-+|–|—)\s*([^\s\-–—]+)\s*$")
# Spaces open a match only where their run starts (a pattern that tried each space of a
# long run read the run again from each); a dash opens one anywhere.
_DASHES = re.compile(r"(?:(?<!\s)\s+)?(?:-+|–|—)\s*")


def _pages(f: dict[str, str]) -> tuple[str, str, str]:
    """The pages as shown (each dash, with the spaces before and after it, an en dash), and
    the first and last page of a range; pages that are no range ("e123", "1-4, 7-9") are
    its first page as written."""
    text = _decoded(f, "pages")
    m = _PAGE_RANGE.match(text)
    first, last = (m.group(1), m.group(2)) if m else (text.strip(), "")
    return _DASHES.sub("–", text.strip()), first, last


def _year_month(f: dict[str, str]) -> tuple[str, int | None]:
    """The year as shown ("2022a", a label for the same year, shows as 2022; "to appear" as
    written) and the month, from year/month or biblatex's date (ranges by their start)."""
    year = latex.decode(f["year"]).strip() if f.get("year", "").strip() else ""
    month = identifiers.month(f.get("month", ""))
    m = _DATE.fullmatch(year) if len(year) > 4 else None  # `year = {2013-12-26}`: a date
    if m:
        year = m.group(1)
        if month is None and m.group(2) and 1 <= int(m.group(2)) <= 12:
            month = int(m.group(2))
    m = _DATE.match(f.get("date", ""))
    if m:
        year = year or m.group(1)
        if month is None and m.group(2) and 1 <= int(m.group(2)) <= 12:
            month = int(m.group(2))
    if not year and f.get("pubstate", "").strip():
        state = f["pubstate"].strip().lower()  # biblatex's localisation keys
        year = _PUBSTATE.get(state, latex.decode(f["pubstate"]).strip())
    suffix = _YEAR_SUFFIX.match(year)
    return (suffix.group(1) if suffix else year), month


_PUBSTATE = {"inpress": "in press", "forthcoming": "forthcoming", "submitted": "submitted",
             "inpreparation": "in preparation", "prepublished": "prepublished"}


_KINDS = tuple(k.value for k in Kind)


def _word(text: str) -> str:
    """"In Press", "inpress", "in-press" and "in_press" as one word, to look up."""
    return re.sub(r"[\s_-]+", "", text).lower()


# `status` and biblatex's `pubstate` (its localisation keys: inpress, prepublished, ...).
_STATUS_WORDS = {_word(s.value): s for s in Status} | {
    "toappear": Status.FORTHCOMING, "prepublished": Status.PREPRINT,
    "workingpaper": Status.WORKING_PAPER, "underreview": Status.SUBMITTED}


def _container(e: RawEntry) -> tuple[str, str]:
    """The journal or proceedings, in full (BibTeX's journal and booktitle, biblatex's
    journaltitle and eventtitle), and its short form (`venue`, al-folio's `abbr`). A part of
    a book takes its booktitle first, as BibTeX's styles print it (Google Scholar's
    @inproceedings also carries a `journal`)."""
    f = e.fields
    order = _BOOK_CONTAINER if e.entry_type in _BOOK_PARTS else _FULL_VENUE_FIELDS
    full = next((latex.decode(f[k]) for k in order if f.get(k, "").strip()), "")
    shorts = ("abbr",) if is_event_place(e) else _SHORT_VENUE_FIELDS
    short = next((latex.decode(f[k]) for k in shorts if f.get(k, "").strip()), "")
    return full, short


def is_event_place(e: RawEntry) -> bool:
    """biblatex's `venue` is where an event took place ("New Orleans, LO"), beside its
    `eventtitle` or `eventdate`; elsewhere (al-folio, pubsite) it is the venue's short
    name."""
    return bool(e.fields.get("venue", "").strip()) and any(
        e.fields.get(k, "").strip() for k in ("eventtitle", "eventdate"))


_TITLE_PARTS = ("title", "subtitle", "titleaddon")


def _books_title_parts(e: RawEntry) -> set[str]:
    """The subtitle and titleaddon a crossref gave an entry with a title of its own: the
    book's (biblatex gives them to the child as booksubtitle and booktitleaddon)."""
    if "title" in e.inherited:
        return set()
    return e.inherited.intersection(_TITLE_PARTS[1:])


def _title_parts(e: RawEntry) -> tuple[str, str, str]:
    """title, subtitle and titleaddon as the entry gives them (not its book's)."""
    books = _books_title_parts(e)
    subtitle, addon = (e.fields.get(k, "") if k not in books else "" for k in _TITLE_PARTS[1:])
    return e.fields.get("title", ""), subtitle.strip(), addon.strip()


def _joined_title(title: str, subtitle: str, addon: str) -> str:
    """The title as biblatex prints it: "Title: Subtitle. Addon". Each part is decoded on
    its own (and joined after): LaTeX read across the join could pair a quote in one part
    with an apostrophe in the next."""
    if subtitle:
        title = title.rstrip()
        title = f"{title}{'' if title.endswith(('?', '!', ':')) else ':'} {subtitle}"
    if addon:
        title = title.rstrip()
        title = f"{title}{'' if title.endswith(('.', '?', '!')) else '.'} {addon}"
    return title


# `venue` and al-folio's `abbr` are short forms of the journal or proceedings that follow.
_FULL_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "eventtitle")
_BOOK_CONTAINER = ("booktitle", "eventtitle", "journal", "journaltitle")
_BOOK_PARTS = frozenset({"inproceedings", "conference", "incollection", "inbook",
                         "bookinbook", "inreference", "suppbook", "suppcollection"})
_SHORT_VENUE_FIELDS = ("venue", "abbr")
_LATER_FIELDS = ("publisher", "howpublished", "issuetitle", "organization", "organisation")


def _stated(e: RawEntry, arxiv: str) -> str:
    """What a working paper says it is, in its `note` ("Working Paper", "Revise and
    Resubmit, *Journal of ...*") or its `status`/`pubstate` ("Submitted"); "" where it says
    nothing, or only that it is on arXiv (the "Preprint" its eprint gives says that)."""
    f = e.fields
    note = latex.decode(f.get("note", "")).strip()
    if note and not (arxiv and ("arxiv" in note.casefold() or arxiv in note)):
        return note
    for field in ("status", "pubstate"):
        state = _STATUS_WORDS.get(_word(f.get(field, "")))
        if state not in (None, Status.PREPRINT, Status.PUBLISHED):
            return str(state).capitalize()
    return ""


# Entry types a working paper is written as; its `note` says what it is.
_WORKING_TYPES = ("unpublished", "misc")
_UNDER_REVIEW = re.compile(r"resubmi|under review|submitted|\bR\s*&\s*R\b", re.I)


def _genre(e: RawEntry, container: str, venues: tuple[Venue, ...]) -> str:
    """What an @unpublished or @misc says it is, in its note or howpublished, where that
    is its venue line ("Working Paper", "Handout from a colloquium")."""
    if container or e.entry_type not in _WORKING_TYPES or not venues:
        return ""
    said = venues[0]
    if said.placeholder or said.name.casefold() == "preprint" or \
            said.name not in (_decoded(e.fields, "note"), _decoded(e.fields, "howpublished")):
        return ""
    return said.name


def _working_status(e: RawEntry, venues: tuple[Venue, ...]) -> Status | None:
    """Where a working paper stands, from the note shown as its venue: under review for
    "Revise and Resubmit", else a working paper; None for any other work."""
    note = e.fields.get("note", "")
    if e.entry_type not in _WORKING_TYPES or not venues or not note.strip() or \
            venues[0].name != latex.decode(note).strip():
        return None
    said = _STATUS_WORDS.get(_word(venues[0].name))
    if said is not None:
        return said
    return Status.SUBMITTED if _UNDER_REVIEW.search(venues[0].name) else Status.WORKING_PAPER


def _venue_name(e: RawEntry, kind: Kind) -> str:
    """Where a work without a journal or proceedings appeared, from the first field that
    says: the school or institution (with the report's type and number), the publisher..."""
    f = e.fields
    school = latex.decode(f.get("school", "") or f.get("institution", ""))
    said = latex.decode(f.get("type", "")).strip()
    kind_label = _TYPE_LABELS.get(said, said) or _TYPE_LABELS.get(e.entry_type, "")
    if kind is Kind.THESIS and not kind_label:
        kind_label = "Thesis"
    if school or (kind_label and kind in (Kind.THESIS, Kind.REPORT)):
        number = latex.decode(f.get("number", "")) if kind is Kind.REPORT else ""
        label = f"{kind_label} {number}".strip()
        return ", ".join(x for x in (label, school) if x)
    for field in _LATER_FIELDS:
        if f.get(field, "").strip():
            return latex.decode(f[field])
    return ""


# What kind of thesis or report a work is, by its entry type or biblatex's `type` key, as
# biblatex's English strings print it (a `type` in words is shown as written):
# `type = {phdthesis}` is "PhD thesis", never "phdthesis".
_TYPE_LABELS = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis",
                "mathesis": "Master's thesis", "candthesis": "Candidate thesis",
                "techreport": "Technical report", "resreport": "Research report",
                "report": "Report", "software": "Computer software", "datacd": "CD-ROM",
                "audiocd": "Audio CD"}


def _split_list(value: str) -> list[str]:
    return [x.strip() for x in value.split(";") if x.strip()] if value else []


def _parse_venue(text: str) -> Venue:
    r"""`NAME YEAR (note; note)`, each part but the name optional, read as the pattern
    `^(.*?)\s*(\b\d{4}\b)?\s*(?:\(([^)]*)\))?\s*$` reads it, but from the end: the
    pattern tried every length of name and scanned the rest each time, quadratic in the
    text ("V 2020 (V 2020 (...")."""
    head_end = len(text.rstrip())
    notes = ""
    if text[:head_end].endswith(")"):
        # The notes open at the first `(` after the `)` before the last; with none, the
        # name takes the `)` too.
        close = head_end - 1
        opened = text.find("(", text.rfind(")", 0, close) + 1, close)
        if opened >= 0:
            head_end, notes = opened, text[opened + 1:close]
    name_end = len(text[:head_end].rstrip())
    year = ""
    if _YEAR_AT_END.fullmatch(text, max(name_end - 4, 0), name_end) and (
            name_end == 4 or not _WORD.match(text, name_end - 5)):
        year = text[name_end - 4:name_end]
        name_end = len(text[:name_end - 4].rstrip())
    if "\n" in text[:name_end]:
        return Venue(text)  # the pattern's name is one line
    return Venue(text[:name_end].strip(), year,
                 tuple(Note(n.strip()) for n in notes.split(";") if n.strip()))


_YEAR_AT_END = re.compile(r"\d{4}")
_WORD = re.compile(r"\w")


_LINK_URL = re.compile(r"[^)\s]*")
_SPACES = re.compile(r"\s*")


def link_items(value: str) -> list[tuple[str, str]]:
    r"""The `[label](url)` items of a links field, as `\[([^\]]+)\]\(\s*([^)\s]+)\s*\)`
    finds them, in one pass: the pattern read the rest of the field again from each `[`
    ("[a]([a]([a](...": quadratic)."""
    out: list[tuple[str, str]] = []
    run_from = run_to = after = -1  # the last URL run read, and where the spaces after it end
    i = value.find("[")
    while i >= 0:
        close = value.find("]", i + 1)
        if close < 0:
            break
        if close > i + 1 and value.startswith("(", close + 1):
            start = _SPACES.match(value, close + 2).end()  # type: ignore[union-attr]
            if not run_from <= start < run_to:  # a run read before ends where it ended
                run_from = start
                run_to = _LINK_URL.match(value, start).end()  # type: ignore[union-attr]
                after = _SPACES.match(value, run_to).end()  # type: ignore[union-attr]
            if run_to > start and value.startswith(")", after):
                out.append((value[i + 1:close], value[start:run_to]))
                i = value.find("[", after + 1)
                continue
        # Every `[` before `close` would find the same `]` and fail the same way.
        i = value.find("[", close + 1)
    return out


def _name_key(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())
