"""The HTML site. Jinja2 autoescape does the escaping; URLs pass urls.safe_url again here."""

from __future__ import annotations

import ctypes
import datetime as dt
import json
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markupsafe import Markup

from pubsite import projectfiles
from pubsite.errors import PubsiteError
from pubsite.model import identifiers, urls
from pubsite.model.choices import Kind
from pubsite.model.site import Content, Link, Profile, Publication, Site
from pubsite.render import cv, workers
from pubsite.render.citebibtex import bibtex_entry
from pubsite.render.formats import CvHtmlFormat, HtmlFormat, safe_href
from pubsite.render.frame import Framed
from pubsite.render.templating import builtin_templates, environment, read_user_file
from pubsite.render.view import (
    KIND_LABELS,
    Plain,
    Sentences,
    Summary,
    date_span,
    email_shown,
    group,
    legend_marks,
    legend_text,
    marks_in,
    obfuscate_email,
    page_description,
    profile_description,
    scholar_meta,
)

ASSETS = ("style.css", "site.js", "favicon.svg")
_ASSET_WHAT = {"style.css": "stylesheet", "site.js": "script", "favicon.svg": "icon"}


@lru_cache(maxsize=1)
def _markdown() -> Any:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    # The same allow-list as every other URL; markdown-it's own list misses entity forms.
    md.validateLink = _markdown_link_ok  # type: ignore[method-assign]
    return md


def _markdown_link_ok(url: str) -> bool:
    return urls.safe_url(url, urls.WEB_AND_MAIL) is not None


def markdown_to_html(text: str) -> Markup:
    # markdown-it escapes all text itself and raw HTML is off, so its output is safe markup.
    return Markup(_markdown().render(text))


def json_ld(data: object) -> Markup:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    # Inside <script>, only "</" and "<!--" can end or confuse the element.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _link_href(link: Link, root: str = "") -> str:
    return safe_href(root + link.url if link.local else link.url)


HTML_FILTERS = (("markdown", markdown_to_html), ("href", safe_href), ("link_href", _link_href))


# A paper's list entry (UTF-8, or nothing) and its files, as the workers send them.
_Encoded = tuple[bytes, list[tuple[str, Content]]]
_Papers = workers.Rendered[Publication, _Encoded]


class HtmlSite:
    """The site's pages: index.html, a page and a .bib per paper, assets, feed, sitemap."""

    def __init__(self, site: Site, user_templates: Path | None = None,
                 memo: dict[Any, Any] | None = None, has_pdf: bool = False,
                 jobs: int = 1) -> None:
        self.site = site
        self.has_pdf = has_pdf
        # Processes for the paper pages (render/workers.py); serve's memo lives in this one.
        self.jobs = jobs if memo is None else 1
        self.memo = memo
        self._cited: tuple[Publication | None, str] = (None, "")
        self._doc: tuple[Publication | None, tuple[int, bool], Any] = (None, (0, True), None)
        # List entries rendered beside their paper pages, as UTF-8, until the list asks.
        self._held: dict[int, bytes] = {}
        self.user_templates = user_templates
        self.papers_first = self._lists_here()
        env = environment("html", user_templates, filters=HTML_FILTERS)
        fmt = HtmlFormat(site.profile)
        self.fmt, self.summary, feed = fmt, Summary(site.profile), Sentences(site.profile)
        # This site's helpers travel in each render's context: the environment is shared.
        # The single parts are for templates written before `doc` (a copied theme).
        helpers: dict[str, Any] = dict(
            author_list=lambda pub, limit=0: Markup(fmt.authors(pub, limit)),
            venue_line=lambda venues: Markup(fmt.venues(venues)),
            plain_venues=Plain(site.profile).venues,  # for a theme copied before feed_summary
            feed_summary=lambda pub: feed.write(feed.view.feed(pub)).line,
            legend_marks=lambda ids: legend_marks(site.profile, ids),
            legend_text=legend_text,
            kind_labels=KIND_LABELS,
            obfuscate_email=obfuscate_email,
            email_shown=email_shown,
            date_of=date_of,
            news_date=news_date,
            cite_bibtex=self.cited,
            scholar_meta=lambda pub: scholar_meta(pub, site.profile.base_url.rstrip("/")),
            doi_url=identifiers.doi_url,
            page_description=lambda pub: page_description(pub, self.summary),
            date_span=date_span,
            profile_description=profile_description,
        )
        self.env = env
        profile = site.profile
        photo = profile.photo
        if urls.is_project_path(photo):
            photo = "assets/" + Path(photo).name
            if Path(photo).name in ASSETS:
                raise PubsiteError(
                    f"{profile.source_file}: photo = '{profile.photo}' would be copied to "
                    f"{photo}, where the site's own {_ASSET_WHAT[Path(photo).name]} goes; "
                    "rename the photo (e.g. photo.jpg)")
        self.base = profile.base_url.rstrip("/")
        # Link previews and search engines read only absolute image addresses.
        photo_url = (f"{self.base}/{photo}" if self.base else "") \
            if urls.is_project_path(photo) else photo
        self.common: dict[str, Any] = {**helpers,
                                       "profile": profile, "settings": profile.publications,
                                       "photo": photo, "has_feed": bool(profile.base_url),
                                       "photo_url": photo_url, "citations": dict(site.citations),
                                       "citations_total": sum(n for _, n in site.citations)}
        self._entry = env.get_template("html/entry.html")
        self._paper = env.get_template("html/publication.html")
        self._framed = self._paper_frame(env)

    def cited(self, pub: Publication) -> str:
        """The BibTeX to cite; the paper page and its .bib download ask for it one after
        the other, so the last one is kept (keeping all cost 23 MB at 10,000 entries)."""
        if self._cited[0] is not pub:
            self._cited = (pub, bibtex_entry(pub))
        return self._cited[1]

    def written(self, pub: Publication, limit: int = 0, legend: bool = True) -> Any:
        """The entry's document in HTML; a list entry and its paper page (the same one
        when the list shows every author and each entry's legend, as by default) ask one
        after the other, so the last is kept."""
        if self._doc[0] is not pub or self._doc[1] != (limit, legend):
            self._doc = (pub, (limit, legend),
                         self.fmt.write(self.fmt.view.site(pub, limit, legend), Markup))
        return self._doc[2]

    def entry(self, pub: Publication, root: str = "") -> Markup:
        """One entry of the list; from the memo when `pubsite serve` rendered it before."""
        key = ("entry", pub, root)
        found = self.memo.get(key) if self.memo is not None else None
        if found is None:
            doc = self.written(pub, self.site.profile.publications.max_authors,
                               self.fmt.view.legend_per_entry)
            found = Markup(self._entry.render(**self.common, root=root, page_url="", pub=pub,
                                              doc=doc))
            if self.memo is not None:
                self.memo[key] = found
        return Markup(found)

    def feed_entry(self, pub: Publication) -> Markup:
        return Markup(self.env.get_template("html/feed-entry.xml").render(
            **self.common, base=self.base, pub=pub))

    def _paper_encoded(self, pub: Publication) -> _Encoded:
        """The paper's list entry and files as the writer takes them, encoded where they
        are made: a worker's pages then cross the pipe as bytes, which are copied, not
        as text, which is encoded and decoded again (10,000 pages: 0.22 s -> 0.03 s). The
        entry first: the page then finds its document and BibTeX made. From the memo when
        `pubsite serve` rendered this very publication before (they depend on it and on
        the profile and templates, which key the memo): kept encoded, found in one lookup
        (an edit of one entry of 1,000: the HTML site 0.09 -> 0.07 s)."""
        found: _Encoded | None = self.memo.get(pub) if self.memo is not None else None
        if found is None:
            listed = self.entry(pub).encode("utf-8") if self.papers_first else b""
            files: list[tuple[str, Content]] = [(rel, text.encode("utf-8"))
                                                for rel, text in self._paper_files(pub)]
            found = listed, files
            if self.memo is not None:
                self.memo[pub] = found
        return found

    def _lists_here(self) -> bool:
        """Whether the paper pages come first, each with its front page entry, kept until
        the list asks for it: an entry and its page then share their document and BibTeX
        (a cold 10,000-entry build, --jobs 1: 6.3 -> 5.9 s of CPU). Only where the front page lists
        every entry with the built-in list templates (a user's may list none)."""
        settings = self.site.profile.publications
        return settings.per_paper_pages and settings.front != "selected" and \
            self._built_in("index.html", "publication-list.html")

    def _built_in(self, *names: str) -> bool:
        user = self.user_templates
        return user is None or not any(os.path.lexists(user / "html" / n) for n in names)

    def _paper_frame(self, env: Any) -> Framed | None:
        """The paper pages' shared frame (render/frame.py), where the built-in templates
        make them: a user's copy may read the page outside its blocks."""
        pubs = self.site.publications
        if not pubs or not self.site.profile.publications.per_paper_pages or \
                not self._built_in("publication.html", "base.html"):
            return None
        return Framed([self._paper, env.get_template("html/base.html")],
                      self._page_values(pubs[0]))

    def _page_values(self, pub: Publication) -> dict[str, Any]:
        folder = f"publications/{pub.slug}/"
        return {**self.common, "root": "../../", "page_url": folder, "pub": pub}

    def _listed(self, pub: Publication) -> Markup:
        """A front page entry: the one rendered beside its page, else made now."""
        held = self._held.pop(id(pub), None)
        return self.entry(pub) if held is None else Markup(held.decode("utf-8"))

    def _paper_files(self, pub: Publication) -> list[tuple[str, str]]:
        if not self.site.profile.publications.per_paper_pages:
            return []
        values = self._page_values(pub)
        values.update(description=page_description(pub, self.summary),
                      doc=self.written(pub, legend=True),
                      json_ld=json_ld(scholarly_article(pub, self.site.profile.base_url)))
        page = self._framed.render(values) if self._framed else self._paper.render(values)
        folder = values["page_url"]
        return [(folder + "index.html", page), (f"{folder}{pub.slug}.bib", self.cited(pub) + "\n")]

    def files(self) -> Iterator[tuple[str, Content]]:
        """Yield the site's files one by one, so that a large site is never all in memory."""
        # Forked here, the workers render the paper pages while this process renders and
        # writes the lists (--jobs; render/workers.py says when it pays).
        papers = workers.Rendered(self.site.publications, self._paper_encoded, self.jobs)
        try:
            yield from self._files(papers)
        finally:
            papers.close()  # on an error, Ctrl-C or SIGTERM too: no worker is left

    def _papers(self, papers: _Papers) -> Iterator[tuple[str, Content]]:
        for pub, (listed, files) in zip(self.site.publications, papers, strict=True):
            if listed:
                self._held[id(pub)] = listed
            yield from files

    def _files(self, papers: _Papers) -> Iterator[tuple[str, Content]]:
        site, common, env = self.site, self.common, self.env
        profile = site.profile
        settings = profile.publications
        pubs = site.publications
        listing = {"groups": group(pubs, settings.group_by), "publications": pubs,
                   "list_marks": legend_marks(profile, marks_in(pubs)),
                   "years": sorted({p.year_number for p in pubs if p.year_number},
                                   reverse=True),
                   "kinds": sorted({p.kind for p in pubs})}
        papers_first = self.papers_first
        if papers_first:
            yield from self._papers(papers)
        yield "index.html", env.get_template("html/index.html").generate(
            **common, **listing, root="", page_url="", entry=self._listed,
            person_ld=json_ld(person(profile, common["photo_url"])))
        if papers_first:
            self._held = {}
            _release_freed()
        if profile.cv:
            yield "cv/index.html", self.cv_page()
        if len(profile.news) > profile.news_front:  # the front page shows the latest
            yield "news/index.html", env.get_template("html/news.html").render(
                **common, root="../", page_url="news/")
        if settings.front == "selected":  # the full, filterable list on its own page
            yield "publications/index.html", env.get_template(
                "html/publications.html").generate(
                **common, **listing, root="../", page_url="publications/",
                entry=lambda pub: self.entry(pub, "../"))
        if not papers_first:
            yield from self._papers(papers)
        yield from self._assets()
        yield ".nojekyll", ""
        yield from self._discovery()
        yield from self._photo()

    def _assets(self) -> Iterator[tuple[str, Content]]:
        """The theme's stylesheet, script and icon, or the user's templates/html/assets/
        copies, read as templates are (inside the project, regular, capped)."""
        builtin = builtin_templates() / "html" / "assets"
        for name in ASSETS:
            override = read_user_file(self.user_templates, f"html/assets/{name}") \
                if self.user_templates else None
            yield f"assets/{name}", override if override is not None else \
                (builtin / name).read_bytes()

    def _photo(self) -> Iterator[tuple[str, Content]]:
        """The photo, copied to assets/ as it is (the write stage streams it); the profile
        check has refused one that pubsite will not copy, and a missing one was warned of."""
        photo = self.site.profile.photo
        if not urls.is_project_path(photo):
            return
        base = os.path.abspath(Path(self.site.profile.source_file).parent)
        try:
            projectfiles.stat_inside(Path(base), photo, projectfiles.MAX_LINKED_BYTES)
        except projectfiles.Refused:
            return
        yield self.common["photo"], projectfiles.ProjectFile(base, photo)


    def cv_page(self) -> str:
        """cv/: the profile's CV sections and every publication in the full style, grouped
        by type; it prints to a clean PDF from the browser."""
        listing = cv.full_list(self.site, CvHtmlFormat, self.user_templates, "../")
        return self.env.get_template("html/cv.html").render(
            **self.common, root="../", page_url="cv/", has_pdf=self.has_pdf,
            cv_publications=Markup(listing))

    def _discovery(self) -> Iterator[tuple[str, Content]]:
        """robots.txt always; sitemap and Atom feed need absolute URLs, so only with
        base_url."""
        base = self.base
        robots = "User-agent: *\nAllow: /\n"
        if not base:
            yield "robots.txt", robots
            return
        yield "robots.txt", robots + f"Sitemap: {base}/sitemap.xml\n"
        pubs = self.site.publications
        yield "sitemap.xml", self.env.get_template("html/sitemap.xml").render(
            **self.common, base=base, publications=pubs)
        dates = [date_of(p) for p in pubs]
        yield "feed.xml", self.env.get_template("html/feed.xml").generate(
            **self.common, base=base, publications=pubs, entry=self.feed_entry,
            updated=build_date() or max(dates, default="1970-01-01T00:00:00Z"))


def _release_freed() -> None:
    """Give the memory freed so far back to the system (glibc keeps it for reuse: the
    10,000 list entries held until the list was written, 28 MB, stayed with the process
    and the files made after them came on top)."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # glibc's; elsewhere none
    if trim is not None:
        trim(0)


_ISO_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")


def news_date(text: str) -> tuple[str, str]:
    """A news item's date as (machine, reader): "2023-07" is "Jul 2023", "2023-07-04"
    "Jul 4, 2023"; any other text is shown as written, with no machine date."""
    found = _ISO_DATE.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        return "", text.strip()
    year, month, day = found.groups()
    label = identifiers.MONTHS[int(month) - 1][:3]
    return found.group(0), f"{label} {int(day)}, {year}" if day else f"{label} {year}"


def date_of(p: Publication) -> str:
    return f"{p.year_number or 1970:04d}-{p.month or 1:02d}-01T00:00:00Z"


def build_date() -> str:
    """A date shown in output comes from the data or SOURCE_DATE_EPOCH, never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    if not epoch.isdigit():
        return ""
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_SCHEMA_TYPES = {Kind.BOOK: "Book", Kind.PROCEEDINGS: "Book", Kind.CHAPTER: "Chapter",
                 Kind.THESIS: "Thesis", Kind.REPORT: "Report"}  # schema.org's types of a work


def person(profile: Profile, photo_url: str) -> dict[str, object]:
    """schema.org's Person for the homepage: name, role, affiliations, photo and the
    profiles elsewhere (sameAs)."""
    data: dict[str, object] = {"@context": "https://schema.org", "@type": "Person",
                               "name": profile.name}
    if profile.positions and profile.positions[0].title:
        data["jobTitle"] = profile.positions[0].title
    orgs = [{"@type": "Organization", "name": p.organization,
             **({"url": p.url} if p.url else {})} for p in profile.positions if p.organization]
    if orgs:
        data["affiliation"] = orgs
    if photo_url:
        data["image"] = photo_url
    same = [link.url for link in profile.links if link.url.startswith(("https://", "http://"))]
    if same:
        data["sameAs"] = same
    if profile.base_url:
        data["url"] = profile.base_url.rstrip("/") + "/"
    return data


def scholarly_article(p: Publication, base_url: str) -> dict[str, object]:
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": _SCHEMA_TYPES.get(p.kind, "ScholarlyArticle"),
        "headline": p.title,
        "name": p.title,
        "editor" if p.edited else "author": [{"@type": "Person", "name": a.name.first_last()}
                                             for a in p.authors if not a.others],
    }
    if p.iso_date():
        data["datePublished"] = p.iso_date()  # with the month where the data has one
    container = {Kind.JOURNAL: ("Periodical", p.container),
                 Kind.CONFERENCE: ("Book", p.container),
                 Kind.CHAPTER: ("Book", p.container)}.get(p.kind)
    if container and container[1]:
        data["isPartOf"] = {"@type": container[0], "name": container[1]}
    if p.abstract:
        data["abstract"] = p.abstract
    same = ([identifiers.doi_url(p.doi)] if p.doi else []) + \
        ([identifiers.arxiv_url(p.arxiv)] if p.arxiv else [])
    if same:
        data["sameAs"] = same
    if base_url:
        data["url"] = base_url.rstrip("/") + f"/publications/{p.slug}/"
    return data
