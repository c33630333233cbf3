"""profile.toml into the frozen Profile, checked against the schema that model.py declares
once (types, defaults, choices, help, how text is checked). Every problem becomes a
Diagnostic naming the key and its line."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import os
import re
import typing
from difflib import get_close_matches
from pathlib import Path, PurePosixPath
from typing import Any

from pubsite import mdlinks, projectfiles, urls
from pubsite.cleantext import strip_invisible
from pubsite.errors import Diagnostics
from pubsite.model import DEFAULT_MARKS, Mark, Profile
from pubsite.text_checks import mojibake_fix
from pubsite.tomlread import MAX_NESTING, read_toml


def load(path: Path, diags: Diagnostics, display: str | None = None) -> Profile | None:
    name = display or str(path)
    found = read_toml(path, diags, name)
    if found is None:
        return None
    raw, text = found
    finder = _LineFinder(text)
    if _depth(raw) > MAX_NESTING:
        line = next((i for i, x in enumerate(finder.lines, 1) if x.count(".") > MAX_NESTING),
                    None)
        diags.error("profile-too-deep", name, line,
                    f"profile nests more than {MAX_NESTING} levels (a dotted key of many "
                    "parts)", "flatten the tables: pubsite's keys nest two levels at most")
        return None
    _check_strings(raw, (), name, finder, diags)
    reader = _Reader(name, path.parent, finder, diags)
    profile = _defaults(reader.table(Profile, raw, ()), name)
    if not profile.name:
        diags.error("profile-missing", name, None, "profile has no 'name'",
                    'add a line: name = "Your Name"')
    return profile


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


_TYPE_NAMES = {str: "string", bool: "boolean", int: "integer"}
_BAD = object()


class _Reader:
    """Walks a schema class and the TOML value beside it: unknown keys, wrong types and
    values outside the choices are reported where they are written, and left at their
    defaults."""

    def __init__(self, file: str, root: Path, finder: _LineFinder, diags: Diagnostics) -> None:
        self.file, self.root, self.finder, self.diags = file, root, finder, diags
        self.urls = _Urls(file, finder, diags)

    def error(self, rule: str, path: tuple[str | int, ...], message: str, hint: str) -> object:
        self.diags.error(rule, self.file, self.finder.find(path), message, hint)
        return _BAD

    def table(self, cls: type[Any], raw: dict[str, Any], path: tuple[str | int, ...],
              **given: Any) -> Any:
        hints = typing.get_type_hints(cls)
        fields = {f.name: f for f in dataclasses.fields(cls) if not f.metadata["internal"]}
        values: dict[str, Any] = {}
        for name, value in raw.items():
            f = fields.get(name)
            if f is None:
                close = get_close_matches(name, list(fields), n=1)
                self.error("profile-unknown-key", (*path, name),
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
                return self.error("profile-type", path, f"'{_dotted(path)}' must be a table",
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
                return self.error("profile-type", path, f"'{dotted}' must be a table",
                                  f"write it as [{dotted}]")
            if item is Mark:
                return _merge_marks(self, raw, path)
            pairs = ((k, self.scalar(str, v, (*path, k), meta)) for k, v in raw.items())
            return tuple((k, v) for k, v in pairs if v is not _BAD)
        if not isinstance(raw, list):
            kind = "an array of tables" if dataclasses.is_dataclass(item) else \
                "a list of strings"
            return self.error("profile-type", path, f"'{dotted}' must be {kind}",
                              f"write each item as [[{dotted}]]" if kind[3] == "a" else
                              f'write {dotted} = ["...", "..."]')
        found = [self.value(item, v, (*path, i), meta) for i, v in enumerate(raw)]
        return tuple(v for v in found if v is not _BAD)

    def scalar(self, tp: Any, raw: Any, path: tuple[str | int, ...],
               meta: typing.Mapping[str, Any]) -> Any:
        dotted = _dotted(path)
        if meta["check"] == "date" and isinstance(raw, dt.date):
            raw = raw.isoformat()
        if not isinstance(raw, tp) or (tp is int and isinstance(raw, bool)):
            kind = "date or string" if meta["check"] == "date" else _TYPE_NAMES[tp]
            return self.error("profile-type", path,
                              f"'{dotted}' must be a {kind}, not {type(raw).__name__}",
                              f"write {dotted} as a {kind} ({meta['help']})")
        if meta["choices"] and raw not in meta["choices"]:
            choices = ", ".join(meta["choices"])
            return self.error("profile-value", path,
                              f"'{dotted}' is '{raw}'; it must be one of: {choices}",
                              f"use one of {choices}")
        if meta["minimum"] is not None and raw < meta["minimum"]:
            return self.error("profile-value", path, f"'{dotted}' must be at least "
                              f"{meta['minimum']}", f"{dotted}: {meta['help']}")
        return self.text(strip_invisible(raw), path, meta["check"]) if tp is str else raw

    def text(self, value: str, path: tuple[str | int, ...], check: str) -> Any:
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
            return self.error("profile-value", path,
                              f"'{_dotted(path)}' is '{value}', not a colour",
                              'write it as "#rrggbb", e.g. "#1f6feb"')
        if check == "base_url" and value and not re.match(r"^https?://", value):
            return self.error("profile-value", path,
                              f"base_url '{value}' must start with http:// or https://",
                              'write the address the site is served from, e.g. '
                              '"https://example.org/~me"')
        return value


def _merge_marks(reader: _Reader, raw: dict[str, Any], path: tuple[str | int, ...]) -> Any:
    """Marks the profile defines or changes, over the default ones."""
    marks = {m.id: m for m in DEFAULT_MARKS}
    for mark_id, spec in raw.items():
        if not isinstance(spec, dict):
            reader.error("profile-type", (*path, mark_id),
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
        for url in mdlinks.unsafe(text):
            self.check(url, path)
        return text




def _check_path(value: str, path: tuple[str | int, ...], reader: _Reader) -> bool:
    """Whether a path in the profile stays inside the project (a URL is checked as one)."""
    file, root, finder, diags = reader.file, reader.root, reader.finder, reader.diags
    if re.match(r"^[a-z][a-z0-9+.-]*:", value, re.I):
        return True  # a URL: the URL rule checks it
    p = PurePosixPath(value.replace("\\", "/"))
    inside = not p.is_absolute() and ".." not in p.parts
    if inside:
        with contextlib.suppress(OSError, ValueError):
            inside = (root / p).resolve().is_relative_to(root.resolve())
    if not inside:
        diags.error("profile-path", file, finder.find(path),
                    f"'{_dotted(path)}' = '{value}' leaves the project folder",
                    "use a path inside the folder of profile.toml, e.g. images/photo.jpg")
        return False
    try:
        projectfiles.stat_inside(root, p, projectfiles.MAX_LINKED_BYTES)
    except projectfiles.Refused as why:
        if not os.path.lexists(root / p):
            diags.warning("profile-path", file, finder.find(path),
                          f"'{_dotted(path)}' = '{value}' does not exist",
                          "put the file there or fix the path")
            return True
        # Never copied, even with --keep-going: a symlink out of the project, a FIFO that
        # would hang the build, a device, a file over the cap.
        diags.error("profile-path", file, finder.find(path),
                    f"'{_dotted(path)}' = '{value}' {why}; it is left out",
                    "use a regular file inside the folder of profile.toml, at most "
                    f"{projectfiles.MAX_LINKED_BYTES // 2**20} MiB (not a symlink to "
                    "another place)")
        return False
    return True
