"""The embedded default reproduces the seed homepage: every entry, star, award, link label."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from pubsite.cli import main

from helpers import publications

# Author lines exactly as the seed page shows them (shared/seeds/000_*.txt), in page order.
SEED_AUTHORS = [
    "Yonghao Zhuang*, Hexu Zhao*, Lianmin Zheng, Zhuohan Li, Eric P. Xing, Qirong Ho, "
    "Joseph E. Gonzalez, Ion Stoica, Hao Zhang",
    "Dacheng Li*, Rulin Shao*, Hongyi Wang*, Han Guo, Eric P. Xing, Hao Zhang",
    "Lianmin Zheng*, Zhuohan Li*, Hao Zhang*, Yonghao Zhuang, Zhifeng Chen, Yanping Huang, "
    "Yida Wang, Yuanzhong Xu, Danyang Zhuo, Eric P. Xing, Joseph E. Gonzalez, Ion Stoica",
    "Aurick Qiao, Sang Keun Choe, Suhas Jayaram Subramanya, Willie Neiswanger, Qirong Ho, "
    "Hao Zhang, Gregory R. Ganger, Eric P. Xing",
    "Zhuohan Li, Siyuan Zhuang, Shiyuan Guo, Danyang Zhuo, Hao Zhang, Dawn Song, Ion Stoica",
    "Hao Zhang, Peng Wu, Zhijie Deng, Christy Li, Aurick Qiao, Qirong Ho, Zeya Wang, "
    "Eric P. Xing",
    "Hao Zhang, Christy Li, Zhijie Deng, Xiaodan Liang, Lawrence Carin, Eric P. Xing",
    "Zhijie Deng, Xiao Yang, Hao Zhang, Yinpeng Dong, Jun Zhu",
    "Hao Zhang*, Haowen Xu*, Zhiting Hu, Xiaodan Liang, Qirong Ho, Eric P. Xing",
    "Wei Dai, Yi Zhou, Nanqing Dong, Hao Zhang, Eric P. Xing",
    "Hao Zhang*, Shizhen Xu*, Graham Neubig, Wei Dai, Qirong Ho, Guangwen Yang, Eric P. Xing",
    "Hao Zhang*, Zhijie Deng*, Xiaodan Liang, Luona Yang, Shizhen Xu, Jun Zhu, Eric P. Xing",
    "Hao Zhang, Zeyu Zheng, Shizhen Xu, Wei Dai, Qirong Ho, Xiaodan Liang, Zhiting Hu, "
    "Jinliang Wei, Pengtao Xie, Eric P. Xing",
    "Henggang Cui, Hao Zhang, Gregory R. Ganger, Phillip B. Gibbons, Eric P. Xing",
    "Zhicheng Yan, Hao Zhang, Robinson Piramuthu, Vignesh Jagadeesh, Dennis DeCoste, Wei Di, "
    "Yizhou Yu",
]


def _facts(shared: Path) -> list[dict[str, object]]:
    """The table of shared/seeds/publication-facts.md: title, venue line, links."""
    rows = []
    for line in (shared / "seeds" / "publication-facts.md").read_text().splitlines():
        m = re.match(r"\|\s*(\d+)\s*\|(.*)\|(.*)\|(.*)\|\s*$", line)
        if not m:
            continue
        links = []
        for item in m.group(4).split(";"):
            item = item.strip()
            if not item:
                continue
            if item.startswith("DOI "):  # the homepage links the DOI, after the others
                links.append(["DOI", "https://doi.org/" + item.split(" ", 1)[1]])
                continue
            label, target = item.split(": ", 1)
            if label == "arXiv":
                target = f"https://arxiv.org/abs/{target}"
            links.append([label, target])
        rows.append({"title": m.group(2).strip(), "venue": m.group(3).strip(), "links": links})
    assert len(rows) == 15
    return rows


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = Path(__file__).resolve().parent.parent
    out = tmp_path_factory.mktemp("site") / "_site"
    result = CliRunner().invoke(main, ["build", "--bib", str(root / "publications.bib"),
                                       "--profile", str(root / "profile.toml"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_every_entry_title_venue_and_link(built: Path, shared: Path) -> None:
    pubs = publications((built / "index.html").read_text())
    facts = _facts(shared)
    assert [p["title"] for p in pubs] == [f["title"] for f in facts]
    assert [p["links"] for p in pubs] == [f["links"] for f in facts]
    # The facts' venue line is the short one every export writes (the JSON's "venue")...
    root = Path(__file__).resolve().parent.parent
    exported = CliRunner().invoke(main, ["export", "--bib", str(root / "publications.bib"),
                                         "--profile", str(root / "profile.toml"),
                                         "--format", "json"])
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.stdout)["publications"]
    assert [p["venue"] for p in data] == [f["venue"] for f in facts]
    # ...and the site's line has the short name first and the year, notes and further
    # venues last, the venue in full (volume, pages, month) between them.
    for page, fact in zip(pubs, facts, strict=True):
        found = re.fullmatch(r"(\S+) (\d{4}.*)", str(fact["venue"]))
        assert found is not None, fact
        name, rest = found.groups()
        assert str(page["venue"]).startswith(name + " "), (page["venue"], fact["venue"])
        assert str(page["venue"]).endswith(rest), (page["venue"], fact["venue"])


def test_authors_stars_and_owner_in_bold(built: Path) -> None:
    pubs = publications((built / "index.html").read_text())
    assert len(pubs) == 15
    for pub, expected in zip(pubs, SEED_AUTHORS, strict=True):
        assert pub["authors"] == expected
        # The owner, and only the owner, is bold in every entry.
        assert pub["bold"] == ["Hao Zhang"], pub["title"]


def test_legend_under_exactly_the_starred_entries(built: Path) -> None:
    pubs = publications((built / "index.html").read_text())
    with_legend = [i for i, p in enumerate(pubs) if p["legend"]]
    starred = [i for i, a in enumerate(SEED_AUTHORS) if "*" in a]
    assert len(starred) == 6
    assert with_legend == starred
    assert {p["legend"] for p in pubs if p["legend"]} == {"(* indicates equal contributions)"}


def test_awards_are_highlighted(built: Path) -> None:
    pubs = publications((built / "index.html").read_text())
    awards = [a for p in pubs for a in p["awards"]]  # type: ignore[attr-defined]
    assert awards == ["Jay Lepreau Best Paper Award!", "Nvidia Pioneer Research Award!"]


def test_profile_text_is_clean_unicode(built: Path) -> None:
    html = (built / "index.html").read_text()
    assert "Halıcıoğlu Data Science Institute" in html
    assert "👉" in html
    for mojibake in ("ฤ", "๐Ÿ", "Ã"):
        assert mojibake not in html
    assert "Incoming Assistant Professor" in html and "Postdoctoral Scholar" in html
    assert "sjtu.haozhang AT" in html and "mailto:" not in html
    assert "Prospective students and postdocs" in html
    assert "Machine Learning Parallelism Could Be Adaptive, Composable and Automated" in html


def test_markdown_has_the_same_content(built: Path, shared: Path) -> None:
    md = (built / "index.md").read_text()
    for fact in _facts(shared):
        title = str(fact["title"])
        assert f"- **{title}**" in md
        for label, url in fact["links"]:  # type: ignore[attr-defined]
            assert f"[{label}](<{url}>)" in md
    assert md.count("(\\* indicates equal contributions)") == 6
    assert md.count("**Hao Zhang**") + md.count("**Hao Zhang\\***") == 15
    assert "**Jay Lepreau Best Paper Award!**" in md


def test_markdown_renders_like_github(built: Path) -> None:
    """Render the Markdown with a CommonMark renderer and read what a visitor sees."""
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render((built / "index.md").read_text())
    assert html.count("<strong>Hao Zhang</strong>") + html.count("<strong>Hao Zhang*</strong>") \
        == 15
    assert html.count("(* indicates equal contributions)") == 6
    assert '<a href="https://zhuanlan.zhihu.com/p/30976469">zhihu post (in Chinese)</a>' in html
    assert "<h2>Publications</h2>" in html
