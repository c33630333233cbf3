"""Every rule `pubsite validate` can report, declared once: its id, severity, what it
finds and the usual fix. Code names a rule as `RuleId.X`, never by its id as text.
`Diagnostics` refuses an id that is not here, `pubsite validate
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


class RuleId(StrEnum):
    """Every rule id, the one place each is written; code raises `RuleId.X`."""

    ENCODING = "encoding"
    CONTROL_CHARACTER = "control-character"
    BIDI_CHARACTER = "bidi-character"
    PARSE_ERROR = "parse-error"
    UNBALANCED_BRACES = "unbalanced-braces"
    LOST_FIELD = "lost-field"
    STRAY_AT = "stray-at"
    NO_ENTRIES = "no-entries"
    INLINE_COMMENT = "inline-comment"
    DUPLICATE_KEY = "duplicate-key"
    DUPLICATE_KEY_CASE = "duplicate-key-case"
    DUPLICATE_FIELD = "duplicate-field"
    DUPLICATE_STRING = "duplicate-string"
    UNDEFINED_STRING = "undefined-string"
    CONCATENATION = "concatenation"
    EXPANSION_TOO_LARGE = "expansion-too-large"
    CROSSREF_MISSING = "crossref-missing"
    CROSSREF_CYCLE = "crossref-cycle"
    CROSSREF_DEPTH = "crossref-depth"
    MISSING_FIELD = "missing-field"
    UNKNOWN_KIND = "unknown-kind"
    UNKNOWN_STATUS = "unknown-status"
    UNKNOWN_ENTRY_TYPE = "unknown-entry-type"
    UNKNOWN_FIELD = "unknown-field"
    YEAR_FORMAT = "year-format"
    MONTH_FORMAT = "month-format"
    DATE_FORMAT = "date-format"
    DOI_FORMAT = "doi-format"
    ARXIV_FORMAT = "arxiv-format"
    DUPLICATE_WORK = "duplicate-work"
    LATEX_UNKNOWN = "latex-unknown"
    DOUBLE_ESCAPE = "double-escape"
    MOJIBAKE = "mojibake"
    DANGEROUS_LATEX = "dangerous-latex"
    TEMPLATE_SYNTAX = "template-syntax"
    NAME_SYNTAX = "name-syntax"
    OWNER_MISSING = "owner-missing"
    OWNER_NEAR_MISS = "owner-near-miss"
    OWNER_MULTIPLE = "owner-multiple"
    URL_SCHEME = "url-scheme"
    URL_NOT_WEB = "url-not-web"
    LINK_FILE_MISSING = "link-file-missing"
    PREVIEW_MISSING = "preview-missing"
    SCHOLAR_NO_ABSTRACT_OR_PDF = "scholar-no-abstract-or-pdf"
    TEMPLATE_REFUSED = "template-refused"
    PROFILE_UNREADABLE = "profile-unreadable"
    PROFILE_TOO_LARGE = "profile-too-large"
    PROFILE_TOO_DEEP = "profile-too-deep"
    TOML_SYNTAX = "toml-syntax"
    PROFILE_MISSING = "profile-missing"
    PROFILE_UNKNOWN_KEY = "profile-unknown-key"
    PROFILE_TYPE = "profile-type"
    PROFILE_VALUE = "profile-value"
    PROFILE_PATH = "profile-path"
    PROFILE_NO_EFFECT = "profile-no-effect"


@dataclass(frozen=True, slots=True)
class Rule:
    id: RuleId
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
    Rule(RuleId.ENCODING, (Severity.WARNING, Severity.ERROR),
         "an input is not UTF-8: a .bib file is read in the encoding it looks like (a "
         "warning); profile.toml must be UTF-8 (an error)", "convert the file to UTF-8"),
    Rule(RuleId.CONTROL_CHARACTER, _E, "a control character (a NUL byte, one pasted from a PDF) "
         "in the file or a field", "delete it"),
    Rule(RuleId.BIDI_CHARACTER, _E, "an invisible bidirectional control that can reorder the "
         "text shown", "delete it (it is invisible in most editors)"),
    Rule(RuleId.PARSE_ERROR, _E, "a block that cannot be read as BibTeX; it is skipped",
         "check the entry's syntax: @type{key, field = {value}, ...}"),
    Rule(RuleId.UNBALANCED_BRACES, _E, "an entry that is not closed; it is skipped",
         "close every { with a }; an entry must end with } before the next @"),
    Rule(RuleId.LOST_FIELD, _W, "a field outside any entry, ignored",
         "move it inside the entry above (is a closing brace too early, or a comma "
         "missing?)"),
    Rule(RuleId.STRAY_AT, _W, "an @ that starts no entry",
         "delete the '@', or finish the entry as @type{key, field = {value}}"),
    Rule(RuleId.NO_ENTRIES, _W, "a file without a single entry",
         "write each publication as @type{key, field = {value}, ...}"),
    Rule(RuleId.INLINE_COMMENT, _W, "text after a field inside an entry, which BibTeX has no "
         "comments for", "delete the text, or move it into a note field"),
    Rule(RuleId.DUPLICATE_KEY, _W, "two entries with one key; both are kept",
         "give one of the two entries a different key"),
    Rule(RuleId.DUPLICATE_KEY_CASE, _W, "two keys that differ only in case",
         "rename one of them"),
    Rule(RuleId.DUPLICATE_FIELD, _W, "a field given twice in one entry",
         "delete the repeated field"),
    Rule(RuleId.DUPLICATE_STRING, _W, "an @string defined twice; the new value wins",
         "remove one of the definitions"),
    Rule(RuleId.UNDEFINED_STRING, _W, "a value names an @string that is not defined",
         "define it with @string or put the value in braces"),
    Rule(RuleId.CONCATENATION, _W, "parts of a value not joined by #",
         "join the parts with # or put them in one pair of braces"),
    Rule(RuleId.EXPANSION_TOO_LARGE, _E, "@string definitions that grow past the file's budget",
         "check the @string definitions for a chain that doubles itself"),
    Rule(RuleId.CROSSREF_MISSING, _W, "a crossref to an entry that is not in the file",
         "add the cross-referenced entry or remove the crossref field"),
    Rule(RuleId.CROSSREF_CYCLE, _W, "crossrefs that lead back to the entry",
         "remove the crossref that points back"),
    Rule(RuleId.CROSSREF_DEPTH, _W, "a crossref chain longer than 16 entries, cut there",
         "point each entry's crossref at the entry that holds the shared fields"),
    # The entries' fields.
    Rule(RuleId.MISSING_FIELD, _W, "a field the entry type requires is missing",
         "add the field to the entry"),
    Rule(RuleId.UNKNOWN_KIND, _W, "a kind field pubsite does not know: the entry type decides the "
         "kind", "use one of the kinds the message lists"),
    Rule(RuleId.UNKNOWN_STATUS, _W, "a status field pubsite does not know",
         "use one of the statuses the message lists"),
    Rule(RuleId.UNKNOWN_ENTRY_TYPE, _W, "an entry type BibTeX and biblatex do not define",
         "use @misc for other works"),
    Rule(RuleId.UNKNOWN_FIELD, _W, "a field pubsite does not read: a misspelling gets \"did you "
         "mean\" on each entry, any other field once per name with its count",
         "nothing to do if it is yours; fix the spelling if it is a misspelling"),
    Rule(RuleId.YEAR_FORMAT, _W, "a year that is not a number", "write year = {2024}; put 'to "
         "appear' in note or pubstate"),
    Rule(RuleId.MONTH_FORMAT, _W, "a month that is not a month",
         "write month = oct (no braces) or month = {10}"),
    Rule(RuleId.DATE_FORMAT, _W, "a date that is not YYYY, YYYY-MM or YYYY-MM-DD",
         "write date = {2024-05-17} (or 2024-05, or 2024)"),
    Rule(RuleId.DOI_FORMAT, _W, "a DOI that does not look like one",
         "a DOI looks like 10.1145/2901318.2901323 (no https://doi.org/)"),
    Rule(RuleId.ARXIV_FORMAT, _W, "an arXiv id that does not look like one",
         "write arxiv = {2201.12023} or {hep-th/9901001}"),
    Rule(RuleId.DUPLICATE_WORK, _W, "two entries for one work (same DOI, arXiv id, or title, "
         "year and first author)", "keep one entry per work; merge their fields"),
    Rule(RuleId.LATEX_UNKNOWN, _W, "a LaTeX command pubsite does not know: its text is kept; "
         "once per command with a count",
         "write the text without the command if it should look different"),
    Rule(RuleId.DOUBLE_ESCAPE, _W, "escapes written twice (Zotero: \\\\&, $\\\\beta$), read as "
         "the single escape meant; once per file with a count",
         "write one backslash: \\& and $\\beta$"),
    Rule(RuleId.MOJIBAKE, _W, "garbled text (UTF-8 read in another encoding); the repaired text "
         "is the hint", "replace it with the repaired text"),
    Rule(RuleId.DANGEROUS_LATEX, _W, "a TeX primitive that can read or write files when the CV "
         "is compiled", "remove it"),
    Rule(RuleId.TEMPLATE_SYNTAX, _W, "text that Jekyll and Hugo read as template syntax",
         "wrap it in {% raw %}...{% endraw %} where you paste it into such a page"),
    Rule(RuleId.NAME_SYNTAX, _W, "an author list that is not names separated by ' and '",
         "write names as 'First Last' or 'Last, First', separated by ' and '"),
    Rule(RuleId.OWNER_MISSING, _W, "an entry without the owner's name",
         "check the spelling, or add the form used to owner.aliases"),
    Rule(RuleId.OWNER_NEAR_MISS, _W, "a name close to the owner's (reversed, a typo)",
         "write the owner's name as in profile.toml, or add the form to owner.aliases"),
    Rule(RuleId.OWNER_MULTIPLE, _W, "more than one author matches the owner",
         "make the names distinct, or add the exact form to owner.aliases"),
    # Links and files the entries name.
    Rule(RuleId.URL_SCHEME, _E, "a link that would run a script (javascript:, data:); it is "
         "left out", "use an http(s) address"),
    Rule(RuleId.URL_NOT_WEB, _W, "an ftp:, mailto: or file: link in the .bib; it is left out",
         "use an http(s) address"),
    Rule(RuleId.LINK_FILE_MISSING, _W, "a relative link to a file that is not in "
         "publications.files or the project",
         "copy the file into the project (e.g. assets/pdf/) and link it there"),
    Rule(RuleId.PREVIEW_MISSING, _W, "a preview image that is not in the project",
         "put the image in the project folder, or fix the path"),
    Rule(RuleId.SCHOLAR_NO_ABSTRACT_OR_PDF, _W, "a paper page Google Scholar will not index: no "
         "abstract, no PDF, no arXiv id (validate only)",
         "add an abstract field, a pdf field or an arXiv eprint"),
    Rule(RuleId.TEMPLATE_REFUSED, _E, "a file in templates/ a build will not read: a symlink "
         "out of the project, a FIFO, over 1 MiB",
         "replace it with a regular file inside the project, or delete it"),
    # profile.toml.
    Rule(RuleId.PROFILE_UNREADABLE, _E, "profile.toml is not a regular file",
         "pass a profile.toml that is a regular file"),
    Rule(RuleId.PROFILE_TOO_LARGE, _E, "profile.toml is larger than pubsite reads",
         "a profile is a page of text: move long content out of it"),
    Rule(RuleId.PROFILE_TOO_DEEP, _E, "profile.toml nests keys or tables too deeply",
         "flatten the tables: pubsite's keys nest two levels at most"),
    Rule(RuleId.TOML_SYNTAX, _E, "profile.toml is not valid TOML",
         "check quotes, brackets and `key = value` syntax on that line"),
    Rule(RuleId.PROFILE_MISSING, _E, "the profile has no name", 'add a line: name = "Your Name"'),
    Rule(RuleId.PROFILE_UNKNOWN_KEY, _E, "a key pubsite does not know",
         "fix its spelling, or remove it"),
    Rule(RuleId.PROFILE_TYPE, _E, "a value of the wrong type", "write it as the README shows"),
    Rule(RuleId.PROFILE_VALUE, _E, "a value outside its choices or range",
         "use one of the values the README lists"),
    Rule(RuleId.PROFILE_PATH, (Severity.ERROR, Severity.WARNING),
         "a path that is hidden, leaves the project or is not a regular file (an error), or "
         "does not exist (a warning)", "use a regular file inside the folder of profile.toml"),
    Rule(RuleId.PROFILE_NO_EFFECT, _W, "a profile key that is set but changes nothing, "
         "given the keys beside it", "set the key it depends on, or remove it"),
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
