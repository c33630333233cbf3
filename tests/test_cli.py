"""Every command driven the way a user runs it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pubsite.cli import main

from conftest import ROOT

COMMANDS = ["build", "validate", "export", "init"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"], prog_name="pubsite")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: pubsite {command} [OPTIONS]")
    assert "--" in result.output


def test_version(runner: CliRunner) -> None:
    from pubsite import __version__

    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


def test_build_in_project_folder(runner: CliRunner, project: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert (project / "_site" / "index.html").is_file()
    assert (project / "_site" / "index.md").is_file()
    pages = list((project / "_site" / "publications").glob("*/index.html"))
    assert len(pages) == 15


def test_build_markdown_only(runner: CliRunner, project: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["build", "--format", "markdown", "--out", "md"])
    assert result.exit_code == 0, result.output
    assert (project / "md" / "index.md").is_file()
    assert not (project / "md" / "index.html").exists()


def test_init_then_build_in_empty_folder(runner: CliRunner, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["init", "--name", "Ada Lovelace"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    checked = runner.invoke(main, ["validate"])
    assert (checked.exit_code, checked.output.strip()) == (0, "no problems found")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "_site" / "index.html").read_text()
    assert "<strong>Ada Lovelace</strong>" in html
    assert "Ümlaut" in html
    assert "(* indicates equal contributions)" in html
    # init never overwrites
    (tmp_path / "profile.toml").write_text('name = "Changed"\n')
    result = runner.invoke(main, ["init"])
    assert "kept" in result.output
    assert (tmp_path / "profile.toml").read_text() == 'name = "Changed"\n'


def test_init_into_new_directory(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "new" / "site"
    result = runner.invoke(main, ["init", str(target)])
    assert result.exit_code == 0
    assert (target / "publications.bib").is_file() and (target / "profile.toml").is_file()


def test_broken_entry_is_reported_with_line_and_exit_1(runner: CliRunner, project: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    bib = project / "publications.bib"
    lines = bib.read_text().splitlines()
    broken_line = len(lines) + 2
    bib.write_text("\n".join(lines) + "\n\n@article{broken,\n  title = {Unclosed\n")
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1
    assert f"publications.bib:{broken_line}" in result.output
    assert "Traceback" not in result.output
    assert not (project / "_site").exists()


def test_unknown_toml_key_names_file_and_line(runner: CliRunner, project: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    prof = project / "profile.toml"
    text = prof.read_text().replace('heading = "Publications"',
                                    'heading = "Publications"\nname_styel = "initials"')
    prof.write_text(text)
    line = text.splitlines().index('name_styel = "initials"') + 1
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 1
    assert f"profile.toml:{line}" in result.output
    assert "name_styel" in result.output and "did you mean 'name_style'" in result.output


def test_missing_file_is_exit_2(runner: CliRunner, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 2
    assert "not found" in result.output and "pubsite init" in result.output
    result = runner.invoke(main, ["validate", "--bib", "nope.bib"])
    assert result.exit_code == 2


def test_bad_option_is_exit_2(runner: CliRunner) -> None:
    result = runner.invoke(main, ["build", "--format", "pdf"])
    assert result.exit_code == 2
    assert "Invalid value" in result.output


def test_validate_default_names_the_pages_scholar_will_not_index(
        runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed is clean but for its three papers with neither an abstract nor a PDF."""
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["validate", "--format", "json"])
    found = json.loads(result.output)
    assert {(d["rule"], d["key"]) for d in found} == {
        ("scholar-no-abstract-or-pdf", k)
        for k in ("zhang2020autodist", "zhang2020autosync", "cui2016geeps")}
    assert all(d["severity"] == "warning" and d["line"] for d in found)
    with (project / "publications.bib").open("a") as bib:
        bib.write("@misc{x2021, title = {X}, author = {Hao Zhang}, year = {2021},\n"
                  "  pdf = {https://example.org/x.pdf}}\n")
    found = json.loads(runner.invoke(main, ["validate", "--format", "json"]).output)
    assert "x2021" not in {d["key"] for d in found}  # a PDF is enough


def test_export_json_shape(runner: CliRunner, project: Path,
                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["export", "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    pubs = data["publications"]
    assert len(pubs) == 15
    alpa = next(p for p in pubs if p["key"] == "zheng2022alpa")
    assert alpa["type"] == "inproceedings"
    assert alpa["venue"] == "OSDI 2022"
    assert alpa["links"][0] == {"label": "arXiv", "url": "https://arxiv.org/abs/2201.12023"}
    owner = alpa["authors"][2]
    assert owner == {"first": "Hao", "von": "", "last": "Zhang", "jr": "", "owner": True,
                     "marks": ["equal"], "others": False}
    assert sum(a["owner"] for p in pubs for a in p["authors"]) == 15


def test_export_to_file_and_selection(runner: CliRunner, project: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["export", "--format", "json", "-o", "out.json",
                                  "--since", "2020", "--until", "2021"])
    assert result.exit_code == 0
    years = {p["year"] for p in json.loads((project / "out.json").read_text())["publications"]}
    assert years == {"2020", "2021"}
    result = runner.invoke(main, ["export", "--format", "markdown", "--selected"])
    assert result.exit_code == 0
    assert result.output.count("- **") == 4


def test_python_dash_m_and_console_script(project: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "pubsite", "validate"], cwd=project,
                            capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    assert result.returncode == 0, result.stderr
    assert "0 error(s), 3 warning(s)" in result.stdout


def test_the_command_ends_without_teardown_yet_says_and_exits_as_main(
        runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `pubsite` ends the process at once after the command (cli.run): whatever it printed
    # is all there, through a pipe too, and each exit code is main's.
    env = {**os.environ, "NO_COLOR": "1"}
    monkeypatch.chdir(project)

    def both(*args: str) -> tuple[subprocess.CompletedProcess[str], Result]:
        done = subprocess.run([sys.executable, "-m", "pubsite", *args], cwd=project,
                              capture_output=True, text=True, env=env)
        return done, runner.invoke(main, list(args))

    for args in (["export", "--format", "bibtex"], ["export", "--format", "json"],
                 ["validate", "--strict"], ["build", "--out", "nowhere/../../x"],
                 ["export", "--format", "nope"]):
        done, inside = both(*args)
        assert done.returncode == inside.exit_code, args
        assert done.stdout == inside.stdout, args
    assert len(both("export", "--format", "bibtex")[0].stdout) > 5000
    assert both("validate", "--strict")[0].returncode == 1
    with open(project / "profile.toml", "a", encoding="utf-8") as f:
        f.write("\nname = 3\n")  # a key twice: the profile cannot be read
    done, inside = both("build", "-q")
    assert (done.returncode, inside.exit_code) == (1, 1)
    assert "profile.toml" in done.stderr


def test_pre_commit_hook_is_declared() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["entry"] == "pubsite validate"
    assert hooks[0]["id"] == "pubsite-validate"


def test_second_build_is_up_to_date_and_an_edit_rebuilds(
        runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    first = runner.invoke(main, ["build"])
    assert "built 15 publications" in first.output
    before = (project / "_site" / "index.html").read_bytes()
    again = runner.invoke(main, ["build"])
    assert again.exit_code == 0 and "is up to date" in again.output
    assert (project / "_site" / "index.html").read_bytes() == before
    (project / "_site" / "index.html").unlink()  # a damaged output is rebuilt
    assert "built 15" in runner.invoke(main, ["build"]).output
    bib = project / "publications.bib"
    bib.write_text(bib.read_text().replace("Structured Generative", "Structured, Generative"))
    result = runner.invoke(main, ["build"])
    # Only what changed is written: its page and .bib, index.html, index.md.
    assert "built 15 publications into _site/ (4 files written, 33 unchanged)" in result.output
    assert "Structured, Generative" in (project / "_site" / "index.html").read_text()


def test_a_build_after_an_edit_is_byte_identical_to_a_cold_build(
        runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(project)
    assert runner.invoke(main, ["build"]).exit_code == 0
    bib = project / "publications.bib"
    bib.write_text(bib.read_text().replace("Structured Generative", "Structured, Generative"))
    assert runner.invoke(main, ["build"]).exit_code == 0  # reuses unchanged files
    assert runner.invoke(main, ["build", "--out", "cold"]).exit_code == 0

    def tree(folder: Path) -> dict[str, bytes]:
        return {str(p.relative_to(folder)): p.read_bytes()
                for p in sorted(folder.rglob("*"))
                if p.is_file() and p.name != ".pubsite-manifest.json"}

    assert tree(project / "_site") == tree(project / "cold")


def test_build_summarises_many_findings_and_validate_prints_all(runner: CliRunner,
                                                                tmp_path: Path) -> None:
    import synth_helper

    synth_helper.write(tmp_path / "publications.bib", 300)
    bib = tmp_path / "publications.bib"
    bib.write_text(bib.read_text().replace("title = {", "titel = {x}, title = {", 250)
                   .replace("year = {", "year = {20x", 90))
    (tmp_path / "profile.toml").write_text(synth_helper.PROFILE)
    args = ["--bib", str(bib), "--profile", str(tmp_path / "profile.toml")]
    built = runner.invoke(main, ["build", *args, "--out", str(tmp_path / "s")])
    lines = built.output.splitlines()
    assert built.exit_code == 0
    assert len(lines) <= 41  # 40 of findings and the build's own line
    # One line a rule with its count, its first places and keys, and the hint once.
    for out in (built.output, runner.invoke(main, ["validate", *args]).output):
        assert re.search(r"publications\.bib:\d+, \d+, \d+, \.\.\.: warning\[year-format\] "
                         r".*\(and 89 more like it, 90 in all: key000000, key000001, "
                         r"key000002, \.\.\.\)", out), out
        assert out.count("warning[unknown-field]") == 1
        assert out.count("warning[year-format]") == 1
        assert out.count("hint: write year = {2024}") == 1
        assert "340 warning(s)" in out


def test_every_kind_has_a_heading_and_a_cv_prefix() -> None:
    """A list grouped by type, and a CV numbered by type, name every `Kind`."""
    from pubsite.model.site import Kind
    from pubsite.render import cv, view

    assert list(view.KIND_LABELS) == list(Kind) and set(cv.TYPE_PREFIX) == set(Kind)


@pytest.mark.parametrize(("option", "values"), [
    ("--type", "journal conference preprint thesis book chapter report proceedings patent other"),
    ("--group-by", "none year type"), ("--sort", "newest oldest"),
    ("--numbering", "none plain reverse type"), ("--style", "full short")])
def test_export_choices_are_the_typed_values(runner: CliRunner, option: str,
                                             values: str) -> None:
    """Each of export's choices is what its Literal (or `Kind`) declares, the values the
    code is checked against, and what --help shows."""
    from typing import get_args

    from pubsite.model import choices as site

    typed = {"--type": tuple(site.Kind), "--group-by": get_args(site.GroupBy),
             "--sort": get_args(site.SortOrder), "--numbering": get_args(site.Numbering),
             "--style": get_args(site.ReferenceStyle)}[option]
    assert list(typed) == values.split()
    result = runner.invoke(main, ["export", "--help"], prog_name="pubsite")
    shown = re.search(re.escape(option) + r" \[([a-z|-]+)\]", result.output)
    assert shown is not None and shown[1].split("|") == values.split()


def _table(target: str) -> dict[str, str]:
    from pubsite.render import registry

    return {f.name: f.help for f in registry.FORMATS if f.target == target}


def test_export_help_lists_every_format_of_the_table(runner: CliRunner) -> None:
    result = runner.invoke(main, ["export", "--help"], prog_name="pubsite")
    assert result.exit_code == 0
    choices = re.search(r"--format \[([a-z|-]+)\]", result.output)
    assert choices is not None and choices[1].split("|") == list(_table("export"))
    described = dict(re.findall(r"^    ([a-z-]+) +(.+)$",
                                result.output[result.output.index("Formats:"):], re.M))
    assert described == _table("export")


def test_build_help_lists_every_site_format(runner: CliRunner) -> None:
    result = runner.invoke(main, ["build", "--help"], prog_name="pubsite")
    choices = re.search(r"--format \[([a-z|-]+)\]", result.output)
    assert choices is not None and choices[1].split("|") == list(_table("site"))
    assert "index.md: the profile" in " ".join(result.output.split())


def test_readme_lists_the_formats_of_the_table() -> None:
    """The README's format table under export names each export format once, and the build
    line the site formats."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### `pubsite export`"):]
    table = section[section.index("| format | what you get |"):]
    table = table[:table.index("\n\n")]
    names = [n for row in table.splitlines()[2:]
             for n in re.findall(r"`([a-z-]+)`", row.split(" | ")[0])]
    assert sorted(names) == sorted(_table("export"))
    build = re.search(r"`pubsite build \[--out _site\] \[--format ([a-z\\|]+)\]", readme)
    assert build is not None and build[1].split("\\|") == list(_table("site"))


def test_each_format_names_what_spells_it(runner: CliRunner, project: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The table's spelling column names a real class or function, and a CV list is
    written by the class its row names: a change to that class's separator between an
    entry's parts shows in that export."""
    import importlib

    from pubsite.render import registry

    monkeypatch.chdir(project)
    lists = 0
    for f in registry.FORMATS:
        module, _, name = f.spelling.rpartition(".")
        spelling = getattr(importlib.import_module(module), name)
        assert callable(spelling), f.spelling
        if f.target == "export" and f.name in ("latex", "markdown", "html", "text"):
            lists += 1
            with monkeypatch.context() as m:
                m.setattr(spelling, "sep", " QQSEP ")
                result = runner.invoke(main, ["export", "--format", f.name])
            assert result.exit_code == 0, result.output
            assert " QQSEP " in result.stdout, f.name
    assert lists == 4


def test_a_new_export_format_is_one_row(runner: CliRunner, project: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A row added to the table is a --format choice and exports, with nothing else
    changed (the CLI reads its choices when its commands are made)."""
    import importlib

    from pubsite import cli
    from pubsite.render import registry

    row = registry.OutputFormat("keys", "export", "the keys, one a line",
                                lambda site, _layout, _t: "".join(
                                    p.key + "\n" for p in site.publications), "str")
    monkeypatch.setattr(registry, "FORMATS", (*registry.FORMATS, row))
    fresh = importlib.reload(cli)
    try:
        monkeypatch.chdir(project)
        result = runner.invoke(fresh.main, ["export", "--format", "keys"])
        assert result.exit_code == 0, result.output
        assert len(result.output.splitlines()) == 15
        assert "keys        the keys, one a line" in runner.invoke(
            fresh.main, ["export", "--help"]).output
    finally:
        monkeypatch.undo()
        importlib.reload(cli)


def test_a_signal_python_drops_in_a_callback_prints_no_traceback(tmp_path: Path) -> None:
    # SIGTERM landing while a worker's process object is freed raises inside a weakref
    # callback: Python drops it and prints "Exception ignored ... Traceback". The command
    # still ends as terminated (exit 143, its one line) and prints no traceback; another
    # exception dropped so is still shown.
    script = tmp_path / "drop.py"
    script.write_text("""
import os, signal, sys, weakref
import click
from pubsite import cli

class Thing:
    pass

@click.command()
@cli._handle_errors
def command():
    for hit in (lambda: os.kill(os.getpid(), signal.SIGTERM), lambda: 1 / 0):
        thing = Thing()
        kept = weakref.ref(thing, lambda _ref: hit())
        del thing  # the callback runs here, and what it raises is dropped

command()
""", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert done.returncode == 143, done.stderr
    assert done.stderr.strip().splitlines()[-1] == \
        "pubsite: terminated (SIGTERM); nothing half-written was left behind"
    assert done.stderr.count("Traceback") == 1  # the ZeroDivisionError's, not the signal's
    assert "ZeroDivisionError" in done.stderr and "Terminated" not in done.stderr


def test_ctrl_c_that_python_swallowed_still_ends_the_build(
        runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Python drops the KeyboardInterrupt of a Ctrl-C that lands in an import's lock
    callback; the build must still end as interrupted, not as a success."""
    import contextlib
    import os
    import signal

    from pubsite import pipeline

    real_build = pipeline.build

    def build_hit_by_ctrl_c(*args: object, **kwargs: object) -> object:
        # What "Exception ignored in: <function _get_module_lock...>" does:
        with contextlib.suppress(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
        return real_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "build", build_hit_by_ctrl_c)
    monkeypatch.chdir(project)
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 130, result.output
    assert "interrupted; nothing half-written was left behind" in result.output
    # Handled, the signal is forgotten: a build this process runs next, by the CLI or not,
    # goes to its end.
    inputs = pipeline.resolve_inputs(project / "publications.bib", project / "profile.toml")
    done = real_build(inputs, project / "again", ("html",), quiet=True)
    assert done.publications > 10 and (project / "again" / "index.html").is_file()
