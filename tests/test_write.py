"""The output folder: atomic swap, foreign folders refused, files pubsite did not write kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from pubsite import write
from pubsite.cli import main
from pubsite.errors import PubsiteError


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_failed_build_leaves_previous_site_byte_identical(
        runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    assert runner.invoke(main, ["build"]).exit_code == 0
    before = snapshot(project / "_site")
    bib = project / "publications.bib"
    bib.write_text(bib.read_text() + "\n@article{bad, title = {x\n")
    assert runner.invoke(main, ["build"]).exit_code == 1
    assert snapshot(project / "_site") == before
    assert not list(project.glob("._site*")), "no temporary folder may stay behind"


def test_failure_while_writing_leaves_site_and_no_temp(project: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    out = project / "_site"
    write.write_site(out, {"index.html": "old"}, [])
    before = snapshot(out)
    real = write._write_file
    calls = {"n": 0}

    def flaky(target: str, data: bytes) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real(target, data)

    monkeypatch.setattr(write, "_write_file", flaky)
    with pytest.raises(OSError):
        write.write_site(out, {f"p{i}.html": f"new {i}" for i in range(5)}, [])
    assert snapshot(out) == before
    assert not list(project.glob("._site*"))


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


def test_keeps_dotfiles_cname_and_git(runner: CliRunner, project: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    assert runner.invoke(main, ["build"]).exit_code == 0
    site = project / "_site"
    (site / "CNAME").write_text("example.org\n")
    (site / ".git").mkdir()
    (site / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (site / "publications" / "notes.txt").write_text("mine")
    # Remove an entry: its page was written by pubsite and must go.
    bib = project / "publications.bib"
    text = bib.read_text()
    start = text.index("@inproceedings{yan2015hdcnn")
    bib.write_text(text[:start])
    assert runner.invoke(main, ["build"]).exit_code == 0
    assert (site / "CNAME").read_text() == "example.org\n"
    assert (site / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n"
    assert (site / "publications" / "notes.txt").read_text() == "mine"
    assert not (site / "publications" / "yan2015hdcnn").exists()
    assert (site / "publications" / "cui2016geeps" / "index.html").is_file()


@pytest.mark.parametrize("bad", ["../x", "/abs/x", "a/../../b", "", "a\\b", "c:/x", "a\x00b"])
def test_paths_never_leave_the_output(bad: str) -> None:
    with pytest.raises(PubsiteError):
        write.safe_relpath(bad)


def test_unchanged_files_are_not_rewritten(tmp_path: Path) -> None:
    out = tmp_path / "site"
    first = write.write_site(out, {"a.html": "A", "b.html": "B"}, [])
    assert first["written"] == 2
    second = write.write_site(out, {"a.html": "A", "b.html": "B2"}, [])
    assert second == {"written": 1, "unchanged": 1, "kept": 0}
    assert (out / "b.html").read_text() == "B2"


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
