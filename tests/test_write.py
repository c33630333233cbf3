"""The output folder: never lose a file pubsite did not write, never leave a file half
written, whatever happens during a build (tried by killing it at every step)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pubsite import write
from pubsite.cli import main
from pubsite.errors import PubsiteError

from conftest import tmpfs

TOOLS = Path(__file__).resolve().parent / "tools"
FOREIGN = {"CNAME": b"example.org\n", ".git/HEAD": b"ref: refs/heads/main\n",
           ".git/config": b"[remote]\n", "publications/notes.txt": b"mine"}


def snapshot(folder: Path, *, site_only: bool = False) -> dict[str, bytes]:
    """Every file under `folder`; with `site_only`, without pubsite's own records and the
    user's files."""
    found = {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
             if p.is_file() and not p.is_symlink()}
    if site_only:
        found = {k: v for k, v in found.items()
                 if k not in FOREIGN and not k.startswith(".pubsite-") and k not in FOREIGN}
    return found


def build(folder: Path, out: str = "_site", *extra: str) -> None:
    result = CliRunner().invoke(main, ["build", "--bib", str(folder / "publications.bib"),
                                       "--profile", str(folder / "profile.toml"),
                                       "--out", str(folder / out), *extra])
    assert result.exit_code == 0, result.output


def add_foreign(site: Path) -> None:
    for rel, data in FOREIGN.items():
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_bytes(data)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_failed_build_leaves_previous_site_byte_identical(
        runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    monkeypatch.chdir(project)
    assert runner.invoke(main, ["build", "--jobs", jobs]).exit_code == 0
    before = snapshot(project / "_site")
    bib = project / "publications.bib"
    bib.write_text(bib.read_text() + "\n@article{bad, title = {x\n")
    assert runner.invoke(main, ["build", "--jobs", jobs]).exit_code == 1
    assert snapshot(project / "_site") == before


def test_failure_while_rendering_leaves_site_and_no_temporary_file(project: Path) -> None:
    out = project / "_site"
    write.write_site(out, {"index.html": "old"}, [])
    before = snapshot(out)

    def files() -> object:
        yield "index.html", "new"
        yield "p1.html", "new 1"
        yield "publications/new/index.html", "new page"
        raise OSError(28, "No space left on device")

    with pytest.raises(PubsiteError, match="cannot write: No space left on device"):
        write.write_site(out, files(), [])  # type: ignore[arg-type]
    assert snapshot(out) == before
    assert not [p for p in out.rglob("*") if "pubsite-tmp" in p.name]
    assert not (out / "publications").exists()
    write.write_site(out, {"index.html": "new"}, [])
    assert snapshot(out, site_only=True) == {"index.html": b"new"}


def test_refuses_foreign_non_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / "thesis.tex").write_text("precious")
    with pytest.raises(PubsiteError, match="did not create"):
        write.write_site(out, {"index.html": "x"}, [])
    assert (out / "thesis.tex").read_text() == "precious"


def test_refuses_folder_holding_inputs(runner: CliRunner, project: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["build", "--out", "."])
    assert result.exit_code == 2
    assert "holds the input" in result.output
    result = runner.invoke(main, ["build", "--out", ".."])
    assert result.exit_code == 2
    assert (project / "publications.bib").is_file()


def test_keeps_dotfiles_cname_and_git(project: Path) -> None:
    build(project)
    site = project / "_site"
    add_foreign(site)
    # Remove an entry: its page was written by pubsite and must go.
    bib = project / "publications.bib"
    text = bib.read_text()
    bib.write_text(text[:text.index("@inproceedings{yan2015hdcnn")])
    build(project)
    assert {k: v for k, v in snapshot(site).items() if k in FOREIGN} == FOREIGN
    assert not (site / "publications" / "yan2015hdcnn").exists()
    assert (site / "publications" / "cui2016geeps" / "index.html").is_file()


def test_a_file_the_user_changed_is_not_deleted(project: Path) -> None:
    build(project)
    page = project / "_site" / "publications" / "yan2015hdcnn" / "index.html"
    page.write_text("my own notes on this paper")
    bib = project / "publications.bib"
    text = bib.read_text()
    bib.write_text(text[:text.index("@inproceedings{yan2015hdcnn")])
    build(project)
    assert page.read_text() == "my own notes on this paper"


@pytest.mark.parametrize("bad", ["../x", "/abs/x", "a/../../b", "", "a\\b", "c:/x", "a\x00b",
                                 ".pubsite-manifest.json", ".pubsite-journal"])
def test_paths_never_leave_the_output(bad: str) -> None:
    with pytest.raises(PubsiteError):
        write.safe_relpath(bad)


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write.write_site(out, {"a.html": "A", "b.html": "B"}, [])
    assert first.written == 2
    a_inode = (out / "a.html").stat().st_ino
    second = write.write_site(out, {"a.html": "A", "b.html": "B2"}, [])
    assert (second.written, second.unchanged, second.deleted) == (1, 1, 0)
    assert second.files == {"a.html", "b.html"}
    assert (out / "b.html").read_text() == "B2"
    assert (out / "a.html").stat().st_ino == a_inode


def test_a_file_changed_behind_the_manifest_is_repaired(project: Path) -> None:
    """The record is checked against the files: same size, other bytes, old mtime."""
    build(project)
    page = project / "_site" / "index.html"
    good = page.read_bytes()
    stat = page.stat()
    page.write_bytes(good.replace(b"Cavs", b"XXXX"))
    os.utime(page, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    build(project, "_site", "--strict")  # options changed: not a no-op
    assert page.read_bytes() == good


SCENARIOS = {
    "edit": lambda text: text.replace("Cavs: An Efficient", "Cavs: A Much More Efficient"),
    "removed paper": lambda text: text[:text.index("@inproceedings{yan2015hdcnn")],
    "full": lambda text: text.replace("Hao Zhang", "Hao Q. Zhang"),  # every page changes
}


def _faulty(project: Path, jobs: str, *head: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(TOOLS / "faulty_build.py"), *head, "--", "build", "-q",
         "--jobs", jobs, "--bib", str(project / "publications.bib"), "--profile",
         str(project / "profile.toml"), "--out", str(project / "_site")],
        capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("jobs", ["1", "2"])  # the serial path and forked workers
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_killed_or_interrupted_at_every_step_nothing_is_lost(project: Path,
                                                              scenario: str, jobs: str) -> None:
    bib = project / "publications.bib"
    old_bib = bib.read_text()
    new_bib = SCENARIOS[scenario](old_bib)
    build(project, "ref-old")
    bib.write_text(new_bib)
    build(project, "ref-new")
    old, new = (snapshot(project / r, site_only=True) for r in ("ref-old", "ref-new"))
    bib.write_text(old_bib)
    build(project)
    counted = _faulty(project, jobs, "count")
    steps = int(re.search(r"steps=(\d+)", counted.stderr).group(1))  # type: ignore[union-attr]
    assert steps == 0, "a build with nothing to do touches nothing"
    site = project / "_site"
    steps = len(new) + 4  # an upper bound: each file replaced, manifest, deletes, journal
    tried = 0
    # SIGTERM unwinds as Ctrl-C does (the same deferral): tried on an edit.
    for fault in ("kill", "interrupt", *(("term",) if scenario == "edit" else ())):
        for when in ("before", "after"):
            for at in range(1, steps + 1):
                bib.write_text(old_bib)
                build(project)
                add_foreign(site)
                bib.write_text(new_bib)
                result = _faulty(project, jobs, fault, when, str(at))
                if result.returncode == 0:
                    break  # past the last step
                tried += 1
                assert "Traceback" not in result.stderr
                if fault == "kill":
                    assert result.returncode == -9
                else:
                    assert result.returncode == (130 if fault == "interrupt" else 143), \
                        result.stderr
                    assert result.stderr.count("\n") == 1, result.stderr
                    # Unwound, not killed: nothing half-written is left behind.
                    assert not [p for p in site.rglob("*") if "pubsite-tmp" in p.name]
                now = snapshot(site)
                assert {k: now.get(k) for k in FOREIGN} == FOREIGN, (fault, when, at)
                for rel, data in snapshot(site, site_only=True).items():
                    if "pubsite-tmp" in rel:
                        continue
                    assert data in (old.get(rel), new.get(rel)), (rel, fault, when, at)
                # The next build of the edit equals a clean build; so do a revert of the
                # edit and the edit again, tried on a copy of the folder as it was left.
                left = project / "left"
                shutil.rmtree(left, ignore_errors=True)
                shutil.copytree(site, left, symlinks=True)
                build(project)
                assert snapshot(site, site_only=True) == new, (fault, when, at)
                shutil.rmtree(site)
                shutil.move(left, site)
                bib.write_text(old_bib)
                build(project)
                assert snapshot(site, site_only=True) == old, (fault, when, at)
                bib.write_text(new_bib)
                build(project)
                assert snapshot(site, site_only=True) == new, (fault, when, at)
                assert {k: v for k, v in snapshot(site).items() if k in FOREIGN} == FOREIGN
    print(f"{scenario}: {tried} faults injected")
    assert tried >= (6 if scenario == "edit" else 4) * 3


def test_two_builds_at_once_share_the_folder_safely(project: Path) -> None:
    build(project)
    add_foreign(project / "_site")
    procs = [subprocess.Popen([sys.executable, "-m", "pubsite", "build", "--out", "_site",
                               *(["--strict"] if i % 2 else [])], cwd=project,
                              stderr=subprocess.PIPE, text=True) for i in range(4)]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
    assert all(code == 0 for code, _ in results), results
    build(project, "clean")
    assert snapshot(project / "_site", site_only=True) == \
        snapshot(project / "clean", site_only=True)
    assert {k: v for k, v in snapshot(project / "_site").items() if k in FOREIGN} == FOREIGN


def test_a_second_build_waits_and_says_so(project: Path) -> None:
    out = project / "_site"
    with write.locked(out):
        proc = subprocess.Popen([sys.executable, "-m", "pubsite", "build"], cwd=project,
                                stderr=subprocess.PIPE, text=True)
        threading.Event().wait(1.5)
        assert proc.poll() is None, "it waits while the folder is locked"
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0
    assert "another pubsite build is writing here; waiting for it" in err


def test_output_folder_as_a_symlink_is_written_through(project: Path, tmp_path_factory:
                                                       pytest.TempPathFactory) -> None:
    # On another filesystem where there is one (/dev/shm): a rename across devices fails.
    shm = Path("/dev/shm")
    elsewhere = Path(tempfile.mkdtemp(dir=shm)) if shm.is_dir() and os.access(shm, os.W_OK) \
        else tmp_path_factory.mktemp("elsewhere")
    target = elsewhere / "www"
    target.mkdir()
    (project / "_site").symlink_to(target, target_is_directory=True)
    build(project)
    build(project, "_site", "--strict")
    assert (project / "_site").is_symlink()
    assert (target / "index.html").is_file()
    assert not [p for p in project.parent.rglob("*pubsite-tmp*")]
    assert not [p for p in elsewhere.rglob("*pubsite-tmp*")]
    shutil.rmtree(elsewhere)


def test_a_symlink_inside_the_output_is_never_followed(project: Path, tmp_path_factory:
                                                       pytest.TempPathFactory) -> None:
    build(project)
    outside = tmp_path_factory.mktemp("outside")
    (outside / "keep.txt").write_text("keep")
    pubs = project / "_site" / "publications"
    shutil.rmtree(pubs)
    pubs.symlink_to(outside, target_is_directory=True)
    result = CliRunner().invoke(main, ["build", "--bib", str(project / "publications.bib"),
                                       "--profile", str(project / "profile.toml"),
                                       "--out", str(project / "_site"), "--strict"])
    assert result.exit_code == 2
    assert "is a symlink" in result.output
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]


def test_output_folder_as_a_mount_point(project: Path) -> None:
    out = project / "_site"
    with tmpfs(out, "16m"):
        build(project)
        add_foreign(out)
        bib = project / "publications.bib"
        bib.write_text(bib.read_text().replace("Cavs: An Efficient", "Cavs: An Edited"))
        build(project)
        assert "Cavs: An Edited" in (out / "index.html").read_text()
        assert {k: v for k, v in snapshot(out).items() if k in FOREIGN} == FOREIGN


def _either(f: object, rel: str) -> str:
    try:
        return str(f(rel))  # type: ignore[operator]
    except PubsiteError:
        return "refused"


@pytest.mark.parametrize("rel", ["index.html", "publications/a-b_c/a-b_c.bib", ".nojekyll",
                                 "a//b", "./a", "a/./b", "../x", "a/../b", "/abs", "c:/x",
                                 "a\\b", "", "x\x00y", "publications/ü/index.html", "a.",
                                 "a..b/c", "a/.b"])
def test_fast_output_path_check_agrees_with_the_full_one(rel: str) -> None:
    assert _either(write.clean_relpath, rel) == _either(write.safe_relpath, rel)


@given(st.text(alphabet="ab./\\:-_\x00ü", max_size=12))
@settings(max_examples=400, deadline=None)
def test_fast_output_path_check_agrees_on_any_path(rel: str) -> None:
    assert _either(write.clean_relpath, rel) == _either(write.safe_relpath, rel)


@pytest.mark.parametrize("at", [1, 2, 3, 7])
def test_ctrl_c_as_a_folder_is_made_leaves_no_folder_behind(
        project: Path, monkeypatch: pytest.MonkeyPatch, at: int) -> None:
    """Ctrl-C lands as mkdir returns (its slowest step, on a disk): the folders a stopped
    cold build made go with it, and the next build is not refused the folder."""
    real = os.mkdir
    made = [0]

    def mkdir(path: str, *args: object, **kwargs: object) -> None:
        real(path, *args, **kwargs)  # type: ignore[arg-type]
        made[0] += 1
        if made[0] == at:
            raise KeyboardInterrupt

    out = project / "fresh"
    out.mkdir()
    monkeypatch.setattr(write.os, "mkdir", mkdir)
    args = ["build", "-q", "--bib", str(project / "publications.bib"),
            "--profile", str(project / "profile.toml"), "--out", str(out)]
    stopped = CliRunner().invoke(main, args)
    monkeypatch.undo()
    assert made[0] == at and stopped.exit_code == 130, stopped.output
    assert [p for p in out.rglob("*") if p.is_dir()] == []
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0, again.output
    assert (out / "index.html").is_file()
