"""The benchmark keeps working: its smoke run (100 entries) prints every figure.
Speed itself is measured by bench/run.py, never asserted here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


def test_bench_smoke_run(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "100",
                             "--corpus", "none", "--work", str(tmp_path), "--pathological",
                             "--json", str(tmp_path / "r.json")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "| synthetic 100 | 100 |" in out
    for figure in ("build_100_wall_s", "help_wall_s", "| deep braces |", "| billion laughs |"):
        assert figure in out
    # Every target gets a verdict from the figures of this run.
    for key in ("cold", "warm", "edit", "memory"):
        assert re.search(rf"100 entries +{key}: [0-9.]+x \(target [0-9.]+x\) (met|NOT MET)",
                         out), key
    assert re.search(r"help_wall_s: [0-9.]+ s \(target < 0.2 s\) (met|NOT MET)", out)
    import json

    data = json.loads((tmp_path / "r.json").read_text())
    row = data["rows"][0]
    for key in ("cold", "warm", "edit", "memory", "bare_s"):
        assert row[key] > 0
    # Where the cold build's time goes, and the floor that reading and writing set.
    assert re.search(r"where a cold build of 100 entries goes \([0-9.]+ s, [0-9.]+x\): ", out)
    assert re.search(r"floor: reading the file \([0-9.]+ s.*writing its [0-9,]+ files", out)
    stages = data["stages"]
    for part in ("read", "rules", "normalise", "render and write"):
        assert stages["stages"][part] > 0, part
    assert stages["files"] > 200  # 100 pages, 100 .bib files, the index and the rest
    assert abs(sum(stages["stages"].values()) - stages["total_s"]) < 1e-6
    assert stages["floor_s"] == pytest.approx(stages["stages"]["read"] +
                                              stages["write_floor_s"])
