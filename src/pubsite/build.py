"""`pubsite build`: the pipeline end to end, writing only when the input is good."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pubsite import pipeline, report, templating, write
from pubsite.errors import Diagnostic, Diagnostics, PubsiteError, Severity
from pubsite.render import site_renderer


@dataclass(frozen=True, slots=True)
class BuildResult:
    publications: int
    written: int
    unchanged: int
    diagnostics: int
    up_to_date: bool = False


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr while a build takes more than a moment; nothing when quiet or
    when stderr is not a terminal (CI logs stay clean)."""
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        yield lambda _text: None
        return
    with console.status("reading the inputs", spinner="dots") as status:
        yield lambda text: status.update(text)


def build(bib_path: Path, profile_path: Path, out: Path, formats: tuple[str, ...],
          strict: bool = False, keep_going: bool = False, quiet: bool = False) -> BuildResult:
    with progress(quiet) as say:
        return _build(bib_path, profile_path, out, formats, strict, keep_going, quiet, say)


def _build(bib_path: Path, profile_path: Path, out: Path, formats: tuple[str, ...],
           strict: bool, keep_going: bool, quiet: bool,
           say: Callable[[str], None]) -> BuildResult:
    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    write.check_target(out, [inputs.bib, inputs.profile])
    digest = input_digest(inputs, formats, strict, keep_going)
    last = write.read_meta(out)
    if last.get("inputs") == digest and write.is_intact(out):
        # Nothing changed since the last build: its output stands as it is.
        found = _diagnostics(last.get("diagnostics"))
        if found and not quiet:
            report.text(found)
        count = last.get("publications", 0)
        return BuildResult(count if isinstance(count, int) else 0, 0, 0, len(found),
                           up_to_date=True)
    diags = Diagnostics()
    site = pipeline.load_site(inputs, diags)
    failed = diags.has_errors or (strict and bool(diags.items))
    if failed and not keep_going:
        raise PubsiteError("build stopped: fix the problems above (the previous output, if "
                           "any, is untouched), or pass --keep-going",
                           diagnostics=diags.sorted())
    if diags.items and not quiet:
        report.text(diags.sorted())
    def files() -> Iterator[tuple[str, write.Content]]:
        for fmt in formats:
            say(f"rendering and writing {len(site.publications)} publications ({fmt})")
            produced = site_renderer(fmt)(site, inputs.templates)
            yield from produced.items() if isinstance(produced, dict) else produced

    meta = {"inputs": digest, "publications": len(site.publications),
            "diagnostics": [_diag_dict(d) for d in diags.sorted()]}
    try:
        counts = write.write_site(out, files(), [inputs.bib, inputs.profile], meta)
    except Exception as exc:
        raise templating.as_pubsite_error(exc) from exc
    return BuildResult(len(site.publications), counts["written"], counts["unchanged"],
                       len(diags.items))


def input_digest(inputs: pipeline.Inputs, formats: tuple[str, ...], strict: bool,
                 keep_going: bool) -> str:
    """Everything a build's output depends on: inputs, templates, options, pubsite itself."""
    from pubsite import __version__
    from pubsite.templating import builtin_templates

    h = hashlib.sha256()
    h.update(f"{__version__}|{sorted(formats)}|{strict}|{keep_going}|".encode())
    h.update(os.environ.get("SOURCE_DATE_EPOCH", "").encode())
    for path in (inputs.bib, inputs.profile):
        # Contents, not absolute paths: output is byte-identical wherever it is built.
        h.update(path.read_bytes() + b"\0")
    folders = [builtin_templates(), inputs.templates] if inputs.templates else \
        [builtin_templates()]
    for folder in folders:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    # The photo is copied into the site, so its bytes are an input too. A regex, not
    # tomllib: this runs before profile.py's guards against hostile TOML.
    m = re.search(rb'(?m)^\s*photo\s*=\s*["\']([^"\'\n]+)["\']', inputs.profile.read_bytes())
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
