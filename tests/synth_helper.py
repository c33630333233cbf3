"""The benchmark's synthetic bibliography, for tests that need a large file."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from synth import write

__all__ = ["write"]
