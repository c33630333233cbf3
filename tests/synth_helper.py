"""The benchmark's synthetic bibliography, for tests that need a large file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "pubsite_bench_synth", Path(__file__).resolve().parent.parent / "bench" / "synth.py")
assert _spec is not None and _spec.loader is not None
_synth = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_synth)

write = _synth.write
PROFILE: str = _synth.PROFILE
