"""The homepage as visitors use it, in real Chromium: theme, pages opened from disk,
print, small screens, the filter and its URL, the meta tags people and machines read."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from pubsite.cli import main

from conftest import ROOT, StaticServer, require_tool

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seed_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("seed") / "site"
    result = CliRunner().invoke(main, ["build", "--bib", str(ROOT / "publications.bib"),
                                       "--profile", str(ROOT / "profile.toml"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def url(seed_site: Path) -> Any:
    server = StaticServer(seed_site)
    yield server.url
    server.close()


def _colours(page: Any) -> tuple[str, str, str]:
    return tuple(page.evaluate("""[getComputedStyle(document.body).backgroundColor,
        getComputedStyle(document.documentElement).colorScheme,
        getComputedStyle(document.getElementById('pub-filter-text')).backgroundColor]"""))


WHITE, DARK = "rgb(255, 255, 255)", "rgb(13, 17, 23)"


def test_forced_light_on_a_dark_system_and_back_to_the_system(browser: Any,
                                                              url: str) -> None:
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(url)
    assert _colours(page)[0] == DARK
    choice = page.get_by_label("Theme")
    assert choice.input_value() == "system"
    choice.select_option("light")
    body, scheme, field = _colours(page)
    # The browser's own controls follow: no dark input on a white page.
    assert (body, scheme) == (WHITE, "light") and field == WHITE
    page.reload()
    assert _colours(page)[:2] == (WHITE, "light"), "the choice is remembered"
    choice.select_option("system")
    assert _colours(page)[0] == DARK
    page.reload()
    assert _colours(page)[0] == DARK and choice.input_value() == "system"
    context.close()


def test_the_stored_theme_paints_first_without_the_deferred_script(browser: Any,
                                                                  url: str) -> None:
    """The stored choice applies before the first paint: with site.js never arriving,
    the page still shows the remembered theme (an inline script in <head> sets it)."""
    context = browser.new_context(color_scheme="dark")
    page = context.new_page()
    page.goto(url)
    page.get_by_label("Theme").select_option("light")
    page.route("**/site.js", lambda route: route.abort())
    page.reload()
    assert _colours(page)[:2] == (WHITE, "light")
    context.close()


def test_without_javascript_no_dead_controls(browser: Any, url: str) -> None:
    context = browser.new_context(java_script_enabled=False, color_scheme="dark")
    page = context.new_page()
    page.goto(url)
    assert page.locator(".pub:visible").count() == 15
    assert not page.locator(".theme-choice").is_visible()
    assert not page.locator(".pub-filter").is_visible()
    assert _colours(page)[0] == DARK  # the system's theme, by CSS alone
    context.close()


def test_the_theme_choice_is_a_labelled_select_not_a_pressed_button(browser: Any,
                                                                     url: str) -> None:
    page = browser.new_page()
    page.goto(url)
    assert page.get_by_role("combobox", name="Theme").count() == 1
    assert page.locator("[aria-pressed]").count() == 0  # no "Light mode, pressed"
    options = page.eval_on_selector_all("#theme-choice option", "o => o.map(x => x.text)")
    assert options == ["System", "Light", "Dark"]
    page.close()


def test_opened_from_disk_every_paper_link_opens_the_paper(browser: Any,
                                                            seed_site: Path) -> None:
    page = browser.new_page()
    home = (seed_site / "index.html").as_uri()
    page.goto(home)
    links = page.eval_on_selector_all(".pub-title a", "els => els.map(e => e.href)")
    assert len(links) == 15
    for href in links:
        page.goto(href)
        assert page.locator("article.paper h1").count() == 1, href
        page.get_by_role("link", name="Back to all publications").click()
        assert page.url.startswith(home)
    page.close()


def test_print_shows_urls_and_keeps_headings_with_their_list(browser: Any, url: str,
                                                              tmp_path: Path) -> None:
    require_tool("pdftotext", "the printed PDF is read back with pdftotext")
    page = browser.new_page()
    page.goto(url)
    page.emulate_media(media="print")
    after = page.evaluate("""getComputedStyle(document.querySelector(
        '.pub-links a[href^="https://github.com"]'), '::after').content""")
    assert "https://github.com/" in after
    assert page.evaluate("getComputedStyle(document.querySelector('.news')).backgroundColor"
                         ) in ("rgba(0, 0, 0, 0)", "transparent")
    pdf = tmp_path / "home.pdf"
    page.pdf(path=str(pdf), format="A4")
    pages = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                           text=True, check=True).stdout.split("\f")
    for text in [p for p in pages if p.strip()]:
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        assert lines and lines[-1] != "Publications", "a heading stranded at a page's foot"
    assert "https://github.com/alpa-projects/alpa" in "".join(pages)
    page.goto(url + "publications/zheng2022alpa/index.html")
    page.emulate_media(media="print")
    page.pdf(path=str(pdf), format="A4")
    paper = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert "Alpa" in paper
    assert "Back to all publications" not in paper and "[BibTeX]" not in paper
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_small_and_wide_screens(browser: Any, url: str, width: int) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(url)
    assert not page.evaluate("document.documentElement.scrollWidth > innerWidth + 1")
    # Each label stays beside its control.
    for control in ("pub-filter-year", "pub-filter-kind"):
        label = page.locator(f"label[for={control}]").bounding_box()
        box = page.locator(f"#{control}").bounding_box()
        assert label and box and abs((label["y"] + label["height"] / 2) -
                                     (box["y"] + box["height"] / 2)) < 8, control
    small = page.evaluate("""[...document.querySelectorAll(
        '.pub-links a, .profile-links a, summary, select, button:not([hidden])')]
        .filter(e => e.offsetParent).map(e => e.getBoundingClientRect())
        .filter(r => r.height < 24).length""")
    assert small == 0, "targets under 24px (WCAG 2.2 2.5.8)"
    page.close()


def test_filter_finds_the_full_venue_and_lives_in_the_url(browser: Any, url: str) -> None:
    page = browser.new_page()
    page.goto(url)
    visible = page.locator(".pub:visible")
    page.fill("#pub-filter-text", "operating systems")
    # The filter runs once typing pauses.
    expect(visible).to_have_count(2)  # OSDI 2021 and 2022, named in full
    page.select_option("#pub-filter-year", "2022")
    expect(visible).to_have_count(1)
    shared = page.url
    assert "q=operating+systems" in shared and "year=2022" in shared
    other = browser.new_page()
    other.goto(shared)
    assert other.locator(".pub:visible").count() == 1
    assert other.input_value("#pub-filter-text") == "operating systems"
    other.fill("#pub-filter-text", "no such paper at all")
    expect(other.locator(".pub:visible")).to_have_count(0)
    assert "No publication matches" in other.inner_text("#pub-filter-count")
    other.get_by_role("button", name="Clear filter").click()
    # The form's reset event fires before the fields are cleared: the list follows a tick
    # later.
    other.wait_for_function("!location.search")
    assert other.locator(".pub:visible").count() == 15
    other.close()
    page.close()


def _meta(page: Any) -> dict[str, str]:
    return dict(page.eval_on_selector_all(
        "meta[property], meta[name]",
        "ms => ms.map(m => [m.getAttribute('property') || m.name, m.content])"))


def test_meta_for_people_and_machines(browser: Any, tmp_path: Path) -> None:
    """The homepage: OpenGraph, Twitter card, JSON-LD Person; a paper page: its own
    description (the abstract's first sentence, or title and venue), site name, image."""
    import shutil

    shutil.copy(ROOT / "publications.bib", tmp_path / "publications.bib")
    profile = (ROOT / "profile.toml").read_text(encoding="utf-8")
    png = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                        "1f15c4890000000d49444154789c63f8ffff3f0005fe02fea7d6a4480000"
                        "000049454e44ae426082")
    (tmp_path / "me.png").write_bytes(png)
    (tmp_path / "profile.toml").write_text(
        'base_url = "https://example.org/~hao"\nphoto = "me.png"\n' + profile,
        encoding="utf-8")
    with (tmp_path / "publications.bib").open("a", encoding="utf-8") as bib:
        bib.write("@article{abs2024, title = {With an Abstract}, author = {Hao Zhang},"
                  " journal = {J}, year = {2024}, abstract = {We show a thing. Then more"
                  " follows here.}}\n")
    out = tmp_path / "site"
    assert CliRunner().invoke(main, ["build", "--bib", str(tmp_path / "publications.bib"),
                                     "--profile", str(tmp_path / "profile.toml"),
                                     "--out", str(out)]).exit_code == 0
    server = StaticServer(out)
    page = browser.new_page()
    try:
        page.goto(server.url)
        home = _meta(page)
        assert (home["og:type"], home["og:title"], home["twitter:card"]) == \
            ("profile", "Hao Zhang", "summary")
        assert home["og:image"] == "https://example.org/~hao/assets/me.png"
        assert home["og:site_name"] == "Hao Zhang"
        person = json.loads(page.inner_text("script[type='application/ld+json']"))
        assert person["@type"] == "Person" and person["name"] == "Hao Zhang"
        assert "UC Berkeley" in json.dumps(person["affiliation"])
        assert person["sameAs"] and person["image"] == home["og:image"]
        descriptions = set()
        for slug, expected in (("abs2024", "We show a thing."),
                               ("zheng2022alpa", "Alpa: Automating Inter- and Intra-Operator "
                                "Parallelism for Distributed Deep Learning. OSDI 2022")):
            page.goto(f"{server.url}publications/{slug}/index.html")
            paper = _meta(page)
            assert paper["description"] == paper["og:description"] == expected
            assert paper["og:site_name"] == "Hao Zhang" and paper["og:image"]
            descriptions.add(paper["description"])
        assert home["description"] not in descriptions
    finally:
        page.close()
        server.close()


def _project(tmp_path: Path, extra_publications: str = "", extra_profile: str = "",
             tail: str = "") -> Path:
    """A copy of the seed with profile settings added; built; its site folder."""
    import shutil

    shutil.copy(ROOT / "publications.bib", tmp_path / "publications.bib")
    text = (ROOT / "profile.toml").read_text(encoding="utf-8")
    text = extra_profile + text.replace("[publications]\n", "[publications]\n" +
                                        extra_publications) + "\n" + tail
    (tmp_path / "profile.toml").write_text(text, encoding="utf-8")
    return build(tmp_path)


def build(project: Path) -> Path:
    """`pubsite build` of the project's two files into project/site."""
    out = project / "site"
    result = CliRunner().invoke(main, ["build", "--bib", str(project / "publications.bib"),
                                       "--profile", str(project / "profile.toml"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_long_author_lists_expand_in_place(browser: Any, tmp_path: Path) -> None:
    out = _project(tmp_path, "max_authors = 4\n")
    server = StaticServer(out)
    try:
        page = browser.new_page()
        page.goto(server.url)
        alpa = page.locator("#zheng2022alpa .pub-authors")
        shown = alpa.inner_text()
        # The first three (starred, the owner among them), the last; the rest counted.
        assert shown == "Lianmin Zheng*, Zhuohan Li*, Hao Zhang*, 8 more authors, Ion Stoica"
        pollux = page.locator("#qiao2021pollux .pub-authors").inner_text()
        # The owner, sixth of eight, stays visible; a gap of one name shows the name.
        assert pollux == ("Aurick Qiao, Sang Keun Choe, Suhas Jayaram Subramanya, 2 more "
                          "authors, Hao Zhang, Gregory R. Ganger, Eric P. Xing")
        page.get_by_role("button", name="8 more authors").click()
        assert "Zhifeng Chen" in alpa.inner_text() and "more" not in alpa.inner_text()
        assert page.evaluate("document.activeElement.className") == "authors-all"
        page.goto(server.url + "publications/zheng2022alpa/index.html")
        assert "Zhifeng Chen" in page.inner_text(".pub-authors")  # the paper page: all
        page.close()
        context = browser.new_context(java_script_enabled=False)
        bare = context.new_page()
        bare.goto(server.url)
        assert "Zhifeng Chen" in bare.locator("#zheng2022alpa .pub-authors").inner_text()
        context.close()
    finally:
        server.close()


def test_selected_on_the_front_page_and_the_full_list_on_its_own(browser: Any,
                                                                 tmp_path: Path) -> None:
    out = _project(tmp_path, 'front = "selected"\n')
    page = browser.new_page()
    page.goto((out / "index.html").as_uri())  # from disk, as the README promises
    assert page.locator("h2#publications-heading").inner_text() == "Selected publications"
    assert page.locator(".pub").count() == 4
    page.get_by_role("link", name="All 15 publications").click()
    assert page.locator("h1").inner_text() == "Publications"
    assert page.locator(".pub:visible").count() == 15
    page.fill("#pub-filter-text", "pollux")
    expect(page.locator(".pub:visible")).to_have_count(1)
    page.locator(".pub:visible .pub-title a").click()
    assert "Pollux" in page.locator("article.paper h1").inner_text()
    page.get_by_role("link", name="Back to all publications").click()
    assert page.url.endswith("publications/index.html#qiao2021pollux")
    page.close()


NEWS = "".join(f'[[news]]\ndate = "2024-{12 - i:02d}"\ntext = "Item {i}: a *talk* at '
               f'[place](https://example.org/{i})."\n\n' for i in range(8))


def test_news_latest_on_the_front_page_and_all_on_their_page(browser: Any,
                                                             tmp_path: Path) -> None:
    out = _project(tmp_path, extra_profile='news_front = 3\nnews_heading = "News"\n',
                   tail=NEWS)
    page = browser.new_page()
    page.goto((out / "index.html").as_uri())
    # The seed's own news item comes first in profile.toml, then these eight.
    front = page.locator(".news li")
    assert front.count() == 3
    assert " ".join(front.nth(1).inner_text().split()) == "Dec 2024 Item 0: a talk at place."
    assert page.locator(".news time").first.get_attribute("datetime") == "2024-12"
    assert "Item 2" not in page.locator(".news").inner_text()
    page.get_by_role("link", name="All news (9 items)").click()
    assert page.locator("h1").inner_text() == "News"
    assert page.locator(".news-list li").count() == 9
    assert page.locator(".news-list em").first.inner_text() == "talk"
    page.get_by_role("link", name="Back to Hao Zhang").click()
    assert page.locator(".news li").count() == 3
    page.close()


def _png(width: int, height: int) -> bytes:
    """A real PNG of the given size (a grey picture)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x80\x80\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height,
                                                              8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_previews_reserve_their_space_and_load_lazily(browser: Any, tmp_path: Path) -> None:
    folder = tmp_path / "assets" / "img" / "publication_preview"
    folder.mkdir(parents=True)
    (folder / "alpa fig.png").write_bytes(_png(320, 200))
    bib = (ROOT / "publications.bib").read_text(encoding="utf-8")
    bib = bib.replace("@inproceedings{zheng2022alpa,",
                      "@inproceedings{zheng2022alpa,\n  preview = {alpa fig.png},")
    bib = bib.replace("@inproceedings{qiao2021pollux,",
                      "@inproceedings{qiao2021pollux,\n  preview = {missing.png},")
    out = _project(tmp_path)
    (tmp_path / "publications.bib").write_text(bib, encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "--bib", str(tmp_path / "publications.bib"),
                                       "--profile", str(tmp_path / "profile.toml"),
                                       "--out", str(out)])
    assert result.exit_code == 0
    assert "warning[preview-missing] the preview of qiao2021pollux is not there" in \
        result.output
    server = StaticServer(out)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.add_init_script("""window.__shift = 0; new PerformanceObserver(l => {
            for (const e of l.getEntries()) window.__shift += e.value; })
            .observe({type: 'layout-shift', buffered: true});""")
        page.goto(server.url)
        img = page.locator("#zheng2022alpa img.pub-preview")
        assert img.get_attribute("width") == "320" and img.get_attribute("height") == "200"
        assert img.get_attribute("loading") == "lazy"
        assert img.get_attribute("alt") == ("Preview of Alpa: Automating Inter- and "
                                            "Intra-Operator Parallelism for Distributed "
                                            "Deep Learning")
        img.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('#zheng2022alpa img').complete")
        assert page.evaluate("document.querySelector('#zheng2022alpa img').naturalWidth") == 320
        assert page.evaluate("window.__shift") < 0.01, "the image moved the page"
        assert page.locator("#qiao2021pollux img").count() == 0
        page.goto(server.url + "publications/zheng2022alpa/index.html")
        paper = page.locator("img.paper-preview")
        paper.scroll_into_view_if_needed()
        page.wait_for_function("document.querySelector('img.paper-preview').complete")
        assert page.evaluate("document.querySelector('img.paper-preview').naturalWidth") == 320
        page.close()
    finally:
        server.close()


CV_PROFILE = """
[[education]]
institution = "Carnegie Mellon University"
area = "Robotics"
study_type = "PhD"
start_date = "2014-09"
end_date = 2020-05-01

[[awards]]
title = "Jay Lepreau Best Paper Award"
date = "2021-07"
awarder = "OSDI"

[[talks]]
title = "Alpa: automating model parallelism"
event = "Stanford MLSys Seminar"
date = "2022-03"
url = "https://example.org/talk"

[[teaching]]
course = "DSC 291: Machine Learning Systems"
role = "Instructor"
institution = "UC San Diego"
date = "Fall 2023"

[[service]]
role = "Program committee member"
organization = "OSDI 2023"
date = "2023"
"""
CV_LINES = ["2014-09 – 2020-05-01", "PhD in Robotics, Carnegie Mellon University",
            "Jay Lepreau Best Paper Award, OSDI", "Alpa: automating model parallelism, "
            "Stanford MLSys Seminar", "DSC 291: Machine Learning Systems, Instructor, "
            "UC San Diego", "Program committee member, OSDI 2023"]


def _flat(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").split())


def test_cv_page_and_cv_pdf(browser: Any, tmp_path: Path) -> None:
    require_tool("pdftotext", "cv.pdf is read back with pdftotext")
    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    out = _project(tmp_path, extra_profile="cv = true\n", tail=CV_PROFILE)
    page = browser.new_page()
    page.goto((out / "index.html").as_uri())
    page.get_by_role("link", name="CV", exact=True).click()
    assert page.locator("h1").inner_text() == "Hao Zhang"
    headings = page.eval_on_selector_all("h2", "hs => hs.map(h => h.textContent)")
    assert headings == ["Positions", "Education", "Awards and honours", "Talks", "Teaching",
                        "Service", "Publications"]
    shown = _flat(page.inner_text("article.cv"))
    for line in CV_LINES:
        assert _flat(line) in shown, line
    # The publications as a CV lists them: grouped by type, the full reference.
    assert "Conference papers" in shown and "arXiv:2201.12023" in shown
    page.emulate_media(media="print")
    page.pdf(path=str(tmp_path / "printed.pdf"), format="A4")
    printed = _flat(subprocess.run(["pdftotext", str(tmp_path / "printed.pdf"), "-"],
                                   capture_output=True, text=True, check=True).stdout)
    assert "PhD in Robotics" in printed and "Download the CV" not in printed
    assert "Theme" not in printed and "Built with pubsite" not in printed
    page.get_by_role("link", name="Download the CV as PDF")  # present on screen
    page.close()
    pdf = (out / "cv.pdf").read_bytes()
    text = _flat(subprocess.run(["pdftotext", str(out / "cv.pdf"), "-"], capture_output=True,
                                text=True, check=True).stdout)
    for line in CV_LINES:
        assert _flat(line) in text, line
    assert "Alpa: Automating Inter- and Intra-Operator Parallelism" in text
    (tmp_path / "again").mkdir()
    again = _project(tmp_path / "again", extra_profile="cv = true\n", tail=CV_PROFILE)
    assert (again / "cv.pdf").read_bytes() == pdf  # the same input, the same bytes


def test_without_pdflatex_the_cv_page_is_made_and_says_why_no_pdf(tmp_path: Path) -> None:
    import os
    import sys

    out = _project(tmp_path, extra_profile="cv = true\n", tail=CV_PROFILE)
    bare = tmp_path / "bin"  # a PATH without TeX
    bare.mkdir()
    result = subprocess.run([sys.executable, "-m", "pubsite", "build", "--out",
                             str(tmp_path / "nopdf")], cwd=tmp_path, capture_output=True,
                            text=True, env={**os.environ, "PATH": str(bare)})
    assert result.returncode == 0, result.stderr
    assert "cv.pdf not made: pdflatex is not installed" in result.stderr
    assert not (tmp_path / "nopdf" / "cv.pdf").exists()
    page = (tmp_path / "nopdf" / "cv" / "index.html").read_text(encoding="utf-8")
    assert "PhD in Robotics" in _flat(page) and "cv.pdf" not in page
    assert out.exists()


def test_venue_badges_take_the_profile_colours(browser: Any, tmp_path: Path) -> None:
    out = _project(tmp_path, tail='[publications.venue_colors]\nOSDI = "#1f6feb"\n'
                                  'ICLR = "#ffd33d"\n')
    page = browser.new_page()
    page.goto((out / "index.html").as_uri())

    def badge(slug: str) -> list[str]:
        return page.evaluate(f"""(() => {{ const b = document.querySelector(
            '#{slug} .venue-name'); const s = getComputedStyle(b);
            return [b.textContent, s.backgroundColor, s.color, b.title]; }})()""")

    assert badge("zheng2022alpa")[:3] == ["OSDI", "rgb(31, 111, 235)", "rgb(255, 255, 255)"]
    assert badge("li2023mpcformer")[:3] == ["ICLR", "rgb(255, 211, 61)", "rgb(0, 0, 0)"]
    # The full name is spelled out beside the badge, not kept in a hover.
    assert badge("zheng2022alpa")[3] == ""
    assert "Operating Systems Design" in page.locator("#zheng2022alpa .venue-full").inner_text()
    page.close()
    (tmp_path / "profile.toml").write_text((tmp_path / "profile.toml").read_text() +
                                           'ATC = "blue"\n')
    bad = CliRunner().invoke(main, ["validate", "--bib", str(tmp_path / "publications.bib"),
                                    "--profile", str(tmp_path / "profile.toml")])
    assert bad.exit_code == 1
    assert "'publications.venue_colors.ATC' is 'blue', not a colour" in bad.output


def test_serve_says_in_the_terminal_and_on_a_readable_page_why_a_rebuild_failed(
        browser: Any, project: Path) -> None:
    import threading
    import time

    from conftest import serving

    with serving(project) as (url, proc):
        said: list[str] = []
        threading.Thread(target=lambda: said.extend(proc.stderr), daemon=True).start()
        bib = project / "publications.bib"
        bib.write_text(bib.read_text() + "\n@article{broken, title = {" + "x" * 300 + "\n")
        deadline = time.monotonic() + 20
        while "unbalanced-braces" not in "".join(said) and time.monotonic() < deadline:
            time.sleep(0.1)
        terminal = "".join(said)
        assert "build failed" in terminal and "publications.bib:" in terminal
        assert "unbalanced-braces" in terminal
        page = browser.new_page(viewport={"width": 390, "height": 844})
        page.goto(url)
        assert page.locator("h1").inner_text() == "The last build failed"
        assert "broken" in page.inner_text("#pubsite-problems")
        assert not page.evaluate("document.documentElement.scrollWidth > innerWidth + 1")
        assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times"
        page.close()


def test_serve_makes_the_cv_pdf_a_build_makes(tmp_path: Path) -> None:
    """`pubsite serve` (a build with a memo) makes cv.pdf as `pubsite build` does (the
    preview is what is deployed), and the next build of the same input is a no-op."""
    from pubsite import pipeline
    from pubsite.render.memo import Memo

    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    out = _project(tmp_path, extra_profile="cv = true\n", tail=CV_PROFILE)
    inputs = pipeline.Inputs(tmp_path / "publications.bib", tmp_path / "profile.toml")
    preview = tmp_path / "preview"
    pipeline.build(inputs, preview, ("html", "markdown"), quiet=True, memo=Memo())
    assert (preview / "cv.pdf").read_bytes() == (out / "cv.pdf").read_bytes()
    assert 'href="../cv.pdf"' in (preview / "cv" / "index.html").read_text()
    assert pipeline.build(inputs, preview, ("html", "markdown"), quiet=True).up_to_date
