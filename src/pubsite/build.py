"""`pubsite build`: the pipeline end to end, writing only when the input is good."""

from __future__ import annotations

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


def build(bib_path: Path, profile_path: Path, out: Path, formats: tuple[str, ...],
          strict: bool = False, keep_going: bool = False, quiet: bool = False) -> BuildResult:
    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    write.check_target(out, [inputs.bib, inputs.profile])
    diags = Diagnostics()
    site = pipeline.load_site(inputs, diags)
    failed = diags.has_errors or (strict and bool(diags.items))
    if diags.items and not (quiet and not failed):
        report.text(diags.sorted())
    if failed and not keep_going:
        raise PubsiteError("build stopped: fix the problems above (the previous output, if "
                           "any, is untouched), or pass --keep-going")
    files: dict[str, str] = {}
    for fmt in formats:
        files.update(site_renderer(fmt)(site, inputs.templates))
    counts = write.write_site(out, files, [inputs.bib, inputs.profile])
    return BuildResult(len(site.publications), counts["written"], counts["unchanged"],
                       len(diags.items))
