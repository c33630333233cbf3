"""Facts decided once, in normalise: kind, status, container, title with subtitle, arXiv
id and DOI, the date and the one order. Each is driven as a user meets it (a .bib file,
the command line) and checked in what the user sees: the site, the exports, validate."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from pubsite import pipeline
from pubsite.cli import main
from pubsite.errors import Diagnostics
from pubsite.model.site import Kind

from conftest import SHARED


def _project(folder: Path, bib: str, profile: str = 'name = "Ada Lovelace"\n') -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "publications.bib").write_text(bib, encoding="utf-8")
    (folder / "profile.toml").write_text(profile, encoding="utf-8")
    return folder


def _args(folder: Path) -> list[str]:
    return ["--bib", str(folder / "publications.bib"), "--profile", str(folder / "profile.toml")]


def _export(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["export", *_args(folder), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _build(folder: Path) -> Path:
    out = folder / "site"
    result = CliRunner().invoke(main, ["build", *_args(folder), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    return out


def _validate(folder: Path) -> list[dict[str, str]]:
    result = CliRunner().invoke(main, ["validate", *_args(folder), "--format", "json"])
    found: list[dict[str, str]] = json.loads(result.stdout)
    return found


def _order(text: str, titles: list[str]) -> list[str]:
    """The titles in the order the text shows them (each must be there)."""
    where = {t: text.find(t) for t in titles}
    assert all(at >= 0 for at in where.values()), where
    return sorted(titles, key=where.__getitem__)


# --- arXiv: one parser for the check, the id, the link and the kind ------------------------

ARXIV_SPELLINGS = """
@misc{spaced, author = {Ada Lovelace}, title = {Spaced Prefix}, year = {2021},
  eprint = {2101.00001}, archiveprefix = { arXiv }}
@misc{empty, author = {Ada Lovelace}, title = {Empty Prefix}, year = {2021},
  eprint = {2101.00002}, archiveprefix = {}, eprinttype = {arxiv}}
"""


def test_arxiv_eprint_with_a_spaced_or_empty_archiveprefix_gives_id_and_link(
        tmp_path: Path) -> None:
    folder = _project(tmp_path, ARXIV_SPELLINGS)
    data = json.loads(_export(folder, "--format", "json"))["publications"]
    assert {p["key"]: (p["kind"], p["arxiv"]) for p in data} == {
        "spaced": ("preprint", "2101.00001"), "empty": ("preprint", "2101.00002")}
    page = (_build(folder) / "index.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/abs/2101.00001"' in page
    assert 'href="https://arxiv.org/abs/2101.00002"' in page
    assert [d for d in _validate(folder) if d["rule"] == "arxiv-format"] == []


def test_google_scholars_arxiv_journal_gives_the_id_its_link_and_a_preprint_everywhere(
        tmp_path: Path) -> None:
    # Google Scholar's export of an arXiv paper (its "Cite" button, BibTeX).
    folder = _project(tmp_path, """@article{devlin2018bert,
  title={Bert: Pre-training of deep bidirectional transformers for language understanding},
  author={Devlin, Jacob and Chang, Ming-Wei and Lee, Kenton and Toutanova, Kristina},
  journal={arXiv preprint arXiv:1810.04805},
  year={2018}
}
@online{online, author = {Ada Lovelace}, title = {Online}, year = {2021},
  eprint = {2101.00009}, eprinttype = {arXiv}}
""", 'name = "Jacob Devlin"\n')
    data = json.loads(_export(folder, "--format", "json"))["publications"]
    assert {p["key"]: (p["kind"], p["arxiv"]) for p in data} == {
        "devlin2018bert": ("preprint", "1810.04805"), "online": ("preprint", "2101.00009")}
    page = (_build(folder) / "index.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/abs/1810.04805"' in page
    csl = {i["id"]: i for i in json.loads(_export(folder, "--format", "csl-json"))}
    assert [csl[k]["type"] for k in ("devlin2018bert", "online")] == ["article", "article"]
    assert csl["devlin2018bert"]["URL"] == "https://arxiv.org/abs/1810.04805"
    assert [d for d in _validate(folder) if d["rule"] == "arxiv-format"] == []


def test_an_arxiv_eprint_and_an_arxiv_field_are_one_work(tmp_path: Path) -> None:
    folder = _project(tmp_path, """
@misc{first, author = {Ada Lovelace}, title = {One Work}, year = {2021}, arxiv = {2101.00003}}
@misc{second, author = {Ada Lovelace}, title = {The Same Work, Renamed}, year = {2022},
  eprint = {2101.00003v2}, archiveprefix = {arXiv}}
""")
    found = [d["message"] for d in _validate(folder) if d["rule"] == "duplicate-work"]
    assert found == ["second has the same arXiv id as first (line 2)"]


def test_a_malformed_arxiv_eprint_is_reported_where_it_is_written(tmp_path: Path) -> None:
    folder = _project(tmp_path, """@misc{bad, author = {Ada Lovelace}, title = {T},
  year = {2021},
  eprint = {not-an-id}, archiveprefix = { arXiv }}
""")
    found = [(d["rule"], d["line"]) for d in _validate(folder) if d["rule"] == "arxiv-format"]
    assert found == [("arxiv-format", 3)]


def test_a_doi_in_bibtex_escapes_is_one_doi_for_the_check_and_the_outputs(
        tmp_path: Path) -> None:
    folder = _project(tmp_path, r"""@article{d, author = {Ada Lovelace}, title = {T},
  journal = {J}, year = {2021}, doi = {\url{https://doi.org/10.1000/a\_b}}}
""")
    assert [d for d in _validate(folder) if d["rule"] == "doi-format"] == []
    [item] = json.loads(_export(folder, "--format", "csl-json"))
    assert item["DOI"] == "10.1000/a_b"


# --- one order: the site, its CV page and every exported CV ------------------------------

SAME_YEAR = """
@article{mar, author = {Ada Lovelace}, title = {Paper of March}, journal = {J},
  year = {2023}, month = mar}
@article{zeta, author = {Ada Lovelace}, title = {Undated Zeta}, journal = {J}, year = {2023}}
@article{nov, author = {Ada Lovelace}, title = {Paper of November}, journal = {J},
  year = {2023}, month = nov}
@article{alpha, author = {Ada Lovelace}, title = {Undated Alpha}, journal = {J},
  year = {2023}}
@article{jun, author = {Ada Lovelace}, title = {Paper of June}, journal = {J},
  date = {2023-06-02}}
@article{old, author = {Ada Lovelace}, title = {Older Paper}, journal = {J}, year = {2021},
  month = dec}
"""
# Newest first: by month within the year; works without a month after the dated ones, in
# the file's order (the author's choice), not by key.
NEWEST = ["Paper of November", "Paper of June", "Paper of March", "Undated Zeta",
          "Undated Alpha", "Older Paper"]


def test_the_cv_page_and_the_exported_cv_list_same_year_papers_in_one_order(
        tmp_path: Path) -> None:
    folder = _project(tmp_path, SAME_YEAR, 'name = "Ada Lovelace"\ncv = true\n')
    site = _build(folder)
    assert _order((site / "cv" / "index.html").read_text(encoding="utf-8"), NEWEST) == NEWEST
    assert _order((site / "index.html").read_text(encoding="utf-8"), NEWEST) == NEWEST
    for fmt in ("html", "latex", "text", "markdown"):
        assert _order(_export(folder, "--format", fmt), NEWEST) == NEWEST, fmt
    oldest = ["Older Paper", "Undated Zeta", "Undated Alpha", "Paper of March",
              "Paper of June", "Paper of November"]
    assert _order(_export(folder, "--format", "text", "--sort", "oldest"), NEWEST) == oldest


# --- the container: one for the page, CSL-JSON, JSON Resume and Scholar ----------------------

def _csl_by_key(folder: Path) -> dict[str, dict[str, object]]:
    return {i["id"]: i for i in json.loads(_export(folder, "--format", "csl-json"))}


def test_csl_json_names_the_container_of_a_zotero_file(tmp_path: Path) -> None:
    folder = _project(tmp_path, (SHARED / "corpus" / "real2" / "fiedler_my_publications.bib")
                      .read_text(encoding="utf-8"), 'name = "David Fiedler"\n')
    item = _csl_by_key(folder)["fiedlerLargescaleOnlineRidesharing2022"]
    assert item["container-title"] == "Journal of Intelligent Transportation Systems"
    resume = json.loads(_export(folder, "--format", "jsonresume"))["publications"]
    assert [p["publisher"] for p in resume if p["name"].startswith("Large-Scale Online")] \
        == ["Journal of Intelligent Transportation Systems"]


def test_csl_json_names_the_container_of_biblatex_examples(tmp_path: Path) -> None:
    folder = _project(tmp_path, (SHARED / "corpus" / "real" / "biblatex_biblatex-examples.bib")
                      .read_text(encoding="utf-8"))
    items = _csl_by_key(folder)
    assert items["aksin"]["container-title"] == "J. Organomet. Chem."  # journaltitle
    assert items["westfahl:space"]["container-title"] == "Space and Beyond"  # booktitle


def test_biblatex_journaltitle_and_eventtitle_are_the_container_everywhere(
        tmp_path: Path) -> None:
    folder = _project(tmp_path, """
@article{j, author = {Ada Lovelace}, title = {In a Journal}, journaltitle = {Annals of Things},
  shortjournal = {Ann. Th.}, abbr = {AoT}, date = {2020}}
@inproceedings{e, author = {Ada Lovelace}, title = {At an Event},
  eventtitle = {Conference on Things}, date = {2019}}
@inproceedings{g, author = {Ada Lovelace}, title = {Scholar Style}, journal = {CT19},
  booktitle = {Conference on Things 2019}, year = {2018}}
""", 'name = "Ada Lovelace"\n[publications]\nper_paper_pages = true\n')
    items = _csl_by_key(folder)
    assert (items["j"]["container-title"], items["j"]["container-title-short"]) == \
        ("Annals of Things", "AoT")
    assert items["e"]["container-title"] == "Conference on Things"
    # BibTeX's styles print an @inproceedings' booktitle, not the journal Scholar adds.
    assert items["g"]["container-title"] == "Conference on Things 2019"
    site = _build(folder)
    for slug, tag in (("j", '<meta name="citation_journal_title" content="Annals of Things">'),
                      ("e", '<meta name="citation_conference_title" '
                            'content="Conference on Things">'),
                      ("g", '<meta name="citation_conference_title" '
                            'content="Conference on Things 2019">')):
        assert tag in (site / "publications" / slug / "index.html").read_text(), slug
    assert "Conference on Things 2019 2018" in _export(folder, "--format", "text")


# --- the title with its subtitle --------------------------------------------------------------

def test_a_biblatex_subtitle_is_shown_with_the_title_everywhere(tmp_path: Path) -> None:
    folder = _project(tmp_path, r"""@article{exc, author = {Ada Lovelace},
  title = {Exceptive Conditionals}, subtitle = {The Meaning of \emph{Unless}},
  titleaddon = {With a Reply}, journaltitle = {Mind}, date = {2020}}
""")
    whole = "Exceptive Conditionals: The Meaning of Unless. With a Reply"
    assert json.loads(_export(folder, "--format", "json"))["publications"][0]["title"] == whole
    assert _csl_by_key(folder)["exc"]["title"] == whole
    assert _export(folder, "--format", "text").startswith(whole + ". Ada Lovelace.")
    assert whole in (_build(folder) / "index.md").read_text(encoding="utf-8")
    # The BibTeX a reader cites keeps the fields as biblatex wants them.
    cited = [" ".join(line.split()) for line in _export(folder, "--format", "bibtex")
             .splitlines()]
    assert "title = {Exceptive Conditionals}," in cited
    assert r"subtitle = {The Meaning of \emph{Unless}}," in cited


# --- kind and status: enums, unknown values said --------------------------------------------

def test_an_unknown_kind_is_a_warning_listing_the_known_ones(tmp_path: Path) -> None:
    folder = _project(tmp_path, """@article{p, author = {Ada Lovelace}, title = {A Poster},
  journal = {J}, year = {2020}, kind = {Poster}}
@misc{t, author = {Ada Lovelace}, title = {A Talk}, year = {2020}, kind = {Thesis}}
""")
    [found] = [d for d in _validate(folder) if d["rule"] == "unknown-kind"]
    assert found["message"] == ("kind 'Poster' of p is not one pubsite knows; it is listed "
                                "by its entry type (@article)")
    assert found["hint"] == ("use one of journal, conference, preprint, thesis, book, "
                             "chapter, report, proceedings, patent, other")
    grouped = _export(folder, "--format", "text", "--group-by", "type")
    assert grouped.index("Journal articles") < grouped.index("A Poster") < \
        grouped.index("Theses") < grouped.index("A Talk")
    assert "Poster" not in grouped.replace("A Poster", "")


def test_the_export_type_choices_are_the_kinds(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "--help"])
    listed = result.output.split("--type [", 1)[1].split("]", 1)[0]
    assert [k.strip() for k in listed.replace("\n", "").split("|")] == [k.value for k in Kind]


def test_status_is_decided_once_from_status_pubstate_or_the_preprint_placeholder(
        tmp_path: Path) -> None:
    folder = _project(tmp_path, """
@article{inpress, author = {Ada Lovelace}, title = {Pressed}, journaltitle = {J},
  pubstate = {inpress}, date = {2024}}
@article{bare, author = {Ada Lovelace}, title = {Only on arXiv}, year = {2023},
  eprint = {2301.00001}, archiveprefix = {arXiv}}
@article{done, author = {Ada Lovelace}, title = {Done}, journal = {J}, year = {2022}}
@unpublished{wp, author = {Ada Lovelace}, title = {Working}, year = {2021},
  status = {Working Paper}}
@unpublished{odd, author = {Ada Lovelace}, title = {Odd}, year = {2020}, status = {maybe}}
""")
    data = json.loads(_export(folder, "--format", "json"))["publications"]
    assert {p["key"]: (p["status"], p["venue"]) for p in data} == {
        "inpress": ("in press", "J 2024"), "bare": ("preprint", "Preprint 2023"),
        "done": ("published", "J 2022"), "wp": ("working paper", "Working paper 2021"),
        "odd": ("preprint", "Preprint 2020")}
    [odd] = [d for d in _validate(folder) if d["rule"] == "unknown-status"]
    assert odd["message"] == "status 'maybe' of odd is not one pubsite knows"
    # "Preprint" stands in for a venue: it is nobody's publisher or container.
    resume = {p["name"]: p for p in json.loads(_export(folder, "--format", "jsonresume"))
              ["publications"]}
    assert "publisher" not in resume["Only on arXiv"]
    assert "container-title" not in _csl_by_key(folder)["bare"]


def test_a_crossref_gives_its_subtitle_to_the_book_not_to_the_chapter(tmp_path: Path) -> None:
    folder = _project(tmp_path, """
@inbook{chap, author = {Ada Lovelace}, title = {A Chapter}, pages = {1--2}, crossref = {bk}}
@book{bk, author = {Ada Lovelace}, title = {The Book}, subtitle = {Its Subtitle},
  titleaddon = {Addon}, publisher = {P}, year = {2010}}
""")
    titles = {p["key"]: p["title"]
              for p in json.loads(_export(folder, "--format", "json"))["publications"]}
    assert titles == {"chap": "A Chapter", "bk": "The Book: Its Subtitle. Addon"}


# --- Where in its container, and who put it out: decided once, read by every output ------

DETAILS = """
@article{range, author = {Ada Lovelace}, title = {Range}, journal = {J}, year = {2020},
  volume = {7}, number = {3}, pages = {12--15}}
@article{unicode, author = {Ada Lovelace}, title = {Unicode}, journal = {J}, year = {2020},
  pages = {12\u201315}}
@article{spaced, author = {Ada Lovelace}, title = {Spaced}, journal = {J}, year = {2020},
  pages = {12 - 15}}
@article{elocator, author = {Ada Lovelace}, title = {Elocator}, journal = {J},
  year = {2020}, volume = {4}, pages = {e123}}
@phdthesis{school, author = {Ada Lovelace}, title = {A Thesis}, school = {University of X},
  year = {2019}}
@thesis{institution, author = {Ada Lovelace}, title = {B Thesis}, type = {phdthesis},
  institution = {Uppsala Universitet}, year = {2018}}
@unpublished{working, author = {Ada Lovelace}, title = {Work}, note = {Working Paper},
  year = {2021}}
@techreport{report, author = {Ada Lovelace}, title = {Report}, institution = {Lab},
  number = {TR-7}, year = {2017}}
@book{book, author = {Ada Lovelace}, title = {Book}, publisher = {Springer},
  address = {Cham}, isbn = {978-3-16-148410-0}, year = {2016}}
"""


def _scholar(site: Path, slug: str) -> dict[str, list[str]]:
    page = (site / "publications" / slug / "index.html").read_text(encoding="utf-8")
    tags: dict[str, list[str]] = {}
    for name, content in re.findall(r'<meta name="citation_(\w+)" content="([^"]*)">', page):
        tags.setdefault(name, []).append(content)
    return tags


def test_pages_volume_school_and_genre_are_decided_once_and_every_output_agrees(
        tmp_path: Path) -> None:
    folder = _project(tmp_path, DETAILS)
    pubs = {p.key: p for p in pipeline.load(pipeline.Inputs(
        folder / "publications.bib", folder / "profile.toml"), Diagnostics()).publications}
    assert {k: (p.pages, p.first_page, p.last_page) for k, p in pubs.items() if p.pages} == {
        "range": ("12–15", "12", "15"), "unicode": ("12–15", "12", "15"),
        "spaced": ("12–15", "12", "15"), "elocator": ("e123", "e123", "")}
    assert (pubs["range"].volume, pubs["range"].number) == ("7", "3")
    assert pubs["school"].institution == "University of X"
    assert pubs["institution"].institution == "Uppsala Universitet"
    assert (pubs["working"].genre, pubs["working"].venue_is_note) == ("Working Paper", True)
    assert (pubs["report"].number, pubs["report"].institution) == ("TR-7", "Lab")
    assert (pubs["book"].publisher, pubs["book"].place, pubs["book"].isbn) == \
        ("Springer", "Cham", "978-3-16-148410-0")
    site, csl = _build(folder), _csl_by_key(folder)
    cv = {line.split(".")[0]: line for line in _export(folder, "--format", "text").splitlines()}
    for key in ("range", "unicode", "spaced", "elocator"):
        p, tags = pubs[key], _scholar(site, pubs[key].slug)
        assert csl[key]["page"] == p.pages.replace("–", "-")  # CSL's ranges take a hyphen
        assert tags["firstpage"] == [p.first_page]
        assert tags.get("lastpage", []) == ([p.last_page] if p.last_page else [])
        assert f"p{'p' if p.last_page else ''}. {p.pages}, " in cv[p.title]
    assert _scholar(site, "range")["issue"] == ["3"] and csl["range"]["issue"] == "3"
    assert "J, 7(3), pp. 12–15, 2020" in cv["Range"]
    # A thesis's school, or biblatex's institution: the same institution in each output.
    for key in ("school", "institution"):
        said = pubs[key].institution
        assert _scholar(site, key)["dissertation_institution"] == [said]
        assert csl[key]["publisher"] == said and said in cv[pubs[key].title]
    tags = _scholar(site, "report")
    assert (tags["technical_report_number"], tags["technical_report_institution"]) == \
        (["TR-7"], ["Lab"])
    assert (csl["report"]["number"], csl["report"]["publisher"]) == ("TR-7", "Lab")
    # A working paper's note says what it is: its venue line and CSL's genre, no publisher.
    assert csl["working"]["genre"] == "Working Paper" and "Working Paper" in cv["Work"]
    resume = {p["name"]: p for p in json.loads(_export(folder, "--format", "jsonresume"))
              ["publications"]}
    assert "publisher" not in resume["Work"] and resume["Book"]["publisher"] == "Springer"
    assert (csl["book"]["publisher"], csl["book"]["publisher-place"], csl["book"]["ISBN"]) == \
        ("Springer", "Cham", "978-3-16-148410-0")
    assert _scholar(site, "book")["publisher"] == ["Springer"]


def test_a_biblatex_type_key_reads_as_words(tmp_path: Path) -> None:
    """biblatex's `type = {phdthesis}` is a key its styles print as "PhD thesis"; a type
    written in words stays as written. Seen on the site, the CV list and the paper page."""
    folder = _project(tmp_path, """
@thesis{key, author = {Ada Lovelace}, title = {A}, type = {phdthesis},
  institution = {Uppsala Universitet}, year = {2018}}
@thesis{ma, author = {Ada Lovelace}, title = {B}, type = {mathesis},
  institution = {Uppsala Universitet}, year = {2017}}
@thesis{words, author = {Ada Lovelace}, title = {C}, type = {Diplomarbeit},
  institution = {TU Wien}, year = {2016}}
""")
    site = _build(folder)
    text = _export(folder, "--format", "text")
    for shown in (text, (site / "index.html").read_text(encoding="utf-8"),
                  (site / "publications" / "key" / "index.html").read_text(encoding="utf-8")):
        assert "PhD thesis, Uppsala Universitet" in shown
        assert "phdthesis, Uppsala" not in shown  # the key, as it was shown before
    assert "Master's thesis, Uppsala Universitet" in text
    assert "Diplomarbeit, TU Wien" in text


def test_dblps_corr_record_is_an_arxiv_preprint(tmp_path: Path) -> None:
    """DBLP exports an arXiv paper as @article in journal = {CoRR} with the id as its volume
    (real2/limaye_dblp.bib has 18): a preprint with its arXiv id and link, never a journal
    article (a CV numbered by type counted them as J-papers), its volume not repeated as
    "vol. abs/..."; a bioRxiv "journal" is a preprint server too."""
    folder = _project(tmp_path, """
@article{DBLP:journals/corr/abs-2408-03465,
  author = {Ada Lovelace}, title = {On k-SAT}, journal = {CoRR},
  volume = {abs/2408.03465}, year = {2024}}
@article{bio, author = {Ada Lovelace}, title = {Cells}, journal = {bioRxiv}, year = {2023}}
@article{real, author = {Ada Lovelace}, title = {Real}, journal = {J. ACM}, volume = {7},
  year = {2022}}
""")
    listed = {p["key"]: p for p in json.loads(_export(folder, "--format", "json"))
              ["publications"]}
    assert {k: (p["kind"], p["arxiv"]) for k, p in listed.items()} == {
        "DBLP:journals/corr/abs-2408-03465": ("preprint", "2408.03465"),
        "bio": ("preprint", ""), "real": ("journal", "")}
    text = _export(folder, "--format", "text", "--group-by", "type", "--numbering", "type")
    assert "[P2] On k-SAT. Ada Lovelace. CoRR 2024. arXiv:2408.03465" in text
    assert "[J1] Real." in text and "abs/" not in text
    page = (_build(folder) / "index.html").read_text(encoding="utf-8")
    assert 'href="https://arxiv.org/abs/2408.03465"' in page
    csl = _csl_by_key(folder)["DBLP:journals/corr/abs-2408-03465"]
    assert (csl["number"], csl["URL"]) == ("arXiv:2408.03465", "https://arxiv.org/abs/2408.03465")
