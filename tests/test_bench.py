"""The benchmark keeps working: its smoke run (100 entries) prints every figure.
Speed itself is measured by bench/run.py, never asserted here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

# Every hostile case the bench times (bench/run.py's pathological()), by the name its
# table gives it: a case dropped from the bench fails here.
HOSTILE = ["deep braces", "5 MB field", "3,000 unterminated", "billion laughs",
           "100k concatenations", "12,500 open @article{x,", "4,000 duplicate keys",
           'author "Ab Ab ... Doe" 12 KB', 'author "a,a,..." 50 KB',
           "links {[a]([a](...} 100 KB", "10k distinct links", "also {V 2020 (V 2020 (...} 128 KB",
           "author {Jane, 100 KB of spaces, x}", "100k @ characters",
           "one entry with 20k fields", "crossref chain of 8k entries",
           "author {Jane Doe, 400k *}", "profile: dotted key of 50k parts",
           "profile: 16k unknown keys"]
# The verdicts bench/run.py gives, from its own figures (never asserted to be "linear":
# speed is the bench's to report, not a test's).
VERDICT = (r"(linear|OVER 5 s|CRASHED|out of memory NOT LINEAR|> \d+ s NOT LINEAR|"
           r"NOT LINEAR( \(4x: (> \d+ s|out of memory)\))?(, OVER 5 s)?)")
NUMBER = r"(-|> \d+|[0-9.,]+)"


def test_bench_smoke_run(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--sizes", "100",
                             "--corpus", "none", "--work", str(tmp_path), "--pathological",
                             # The hostile cases small: the smoke run reports each of them.
                             "--pathological-scale", "0.02", "--json",
                             str(tmp_path / "r.json")],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    assert "| synthetic 100 | 100 |" in out
    for figure in ("build_100_wall_s", "help_wall_s", "| deep braces |", "| billion laughs |"):
        assert figure in out
    # Every target gets a verdict, and the verdict follows from the figures it prints.
    for key in ("cold", "warm", "edit", "memory"):
        found = re.search(rf"100 entries +{key}: ([0-9.]+)x \(target ([0-9.]+)x\) "
                          r"(met|NOT MET)", out)
        assert found, key
        _check_verdict(float(found[1]), float(found[2]), found[3], key)
    found = re.search(r"help_wall_s: ([0-9.]+) s \(target < (0.2) s\) (met|NOT MET)", out)
    assert found
    _check_verdict(float(found[1]), float(found[2]), found[3], "help")
    import json

    data = json.loads((tmp_path / "r.json").read_text())
    row = data["rows"][0]
    for key in ("cold", "warm", "edit", "memory", "bare_s"):
        assert row[key] > 0
    # Where the cold build's time goes, and the floor that reading and writing set.
    assert re.search(r"where a cold build of 100 entries goes \([0-9.]+ s, [0-9.]+x\): ", out)
    # Each stage's share of the build, and the shares make up the whole (rounded).
    where = re.search(r"where a cold build of 100 entries goes .*", out)
    assert where
    shares = [int(p) for p in re.findall(r"\(([0-9]+)%\)", where[0])]
    assert len(shares) >= 5 and 96 <= sum(shares) <= 104, where[0]
    assert re.search(r"floor: reading the file \(the bare parse, [0-9.]+ s\) and writing its "
                     r"[0-9,]+ files", out)
    stages = data["stages"]
    for part in ("parse and normalise", "checks", "render and write"):
        assert stages["stages"][part] > 0, part
    assert stages["files"] > 200  # 100 pages, 100 .bib files, the index and the rest
    assert abs(sum(stages["stages"].values()) - stages["total_s"]) < 1e-6
    assert stages["floor_s"] == pytest.approx(stages["bare_s"] + stages["write_floor_s"])
    _check_hostile(out, data["pathological"])


def _check_verdict(value: float, target: float, verdict: str, what: str) -> None:
    """"met" exactly when the figure is within its target (a figure printed equal to the
    target was rounded, so either verdict fits it)."""
    if value != target:
        assert verdict == ("met" if value < target else "NOT MET"), (what, value, target)


def _check_hostile(out: str, rows: list[dict[str, object]]) -> None:
    """Each hostile case has its line: size, seconds and peak memory at n and 4n, their
    growth and a verdict; and the same figures in the JSON."""
    assert "| case | KB at n | s at n | s at 4n | growth | peak MiB at n | peak MiB at 4n " \
           "| memory growth | verdict |" in out
    for name in HOSTILE:
        cells = rf"\| {re.escape(name)} \| [0-9.,]+ \| {NUMBER} \| {NUMBER} \| {NUMBER}x " \
                rf"\| {NUMBER} \| {NUMBER} \| {NUMBER}x \| {VERDICT} \|$"
        assert re.search(cells, out, re.M), name
    assert [r["name"] for r in rows] == HOSTILE
    for r in rows:
        assert re.fullmatch(VERDICT, str(r["verdict"])), r
        assert isinstance(r["bytes_n"], int) and isinstance(r["bytes_4n"], int)
        assert r["bytes_4n"] > r["bytes_n"], r["name"]
        assert r["file"] == ("profile.toml" if str(r["name"]).startswith("profile:")
                             else "publications.bib")
