"""The one diagnostic type shared by every stage, and the error that ends a command."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import click

from pubsite.rulebook import RuleId, Severity, check

__all__ = ["Diagnostic", "Diagnostics", "PubsiteError", "Severity", "Terminated"]

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3  # the output could not be written (out of space, read-only): the path is named
EXIT_INTERRUPTED = 130  # Ctrl-C
EXIT_TERMINATED = 143  # SIGTERM (timeout, CI cancellation, docker stop): 128 + 15


@dataclass(frozen=True, slots=True)
class Diagnostic:
    rule: str
    severity: Severity
    file: str
    line: int | None
    message: str
    hint: str = ""
    key: str | None = None

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def location(self) -> str:
        loc = self.file
        if self.line is not None:
            loc += f":{self.line}"
        return loc

    def as_text(self) -> str:
        text = f"{self.location()}: {self.severity.value}[{self.rule}]: {self.message}"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Diagnostic:
        return cls(d["rule"], Severity(d["severity"]), d["file"], d["line"], d["message"],
                   d.get("hint", ""), d.get("key"))

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "rule": self.rule,
            "severity": self.severity.value,
            "file": self.file,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
        }
        if self.key is not None:
            out["key"] = self.key
        return out


@dataclass
class Diagnostics:
    """Collects diagnostics from every stage so that all are reported before failing.
    Each rule id must be declared in `rulebook.RULES` with the severity used: an unknown
    one raises at once (a programming error, not a finding)."""

    items: list[Diagnostic] = field(default_factory=list)

    def add(self, d: Diagnostic) -> None:
        check(d.rule, d.severity)
        self.items.append(d)

    def error(self, rule: RuleId, file: str, line: int | None, message: str, hint: str = "",
              key: str | None = None) -> None:
        self.add(Diagnostic(rule, Severity.ERROR, file, line, message, hint, key))

    def warning(self, rule: RuleId, file: str, line: int | None, message: str, hint: str = "",
                key: str | None = None) -> None:
        self.add(Diagnostic(rule, Severity.WARNING, file, line, message, hint, key))

    @property
    def has_errors(self) -> bool:
        return any(d.is_error for d in self.items)

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.file, d.line or 0, d.rule))


class Terminated(BaseException):
    """SIGTERM, raised where the program is, so that it unwinds like Ctrl-C: every
    cleanup runs and nothing half-written is left behind."""


# Ctrl-C and SIGTERM this command received, noted by the CLI's handlers before they raise.
# Python drops what a handler raises inside a callback (a weakref's, as a worker's process
# object is freed): the work then checks here at its steps and stops all the same.
SIGNALLED: list[int] = []


def stop_if_signalled() -> None:
    """Raise the exception of a signal this command received, in the main thread (where
    the handlers run; serve's builds run in another, which its own Ctrl-C ends)."""
    if SIGNALLED and threading.current_thread() is threading.main_thread():
        raise Terminated if SIGNALLED[-1] == signal.SIGTERM else KeyboardInterrupt


class PubsiteError(click.ClickException):
    """Ends a command with a message (and the diagnostics behind it) and an exit code,
    never a traceback. click prints it and exits with `exit_code`."""

    def __init__(self, message: str, exit_code: int = EXIT_INPUT,
                 diagnostics: Iterable[Diagnostic] = (), brief: bool = False) -> None:
        super().__init__(message)
        self.brief = brief  # print the diagnostics summarised (build), not all (validate)
        self.exit_code = exit_code  # type: ignore[misc]  # click's is per class; ours varies
        self.diagnostics = list(diagnostics)

    def show(self, file: Any = None) -> None:
        click.echo(f"pubsite: {self.message}", file=file, err=True)
