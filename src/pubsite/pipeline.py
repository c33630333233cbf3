"""The sequencer: every command runs these stages, in this order, from here.

    read -> parse (bib, profile) -> check (rules) -> normalise -> render(format) -> write

`validate` stops after normalise and reports; `export` renders one format as text; `build`
renders the site formats and writes them. Nothing else calls the stages by hand.
"""

from __future__ import annotations

import gc
import hashlib
import os
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from pubsite import __version__, citations, projectfiles, report, write
from pubsite.errors import EXIT_USAGE, Diagnostic, Diagnostics, PubsiteError, Severity
from pubsite.projectfiles import Refused, read_input
from pubsite.read import tomlread
from pubsite.render.templating import (
    as_pubsite_error,
    builtin_templates,
    read_user_file,
    time_budget,
    user_template_names,
)
from pubsite.rulebook import RuleId

if TYPE_CHECKING:
    from pubsite.check.rules import Tally, Work
    from pubsite.model.site import Profile, Publication, Site
    from pubsite.read.bib import BibData, RawEntry
    from pubsite.read.kept import Kept
    from pubsite.read.normalise import Normaliser
    from pubsite.render.memo import Memo
    from pubsite.render.registry import Layout


CONTAINED = frozenset({RuleId.URL_SCHEME})  # errors whose effect the output already contains
# Advice that `pubsite validate` gives and a build or export does not repeat each time.
ADVICE = frozenset({RuleId.SCHOLAR_NO_ABSTRACT_OR_PDF})


@dataclass(frozen=True, slots=True)
class Inputs:
    bib: Path
    profile: Path

    @property
    def templates(self) -> Path | None:
        folder = self.profile.parent / "templates"
        return folder if folder.is_dir() else None

    @property
    def paths(self) -> list[Path]:
        return [self.bib, self.profile]


def resolve_inputs(bib_path: str | Path, profile_path: str | Path) -> Inputs:
    inputs = Inputs(Path(bib_path), Path(profile_path))
    for p, what in ((inputs.bib, "bib"), (inputs.profile, "profile")):
        if not p.exists():
            raise PubsiteError(
                f"{p}: {'bibliography' if what == 'bib' else 'profile'} file not found. Run "
                f"pubsite in the folder that holds it, pass --{what} PATH, or create one "
                "with `pubsite init`.", EXIT_USAGE)
        if not p.is_file():
            raise PubsiteError(f"{p}: is not a file", EXIT_USAGE)
    return inputs


def read_input_file(p: Path, name: str | None = None) -> bytes:
    """An input's bytes; a FIFO or a /proc file under its name is refused, not waited on."""
    try:
        return read_input(p)
    except Refused as why:
        raise PubsiteError(f"{name or p}: {why}; pass a .bib or .toml file", EXIT_USAGE) \
            from None
    except OSError as exc:
        raise PubsiteError(f"{name or p}: cannot read: {exc.strerror}", EXIT_USAGE) from exc


@contextmanager
def few_collections() -> Iterator[None]:
    """A run allocates millions of objects that live to its end and form no cycles; full
    cyclic collections over them cost a sixth of a 10k-entry build."""
    # Kept: a cold 10,000-entry build 7.39x the bare parse with it, 8.56x without (within
    # the noise at 1,000 entries; bench/run.py --compare, 2026-12-03).
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


Meanwhile = Callable[["Site"], None]


def load(inputs: Inputs, diags: Diagnostics, jobs: int | None = None,
         meanwhile: Meanwhile | None = None, kept: Kept | None = None) -> Site:
    """read, parse, check and normalise, collecting every diagnostic; raise only when the
    input is unusable. `meanwhile(site)` runs once the site is made, while a worker still
    checks (with workers; else after the checks): work that only computes, kept until the
    findings are in (an export's text). `kept`: serve's publications of the last load."""
    # The stages load when a run uses them: a build with nothing to do skips them and
    # takes 0.07 s instead of 0.12 s (bench/, 1,000 entries).
    from pubsite.read import bib, profile

    with few_collections():
        prof = profile.load(inputs.profile, diags, display=display(inputs.profile))
        bib_name = display(inputs.bib)
        raw = read_input_file(inputs.bib, bib_name)
        text, _ = bib.decode_text(raw, inputs.bib, diags, display=bib_name)
        del raw
        return load_text(prof, text, bib_name, diags, jobs, meanwhile, kept)


def load_text(prof: Profile | None, text: str, bib_name: str, diags: Diagnostics,
              jobs: int | None = None, meanwhile: Meanwhile | None = None,
              kept: Kept | None = None) -> Site:
    """parse, check and normalise the text of a .bib file (`load`'s stages after reading;
    `pubsite add` checks the file as it will be with them)."""
    from pubsite.read import bib
    from pubsite.read.normalise import Normaliser
    from pubsite.render import workers

    # With workers, a worker parses and this process normalises each entry as it comes
    # (`_load_streamed`); the file's "@"s count its entries closely enough to decide.
    if prof is not None and workers.jobs_for(text.count("@"), jobs) > 1:
        return _load_streamed(prof, text, bib_name, diags, meanwhile, kept)
    data = bib.parse(text, bib_name, diags)
    if prof is None:
        raise PubsiteError("profile could not be read", diagnostics=diags.items)
    checked = _checked(data)  # before normalising, which lets go of each entry it read
    at = len(diags.items)
    normaliser = Normaliser(prof, diags, kept)
    pubs = tuple(normaliser.publications(_drain(data.entries)))
    diags.items[at:at] = checked  # the checks' findings before the normaliser's
    return _site(normaliser, pubs, meanwhile)


def _site(normaliser: Normaliser, pubs: tuple[Publication, ...],
          meanwhile: Meanwhile | None) -> Site:
    """The site of the normalised publications, handed to `meanwhile` once made."""
    from pubsite.model.site import Site

    site = Site(normaliser.profile, pubs,
                tuple((k, *v) for k, v in sorted(normaliser.files.items())),
                normaliser.looked_outside)
    if meanwhile is not None:
        meanwhile(site)
    return site


def _load_streamed(prof: Profile, text: str, bib_name: str, diags: Diagnostics,
                   meanwhile: Meanwhile | None, kept: Kept | None) -> Site:
    """The load in two processes: a worker parses the file, sending the entries as it
    reads them, while this process normalises them; then each checks a part of them. The
    diagnostics and publications are those of a serial load, in the same order (10,000
    entries, two cores: the load 1.80-1.86 s with the parse first and the checks in a
    worker beside the normaliser, 1.53-1.60 s so)."""
    from pubsite.check import rules
    from pubsite.read.normalise import Normaliser
    from pubsite.render import workers

    # This process checks the entries before the first one from line `cut` on, the worker
    # the others: the same ones in both. Three tenths here, which normalises too (10,000
    # entries, alternating runs: the load 1.53-1.60 s; 1.56-1.80 s with two fifths, 1.70 s
    # with a fifth, 1.62-1.66 s with half each). With work to do meanwhile, that work is
    # its part, and the worker checks every entry (export --format html, 10,000 entries:
    # 2.25-2.33 s -> 1.80 s).
    cut = 1 if meanwhile else text.count("\n") * 3 // 10 + 1
    at = len(diags.items)
    site = None
    stream = workers.Streamed(partial(_parse_and_check, text, bib_name, diags.items, cut))
    try:
        mine: list[RawEntry] = []

        def arriving() -> Iterator[RawEntry]:
            taking = True
            while (batch := stream.receive()) is not None:
                for e in batch:
                    taking = taking and e.line < cut
                    if taking:
                        mine.append(e)
                    yield e

        normaliser = Normaliser(prof, diags, kept)
        site = _site(normaliser, tuple(normaliser.publications(arriving())), meanwhile)
        found, unknown = Diagnostics(), rules.Tally()
        works = rules.check_entries(mine, found, unknown)
        mine.clear()
        parsed, comments, later, later_unknown, later_works = stream.result()
    except workers.WorkerLost:
        # Killed (by the system, for memory; by a signal): a serial load says the same as
        # the worker would have, rather than nothing.
        del diags.items[at:]
        return load_text(prof, text, bib_name, diags, 1, None if site else meanwhile, kept)
    finally:
        stream.close()
    if not unknown.merge(later_unknown):  # a file of hundreds of unknown field names
        del diags.items[at:]  # `meanwhile` has seen the same site
        return load_text(prof, text, bib_name, diags, 1, kept=kept)
    found.items[:0] = comments
    found.items += later
    rules.check_together(bib_name, works + later_works, unknown, found)
    diags.items[at:at] = parsed + found.items
    return site


def _checked(data: BibData) -> list[Diagnostic]:
    from pubsite.check import rules

    found = Diagnostics()
    rules.check_bib(data, found)
    return found.items


_WorkerPart = tuple[list[Diagnostic], list[Diagnostic], list[Diagnostic], "Tally",
                    list["Work"]]


def _parse_and_check(text: str, bib_name: str, known: list[Diagnostic], cut: int,
                     send: Callable[[object], None]) -> _WorkerPart:
    """The worker's part of `_load_streamed`: the parse, each batch of entries sent as it
    is read (None at the end), then the checks of the entries from the first one from
    line `cut` on, their facts and tally returned for the whole file's checks."""
    from pubsite.check import rules
    from pubsite.read import bib

    diags = Diagnostics(list(known))  # what a serial parse would see said before it
    data = bib.parse(text, bib_name, diags, sink=send)
    send(None)
    comments, later, unknown = Diagnostics(), Diagnostics(), rules.Tally()
    rules.check_comments(data, comments)
    entries = data.entries
    first = next((i for i, e in enumerate(entries) if e.line >= cut), len(entries))
    works = rules.check_entries(entries[first:], later, unknown)
    return diags.items[len(known):], comments.items, later.items, unknown, works


def validate(inputs: Inputs) -> list[Diagnostic]:
    """Every finding of every stage up to normalise; a usage problem still raises."""
    diags = Diagnostics()
    try:
        load(inputs, diags)
    except PubsiteError as exc:
        if exc.exit_code == EXIT_USAGE:
            raise
    if inputs.templates is not None:
        _check_templates(inputs.templates, diags)
    return diags.sorted()


def _check_templates(folder: Path, diags: Diagnostics) -> None:
    """Each file of templates/ that a build would refuse to read (a symlink out of the
    project, a FIFO, a file over the cap): found by validate, not first by a build."""
    from pubsite.render import templating

    try:
        for name in templating.user_template_names(folder):
            try:
                templating.read_user_file(folder, name)
            except PubsiteError as exc:
                path = str(folder / name)
                diags.error(RuleId.TEMPLATE_REFUSED, path, None,
                            exc.message.removeprefix(f"{path}: "))
    except PubsiteError as exc:
        diags.error(RuleId.TEMPLATE_REFUSED, str(folder), None, exc.message)


def _drain(items: list[RawEntry]) -> Iterator[RawEntry]:
    items.reverse()
    while items:
        yield items.pop()


def gate(found: list[Diagnostic], what: str, strict: bool = False,
         keep_going: bool = False, quiet: bool = False) -> None:
    """Collect all, then fail: errors (or warnings with --strict) stop the command before
    anything is written, unless --keep-going. A build prints a summary of at most 40
    lines; `pubsite validate` prints every finding."""
    failed = any(d.severity is Severity.ERROR for d in found) or (strict and bool(found))
    brief = what == "build"
    if failed and not keep_going:
        how = "" if what == "export" else ", or pass --keep-going"
        raise PubsiteError(f"{what} stopped: fix the problems above (the previous output, "
                           f"if any, is untouched){how}", diagnostics=found, brief=brief)
    if found and not quiet:
        report.text(found, brief=brief)


def export(inputs: Inputs, fmt: str, choose: Callable[[Site], Site],
           layout: Layout) -> str:
    from pubsite.render import registry as render  # only what renders loads the renderers

    made: list[tuple[Site, str | Exception]] = []

    def rendered(site: Site) -> None:
        """The export's text, made while the checks finish: said only once they let it
        out, and a failure only after the findings."""
        chosen = choose(site)
        try:
            with time_budget(len(chosen.publications)):
                made.append((chosen, render.export(chosen, fmt, layout, inputs.templates)))
        except Exception as exc:
            made.append((chosen, exc))

    diags = Diagnostics()
    load(inputs, diags, meanwhile=rendered)
    found = [d for d in diags.sorted() if d.rule not in ADVICE]
    # A refused link is left out of every output: its effect is contained, so an export
    # reports it and goes on (a build, which publishes, still stops).
    gate([d for d in found if d.rule not in CONTAINED], "export", quiet=True)
    if found:
        report.text(found)
    chosen, text = made[0]
    if not chosen.publications:
        report.note(f"no publication matched the selection; the {fmt} output is a valid "
                    "document without any")
    for note in render.notes(chosen, fmt):
        report.note(note)
    if isinstance(text, Exception):
        raise as_pubsite_error(text) from text
    return text


@dataclass(frozen=True, slots=True)
class BuildResult:
    publications: int
    written: int
    unchanged: int
    diagnostics: int
    up_to_date: bool = False
    files: frozenset[str] = frozenset()  # what the output folder now holds of pubsite's


def build(inputs: Inputs, out: Path, formats: tuple[str, ...], strict: bool = False,
          keep_going: bool = False, quiet: bool = False,
          say: Callable[[str], None] = lambda _t: None,
          memo: Memo | None = None, force: bool = False,
          jobs: int | None = None) -> BuildResult:
    """`jobs`: processes for the paper pages; None picks them (`workers.jobs_for`);
    `serve`'s paper pages (a memo, which lives in this process) render in this one."""
    write.check_target(out, inputs.paths)
    with write.locked(out, say=None if quiet else report.note):
        context = context_digest(inputs, formats, strict, keep_going)
        digest = _input_digest(context, inputs)
        before = write.previous(out)
        _say_distrusted(before)
        # serve's first build renders all the same, so that its memo holds the site: an
        # edit after a restart took 0.61-0.72 s instead of 0.25 s (1,000 entries).
        if (memo is None or memo.context == context) and \
                _up_to_date(before, digest, out, inputs.profile.parent):
            # Nothing changed since the last build: its output stands as it is.
            found = [Diagnostic.from_dict(d) for d in before.meta.get("diagnostics", [])]
            gate(found, "build", strict, keep_going, quiet)
            return BuildResult(int(before.meta.get("publications", 0)), 0, 0, len(found),
                               up_to_date=True, files=frozenset(before.files))
        # Imported here: a build with nothing to do never loads Jinja or the renderers.
        from pubsite.render import registry as render
        from pubsite.render import workers
        from pubsite.render.pdf import cv_pdf as make_cv_pdf

        # One stretch without full collections from the load to the last file: between
        # them a collection over the model took 0.08 s (10,000 entries).
        with few_collections():
            diags = Diagnostics()
            papers = memo.valid_for(context) if memo else None
            site = load(inputs, diags, jobs, kept=memo.kept if memo else None)
            found = [d for d in diags.sorted() if d.rule not in ADVICE]
            gate(found, "build", strict, keep_going, quiet)
            site, pending = citations.counted(site, inputs.profile.parent,
                                              (lambda _t: None) if quiet else report.note)
            digest = _input_digest(context, inputs)  # counts fetched now are in the cache
            say(f"rendering and writing {len(site.publications)} publications")
            meta = _meta(digest, site, found, pending)
            try:
                # The templates of cv.pdf and of the site share one budget.
                with time_budget(len(site.publications)):
                    # serve's memo keeps cv.pdf while the CV's LaTeX stays the same.
                    cv_pdf, why_not = make_cv_pdf(site, formats, inputs.templates, memo)
                    if why_not and not quiet:
                        report.note(why_not)
                    procs = workers.jobs_for(len(site.publications), jobs)
                    with closing(render.site_files(
                            site, formats, inputs.templates,
                            papers, cv_pdf, procs)) as files:
                        # closing: on any failure the workers are stopped before it goes on.
                        done = write.write_site(out, files, inputs.paths, meta, before,
                                                force)
            except Exception as exc:
                raise as_pubsite_error(exc) from exc
    return BuildResult(len(site.publications), done.written, done.unchanged, len(found),
                       files=done.files)


def _up_to_date(before: write.Previous, digest: str, out: Path, base: Path) -> bool:
    """The last build's inputs were these, its files are intact, and the project files
    its links named are as they were. A build whose citation counts the service did not
    give is never up to date: the next one asks again (their cache alone would look the
    same); nor one whose links looked outside the project (`_meta`)."""
    meta = before.meta
    return meta.get("inputs") == digest and before.intact(out) and \
        not meta.get("citations_pending") and not meta.get("looks_outside") and \
        _files_as_before(base, meta.get("files"))


def _meta(digest: str, site: Site, found: list[Diagnostic], pending: bool
          ) -> dict[str, object]:
    """What the next build reads to know whether it is up to date, and what to say then.
    It is never up to date after a build whose citation counts the service did not give,
    or whose links named a path outside the project (the record stats only project
    files)."""
    return {"inputs": digest, "publications": len(site.publications),
            "diagnostics": [d.as_dict() for d in found], "files": site.files,
            **({"citations_pending": True} if pending else {}),
            **({"looks_outside": True} if site.looks_outside else {})}


def _input_digest(context: str, inputs: Inputs) -> str:
    """The inputs a build's output depends on: the context, the .bib, the citation cache."""
    bib = hashlib.sha256(read_input_file(inputs.bib)).hexdigest()
    return hashlib.sha256((context + bib + citations.state(inputs.profile.parent))
                          .encode()).hexdigest()


def _say_distrusted(before: write.Previous) -> None:
    """pubsite's records in the output folder named paths it never writes (someone else
    edited them): they are ignored, said once, and every file is checked instead."""
    if not before.distrusted:
        return
    for why in before.distrusted[:5]:
        report.warn(f"{why}; the record is ignored")
    more = len(before.distrusted) - 5
    report.warn(("" if more <= 0 else f"and {more} more such records; ") +
                "pubsite's records were changed by someone else: this build checks every "
                "file's content and deletes only what a valid record proves pubsite wrote")


def _files_as_before(base: Path, files: object) -> bool:
    """The project files the last build's links named (copied, or looked for and missing)
    are as they were then."""
    if not isinstance(files, list):
        return False
    for item in files:
        try:
            rel, size, mtime = item
            st = os.stat(base / rel)
            now = (st.st_size, st.st_mtime_ns)
        except FileNotFoundError:
            now = (-1, -1)
        except (OSError, TypeError, ValueError):
            return False
        if now != (size, mtime):
            return False
    return True


def context_digest(inputs: Inputs, formats: tuple[str, ...], strict: bool,
                   keep_going: bool) -> str:
    """Everything but the .bib file that a build's output depends on: the profile, the
    templates, the photo, the options and pubsite itself. Contents, not absolute paths."""
    h = hashlib.sha256()
    h.update(f"{__version__}|{sorted(formats)}|{strict}|{keep_going}|".encode())
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode() + b"\0")
    h.update(hashlib.sha256(read_input_file(inputs.profile)).digest())
    builtin = builtin_templates()
    for p in sorted(builtin.rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(builtin)).encode() + b"\0" + p.read_bytes())
    # The user's templates are read as the loader reads them: a symlink out of the
    # project, a FIFO or an oversized file stops the build here, before anything renders.
    user = inputs.templates
    if user is not None:
        for name in user_template_names(user):
            h.update(b"user:" + name.encode() + b"\0" + (read_user_file(user, name) or b""))
    # Files the profile names are copied into the site: their bytes are inputs too. One
    # that pubsite will not copy is only named here; the profile's check reports it.
    base = inputs.profile.parent
    for name in tomlread.copied_files(inputs.profile):
        h.update(name.encode() + b"\0" + _file_digest(base, name))
    return h.hexdigest()


def _file_digest(base: Path, name: str) -> bytes:
    """The digest of a project file the site copies, read in chunks; for a file pubsite
    will not copy (outside, not regular, over the cap), the reason instead."""
    digest = hashlib.sha256()
    try:
        with projectfiles.open_inside(base, name, projectfiles.MAX_LINKED_BYTES) as f:
            while chunk := f.read(projectfiles.CHUNK):
                digest.update(chunk)
    except projectfiles.Refused as why:
        return b"refused: " + str(why).encode()
    return digest.digest()


def display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
