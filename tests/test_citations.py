"""Citation counts (`publications.citations`): asked at build time from a local server
answering with OpenAlex's real work object and Semantic Scholar's real paper object
(tests/data/add/SOURCES.md), kept in the project's cache, shown as a badge and a
front-page total with no request from the page, refreshed after citations_max_age days,
and a build without the service that uses the cache, says so in one line, never fails,
and is not "up to date" the next time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from conftest import StaticServer
from helpers import invoke_in

ADD = Path(__file__).resolve().parent / "data" / "add"
OPENALEX = (ADD / "openalex_W2741809807.json").read_bytes()
S2_TURING = (ADD / "s2_10.1093_mind_lix.236.433.json").read_bytes()
S2_NOT_FOUND = (ADD / "s2_not_found.json").read_bytes()
DOI_PATH = "/works/doi:10.7717/peerj.4375"
BIB = """@article{piwowar2018state,
  title   = {The state of {OA}: a large-scale analysis of the prevalence and impact of
             {Open Access} articles},
  author  = {Piwowar, Heather and Priem, Jason and Larivi{\\`e}re, Vincent},
  journal = {PeerJ},
  year    = {2018},
  doi     = {10.7717/peerj.4375},
}

@misc{piwowar2017draft,
  title  = {A draft without an identifier},
  author = {Piwowar, Heather},
  year   = {2017},
}
"""


def _project(tmp_path: Path, service: str = "openalex") -> Path:
    (tmp_path / "publications.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "profile.toml").write_text(
        'name = "Heather Piwowar"\nemail = "owner@example.org"\n\n[publications]\n'
        f'citations = "{service}"\ncitations_max_age = 7\n', encoding="utf-8")
    return tmp_path


def _build(folder: Path) -> tuple[int, str]:
    result = invoke_in(folder, ["build", "--format", "html"])
    return result.exit_code, result.stderr


def _age(folder: Path, days_ago: str) -> None:
    cache = folder / ".pubsite-citations.json"
    data = json.loads(cache.read_text())
    for value in data["counts"].values():
        value[1] = days_ago
    cache.write_text(json.dumps(data))


@pytest.fixture
def openalex(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    monkeypatch.setenv("PUBSITE_OPENALEX_URL", httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(DOI_PATH).respond_with_data(OPENALEX,
                                                         content_type="application/json")
    return httpserver


def test_counts_are_fetched_at_build_time_cached_and_shown(tmp_path: Path,
                                                          openalex: HTTPServer) -> None:
    folder = _project(tmp_path)
    code, err = _build(folder)
    assert code == 0, err
    page = (folder / "_site" / "index.html").read_text()
    assert '<div class="pub-citations">Cited by 394</div>' in page
    assert page.count('class="pub-citations"') == 1  # the draft has no identifier
    assert "Cited 394 times in total, counted by OpenAlex." in page
    cache = json.loads((folder / ".pubsite-citations.json").read_text())
    assert cache["service"] == "openalex"
    assert cache["counts"]["doi:10.7717/peerj.4375"][0] == 394
    assert "mailto:owner@example.org" in openalex.log[0][0].headers["User-Agent"]
    # A second build within citations_max_age asks nothing and changes nothing.
    code, err = _build(folder)
    assert code == 0 and "up to date" in err
    assert len(openalex.log) == 1
    # Turned off (the default), a build asks nothing and shows no count.
    (folder / "profile.toml").write_text('name = "Heather Piwowar"\n', encoding="utf-8")
    assert _build(folder)[0] == 0
    assert len(openalex.log) == 1
    assert "pub-citations" not in (folder / "_site" / "index.html").read_text()


def _assert_asked_again(folder: Path, openalex: HTTPServer) -> None:
    """A build that asks the service again for the count dated 2000-01-01 and dates it now."""
    code, err = _build(folder)
    assert code == 0, err
    assert "up to date" not in err
    assert len(openalex.log) == 2
    cache = json.loads((folder / ".pubsite-citations.json").read_text())
    assert cache["counts"]["doi:10.7717/peerj.4375"][1] != "2000-01-01"


def test_counts_older_than_max_age_are_asked_again(tmp_path: Path,
                                                  openalex: HTTPServer) -> None:
    folder = _project(tmp_path)
    assert _build(folder)[0] == 0
    _age(folder, "2000-01-01")
    _assert_asked_again(folder, openalex)


def test_a_build_without_the_service_uses_the_cache_and_says_so_once(
        tmp_path: Path, openalex: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _project(tmp_path)
    assert _build(folder)[0] == 0
    _age(folder, "2000-01-01")
    monkeypatch.setenv("PUBSITE_OPENALEX_URL", "http://127.0.0.1:9")  # refused: no service
    code, err = _build(folder)
    assert code == 0, err
    said = [line for line in err.splitlines() if "citation counts" in line]
    assert len(said) == 1
    assert "cannot reach 127.0.0.1 (the connection was refused)" in said[0]
    assert "cached count of 1 work is shown" in said[0]
    assert "pubsite add" not in said[0]  # pasting BibTeX is no answer to a build
    page = (folder / "_site" / "index.html").read_text()
    assert '<div class="pub-citations">Cited by 394</div>' in page


def test_an_online_build_after_an_offline_one_asks_again(
        tmp_path: Path, openalex: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _project(tmp_path)
    served = openalex.url_for("").rstrip("/")
    # Offline, no cache yet: the build shows no count and says so once.
    monkeypatch.setenv("PUBSITE_OPENALEX_URL", "http://127.0.0.1:9")
    code, err = _build(folder)
    assert code == 0, err
    assert "pub-citations" not in (folder / "_site" / "index.html").read_text()
    # Back online: the build is not "up to date"; it asks, and shows the count.
    monkeypatch.setenv("PUBSITE_OPENALEX_URL", served)
    code, err = _build(folder)
    assert code == 0, err
    assert "up to date" not in err
    assert len(openalex.log) == 1
    page = (folder / "_site" / "index.html").read_text()
    assert '<div class="pub-citations">Cited by 394</div>' in page
    # Now complete: the next build asks nothing.
    code, err = _build(folder)
    assert code == 0 and "up to date" in err
    assert len(openalex.log) == 1


def test_stale_counts_an_offline_build_kept_are_asked_again_online(
        tmp_path: Path, openalex: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _project(tmp_path)
    served = openalex.url_for("").rstrip("/")
    assert _build(folder)[0] == 0
    _age(folder, "2000-01-01")
    monkeypatch.setenv("PUBSITE_OPENALEX_URL", "http://127.0.0.1:9")
    code, err = _build(folder)
    assert code == 0 and "cached count of 1 work is shown" in err
    monkeypatch.setenv("PUBSITE_OPENALEX_URL", served)
    _assert_asked_again(folder, openalex)


S2_BIB = """@article{turing1950computing,
  title   = {Computing Machinery and Intelligence},
  author  = {Turing, Alan M.},
  journal = {Mind},
  year    = {1950},
  doi     = {10.1093/mind/lix.236.433},
}

@misc{turing2021unknown,
  title  = {A preprint Semantic Scholar does not know},
  author = {Turing, Alan M.},
  year   = {2021},
  arxiv  = {2101.00001},
}
"""


def test_semantic_scholar_counts_from_its_recorded_answer(
        tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSITE_S2_URL", httpserver.url_for("").rstrip("/"))
    httpserver.expect_request("/graph/v1/paper/DOI:10.1093/mind/lix.236.433",
                              query_string={"fields": "citationCount"}).respond_with_data(
        S2_TURING, content_type="application/json")
    httpserver.expect_request("/graph/v1/paper/ARXIV:2101.00001").respond_with_data(
        S2_NOT_FOUND, status=404, content_type="application/json")
    folder = _project(tmp_path, "semantic-scholar")
    (folder / "publications.bib").write_text(S2_BIB, encoding="utf-8")
    code, err = _build(folder)
    assert code == 0, err
    assert "citation counts" not in err  # a work it does not know is no failure
    page = (folder / "_site" / "index.html").read_text()
    assert '<div class="pub-citations">Cited by 9343</div>' in page
    assert page.count('class="pub-citations"') == 1
    assert "Cited 9343 times in total, counted by Semantic Scholar." in page
    cache = json.loads((folder / ".pubsite-citations.json").read_text())
    assert cache["service"] == "semantic-scholar"
    assert cache["counts"]["doi:10.1093/mind/lix.236.433"][0] == 9343
    assert cache["counts"]["arxiv:2101.00001"][0] is None
    assert len(httpserver.log) == 2


def test_semantic_scholar_unreachable_and_no_cache_builds_without_counts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSITE_S2_URL", "http://127.0.0.1:9")
    folder = _project(tmp_path, "semantic-scholar")
    code, err = _build(folder)
    assert code == 0, err
    assert sum("citation counts" in line for line in err.splitlines()) == 1
    page = (folder / "_site" / "index.html").read_text()
    assert "pub-citations" not in page and "citations-total" not in page


def test_the_page_shows_counts_without_any_request_beyond_the_site(
        browser: Any, tmp_path: Path, openalex: HTTPServer) -> None:
    folder = _project(tmp_path)
    assert _build(folder)[0] == 0
    server = StaticServer(folder / "_site")
    try:
        page = browser.new_page()
        asked: list[str] = []
        page.on("request", lambda r: asked.append(r.url))
        page.goto(server.url)
        page.wait_for_load_state("networkidle")
        assert page.inner_text("#piwowar2018state .pub-citations") == "Cited by 394"
        assert page.inner_text(".citations-total").startswith("Cited 394 times in total")
        assert asked and all(u.startswith(server.url) for u in asked)
        page.close()
    finally:
        server.close()


def test_a_work_whose_answer_has_no_count_does_not_stop_the_others(
        tmp_path: Path, openalex: HTTPServer) -> None:
    # The recorded OpenAlex answer with its `cited_by_count` member removed (the smallest
    # edit that makes an answer without a count), for a work asked before the other.
    broken = json.loads(OPENALEX)
    del broken["cited_by_count"]
    openalex.expect_request("/works/doi:10.1000/first").respond_with_json(broken)
    folder = _project(tmp_path)
    bib = folder / "publications.bib"
    bib.write_text(BIB + "\n@article{piwowar2016first,\n  title = {First},\n  author = "
                   "{Piwowar, Heather},\n  journal = {J},\n  year = {2016},\n"
                   "  doi = {10.1000/first},\n}\n", encoding="utf-8")
    code, err = _build(folder)
    assert code == 0, err
    said = [line for line in err.splitlines() if "citation counts" in line]
    assert len(said) == 1
    assert "openalex's answer for doi:10.1000/first has no count" in said[0]
    assert [r.path for r, _ in openalex.log] == ["/works/doi:10.1000/first", DOI_PATH]
    page = (folder / "_site" / "index.html").read_text()
    assert '<div class="pub-citations">Cited by 394</div>' in page
    assert page.count('class="pub-citations"') == 1
    cache = json.loads((folder / ".pubsite-citations.json").read_text())
    assert "doi:10.1000/first" not in cache["counts"]
    # Pending: the next build is not up to date and asks that work again, only it.
    code, err = _build(folder)
    assert code == 0 and "up to date" not in err
    assert [r.path for r, _ in openalex.log][2:] == ["/works/doi:10.1000/first"]


def test_the_note_counts_only_cached_works_that_have_a_count(
        tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSITE_S2_URL", httpserver.url_for("").rstrip("/"))
    httpserver.expect_request("/graph/v1/paper/DOI:10.1093/mind/lix.236.433").respond_with_data(
        S2_TURING, content_type="application/json")
    httpserver.expect_request("/graph/v1/paper/ARXIV:2101.00001").respond_with_data(
        S2_NOT_FOUND, status=404, content_type="application/json")
    folder = _project(tmp_path, "semantic-scholar")
    (folder / "publications.bib").write_text(S2_BIB, encoding="utf-8")
    assert _build(folder)[0] == 0
    _age(folder, "2000-01-01")
    monkeypatch.setenv("PUBSITE_S2_URL", "http://127.0.0.1:9")
    code, err = _build(folder)
    assert code == 0, err
    # Two works cached, one of them with no count (Semantic Scholar does not know it).
    assert "the cached count of 1 work is shown" in err


def test_one_citation_in_total_reads_once(tmp_path: Path, httpserver: HTTPServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The recorded OpenAlex answer with `cited_by_count` 394 changed to 1.
    one = json.loads(OPENALEX)
    one["cited_by_count"] = 1
    monkeypatch.setenv("PUBSITE_OPENALEX_URL", httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(DOI_PATH).respond_with_json(one)
    folder = _project(tmp_path)
    assert _build(folder)[0] == 0
    page = (folder / "_site" / "index.html").read_text()
    assert "Cited once in total, counted by OpenAlex." in page
    assert '<div class="pub-citations">Cited by 1</div>' in page


def test_a_doi_with_a_hash_is_asked_whole(tmp_path: Path, httpserver: HTTPServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSITE_OPENALEX_URL", httpserver.url_for("").rstrip("/"))
    httpserver.expect_request("/works/doi:10.7717/peerj#4375").respond_with_data(
        OPENALEX, content_type="application/json")
    folder = _project(tmp_path)
    (folder / "publications.bib").write_text(
        BIB.replace("10.7717/peerj.4375", "10.7717/peerj\\#4375"), encoding="utf-8")
    code, err = _build(folder)
    assert code == 0, err
    assert "citation counts" not in err
    assert [r.path for r, _ in httpserver.log] == ["/works/doi:10.7717/peerj#4375"]
    page = (folder / "_site" / "index.html").read_text()
    assert '<div class="pub-citations">Cited by 394</div>' in page
