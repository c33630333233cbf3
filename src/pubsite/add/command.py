"""`pubsite add`: fetch, tidy, refuse a duplicate, place, check the result the way
`validate` would, then write (or print, with --dry-run). The CLI calls `run` and nothing
else; every failure is a `PubsiteError` of one line, and the file is then untouched."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from pubsite.add import bibfile, entry, http, metadata, sources
from pubsite.add.http import Client, FetchError, base
from pubsite.add.sources import Kind, Source
from pubsite.add.update import merged
from pubsite.check import rules
from pubsite.errors import EXIT_INPUT, EXIT_USAGE, Diagnostic, Diagnostics, PubsiteError
from pubsite.model import identifiers
from pubsite.model.site import Profile, Status
from pubsite.pipeline import Inputs, display, load_text
from pubsite.read import bib, profile
from pubsite.read.bib import RawEntry
from pubsite.read.normalise import Normaliser


@dataclass(frozen=True, slots=True)
class Outcome:
    key: str
    text: str  # the entry as written
    line: int  # where it starts in the new file
    updated: bool
    findings: tuple[Diagnostic, ...]  # what validate says about the new entry


def run(inputs: Inputs, arg: str, update: str | None = None, dry_run: bool = False,
        read_stdin: Callable[[], str] | None = None) -> Outcome:
    source = sources.detect(arg)
    prof = _profile(inputs)
    name = display(inputs.bib)
    f = bibfile.load(inputs.bib, name)
    old = f.find(update) if update else None
    if update and old is None:
        raise PubsiteError(f"{name}: has no entry {update} to update; nothing was written",
                           EXIT_USAGE)
    if old is None:
        refuse_known(f, source, prof)
    found = fetch(source, Client(prof.email, _paste_hint(inputs)), read_stdin or _read_stdin)
    style = entry.read_style(list(f.entries), f.text)
    taken = [e.key for e in f.entries if e is not old]
    new = entry.clean(found, style, taken)
    if old is not None:
        new = merged(old, new, Normaliser(prof, Diagnostics()).symbols)
    refuse_duplicate(f, new, old, prof, _command(inputs, arg))
    text = entry.render(new, style, f.newline)
    if old is not None:
        after = bibfile.replaced(f, old, text)
    else:
        after = bibfile.inserted(f, text, bibfile.place(f, new.key, _when(new)))
    line = after[:after.index(text)].count("\n") + 1
    findings = check_result(after, name, prof, new.key)
    if not dry_run:
        bibfile.write(f, after)
    return Outcome(new.key, text, line, old is not None, findings)


def _paste_hint(inputs: Inputs) -> str:
    """`http.PASTE` with the --bib and --profile this run was given, so that the command
    it names adds to the same file."""
    return http.PASTE.replace("pubsite add -", f"pubsite add{_options(inputs)} -")


def _options(inputs: Inputs) -> str:
    """The --bib and --profile this run was given, when not the defaults, as typed."""
    return "".join(f" {flag} {shlex.quote(display(path))}" for flag, path, default in (
        ("--bib", inputs.bib, "publications.bib"), ("--profile", inputs.profile, "profile.toml"))
        if display(path) != default)


def _read_stdin() -> str:
    """The pasted entry; at a terminal, first a line saying how to end it."""
    if sys.stdin.isatty():
        print("Paste one BibTeX entry, then press Ctrl-D (Ctrl-Z and Enter on Windows):",
              file=sys.stderr)
    return sys.stdin.read()


def _profile(inputs: Inputs) -> Profile:
    diags = Diagnostics()
    prof = profile.load(inputs.profile, diags, display=display(inputs.profile))
    if prof is None:
        raise PubsiteError("the profile could not be read; run pubsite validate",
                           diagnostics=diags.items)
    return prof


def fetch(source: Source, client: Client, read_stdin: Callable[[], str]) -> metadata.Found:
    """The work's metadata from the source's own service (or stdin)."""
    if source.kind is Kind.STDIN:
        return metadata.bibtex(read_stdin(), "stdin")
    if source.kind is Kind.DOI:
        what = f"the DOI {source.ident} at Crossref"
        answer = client.get(f"{base('crossref')}/works/{quote(source.ident, safe='/')}", what,
                            "application/json")
        return metadata.crossref(answer.content, what)
    if source.kind is Kind.ARXIV:
        what = f"the arXiv id {source.ident}"
        answer = client.get(f"{base('arxiv')}/api/query?id_list={source.ident}", what,
                            "application/atom+xml")
        return metadata.arxiv(answer.content, source.ident, what)
    what = f"the DBLP record {source.ident}"
    answer = client.get(f"{base('dblp')}/rec/{source.ident}.bib", what, "application/x-bibtex")
    try:
        return metadata.bibtex(answer.content.decode("utf-8"), what)
    except (UnicodeDecodeError, FetchError):
        raise FetchError(f"{what}: the answer is not one BibTeX entry; try again later") \
            from None


def _when(e: entry.Entry) -> tuple[int, int]:
    year = e.get("year")[:4]
    return (int(year) if year.isdigit() else 0, identifiers.month(e.get("month")) or 0)


def refuse_known(f: bibfile.BibFile, source: Source, prof: Profile) -> None:
    """A DOI or arXiv id the file already holds is refused before any request."""
    if source.kind not in (Kind.DOI, Kind.ARXIV):
        return
    ident = source.ident.lower()
    for e in f.entries:
        doi, arxiv, _, _ = rules.work_facts(e)
        if ident in ((doi,) if source.kind is Kind.DOI else (arxiv,)):
            what = "DOI" if source.kind is Kind.DOI else "arXiv id"
            hint = f"; to turn it into the paper: pubsite add DOI --update {e.key}" \
                if source.kind is Kind.ARXIV and _is_preprint(e, prof) else ""
            raise PubsiteError(f"{f.name}:{e.line}: {e.key} has the same {what}; "
                               f"nothing was added{hint}", EXIT_INPUT)


def refuse_duplicate(f: bibfile.BibFile, new: entry.Entry, old: RawEntry | None,
                     prof: Profile, command: str = "pubsite add SOURCE") -> None:
    """The same DOI, arXiv id, or title + year + first author as an entry already there
    (the checks' own reading of a work, `rules.work_facts`) is refused, naming it; unless
    it is the same DOI, with the command that updates it (`command`: the user's own)."""
    parsed = _parsed(new)
    mine = rules.work_facts(parsed)
    for e in f.entries:
        if e is old:
            continue
        theirs = rules.work_facts(e)
        for what, a, b in (("DOI", mine[0], theirs[0]), ("arXiv id", mine[1], theirs[1]),
                           ("title, year and first author", mine[2], theirs[2])):
            if a and a == b:
                hint = _update_hint(e, parsed, prof, command) \
                    if what != "DOI" and old is None else ""
                raise PubsiteError(f"{f.name}:{e.line}: {e.key} has the same {what}; "
                                   f"nothing was added{hint}", EXIT_INPUT)


def _update_hint(e: RawEntry, new: RawEntry, prof: Profile, command: str) -> str:
    """How to put the new metadata into `e` instead: a preprint turned into the paper, or
    an entry updated; nothing when the new metadata is a preprint of a paper the file
    already has (the paper is not to be turned back into it)."""
    theirs, ours = _is_preprint(e, prof), _is_preprint(new, prof)
    if ours and not theirs:
        return ""
    turn = "to turn the preprint into this paper" if theirs and not ours \
        else "to update it with this metadata"
    return f"; {turn}: {command} --update {e.key}"


def _is_preprint(e: RawEntry, prof: Profile) -> bool:
    """Whether the site lists the work as a preprint: the normaliser's own decision (its
    `status`), so that what add calls a preprint is what the build shows as one."""
    return Normaliser(prof, Diagnostics()).publication(e).status is Status.PREPRINT


def _command(inputs: Inputs, arg: str) -> str:
    """`pubsite add` with the source the user gave (and --bib and --profile when not the
    defaults): the command to run again with --update."""
    return f"pubsite add{_options(inputs)} {shlex.quote(arg)}"


def _parsed(new: entry.Entry) -> RawEntry:
    """The new entry as the build's reader reads it."""
    return bib.parse(entry.render(new, entry.Style()), "new", Diagnostics()).entries[0]


def check_result(text: str, name: str, prof: Profile, key: str) -> tuple[Diagnostic, ...]:
    """What validate finds about the new entry in the file as it will be: the same reader,
    checks and normaliser as a build."""
    diags = Diagnostics()
    load_text(prof, text.lstrip("\ufeff"), name, diags, jobs=1)
    return tuple(d for d in diags.sorted() if d.key == key)
