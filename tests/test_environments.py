"""Sites built in one process do not reach into each other: the Jinja environments they
share are never changed after they are made."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main
from pubsite.render import templating

BIB = """@article{zhuang2024,
  author = {Zhuang, Yonghao and Lovelace, Ada},
  title = {Two Sites, One Process},
  journal = {Journal of Tests},
  year = {2024},
}
"""

# The author line each name_style writes.
SHOWN = {"first-last": "Yonghao Zhuang, Ada Lovelace",
         "last-first": "Zhuang, Yonghao, Lovelace, Ada"}
_AUTHORS_HTML = re.compile(r'class="pub-authors">(.*?)</(?:div|p)>')
_TAG = re.compile(r"<[^>]*>|\*\*")


def _project(folder: Path, style: str) -> Path:
    folder.mkdir()
    (folder / "publications.bib").write_text(BIB, encoding="utf-8")
    (folder / "profile.toml").write_text(
        f'name = "Ada Lovelace"\n\n[publications]\nname_style = "{style}"\n',
        encoding="utf-8")
    return folder


def _build(runner: CliRunner, folder: Path) -> None:
    result = runner.invoke(main, ["build", "-q", "--bib", str(folder / "publications.bib"),
                                  "--profile", str(folder / "profile.toml"),
                                  "--out", str(folder / "_site")])
    assert result.exit_code == 0, result.output


def _author_lines(folder: Path) -> dict[str, list[str]]:
    """The author lines a reader sees on the front page, the paper page and index.md."""
    site = folder / "_site"
    pages = {"index.html": site / "index.html",
             "paper page": site / "publications" / "zhuang2024" / "index.html"}
    lines = {page: [_TAG.sub("", m) for m in _AUTHORS_HTML.findall(
        path.read_text(encoding="utf-8"))] for page, path in pages.items()}
    lines["index.md"] = [_TAG.sub("", line).strip().rstrip(".") for line in
                         (site / "index.md").read_text(encoding="utf-8").splitlines()
                         if "Yonghao" in line]
    return lines


@pytest.mark.parametrize("order", [("first-last", "last-first"),
                                   ("last-first", "first-last")])
def test_two_sites_in_one_process_keep_their_own_names(tmp_path: Path,
                                                        order: tuple[str, str]) -> None:
    runner = CliRunner()
    folders = [_project(tmp_path / style, style) for style in order]
    for folder in folders:
        _build(runner, folder)
    # Again, each after the other: the first site's environments are now warm.
    (folders[0] / "_site").rename(tmp_path / "first-build")
    _build(runner, folders[0])
    for folder, style in zip(folders, order, strict=True):
        for page, lines in _author_lines(folder).items():
            assert lines == [SHOWN[style]], (style, page)


def test_a_shared_environment_refuses_changes() -> None:
    env = templating.environment("html", None)
    with pytest.raises(TypeError):
        env.globals["author_list"] = str  # type: ignore[index]
    with pytest.raises(TypeError):
        env.filters["href"] = str  # type: ignore[index]


@pytest.mark.parametrize("order", [("first-last", "last-first"),
                                   ("last-first", "first-last")])
def test_two_sites_rendered_side_by_side(tmp_path: Path, order: tuple[str, str]) -> None:
    """Two renderers alive at once (`pubsite serve` rebuilds in its watcher thread while
    another build runs): each page still uses its own site's name style."""
    from pubsite import pipeline
    from pubsite.errors import Diagnostics
    from pubsite.render import registry

    folders = [_project(tmp_path / style, style) for style in order]
    files = []
    for folder in folders:
        inputs = pipeline.resolve_inputs(folder / "publications.bib",
                                         folder / "profile.toml")
        site = pipeline.load(inputs, Diagnostics())
        files.append(dict(registry.site_files(site, ("html",), None)))  # made first...
    for rendered, style in zip(files, order, strict=True):  # ...read after
        page = "".join(rendered["index.html"])
        assert [_TAG.sub("", m) for m in _AUTHORS_HTML.findall(page)] == [SHOWN[style]]
