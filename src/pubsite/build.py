"""`pubsite build`: the pipeline end to end, writing only when the input is good."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pubsite import cache, incremental, pipeline, report, templating, write
from pubsite.errors import Diagnostic, Diagnostics, PubsiteError, Severity
from pubsite.render import site_renderer

if TYPE_CHECKING:
    from pubsite.model import Site


@dataclass(frozen=True, slots=True)
class BuildResult:
    publications: int
    written: int
    unchanged: int
    diagnostics: int
    up_to_date: bool = False
    patched: int = 0  # entries rebuilt on their own after an edit (0: a full build)


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr while a build takes more than a moment; nothing when quiet or
    when stderr is not a terminal (CI logs stay clean)."""
    if quiet or not sys.stderr.isatty():
        yield lambda _text: None
        return
    from rich.console import Console

    console = Console(stderr=True)
    with console.status("reading the inputs", spinner="dots") as status:
        yield lambda text: status.update(text)


def build(bib_path: Path, profile_path: Path, out: Path, formats: tuple[str, ...],
          strict: bool = False, keep_going: bool = False, quiet: bool = False) -> BuildResult:
    with progress(quiet) as say, pipeline.few_collections():
        return _build(bib_path, profile_path, out, formats, strict, keep_going, quiet, say)


def _build(bib_path: Path, profile_path: Path, out: Path, formats: tuple[str, ...],
           strict: bool, keep_going: bool, quiet: bool,
           say: Callable[[str], None]) -> BuildResult:
    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    write.check_target(out, [inputs.bib, inputs.profile])
    context = context_digest(inputs, formats, strict, keep_going)
    raw = inputs.bib.read_bytes()
    digest = hashlib.sha256((context + hashlib.sha256(raw).hexdigest()).encode()).hexdigest()
    before = write.previous(out)
    last = before.meta
    if last.get("inputs") == digest and before.intact(out):
        # Nothing changed since the last build: its output stands as it is.
        found = _diagnostics(last.get("diagnostics"))
        if found and not quiet:
            report.text(found)
        count = last.get("publications", 0)
        return BuildResult(count if isinstance(count, int) else 0, 0, 0, len(found),
                           up_to_date=True)
    options = _Options(inputs, out, formats, strict, keep_going, quiet, context, digest,
                       patchable=not incremental.whole_list_overridden(inputs.templates))
    cache_file = cache.path_for(inputs.profile.parent, out)
    if options.patchable:
        record, why = _load_record(cache_file)
        if why and not quiet:
            report.note(f"{cache_file}: build cache {why}; this build rebuilds it")
        if record is not None and last:
            say("rebuilding the changed entries")
            done = _patch(options, record, before, cache_file, raw)
            if done is not None:
                return done
    del raw, before  # a full build reads the file itself; 12 MB at 10k entries
    return _full(options, cache_file, say)


def _load_record(path: Path) -> tuple[incremental.Record | None, str]:
    data, why = cache.load(path)
    if data is None:
        return None, why
    try:
        return incremental.Record(data), ""
    except (KeyError, TypeError, ValueError, AttributeError):
        return None, "damaged"


@dataclass(frozen=True, slots=True)
class _Options:
    inputs: pipeline.Inputs
    out: Path
    formats: tuple[str, ...]
    strict: bool
    keep_going: bool
    quiet: bool
    context: str
    digest: str
    patchable: bool  # no whole-list template overridden: builds may keep a record


def _fail_or_report(o: _Options, found: list[Diagnostic]) -> None:
    failed = any(d.severity is Severity.ERROR for d in found) or (o.strict and bool(found))
    if failed and not o.keep_going:
        raise PubsiteError("build stopped: fix the problems above (the previous output, if "
                           "any, is untouched), or pass --keep-going", diagnostics=found)
    if found and not o.quiet:
        report.text(found)


def _full(o: _Options, cache_file: Path, say: Callable[[str], None]) -> BuildResult:
    diags = Diagnostics()
    loaded = pipeline.load(o.inputs, diags, scan=o.patchable)
    site = loaded.site
    found = diags.sorted()
    _fail_or_report(o, found)
    renderers = [site_renderer(fmt, site, o.inputs.templates) for fmt in o.formats]

    def files() -> Iterator[tuple[str, write.Content]]:
        for fmt, renderer in zip(o.formats, renderers, strict=True):
            say(f"rendering and writing {len(site.publications)} publications ({fmt})")
            yield from renderer.files()

    meta = {"inputs": o.digest, "publications": len(site.publications),
            "diagnostics": [_diag_dict(d) for d in found]}
    try:
        counts = write.write_site(o.out, files(), [o.inputs.bib, o.inputs.profile], meta)
    except Exception as exc:
        raise templating.as_pubsite_error(exc) from exc
    listings = {rel: listing for r in renderers for rel, listing in r.listings().items()}
    slugs = [p.slug for p in site.publications]
    record = None
    if loaded.scanned is not None and \
            all(listing.complete(slugs) for listing in listings.values()):
        record = incremental.Record.of_build(
            loaded.scanned, o.context, site.publications, loaded.facts,
            {rel: listing.spans for rel, listing in listings.items()})
    if record is None:
        cache.drop(cache_file)
    else:
        record.stats = {rel: _stat(o.out / rel) for rel in listings}
        record.built = o.digest
        cache.store(cache_file, record.data())
    return BuildResult(len(site.publications), counts["written"], counts["unchanged"],
                       len(found))


def _patch(o: _Options, record: incremental.Record, before: write.Previous,
           cache_file: Path, raw: bytes) -> BuildResult | None:
    """Rebuild only the changed entries (incremental.py); None when a full build is
    needed."""
    from pubsite import bib, profile, rules
    from pubsite.model import Site
    from pubsite.normalise import Normaliser

    manifest, last = before.files, before.meta
    if record.context != o.context or record.built != last.get("inputs") or any(
            d.get("rule") == "encoding" for d in last.get("diagnostics", [])) or \
            not _folders_intact(o.out, manifest):
        return None
    plan = incremental.plan(incremental.normalised(raw), record)
    if plan is None:
        return None
    scratch = Diagnostics()
    prof = profile.load(o.inputs.profile, scratch, display=pipeline.display(o.inputs.profile))
    if prof is None:
        return None
    bib_name = pipeline.display(o.inputs.bib)
    diags = Diagnostics()
    parsed = bib.parse(plan.partial_text, bib_name, diags, line_of=plan.line)
    facts: dict[int, rules.WorkFacts] = {}
    partial = Diagnostics()
    rules.check_bib(parsed, partial, facts)
    # Duplicate works are a whole-file question: asked again from every entry's facts.
    diags.items += [d for d in partial.items if d.rule not in incremental.RECHECKED_RULES]
    changed = [record.entry_of[i] for i in plan.changed]
    if [(e.key, e.line) for e in parsed.entries] != \
            [(record.keys[j], plan.blocks.lines[i]) for i, j in zip(plan.changed, changed,
                                                                   strict=True)]:
        return None
    normaliser = Normaliser(prof, diags)
    normaliser.slugs = set(record.slugs) - {record.slugs[j] for j in changed}
    pubs = [normaliser.publication(e) for e in parsed.entries]
    if not all(record.placed_as_before(j, p) for j, p in zip(changed, pubs, strict=True)):
        return None  # it moves in the list, or its file name changed
    fresh = {j: incremental.hashed_facts(facts[e.line])
             for j, e in zip(changed, parsed.entries, strict=True)}
    rules.check_duplicate_works(bib_name, record.works(plan.blocks.lines, {
        j: (e.key, e.line, incremental.facts_shape(fresh[j]))
        for j, e in zip(changed, parsed.entries, strict=True)}), diags)
    found = incremental.merge_diagnostics(_diagnostics(last.get("diagnostics")), diags.items,
                                          bib_name, record, plan)
    if found is None:
        return None
    files = _patched_files(o, record, manifest, Site(prof, tuple(pubs)), changed)
    if files is None:
        return None
    _fail_or_report(o, found)
    meta = {**last, "inputs": o.digest, "diagnostics": [_diag_dict(d) for d in found]}
    counts = write.update_site(o.out, files, [o.inputs.bib, o.inputs.profile], meta, manifest)
    record.update(plan.blocks, fresh)
    record.stats = {rel: _stat(o.out / rel) for rel in record.listings}
    record.built = o.digest
    cache.store(cache_file, record.data())
    count = last.get("publications", 0)
    return BuildResult(count if isinstance(count, int) else 0, counts["written"],
                       counts["unchanged"], len(found), patched=len(pubs))


def _patched_files(o: _Options, record: incremental.Record, manifest: dict[str, str],
                   site: Site, changed: list[int]) -> dict[str, write.Pieces] | None:
    """The edited entries' own files, and each listing file with their fragments spliced
    in; None when the listings on disk are not the ones the record describes."""
    files: dict[str, write.Pieces] = {}
    try:
        renderers = [site_renderer(fmt, site, o.inputs.templates) for fmt in o.formats]
        if {rel for r in renderers for rel in r.listings()} != set(record.listings):
            return None
        for renderer in renderers:
            fragments: dict[str, dict[int, bytes]] = {rel: {} for rel in renderer.listings()}
            for j, pub in zip(changed, site.publications, strict=True):
                files.update((rel, text.encode()) for rel, text in renderer.paper(pub))
                for rel, fragment in renderer.fragments(pub).items():
                    fragments[rel][j] = fragment.encode()
            for rel, new in fragments.items():
                old = o.out / rel
                if not old.is_file():
                    return None
                previous = old.read_bytes()
                if _stat(old) != tuple(record.stats.get(rel, ())) and \
                        hashlib.sha256(previous).hexdigest() != manifest.get(rel):
                    return None  # changed since: build it in full
                files[rel] = incremental.splice(previous, record.listings[rel], new)
    except Exception as exc:
        raise templating.as_pubsite_error(exc) from exc
    return files


def _folders_intact(out: Path, manifest: dict[str, str]) -> bool:
    """What the last build wrote is there two levels deep (a listing per folder instead of
    a look at each of 20,000 files: a folder deleted by hand is seen; a single file deleted
    inside a paper's folder is restored by the next full build)."""
    top: set[str] = set()
    inner: dict[str, set[str]] = {}
    for rel in manifest:
        parts = rel.split("/", 2)
        top.add(parts[0])
        if len(parts) > 1:
            inner.setdefault(parts[0], set()).add(parts[1])
    try:
        return top <= set(os.listdir(out)) and all(
            names <= set(os.listdir(out / folder)) for folder, names in inner.items())
    except OSError:
        return False


def _stat(path: Path) -> tuple[int, int]:
    """Size and modification time: when both are as the cache noted them, the file is the
    one the last build wrote, and need not be read through to be trusted."""
    try:
        st = path.stat()
    except OSError:
        return (-1, -1)
    return (st.st_size, st.st_mtime_ns)


def context_digest(inputs: pipeline.Inputs, formats: tuple[str, ...], strict: bool,
                   keep_going: bool) -> str:
    """Everything but the .bib file that a build's output depends on: the profile,
    templates, options and pubsite itself."""
    from pubsite import __version__
    from pubsite.templating import builtin_templates

    h = hashlib.sha256()
    h.update(f"{__version__}|{sorted(formats)}|{strict}|{keep_going}|".encode())
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    # Contents, not absolute paths: output is byte-identical wherever it is built.
    profile = inputs.profile.read_bytes()
    h.update(profile + b"\0")
    folders = [builtin_templates(), inputs.templates] if inputs.templates else \
        [builtin_templates()]
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    # The photo is copied into the site, so its bytes are an input too. A regex, not
    # tomllib: this runs before profile.py's guards against hostile TOML.
    m = re.search(rb'(?m)^\s*photo\s*=\s*["\']([^"\'\n]+)["\']', profile)
    if m and b"://" not in m.group(1):
        source = inputs.profile.parent / m.group(1).decode("utf-8", "replace")
        if source.is_file():
            h.update(source.read_bytes())
    return h.hexdigest()


def _diag_dict(d: Diagnostic) -> dict[str, object]:
    return {"rule": d.rule, "severity": d.severity.value, "file": d.file, "line": d.line,
            "message": d.message, "hint": d.hint, "key": d.key, "column": d.column}


def _diagnostics(data: object) -> list[Diagnostic]:
    out = []
    for d in data if isinstance(data, list) else []:
        try:
            out.append(Diagnostic(d["rule"], Severity(d["severity"]), d["file"], d["line"],
                                  d["message"], d["hint"], d.get("key"), d.get("column")))
        except (KeyError, TypeError, ValueError):
            continue  # a damaged manifest only costs the repeated warnings
    return out
