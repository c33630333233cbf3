"""What the user asked `pubsite add` for: a DOI, an arXiv id, a DBLP record, or BibTeX on
stdin, told apart by their shapes (the identifier readers of `model/identifiers`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from pubsite.errors import EXIT_USAGE, PubsiteError
from pubsite.model import identifiers


class Kind(StrEnum):
    DOI = "doi"
    ARXIV = "arxiv"
    DBLP = "dblp"
    STDIN = "stdin"


@dataclass(frozen=True, slots=True)
class Source:
    kind: Kind
    ident: str  # the bare DOI, arXiv id (no version) or DBLP key; "" for stdin


# The forms the help and the refusal list: one line each.
FORMS = (
    "a DOI: 10.1145/3600006.3613165 or https://doi.org/10.1145/3600006.3613165",
    "an arXiv id: arXiv:2201.12023, 2201.12023v2, hep-th/9901001 or an arxiv.org URL",
    "a DBLP record: https://dblp.org/rec/conf/osdi/ZhengLZZCHWXZXG22 or "
    "DBLP:conf/osdi/ZhengLZZCHWXZXG22",
    "-: one BibTeX entry on stdin (Google Scholar, ACM, IEEE, any site's Cite button)",
)
_DBLP = re.compile(r"^(?:https?://(?:www\.)?dblp\.(?:org|uni-trier\.de)/rec/(?:bibtex/)?|"
                   r"DBLP:)((?:[\w\-]+/)+[\w\-.]+?)(?:\.(?:bib|html|xml))?$", re.I)
_VERSION = re.compile(r"v\d+$")


def detect(arg: str) -> Source:
    """The source `arg` names; a usage error naming the accepted forms otherwise."""
    text = arg.strip()
    if text == "-":
        return Source(Kind.STDIN, "")
    dblp = _DBLP.match(text)
    if dblp:
        return Source(Kind.DBLP, dblp.group(1))
    if identifiers.is_arxiv(text) and not identifiers.is_doi(text):
        return Source(Kind.ARXIV, _VERSION.sub("", identifiers.arxiv(text)))
    if identifiers.is_doi(text):
        return Source(Kind.DOI, identifiers.doi(text))
    raise PubsiteError(f"{arg!r} is no DOI, arXiv id or DBLP record. pubsite add takes "
                       + "; ".join(FORMS), EXIT_USAGE)
