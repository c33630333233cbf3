"""Checks on the raw entries beyond reading them: required fields, formats, suspicious text.

Both `validate` and `build` run them through the same pipeline, so the two never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import get_close_matches
from functools import lru_cache
from typing import Any

from pubsite.check.text_checks import check_text
from pubsite.errors import Diagnostics
from pubsite.model import identifiers
from pubsite.read import latex, names
from pubsite.read.bib import BibData, RawEntry
from pubsite.rulebook import RuleId

REQUIRED = {
    "article": (("author",), ("title",), ("journal", "journaltitle", "venue"), ("year", "date")),
    "inproceedings": (("author",), ("title",), ("booktitle", "eventtitle", "venue"),
                      ("year", "date")),
    "conference": (("author",), ("title",), ("booktitle", "eventtitle", "venue"),
                   ("year", "date")),
    "book": (("author", "editor"), ("title",), ("publisher",), ("year", "date")),
    "incollection": (("author",), ("title",), ("booktitle",), ("publisher",), ("year", "date")),
    "inbook": (("author", "editor"), ("title",), ("chapter", "pages"), ("publisher",),
               ("year", "date")),
    "phdthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "mastersthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "techreport": (("author",), ("title",), ("institution",), ("year", "date")),
    "misc": (("title",),),
    # What the work is (a working paper, under review...), or its eprint: else "Preprint".
    "unpublished": (("author",), ("title",), ("note", "howpublished", "eprint", "pubstate",
                                              "status")),
}

ENTRY_TYPES = frozenset({
    *REQUIRED, "booklet", "manual", "proceedings", "online", "report", "thesis", "patent",
    "periodical", "mvbook", "mvcollection", "mvproceedings", "mvreference", "bookinbook",
    "suppbook", "collection", "suppcollection", "reference", "inreference", "dataset",
    "software", "electronic", "www", "webpage", "standard", "artwork", "audio", "video",
    "music", "image", "movie", "performance", "letter", "commentary", "jurisdiction",
    "legislation", "legal", "review", "suppperiodical", "set", "xdata", "customa",
    "customb", "customc", "customd", "custome", "customf", "preprint",
})

# Standard BibTeX, common extensions, biblatex, and the fields of pubsite and al-folio.
KNOWN_FIELDS = frozenset("""
address annote author booktitle chapter crossref edition editor howpublished
institution journal key month note number organization pages publisher school series
title type volume year abstract keywords url doi eprint archiveprefix primaryclass
eprinttype eprintclass isbn issn file urldate language copyright timestamp biburl
bibsource date journaltitle subtitle titleaddon location pagetotal eventtitle eventdate
venue issue version addendum pubstate ids related shorttitle shortjournal translator
langid hyphenation acknowledgement bibdate coden lccn mrclass mrnumber zmnumber
fjournal acmid numpages articleno month_numeric author+an editor+an issn-l sorttitle
sortname sortyear volumes booksubtitle booktitleaddon maintitle mainsubtitle
maintitleaddon origlanguage origpublisher origlocation origdate origtitle annotator
commentator introduction foreword afterword editora editorb editorc editoratype
editorbtype editorctype bookauthor holder indextitle indexsorttitle journalsubtitle
issuetitle issuesubtitle eventtitleaddon library execute options presort shorthand
shortauthor shorteditor shortseries usera userb userc userd usere userf verba verbb
verbc xdata xref gender pagination bookpagination nameaddon label sortkey entrysubtype
venue_note award also links arxiv code slides project presentation video pdf poster
blog website proceedings html supp selected kind status abbr bibtex_show preview
dimensions altmetric google_scholar_id award_name additional_info annotation
repo url_pdf url_code url_slides url_video url_poster url_project url_dataset url_source
url_preprint arxiv-id date-added date-modified bdsk-url-1 bdsk-url-2 bdsk-url-3
bdsk-file-1 bdsk-file-2 mendeley-groups mendeley-tags publication_types featured
""".split())
_TYPES, _FIELDS = tuple(sorted(ENTRY_TYPES)), tuple(sorted(KNOWN_FIELDS))

_YEAR = re.compile(r"^\d{4}$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?(/(\d{4}(-\d{2}(-\d{2})?)?)?)?$")
# A field written outside an entry: a name at the start of a line (after blank lines,
# maybe), then `= {`, `= "` or `= 1`. Found from the name; the lookbehind keeps each start
# to one place, where `^\s*` tried each line of a run of blank lines and read the run again.
_LOST_FIELD = re.compile(r"(?<!\S)[A-Za-z][\w\-]*\s*=\s*[{\"\d]")
_TITLE_KEY = re.compile(r"[\W_]+")


def check_bib(data: BibData, diags: Diagnostics) -> None:
    """Check every entry, then the entries together (duplicate works)."""
    check_comments(data, diags)
    unknown = Tally()
    works = check_entries(data.entries, diags, unknown)
    check_together(data.file, works, unknown, diags)


def check_comments(data: BibData, diags: Diagnostics) -> None:
    """Fields written between the entries, where BibTeX ignores them."""
    for line, comment in data.comments:
        lost = lost_field(comment)
        if lost:
            at, text = lost
            diags.warning(RuleId.LOST_FIELD, data.file, line + comment.count("\n", 0, at),
                          f"'{text}' stands outside any entry and is ignored",
                          "move it inside the entry above (is a closing brace too early, or "
                          "a comma missing?)")


def check_entries(entries: Iterable[RawEntry], diags: Diagnostics, unknown: Tally
                  ) -> list[Work]:
    """Each entry on its own (what is unknown counted in `unknown`); their facts, for
    `check_together`. A file's entries may be checked in consecutive runs, their tallies
    merged (`Tally.merge`) in the order of the entries."""
    works = []
    for e in entries:
        _check_entry(e, diags, unknown)
        works.append((e.key, e.line, work_facts(e)))
    return works


def check_together(file: str, works: Iterable[Work], unknown: Tally,
                   diags: Diagnostics) -> None:
    check_duplicate_works(file, works, diags)
    unknown.report(diags)


MAX_SPELLING_CHECKS = 500  # distinct unknown field names per file; real files have dozens


def lost_field(comment: str) -> tuple[int, str] | None:
    """The first field written in text outside the entries, as `^\\s*name\\s*=\\s*[{"\\d]`
    (multiline) finds it: where its match starts (the first line start of the blank
    stretch before the name), and its text."""
    for m in _LOST_FIELD.finditer(comment):
        start = m.start()
        while start > 0 and comment[start - 1].isspace():
            start -= 1
        newline = comment.find("\n", start, m.start())
        if start == 0 or newline >= 0:
            return (start if start == 0 else newline + 1), m.group(0).strip()
    return None


class Tally:
    """Fields and LaTeX commands pubsite does not know: once per name, with a count, at the
    first place found (a file repeats its own habits on every entry)."""

    def __init__(self) -> None:
        self.fields: dict[str, tuple[RawEntry, int]] = {}
        self.commands: dict[str, tuple[RawEntry, str, int]] = {}
        self.asked: set[str] = set()
        self.doubled: dict[str, int] = {}  # entry key -> doubled escapes in its fields
        self.doubled_at = ("", 0)  # the first one's file and line
        self.doubled_first = ""  # the first one as written, to quote

    def closest_field(self, name: str) -> str | None:
        """The known field a misspelt one is closest to, for the first MAX_SPELLING_CHECKS
        distinct names: difflib takes a fraction of a millisecond a name, and an entry of
        20,000 made-up fields took seconds. Later names are still tallied as unknown."""
        if name not in self.asked and len(self.asked) >= MAX_SPELLING_CHECKS:
            return None
        self.asked.add(name)
        return _closest(name, _FIELDS, 0.8)

    def merge(self, later: Tally) -> bool:
        """Add the tally of the entries after this one's, as if one run had counted both;
        False (nothing merged) where the later run would have asked for spellings this one
        had no room left for (more than MAX_SPELLING_CHECKS distinct names in all)."""
        if len(self.asked | later.asked) > MAX_SPELLING_CHECKS:
            return False
        self.asked |= later.asked
        for name, (e, n) in later.fields.items():
            first, m = self.fields.get(name, (e, 0))
            self.fields[name] = (first, m + n)
        for name, (e, field, n) in later.commands.items():
            first, where, m = self.commands.get(name, (e, field, 0))
            self.commands[name] = (first, where, m + n)
        if not self.doubled:
            self.doubled_at, self.doubled_first = later.doubled_at, later.doubled_first
        for key, n in later.doubled.items():
            self.doubled[key] = self.doubled.get(key, 0) + n
        return True

    def field(self, e: RawEntry, name: str) -> None:
        first, n = self.fields.get(name, (e, 0))
        self.fields[name] = (first, n + 1)

    def command(self, e: RawEntry, field: str, name: str) -> None:
        first, where, n = self.commands.get(name, (e, field, 0))
        self.commands[name] = (first, where, n + 1)

    def report(self, diags: Diagnostics) -> None:
        for name, (e, n) in self.fields.items():
            diags.warning(RuleId.UNKNOWN_FIELD, e.file, e.field_line(name),
                          f"field '{name}' in {_count(n)} is not one pubsite or BibTeX "
                          f"knows (first in {e.key}); it is ignored",
                          "nothing to do if it is yours; see the README for the fields "
                          "pubsite reads", key=e.key)
        if self.doubled:
            first = next(iter(self.doubled))
            keys = ", ".join(list(self.doubled)[:3]) + (", ..." if len(self.doubled) > 3
                                                        else "")
            n = sum(self.doubled.values())
            quoted = self.doubled_first
            diags.warning(RuleId.DOUBLE_ESCAPE, self.doubled_at[0], self.doubled_at[1],
                          f"{n} escape{'' if n == 1 else 's'} written twice ({quoted} for "
                          f"{quoted[1:]}) in {_count(len(self.doubled))} "
                          f"({keys}); {'it is' if n == 1 else 'each is'} read as the single "
                          "escape meant",
                          "write one backslash (search and "
                          "replace \\\\ by \\ before a symbol or command)", key=first)
        for name, (e, field, n) in self.commands.items():
            diags.warning(RuleId.LATEX_UNKNOWN, e.file, e.field_line(field),
                          f"LaTeX command \\{name} in {_count(n)} is not one pubsite knows "
                          f"(first in {field} of {e.key}); its text is kept, the command "
                          "dropped", "write the text without the command if it should look "
                          "different", key=e.key)


def _count(n: int) -> str:
    return "1 entry" if n == 1 else f"{n} entries"


_COMMAND = re.compile(r"\\([A-Za-z]+)")
# Fields whose text is shown; URLs and keys are not decoded as LaTeX.
_SHOWN = ("title", "author", "editor", "journal", "journaltitle", "booktitle", "eventtitle",
          "publisher", "school", "institution", "organization", "howpublished", "note",
          "series", "venue", "abstract", "award", "venue_note")


def _check_commands(e: RawEntry, unknown: Tally) -> None:
    for field in _SHOWN:
        value = e.fields.get(field)
        doubled = latex.double_escapes(value) if value else 0
        if doubled:
            if not unknown.doubled:
                unknown.doubled_at = (e.file, e.field_line(field))
                unknown.doubled_first = latex.first_double_escape(value or "")
            unknown.doubled[e.key] = unknown.doubled.get(e.key, 0) + doubled
        if value and "\\" in value:
            found = _unknown_commands(value)
            # A mark (`\textsuperscript{*}`) is read; the names are split only when a
            # command is unknown, as a name without its marks has none the name lacks.
            if found and field in ("author", "editor"):
                found = _unknown_commands(" and ".join(names.extract_marks(raw, ())[0]
                                                       for raw in names.split_authors(value)))
            for name in found:
                unknown.command(e, field, name)


def _unknown_commands(value: str) -> list[str]:
    return [name for name in dict.fromkeys(_COMMAND.findall(latex.raised_marks(value)))
            if not latex.is_known(name)]


@lru_cache(maxsize=4096)
def _closest(name: str, choices: tuple[str, ...], cutoff: float) -> str | None:
    """The known entry type or field a misspelt one is closest to. Asked once per distinct
    name: real files repeat their own fields (journal-url, remark) on every entry, and
    difflib is slow."""
    close = get_close_matches(name, choices, n=1, cutoff=cutoff)
    return close[0] if close else None


def _check_entry(e: RawEntry, diags: Diagnostics, unknown: Tally) -> None:
    if e.entry_type not in ENTRY_TYPES:
        close = _closest(e.entry_type, _TYPES, 0.7)
        diags.warning(RuleId.UNKNOWN_ENTRY_TYPE, e.file, e.line,
                      f"@{e.entry_type} is not a BibTeX or biblatex entry type ({e.key})",
                      f"did you mean @{close}?" if close else "use @misc for other works",
                      key=e.key)
    missing = [options for options in REQUIRED.get(e.entry_type, (("title",),))
               if not any(e.fields.get(f, "").strip() for f in options)]
    if missing:
        what = ", ".join(" or ".join(options) for options in missing)
        diags.warning(RuleId.MISSING_FIELD, e.file, e.line,
                      f"@{e.entry_type}{{{e.key}}} has no {what}",
                      "add " + ", ".join(f"{o[0]} = {{...}}" for o in missing) + " to the entry"
                      + (" (note = {Working Paper}, {Under review}...: without one it shows "
                         "as 'Preprint')" if e.entry_type == "unpublished" else ""),
                      key=e.key)
    for name, value in e.fields.items():
        if name not in KNOWN_FIELDS and not name.startswith(("bdsk-", "mendeley-")):
            close = unknown.closest_field(name)
            if close:  # a slip to fix in each entry
                diags.warning(RuleId.UNKNOWN_FIELD, e.file, e.field_line(name),
                              f"field '{name}' in {e.key} is not one pubsite or BibTeX knows",
                              f"did you mean '{close}'?", key=e.key)
            else:
                unknown.field(e, name)
        if value:
            check_text(value, name, e, diags)
    _check_commands(e, unknown)
    _check_formats(e, diags)


def _check_formats(e: RawEntry, diags: Diagnostics) -> None:
    f = e.fields
    year = f.get("year", "").strip()
    if year and _DATE.match(year) and len(year) > 4:
        diags.warning(RuleId.YEAR_FORMAT, e.file, e.field_line("year"),
                      f"year '{year}' of {e.key} is a date; it is read as {year[:4]}, its "
                      "month from it", f"write date = {{{year}}} (biblatex) or year = "
                      f"{{{year[:4]}}}", key=e.key)
    elif year and not _YEAR.match(latex.decode(year)):
        diags.warning(RuleId.YEAR_FORMAT, e.file, e.field_line("year"),
                      f"year '{year}' of {e.key} is not a four-digit year",
                      "write year = {2024}; put 'to appear' in note or pubstate", key=e.key)
    month = f.get("month", "").strip()
    if month and identifiers.month(month) is None:
        diags.warning(RuleId.MONTH_FORMAT, e.file, e.field_line("month"),
                      f"month '{month}' of {e.key} is not a month",
                      "write month = oct (no braces) or month = {10}", key=e.key)
    date = f.get("date", "").strip()
    if date and not _DATE.match(date):
        diags.warning(RuleId.DATE_FORMAT, e.file, e.field_line("date"),
                      f"date '{date}' of {e.key} is not an ISO 8601 date",
                      "write date = {2024-05-17} (or 2024-05, or 2024)", key=e.key)
    doi = f.get("doi", "").strip()
    if doi and not identifiers.is_doi(identifiers.doi_field(doi)):
        diags.warning(RuleId.DOI_FORMAT, e.file, e.field_line("doi"),
                      f"doi '{doi}' of {e.key} is not a DOI",
                      "a DOI looks like 10.1145/2901318.2901323 (no https://doi.org/)",
                      key=e.key)
    field, arxiv = identifiers.arxiv_source(f)
    if arxiv and not identifiers.is_arxiv(identifiers.arxiv_field(f)):
        diags.warning(RuleId.ARXIV_FORMAT, e.file, e.field_line(field),
                      f"arXiv id '{arxiv}' of {e.key} is not an arXiv identifier",
                      "write arxiv = {2201.12023} or {hep-th/9901001}", key=e.key)


WorkFacts = tuple[str, str, tuple[str, str, str] | None, tuple[str, ...]]


def work_facts(e: RawEntry) -> WorkFacts:
    """What tells one work from another: DOI, arXiv id, a title key, and its place in a
    serial (volume, number, pages). Two entries are compared on these alone."""
    f = e.fields
    # A doi.org address in `url` names the DOI as well as a `doi` field does.
    doi = (identifiers.doi_field(f.get("doi", "")) or
           identifiers.doi_in_url(f.get("url", ""))).lower()
    arxiv = re.sub(r"v\d+$", "", identifiers.arxiv_field(f).lower())
    title = f.get("title", "")
    key = None
    if title:
        # Generic titles ("Editorial") repeat across different works; the first author's
        # family name and the year make a match likely to be the same work.
        authors = names.split_authors(f.get("author", ""))
        first = names.decode_name(authors[0])[0].last.casefold() if authors else ""
        key = (_TITLE_KEY.sub("", latex.decode(title).casefold()), f.get("year", ""), first)
    place = tuple(f.get(field, "").strip() for field in ("volume", "number", "pages"))
    return doi, arxiv, key, place


def _differ_in_place(a: WorkFacts, b: WorkFacts) -> bool:
    """Serial columns share titles; a different issue or page range is a different work."""
    return any(x and y and x != y for x, y in zip(a[3], b[3], strict=True))


Work = tuple[str, int, WorkFacts]  # key, line, facts
Seen = dict[Any, Work]


def check_duplicate_works(file: str, works: Iterable[Work], diags: Diagnostics) -> None:
    """Entries that describe the same work: each later one is reported once, naming the
    first. Works on facts alone, so a build after an edit can run it for the whole file."""
    seen_doi: Seen = {}
    seen_arxiv: Seen = {}
    seen_title: Seen = {}
    for work in works:
        key, line, facts = work
        doi, arxiv, title_key, _ = facts
        checks: list[tuple[str, Seen, object]] = []
        if doi:
            checks.append(("DOI", seen_doi, doi))
        if arxiv:
            checks.append(("arXiv id", seen_arxiv, arxiv))
        if title_key is not None:
            checks.append(("title, year and first author", seen_title, title_key))
        for what, seen, value in checks:
            other = seen.get(value)
            if other and what.startswith("title") and _differ_in_place(facts, other[2]):
                continue
            if other is not None and other[0] != key:
                diags.warning(RuleId.DUPLICATE_WORK, file, line,
                              f"{key} has the same {what} as {other[0]} (line {other[1]})",
                              "keep one entry per work; merge their fields", key=key)
                break
            seen.setdefault(value, work)
