"""Diagnostics for people (rich text), for tools (JSON) and for GitHub Actions."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

from pubsite.errors import Diagnostic


def text(diags: Sequence[Diagnostic], stream: TextIO | None = None) -> None:
    from rich.console import Console
    from rich.markup import escape

    stream = stream or sys.stderr
    console = Console(file=stream, no_color="NO_COLOR" in os.environ, highlight=False,
                      soft_wrap=True)
    current = None
    for d in sorted(diags, key=lambda d: (d.file, d.line or 0, d.rule)):
        if d.file != current:
            current = d.file
            console.print(f"[bold]{escape(d.file)}[/bold]")
        colour = "red" if d.is_error else "yellow"
        console.print(f"  {escape(d.location())}: [{colour}]{d.severity.value}[/{colour}]"
                      f"[dim]\\[{escape(d.rule)}][/dim] {escape(d.message)}")
        if d.hint:
            console.print(f"      [dim]hint:[/dim] {escape(d.hint)}")
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    if diags:
        console.print(f"{errors} error(s), {warnings} warning(s)")


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
        if d.column is not None:
            props.append(f"col={d.column}")
        props.append(f"title={_gh_escape('pubsite ' + d.rule, True)}")
        message = d.message + (f" (hint: {d.hint})" if d.hint else "")
        lines.append(f"::{level} {','.join(props)}::{_gh_escape(message)}")
    return "\n".join(lines)
