"""`pubsite add` against a local HTTP server answering with real recorded responses of
Crossref, arXiv and DBLP (tests/data/add/, each named in SOURCES.md), and with real
Google Scholar, ACM and IEEE exports on stdin: the entry it writes, where, the bytes it
leaves alone, what validate and build say about the result, and each way it can fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pubsite import cli
from pubsite.add import http

from helpers import invoke_in

ROOT = Path(__file__).resolve().parent.parent
ADD = Path(__file__).resolve().parent / "data" / "add"
CROSSREF = (ADD / "crossref_10.1103_physrevb.89.140501.json").read_bytes()
ARXIV = (ADD / "arxiv_hep-ex_0307015.xml").read_bytes()
ARXIV_ERROR = (ADD / "arxiv_error_1234.12345.xml").read_bytes()
DBLP = (ADD / "dblp_series_sci_2023-1062.bib").read_bytes()
DOI = "10.1103/PhysRevB.89.140501"
DOI_PATH = f"/works/{DOI}"


def _project(tmp_path: Path, owner: str, email: str = "owner@example.org") -> Path:
    """The default example's publications.bib, and a profile whose owner is `owner` (as
    BibTeX writes the name), matched by initials too."""
    shutil.copy(ROOT / "publications.bib", tmp_path / "publications.bib")
    (tmp_path / "profile.toml").write_text(
        f'name = "Owner"\nemail = "{email}"\n\n[owner]\nname = "{owner}"\n'
        'match_initials = true\n', encoding="utf-8")
    return tmp_path


@pytest.fixture
def services(httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> HTTPServer:
    for env, _ in http.SERVICES.values():
        monkeypatch.setenv(env, httpserver.url_for("").rstrip("/"))
    return httpserver


def _add(folder: Path, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = invoke_in(folder, ["add", *args], stdin)
    return result.exit_code, result.stdout, result.stderr


def _validate(folder: Path) -> list[dict[str, object]]:
    result = invoke_in(folder, ["validate", "--format", "json"])
    found = json.loads(result.stdout)
    return found["diagnostics"] if isinstance(found, dict) else found


def _findings(folder: Path, key: str) -> set[str]:
    return {str(d["rule"]) for d in _validate(folder) if d.get("key") == key}


def _build(folder: Path) -> str:
    result = invoke_in(folder, ["build", "--format", "html"])
    assert result.exit_code == 0, result.output
    return result.stderr


def test_a_doi_adds_crossrefs_work_tidied_and_every_other_byte_stays(
        tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF,
                                                        content_type="application/json")
    folder = _project(tmp_path, "Del Maestro, Adrian")
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, DOI)
    assert code == 0, err
    after = (folder / "publications.bib").read_bytes()
    entry = after[after.index(b"@article{herdman2014particle"):].split(b"\n}\n")[0] + b"\n}"
    text = entry.decode()
    assert "title     = {Particle entanglement in continuum many-body systems via quantum " \
           "{Monte Carlo}}," in text
    assert "author    = {C. M. Herdman and P.-N. Roy and R. G. Melko and A. {Del Maestro}}," \
        in text
    assert "month     = apr," in text
    assert "venue     = {Phys. Rev. B}," in text
    assert "doi       = {10.1103/physrevb.89.140501}," in text
    assert "url" not in text
    # The example file is newest first and ends with 2015: the 2014 paper goes last, after
    # a blank line, and every byte before it stays.
    assert after == before + b"\n" + entry + b"\n"
    assert "added herdman2014particle" in err
    # Crossref's answer has no abstract and no PDF: Scholar's advice is deserved.
    assert _findings(folder, "herdman2014particle") == {"scholar-no-abstract-or-pdf"}
    assert "herdman2014particle" not in _build(folder)
    agent = services.log[0][0].headers["User-Agent"]
    assert agent.startswith("pubsite/") and "mailto:owner@example.org" in agent


def test_the_entry_goes_where_the_files_order_puts_it(tmp_path: Path,
                                                     services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    bib = folder / "publications.bib"
    bib.write_bytes(
        b"% mine\r\n@article{b2016,\r\n  title = {B},\r\n  author = {X Y},\r\n"
        b"  journal = {J},\r\n  year = {2016},\r\n}\r\n\r\n@article{a2012,\r\n"
        b"  title = {A},\r\n  author = {X Y},\r\n  journal = {J},\r\n  year = {2012},\r\n}\r\n")
    before = bib.read_bytes()
    code, _, err = _add(folder, DOI)
    assert code == 0, err
    after = bib.read_bytes()
    # Between the 2016 and the 2012 paper, in the file's own style: its CRLF line ends, no
    # alignment, its lastyear keys; every other byte as it was.
    at = after.index(b"@article{herdman2014,\r\n  title = {Particle")
    end = after.index(b"\r\n}\r\n", at) + 3
    assert after.index(b"b2016") < at < after.index(b"a2012")
    assert after[at:end].count(b"\n") == after[at:end].count(b"\r\n")
    assert after[:at] + after[end + 4:] == before


@pytest.mark.parametrize(("keys", "expected"), [
    # BibDesk (%a1%Y%u2): family name, year, two letters made unique from "aa".
    (("Groth2009aa", "Lan2013aa"), "Herdman2014aa"),
    (("Groth2009aa", "Herdman2014aa"), "Herdman2014ab"),
    (("Groth:2009aa", "Lan:2013aa"), "Herdman:2014aa"),
    # Hugo Blox: the family names, lowercase, and the year, by underscores.
    (("lan_meyer-gohde_2013", "groth_2009"), "herdman_roy_2014"),
    (("groth_2009", "smith_2010"), "herdman_2014"),
])
def test_a_new_key_follows_the_files_key_style(tmp_path: Path, services: HTTPServer,
                                               keys: tuple[str, str], expected: str) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    bib = folder / "publications.bib"
    bib.write_text(f"@article{{{keys[0]},\n  title = {{Old work}},\n  author = {{Groth, P.}},\n"
                   "  journal = {J},\n  year = {2009},\n}\n\n"
                   f"@article{{{keys[1]},\n  title = {{Other work}},\n  author = {{Lan, H. and "
                   "Meyer-Gohde, A.}},\n  journal = {J},\n  year = {2013},\n}\n",
                   encoding="utf-8")
    code, _, err = _add(folder, DOI)
    assert code == 0, err
    assert f"added {expected} in publications.bib" in err
    assert f"@article{{{expected},\n" in bib.read_text()


def test_an_arxiv_id_adds_the_preprint_with_its_id_as_a_field(
        tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request("/api/query", query_string={"id_list": "hep-ex/0307015"}) \
        .respond_with_data(ARXIV, content_type="application/atom+xml")
    folder = _project(tmp_path, "Hao Zhang")
    code, _, err = _add(folder, "https://arxiv.org/abs/hep-ex/0307015v1")
    assert code == 0, err
    text = (folder / "publications.bib").read_text()
    at = text.index("@misc{h1collaboration2003multielectron,")
    entry = text[at:text.index("\n}\n", at)]
    assert "author   = {{H1 Collaboration}}," in entry
    assert "title    = {Multi-Electron Production at High Transverse Momenta in ep " \
           "Collisions at {HERA}}," in entry
    assert "arxiv    = {hep-ex/0307015}," in entry and "month    = jul," in entry
    # The summary is the abstract; where it appeared, as the authors wrote it, a note.
    assert "abstract = {Multi-electron production is studied at high electron transverse " \
        "momentum in positron- and electron-proton collisions" in entry
    assert "note     = {Published in Eur.Phys.J. C31 (2003) 17-29}," in entry
    # The owner is no author of it: the one finding it deserves.
    assert _findings(folder, "h1collaboration2003multielectron") == {"owner-missing"}


def test_a_dblp_record_adds_its_bibtex_without_dblps_bookkeeping(
        tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request("/rec/series/sci/2023-1062.bib").respond_with_data(DBLP)
    folder = _project(tmp_path, "George A. Anastassiou")
    code, _, err = _add(folder, "https://dblp.org/rec/series/sci/2023-1062")
    assert code == 0, err
    text = (folder / "publications.bib").read_text()
    at = text.index("@book{anastassiou2023banach,")
    entry = text[at:text.index("\n}\n", at)]
    for gone in ("timestamp", "biburl", "bibsource", "isbn", "url "):
        assert gone not in entry
    assert "title     = {Banach Space Valued Neural Network - Ordinary and Fractional " \
           "Approximation and Interpolation}," in entry
    assert "doi       = {10.1007/978-3-031-16400-2}," in entry
    assert _findings(folder, "anastassiou2023banach") == {"scholar-no-abstract-or-pdf"}
    assert "anastassiou2023banach" not in _build(folder)


@pytest.mark.parametrize(("export", "owner", "key", "expected"), [
    ("scholar_he2016deep.bib", "Kaiming He", "he2016deep",
     "booktitle = {Proceedings of the IEEE conference on computer vision and pattern "
     "recognition},"),
    ("acm_casiez2011.bib", "Géry Casiez", "casiez2011no", "venue     = {UIST},"),
    ("ieee_10139229.bib", "Ehsan Bitaraf", "jafarpour2023triple",
     "title     = {Triple A ({AAA}): a Tool to Analyze"),
])
def test_pasted_bibtex_from_scholar_acm_and_ieee_builds_clean(
        tmp_path: Path, export: str, owner: str, key: str, expected: str) -> None:
    folder = _project(tmp_path, owner)
    code, _, err = _add(folder, "-", stdin=(ADD / export).read_text(encoding="utf-8"))
    assert code == 0, err
    text = (folder / "publications.bib").read_text()
    at = text.index("{" + key + ",")
    entry = text[at:text.index("\n}\n", at)]
    assert expected in entry
    for noise in ("numpages", "acmid", "keywords", "location", "volume    = {}", "url"):
        assert noise not in entry
    assert "pages     = {" in entry and "--" in entry.split("pages")[1].split("\n")[0]
    # No abstract and no PDF in any of these exports: Scholar's advice is deserved.
    assert _findings(folder, key) == {"scholar-no-abstract-or-pdf"}
    assert key not in _build(folder)


def test_dry_run_prints_the_entry_and_writes_nothing(tmp_path: Path,
                                                    services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    before = (folder / "publications.bib").read_bytes()
    code, out, err = _add(folder, DOI, "--dry-run")
    assert code == 0, err
    assert out.startswith("@article{herdman2014particle,\n")
    assert "dry run" in err
    assert (folder / "publications.bib").read_bytes() == before


def test_a_duplicate_is_refused_naming_the_entry_it_duplicates(
        tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    assert _add(folder, DOI)[0] == 0
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, "https://doi.org/" + DOI.lower())
    assert code == 1
    assert "herdman2014particle has the same DOI; nothing was added" in err
    assert len(services.log) == 1  # known before any request
    assert (folder / "publications.bib").read_bytes() == before
    # The same work pasted (Crossref's own answer is JSON, so the DOI in BibTeX by hand).
    code, _, err = _add(folder, "-", stdin="@article{x,\n  title={Particle entanglement in "
                        "continuum many-body systems via quantum Monte Carlo},\n  author={"
                        "Herdman, C. M.},\n  journal={PRB},\n  year={2014}\n}\n")
    assert code == 1 and "herdman2014particle has the same title, year and first author" in err
    assert (folder / "publications.bib").read_bytes() == before
    # The arXiv id of an entry the example file already has, pasted from Scholar's export.
    code, _, err = _add(folder, "-", stdin="@article{zheng2022alpa,\n  title={Alpa},\n"
                        "  author={Zheng, Lianmin},\n  journal={arXiv preprint "
                        "arXiv:2201.12023},\n  year={2022}\n}\n")
    assert code == 1
    # The file has the published paper (OSDI): no advice to turn it back into a preprint.
    assert err.endswith("zheng2022alpa has the same arXiv id; nothing was added\n")
    assert (folder / "publications.bib").read_bytes() == before


def test_update_turns_a_preprint_into_the_paper_keeping_key_and_homepage_fields(
        tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    preprint = ("@misc{delmaestro2013entanglement,\n"
                "  title    = {Particle entanglement in continuum many-body systems},\n"
                "  author   = {Herdman, C. M. and Roy, P.-N. and Melko, R. G. and "
                "Del Maestro, A.},\n"
                "  year     = {2013},\n  venue    = {Preprint},\n  arxiv    = {1312.6177},\n"
                "  code     = {https://github.com/delmaestrogroup/pimcscripts},\n"
                "  selected = {true},\n}")
    head = "% my papers\n\n"
    tail = "\n\n@misc{other2010,\n  title = {Other},\n  author = {A B},\n  year = {2010},\n}\n"
    (folder / "publications.bib").write_text(head + preprint + tail, encoding="utf-8")
    code, _, err = _add(folder, DOI, "--update", "delmaestro2013entanglement")
    assert code == 0, err
    text = (folder / "publications.bib").read_text()
    assert text.startswith(head) and text.endswith(tail)
    entry = text[len(head):-len(tail)]
    assert entry.startswith("@article{delmaestro2013entanglement,\n")
    assert "journal   = {Physical Review B}," in entry
    # Names as this file writes them: family name first.
    assert "author    = {Herdman, C. M. and Roy, P.-N. and Melko, R. G. and Del Maestro, A.}" \
        in entry
    assert "year      = {2014}," in entry and "Preprint" not in entry
    assert "arxiv     = {1312.6177}," in entry
    assert "code      = {https://github.com/delmaestrogroup/pimcscripts}," in entry
    assert "selected  = {true}," in entry
    assert text.count("@") == 2


def test_update_keeps_the_marks_of_the_same_people_and_the_owners_fields(
        tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    # The preprint had three authors (two co-first, starred; the owner bolded and, by
    # biblatex's annotation, corresponding); the paper has four, Roy second.
    preprint = ("@misc{herdman2013particle,\n"
                "  title     = {Particle entanglement in continuum many-body systems},\n"
                "  author    = {Herdman, C. M.* and Melko, R. G.* and "
                "\\textbf{Del Maestro, A.}},\n"
                "  author+an = {3=corresponding},\n"
                "  year      = {2013},\n  arxiv     = {1312.6177},\n"
                "  abstract  = {My own summary of it.},\n  pdf       = {herdman2013.pdf},\n"
                "  preview   = {entanglement.png},\n  selected  = {true},\n}\n")
    bib = folder / "publications.bib"
    bib.write_text(preprint, encoding="utf-8")
    code, _, err = _add(folder, DOI, "--update", "herdman2013particle")
    assert code == 0, err
    text = bib.read_text()
    assert text.startswith("@article{herdman2013particle,\n")
    assert "author    = {Herdman, C. M.* and Roy, P.-N. and Melko, R. G.* and " \
           "\\textbf{Del Maestro, A.}},\n" in text
    assert "author+an = {4=corresponding},\n" in text
    for kept in ("arxiv     = {1312.6177}", "abstract  = {My own summary of it.}",
                 "pdf       = {herdman2013.pdf}", "preview   = {entanglement.png}",
                 "selected  = {true}"):
        assert kept in text
    assert "year      = {2014}," in text and "journal   = {Physical Review B}," in text


def _updated(tmp_path: Path, services: HTTPServer, fields: str) -> tuple[Path, str, str]:
    """A preprint of the Crossref fixture's paper with these fields (owner Adrian Del
    Maestro), updated by its DOI: the folder, the file after and the messages."""
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Adrian Del Maestro")
    bib = folder / "publications.bib"
    bib.write_text("@misc{herdman2013entanglement,\n"
                   "  title  = {Particle entanglement in continuum many-body systems},\n"
                   + fields + "}\n", encoding="utf-8")
    code, _, err = _add(folder, DOI, "--update", "herdman2013entanglement")
    assert code == 0, err
    return folder, bib.read_text(), err


def test_update_keeps_the_files_own_names_when_the_paper_has_the_same_people(
        tmp_path: Path, services: HTTPServer) -> None:
    # Full given names in the file, initials at Crossref: the same four people.
    folder, text, err = _updated(tmp_path, services, (
        "  author = {Chris Herdman and Pierre-Nicholas Roy and Roger Melko and "
        "Adrian {Del Maestro}},\n"
        "  year   = {2013},\n  note   = {Preprint},\n  arxiv  = {1312.6177},\n"))
    assert "author    = {Chris Herdman and Pierre-Nicholas Roy and Roger Melko and " \
           "Adrian {Del Maestro}},\n" in text
    assert "note" not in text and "Preprint" not in text
    assert "journal   = {Physical Review B}," in text
    assert "owner-missing" not in _findings(folder, "herdman2013entanglement")
    assert "owner-missing" not in err


def test_update_with_other_people_keeps_the_old_spelling_of_those_who_stay(
        tmp_path: Path, services: HTTPServer) -> None:
    # Three authors in the preprint, four in the paper: Roy is new, in Crossref's form;
    # the three others as the file wrote them. A note that says more than "preprint" stays.
    _, text, err = _updated(tmp_path, services, (
        "  author = {Chris Herdman and Roger Melko and Adrian {Del Maestro}},\n"
        "  year   = {2013},\n  note   = {Invited talk at APS March Meeting},\n"))
    assert "author    = {Chris Herdman and P.-N. Roy and Roger Melko and " \
           "Adrian {Del Maestro}},\n" in text
    assert "note      = {Invited talk at APS March Meeting},\n" in text
    assert "owner-missing" not in err


@pytest.mark.parametrize(("title", "author", "said"), [
    ("Deep residual learning for image recognition", "He, Kaiming",
     "(title and first author differ: 'Particle entanglement in continuum many-body systems "
     "via quantum Monte Carlo' by Herdman, not 'Deep residual learning for image "
     "recognition' by He)"),
    ("Superfluid helium films on graphene", "Herdman, C. M.", "(title differs: "),
])
def test_update_refuses_metadata_of_another_work(tmp_path: Path, services: HTTPServer,
                                                 title: str, author: str, said: str) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    bib = folder / "publications.bib"
    bib.write_text(f"@misc{{mine2015,\n  title = {{{title}}},\n  author = {{{author}}},\n"
                   "  year = {2015},\n  arxiv = {1512.03385},\n}\n", encoding="utf-8")
    before = bib.read_bytes()
    code, _, err = _add(folder, DOI, "--update", "mine2015")
    assert code == 1 and err.count("\n") == 1
    assert "--update mine2015: the metadata is another work " + said in err
    assert "nothing was written" in err
    assert bib.read_bytes() == before


@pytest.mark.parametrize("status", [404, 500])
def test_a_service_error_is_one_line_and_leaves_the_file(tmp_path: Path, services: HTTPServer,
                                                        status: int) -> None:
    services.expect_request(DOI_PATH).respond_with_data("", status=status)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, DOI)
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert ("not found (404)" in err) if status == 404 else ("500" in err and "3 times" in err)
    assert len(services.log) == (1 if status == 404 else http.TRIES)
    assert (folder / "publications.bib").read_bytes() == before


def test_a_429_is_asked_again(tmp_path: Path, services: HTTPServer) -> None:
    services.expect_ordered_request(DOI_PATH).respond_with_data(
        "", status=429, headers={"Retry-After": "0"})
    services.expect_ordered_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    code, _, err = _add(folder, DOI)
    assert code == 0, err
    assert len(services.log) == 2
    assert "herdman2014particle" in (folder / "publications.bib").read_text()


def test_no_network_is_one_line_naming_a_command_that_works(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUBSITE_CROSSREF_URL", "http://127.0.0.1:9")  # discard: refused
    folder = _project(tmp_path, "Géry Casiez")
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, DOI)
    assert code == 1
    assert err.count("\n") == 1
    assert f"the DOI {DOI} at Crossref: cannot reach 127.0.0.1 (the connection was " \
           "refused); check the network and try again, or save the paper's BibTeX" in err
    assert (folder / "publications.bib").read_bytes() == before
    # The command it names, run as written by a shell on a real export saved as told.
    command = err.split("and run: ")[1].strip()
    assert command == "pubsite add - < paper.bib"
    shutil.copy(ADD / "acm_casiez2011.bib", folder / "paper.bib")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(["sh", "-c", command], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "added casiez2011no in publications.bib" in done.stderr
    # With another file named by --bib, the command names it too.
    (folder / "mine.bib").write_bytes(before)
    code, _, err = _add(folder, DOI, "--bib", "mine.bib")
    assert code == 1 and err.rstrip().endswith("run: pubsite add --bib mine.bib - < paper.bib")


def test_a_timeout_is_one_line_and_leaves_the_file(tmp_path: Path, services: HTTPServer,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(http, "TIMEOUT", 0.3)

    def slow(_request: Request) -> Response:
        time.sleep(1.0)
        return Response(CROSSREF)

    services.expect_request(DOI_PATH).respond_with_handler(slow)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, DOI)
    assert code == 1
    assert "no answer within" in err and err.count("\n") == 1
    assert (folder / "publications.bib").read_bytes() == before


def test_a_malformed_answer_is_one_line_and_leaves_the_file(tmp_path: Path,
                                                           services: HTTPServer) -> None:
    # Crossref's address answering with arXiv's feed: a real answer, not the one expected.
    services.expect_request(DOI_PATH).respond_with_data(ARXIV)
    services.expect_request("/api/query").respond_with_data(ARXIV_ERROR)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, DOI)
    assert code == 1 and "not Crossref's JSON" in err and err.count("\n") == 1
    code, _, err = _add(folder, "arXiv:1234.12345")
    assert code == 1 and "arXiv answered: incorrect id format for 1234.12345" in err
    assert (folder / "publications.bib").read_bytes() == before


@pytest.mark.parametrize(("fixture", "seen"), [
    # arXiv's own XML of another interface (Dienst): well-formed, but no Atom feed.
    ("arxiv_dienst_math.CO_9901016.xml", "XML whose root is <Disseminate>"),
    ("crossref_10.1103_physrevb.89.140501.json", "not XML"),
])
def test_an_arxiv_answer_that_is_no_atom_feed_is_malformed_not_missing(
        tmp_path: Path, services: HTTPServer, fixture: str, seen: str) -> None:
    services.expect_request("/api/query", query_string={"id_list": "math/9901016"}) \
        .respond_with_data((ADD / fixture).read_bytes(), content_type="text/xml")
    folder = _project(tmp_path, "Mike Zabrocki")
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, "arXiv:math/9901016")
    assert code == 1 and err.count("\n") == 1
    assert f"the arXiv id math/9901016: arXiv's answer is malformed or unexpected ({seen}, " \
           "not its Atom feed); try again later" in err
    assert "no such paper" not in err
    assert (folder / "publications.bib").read_bytes() == before


def test_a_read_only_file_is_left_untouched(tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    bib = folder / "publications.bib"
    before = bib.read_bytes()
    bib.chmod(0o444)
    code, _, err = _add(folder, DOI)
    assert code == 3
    assert "is read-only; nothing was written" in err
    assert bib.read_bytes() == before and (bib.stat().st_mode & 0o777) == 0o444
    assert sorted(p.name for p in folder.iterdir()) == ["profile.toml", "publications.bib"]


def test_a_file_changed_while_fetching_is_not_overwritten(tmp_path: Path,
                                                         services: HTTPServer) -> None:
    folder = _project(tmp_path, "Del Maestro, Adrian")
    bib = folder / "publications.bib"

    def edit_meanwhile(_request: Request) -> Response:
        with bib.open("a", encoding="utf-8") as f:
            f.write("\n% saved by my editor\n")
        return Response(CROSSREF)

    services.expect_request(DOI_PATH).respond_with_handler(edit_meanwhile)
    code, _, err = _add(folder, DOI)
    assert code == 3
    assert "changed while pubsite add ran" in err
    text = bib.read_text()
    assert text.endswith("% saved by my editor\n") and "herdman2014particle" not in text


def test_what_is_no_source_is_a_usage_error(tmp_path: Path) -> None:
    folder = _project(tmp_path, "Del Maestro, Adrian")
    code, _, err = _add(folder, "my paper")
    assert code == 2
    assert "is no DOI, arXiv id or DBLP record" in err and "DBLP:conf/" in err


def test_pasted_text_that_is_no_entry_is_refused(tmp_path: Path) -> None:
    folder = _project(tmp_path, "Del Maestro, Adrian")
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, "-", stdin="Deep residual learning, CVPR 2016\n")
    assert code == 1 and "no entry found" in err
    assert (folder / "publications.bib").read_bytes() == before


def test_add_dash_at_a_terminal_says_how_to_end_the_paste(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    folder = _project(tmp_path, "Kaiming He")
    master, terminal = pty.openpty()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "pubsite"), "add", "-",
                             "--dry-run"], cwd=folder, stdin=terminal,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    os.close(terminal)
    # Pasted, then Ctrl-D at the start of a line: the end of input at a terminal.
    os.write(master, (ADD / "scholar_he2016deep.bib").read_bytes().rstrip() + b"\n\x04")
    out, err = proc.communicate(timeout=120)
    os.close(master)
    assert proc.returncode == 0, err
    assert err.startswith("Paste one BibTeX entry, then press Ctrl-D (Ctrl-Z and Enter on "
                          "Windows):\n")
    assert out.startswith("@inproceedings{he2016deep,\n")


def test_help_lists_the_sources() -> None:
    result = CliRunner().invoke(cli.main, ["add", "--help"])
    for form in ("a DOI:", "an arXiv id:", "a DBLP record:", "-: one BibTeX entry on stdin"):
        assert form in result.output


def _crossref_dated(*dates: object) -> bytes:
    """The recorded Crossref answer with its `issued` and then `published-online`
    date-parts replaced by `dates` (the smallest edit that makes a malformed date; the
    rest of the answer as recorded)."""
    answer = json.loads(CROSSREF)
    for name, parts in zip(("issued", "published-online"), dates, strict=False):
        answer["message"][name]["date-parts"] = parts
    return json.dumps(answer).encode()


@pytest.mark.parametrize(("parts", "month"), [
    ([[2014, 13]], None), ([[2014, None]], None), ([[2014, 0]], None), ([[2014]], None),
    ([["abc"]], "apr"),  # no year in `issued`: `published-online`'s date (2014-04-04)
])
def test_a_malformed_crossref_date_keeps_the_year_and_leaves_out_the_month(
        tmp_path: Path, services: HTTPServer, parts: object, month: str | None) -> None:
    services.expect_request(DOI_PATH).respond_with_data(_crossref_dated(parts))
    folder = _project(tmp_path, "Del Maestro, Adrian")
    code, out, err = _add(folder, DOI, "--dry-run")
    assert code == 0, err
    assert "internal error" not in err
    assert "  year      = {2014},\n" in out
    if month is None:
        assert "month" not in out
    else:
        assert f"  month     = {month},\n" in out


def test_a_crossref_answer_without_a_usable_year_is_one_line(
        tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(
        _crossref_dated([["abc"]], [[None, 4]]))
    folder = _project(tmp_path, "Del Maestro, Adrian")
    before = (folder / "publications.bib").read_bytes()
    code, _, err = _add(folder, DOI)
    assert code == 1 and err.count("\n") == 1
    assert f"the DOI {DOI} at Crossref: Crossref's answer has no usable date" in err
    assert "pubsite add - < paper.bib" in err
    assert (folder / "publications.bib").read_bytes() == before


@pytest.mark.parametrize("pasted", ["@article{a,\n}\n",
                                    "@article{a,\n  author = {X Y},\n  title = {{ }},\n}\n"])
def test_a_pasted_entry_without_a_title_is_one_line(tmp_path: Path, pasted: str) -> None:
    folder = _project(tmp_path, "Del Maestro, Adrian")
    before = (folder / "publications.bib").read_bytes()
    for args in (["-", "--dry-run"], ["-"]):
        code, out, err = _add(folder, *args, stdin=pasted)
        assert code == 1 and err.count("\n") == 1 and out == ""
        assert "stdin: the entry a has no title; give the paper's whole BibTeX entry" in err
        assert "internal error" not in err
    assert (folder / "publications.bib").read_bytes() == before


def test_a_doi_given_only_as_a_doi_org_url_becomes_the_doi_field(tmp_path: Path) -> None:
    folder = _project(tmp_path, "Kaiming He")
    # Scholar's real export with its DOI added the way some sites give it: as a url.
    pasted = (ADD / "scholar_he2016deep.bib").read_text(encoding="utf-8").replace(
        "  year=", "  url={https://doi.org/10.1109/CVPR.2016.90},\n  year=", 1)
    assert "doi.org" in pasted
    code, out, err = _add(folder, "-", "--dry-run", stdin=pasted)
    assert code == 0, err
    assert "  doi       = {10.1109/CVPR.2016.90},\n" in out
    assert "url" not in out


def test_title_words_with_inner_capitals_are_braced_and_a_colon_starts_a_sentence(
        tmp_path: Path) -> None:
    folder = _project(tmp_path, "Kaiming He")
    # Scholar's real export, its title replaced by one in Scholar's own style (a word after
    # a colon capitalised, names with capitals inside).
    pasted = (ADD / "scholar_he2016deep.bib").read_text(encoding="utf-8").replace(
        "{Deep residual learning for image recognition}",
        "{Resnet: Pre-training deep residual networks on the iPhone with PyTorch and eBPF}")
    assert "iPhone" in pasted
    code, out, err = _add(folder, "-", "--dry-run", stdin=pasted)
    assert code == 0, err
    assert "title     = {Resnet: Pre-training deep residual networks on the {iPhone} with " \
        "{PyTorch} and {eBPF}}," in out


def test_an_entry_whose_doi_is_only_a_url_is_a_duplicate(tmp_path: Path,
                                                       services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    bib = folder / "publications.bib"
    bib.write_text("@article{mine2014,\n  title = {Entanglement},\n  author = {Herdman, C.},\n"
                   "  journal = {PRB},\n  year = {2014},\n"
                   "  url = {https://doi.org/10.1103/PhysRevB.89.140501},\n}\n",
                   encoding="utf-8")
    before = bib.read_bytes()
    code, _, err = _add(folder, DOI)
    assert code == 1 and err.count("\n") == 1
    assert "mine2014 has the same DOI; nothing was added" in err
    assert len(services.log) == 0  # known before any request
    assert bib.read_bytes() == before


@pytest.mark.parametrize("doi", ["10.1000/a#b", "10.1000/a?b=c"])
def test_a_doi_with_a_hash_or_question_mark_is_asked_whole(
        tmp_path: Path, services: HTTPServer, doi: str) -> None:
    services.expect_request(f"/works/{doi}").respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Del Maestro, Adrian")
    code, out, err = _add(folder, doi, "--dry-run")
    assert code == 0, err
    assert out.startswith("@article{herdman2014particle,\n")
    assert len(services.log) == 1
    assert services.log[0][0].path == f"/works/{doi}"
    assert services.log[0][0].query_string == b""


def test_a_duplicate_names_the_command_as_given_and_a_paper_is_no_preprint(
        tmp_path: Path, services: HTTPServer) -> None:
    services.expect_request(DOI_PATH).respond_with_data(CROSSREF)
    folder = _project(tmp_path, "Kaiming He")
    pasted = (ADD / "scholar_he2016deep.bib").read_text(encoding="utf-8")
    assert _add(folder, "-", stdin=pasted)[0] == 0
    bib = folder / "publications.bib"
    # The same CVPR paper again (a published entry, not a preprint), into --bib's file.
    shutil.copy(bib, folder / "mine.bib")
    code, _, err = _add(folder, "-", "--bib", "mine.bib", stdin=pasted)
    assert code == 1 and err.count("\n") == 1
    assert err.endswith("he2016deep has the same title, year and first author; nothing was "
                        "added; to update it with this metadata: pubsite add --bib mine.bib "
                        "- --update he2016deep\n")
    # A DOI whose paper the file has without its DOI: the DOI as given in the command.
    bib.write_text("@article{old2014,\n  title = {Particle entanglement in continuum "
                   "many-body systems via quantum Monte Carlo},\n  author = {Herdman, C. M.},"
                   "\n  journal = {PRB},\n  year = {2014},\n}\n", encoding="utf-8")
    code, _, err = _add(folder, DOI)
    assert code == 1
    assert err.endswith(f"; to update it with this metadata: pubsite add {DOI} --update "
                        "old2014\n")
    # A preprint in the file, and the paper pasted: that is turning the preprint into it.
    bib.write_text("@misc{herdman2013particle,\n  title = {Particle entanglement},\n"
                   "  author = {Herdman, C. M.},\n  year = {2013},\n  arxiv = {1312.6177},\n}\n",
                   encoding="utf-8")
    before = bib.read_bytes()
    code, _, err = _add(folder, "-", stdin="@article{x,\n  title = {Particle entanglement in "
                        "continuum many-body systems},\n  author = {Herdman, C. M.},\n"
                        "  journal = {Physical Review B},\n  year = {2014},\n"
                        "  doi = {10.1103/PhysRevB.89.140501},\n  eprint = {1312.6177},\n"
                        "  archiveprefix = {arXiv},\n}\n")
    assert code == 1
    assert err.endswith("herdman2013particle has the same arXiv id; nothing was added; to "
                        "turn the preprint into this paper: pubsite add - --update "
                        "herdman2013particle\n")
    assert bib.read_bytes() == before


def test_add_calls_an_entry_a_preprint_only_where_the_build_lists_one(
        tmp_path: Path, services: HTTPServer) -> None:
    folder = _project(tmp_path, "Ada Lovelace")
    bib = folder / "publications.bib"
    # arXiv's own DOI does not make a preprint published; DBLP's record of an arXiv paper
    # (journal = {CoRR}) is a preprint too.
    bib.write_text("@misc{doied2021,\n  title = {On arXiv with its DOI},\n  author = "
                   "{Lovelace, Ada},\n  year = {2021},\n  doi = {10.48550/arXiv.2101.00001},\n"
                   "  eprint = {2101.00001},\n  archiveprefix = {arXiv},\n}\n\n"
                   "@article{corr2021,\n  title = {In CoRR},\n  author = {Lovelace, Ada},\n"
                   "  journal = {CoRR},\n  volume = {abs/2101.00002},\n  year = {2021},\n"
                   "  eprint = {2101.00002},\n  eprinttype = {arXiv},\n}\n", encoding="utf-8")
    listed = {p["key"]: p["status"] for p in json.loads(
        invoke_in(folder, ["export", "--format", "json"]).stdout)["publications"]}
    assert listed == {"doied2021": "preprint", "corr2021": "preprint"}
    code, _, err = _add(folder, "arXiv:2101.00001")
    assert code == 1 and err.endswith(
        "doied2021 has the same arXiv id; nothing was added; to turn it into the paper: "
        "pubsite add DOI --update doied2021\n")
    code, _, err = _add(folder, "arXiv:2101.00002")
    assert code == 1 and err.endswith(
        "corr2021 has the same arXiv id; nothing was added; to turn it into the paper: "
        "pubsite add DOI --update corr2021\n")
    assert not services.log  # both known before any request
