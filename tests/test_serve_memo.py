"""`pubsite serve` keeps rendered pages of unchanged entries between rebuilds (the memo).
What it writes after a sequence of edits must be, byte for byte, what a fresh build of
the same inputs writes: a page kept too long would show an edit on one page and not on
another."""

from __future__ import annotations

import itertools
import os
import re
import struct
import zlib
from collections.abc import Callable
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


def _seed_project(tmp_path: Path) -> tuple[Path, str]:
    """A project folder holding the example's .bib and profile; the folder and the .bib."""
    project = tmp_path / "p"
    project.mkdir()
    bib = (ROOT / "publications.bib").read_text(encoding="utf-8")
    (project / "publications.bib").write_text(bib, encoding="utf-8")
    (project / "profile.toml").write_text((ROOT / "profile.toml").read_text("utf-8"),
                                          encoding="utf-8")
    return project, bib


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


def test_an_edit_of_one_entry_normalises_renders_and_lists_one_entry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The memo is what makes serve fast: after a retitle, only that entry is normalised
    # (read/kept.py), and only its paper page and its index.md item are made.
    from pubsite.read.normalise import Normaliser
    from pubsite.render import html

    project, bib = _seed_project(tmp_path)
    made: dict[str, list[str]] = {"page": [], "publication": []}
    paper_files, publication = html.HtmlSite._paper_files, Normaliser.publication

    def page(self: html.HtmlSite, pub: Any) -> list[tuple[str, str]]:
        made["page"].append(pub.key)
        return paper_files(self, pub)

    def normalised(self: Normaliser, e: Any) -> Any:
        made["publication"].append(e.key)
        return publication(self, e)

    inputs = pipeline.resolve_inputs(project / "publications.bib", project / "profile.toml")
    # serve starts on a site a build left up to date: its first build still renders it
    # all, into its memo, so that the first edit is as fast as the next ones.
    pipeline.build(inputs, tmp_path / "served", ("html", "markdown"), quiet=True)
    monkeypatch.setattr(html.HtmlSite, "_paper_files", page)
    monkeypatch.setattr(Normaliser, "publication", normalised)
    state = serve.State(inputs, tmp_path / "served", lambda _text: None)
    state.rebuild()
    assert len(made["page"]) > 10 and len(made["publication"]) > 10

    def items() -> list[Any]:
        return [k for k in state.memo.papers if isinstance(k, tuple) and k[0] == "markdown item"]

    before = items()
    made = {"page": [], "publication": []}
    (project / "publications.bib").write_text(
        re.sub(r"(title\s*=\s*\{)", r"\1Edited: ", bib, count=1), encoding="utf-8")
    state.rebuild(templates_changed=False)
    assert state.ok, state.problems
    assert len(made["page"]) == 1
    assert made["publication"] == made["page"]
    assert [k[1].pub.key for k in items() if k not in before] == made["page"]
    served = tmp_path / "served"
    for path in (served / "publications" / made["page"][0] / "index.html",
                 served / "index.md"):
        assert "Edited: " in path.read_text(encoding="utf-8")


_KEPT_BIB = """@string{venue = {Journal of Kept Things}}

@article{first2024,
  title = {The First},
  author = {Hao Zhang and Ada Lovelace},
  journal = venue,
  year = {2024},
  pdf = {first.pdf},
}

@article{nobody2023,
  title = {Without the Owner},
  author = {Ada Lovelace and Alan Turing},
  journal = {J},
  year = {2023},
  abstract = {An abstract.},
  preview = {figure.png},
}

@inproceedings{part2022,
  title = {A Part},
  author = {Hao Zhang},
  crossref = {proc2022},
  year = {2022},
  pdf = {OUTSIDE},
}

@proceedings{proc2022,
  title = {Proceedings of Crossrefs},
  booktitle = {Proceedings of Crossrefs},
  editor = {Grace Hopper},
  year = {2022},
}
"""


def _png(width: int, height: int) -> bytes:
    """A PNG's signature and header: what a reader of image sizes reads."""
    body = b"IHDR" + struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", 13) + body + \
        struct.pack(">I", zlib.crc32(body))


def _kept_edits(bib: str, project: Path, outside: Path
                ) -> list[tuple[str, str, Callable[[], object] | None]]:
    """(what changes, the .bib after it, what changes on disk): each edit leaves most
    entries' text as it was while changing what their publication or findings must be."""
    pdf, figure = project / "assets" / "pdf" / "first.pdf", \
        project / "assets" / "img" / "publication_preview" / "figure.png"

    def redraw() -> None:  # another image of the same size, its mtime kept (cp -p)
        before = figure.stat()
        figure.write_bytes(_png(40, 10))
        os.utime(figure, ns=(before.st_atime_ns, before.st_mtime_ns))

    def dangle() -> None:  # refused as "not there" as before, but now something is there
        pdf.symlink_to(outside / "gone.pdf")

    def symlink_out() -> None:  # refused for another reason
        pdf.unlink()
        pdf.symlink_to(outside / "other.pdf")

    def appear() -> None:
        pdf.unlink()
        pdf.write_bytes(b"%PDF-1.4\n")

    longer = bib.replace("  year = {2024},\n", "  year = {2024},\n  note = {a\n  note},\n")
    macro = longer.replace("Journal of Kept Things", "Journal of Changed Macros")
    cross = macro.replace("title = {Proceedings of Crossrefs}", "title = {Crossrefs, Renamed}"
                          ).replace("booktitle = {Proceedings of Crossrefs}",
                                    "booktitle = {Crossrefs, Renamed}")
    twin = "@article{nobody2023,\n  title = {A Twin Key},\n  author = {Hao Zhang},\n" \
        "  journal = {J},\n  year = {2021},\n}\n\n"
    other = cross.replace("{The First}", "{The First, Again}")
    return [("lines shift", longer, None), ("a macro", macro, None),
            ("a crossref", cross, None),
            ("the missing PDF becomes a dangling symlink", cross, dangle),
            ("the symlink's target is outside", cross, symlink_out),
            ("another entry changes", other, None),
            ("the PDF appears in assets/pdf", other, appear),
            ("the preview is redrawn", other, redraw),
            ("the outside file goes", other, (outside / "paper.pdf").unlink),
            ("a twin key moves slugs", other.replace("@article{first2024", twin +
                                                     "@article{first2024", 1), None),
            ("back", bib, None)]


def test_serve_keeps_an_entry_s_publication_only_while_all_it_is_made_of_stays(
        tmp_path: Path) -> None:
    # serve keeps each entry's publication and findings (read/kept.py): after each edit
    # its site and its findings, with their lines, are a fresh build's.
    from pubsite import write

    project, outside = tmp_path / "p", tmp_path / "elsewhere"
    (project / "assets" / "pdf").mkdir(parents=True)
    (project / "assets" / "img" / "publication_preview").mkdir(parents=True)
    (project / "assets" / "img" / "publication_preview" / "figure.png").write_bytes(
        _png(10, 40))
    outside.mkdir()
    (outside / "paper.pdf").write_bytes(b"%PDF-1.4\n")
    (outside / "other.pdf").write_bytes(b"%PDF-1.4\n")
    bib = _KEPT_BIB.replace("OUTSIDE", str(outside / "paper.pdf"))
    (project / "publications.bib").write_text(bib, encoding="utf-8")
    (project / "profile.toml").write_text('name = "Hao Zhang"\n', encoding="utf-8")
    inputs = pipeline.resolve_inputs(project / "publications.bib", project / "profile.toml")
    state = serve.State(inputs, tmp_path / "served", lambda _text: None)
    state.rebuild()
    assert state.ok, state.problems
    seen = []
    for step, (what, new_bib, change) in enumerate(_kept_edits(bib, project, outside)):
        if change is not None:
            change()
        (project / "publications.bib").write_text(new_bib, encoding="utf-8")
        state.rebuild(templates_changed=False)
        assert state.ok, (what, state.problems)
        fresh = tmp_path / f"fresh{step}"
        pipeline.build(inputs, fresh, ("html", "markdown"), quiet=True)
        served, built = _files(tmp_path / "served"), _files(fresh)
        assert sorted(served) == sorted(built), what
        assert [rel for rel in built if served[rel] != built[rel]] == [], what
        said = write.previous(tmp_path / "served").meta["diagnostics"]
        assert said == write.previous(fresh).meta["diagnostics"], what
        seen.append((said, served["index.md"], served["index.html"]))
    # Each edit changed what the site shows or says: the sequence tested something.
    assert all(a != b for a, b in itertools.pairwise(seen))
    assert b'width="40" height="10"' in seen[-2][2]


def test_serve_holds_the_pieces_of_one_build_not_of_every_edit(tmp_path: Path) -> None:
    # A long session of edits: the memo holds what the last build rendered, and a build
    # that failed on its input leaves the last good one's pieces in place.
    project, bib = _seed_project(tmp_path)
    inputs = pipeline.resolve_inputs(project / "publications.bib", project / "profile.toml")
    state = serve.State(inputs, tmp_path / "served", lambda _text: None)
    state.rebuild()
    sizes = []
    for n in range(5):
        (project / "publications.bib").write_text(
            re.sub(r"(title\s*=\s*\{)", rf"\1Edit {n}: ", bib, count=1), encoding="utf-8")
        state.rebuild(templates_changed=False)
        assert state.ok, state.problems
        sizes.append(len(state.memo.papers))
    held = sizes[0]
    assert held > 10
    assert sizes == [held] * 5
    (project / "publications.bib").write_text(bib + "\n@misc{broken, url = {javascript:x}}\n",
                                              encoding="utf-8")
    state.rebuild(templates_changed=False)
    assert not state.ok
    (project / "publications.bib").write_text(bib, encoding="utf-8")
    reused = dict(state.memo.papers.previous)
    state.rebuild(templates_changed=False)
    assert state.ok, state.problems
    assert len(reused) == held
    assert len(state.memo.papers) == held
