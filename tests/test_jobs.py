"""`pubsite build --jobs N`: paper pages rendered in worker processes give the same bytes
as the serial build, and Ctrl-C or SIGTERM stops every worker with nothing half-written."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import synth_helper
from pubsite.check import rules
from pubsite.cli import main
from pubsite.render import html, workers

from conftest import ROOT, SHARED

CORPUS = sorted([*(SHARED / "corpus" / "real").glob("*.bib"),
                 *(SHARED / "corpus" / "real2").glob("*.bib")])


def tree(folder: Path) -> dict[str, bytes]:
    """The site's files; the manifest holds mtimes, which differ between any two builds."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != ".pubsite-manifest.json"}


def built(bib: Path, profile: Path, out: Path, jobs: int) -> tuple[int, str, dict[str, bytes]]:
    result = CliRunner().invoke(main, ["build", "-q", "--keep-going", "--bib", str(bib),
                                       "--profile", str(profile), "--out", str(out),
                                       "--jobs", str(jobs)])
    return result.exit_code, result.output, tree(out) if out.is_dir() else {}


def assert_same(bib: Path, profile: Path, work: Path) -> int:
    serial = built(bib, profile, work / "serial", 1)
    parallel = built(bib, profile, work / "parallel", 3)
    assert parallel == serial, bib.name
    return len(serial[2])


def test_parallel_build_of_the_seed_and_synthetic_files_is_byte_identical(
        tmp_path: Path) -> None:
    assert assert_same(ROOT / "publications.bib", ROOT / "profile.toml", tmp_path / "seed") > 10
    for n in (1, 7, 300):
        folder = tmp_path / f"synth{n}"
        folder.mkdir()
        synth_helper.write(folder / "publications.bib", n)
        (folder / "profile.toml").write_text(synth_helper.PROFILE, encoding="utf-8")
        files = assert_same(folder / "publications.bib", folder / "profile.toml", folder)
        assert len([f for f in [*tree(folder / "parallel")] if f.endswith(".bib")]) == n, files


def test_parallel_build_of_every_corpus_file_is_byte_identical(tmp_path: Path) -> None:
    assert len(CORPUS) > 50
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "Ada Lovelace"\nbase_url = "https://example.org"\n')
    pages = 0
    for i, bib in enumerate(CORPUS):
        pages += assert_same(bib, profile, tmp_path / str(i))
        for leftover in (tmp_path / str(i)).iterdir():
            shutil.rmtree(leftover)
    assert pages > 1000  # the corpus built, not refused file by file


def test_jobs_3_renders_paper_pages_in_two_other_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "pids"
    paper_files = html.HtmlSite._paper_files

    def logged(self: html.HtmlSite, pub: object) -> list[tuple[str, str]]:
        with open(log, "a", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
        return paper_files(self, pub)  # type: ignore[arg-type]

    monkeypatch.setattr(html.HtmlSite, "_paper_files", logged)
    synth_helper.write(tmp_path / "publications.bib", 200)
    (tmp_path / "profile.toml").write_text(synth_helper.PROFILE, encoding="utf-8")
    for jobs, expected in ((1, {os.getpid()}), (3, None)):
        log.unlink(missing_ok=True)
        code, output, _ = built(tmp_path / "publications.bib", tmp_path / "profile.toml",
                                tmp_path / f"out{jobs}", jobs)
        assert code == 0, output
        pids = [int(line) for line in log.read_text().split()]
        assert len(pids) == 200
        if expected is not None:
            assert set(pids) == expected
        else:
            assert len(set(pids)) == 2 and os.getpid() not in pids


def _validated(bib: Path, profile: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--bib", str(bib),
                                       "--profile", str(profile)])
    return result.exit_code, result.output


def test_checks_in_a_worker_report_what_the_serial_run_reports(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From AUTO_MIN_CHECKS entries on, the checks run in a forked worker while this
    process normalises: every finding comes back, in the serial run's order."""
    log = tmp_path / "pids"
    check_bib = rules.check_bib

    def logged(*args: object) -> None:
        with open(log, "a", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
        check_bib(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(rules, "check_bib", logged)
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "Ada Lovelace"\n')
    findings = 0
    for bib in CORPUS:
        monkeypatch.setattr(workers, "AUTO_MIN_CHECKS", 10**9)
        serial = _validated(bib, profile)
        monkeypatch.setattr(workers, "AUTO_MIN_CHECKS", 0)
        forked = _validated(bib, profile)
        assert forked == serial, bib.name
        findings += serial[1].count('"rule"')
    pids = [int(line) for line in log.read_text().split()]
    assert pids[0::2] == [os.getpid()] * len(CORPUS)  # serial: here
    assert os.getpid() not in pids[1::2] and len(set(pids[1::2])) == len(CORPUS)
    assert findings > 500  # the corpus has findings to keep in order


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_workers_render_stops_them_all(tmp_path: Path, sig: int,
                                                      code: int) -> None:
    synth_helper.write(tmp_path / "publications.bib", 3000)
    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n')
    proc = subprocess.Popen([sys.executable, "-m", "pubsite", "build", "-q", "--keep-going",
                             "--jobs", "3"], cwd=tmp_path, stderr=subprocess.PIPE, text=True)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
        workers = _children(proc.pid)
        time.sleep(0.02)
    assert len(workers) == 2, "the build never started its workers"
    time.sleep(0.2)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if _alive(w)], "a worker outlived the build"
    leftovers = [p.name for p in tmp_path.rglob("*") if "pubsite-tmp" in p.name
                 or p.name == ".pubsite-journal"]
    assert leftovers == []
