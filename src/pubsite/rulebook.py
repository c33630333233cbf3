"""Every rule `pubsite validate` can report, declared once: its id, severity, what it
finds and the usual fix. `Diagnostics` refuses an id that is not here, `pubsite validate
--list-rules` prints this table, and tests/test_quality.py holds the README's list and
the code's calls to it. A call site words the message and hint for the case at hand; the
hint here is the general fix that `--list-rules` shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severities: tuple[Severity, ...]  # the usual one first
    doc: str
    hint: str

    @property
    def severity(self) -> Severity:
        return self.severities[0]

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "severity": self.severity.value,
                "severities": [s.value for s in self.severities], "doc": self.doc,
                "hint": self.hint}


_E = (Severity.ERROR,)
_W = (Severity.WARNING,)

_ROWS = (
    # The .bib file as text and its syntax.
    Rule("encoding", (Severity.WARNING, Severity.ERROR),
         "an input is not UTF-8: a .bib file is read in the encoding it looks like (a "
         "warning); profile.toml must be UTF-8 (an error)", "convert the file to UTF-8"),
    Rule("control-character", _E, "a control character (a NUL byte, one pasted from a PDF) "
         "in the file or a field", "delete it"),
    Rule("bidi-character", _E, "an invisible bidirectional control that can reorder the "
         "text shown", "delete it (it is invisible in most editors)"),
    Rule("parse-error", _E, "a block that cannot be read as BibTeX; it is skipped",
         "check the entry's syntax: @type{key, field = {value}, ...}"),
    Rule("unbalanced-braces", _E, "an entry that is not closed; it is skipped",
         "close every { with a }; an entry must end with } before the next @"),
    Rule("lost-field", _W, "a field outside any entry, ignored",
         "move it inside the entry above (is a closing brace too early, or a comma "
         "missing?)"),
    Rule("stray-at", _W, "an @ that starts no entry",
         "delete the '@', or finish the entry as @type{key, field = {value}}"),
    Rule("no-entries", _W, "a file without a single entry",
         "write each publication as @type{key, field = {value}, ...}"),
    Rule("inline-comment", _W, "text after a field inside an entry, which BibTeX has no "
         "comments for", "delete the text, or move it into a note field"),
    Rule("duplicate-key", _W, "two entries with one key; both are kept",
         "give one of the two entries a different key"),
    Rule("duplicate-key-case", _W, "two keys that differ only in case",
         "rename one of them"),
    Rule("duplicate-field", _W, "a field given twice in one entry",
         "delete the repeated field"),
    Rule("duplicate-string", _W, "an @string defined twice; the new value wins",
         "remove one of the definitions"),
    Rule("undefined-string", _W, "a value names an @string that is not defined",
         "define it with @string or put the value in braces"),
    Rule("concatenation", _W, "parts of a value not joined by #",
         "join the parts with # or put them in one pair of braces"),
    Rule("expansion-too-large", _E, "@string definitions that grow past the file's budget",
         "check the @string definitions for a chain that doubles itself"),
    Rule("crossref-missing", _W, "a crossref to an entry that is not in the file",
         "add the cross-referenced entry or remove the crossref field"),
    Rule("crossref-cycle", _W, "crossrefs that lead back to the entry",
         "remove the crossref that points back"),
    Rule("crossref-depth", _W, "a crossref chain longer than 16 entries, cut there",
         "point each entry's crossref at the entry that holds the shared fields"),
    # The entries' fields.
    Rule("missing-field", _W, "a field the entry type requires is missing",
         "add the field to the entry"),
    Rule("unknown-kind", _W, "a kind field pubsite does not know: the entry type decides the "
         "kind", "use one of the kinds the message lists"),
    Rule("unknown-status", _W, "a status field pubsite does not know",
         "use one of the statuses the message lists"),
    Rule("unknown-entry-type", _W, "an entry type BibTeX and biblatex do not define",
         "use @misc for other works"),
    Rule("unknown-field", _W, "a field pubsite does not read: a misspelling gets \"did you "
         "mean\" on each entry, any other field once per name with its count",
         "nothing to do if it is yours; fix the spelling if it is a misspelling"),
    Rule("year-format", _W, "a year that is not a number", "write year = {2024}; put 'to "
         "appear' in note or pubstate"),
    Rule("month-format", _W, "a month that is not a month",
         "write month = oct (no braces) or month = {10}"),
    Rule("date-format", _W, "a date that is not YYYY, YYYY-MM or YYYY-MM-DD",
         "write date = {2024-05-17} (or 2024-05, or 2024)"),
    Rule("doi-format", _W, "a DOI that does not look like one",
         "a DOI looks like 10.1145/2901318.2901323 (no https://doi.org/)"),
    Rule("arxiv-format", _W, "an arXiv id that does not look like one",
         "write arxiv = {2201.12023} or {hep-th/9901001}"),
    Rule("duplicate-work", _W, "two entries for one work (same DOI, arXiv id, or title, "
         "year and first author)", "keep one entry per work; merge their fields"),
    Rule("latex-unknown", _W, "a LaTeX command pubsite does not know: its text is kept; "
         "once per command with a count",
         "write the text without the command if it should look different"),
    Rule("mojibake", _W, "garbled text (UTF-8 read in another encoding); the repaired text "
         "is the hint", "replace it with the repaired text"),
    Rule("dangerous-latex", _W, "a TeX primitive that can read or write files when the CV "
         "is compiled", "remove it"),
    Rule("template-syntax", _W, "text that Jekyll and Hugo read as template syntax",
         "wrap it in {% raw %}...{% endraw %} where you paste it into such a page"),
    Rule("name-syntax", _W, "an author list that is not names separated by ' and '",
         "write names as 'First Last' or 'Last, First', separated by ' and '"),
    Rule("owner-missing", _W, "an entry without the owner's name",
         "check the spelling, or add the form used to owner.aliases"),
    Rule("owner-near-miss", _W, "a name close to the owner's (reversed, a typo)",
         "write the owner's name as in profile.toml, or add the form to owner.aliases"),
    Rule("owner-multiple", _W, "more than one author matches the owner",
         "make the names distinct, or add the exact form to owner.aliases"),
    # Links and files the entries name.
    Rule("url-scheme", _E, "a link that would run a script (javascript:, data:); it is "
         "left out", "use an http(s) address"),
    Rule("url-not-web", _W, "an ftp:, mailto: or file: link in the .bib; it is left out",
         "use an http(s) address"),
    Rule("link-file-missing", _W, "a relative link to a file that is not in "
         "publications.files or the project",
         "copy the file into the project (e.g. assets/pdf/) and link it there"),
    Rule("preview-missing", _W, "a preview image that is not in the project",
         "put the image in the project folder, or fix the path"),
    Rule("scholar-no-abstract-or-pdf", _W, "a paper page Google Scholar will not index: no "
         "abstract, no PDF, no arXiv id (validate only)",
         "add an abstract field, a pdf field or an arXiv eprint"),
    Rule("template-refused", _E, "a file in templates/ a build will not read: a symlink "
         "out of the project, a FIFO, over 1 MiB",
         "replace it with a regular file inside the project, or delete it"),
    # profile.toml.
    Rule("profile-unreadable", _E, "profile.toml is not a regular file",
         "pass a profile.toml that is a regular file"),
    Rule("profile-too-large", _E, "profile.toml is larger than pubsite reads",
         "a profile is a page of text: move long content out of it"),
    Rule("profile-too-deep", _E, "profile.toml nests keys or tables too deeply",
         "flatten the tables: pubsite's keys nest two levels at most"),
    Rule("toml-syntax", _E, "profile.toml is not valid TOML",
         "check quotes, brackets and `key = value` syntax on that line"),
    Rule("profile-missing", _E, "the profile has no name", 'add a line: name = "Your Name"'),
    Rule("profile-unknown-key", _E, "a key pubsite does not know",
         "fix its spelling, or remove it"),
    Rule("profile-type", _E, "a value of the wrong type", "write it as the README shows"),
    Rule("profile-value", _E, "a value outside its choices or range",
         "use one of the values the README lists"),
    Rule("profile-path", (Severity.ERROR, Severity.WARNING),
         "a path that is hidden, leaves the project or is not a regular file (an error), or "
         "does not exist (a warning)", "use a regular file inside the folder of profile.toml"),
)

RULES: dict[str, Rule] = {rule.id: rule for rule in _ROWS}
if len(RULES) != len(_ROWS):  # pragma: no cover  (a row written twice)
    raise RuntimeError("a rule id is declared twice in pubsite.rulebook")


def check(rule: str, severity: Severity) -> None:
    """Refuse a rule id the table does not declare, or a severity it does not give: a
    programming error, raised where the diagnostic is made."""
    found = RULES.get(rule)
    if found is None:
        raise ValueError(f"rule {rule!r} is not declared in pubsite.rulebook.RULES")
    if severity not in found.severities:
        raise ValueError(f"rule {rule!r} is declared as {'/'.join(found.severities)}, "
                         f"not {severity.value}")
