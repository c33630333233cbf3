"""The project's files that entries link (a paper's PDF, a preview image), copied into
the site at the same path."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from pubsite.errors import EXIT_INPUT, PubsiteError
from pubsite.model.site import Content, Publication, Site
from pubsite.projectfiles import ProjectFile


def linked_files(site: Site, produced: set[str]) -> Iterator[tuple[str, Content]]:
    """The files the links name, for every site format; never over a file pubsite writes
    itself (`produced`: the paths the formats made)."""
    base = os.path.abspath(Path(site.profile.source_file).parent)
    wanted: dict[str, Publication] = {}
    for pub in site.publications:
        for rel in [link.url for link in pub.links if link.local] + \
                ([pub.preview.path] if pub.preview else []):
            wanted.setdefault(rel, pub)
    clashes = [f"{pub.source_file}:{pub.source_line}: {pub.key} links '{rel}'"
               for rel, pub in wanted.items() if rel in produced]
    if clashes:
        raise PubsiteError(
            f"a linked file would be copied to where the site's own page or file goes: "
            f"{'; '.join(clashes[:10])}. Give the linked file another name or folder "
            "(e.g. assets/pdf/paper.pdf)", EXIT_INPUT)
    for rel in wanted:
        # The normaliser kept only files `projectfiles` accepts; the write stage
        # streams each one through it again, never reading a file whole.
        yield rel, ProjectFile(base, rel)
