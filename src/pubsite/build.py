"""`pubsite build`: the pipeline end to end, writing only when the input is good."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pubsite import pipeline, report, write
from pubsite.errors import Diagnostics, PubsiteError
from pubsite.render import site_renderer


@dataclass(frozen=True, slots=True)
class BuildResult:
    publications: int
    written: int
    unchanged: int
    diagnostics: int


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
    diags = Diagnostics()
    site = pipeline.load_site(inputs, diags)
    failed = diags.has_errors or (strict and bool(diags.items))
    if failed and not keep_going:
        raise PubsiteError("build stopped: fix the problems above (the previous output, if "
                           "any, is untouched), or pass --keep-going",
                           diagnostics=diags.sorted())
    if diags.items and not quiet:
        report.text(diags.sorted())
    files: dict[str, str | bytes] = {}
    for fmt in formats:
        say(f"rendering {len(site.publications)} publications ({fmt})")
        files.update(site_renderer(fmt)(site, inputs.templates))
    say(f"writing {len(files)} files")
    counts = write.write_site(out, files, [inputs.bib, inputs.profile])
    return BuildResult(len(site.publications), counts["written"], counts["unchanged"],
                       len(diags.items))
