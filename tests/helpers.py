"""Small readers of built pages, shared by the tests."""

from __future__ import annotations

import os
import re
from html.parser import HTMLParser
from pathlib import Path

from click.testing import CliRunner, Result

from pubsite import cli


def invoke_in(folder: Path, args: list[str], stdin: str | None = None) -> Result:
    """`pubsite ARGS` run by click's runner as if typed in `folder` (a project)."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return CliRunner().invoke(cli.main, args, input=stdin)
    finally:
        os.chdir(cwd)


class PubParser(HTMLParser):
    """Collects each publication <li class="pub"> as a dict of its visible parts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pubs: list[dict[str, object]] = []
        self.stack: list[str] = []
        self.cur: dict[str, object] | None = None
        self.part: str | None = None
        self.depth = 0
        self.in_strong = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        cls = (a.get("class") or "").split()
        if tag == "li" and "pub" in cls:
            self.cur = {"id": a.get("id"), "title": "", "authors": "", "legend": "",
                        "venue": "", "links": [], "bold": [], "awards": []}
            self.pubs.append(self.cur)
            self.depth = 0
        if self.cur is None:
            return
        self.depth += 1
        for name in ("title", "authors", "legend", "venue"):
            if f"pub-{name}" in cls:
                self.part = name
        if tag == "a" and "pub-link" in cls:
            links = self.cur["links"]
            assert isinstance(links, list)
            links.append(["", a.get("href")])
            self.part = "link"
        if tag == "strong":
            self.in_strong = True
            bold = self.cur["bold"]
            assert isinstance(bold, list)
            bold.append("")
        if "award" in cls:
            awards = self.cur["awards"]
            assert isinstance(awards, list)
            awards.append("")
            self.part_award = True

    def handle_endtag(self, tag: str) -> None:
        if self.cur is None:
            return
        if tag == "strong":
            self.in_strong = False
        if tag in ("div", "a"):
            self.part = None
        if tag == "span":
            self.part_award = False
        if tag == "li":
            self.cur = None

    def handle_data(self, data: str) -> None:
        if self.cur is None:
            return
        if self.part in ("title", "authors", "legend", "venue"):
            self.cur[self.part] = str(self.cur[self.part]) + data
        if self.part == "link":
            links = self.cur["links"]
            assert isinstance(links, list)
            links[-1][0] += data
        if self.in_strong:
            bold = self.cur["bold"]
            assert isinstance(bold, list)
            bold[-1] += data
        if getattr(self, "part_award", False):
            awards = self.cur["awards"]
            assert isinstance(awards, list)
            awards[-1] += data


def publications(html: str) -> list[dict[str, object]]:
    p = PubParser()
    p.feed(html)
    for pub in p.pubs:
        for k in ("title", "authors", "legend", "venue"):
            pub[k] = re.sub(r"\s+", " ", str(pub[k])).strip()
    return p.pubs
