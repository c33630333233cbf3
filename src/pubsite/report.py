"""Diagnostics for people (rich text), for tools (JSON) and for GitHub Actions."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from pubsite.errors import Diagnostic
from pubsite.rulebook import RULES

BRIEF_LINES = 40


def text(diags: Sequence[Diagnostic], stream: TextIO | None = None,
         brief: bool = False) -> None:
    """Findings for people, grouped by file. `brief` (build and serve): at most
    BRIEF_LINES lines, errors first, then a count per rule with one example, and where to
    see them all; validate prints every one."""
    from rich.console import Console

    stream = stream or sys.stderr
    console = Console(file=stream, no_color="NO_COLOR" in os.environ, highlight=False,
                      soft_wrap=True)
    ordered = sorted(diags, key=lambda d: (not d.is_error, d.file, d.line or 0, d.rule)) \
        if brief else sorted(diags, key=lambda d: (d.file, d.line or 0, d.rule))
    summarised = brief and _full_size(ordered) > BRIEF_LINES - 1
    lines = _brief_lines(ordered) if summarised else _full_lines(ordered)
    errors = sum(d.is_error for d in diags)
    if diags:
        tail = "; run `pubsite validate` to see every one" if summarised else ""
        lines.append(f"{errors} error(s), {len(diags) - errors} warning(s){tail}")
    console.print("\n".join(lines))


def _one(d: Diagnostic) -> list[str]:
    from rich.markup import escape

    colour = "red" if d.is_error else "yellow"
    found = [f"  {escape(d.location())}: [{colour}]{d.severity.value}[/{colour}]"
             f"[dim]\\[{escape(d.rule)}][/dim] {escape(d.message)}"]
    if d.hint:
        found.append(f"      [dim]hint:[/dim] {escape(d.hint)}")
    return found


def _full_lines(diags: Sequence[Diagnostic]) -> list[str]:
    """Every finding, grouped by file; the warnings of one rule in one file are one entry:
    their count, the first places and keys, one example and the hint once (a file repeats
    its habits: 15 entries without the owner's name are one fix, not 30 lines)."""
    from rich.markup import escape

    out: list[str] = []
    current = None
    for same in _by_rule(diags).values():
        d = same[0]
        if d.file != current:
            current = d.file
            out.append(f"[bold]{escape(d.file)}[/bold]")
        lines = _one(d)
        if len(same) > 1:
            lines[0] = lines[0].replace(escape(d.location()), escape(_places(same)), 1)
            if len({x.message for x in same}) > 1:
                lines[0] += escape(_also(same))
        out.extend(lines)
    return out


def _by_rule(diags: Sequence[Diagnostic]) -> dict[tuple[str, ...], list[Diagnostic]]:
    """An entry's warnings by file and rule. An error is each to fix, and the profile's
    findings name their key in the message (and are capped at 50 by the reader), so of
    those only identical ones (the same message on several lines) are one."""
    groups: dict[tuple[str, ...], list[Diagnostic]] = {}
    for d in diags:
        key = (d.file, d.rule, d.message, d.hint) if d.is_error or not d.key \
            else (d.file, d.rule)
        groups.setdefault(key, []).append(d)
    return groups


SHOWN_PLACES = 3  # lines and keys named for a rule found more often in one file


def _places(same: list[Diagnostic]) -> str:
    lines = list(dict.fromkeys(str(x.line) for x in same if x.line is not None))
    more = ", ..." if len(lines) > SHOWN_PLACES else ""
    return f"{same[0].file}:{', '.join(lines[:SHOWN_PLACES])}{more}"


def _also(same: list[Diagnostic]) -> str:
    keys = list(dict.fromkeys(x.key for x in same if x.key))
    named = ", ".join(keys[:SHOWN_PLACES]) + (", ..." if len(keys) > SHOWN_PLACES else "")
    return f" (and {len(same) - 1} more like it, {len(same)} in all" + \
        (f": {named})" if named else ")")


def _full_size(diags: Sequence[Diagnostic]) -> int:
    """How many lines printing every finding takes, without formatting them."""
    groups = _by_rule(diags).values()
    return len({d.file for d in diags}) + len(groups) + sum(bool(g[0].hint) for g in groups)


def _brief_lines(diags: Sequence[Diagnostic]) -> list[str]:
    """Every error while they fit, then each warning rule once with its count."""
    from rich.markup import escape

    out: list[str] = []
    budget = BRIEF_LINES - 1
    errors = [d for d in diags if d.is_error]
    for d in errors:
        lines = _one(d)
        if len(out) + len(lines) > budget - 2:
            out.append(f"  ... and {len(errors) - errors.index(d)} more error(s)")
            break
        out.extend(lines)
    by_rule: dict[str, list[Diagnostic]] = {}
    for d in diags:
        if not d.is_error:
            by_rule.setdefault(d.rule, []).append(d)
    for rule, found in sorted(by_rule.items(), key=lambda kv: -len(kv[1])):
        if len(out) >= budget:
            out.append(f"  ... and {len(by_rule)} kinds of warning in all")
            break
        first = found[0]
        out.append(f"  [yellow]warning[/yellow][dim]\\[{escape(rule)}][/dim] x{len(found)}, "
                   f"e.g. {escape(first.location())}: {escape(first.message)}")
    return out


@contextmanager
def progress(quiet: bool) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr while a build takes more than a moment; nothing when quiet or
    when stderr is not a terminal (CI logs stay clean)."""
    if quiet or not sys.stderr.isatty():
        yield lambda _text: None
        return
    from rich.console import Console

    with Console(stderr=True).status("reading the inputs", spinner="dots") as status:
        yield lambda text: status.update(text)


def note(message: str, stream: TextIO | None = None) -> None:
    """A line about the run itself (not about the inputs)."""
    print(f"note: {message}", file=stream or sys.stderr)


def warn(message: str, stream: TextIO | None = None) -> None:
    """A warning about the run itself (its output folder), printed even by a quiet build."""
    print(f"warning: {message}", file=stream or sys.stderr)


def rules_text() -> str:
    """The rule table for people: one rule a line (id, severity, what it finds), its fix
    indented below."""
    width = max(len(r.id) for r in RULES.values())
    lines = []
    for rule in RULES.values():
        lines.append(f"{rule.id:<{width}}  {'/'.join(rule.severities):<13}  {rule.doc}")
        lines.append(f"{'':<{width}}  {'':<13}  fix: {rule.hint}")
    return "\n".join(lines)


def rules_json() -> str:
    return json.dumps([r.as_dict() for r in RULES.values()], ensure_ascii=False, indent=2)


def as_json(diags: Sequence[Diagnostic]) -> str:
    ordered = sorted(diags, key=lambda d: (d.file, d.line or 0, d.rule))
    return json.dumps([d.as_dict() for d in ordered], ensure_ascii=False, indent=2)


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def as_github(diags: Sequence[Diagnostic]) -> str:
    lines = []
    for d in sorted(diags, key=lambda d: (d.file, d.line or 0, d.rule)):
        level = "error" if d.is_error else "warning"
        props = [f"file={_gh_escape(d.file, True)}"]
        if d.line is not None:
            props.append(f"line={d.line}")
        props.append(f"title={_gh_escape('pubsite ' + d.rule, True)}")
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        lines.append(f"::{level} {','.join(props)}::{_gh_escape(message)}")
    return "\n".join(lines)
