"""`pubsite serve` keeps rendered pages of unchanged entries between rebuilds (the memo).
What it writes after a sequence of edits must be, byte for byte, what a fresh build of
the same inputs writes: a page kept too long would show an edit on one page and not on
another."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from pubsite import pipeline, serve

from conftest import ROOT


def _files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".pubsite-")}


def _edits(bib: str, profile: str) -> list[tuple[str, str]]:
    """(bib, profile) after each edit a user makes while previewing."""
    first = re.search(r"^@\w+\{([^,]+),", bib, re.M)
    assert first is not None
    key = first.group(1)
    retitled = re.sub(r"(title\s*=\s*\{)", r"\1Edited: ", bib, count=1)
    added = retitled + ("\n@article{added2025,\n  title = {Added while serving},\n"
                        "  author = {Hao Zhang and Ada Lovelace},\n  journal = {J},\n"
                        "  year = {2025},\n}\n")
    removed = re.sub(r"@\w+\{" + re.escape(key) + r",.*?\n\}\n", "", added, count=1,
                     flags=re.S)
    assert removed != added  # the first entry was found and removed
    restyled = re.sub(r'(?m)^name_style = "first-last"', 'name_style = "last-first"',
                      profile)
    assert restyled != profile
    return [(retitled, profile), (added, profile), (removed, profile), (removed, restyled),
            (bib, restyled), (bib, profile)]


def test_serve_after_edits_writes_what_a_fresh_build_writes(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    bib = (ROOT / "publications.bib").read_text(encoding="utf-8")
    # No CV here: cv.pdf, made by serve and build alike, is tested in test_cv_links.py.
    profile = re.sub(r"(?m)^cv\s*=.*$", "", (ROOT / "profile.toml").read_text("utf-8"))
    (project / "publications.bib").write_text(bib, encoding="utf-8")
    (project / "profile.toml").write_text(profile, encoding="utf-8")
    inputs = pipeline.resolve_inputs(project / "publications.bib", project / "profile.toml")
    state = serve.State(inputs, tmp_path / "served", lambda _text: None)
    state.rebuild()
    assert state.ok, state.problems
    for step, (new_bib, new_profile) in enumerate(_edits(bib, profile)):
        (project / "publications.bib").write_text(new_bib, encoding="utf-8")
        (project / "profile.toml").write_text(new_profile, encoding="utf-8")
        state.rebuild(templates_changed=False)
        assert state.ok, state.problems
        fresh = tmp_path / f"fresh{step}"
        pipeline.build(inputs, fresh, ("html", "markdown"), quiet=True)
        served, built = _files(tmp_path / "served"), _files(fresh)
        assert sorted(served) == sorted(built), step
        differ = [rel for rel in built if served[rel] != built[rel]]
        assert differ == [], (step, differ)
    # The edits reached the pages: the sequence tested something.
    assert "Added while serving" not in (tmp_path / "served" / "index.html").read_text()
    assert "Added while serving" in (tmp_path / "fresh2" / "index.html").read_text()


def test_an_edit_of_one_entry_renders_one_paper_page(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The memo is what makes serve fast: after a retitle, only that paper's page is made.
    from pubsite.render import html

    project = tmp_path / "p"
    project.mkdir()
    bib = (ROOT / "publications.bib").read_text(encoding="utf-8")
    (project / "publications.bib").write_text(bib, encoding="utf-8")
    (project / "profile.toml").write_text((ROOT / "profile.toml").read_text("utf-8"),
                                          encoding="utf-8")
    made: list[str] = []
    paper_files = html.HtmlSite._paper_files

    def counted(self: html.HtmlSite, pub: Any) -> list[tuple[str, str]]:
        made.append(pub.key)
        return paper_files(self, pub)

    monkeypatch.setattr(html.HtmlSite, "_paper_files", counted)
    inputs = pipeline.resolve_inputs(project / "publications.bib", project / "profile.toml")
    state = serve.State(inputs, tmp_path / "served", lambda _text: None)
    state.rebuild()
    assert len(made) > 10
    made.clear()
    (project / "publications.bib").write_text(
        re.sub(r"(title\s*=\s*\{)", r"\1Edited: ", bib, count=1), encoding="utf-8")
    state.rebuild(templates_changed=False)
    assert state.ok, state.problems
    assert len(made) == 1
    page = tmp_path / "served" / "publications" / made[0] / "index.html"
    assert "Edited: " in page.read_text(encoding="utf-8")
