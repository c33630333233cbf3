"""Checks on the raw entries that are not part of reading them: required fields, formats.

Both `validate` and `build` run them, through the same pipeline.
"""

from __future__ import annotations

from pubsite.bib import BibData
from pubsite.errors import Diagnostics

REQUIRED = {
    "article": (("author",), ("title",), ("journal", "journaltitle"), ("year", "date")),
    "inproceedings": (("author",), ("title",), ("booktitle", "venue"), ("year", "date")),
    "conference": (("author",), ("title",), ("booktitle", "venue"), ("year", "date")),
    "book": (("author", "editor"), ("title",), ("publisher",), ("year", "date")),
    "incollection": (("author",), ("title",), ("booktitle",), ("publisher",), ("year", "date")),
    "inbook": (("author", "editor"), ("title",), ("chapter", "pages"), ("publisher",),
               ("year", "date")),
    "phdthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "mastersthesis": (("author",), ("title",), ("school", "institution"), ("year", "date")),
    "techreport": (("author",), ("title",), ("institution",), ("year", "date")),
    "misc": (("title",),),
    "unpublished": (("author",), ("title",), ("note",)),
}


def check_bib(data: BibData, diags: Diagnostics) -> None:
    for e in data.entries:
        required = REQUIRED.get(e.entry_type, (("title",),))
        for options in required:
            if not any(e.fields.get(f, "").strip() for f in options):
                diags.warning("missing-field", e.file, e.line,
                         f"@{e.entry_type}{{{e.key}}} has no {' or '.join(options)}",
                         f"add {options[0]} = {{...}} to the entry", key=e.key)
