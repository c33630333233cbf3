"""Nothing outside the output folder, ever: pubsite's records read back from OUT are data,
not instructions; what the user put in OUT stays; a full disk, a SIGTERM or a kill leaves
no temporary file and every file old or new (issue 22)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main

from conftest import ROOT, tmpfs


def run(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pubsite", *args], cwd=project,
                          capture_output=True, text=True, timeout=300)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def edit_bib(project: Path, old: str = "Cavs: An Efficient", new: str = "Cavs: An Edited"
             ) -> None:
    bib = project / "publications.bib"
    bib.write_text(bib.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def site_files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".pubsite-")}


def temporaries(out: Path) -> list[str]:
    return [str(p) for p in out.rglob("*") if "pubsite-tmp" in p.name]


def test_a_planted_manifest_line_cannot_delete_the_inputs(project: Path) -> None:
    assert run(project, "build").returncode == 0
    manifest = project / "_site" / ".pubsite-manifest.json"
    data = json.loads(manifest.read_text())
    for name in ("publications.bib", "profile.toml"):
        data["files"][f"../{name}"] = [sha(project / name), 0, 0]
    data["files"]["/etc/hostname"] = ["0" * 64, 0, 0]
    manifest.write_text(json.dumps(data))
    profile_before = (project / "profile.toml").read_bytes()
    edit_bib(project)
    result = run(project, "build")
    assert result.returncode == 0, result.stderr
    assert (project / "profile.toml").read_bytes() == profile_before
    assert "Cavs: An Edited" in (project / "publications.bib").read_text()
    assert "Cavs: An Edited" in (project / "_site" / "index.html").read_text()
    assert "'../publications.bib', which is not a file pubsite writes" in result.stderr
    assert "the record is ignored" in result.stderr
    # The next manifest is pubsite's own again: no path outside the folder.
    assert not [p for p in json.loads(manifest.read_text())["files"] if ".." in p]


def test_a_planted_journal_line_cannot_delete_a_file_two_levels_up(project: Path) -> None:
    victim = project.parent / f"victim-{project.name}.txt"
    victim.write_text("mine")
    try:
        assert run(project, "build").returncode == 0
        rel = os.path.relpath(victim, project / "_site")
        assert rel.startswith("../../")
        (project / "_site" / ".pubsite-journal").write_text(f"{sha(victim)} {rel}\n")
        edit_bib(project)
        result = run(project, "build")
        assert result.returncode == 0, result.stderr
        assert victim.read_text() == "mine"
        assert f"names {rel!r}" in result.stderr
    finally:
        victim.unlink()


def test_a_record_through_a_symlinked_folder_deletes_nothing_outside(
        project: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    outside = tmp_path_factory.mktemp("outside")
    (outside / "keep.txt").write_text("keep")
    assert run(project, "build").returncode == 0
    out = project / "_site"
    (out / "elsewhere").symlink_to(outside, target_is_directory=True)
    manifest = out / ".pubsite-manifest.json"
    data = json.loads(manifest.read_text())
    data["files"]["elsewhere/keep.txt"] = [sha(outside / "keep.txt"), 4, 0]
    manifest.write_text(json.dumps(data))
    edit_bib(project)
    result = run(project, "build")
    assert result.returncode == 0, result.stderr
    assert (outside / "keep.txt").read_text() == "keep"


@pytest.mark.parametrize("rel", ["sitemap.xml", "feed.xml", "cv/index.html"])
def test_a_file_the_user_put_in_out_is_not_replaced(project: Path, rel: str) -> None:
    assert run(project, "build").returncode == 0
    mine = project / "_site" / rel
    mine.parent.mkdir(exist_ok=True)
    mine.write_text("my own file")
    profile = project / "profile.toml"
    profile.write_text('base_url = "https://example.org/~me"\ncv = true\n'
                       + profile.read_text(encoding="utf-8"), encoding="utf-8")
    result = run(project, "build")
    assert result.returncode == 2, result.stderr
    assert "refusing to replace what pubsite did not write: " in result.stderr
    assert f"_site/{rel}" in result.stderr
    assert "--force" in result.stderr
    assert mine.read_text() == "my own file"
    assert not temporaries(project / "_site")
    forced = run(project, "build", "--force")
    assert forced.returncode == 0, forced.stderr
    assert mine.read_text() != "my own file"
    # Now it is pubsite's: it follows the next build, and goes when no longer made.
    profile.write_text(profile.read_text().replace("cv = true\n", "")
                       .replace('base_url = "https://example.org/~me"\n', ""))
    assert run(project, "build").returncode == 0
    assert not mine.exists()


def test_the_users_cv_pdf_is_kept(project: Path) -> None:
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed (.ci/run installs it): cv.pdf is not made")
    assert run(project, "build").returncode == 0
    mine = project / "_site" / "cv.pdf"
    mine.write_bytes(b"%PDF-1.4 my own CV")
    profile = project / "profile.toml"
    profile.write_text("cv = true\n" + profile.read_text(encoding="utf-8"), encoding="utf-8")
    result = run(project, "build")
    assert result.returncode == 2, result.stderr
    assert "_site/cv.pdf" in result.stderr
    assert mine.read_bytes() == b"%PDF-1.4 my own CV"


def test_a_folder_where_a_file_goes_is_named_and_kept(project: Path) -> None:
    assert run(project, "build").returncode == 0
    out = project / "_site"
    (out / "robots.txt").unlink()
    (out / "robots.txt").mkdir()
    (out / "robots.txt" / "note").write_text("mine")
    edit_bib(project)
    for args in (("build",), ("build", "--force")):
        result = run(project, *args)
        assert result.returncode == 2, result.stderr
        assert "a folder stands where this build writes a file: " in result.stderr
        assert "_site/robots.txt. Move or rename the folder" in result.stderr
        assert "pass --force" not in result.stderr  # --force would not help
        assert "Is a directory" not in result.stderr
        assert (out / "robots.txt" / "note").read_text() == "mine"


def test_a_user_file_with_the_same_bytes_is_adopted(project: Path) -> None:
    """A file the user copied from an earlier build (the same bytes) is no conflict."""
    assert run(project, "build").returncode == 0
    out = project / "_site"
    saved = (out / "robots.txt").read_bytes()
    manifest = out / ".pubsite-manifest.json"
    data = json.loads(manifest.read_text())
    del data["files"]["robots.txt"]
    manifest.write_text(json.dumps(data))
    (out / "robots.txt").write_bytes(saved)
    edit_bib(project)
    assert run(project, "build").returncode == 0
    assert "robots.txt" in json.loads(manifest.read_text())["files"]


# A full disk at every write step: a small tmpfs, filled to leave a little more room each
# time, so that the build fails at the journal and at each temporary file.

@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with tmpfs(tmp_path / "disk", "4m") as disk:
        yield disk


def fill(disk: Path, leave: int) -> Path:
    """Fill the disk but for about `leave` bytes (tmpfs counts whole pages)."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while f.write(b"\0" * 65536):
                pass
        except OSError:
            pass
    os.truncate(filler, max(filler.stat().st_size - leave, 0))
    return filler


def test_out_of_space_at_every_write_step_leaves_nothing_behind(project: Path,
                                                                  small_disk: Path) -> None:
    out = small_disk / "_site"
    runner = CliRunner()
    args = ["build", "-q", "--bib", str(project / "publications.bib"),
            "--profile", str(project / "profile.toml"), "--out", str(out)]
    assert runner.invoke(main, args).exit_code == 0
    old = site_files(out)
    edit_bib(project, "Hao Zhang", "Hao Q. Zhang")  # every page changes
    reference = project / "ref"
    assert runner.invoke(main, [*args[:-1], str(reference)]).exit_code == 0
    new = site_files(reference)
    failed_at: set[str] = set()
    leave, succeeded = 0, 0
    while succeeded < 2:  # more room each time, until the build gets through
        assert leave < 3 * 2**20, "the build never got through"
        filler = fill(small_disk, leave)
        result = runner.invoke(main, args)
        filler.unlink()
        leave += 4096
        assert not temporaries(out), leave
        now = site_files(out)
        for rel, data in now.items():
            assert data in (old.get(rel), new.get(rel)), (rel, leave)
        if result.exit_code == 0:
            succeeded += 1
        else:
            assert result.exit_code == 3, result.output
            assert "No space left on device" in result.output
            assert "Traceback" not in result.output
            failed_at.add(result.output.split(": cannot write")[0].rpartition("/")[2])
        # The next build, with room again, finishes the site.
        assert runner.invoke(main, args).exit_code == 0
        assert site_files(out) == new
        # ... and the one after puts back the old one, for the next try.
        edit_bib(project, "Hao Q. Zhang", "Hao Zhang")
        assert runner.invoke(main, args).exit_code == 0
        assert site_files(out) == old
        edit_bib(project, "Hao Zhang", "Hao Q. Zhang")
    # The failures named the file being written (never its temporary file): the pages and
    # the journal's flushes.
    assert "index.html" in failed_at, failed_at
    assert not any("pubsite-tmp" in name for name in failed_at), failed_at
    assert ".pubsite-journal" in failed_at, failed_at


def test_export_to_a_full_disk_keeps_the_old_file(project: Path, small_disk: Path) -> None:
    target = small_disk / "cv.tex"
    target.write_text("my previous list")
    filler = fill(small_disk, 0)
    result = CliRunner().invoke(main, ["export", "--format", "latex", "-o", str(target),
                                       "--bib", str(project / "publications.bib"),
                                       "--profile", str(project / "profile.toml")])
    filler.unlink()
    assert result.exit_code == 3, result.output
    assert "No space left on device" in result.output
    assert target.read_text() == "my previous list"
    assert sorted(p.name for p in small_disk.iterdir()) == ["cv.tex"]
    ok = CliRunner().invoke(main, ["export", "--format", "latex", "-o", str(target),
                                   "--bib", str(project / "publications.bib"),
                                   "--profile", str(project / "profile.toml")])
    assert ok.exit_code == 0, ok.output
    assert "Poseidon" in target.read_text()


def test_export_hint_offers_no_option_export_refuses(project: Path) -> None:
    bib = project / "publications.bib"
    bib.write_text(bib.read_text() + "\n@article{bad, title = {x\n")
    result = run(project, "export", "--format", "text")
    assert result.returncode == 1
    assert "export stopped" in result.stderr
    assert "--keep-going" not in result.stderr


def big_project(folder: Path, n: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        import synth
    finally:
        sys.path.pop(0)
    synth.write(folder / "publications.bib", n)
    (folder / "profile.toml").write_text(synth.PROFILE, encoding="utf-8")


def test_sigterm_at_random_points_leaves_nothing_behind(tmp_path: Path) -> None:
    big_project(tmp_path, 1500)
    out = tmp_path / "_site"
    assert run(tmp_path, "build", "-q", "--keep-going").returncode == 0
    old = site_files(out)
    edit_bib(tmp_path, "title = {", "title = {New ")
    rng = random.Random(22)
    for attempt in range(6):
        proc = subprocess.Popen([sys.executable, "-m", "pubsite", "build", "-q",
                                 "--keep-going"], cwd=tmp_path, stderr=subprocess.PIPE,
                                text=True)
        # Once the journal is there the build writes; then a random moment into it.
        deadline = time.monotonic() + 120
        while not (out / ".pubsite-journal").exists() and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.05))
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 143, (attempt, err)
        assert err.strip().splitlines()[-1] == \
            "pubsite: terminated (SIGTERM); nothing half-written was left behind"
        assert "Traceback" not in err
        assert not temporaries(out), attempt
        assert site_files(out) == old  # stopped before the first replace: the old site
    finished = run(tmp_path, "build", "-q", "--keep-going")
    assert finished.returncode == 0, finished.stderr
    assert site_files(out) != old


def test_every_test_the_readme_names_exists() -> None:
    """The README's promises name the tests that back them: each is there."""
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = re.findall(r"`(?:(test_\w+)\.py::)?(test_\w+)`", readme)
    assert len(named) >= 8
    for module, test in named:
        files = [ROOT / "tests" / f"{module}.py"] if module else \
            sorted((ROOT / "tests").glob("test_*.py"))
        assert any(f"def {test}(" in f.read_text() for f in files), (module, test)


# --- a second round of attacks (the verifier's) ------------------------------------------

def test_planted_records_of_git_and_cname_delete_nothing(project: Path) -> None:
    assert run(project, "build").returncode == 0
    out = project / "_site"
    (out / ".git" / "hooks").mkdir(parents=True)
    mine = {".git/HEAD": b"ref: refs/heads/gh-pages\n", ".git/hooks/pre-commit": b"#!/bin/sh\n",
            "CNAME": b"ada.example.org\n"}
    for rel, data in mine.items():
        (out / rel).write_bytes(data)
    manifest = out / ".pubsite-manifest.json"
    records = json.loads(manifest.read_text())
    for rel in mine:
        records["files"][rel] = [sha(out / rel), 0, 0]
    manifest.write_text(json.dumps(records))
    edit_bib(project)
    result = run(project, "build")
    assert result.returncode == 0, result.stderr
    assert {rel: (out / rel).read_bytes() for rel in mine} == mine
    assert "names '.git/HEAD', which is not a file pubsite writes" in result.stderr
    assert "names 'CNAME', which is not a file pubsite writes" in result.stderr


def test_a_manifest_nested_past_the_recursion_limit_is_ignored(project: Path) -> None:
    assert run(project, "build").returncode == 0
    (project / "_site" / ".pubsite-manifest.json").write_text("[" * 100_000)
    result = run(project, "build", "--force")
    assert result.returncode == 0, result.stderr
    assert "not a manifest pubsite wrote; the record is ignored" in result.stderr
    assert "internal" not in result.stderr


def test_a_damaged_manifest_says_why_files_are_refused(project: Path) -> None:
    assert run(project, "build").returncode == 0
    (project / "_site" / ".pubsite-manifest.json").write_text("garbage")
    edit_bib(project)
    result = run(project, "build")
    assert result.returncode == 2
    assert "pubsite's record of the output folder was damaged" in result.stderr
    assert "base_url gives sitemap.xml" not in result.stderr
    assert run(project, "build", "--force").returncode == 0


@pytest.mark.parametrize("planted", ["fifo", "symlink", "folder"])
def test_a_journal_that_is_no_file_neither_hangs_nor_follows(project: Path, tmp_path: Path,
                                                             planted: str) -> None:
    assert run(project, "build").returncode == 0
    journal = project / "_site" / ".pubsite-journal"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    if planted == "fifo":
        os.mkfifo(journal)
    elif planted == "symlink":
        journal.symlink_to(victim)
    else:
        journal.mkdir()
    edit_bib(project)
    result = run(project, "build")  # a hang fails by the timeout
    assert victim.read_text() == "keep"
    if planted == "folder":
        assert result.returncode == 2
        assert "_site/.pubsite-journal: a folder stands where pubsite keeps its record" \
            in result.stderr
        assert journal.is_dir()
    else:
        assert result.returncode == 0, result.stderr
        assert not os.path.lexists(journal)
        assert "Cavs: An Edited" in (project / "_site" / "index.html").read_text()


def test_export_writes_into_a_device_and_a_fifo_without_replacing_them(project: Path,
                                                                       tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = run(project, "export", "--format", "text", "-o", str(fifo))
    assert result.returncode == 3
    assert f"{fifo}: cannot write: nothing reads from it" in result.stderr
    assert fifo.is_fifo()
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    result = run(project, "export", "--format", "text", "-o", str(fifo))
    read, _ = reader.communicate(timeout=60)
    assert result.returncode == 0, result.stderr
    assert fifo.is_fifo() and b"Alpa" in read
    result = run(project, "export", "--format", "text", "-o", "/dev/null")
    assert result.returncode == 0, result.stderr
    assert Path("/dev/null").is_char_device()


def test_export_never_overwrites_its_input(project: Path) -> None:
    before = (project / "publications.bib").read_bytes()
    (project / "cites.bib").symlink_to("publications.bib")
    for target in ("publications.bib", "cites.bib", "profile.toml"):
        result = run(project, "export", "--format", "bibtex", "--selected", "-o", target)
        assert result.returncode == 2
        assert f"{target}: is the input" in result.stderr
    assert (project / "publications.bib").read_bytes() == before


def test_a_sigterm_python_drops_still_stops_the_build_before_it_writes(
        tmp_path: Path) -> None:
    # SIGTERM landing in a weakref callback (a worker's process object freed) raises where
    # Python drops it; the build must still stop, at the next file, leaving the old site.
    big_project(tmp_path, 50)
    out = tmp_path / "_site"
    assert run(tmp_path, "build", "-q").returncode == 0
    old = site_files(out)
    edit_bib(tmp_path, "title = {", "title = {New ")
    script = tmp_path / "dropped.py"
    script.write_text("""
import os, signal, sys, weakref
from pubsite import cli
from pubsite.render import workers

rendered = workers.Rendered.__init__

def hit(self, *args, **kwargs):
    rendered(self, *args, **kwargs)
    class Thing:
        pass
    thing = Thing()
    kept = weakref.ref(thing, lambda _ref: os.kill(os.getpid(), signal.SIGTERM))
    del thing  # the handler's exception is raised in the callback, and dropped

workers.Rendered.__init__ = hit
sys.argv = ["pubsite", "build", "-q"]
cli.run()
""", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 143, done.stderr
    assert done.stderr.strip().splitlines() == [
        "pubsite: terminated (SIGTERM); nothing half-written was left behind"]
    assert not temporaries(out)
    assert site_files(out) == old
    assert run(tmp_path, "build", "-q").returncode == 0
    assert site_files(out) != old  # the edit was there to be written
