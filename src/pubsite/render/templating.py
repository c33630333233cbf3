"""Jinja2 environments: the user's templates/ first, then the built-in theme.

`{% extends "default:html/base.html" %}` always reaches the built-in template, so an
override can extend the original it replaces.

A user's templates come with a checkout someone else may have prepared (a pull request
previewed in CI): they are read only through `projectfiles` (inside the project, regular,
capped, never blocking), run sandboxed, and a build's templates share a time budget, so
that a template can neither publish a file from elsewhere nor keep a build from ending.
"""

from __future__ import annotations

import builtins
import contextlib
import math
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from pubsite import projectfiles

if TYPE_CHECKING:
    import jinja2

    from pubsite.errors import PubsiteError

# All user-template rendering of one build or export together: this, and a little for each
# publication (a 10,000-entry site spends 13 s in sandboxed templates on a busy machine, 1.3
# ms an entry); past it the build stops, naming the template line it was at.
TEMPLATE_SECONDS = 30.0
SECONDS_PER_ENTRY = 0.01
# The largest string, list or integer (in bits) that `*` and `**` may make in a template:
# one such operation is a single step that no time check can interrupt.
MAX_PRODUCT = 10_000_000


def builtin_templates() -> Path:
    here = Path(__file__).resolve().parent.parent  # the pubsite package, above render/
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


class TemplateLimit(Exception):
    """A template went past a limit that keeps a build finite (time, size of a value)."""


class _Budget(threading.local):
    """The time templates may still run. Only time inside a template counts (a page being
    written between two of its parts does not); nested renders (an entry rendered by the
    page that lists it) count once. Checked by the sandbox at each call and loop step.
    Per thread: `pubsite serve` may start a rebuild from its watcher thread."""

    def __init__(self) -> None:
        self.limit = math.inf  # no limit outside `time_budget`
        self.spent = 0.0
        self.depth = 0
        self.started = 0.0
        self.deadline = math.inf

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        if self.depth == 0:
            self.started = time.monotonic()
            self.deadline = self.started + self.limit - self.spent
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1
            if self.depth == 0:
                self.spent += time.monotonic() - self.started
                self.deadline = math.inf

    def check(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimit(f"the templates ran longer than {self.limit:g} s")


_BUDGET = _Budget()


@contextlib.contextmanager
def time_budget(entries: int) -> Iterator[None]:
    """The templates rendered inside the block, for a site of `entries` publications, run
    for `TEMPLATE_SECONDS` and `SECONDS_PER_ENTRY` each at most, together."""
    _BUDGET.limit = round(TEMPLATE_SECONDS + SECONDS_PER_ENTRY * entries, 1)
    _BUDGET.spent = 0.0
    try:
        yield
    finally:
        _BUDGET.limit = math.inf


def refused(display: str, why: object, cap: int, folder: bool = False) -> PubsiteError:
    """A file of templates/ that pubsite will not read, as the message a user acts on."""
    from pubsite.errors import EXIT_INPUT, PubsiteError

    fix = "a folder inside the project folder" if folder else \
        f"a regular file inside the project folder (at most {cap:,} bytes)"
    return PubsiteError(f"{display}: {why}; replace it with {fix}, or delete it to use the "
                        "built-in one", EXIT_INPUT)


def read_user_file(user_dir: Path, name: str) -> bytes | None:
    """The bytes of `name` in the user's templates/ folder, None when there is no such
    file; a file pubsite will not read (a symlink out of the project, a FIFO, /proc, over
    the cap) stops the build with a `PubsiteError` naming it."""
    path = user_dir / name
    if not os.path.lexists(path):  # lstat: the file itself is not followed or opened
        return None
    cap = projectfiles.MAX_TEMPLATE_BYTES
    try:
        return projectfiles.read_inside(user_dir.parent, f"{user_dir.name}/{name}", cap)
    except projectfiles.Refused as why:
        raise refused(str(path), why, cap) from None


def user_template_names(user_dir: Path) -> Iterator[str]:
    """Every file under templates/, in a fixed order, for the build's input digest; a
    symlinked folder is followed only inside the project, and each folder once."""
    root = user_dir.parent.resolve()
    seen: set[str] = set()

    def new_folder(path: str) -> bool:
        real = os.path.realpath(path)
        if not Path(real).is_relative_to(root):
            raise refused(path, "is a symlink to a folder outside the project folder",
                          projectfiles.MAX_TEMPLATE_BYTES, folder=True)
        fresh = real not in seen
        seen.add(real)
        return fresh

    new_folder(str(user_dir))
    for top, dirs, files in os.walk(user_dir, followlinks=True):
        dirs[:] = [d for d in sorted(dirs) if new_folder(os.path.join(top, d))]
        rel = Path(top).relative_to(user_dir)
        for name in sorted(files):
            # A dangling symlink (an editor's lock file, `.#index.html`) holds nothing.
            if os.path.exists(os.path.join(top, name)):
                yield (rel / name).as_posix()


@lru_cache(maxsize=1)
def _user_loader_class() -> Callable[[Path], jinja2.BaseLoader]:
    import jinja2

    class UserLoader(jinja2.BaseLoader):
        """The user's templates/, each file read through `projectfiles`."""

        def __init__(self, user_dir: Path) -> None:
            self.user_dir = user_dir

        def get_source(self, environment: jinja2.Environment, template: str
                       ) -> tuple[str, str, Callable[[], bool]]:
            name = "/".join(jinja2.loaders.split_template_path(template))
            path = self.user_dir / name
            try:
                mtime = os.stat(path).st_mtime_ns  # before the read: an edit reloads
            except OSError:
                mtime = -1
            data = read_user_file(self.user_dir, name)
            if data is None:
                raise jinja2.TemplateNotFound(template)
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError:
                from pubsite.errors import PubsiteError
                raise PubsiteError(f"{path}: is not UTF-8 text; save the template as "
                                   "UTF-8") from None

            def uptodate() -> bool:
                try:
                    return os.stat(path).st_mtime_ns == mtime
                except OSError:
                    return False
            return source, str(path), uptodate

    return UserLoader


@lru_cache(maxsize=1)
def _sandbox_class() -> type[jinja2.Environment]:
    import jinja2.sandbox
    from jinja2 import nodes

    class Timed(jinja2.Template):
        """Rendering counts against the build's time budget."""

        def render(self, *args: Any, **kwargs: Any) -> str:
            with _BUDGET.running():
                return super().render(*args, **kwargs)

        def generate(self, *args: Any, **kwargs: Any) -> Iterator[str]:
            parts = super().generate(*args, **kwargs)
            while True:
                with _BUDGET.running():  # only the time spent making the next part
                    part = next(parts, None)
                if part is None:
                    return
                yield part

    class BudgetedSandbox(jinja2.sandbox.SandboxedEnvironment):
        """Sandboxed, and finite: every call and every loop step checks the time budget
        (each loop's iterable passes the `_budget` filter, added when parsing), and `*` and
        `**` may not make a value that one step would take minutes to build."""

        template_class = Timed
        intercepted_binops = frozenset({"*", "**", "%"})

        def _parse(self, source: str, name: str | None, filename: str | None
                   ) -> nodes.Template:
            tree = super()._parse(source, name, filename)
            for loop in list(tree.find_all(nodes.For)):
                loop.iter = nodes.Filter(loop.iter, "_budget", [], [], None, None,
                                         lineno=loop.iter.lineno)
            return tree

        def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            _BUDGET.check()
            if isinstance(getattr(obj, "__self__", None), str) and \
                    getattr(obj, "__name__", "") in _WIDE_METHODS:  # "x".ljust(999999999)
                _check_widths(*args, *kwargs.values())
            return super().call(context, obj, *args, **kwargs)

        def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
            wrapped = super().wrap_str_format(value)  # "{:>999999999}".format(1)
            return None if wrapped is None else _width_checked(wrapped, True, value.__self__)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "%" and isinstance(left, str):
                _check_widths(left)
            _check_product(operator, left, right)
            return super().call_binop(context, operator, left, right)

    return BudgetedSandbox


def _budgeted(items: Any) -> Iterator[Any]:
    for i, item in enumerate(items):
        if not i & 255:
            _BUDGET.check()
        yield item


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:
    """Jinja's placeholder text, with at most 100 paragraphs of 1,000 words: one call is
    one step, which the time budget cannot interrupt."""
    from jinja2.utils import generate_lorem_ipsum

    most = builtins.min(max, 1000)  # the arguments keep Jinja's names, min and max
    least = builtins.min(min, most)
    text: str = generate_lorem_ipsum(builtins.min(n, 100), html, least, most)
    return text  # Markup when html: safe, as Jinja's own


def _check_product(operator: str, left: Any, right: Any) -> None:
    """Refuse `*` and `**` results past MAX_PRODUCT items or bits, before making them."""
    size = 0
    if operator == "**" and isinstance(left, int) and isinstance(right, int):
        size = abs(left).bit_length() * right if abs(left) > 1 else 0
    elif operator == "*" and isinstance(left, int) and isinstance(right, int):
        size = left.bit_length() + right.bit_length()
    elif operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | bytes | list | tuple) and isinstance(times, int):
                size = len(seq) * times
    if size > MAX_PRODUCT:
        raise TemplateLimit(f"'{operator}' would make a value of {size:,} items or bits; "
                            f"the limit is {MAX_PRODUCT:,}")


# Filters and string methods whose numbers or format fields say how wide the result is:
# `"a"|center(10**9)` would build a gigabyte in one step, under any time budget.
_WIDE_FILTERS = ("center", "format", "indent", "wordwrap", "truncate")
_WIDE_METHODS = frozenset({"center", "ljust", "rjust", "zfill", "expandtabs"})
_WIDTH = re.compile(r"%[-+ #0]*(\d+)|%[-+ #0]*\d*\.(\d+)|\{[^{}]*:[^{}]*?(\d+)[^{}]*\}")


def _check_widths(*values: Any) -> None:
    """Refuse a width past MAX_PRODUCT, as a number or inside a format string."""
    for value in values:
        widths = [value] if isinstance(value, int) else \
            [int(w) for m in _WIDTH.finditer(value) for w in m.groups() if w] \
            if isinstance(value, str) and len(value) < 10_000 else []
        for width in widths:
            if width > MAX_PRODUCT:
                raise TemplateLimit(f"a width of {width:,} characters; the limit is "
                                    f"{MAX_PRODUCT:,}")


def _width_checked(fn: Callable[..., Any], value_too: bool, spec: str = ""
                   ) -> Callable[..., Any]:
    """`fn`, refusing a width past the limit in its arguments (the first, a filter's value,
    only with `value_too`) or in the format string `spec`."""
    def checked(*args: Any, **kwargs: Any) -> Any:
        _check_widths(spec, *args[0 if value_too else 1:], *kwargs.values())
        return fn(*args, **kwargs)

    return checked


Filters = tuple[tuple[str, Callable[..., Any]], ...]


@lru_cache(maxsize=16)
def environment(kind: str, user_dir: Path | None, escape: Callable[[str], str] | None = None,
                safe_type: type = str, filters: Filters = ()) -> jinja2.Environment:
    """The environment for one kind of template, shared by every site the process builds
    (its compiled templates are the reason to cache it). So it is read-only once made:
    its filters are fixed here, and a site's own helpers go into each render's context; a
    helper set on a shared environment changed the names of a site built earlier."""
    import jinja2

    builtin = jinja2.FileSystemLoader(str(builtin_templates()))
    loaders: list[jinja2.BaseLoader] = []
    if user_dir is not None and user_dir.is_dir():
        loaders.append(_user_loader_class()(user_dir))
    loaders.append(builtin)
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({"default": builtin}, delimiter=":"),
        *loaders,
    ])
    # A user's templates come with a checkout someone else may have prepared (a pull
    # request preview in CI): they run sandboxed, unable to reach Python's internals.
    cls = _sandbox_class() if len(loaders) > 1 else jinja2.Environment
    if kind == "html":
        env = cls(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    else:
        assert escape is not None
        env = cls(loader=loader, autoescape=False, undefined=jinja2.StrictUndefined,
                  finalize=_Finalize(escape, safe_type), trim_blocks=True,
                  keep_trailing_newline=True)
    env.filters.update(filters, _budget=_budgeted)
    if cls is not jinja2.Environment:
        env.globals["lipsum"] = _lipsum
        for name in _WIDE_FILTERS:
            env.filters[name] = _width_checked(env.filters[name], name == "format")
    _freeze(env)
    # Compiled code depends on these settings as well as on the source.
    env.bytecode_cache = _bytecode_cache(
        f"{cls.__name__}|{env.autoescape!r}|{env.finalize is not None}|{env.trim_blocks}|"
        f"{env.lstrip_blocks}|{env.keep_trailing_newline}|{env.newline_sequence!r}")
    return env


def _freeze(env: jinja2.Environment) -> None:
    """Filters, tests and globals become read-only views: a later change raises TypeError
    at once instead of reaching every site built with this environment."""
    env.filters = MappingProxyType(dict(env.filters))  # type: ignore[assignment]
    env.tests = MappingProxyType(dict(env.tests))  # type: ignore[assignment]
    env.globals = MappingProxyType(dict(env.globals))  # type: ignore[assignment]


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


def _template_frames(exc: BaseException) -> list[tuple[str, int]]:
    """The template files and lines the error passed through, outermost first. Jinja
    rewrites a rendering error's traceback so that template frames carry the template's
    name and line; frames it has not rewritten yet name the template in their globals."""
    found = []
    tb = exc.__traceback__
    while tb is not None:
        names = tb.tb_frame.f_globals
        template = names.get("__jinja_template__")
        if "__jinja_exception__" in names:
            found.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        elif template is not None:
            found.append((template.filename or template.name,
                          template.get_corresponding_lineno(tb.tb_lineno)))
        tb = tb.tb_next
    return found


def _template_line(exc: BaseException, user_only: bool = False) -> str:
    """The template file and line the error arose in: the innermost one, or with
    `user_only` the innermost of the user's (empty when none of theirs took part). For a
    recursion, the user's line that repeats most (the include or call that recurses)."""
    builtin = str(builtin_templates())
    frames = _template_frames(exc)
    if user_only:
        frames = [f for f in frames if not f[0].startswith(builtin)]
    if not frames:
        return "" if user_only else "a template"
    where = frames[-1]
    if isinstance(exc, RecursionError) and len(frames) > 1:
        # The outermost frame is where rendering began, not part of the cycle; of lines
        # repeated as often (an `extends` and the `include` below it), the later one.
        counts = Counter(frames[1:])
        where = max(counts, key=lambda f: (counts[f], f[1]))
    return f"{where[0]}:{where[1]}"


def as_pubsite_error(exc: Exception) -> Exception:
    """A broken or mistaken template becomes a message naming the template and line."""
    import jinja2

    from pubsite.errors import EXIT_INPUT, PubsiteError

    if isinstance(exc, PubsiteError):
        return exc
    if isinstance(exc, jinja2.TemplateSyntaxError):
        where = f"{exc.filename or exc.name}:{exc.lineno}"
        return PubsiteError(f"{where}: template syntax error: {exc.message}; fix the template "
                            "or delete it to use the built-in one", EXIT_INPUT)
    if isinstance(exc, jinja2.exceptions.SecurityError):
        why = str(exc).rstrip(".")
        return PubsiteError(f"{_template_line(exc)}: refused: {why}. Templates run sandboxed "
                            "and may not reach Python's internals; remove that expression",
                            EXIT_INPUT)
    if isinstance(exc, TemplateLimit):
        where = _template_line(exc, user_only=True) or _template_line(exc)
        return PubsiteError(f"{where}: stopped: {exc}. Templates are limited so that a build "
                            "always ends; make that loop, macro or value smaller", EXIT_INPUT)
    if isinstance(exc, jinja2.TemplateError):
        where = _template_line(exc, user_only=True) or _template_line(exc)
        where = "" if where == "a template" else f"{where}: "
        what = f"no template named '{exc.name}'" if isinstance(
            exc, jinja2.TemplateNotFound) else str(exc)
        return PubsiteError(f"{where}template error: {what}; check your templates/ folder "
                            "(delete a file to use the built-in one)", EXIT_INPUT)
    return _failed_in_user_template(exc) or exc


def _failed_in_user_template(exc: Exception) -> Exception | None:
    """Any other error raised while one of the user's templates ran (a division by zero, a
    wrong type, an include of itself) is theirs to fix: the template, its line, the error."""
    from pubsite.errors import EXIT_INPUT, PubsiteError

    where = _template_line(exc, user_only=True)
    if not where:
        return None  # only pubsite's own templates ran: a bug to report
    why = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, RecursionError):
        why += " (a template that includes itself, or a macro that calls itself without end)"
    return PubsiteError(f"{where}: the template failed: {why}; fix that line, or delete the "
                        "template to use the built-in one", EXIT_INPUT)
