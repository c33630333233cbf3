"""profile.toml into the frozen Profile; every problem becomes a Diagnostic with its line."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from difflib import get_close_matches
from pathlib import Path, PurePosixPath
from typing import Any

from pubsite import urls
from pubsite.cleantext import strip_invisible
from pubsite.errors import Diagnostics
from pubsite.model import (
    Mark,
    NewsItem,
    OwnerSpec,
    Position,
    Profile,
    ProfileLink,
    PublicationSettings,
    Section,
)

# tomllib has no depth or size limits; a profile is a page of text, so anything past this
# is refused before parsing.
MAX_PROFILE_BYTES = 512 * 1024
MAX_NESTING = 32

DEFAULT_MARKS = (
    Mark("equal", "*", "indicates equal contributions"),
    Mark("corresponding", "†", "indicates corresponding author"),
)

_STR = "string"
_BOOL = "boolean"
_INT = "integer"
_DATE = "date or string"
_STRLIST = "list of strings"

SCHEMA: dict[str, Any] = {
    "name": _STR, "title": _STR, "description": _STR, "lang": _STR, "base_url": _STR,
    "email": _STR, "email_display": _STR, "email_mailto": _BOOL,
    "photo": _STR, "photo_alt": _STR, "about": _STR, "news_heading": _STR,
    "positions": [{"title": _STR, "organization": _STR, "url": _STR}],
    "news": [{"date": _DATE, "text": _STR}],
    "sections": [{"title": _STR, "body": _STR}],
    "links": [{"label": _STR, "url": _STR}],
    "owner": {"name": _STR, "aliases": _STRLIST, "match_initials": _BOOL},
    "coauthors": ("map", _STR),
    "marks": ("map", {"symbol": _STR, "legend": _STR}),
    "publications": {
        "heading": _STR, "name_style": _STR, "max_authors": _INT, "group_by": _STR,
        "legend": _STR, "per_paper_pages": _BOOL,
    },
}
CHOICES = {
    ("publications", "name_style"): ("first-last", "initials", "last-first"),
    ("publications", "group_by"): ("none", "year", "type"),
    ("publications", "legend"): ("entry", "list"),
}


def load(path: Path, diags: Diagnostics, display: str | None = None) -> Profile | None:
    name = display or str(path)
    data = path.read_bytes()
    if len(data) > MAX_PROFILE_BYTES:
        diags.error("profile-too-large", name, None,
                    f"profile is {len(data):,} bytes; the limit is {MAX_PROFILE_BYTES:,}",
                    "a profile is a page of text: move long content out of it")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        diags.error("encoding", name, data.count(b"\n", 0, exc.start) + 1,
                    "profile is not UTF-8", "save the file as UTF-8")
        return None
    if _nesting(text) > MAX_NESTING:
        diags.error("profile-too-deep", name, None,
                    f"profile nests more than {MAX_NESTING} levels", "flatten the tables")
        return None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        diags.error("toml-syntax", name, int(m.group(1)) if m else None,
                    f"not valid TOML: {exc}",
                    "check quotes, brackets and `key = value` syntax on that line")
        return None
    finder = _LineFinder(text)
    _check(raw, SCHEMA, (), name, finder, diags)
    _check_strings(raw, (), name, finder, diags)
    return _build(raw, name, path.parent, finder, diags)


def _nesting(text: str) -> int:
    depth = best = 0
    in_str: str | None = None
    for c in text:
        if in_str:
            if c == in_str:
                in_str = None
            continue
        if c in "\"'":
            in_str = c
        elif c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth = max(depth - 1, 0)
    return best


class _LineFinder:
    """Finds the line of a TOML key path by reading the text (tomllib gives no positions)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def find(self, path: tuple[str | int, ...]) -> int | None:
        keys = [p for p in path if isinstance(p, str)]
        if not keys:
            return None
        table = ".".join(keys[:-1])
        last = keys[-1]
        key_re = re.compile(r'^\s*["\']?' + re.escape(last) + r'["\']?\s*=')
        header_re = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
        current = ""
        for i, line in enumerate(self.lines, 1):
            m = header_re.match(line)
            if m:
                current = m.group(1).replace('"', "").replace(" ", "")
                if current == ".".join(keys):
                    return i
                continue
            if key_re.match(line) and (current == table or table.startswith(current + ".")
                                       or (not table and not current)):
                return i
        return None


def _check_strings(value: Any, path: tuple[str | int, ...], file: str, finder: _LineFinder,
                   diags: Diagnostics) -> None:
    """Garbled text (mojibake) anywhere in the profile, with the repair as the hint."""
    from pubsite.text_checks import mojibake_fix

    if isinstance(value, dict):
        for k, v in value.items():
            _check_strings(v, (*path, k), file, finder, diags)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_strings(v, (*path, i), file, finder, diags)
    elif isinstance(value, str):
        fixed = mojibake_fix(value)
        if fixed is not None:
            dotted = ".".join(str(p) for p in path)
            line = finder.find(path)
            if line is None or value[:20] not in "\n".join(finder.lines[line - 1:]):
                line = _line_of(finder, value) or line
            diags.warning("mojibake", file, line,
                          f"'{dotted}' looks like garbled text (UTF-8 read in another "
                          "encoding)", f"replace it with: {fixed[:200]}")


def _line_of(finder: _LineFinder, value: str) -> int | None:
    probe = value.strip().split("\n")[0][:30]
    for i, line in enumerate(finder.lines, 1):
        if probe and probe in line:
            return i
    return None


def _type_ok(value: Any, kind: str) -> bool:
    if kind == _STR:
        return isinstance(value, str)
    if kind == _BOOL:
        return isinstance(value, bool)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _DATE:
        return isinstance(value, str | dt.date)
    if kind == _STRLIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return False


def _check(value: Any, spec: Any, path: tuple[str | int, ...], file: str, finder: _LineFinder,
           diags: Diagnostics) -> None:
    dotted = ".".join(str(p) for p in path if isinstance(p, str)) or "(top level)"
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            diags.error("profile-type", file, finder.find(path),
                        f"'{dotted}' must be a table", f"write it as [{dotted}]")
            return
        for key, sub in value.items():
            if key not in spec:
                close = get_close_matches(key, list(spec), n=1)
                hint = f"did you mean '{close[0]}'?" if close else \
                    "remove it; known keys: " + ", ".join(sorted(spec))
                diags.error("profile-unknown-key", file, finder.find((*path, key)),
                            f"unknown key '{'.'.join([*map(str, path), key]) if path else key}'",
                            hint)
                continue
            _check(sub, spec[key], (*path, key), file, finder, diags)
    elif isinstance(spec, list):
        if not isinstance(value, list):
            diags.error("profile-type", file, finder.find(path),
                        f"'{dotted}' must be an array of tables",
                        f"write each item as [[{dotted}]]")
            return
        for i, item in enumerate(value):
            _check(item, spec[0], (*path, i), file, finder, diags)
    elif isinstance(spec, tuple):
        if not isinstance(value, dict):
            diags.error("profile-type", file, finder.find(path),
                        f"'{dotted}' must be a table", f"write it as [{dotted}]")
            return
        for key, sub in value.items():
            _check(sub, spec[1], (*path, key), file, finder, diags)
    else:
        if not _type_ok(value, spec):
            diags.error("profile-type", file, finder.find(path),
                        f"'{dotted}' must be a {spec}, not {type(value).__name__}",
                        f"write {dotted} as a {spec}")
            return
        choices = CHOICES.get(tuple(p for p in path if isinstance(p, str)))  # type: ignore[arg-type]
        if choices and value not in choices:
            diags.error("profile-value", file, finder.find(path),
                        f"'{dotted}' is '{value}'; it must be one of: {', '.join(choices)}",
                        f"use one of {', '.join(choices)}")


def _s(d: Any, key: str, default: str = "") -> str:
    v = d.get(key, default) if isinstance(d, dict) else default
    return strip_invisible(v) if isinstance(v, str) else default


def _items(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    v = raw.get(key, [])
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


class _Urls:
    """Every URL of the profile passes the one allow-list; a refused one is reported and
    left out."""

    def __init__(self, file: str, finder: _LineFinder, diags: Diagnostics) -> None:
        self.file, self.finder, self.diags = file, finder, diags

    def check(self, value: str, path: tuple[str | int, ...],
              allowed: frozenset[str] = urls.WEB_AND_MAIL) -> str:
        if not value:
            return ""
        safe, why = urls.check_url(value, allowed)
        if safe is None:
            dotted = ".".join(str(p) for p in path)
            self.diags.error("url-scheme", self.file, self.finder.find(path),
                             f"'{dotted}' is refused: {why}",
                             "use an http(s) address; the link is left out")
            return ""
        return safe

    def markdown(self, text: str, path: tuple[str | int, ...]) -> str:
        for m in _MD_LINK.finditer(text):
            self.check(m.group(1) or m.group(2), path)
        return text


_MD_LINK = re.compile(r"\]\(\s*<?([^)\s>]*)>?[^)]*\)|<([a-zA-Z][\w+.\-]*:[^>\s]*)>")


def _build(raw: dict[str, Any], file: str, root: Path, finder: _LineFinder,
           diags: Diagnostics) -> Profile:
    check = _Urls(file, finder, diags)
    name = _s(raw, "name")
    if not name:
        diags.error("profile-missing", file, None, "profile has no 'name'",
                    'add a line: name = "Your Name"')
    owner_raw = raw.get("owner", {}) if isinstance(raw.get("owner"), dict) else {}
    aliases = owner_raw.get("aliases", [])
    if not isinstance(aliases, list):
        aliases = []
    owner = OwnerSpec(
        name=_s(owner_raw, "name") or name,
        aliases=tuple(a for a in aliases if isinstance(a, str)),
        match_initials=owner_raw.get("match_initials") is True,
    )
    marks = {m.id: m for m in DEFAULT_MARKS}
    raw_marks = raw.get("marks", {})
    if isinstance(raw_marks, dict):
        for mark_id, spec in raw_marks.items():
            if isinstance(spec, dict):
                base = marks.get(mark_id)
                marks[mark_id] = Mark(mark_id, _s(spec, "symbol", base.symbol if base else "")
                                      or "?", _s(spec, "legend", base.legend if base else ""))
    pubs_raw = raw.get("publications", {}) if isinstance(raw.get("publications"), dict) else {}
    defaults = PublicationSettings()
    max_authors = pubs_raw.get("max_authors", 0)
    settings = PublicationSettings(
        heading=_s(pubs_raw, "heading", defaults.heading),
        name_style=_choice(pubs_raw, "name_style", defaults.name_style),
        max_authors=max_authors if isinstance(max_authors, int) and max_authors >= 0 else 0,
        group_by=_choice(pubs_raw, "group_by", defaults.group_by),
        legend=_choice(pubs_raw, "legend", defaults.legend),
        per_paper_pages=pubs_raw.get("per_paper_pages", True) is not False,
    )
    photo = _s(raw, "photo")
    if photo:
        _check_path(photo, ("photo",), file, root, finder, diags)
        photo = check.check(photo, ("photo",), urls.WEB)
    coauthors_raw = raw.get("coauthors", {})
    coauthors = tuple((k, check.check(v, ("coauthors", k), urls.WEB))
                      for k, v in coauthors_raw.items() if isinstance(v, str)) \
        if isinstance(coauthors_raw, dict) else ()
    news = []
    for i, item in enumerate(_items(raw, "news")):
        date = item.get("date", "")
        news.append(NewsItem(check.markdown(_s(item, "text"), ("news", i, "text")),
                             date.isoformat() if isinstance(date, dt.date) else str(date)))
    base_url = _s(raw, "base_url")
    if base_url and not re.match(r"^https?://", base_url):
        diags.error("profile-value", file, finder.find(("base_url",)),
                    f"base_url '{base_url}' must start with http:// or https://",
                    'write the address the site is served from, e.g. "https://example.org/~me"')
        base_url = ""
    return Profile(
        name=name,
        owner=owner,
        positions=tuple(Position(_s(p, "title"), _s(p, "organization"),
                                 check.check(_s(p, "url"), ("positions", i, "url")))
                        for i, p in enumerate(_items(raw, "positions"))),
        email=_s(raw, "email"),
        email_display=_s(raw, "email_display"),
        email_mailto=raw.get("email_mailto") is True,
        photo=photo,
        photo_alt=_s(raw, "photo_alt") or (f"Photo of {name}" if name else "Photo"),
        about=check.markdown(_s(raw, "about"), ("about",)),
        news_heading=_s(raw, "news_heading"),
        news=tuple(news),
        sections=tuple(Section(_s(s, "title"),
                               check.markdown(_s(s, "body"), ("sections", i, "body")))
                       for i, s in enumerate(_items(raw, "sections"))),
        links=tuple(ProfileLink(_s(x, "label"), url) for i, x in enumerate(_items(raw, "links"))
                    if (url := check.check(_s(x, "url"), ("links", i, "url")))),
        coauthors=coauthors,
        marks=tuple(marks.values()),
        publications=settings,
        title=_s(raw, "title") or name,
        description=_s(raw, "description"),
        lang=_s(raw, "lang", "en") or "en",
        base_url=base_url,
        source_file=file,
    )


def _choice(d: dict[str, Any], key: str, default: str) -> str:
    v = d.get(key, default)
    return v if isinstance(v, str) and v in CHOICES[("publications", key)] else default


def _check_path(value: str, path: tuple[str, ...], file: str, root: Path, finder: _LineFinder,
                diags: Diagnostics) -> None:
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
        return  # a URL: the URL rule checks it where it is rendered
    p = PurePosixPath(value.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts:
        diags.error("profile-path", file, finder.find(path),
                    f"'{'.'.join(path)}' = '{value}' leaves the project folder",
                    "use a path inside the folder of profile.toml, e.g. images/photo.jpg")
    elif not (root / p).is_file():
        diags.warning("profile-path", file, finder.find(path),
                      f"'{'.'.join(path)}' = '{value}' does not exist",
                      "put the file there or fix the path")
