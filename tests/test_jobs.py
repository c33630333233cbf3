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
from pubsite.cli import main
from pubsite.read import bib as bibread
from pubsite.render import frame, html, markdown, workers

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


def assert_same(bib: Path, profile: Path, work: Path, jobs: int = 3) -> int:
    serial = built(bib, profile, work / "serial", 1)
    parallel = built(bib, profile, work / "parallel", jobs)
    assert parallel == serial, bib.name
    return len(serial[2])


@pytest.mark.parametrize("jobs", [2, 3])  # two cores' default, and more than one worker
def test_parallel_build_of_the_seed_and_synthetic_files_is_byte_identical(
        tmp_path: Path, jobs: int) -> None:
    assert assert_same(ROOT / "publications.bib", ROOT / "profile.toml", tmp_path / "seed",
                       jobs) > 10
    for n in (1, 7, 300):
        folder = tmp_path / f"synth{n}"
        folder.mkdir()
        synth_helper.write(folder / "publications.bib", n)
        (folder / "profile.toml").write_text(synth_helper.PROFILE, encoding="utf-8")
        files = assert_same(folder / "publications.bib", folder / "profile.toml", folder, jobs)
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


def test_paper_pages_from_their_shared_frame_are_the_whole_template_s(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The built-in templates render each paper page's blocks into a frame made once; a
    # user's copy of publication.html is rendered whole. The same template gives the same
    # pages either way: the seed and a quarter of the corpus, with a canonical address.
    framed: list[int] = []
    render = frame.Framed.render

    def counted(self: frame.Framed, values: dict[str, object]) -> str:
        framed.append(1)
        return render(self, values)

    monkeypatch.setattr(frame.Framed, "render", counted)
    profile = 'name = "Ada Lovelace"\nbase_url = "https://example.org/~ada"\n'
    pages = 0
    for i, bib in enumerate([ROOT / "publications.bib", *CORPUS[::4]]):
        whole = tmp_path / str(i) / "whole"
        (whole / "templates" / "html").mkdir(parents=True)
        shutil.copy(ROOT / "templates" / "html" / "publication.html",
                    whole / "templates" / "html" / "publication.html")
        (whole / "profile.toml").write_text(profile, encoding="utf-8")
        (tmp_path / str(i) / "profile.toml").write_text(profile, encoding="utf-8")
        before = len(framed)
        by_frame = built(bib, tmp_path / str(i) / "profile.toml", tmp_path / str(i) / "a", 1)
        count = len(framed) - before
        by_whole = built(bib, whole / "profile.toml", tmp_path / str(i) / "b", 1)
        assert len(framed) - before == count  # the user's copy: no frame
        papers = {k: v for k, v in by_frame[2].items() if k.startswith("publications/")
                  and k.endswith("/index.html") and k != "publications/index.html"}
        assert count == len(papers), bib.name
        assert papers == {k: by_whole[2][k] for k in papers}, bib.name
        pages += count
    assert pages > 300


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


def test_with_workers_index_md_renders_in_a_worker_of_its_own(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "pids"
    page = markdown.MarkdownSite.page

    def logged(self: markdown.MarkdownSite) -> str:
        with open(log, "a", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
        return page(self)

    monkeypatch.setattr(markdown.MarkdownSite, "page", logged)
    synth_helper.write(tmp_path / "publications.bib", 50)
    (tmp_path / "profile.toml").write_text(synth_helper.PROFILE, encoding="utf-8")
    outputs = {}
    for jobs in (1, 2):
        code, output, files = built(tmp_path / "publications.bib", tmp_path / "profile.toml",
                                    tmp_path / f"out{jobs}", jobs)
        assert code == 0, output
        outputs[jobs] = files["index.md"]
    first, second = (int(line) for line in log.read_text().split())
    assert first == os.getpid() and second != os.getpid()
    assert outputs[1] == outputs[2] and b"## " in outputs[1]


def _validated(bib: Path, profile: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", "--format", "json", "--bib", str(bib),
                                       "--profile", str(profile)])
    return result.exit_code, result.output


def _crossrefs_midway(folder: Path) -> Path:
    """Entries whose crossref names a later entry, from the middle of the file on: those
    the worker sent before the first one are read before the crossrefs are resolved."""
    entries = [f"@article{{a{i}, title = {{Work {i}}}, author = {{Ada Lovelace and B. Smith}},"
               f" journal = {{J}}, year = {{20{i % 30:02d}}}}}" for i in range(30)]
    entries += [f"@inproceedings{{c{i}, title = {{Talk {i}}}, author = {{Ada Lovelace}}, "
                f"crossref = {{proc{i % 3}}}}}" for i in range(10)]
    entries += [f"@proceedings{{proc{i}, title = {{Proceedings {i}}}, booktitle = "
                f"{{Proceedings {i}}}, year = {{2021}}, publisher = {{ACM}}}}" for i in range(3)]
    path = folder / "crossrefs.bib"
    path.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    return path


def _unknown_fields(folder: Path, names: int) -> Path:
    """`names` distinct unknown field names, ten an entry, then a slip of a known one (a
    hint: did you mean...?): past MAX_SPELLING_CHECKS names, it is only counted."""
    entries = []
    for i in range(0, names, 10):
        fields = ", ".join(f"remark{i + j} = {{x}}" for j in range(10))
        entries.append(f"@misc{{m{i}, title = {{Note {i}}}, author = {{Ada Lovelace}}, "
                       f"year = {{2020}}, {fields}}}")
    entries.append("@misc{last, title = {Last}, author = {Ada Lovelace}, year = {2020}, "
                   "jornal = {J}}")
    path = folder / f"unknown{names}.bib"
    path.write_text("\n\n".join(entries) + "\n", encoding="utf-8")
    return path


def test_the_load_in_a_worker_reports_what_the_serial_run_reports(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """From AUTO_MIN_ENTRIES entries on, a forked worker parses the file and sends the
    entries as it reads them while this process normalises them, and each checks a part:
    every finding comes back, in the serial run's order; so do the publications (the
    parallel builds above)."""
    log = tmp_path / "pids"
    parse = bibread.parse

    def logged(*args: object, **kwargs: object) -> object:
        with open(log, "a", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(bibread, "parse", logged)
    monkeypatch.setattr(bibread, "SINK_BATCH", 4)  # entries sent in many batches, small files too
    profile = tmp_path / "profile.toml"
    profile.write_text('name = "Ada Lovelace"\n')
    made = [_crossrefs_midway(tmp_path), _unknown_fields(tmp_path, 300),
            _unknown_fields(tmp_path, 700)]
    findings = 0
    for path in [*CORPUS, *made]:
        monkeypatch.setattr(workers, "AUTO_MIN_ENTRIES", 10**9)
        serial = _validated(path, profile)
        monkeypatch.setattr(workers, "AUTO_MIN_ENTRIES", 0)
        forked = _validated(path, profile)
        assert forked == serial, path.name
        findings += serial[1].count('"rule"')
    pids = [int(line) for line in log.read_text().split()]
    assert pids[0] == os.getpid() and os.getpid() not in pids[1:2]  # serial here, then not
    assert findings > 500  # the corpus has findings to keep in order
    crossrefs = _validated(made[0], profile)[1]
    assert '"rule": "scholar-no-abstract-or-pdf"' in crossrefs  # it is read and checked
    assert '"rule": "crossref' not in crossrefs and "missing-field" not in crossrefs
    assert assert_same(made[0], profile, tmp_path) > 40  # the crossref's fields are shown
    spelled = [_validated(p, profile)[1].count("did you mean 'journal'") for p in made[1:]]
    assert spelled == [1, 0], spelled  # past 500 names, no hint: as in a serial run


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


def _started(folder: Path, entries: int, jobs: int, children: int, every: float
             ) -> tuple[subprocess.Popen[str], set[int]]:
    """A build of `entries` synthetic entries, once it has `children` workers."""
    synth_helper.write(folder / "publications.bib", entries)
    (folder / "profile.toml").write_text('name = "Ada Lovelace"\n')
    proc = subprocess.Popen([sys.executable, "-m", "pubsite", "build", "-q", "--keep-going",
                             "--jobs", str(jobs)], cwd=folder, stderr=subprocess.PIPE,
                            text=True)
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while len(seen) < children and proc.poll() is None and time.monotonic() < deadline:
        seen |= _children(proc.pid)
        time.sleep(every)
    assert len(seen) >= children, "the build never started its workers"
    return proc, seen


def _stopped(proc: subprocess.Popen[str], sig: int, code: int, seen: set[int],
             folder: Path) -> str:
    """The signal sent: the build ends with `code`, one line and no traceback, no worker
    left and no temporary file or journal."""
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert err.strip().count("\n") == 0 and "Traceback" not in err
    deadline = time.monotonic() + 5
    while any(_alive(w) for w in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in seen if _alive(w)], "a worker outlived the build"
    leftovers = [p.name for p in folder.rglob("*") if "pubsite-tmp" in p.name
                 or p.name == ".pubsite-journal"]
    assert leftovers == []
    return err


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_workers_render_stops_them_all(tmp_path: Path, sig: int,
                                                      code: int) -> None:
    # Two paper workers, and the worker of index.md beside them (the load's worker may be
    # seen too, earlier): every one of them must be gone after the signal.
    proc, seen = _started(tmp_path, 3000, 3, 3, 0.02)
    time.sleep(0.2)
    _stopped(proc, sig, code, seen | _children(proc.pid), tmp_path)


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_while_the_worker_parses_stops_it(tmp_path: Path, sig: int,
                                                   code: int) -> None:
    """The load's worker (it parses while the sequencer normalises) is stopped by Ctrl-C
    or SIGTERM too, before anything of the site is written."""
    proc, seen = _started(tmp_path, 6000, 2, 1, 0.005)
    time.sleep(0.05)  # within the load: it takes about 0.9 s for 6,000 entries
    seen |= _children(proc.pid)
    assert len(seen) == 1, seen  # the load's worker alone: no paper worker yet
    _stopped(proc, sig, code, seen, tmp_path)
    assert not (tmp_path / "_site" / "index.html").exists()  # stopped before the site


def test_a_load_whose_worker_is_killed_is_done_here(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The load's worker killed midway (the system's memory, a signal): the sequencer
    loads the file itself, and says what a serial run says, not less."""
    parse = bibread.parse

    def killed(*args: object, **kwargs: object) -> object:
        if kwargs.get("sink") is not None:  # the worker's parse
            os._exit(9)
        return parse(*args, **kwargs)  # type: ignore[arg-type]

    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n')
    path = max(CORPUS, key=lambda p: p.stat().st_size)
    monkeypatch.setattr(workers, "AUTO_MIN_ENTRIES", 10**9)
    serial = _validated(path, tmp_path / "profile.toml")
    monkeypatch.setattr(workers, "AUTO_MIN_ENTRIES", 0)
    monkeypatch.setattr(bibread, "parse", killed)
    assert _validated(path, tmp_path / "profile.toml") == serial
    assert serial[1].count('"rule"') > 10  # findings a lost worker would have dropped
    out = tmp_path / "site"
    assert built(path, tmp_path / "profile.toml", out, 2)[0] == 0 and (out / "index.html").is_file()


def _exported(path: Path, profile: Path, fmt: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["export", "--format", fmt, "--bib", str(path),
                                       "--profile", str(profile)])
    return result.exit_code, result.stdout, result.stderr


def test_an_export_made_while_the_worker_checks_is_the_serial_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a worker, an export's text is made while the worker checks (`load`'s
    `meanwhile`); what the user sees is the serial run's: the text, the findings before
    it, a file with errors stopped with nothing printed, a failing template reported
    after the findings."""
    from pubsite.render import registry

    events: list[str] = []
    export, result = registry.export, workers.Streamed.result

    def exporting(*args: object) -> str:
        events.append("render")
        return export(*args)  # type: ignore[arg-type]

    def checked(self: workers.Streamed[object]) -> object:
        events.append("checks in")
        return result(self)

    monkeypatch.setattr(registry, "export", exporting)
    monkeypatch.setattr(workers.Streamed, "result", checked)
    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n')
    bidi = tmp_path / "bidi.bib"  # an error: the export stops
    bidi.write_text("@misc{a, title = {Safe \u202e txt.exe}, author = {Ada Lovelace}, "
                    "year = {2020}}\n", encoding="utf-8")
    broken = tmp_path / "broken"  # a template that fails, and a warning to say first
    (broken / "templates" / "cv").mkdir(parents=True)
    (broken / "templates" / "cv" / "html.html").write_text("{{ groups[0].nothing.at_all }}")
    (broken / "profile.toml").write_text('name = "Ada Lovelace"\n')
    (broken / "publications.bib").write_text("@misc{b, title = {T}, author = {Ada Lovelace}, "
                                             "year = {2020}, remark = {r}}\n")
    cases = [(p, tmp_path / "profile.toml", fmt) for p in CORPUS[:12] for fmt in
             ("html", "latex")] + [(bidi, tmp_path / "profile.toml", "html"),
                                   (broken / "publications.bib", broken / "profile.toml",
                                    "html")]
    for path, profile, fmt in cases:
        monkeypatch.setattr(workers, "AUTO_MIN_ENTRIES", 10**9)
        serial = _exported(path, profile, fmt)
        monkeypatch.setattr(workers, "AUTO_MIN_ENTRIES", 0)
        events.clear()
        forked = _exported(path, profile, fmt)
        assert forked == serial, (path.name, fmt)
        assert events[:2] == ["render", "checks in"], events  # made while the worker checked
    assert serial[0] != 0 and "remark" in serial[2] and "template" in serial[2], serial
    assert serial[2].index("remark") < serial[2].index("template")
    stopped = _exported(bidi, tmp_path / "profile.toml", "html")
    assert stopped[0] != 0 and stopped[1] == "" and "bidi" in stopped[2], stopped


def test_a_template_failing_in_a_worker_is_reported_as_in_this_process(
        tmp_path: Path) -> None:
    # A paper page's template that fails: with workers the failure crosses the pipe and
    # is said as the serial build says it, naming the template and its line.
    synth_helper.write(tmp_path / "publications.bib", 300)
    (tmp_path / "profile.toml").write_text(synth_helper.PROFILE, encoding="utf-8")
    (tmp_path / "templates" / "html").mkdir(parents=True)
    (tmp_path / "templates" / "html" / "publication.html").write_text(
        '{% extends "default:html/publication.html" %}\n'
        "{% block main %}{{ pub.title }}\n{{ 1 // (pub.key == pub.key and 0) }}{% endblock %}\n",
        encoding="utf-8")
    said = {}
    for jobs in (1, 2):
        code, output, files = built(tmp_path / "publications.bib", tmp_path / "profile.toml",
                                    tmp_path / f"out{jobs}", jobs)
        assert code != 0 and not files, output
        said[jobs] = output
    assert "templates/html/publication.html:3: the template failed" in said[1], said[1]
    assert said[2] == said[1]
