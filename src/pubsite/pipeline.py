"""The stages in order: load (bib, toml) -> model -> normalise. Renderers and write follow."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pubsite import bib, profile, rules
from pubsite.errors import EXIT_USAGE, Diagnostics, PubsiteError
from pubsite.model import Site


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


def load_site(inputs: Inputs, diags: Diagnostics) -> Site:
    """Run load and normalise, collecting every diagnostic; raise only on unusable input."""
    from pubsite.normalise import Normaliser

    prof = profile.load(inputs.profile, diags, display=_display(inputs.profile))
    bib_name = _display(inputs.bib)
    try:
        text, _ = bib.read_text(inputs.bib, diags, display=bib_name)
    except OSError as exc:
        raise PubsiteError(f"{bib_name}: cannot read: {exc.strerror}", EXIT_USAGE) from exc
    data = bib.parse(text, bib_name, diags)
    if prof is None:
        raise PubsiteError("profile could not be read", diagnostics=diags.items)
    rules.check_bib(data, diags)
    pubs = Normaliser(prof, diags).publications(data.entries)
    return Site(prof, tuple(pubs))


def _display(p: Path) -> str:
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(p)
