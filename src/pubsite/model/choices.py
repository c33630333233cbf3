"""What a work is, and the values a profile setting or a CLI option may take: the CLI
builds its options from them, so they stand apart from the model's classes, which a
command that builds nothing (a no-op build, --help) never loads."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class Kind(StrEnum):
    """What a work is, for grouping, filtering and the CV's numbering. A StrEnum: its
    values are the strings a .bib's `kind` field, `--type` and templates use."""
    JOURNAL = "journal"
    CONFERENCE = "conference"
    PREPRINT = "preprint"
    THESIS = "thesis"
    BOOK = "book"
    CHAPTER = "chapter"
    REPORT = "report"
    PROCEEDINGS = "proceedings"
    PATENT = "patent"
    OTHER = "other"


# The values a profile setting or a CLI option may take, each written once: the profile
# check reads a setting's choices from its Literal (read/profile.py), and the CLI's
# click.Choice from the same Literal (typing.get_args); mypy holds the code to them.
NameStyle = Literal["first-last", "initials", "last-first"]
GroupBy = Literal["none", "year", "type"]
Legend = Literal["entry", "list"]
Front = Literal["all", "selected"]
CitationService = Literal["off", "openalex", "semantic-scholar"]
PaperSize = Literal["letter", "a4"]
# The options of `pubsite export` (render/registry.Layout, export.Selection).
SortOrder = Literal["newest", "oldest"]
Numbering = Literal["none", "plain", "reverse", "type"]  # plain 1..n, reverse n..1, J3/C2
ReferenceStyle = Literal["full", "short"]  # the CV's full reference, or venue and year
# How a profile key's text is checked (read/profile.py's `_Reader.text`): "" not at all.
Check = Literal["", "url", "web", "markdown", "photo", "date", "color", "base_url"]
