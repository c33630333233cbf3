"""Rendered output of the default site against reviewed golden files
(`pytest --update-golden` rewrites them; review the diff)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from pubsite.cli import main

from conftest import check_golden


def test_default_site_golden(project: Path, update_golden: bool) -> None:
    out = project / "_site"
    result = CliRunner().invoke(main, ["build", "--bib", str(project / "publications.bib"),
                                       "--profile", str(project / "profile.toml"),
                                       "--out", str(out)])
    assert result.exit_code == 0, result.output
    check_golden("site/index.html", (out / "index.html").read_text(), update_golden)
    check_golden("site/index.md", (out / "index.md").read_text(), update_golden)
    check_golden("site/publications/zhang2018cavs/index.html",
                 (out / "publications" / "zhang2018cavs" / "index.html").read_text(),
                 update_golden)
