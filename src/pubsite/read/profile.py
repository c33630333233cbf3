"""profile.toml into the frozen Profile, checked against the schema that model/site.py declares
once (types, defaults, choices, help, how text is checked). Every problem becomes a
Diagnostic naming the key and its line."""

from __future__ import annotations

import bisect
import contextlib
import dataclasses
import datetime as dt
import os
import re
import typing
from collections import Counter
from difflib import get_close_matches
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pubsite import projectfiles
from pubsite.errors import Diagnostic, Diagnostics, Severity
from pubsite.model import urls
from pubsite.model.choices import Check
from pubsite.model.cleantext import strip_invisible
from pubsite.model.site import DEFAULT_MARKS, Mark, Profile
from pubsite.read import mdlinks
from pubsite.read.mojibake import mojibake_fix
from pubsite.read.tomlread import MAX_NESTING, read_toml
from pubsite.rulebook import RuleId


def load(path: Path, diags: Diagnostics, display: str | None = None) -> Profile | None:
    name = display or str(path)
    found = read_toml(path, diags, name)
    if found is None:
        return None
    raw, text = found
    finder = _LineFinder(text)
    if _depth(raw) > MAX_NESTING:
        # Tables and dotted keys together, each within the guard before tomllib.
        line = next((i for i, x in enumerate(finder.lines, 1) if x.count(".") > MAX_NESTING),
                    None)
        diags.error(RuleId.PROFILE_TOO_DEEP, name, line,
                    f"profile nests more than {MAX_NESTING} levels (a dotted key of many "
                    "parts)", "flatten the tables: pubsite's keys nest two levels at most")
        return None
    sink = _Sink(diags, name)
    _check_strings(raw, (), finder, sink)
    reader = _Reader(name, path.parent, finder, sink)
    profile = _defaults(reader.table(Profile, raw, ()), name)
    _no_effect(profile, raw, finder, sink)
    sink.close()
    if not profile.name:
        diags.error(RuleId.PROFILE_MISSING, name, None, "profile has no 'name'",
                    'add a line: name = "Your Name"')
    return profile


def _no_effect(profile: Profile, raw: dict[str, Any], finder: _LineFinder,
               sink: _Sink) -> None:
    """Keys the user set that the keys beside them make inert: said, not silently lost
    (how the email shows is decided in render/view.email_shown)."""
    found: list[tuple[str, str, str]] = []
    if profile.email_mailto and not profile.email:
        found.append(("email_mailto", "email_mailto = true links nothing: no email is set",
                      'add email = "you@example.org", or remove email_mailto'))
    if profile.email and profile.email_display and not profile.email_mailto:
        found.append(("email", f"email '{profile.email}' is not shown: email_display "
                      f"'{profile.email_display}' is shown in its place",
                      "add email_mailto = true to link email_display to it, or remove "
                      "email"))
    if "cv_paper" in raw and not profile.cv:
        found.append(("cv_paper", "cv_paper sets the size of cv.pdf, which is made only "
                      "with cv = true", "add cv = true, or remove cv_paper"))
    for key, message, hint in found:
        sink.warning(RuleId.PROFILE_NO_EFFECT, finder.find((key,)), message, hint)


# Past this many diagnostics of one rule the profile's report says how many more there
# are: a file of 16,000 unknown keys is one mistake (or an attack), and its report stays
# readable; what the rest would cost to spell out (a close match, a line) is never spent.
MAX_PER_RULE = 50


class _Sink:
    """The profile's diagnostics, at most MAX_PER_RULE of each rule, then one line with
    the count of the rest."""

    def __init__(self, diags: Diagnostics, file: str) -> None:
        self.diags, self.file = diags, file
        self.counts: Counter[RuleId] = Counter()
        self.left_out: dict[RuleId, tuple[Severity, int | None]] = {}  # and the first's line

    def full(self, rule: RuleId) -> bool:
        return self.counts[rule] >= MAX_PER_RULE

    def more(self, rule: RuleId, severity: Severity, line: int | None) -> None:
        """One more of `rule`, counted and not spelt out: the rule is full."""
        self.counts[rule] += 1
        self.left_out.setdefault(rule, (severity, line))

    def error(self, rule: RuleId, line: int | None, message: str, hint: str) -> None:
        self.add(Severity.ERROR, rule, line, message, hint)

    def warning(self, rule: RuleId, line: int | None, message: str, hint: str) -> None:
        self.add(Severity.WARNING, rule, line, message, hint)

    def add(self, severity: Severity, rule: RuleId, line: int | None, message: str,
            hint: str) -> None:
        if self.full(rule):
            self.more(rule, severity, line)
            return
        self.counts[rule] += 1
        self.diags.add(Diagnostic(rule, severity, self.file, line, message, hint))

    def close(self) -> None:
        for rule, (severity, line) in self.left_out.items():
            more = self.counts[rule] - MAX_PER_RULE
            self.diags.add(Diagnostic(
                rule, severity, self.file, line,
                f"{more:,} more [{rule}] in the profile from here on, not listed one by one "
                f"(the first {MAX_PER_RULE} are)", "fix the ones listed, then run "
                "`pubsite validate` again to see the rest"))


def _depth(value: Any) -> int:
    """How deep tables and arrays nest, without recursion."""
    best = 0
    todo = [(value, 0)]
    while todo:
        v, depth = todo.pop()
        best = max(best, depth)
        if isinstance(v, dict):
            todo.extend((x, depth + 1) for x in v.values())
        elif isinstance(v, list):
            todo.extend((x, depth + 1) for x in v)
    return best


class _LineFinder:
    """Finds the line of a TOML key path by reading the text (tomllib gives no positions).
    The text is indexed once, so that a lookup is a few dictionary reads: a search of the
    whole text for each diagnostic took 56 s for 16,000 unknown keys."""

    def __init__(self, text: str) -> None:
        self.text = text
        # TOML's lines end at \n alone (splitlines would also split at \x0c or \u2028
        # inside a string, and every later line number would be off).
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines[:-1]:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.headers: dict[str, int] = {}  # [table] or [[table]] -> its first line
        self.keys: dict[tuple[str, str], int] = {}  # (table, key) -> its first line
        current = ""
        for i, line in enumerate(self.lines, 1):
            header = _header(line)
            if header is not None:
                current = header
                self.headers.setdefault(current, i)
                continue
            written, equals, _ = line.partition("=")
            if equals:
                for table, key in _spellings(current, written.strip()):
                    self.keys.setdefault((table, key), i)

    def find(self, path: tuple[str | int, ...]) -> int | None:
        keys = [p for p in path if isinstance(p, str)]
        if not keys:
            return None
        table = ".".join(keys[:-1])
        last = keys[-1]
        found = [self.headers.get(".".join(keys)), self.keys.get((table, last))]
        # A key written under a table that holds the path's table ([a] then b.c = 1).
        found += [self.keys.get((".".join(keys[:i]), last)) for i in range(1, len(keys) - 1)]
        return min((x for x in found if x is not None), default=None)

    def line_at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def _header(line: str) -> str | None:
    """The table a line `[a.b]` or `[[a.b]]` opens, without quotes or blanks. Read with
    str methods: a pattern with two blank runs around a lazy part took 13 s for a line of
    2,000 blanks, each split of the blanks tried in turn."""
    rest = line.lstrip()
    if not rest.startswith("["):
        return None
    rest = rest[2:] if rest.startswith("[[") else rest[1:]
    name, bracket, _ = rest.partition("]")
    if not bracket or not name:
        return None
    return name.replace('"', "").replace(" ", "").strip()


def _spellings(table: str, written: str) -> list[tuple[str, str]]:
    """The keys a line `written = ...` under [table] may be read as: with or without a
    quote on either side, and a dotted key (`owner.name`) under its own table."""
    found = {written}
    if written[:1] in "\"'":
        found.add(written[1:])
    if written[-1:] in "\"'":
        found |= {x[:-1] for x in list(found)}
    pairs = [(table, x) for x in found if x]
    if "." in written and not any(q in written for q in "\"'"):
        parts = [x.strip() for x in written.split(".")]
        pairs.append((".".join(x for x in (table, *parts[:-1]) if x), parts[-1]))
    return pairs


def _check_strings(value: Any, path: tuple[str | int, ...], finder: _LineFinder,
                   sink: _Sink) -> None:
    """Garbled text (mojibake) anywhere in the profile, with the repair as the hint."""
    if isinstance(value, dict):
        for k, v in value.items():
            _check_strings(v, (*path, k), finder, sink)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_strings(v, (*path, i), finder, sink)
    elif isinstance(value, str):
        fixed = mojibake_fix(value)
        if fixed is None:
            return
        if sink.full(RuleId.MOJIBAKE):
            # Where the key is written, not where its text is: that would cost a search.
            sink.more(RuleId.MOJIBAKE, Severity.WARNING, finder.find(path))
            return
        dotted = ".".join(str(p) for p in path)
        line = finder.find(path)
        if line is None or finder.text.find(value[:20], finder.starts[line - 1]) < 0:
            line = _line_of(finder, value) or line
        sink.warning(RuleId.MOJIBAKE, line,
                     f"'{dotted}' looks like garbled text (UTF-8 read in another "
                     "encoding)", f"replace it with: {fixed[:200]}")


def _line_of(finder: _LineFinder, value: str) -> int | None:
    probe = value.strip().split("\n")[0][:30]
    at = finder.text.find(probe) if probe else -1
    return finder.line_at(at) if at >= 0 else None


_TYPE_NAMES = {str: "string", bool: "boolean", int: "integer"}
_BAD = object()


class _Reader:
    """Walks a schema class and the TOML value beside it: unknown keys, wrong types and
    values outside the choices are reported where they are written, and left at their
    defaults."""

    def __init__(self, file: str, root: Path, finder: _LineFinder, sink: _Sink) -> None:
        self.file, self.root, self.finder, self.sink = file, root, finder, sink
        self.urls = _Urls(finder, sink)

    def error(self, rule: RuleId, path: tuple[str | int, ...], message: str, hint: str) -> object:
        self.sink.error(rule, self.finder.find(path), message, hint)
        return _BAD

    def table(self, cls: type[Any], raw: dict[str, Any], path: tuple[str | int, ...],
              **given: Any) -> Any:
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata["internal"]}
        values: dict[str, Any] = {}
        for name, value in raw.items():
            f = fields.get(name)
            if f is None and self.sink.full(RuleId.PROFILE_UNKNOWN_KEY):
                self.sink.more(RuleId.PROFILE_UNKNOWN_KEY, Severity.ERROR,
                               self.finder.find((*path, name)))
                continue
            if f is None:
                close = get_close_matches(name, list(fields), n=1)
                self.error(RuleId.PROFILE_UNKNOWN_KEY, (*path, name),
                           f"unknown key '{_dotted((*path, name))}'",
                           f"did you mean '{close[0]}'?" if close else
                           "remove it; known keys: " + ", ".join(sorted(fields)))
                continue
            found = self.value(hints[name], value, (*path, name), f.metadata)
            if found is not _BAD:
                values[name] = found
        return cls(**given, **values)

    def value(self, tp: Any, raw: Any, path: tuple[str | int, ...],
              meta: typing.Mapping[str, Any]) -> Any:
        if isinstance(tp, type) and dataclasses.is_dataclass(tp):
            if not isinstance(raw, dict):
                return self.error(RuleId.PROFILE_TYPE, path, f"'{_dotted(path)}' must be a table",
                                  f"write it as [{_dotted(path)}]")
            return self.table(tp, raw, path)
        if typing.get_origin(tp) is tuple:
            return self.many(typing.get_args(tp)[0], raw, path, meta)
        return self.scalar(tp, raw, path, meta)

    def many(self, item: Any, raw: Any, path: tuple[str | int, ...],
             meta: typing.Mapping[str, Any]) -> Any:
        dotted = _dotted(path)
        if item is Mark or typing.get_origin(item) is tuple:
            # A table keyed by id (marks) or by name (coauthors = {"Name" = "url"}).
            if not isinstance(raw, dict):
                return self.error(RuleId.PROFILE_TYPE, path, f"'{dotted}' must be a table",
                                  f"write it as [{dotted}]")
            if item is Mark:
                return _merge_marks(self, raw, path)
            pairs = ((k, self.scalar(str, v, (*path, k), meta)) for k, v in raw.items())
            return tuple((k, v) for k, v in pairs if v is not _BAD)
        if not isinstance(raw, list):
            kind = "an array of tables" if dataclasses.is_dataclass(item) else \
                "a list of strings"
            return self.error(RuleId.PROFILE_TYPE, path, f"'{dotted}' must be {kind}",
                              f"write each item as [[{dotted}]]" if kind[3] == "a" else
                              f'write {dotted} = ["...", "..."]')
        limit = meta.get("at_most")
        if limit is not None and len(raw) > limit:
            self.error(RuleId.PROFILE_VALUE, path, f"'{dotted}' lists {len(raw):,} items; the "
                       f"first {limit} are used", f"keep {dotted} to {limit} at most")
            raw = raw[:limit]
        found = [self.value(item, v, (*path, i), meta) for i, v in enumerate(raw)]
        return tuple(v for v in found if v is not _BAD)

    def scalar(self, tp: Any, raw: Any, path: tuple[str | int, ...],
               meta: typing.Mapping[str, Any]) -> Any:
        dotted = _dotted(path)
        if meta["check"] == "date" and isinstance(raw, dt.date):
            raw = raw.isoformat()
        # A Literal type is the setting's choices, declared once (model/site.py).
        allowed = typing.get_args(tp) if typing.get_origin(tp) is Literal else ()
        tp = str if allowed else tp
        if not isinstance(raw, tp) or (tp is int and isinstance(raw, bool)):
            kind = "date or string" if meta["check"] == "date" else _TYPE_NAMES[tp]
            return self.error(RuleId.PROFILE_TYPE, path,
                              f"'{dotted}' must be a {kind}, not {type(raw).__name__}",
                              f"write {dotted} as a {kind} ({meta['help']})")
        if allowed and raw not in allowed:
            choices = ", ".join(allowed)
            return self.error(RuleId.PROFILE_VALUE, path,
                              f"'{dotted}' is '{raw}'; it must be one of: {choices}",
                              f"use one of {choices}")
        if meta["minimum"] is not None and raw < meta["minimum"]:
            return self.error(RuleId.PROFILE_VALUE, path, f"'{dotted}' must be at least "
                              f"{meta['minimum']}", f"{dotted}: {meta['help']}")
        return self.text(strip_invisible(raw), path, meta["check"]) if tp is str else raw

    def text(self, value: str, path: tuple[str | int, ...], check: Check) -> Any:
        if check == "url":
            return self.urls.check(value, path)
        if check == "web":
            return self.urls.check(value, path, urls.WEB)
        if check == "markdown":
            return self.urls.markdown(value, path)
        if check == "photo" and value:
            # A path that leaves the project is never read, even with --keep-going.
            return self.urls.check(value, path, urls.WEB) if _check_path(value, path, self) \
                else ""
        if check == "color" and not re.fullmatch(r"#[0-9a-fA-F]{6}", value):
            return self.error(RuleId.PROFILE_VALUE, path,
                              f"'{_dotted(path)}' is '{value}', not a colour",
                              'write it as "#rrggbb", e.g. "#1f6feb"')
        if check == "base_url" and value and not re.match(r"^https?://", value):
            return self.error(RuleId.PROFILE_VALUE, path,
                              f"base_url '{value}' must start with http:// or https://",
                              'write the address the site is served from, e.g. '
                              '"https://example.org/~me"')
        return value


def _merge_marks(reader: _Reader, raw: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    """Marks the profile defines or changes, over the default ones."""
    marks = {m.id: m for m in DEFAULT_MARKS}
    for mark_id, spec in raw.items():
        if not isinstance(spec, dict):
            reader.error(RuleId.PROFILE_TYPE, (*path, mark_id),
                         f"'{_dotted((*path, mark_id))}' must be a table",
                         f"write it as [marks.{mark_id}] with symbol and legend")
            continue
        base = marks.get(mark_id, Mark(mark_id))
        found = reader.table(Mark, spec, (*path, mark_id), id=mark_id)
        marks[mark_id] = Mark(mark_id, found.symbol or base.symbol or "?",
                              found.legend or base.legend)
    return tuple(marks.values())


def _defaults(p: Profile, file: str) -> Profile:
    """Defaults that depend on other keys."""
    return dataclasses.replace(
        p,
        owner=p.owner if p.owner.name else dataclasses.replace(p.owner, name=p.name),
        title=p.title or p.name,
        photo_alt=p.photo_alt or (f"Photo of {p.name}" if p.name else "Photo"),
        lang=p.lang or "en",
        links=tuple(x for x in p.links if x.url),
        source_file=file,
    )


def _dotted(path: tuple[str | int, ...]) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


class _Urls:
    """Every URL of the profile passes the one allow-list; a refused one is reported and
    left out."""

    def __init__(self, finder: _LineFinder, sink: _Sink) -> None:
        self.finder, self.sink = finder, sink

    def check(self, value: str, path: tuple[str | int, ...],
              allowed: frozenset[str] = urls.WEB_AND_MAIL) -> str:
        if not value:
            return ""
        safe, why = urls.check_url(value, allowed)
        if safe is None:
            dotted = ".".join(str(p) for p in path)
            self.sink.error(RuleId.URL_SCHEME, self.finder.find(path),
                            f"'{dotted}' is refused: {why}",
                            "use an http(s) address; the link is left out")
            return ""
        return safe

    def markdown(self, text: str, path: tuple[str | int, ...]) -> str:
        for url in mdlinks.unsafe(text):
            self.check(url, path)
        return text




def _check_path(value: str, path: tuple[str | int, ...], reader: _Reader) -> bool:
    """Whether a path in the profile stays inside the project (a URL is checked as one)."""
    root, finder, sink = reader.root, reader.finder, reader.sink
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
        return True  # a URL: the URL rule checks it
    p = PurePosixPath(value.replace("\\", "/"))
    inside = not p.is_absolute() and ".." not in p.parts
    if inside:
        with contextlib.suppress(OSError, ValueError):
            inside = (root / p).resolve().is_relative_to(root.resolve())
    if any(part.startswith(".") and part != ".." for part in p.parts):
        # .git/config or .env would be published: hidden paths stay private, as for links.
        sink.error(RuleId.PROFILE_PATH, finder.find(path),
                   f"'{_dotted(path)}' = '{value}' names a hidden file or folder",
                   "use a file that is not hidden, e.g. images/photo.jpg")
        return False
    if not inside:
        sink.error(RuleId.PROFILE_PATH, finder.find(path),
                   f"'{_dotted(path)}' = '{value}' leaves the project folder",
                   "use a path inside the folder of profile.toml, e.g. images/photo.jpg")
        return False
    try:
        projectfiles.stat_inside(root, p, projectfiles.MAX_LINKED_BYTES)
    except projectfiles.Refused as why:
        if not os.path.lexists(root / p):
            sink.warning(RuleId.PROFILE_PATH, finder.find(path),
                         f"'{_dotted(path)}' = '{value}' does not exist",
                         "put the file there or fix the path")
            return True
        # Never copied, even with --keep-going: a symlink out of the project, a FIFO that
        # would hang the build, a device, a file over the cap.
        sink.error(RuleId.PROFILE_PATH, finder.find(path),
                   f"'{_dotted(path)}' = '{value}' {why}; it is left out",
                   "use a regular file inside the folder of profile.toml, at most "
                   f"{projectfiles.MAX_LINKED_BYTES // 2**20} MiB (not a symlink to "
                   "another place)")
        return False
    return True
