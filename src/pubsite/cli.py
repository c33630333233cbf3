"""The command line: thin wrappers that turn options into one call of the pipeline.
Heavy modules load inside the commands so that `pubsite --help` stays fast."""

from __future__ import annotations

import functools
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, get_args

import click

from pubsite import __version__
from pubsite.add.sources import FORMS as ADD_FORMS
from pubsite.errors import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    EXIT_USAGE,
    SIGNALLED,
    PubsiteError,
    Terminated,
    stop_if_signalled,
)
from pubsite.model.choices import GroupBy, Kind, Numbering, ReferenceStyle, SortOrder
from pubsite.render import registry

F = TypeVar("F", bound=Callable[..., Any])
KINDS = tuple(k.value for k in Kind)


def _handle_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return _handled(fn, *args, **kwargs)
        finally:
            SIGNALLED.clear()  # handled: a later call in this process starts afresh

    return wrapper  # type: ignore[return-value]


def _handled(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """The command, its failure turned into a message and an exit code."""
    try:
        _terminate_like_ctrl_c()
        result = fn(*args, **kwargs)
        # Python drops an exception a signal raises inside a callback (`_QuietSignals`);
        # the signal still ends the command (the write stage checks at each file).
        stop_if_signalled()
        return result
    except PubsiteError as exc:
        if exc.diagnostics:
            from pubsite import report

            report.text(exc.diagnostics, brief=exc.brief)
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("pubsite: interrupted; nothing half-written was left behind", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:
        click.echo("pubsite: terminated (SIGTERM); nothing half-written was left behind",
                   err=True)
        sys.exit(EXIT_TERMINATED)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        click.echo(f"pubsite: {where}{exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)
    except (click.exceptions.Exit, click.ClickException):
        raise
    except Exception as exc:  # the last guard: a message, never a traceback
        if os.environ.get("PUBSITE_DEBUG"):
            raise
        click.echo(f"pubsite: internal error: {type(exc).__name__}: {exc}\n"
                   "Please report it with the input that caused it "
                   "(PUBSITE_DEBUG=1 shows the traceback).", err=True)
        sys.exit(EXIT_INPUT)


def _raise_terminated(signum: int, _frame: object) -> None:
    SIGNALLED.append(signum)
    raise Terminated


def _raise_interrupted(signum: int, _frame: object) -> None:
    SIGNALLED.append(signum)
    raise KeyboardInterrupt


def _terminate_like_ctrl_c() -> None:
    """SIGTERM (what `timeout`, CI cancellation and `docker stop` send) unwinds like
    Ctrl-C: the write stage removes its temporary files, and the exit status is 143."""
    if threading.current_thread() is threading.main_thread():
        SIGNALLED.clear()
        signal.signal(signal.SIGTERM, _raise_terminated)
        signal.signal(signal.SIGINT, _raise_interrupted)
        if not isinstance(sys.unraisablehook, _QuietSignals):
            sys.unraisablehook = _QuietSignals(sys.unraisablehook)


class _QuietSignals:
    """Python drops an exception raised where it cannot propagate (a weakref callback as a
    worker's process object is freed, an import's lock callback) and prints it with its
    traceback. A signal handler's own is recorded in SIGNALLED and still ends the command
    (`errors.stop_if_signalled`), so it is not printed; anything else is, by the hook before."""

    def __init__(self, before: Callable[[Any], object]) -> None:
        self.before = before

    def __call__(self, unraisable: Any) -> None:
        if not (SIGNALLED and isinstance(unraisable.exc_value, Terminated | KeyboardInterrupt)):
            self.before(unraisable)


def _input_options(fn: F) -> F:
    fn = click.option("--profile", "profile_path", default="profile.toml", show_default=True,
                      type=click.Path(dir_okay=False, path_type=Path),
                      help="The profile file.")(fn)
    fn = click.option("--bib", "bib_path", default="publications.bib", show_default=True,
                      type=click.Path(dir_okay=False, path_type=Path),
                      help="The BibTeX file.")(fn)
    return fn


_OUT = click.option("--out", "out_dir", default="_site", show_default=True,
                    type=click.Path(file_okay=False, path_type=Path), help="Output folder.")


def run() -> None:
    """The `pubsite` command: `main`, then the process ends at once with its output flushed,
    as mypy's does, without the interpreter's teardown, which frees the run's objects one by
    one (a 1,000-entry build 0.64-0.67 -> 0.58-0.60 s wall, 10,000: 0.24-0.37 s less).
    With a thread or a child process still running, it ends the usual way."""
    try:
        main()
        code: str | int | None = 0
    except SystemExit as end:
        code = end.code
    forks = sys.modules.get("multiprocessing")  # none to wait for where never imported
    if not isinstance(code, int) or threading.active_count() > 1 or \
            (forks is not None and forks.active_children()):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)  # a closed pipe: the interpreter reports it as it would
    os._exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pubsite")
def main() -> None:
    """Turn publications.bib and profile.toml into a homepage, Markdown and a CV list."""


@main.command()
@_input_options
@_OUT
@click.option("--format", "formats", multiple=True, type=click.Choice(registry.names("site")),
              help="What to build (repeatable): " + "; ".join(
                  f"{f.name}, {f.help}" for f in registry.FORMATS if f.target == "site")
              + ". Default: all of them.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--keep-going", is_flag=True, help="Build despite errors in the input.")
@click.option("-q", "--quiet", is_flag=True,
              help="Print only errors (no warnings, no summary).")
@click.option("--force", is_flag=True, help="Replace files in --out that pubsite did not "
              "write but now makes (your own sitemap.xml, cv.pdf, ...).")
@click.option("--jobs", "-j", type=click.IntRange(1, 256), default=None,
              help="Processes that build the site: this one and N-1 that render the paper "
              "pages, with the checks and index.md in workers of their own (1: all in this "
              "one, for debugging). Default: the usable cores for a file of 300 entries or "
              "more, else 1.")
@_handle_errors
def build(bib_path: Path, profile_path: Path, out_dir: Path, formats: tuple[str, ...],
          strict: bool, keep_going: bool, quiet: bool, force: bool,
          jobs: int | None) -> None:
    """Build the site into --out (HTML with a page per paper, and index.md)."""
    from pubsite import pipeline, report

    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    with report.progress(quiet) as say:
        result = pipeline.build(inputs, out_dir, formats or registry.names("site"),
                                strict=strict, keep_going=keep_going, quiet=quiet, say=say,
                                force=force, jobs=jobs)
    if quiet:
        return
    if result.up_to_date:
        click.echo(f"{out_dir}/ is up to date ({result.publications} publications; nothing "
                   "changed since the last build)", err=True)
    else:
        click.echo(f"built {result.publications} publications into {out_dir}/ "
                   f"({result.written} files written, {result.unchanged} unchanged)", err=True)


@main.command()
@_input_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="How to print the findings.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--list-rules", is_flag=True,
              help="Print every rule validate can report (id, severity, what it finds, the "
                   "usual fix) and exit; --format json for a list of objects.")
@_handle_errors
def validate(bib_path: Path, profile_path: Path, fmt: str, strict: bool,
             list_rules: bool) -> None:
    """Check the inputs and point at file:line for every problem."""
    from pubsite import pipeline, report

    if list_rules:
        if fmt == "github":
            raise click.UsageError("--list-rules prints text or json, not github "
                                   "annotations")
        click.echo(report.rules_json() if fmt == "json" else report.rules_text())
        return
    items = pipeline.validate(pipeline.resolve_inputs(bib_path, profile_path))
    if fmt == "json":
        click.echo(report.as_json(items))
    elif fmt == "github":
        if items:
            click.echo(report.as_github(items))
    else:
        report.text(items, sys.stdout)
        if not items:
            click.echo("no problems found")
    failed = any(d.is_error for d in items) or (strict and bool(items))
    sys.exit(EXIT_INPUT if failed else 0)


def _formats_epilog() -> str:
    """The export formats and what each gives, for `pubsite export --help`."""
    rows = [f for f in registry.FORMATS if f.target == "export"]
    width = max(len(f.name) for f in rows)
    # \b: click prints the block as it is, one format a line.
    return "\b\nFormats:\n" + "\n".join(f"  {f.name:<{width}}  {f.help}" for f in rows)


@main.command(epilog=_formats_epilog())
@_input_options
@click.option("--format", "fmt", type=click.Choice(registry.names("export")), required=True,
              help="Output format (below).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True,
                                                path_type=Path),
              default=Path("-"), help="Write to FILE instead of standard output.")
@click.option("--selected", is_flag=True, help="Only entries marked selected.")
@click.option("--since", type=int, help="Only entries from this year on.")
@click.option("--until", type=int, help="Only entries up to this year.")
@click.option("--type", "kinds", multiple=True, type=click.Choice(KINDS),
              help="Only these kinds (repeatable).")
@click.option("--group-by", type=click.Choice(get_args(GroupBy)), default="none",
              show_default=True, help="Headings by year or by type.")
@click.option("--sort", "order", type=click.Choice(get_args(SortOrder)), default="newest",
              show_default=True, help="Order by year; ties by month, then the file's order.")
@click.option("--numbering", type=click.Choice(get_args(Numbering)),
              default="none", show_default=True,
              help="plain 1..n, reverse n..1, or per type (J3, C2, ...).")
@click.option("--standalone", is_flag=True, help="latex: a whole document, not a fragment.")
@click.option("--style", type=click.Choice(get_args(ReferenceStyle)), default="full",
              show_default=True, help="CV formats: the full reference (volume(issue), "
              "pages, publisher, DOI, arXiv id) or the venue and year only.")
@_handle_errors
def export(bib_path: Path, profile_path: Path, fmt: str, output: Path, selected: bool,
           since: int | None, until: int | None, kinds: tuple[str, ...], group_by: GroupBy,
           order: SortOrder, numbering: Numbering, standalone: bool,
           style: ReferenceStyle) -> None:
    """Export the publication list, for a CV or another tool."""
    from pubsite import pipeline
    from pubsite.export import Selection

    if since is not None and until is not None and since > until:
        raise click.BadParameter(f"--since {since} is after --until {until}; nothing could "
                                 "match", param_hint="--since/--until")
    layout = registry.Layout(group_by, numbering, standalone, style)
    _refuse_unused(fmt, layout)
    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    chosen = Selection(selected, since, until, tuple(Kind(k) for k in kinds), order)
    text = pipeline.export(inputs, fmt, chosen, layout)
    if str(output) == "-":
        click.echo(text, nl=False)
    else:
        from pubsite.write import replace_file

        replace_file(output, text.encode("utf-8"), inputs.paths)


def _refuse_unused(fmt: str, layout: registry.Layout) -> None:
    """An option the format would ignore is a usage error, not a silent no-op."""
    default = registry.Layout()
    for name in registry.LAYOUT_OPTIONS:
        if getattr(layout, name) != getattr(default, name) and \
                name not in registry.honours(fmt):
            users = ", ".join(f.name for f in registry.FORMATS
                              if f.target == "export" and name in f.honours)
            raise click.UsageError(f"--{name.replace('_', '-')} is not used by the {fmt} "
                                   f"export; it applies to {users}")


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--name", default="Your Name", help="The owner's name for the starter files.")
@click.option("--templates", "templates", is_flag=True,
              help="Copy the built-in templates into DIRECTORY/templates/ for editing "
                   "(also in an existing project; other files are left alone).")
@_handle_errors
def init(directory: Path, name: str, templates: bool) -> None:
    """Write a starter publications.bib and profile.toml into DIRECTORY."""
    from pubsite import scaffold

    problem = scaffold.name_problem(name)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="--name")
    lines = scaffold.copy_templates(directory) if templates else scaffold.init(directory, name)
    for line in lines:
        click.echo(line)


@main.command()
@_input_options
@_OUT
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0 picks a free one).")
@_handle_errors
def serve(bib_path: Path, profile_path: Path, out_dir: Path, port: int) -> None:
    """Build, serve on 127.0.0.1, rebuild on every change and reload the page."""
    from pubsite import pipeline
    from pubsite import serve as serve_mod

    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    serve_mod.serve(inputs, out_dir, port, lambda text: click.echo(text, err=True))


@main.command(epilog="\b\nSOURCE is one of:\n" + "\n".join(f"  {f}" for f in ADD_FORMS)
              + "\n\nThe metadata comes from Crossref, arXiv or DBLP (set PUBSITE_CROSSREF_URL, "
              "PUBSITE_ARXIV_URL or PUBSITE_DBLP_URL to use a mirror).")
@_input_options
@click.argument("source")
@click.option("--update", "update", metavar="KEY",
              help="Turn entry KEY (a preprint) into this paper, keeping its key, its "
                   "homepage fields (links, notes, awards, selected, abstract) and its "
                   "authors' marks; refused when the metadata is another work.")
@click.option("--dry-run", is_flag=True, help="Print the entry instead of writing it.")
@_handle_errors
def add(bib_path: Path, profile_path: Path, source: str, update: str | None,
        dry_run: bool) -> None:
    """Add a paper to publications.bib by its DOI, arXiv id, DBLP record or pasted BibTeX."""
    from pubsite import pipeline, report
    from pubsite.add import command

    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    done = command.run(inputs, source, update=update, dry_run=dry_run)
    if done.findings:
        report.text(list(done.findings))
    if dry_run:
        click.echo(done.text)
        click.echo(f"(dry run: {bib_path} is unchanged; the entry would be "
                   f"{'updated' if done.updated else 'added'} at line {done.line})", err=True)
        return
    click.echo(f"{'updated' if done.updated else 'added'} {done.key} in {bib_path} "
               f"at line {done.line}", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
