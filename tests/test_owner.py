"""The owner found in each entry the way people write their own name (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from pubsite.cli import main

BIB = r"""
@article{imp, author = {Imperiale, S. and Imperiale, A. and Doe, J.}, title = {Two},
  journal = {J}, year = 2020}
@article{beck, author = {Smith, A. and *\textbf{Beck, E. D.} and Jones, B.}, title = {Bold},
  journal = {J}, year = 2021}
@article{initials, author = {Beck, E. and Beck, E. D.}, title = {Two Becks}, journal = {J},
  year = 2017}
@article{typo, author = {Emroie D. Beck and Jones, B.}, title = {Typo}, journal = {J},
  year = 2019}
@article{none, author = {Jones, B. and Beck, Q.}, title = {None}, journal = {J}, year = 2018}
"""


def _run(tmp_path: Path) -> tuple[dict[str, list[dict[str, object]]], str]:
    (tmp_path / "publications.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "profile.toml").write_text(
        'name = "Emorie D. Beck"\n[owner]\naliases = ["Alexandre Imperiale"]\n')
    args = ["--bib", str(tmp_path / "publications.bib"),
            "--profile", str(tmp_path / "profile.toml")]
    out = CliRunner().invoke(main, ["export", "--format", "json", *args])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    found = CliRunner().invoke(main, ["validate", *args])
    return {p["key"]: p["authors"] for p in data["publications"]}, found.output


def _owners(authors: list[dict[str, object]]) -> list[str]:
    return [f"{a['first']} {a['last']}" for a in authors if a["owner"]]


def test_the_owner_is_the_author_who_fits_in_each_entry(tmp_path: Path) -> None:
    authors, report = _run(tmp_path)
    assert _owners(authors["imp"]) == ["A. Imperiale"]  # never the conflicting S.
    assert _owners(authors["beck"]) == ["E. D. Beck"]   # bolded by hand, starred
    assert authors["beck"][1]["marks"] == ["equal"]
    assert _owners(authors["initials"]) == ["E. D. Beck"]  # the closer fit of two
    assert _owners(authors["typo"]) == []
    assert _owners(authors["none"]) == []
    lines = report.splitlines()
    near = [x for x in lines if "owner-near-miss" in x]
    assert len(near) == 1
    assert "'Emroie D. Beck' in typo" in near[0]
    hint = lines[lines.index(near[0]) + 1]
    assert "write it as 'Emorie D. Beck'" in hint
    missing = [x for x in lines if "owner-missing" in x]
    assert len(missing) == 1
    assert "authors of none" in missing[0]


def test_hand_bolded_owner_is_bold_once_on_the_page(tmp_path: Path) -> None:
    _run(tmp_path)
    out = CliRunner().invoke(main, ["build", "--bib", str(tmp_path / "publications.bib"),
                                    "--profile", str(tmp_path / "profile.toml"),
                                    "--out", str(tmp_path / "site"), "--quiet"])
    assert out.exit_code == 0, out.output
    page = (tmp_path / "site" / "publications" / "beck" / "index.html").read_text()
    assert "textbf" not in page
    assert page.count('class="author owner"') == 1
