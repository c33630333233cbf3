"""One clean entry in the file's own style: its key pattern, its way of writing names,
its indentation; the title's acronyms and proper names braced, the month as its macro,
DOI and arXiv id as plain fields (never a URL beside them), the venue's short form, and
none of the fields exports carry that a homepage has no use for."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from pubsite.add.metadata import Found, Person
from pubsite.model import identifiers
from pubsite.read import latex, names
from pubsite.read.bib import RawEntry


@dataclass(frozen=True, slots=True)
class Style:
    key: str = "lastyearword"  # one of KEY_STYLES
    comma_names: bool = False  # "Last, First" rather than "First Last"
    indent: str = "  "
    align: bool = True  # names padded so that the `=` line up
    short_field: str = "venue"  # where the venue's short form goes (al-folio: abbr)
    key_names: int = 2  # family names in a family_family_year key, at most


# Key patterns as files write them, each recognised by its shape.
KEY_STYLES = {
    "lastyearword": re.compile(r"^[a-z]+\d{4}[a-z]+$"),  # zheng2022alpa (Google Scholar)
    "lastyear": re.compile(r"^[a-z]+\d{4}[a-z]?$"),  # zheng2022
    "LastYear": re.compile(r"^[A-Z][A-Za-z]+\d{4}[a-z]?$"),  # Zheng2022
    "Last:year": re.compile(r"^[A-Z][A-Za-z]+:\d{4}[a-z]?$"),  # Zheng:2022
    # BibDesk's %a1%Y%u2 and %a1:%Y%u2: two letters made unique, "aa" first
    "LastYearaa": re.compile(r"^[A-Z][A-Za-z\-]*\d{4}[a-z]{2}$"),  # Groth2009aa
    "Last:Yearaa": re.compile(r"^[A-Z][A-Za-z\-]*:\d{4}[a-z]{2}$"),  # Groth:2009aa
    # Hugo Blox: the authors' family names, lowercase, then the year, by underscores
    "last_last_year": re.compile(r"^[a-z][a-z\-]*(?:_[a-z][a-z\-]*)*_\d{4}[a-z]?$"),
}
_FIELD_LINE = re.compile(r"^([ \t]+)[A-Za-z][\w\-]*( *)=", re.M)


def read_style(entries: list[RawEntry], text: str) -> Style:
    """The style most of the file's entries follow; the default example's where none."""
    keys = Counter(name for e in entries for name, shape in KEY_STYLES.items()
                   if shape.match(e.key))
    authors = [a for e in entries for a in _authors(e)]
    commas = sum("," in a for a in authors)
    lines = _FIELD_LINE.findall(text)
    indents = Counter(indent for indent, _ in lines)
    short = Counter(f for e in entries for f in ("venue", "abbr") if f in e.fields)
    key = keys.most_common(1)[0][0] if keys else "lastyearword"
    return Style(key=key,
                 comma_names=bool(authors) and commas * 2 > len(authors),
                 indent=indents.most_common(1)[0][0] if indents else "  ",
                 align=any(len(spaces) > 1 for _, spaces in lines) if lines else True,
                 short_field=short.most_common(1)[0][0] if short else "venue",
                 key_names=max((e.key.count("_") for e in entries
                                if KEY_STYLES["last_last_year"].match(e.key)), default=2))


def _authors(e: RawEntry) -> list[str]:
    return names.split_authors(e.fields.get("author", ""))


@dataclass(frozen=True, slots=True)
class Entry:
    entry_type: str
    key: str
    fields: tuple[tuple[str, str], ...]  # author first among them; values as BibTeX source

    def get(self, name: str) -> str:
        return next((v for k, v in self.fields if k == name), "")


NOISE = frozenset({"timestamp", "biburl", "bibsource", "acmid", "numpages", "keywords",
                   "location", "issue_date", "isbn", "issn", "eprinttype", "archiveprefix",
                   "primaryclass", "eprint", "arxiv-id", "organization", "language",
                   "article-number", "articleno", "copyright", "note_"})
ORDER = ("title", "author", "journal", "booktitle", "venue", "abbr", "year", "month",
         "volume", "number", "pages", "publisher", "address", "series", "school",
         "institution", "doi", "arxiv", "url")


def clean(found: Found, style: Style, taken: Iterable[str]) -> Entry:
    """The entry to write: fields tidied, the key made in the file's style."""
    fields = {k.lower(): v for k, v in found.fields}
    entry_type = _identifiers(fields, found.entry_type.lower())
    for name in NOISE & fields.keys():
        del fields[name]
    _short_venue(fields, style.short_field)
    if fields.get("pages"):
        fields["pages"] = re.sub(r"(?<=\w)\s*(?:-|\u2013|\u2014)\s*(?=\w)", "--",
                                 fields["pages"])
    if fields.get("month"):
        fields["month"] = identifiers.month_expression(latex.decode(fields["month"]))
    if fields.get("title"):
        fields["title"] = brace_title(fields["title"])
    author = " and ".join(person_source(p, style.comma_names) for p in found.authors)
    fields["author"] = author
    ordered = sorted((item for item in fields.items() if item[1]),
                     key=lambda kv: ORDER.index(kv[0]) if kv[0] in ORDER else len(ORDER))
    key = make_key(style, found.authors, fields.get("year", ""),
                   fields.get("title", ""), set(taken))
    return Entry(entry_type, key, tuple(ordered))


def _identifiers(fields: dict[str, str], entry_type: str) -> str:
    """DOI bare (also from a doi.org `url`, which is then dropped); the arXiv id as
    `arxiv` from wherever the export put it (eprint, DBLP's CoRR volume, Scholar's "arXiv
    preprint arXiv:..." journal); a URL that only repeats one of them dropped. A
    preprint's entry type becomes misc."""
    if fields.get("doi"):
        fields["doi"] = identifiers.doi_field(fields["doi"])
    elif identifiers.doi_in_url(fields.get("url", "")):
        fields["doi"] = identifiers.doi_in_url(fields.pop("url"))
    ident = identifiers.arxiv_field(fields)
    journal = fields.get("journal", "")
    if journal == "CoRR" and fields.get("volume", "").startswith("abs/"):
        ident = ident or fields.pop("volume")[4:]
        fields.pop("journal")
        entry_type = "misc"
    elif identifiers.journal_arxiv(journal):  # its id is `ident` unless another field's
        fields.pop("journal")
        entry_type = "misc"
    if ident:
        fields["arxiv"] = re.sub(r"v\d+$", "", ident)
    url = fields.get("url", "")
    doi = fields.get("doi", "").lower()
    if url and ((doi and url.lower().rstrip("/").endswith(doi)) or
                (ident and identifiers.is_arxiv(url) and identifiers.arxiv(url).startswith(
                    fields["arxiv"]))):
        del fields["url"]
    return entry_type


_SERIES = re.compile(r"^([A-Za-z][\w\-]*[A-Za-z])\s*['\u2019]\s*\d{2}$")  # ACM's "UIST '11"
_TRAILING = re.compile(r"\(([A-Z][A-Za-z\-]*[A-Z])(?:[ '\u2019]*\d{2,4})?\)\s*$")  # "(ICWR)"


def _short_venue(fields: dict[str, str], name: str) -> None:
    """The venue's short form into `name`: what the metadata gave (Crossref's short title,
    ACM's series, a booktitle's parenthesised acronym); never made up."""
    short = fields.pop("venue", "") or fields.pop("abbr", "")
    series = _SERIES.match(fields.get("series", ""))
    if series:
        fields.pop("series")
        short = short or series.group(1)
    container = fields.get("booktitle", "") or fields.get("journal", "")
    trailing = _TRAILING.search(container)
    if trailing and not short:
        short = trailing.group(1)
    if short and latex.decode(short).casefold() != latex.decode(container).casefold():
        fields[name] = short


def person_source(p: Person, comma: bool) -> str:
    """A name as BibTeX reads it back into the same parts, in the file's order."""
    if not p.given:
        return p.family
    if comma or p.jr:
        return ", ".join(x for x in (p.family, p.jr, p.given) if x)
    family = p.family
    if " " in family and family[0].isupper() and not family.startswith("{"):
        family = "{" + family + "}"  # "Del Maestro" is one family name, not a middle name
    return f"{p.given} {family}"


_WORD = re.compile(r"^([^\w{\\]*)(.*?)([^\w}]*)$")
_SMALL = frozenset("a an and as at but by for from in into nor of on or per the to via vs "
                   "with".split())


def brace_title(title: str) -> str:
    """Braces around what a style must not lowercase: acronyms and words with capitals
    inside (HERA, MPCFormer, H1), and in a sentence-case title the capitalised words after
    the first (proper names: Monte Carlo). A title that braces already is left as it is."""
    if "{" in title or "$" in title:
        return title
    words = title.split(" ")
    # Words that keep their case anyway (PyTorch) say nothing of how the title is written.
    later = [w for w in words[1:] if w[:1].isalpha() and w.lower() not in _SMALL
             and not _keeps_case(w, False)]
    sentence_case = sum(w[0].isupper() for w in later) * 2 < len(later)
    out: list[str] = []
    for i, word in enumerate(words):
        lead, core, tail = _WORD.match(word).groups()  # type: ignore[union-attr]
        # The first word, and the first after a colon ("BERT: Pre-training of ..."), is
        # capitalised by the sentence, not because it is a name.
        starts = i == 0 or words[i - 1].endswith((":", "?", "!", "."))
        if core and _keeps_case(core, not starts and sentence_case):
            if out and out[-1].endswith("}") and not lead:
                out[-1] = out[-1][:-1] + " " + core + "}" + tail  # {Monte Carlo}
                continue
            word = f"{lead}{{{core}}}{tail}"
        out.append(word)
    return " ".join(out)


def _keeps_case(core: str, proper: bool) -> bool:
    """Two capitals (HERA, PyTorch), a capital after the first letter (iPhone, eBPF), or a
    capital beside a digit (H1) in a part of the word; or a name (`proper`)."""
    parts = [p for p in re.split(r"[\-/]", core) if p]
    inner = any(sum(c.isupper() for c in p) >= 2 or any(c.isupper() for c in p[1:]) or
                (any(c.isupper() for c in p) and any(c.isdigit() for c in p)) for p in parts)
    return inner or (proper and core[0].isupper())


_STOP = _SMALL | {"on", "towards", "toward", "is", "are", "do", "does", "how", "what", "why",
                  "when", "we", "our", "your", "its"}


def make_key(style: Style, people: tuple[Person, ...], year: str, title: str,
             taken: set[str]) -> str:
    """The key in `style.key` (see KEY_STYLES), made unique as that style does: BibDesk's
    two letters counted on from "aa", the others with b, c, ... added when it is taken."""
    last = _ascii(latex.decode(people[0].family)) if people else "anon"
    word = next((w for w in (_ascii(latex.decode(t)).lower() for t in title.split())
                 if w and w not in _STOP), "")
    families = [_hugo(p.family) for p in people[:style.key_names]] or ["anon"]
    base = {"lastyearword": f"{last.lower()}{year}{word}", "lastyear": f"{last.lower()}{year}",
            "LastYear": f"{last[:1].upper()}{last[1:]}{year}",
            "Last:year": f"{last[:1].upper()}{last[1:]}:{year}",
            "LastYearaa": f"{last[:1].upper()}{last[1:]}{year}",
            "Last:Yearaa": f"{last[:1].upper()}{last[1:]}:{year}",
            "last_last_year": "_".join([*families, year])}[style.key]
    folded = {k.casefold() for k in taken}
    if style.key in ("LastYearaa", "Last:Yearaa"):
        return next((base + a + b for a in _LETTERS for b in _LETTERS
                     if (base + a + b).casefold() not in folded), base + "zz")
    key, n = base, 0
    while key.casefold() in folded:
        n += 1
        key = base + _LETTERS[1:][min(n, 25) - 1] * (1 + n // 25)
    return key


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _hugo(family: str) -> str:
    """A family name as Hugo Blox's keys write it: lowercase ASCII, its parts joined by
    hyphens (Meyer-Gohde: meyer-gohde, Del Maestro: del-maestro)."""
    words = (_ascii(w).lower() for w in re.split(r"[\s\-~]+", latex.decode(family)))
    return "-".join(w for w in words if w) or "anon"


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", plain)


def render(entry: Entry, style: Style, newline: str = "\n") -> str:
    """The entry as BibTeX source, without a trailing newline."""
    width = max((len(k) for k, _ in entry.fields), default=0) if style.align else 0
    lines = [f"@{entry.entry_type}{{{entry.key},"]
    for name, value in entry.fields:
        written = value if name == "month" and "{" not in value else "{" + value + "}"
        lines.append(f"{style.indent}{name.ljust(width)} = {written},")
    lines.append("}")
    return newline.join(lines)
