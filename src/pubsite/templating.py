"""Jinja2 environments: the user's templates/ first, then the built-in theme.

`{% extends "default:html/base.html" %}` always reaches the built-in template, so an
override can extend the original it replaces.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import jinja2


def builtin_templates() -> Path:
    here = Path(__file__).resolve().parent
    packaged = here / "templates"
    if packaged.is_dir():
        return packaged
    # Running from a source checkout (editable install or PYTHONPATH=src).
    return here.parent.parent / "templates"


class _Finalize:
    """Applies the format's escaper to every {{ value }} that is not already safe."""

    def __init__(self, escape: Callable[[str], str], safe_type: type) -> None:
        self.escape = escape
        self.safe_type = safe_type

    def __call__(self, value: Any) -> Any:
        if value is None:
            return ""
        if isinstance(value, self.safe_type):
            return value
        return self.escape(str(value))


@lru_cache(maxsize=16)
def environment(kind: str, user_dir: Path | None, escape: Callable[[str], str] | None = None,
                safe_type: type = str) -> jinja2.Environment:
    import jinja2
    import jinja2.sandbox

    builtin = jinja2.FileSystemLoader(str(builtin_templates()))
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None and user_dir.is_dir():
        loaders.append(jinja2.FileSystemLoader(str(user_dir)))
    loaders.append(builtin)
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"default": builtin}, delimiter=":"),
        *loaders,
    ])
    # A user's templates come with a checkout someone else may have prepared (a pull
    # request preview in CI): they run sandboxed, unable to reach Python's internals.
    cls = jinja2.sandbox.SandboxedEnvironment if len(loaders) > 1 else jinja2.Environment
    if kind == "html":
        env = cls(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    else:
        assert escape is not None
        env = cls(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                  finalize=_Finalize(escape, safe_type), trim_blocks=True,
                  keep_trailing_newline=True)
    # Compiled code depends on these settings as well as on the source.
    env.bytecode_cache = _bytecode_cache(
        f"{cls.__name__}|{env.autoescape!r}|{env.finalize is not None}|{env.trim_blocks}|"
        f"{env.lstrip_blocks}|{env.keep_trailing_newline}|{env.newline_sequence!r}")
    return env


@lru_cache(maxsize=8)
def _bytecode_cache(settings: str = "") -> jinja2.BytecodeCache | None:
    """Compiled templates, kept in the user's own cache folder (never the project's: a
    cloned repository must not be able to plant code). Keyed by each template's path and
    source, so an edited template is compiled again. None when there is no private place."""
    import jinja2

    from pubsite import __version__

    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "pubsite" / f"templates-{__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = folder.stat()
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
            return None
    except OSError:
        return None
    class Quiet(jinja2.FileSystemBytecodeCache):
        """A cache that cannot be read or written only costs a compile."""

        def get_cache_key(self, name: str, filename: str | None = None) -> str:
            return super().get_cache_key(f"{settings}|{name}", filename)

        def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            try:
                super().load_bytecode(bucket)
            except OSError:
                bucket.reset()

        def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)

    return Quiet(str(folder))


def _template_line(exc: BaseException) -> str:
    """The template file and line the error arose in (Jinja puts them in the traceback)."""
    where = "a template"
    tb = exc.__traceback__
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.endswith((".html", ".md", ".tex", ".txt", ".xml")):
            where = f"{name}:{tb.tb_lineno}"
        tb = tb.tb_next
    return where


def as_pubsite_error(exc: Exception) -> Exception:
    """A broken or mistaken template becomes a message naming the template and line."""
    import jinja2

    from pubsite.errors import EXIT_INPUT, PubsiteError

    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        return PubsiteError(f"{where}: template syntax error: {exc.message}; fix the template "
                            "or delete it to use the built-in one", EXIT_INPUT)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        why = str(exc).rstrip(".")
        return PubsiteError(f"{_template_line(exc)}: refused: {why}. Templates run sandboxed "
                            "and may not reach Python's internals; remove that expression",
                            EXIT_INPUT)
    if isinstance(exc, jinja2.TemplateError):
        return PubsiteError(f"template error: {exc}; check your templates/ folder (delete a "
                            "file to use the built-in one)", EXIT_INPUT)
    return exc
