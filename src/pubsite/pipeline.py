"""The stages in order: load (bib, toml) -> model -> normalise. Renderers and write follow."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pubsite.errors import EXIT_USAGE, Diagnostics, PubsiteError

if TYPE_CHECKING:
    from pubsite.model import Site
    from pubsite.rules import WorkFacts


@dataclass(frozen=True, slots=True)
class Inputs:
    bib: Path
    profile: Path

    @property
    def templates(self) -> Path | None:
        folder = self.profile.parent / "templates"
        return folder if folder.is_dir() else None


def resolve_inputs(bib_path: str | Path, profile_path: str | Path) -> Inputs:
    inputs = Inputs(Path(bib_path), Path(profile_path))
    for p, what in ((inputs.bib, "bibliography"), (inputs.profile, "profile")):
        if not p.exists():
            raise PubsiteError(
                f"{p}: {what} file not found. Run pubsite in the folder that holds it, pass "
                f"--{'bib' if what == 'bibliography' else 'profile'} PATH, or create one with "
                "`pubsite init`.", EXIT_USAGE)
        if not p.is_file():
            raise PubsiteError(f"{p}: is not a file", EXIT_USAGE)
    return inputs


@dataclass(frozen=True, slots=True)
class Loaded:
    site: Site
    bib_name: str
    scanned: dict[str, Any] | None  # the .bib file's blocks, for the build cache
    facts: dict[int, WorkFacts]  # each entry's work facts, by line


@contextmanager
def few_collections() -> Iterator[None]:
    """A run allocates millions of objects that live to its end and form no cycles; the
    cyclic collector's full passes over them cost a sixth of a 10k-entry build and grow
    with its square. Collections stay, only rarer."""
    old = gc.get_threshold()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*old)


def load_site(inputs: Inputs, diags: Diagnostics) -> Site:
    return load(inputs, diags).site


def load(inputs: Inputs, diags: Diagnostics, scan: bool = False) -> Loaded:
    """Run load and normalise, collecting every diagnostic; raise only on unusable input.
    With `scan`, also split the file into blocks for the build cache (a build's record;
    validate and export have no use for it)."""
    with few_collections():
        return _load(inputs, diags, scan)


def _load(inputs: Inputs, diags: Diagnostics, scan: bool) -> Loaded:
    # Imported here: a build with nothing to do never needs the parser or the model.
    from pubsite import bib, incremental, profile, rules
    from pubsite.model import Site
    from pubsite.normalise import Normaliser

    prof = profile.load(inputs.profile, diags, display=display(inputs.profile))
    bib_name = display(inputs.bib)
    try:
        raw = inputs.bib.read_bytes()
    except OSError as exc:
        raise PubsiteError(f"{bib_name}: cannot read: {exc.strerror}", EXIT_USAGE) from exc
    scanned = incremental.scan(incremental.normalised(raw)) if scan else None
    text, _ = bib.decode_text(raw, inputs.bib, diags, display=bib_name)
    del raw
    data = bib.parse(text, bib_name, diags)
    del text
    if prof is None:
        raise PubsiteError("profile could not be read", diagnostics=diags.items)
    facts: dict[int, WorkFacts] = {}
    rules.check_bib(data, diags, facts)
    entries = data.entries
    del data  # the text and the parser's leftovers go; each entry goes once normalised
    pubs = Normaliser(prof, diags).publications(_drain(entries))
    return Loaded(Site(prof, tuple(pubs)), bib_name, scanned, facts)


def _drain(items: list[Any]) -> Iterator[Any]:
    items.reverse()
    while items:
        yield items.pop()


def display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
