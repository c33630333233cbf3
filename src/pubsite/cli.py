"""The command line: thin wrappers that call the pipeline. Heavy modules load inside the
commands so that `pubsite --help` stays fast."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pubsite import __version__
from pubsite.errors import EXIT_INPUT, EXIT_USAGE, PubsiteError

F = TypeVar("F", bound=Callable[..., Any])


def _handle_errors(fn: F) -> F:
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PubsiteError as exc:
            if exc.diagnostics:
                from pubsite import report

                report.text(exc.diagnostics)
            click.echo(f"pubsite: {exc.message}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"pubsite: {where}{exc.strerror or exc}", err=True)
            sys.exit(EXIT_USAGE)
        except (click.exceptions.Exit, click.ClickException, KeyboardInterrupt):
            raise
        except Exception as exc:  # the last guard: a message, never a traceback
            if os.environ.get("PUBSITE_DEBUG"):
                raise
            click.echo(f"pubsite: internal error: {type(exc).__name__}: {exc}\n"
                       "Please report it with the input that caused it "
                       "(PUBSITE_DEBUG=1 shows the traceback).", err=True)
            sys.exit(EXIT_INPUT)

    return wrapper  # type: ignore[return-value]


def _input_options(fn: F) -> F:
    fn = click.option("--profile", "profile_path", default="profile.toml", show_default=True,
                      type=click.Path(dir_okay=False), help="The profile file.")(fn)
    fn = click.option("--bib", "bib_path", default="publications.bib", show_default=True,
                      type=click.Path(dir_okay=False), help="The BibTeX file.")(fn)
    return fn


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pubsite")
def main() -> None:
    """Turn publications.bib and profile.toml into a homepage, Markdown and a CV list."""


@main.command()
@_input_options
@click.option("--out", "out_dir", default="_site", show_default=True,
              type=click.Path(file_okay=False), help="Output folder.")
@click.option("--format", "formats", multiple=True, type=click.Choice(["html", "markdown"]),
              help="What to build (repeatable). Default: the HTML site and index.md.")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
@click.option("--keep-going", is_flag=True, help="Build despite errors in the input.")
@click.option("-q", "--quiet", is_flag=True, help="Print only problems.")
@_handle_errors
def build(bib_path: str, profile_path: str, out_dir: str, formats: tuple[str, ...],
          strict: bool, keep_going: bool, quiet: bool) -> None:
    """Build the site into --out (HTML with a page per paper, and index.md)."""
    from pubsite import build as build_mod

    result = build_mod.build(Path(bib_path), Path(profile_path), Path(out_dir),
                             formats or ("html", "markdown"), strict=strict,
                             keep_going=keep_going)
    if quiet:
        return
    if result.up_to_date:
        click.echo(f"{out_dir}/ is up to date ({result.publications} publications; nothing "
                   "changed since the last build)", err=True)
    elif result.patched:
        entries = "entry" if result.patched == 1 else "entries"
        click.echo(f"rebuilt {result.patched} changed {entries} of {result.publications} "
                   f"publications in {out_dir}/ ({result.written} files written, "
                   f"{result.unchanged} unchanged)", err=True)
    else:
        click.echo(f"built {result.publications} publications into {out_dir}/ "
                   f"({result.written} files written, {result.unchanged} unchanged)", err=True)


@main.command()
@_input_options
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="How to print the findings.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@_handle_errors
def validate(bib_path: str, profile_path: str, fmt: str, strict: bool) -> None:
    """Check the inputs and point at file:line for every problem."""
    from pubsite import pipeline, report
    from pubsite.errors import Diagnostics

    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    diags = Diagnostics()
    try:
        pipeline.load_site(inputs, diags)
    except PubsiteError as exc:
        if exc.exit_code == EXIT_USAGE:
            raise
    items = diags.sorted()
    if fmt == "json":
        click.echo(report.as_json(items))
    elif fmt == "github":
        if items:
            click.echo(report.as_github(items))
    else:
        report.text(items, sys.stdout)
        if not items:
            click.echo("no problems found")
    failed = diags.has_errors or (strict and bool(items))
    sys.exit(EXIT_INPUT if failed else 0)


EXPORT_FORMATS = ["json", "markdown", "html", "text", "latex", "csl-json", "bibtex",
                  "jsonresume", "rendercv"]


@main.command()
@_input_options
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), required=True,
              help="Output format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, allow_dash=True), default="-",
              help="Write to FILE instead of standard output.")
@click.option("--selected", is_flag=True, help="Only entries marked selected.")
@click.option("--since", type=int, help="Only entries from this year on.")
@click.option("--until", type=int, help="Only entries up to this year.")
@click.option("--type", "kinds", multiple=True,
              help="Only these kinds (repeatable): conference, journal, preprint, thesis, ...")
@click.option("--group-by", type=click.Choice(["none", "year", "type"]), default="none",
              show_default=True, help="Headings by year or by type.")
@click.option("--sort", "order", type=click.Choice(["newest", "oldest"]), default="newest",
              show_default=True, help="Order by year; ties by month, then key.")
@click.option("--numbering", type=click.Choice(["none", "plain", "reverse", "type"]),
              default="none", show_default=True,
              help="plain 1..n, reverse n..1, or per type (J3, C2, ...).")
@click.option("--standalone", is_flag=True, help="latex: a whole document, not a fragment.")
@_handle_errors
def export(bib_path: str, profile_path: str, fmt: str, output: str, selected: bool,
           since: int | None, until: int | None, kinds: tuple[str, ...], group_by: str,
           order: str, numbering: str, standalone: bool) -> None:
    """Export the publication list: CV formats (latex, markdown, html, text) and data
    formats (json, csl-json, bibtex, jsonresume, rendercv)."""
    from pubsite import export as export_mod

    text = export_mod.export(Path(bib_path), Path(profile_path), fmt,
                             export_mod.Selection(selected, since, until, kinds),
                             export_mod.Layout(group_by, order, numbering, standalone))
    if output == "-":
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--name", default="Your Name", help="The owner's name for the starter files.")
@click.option("--templates", "templates", is_flag=True,
              help="Copy the built-in templates into DIRECTORY/templates/ for editing "
                   "(also in an existing project; other files are left alone).")
@_handle_errors
def init(directory: str, name: str, templates: bool) -> None:
    """Write a starter publications.bib and profile.toml into DIRECTORY."""
    from pubsite import scaffold

    lines = scaffold.copy_templates(Path(directory)) if templates else \
        scaffold.init(Path(directory), name)
    for line in lines:
        click.echo(line)


@main.command()
@_input_options
@click.option("--out", "out_dir", default="_site", show_default=True,
              type=click.Path(file_okay=False), help="Output folder.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port on 127.0.0.1 (0 picks a free one).")
@_handle_errors
def serve(bib_path: str, profile_path: str, out_dir: str, port: int) -> None:
    """Build, serve on 127.0.0.1, rebuild on every change and reload the page."""
    from pubsite import pipeline, write
    from pubsite import serve as serve_mod

    inputs = pipeline.resolve_inputs(bib_path, profile_path)
    write.check_target(Path(out_dir), [inputs.bib, inputs.profile])
    serve_mod.serve(inputs.bib, inputs.profile, Path(out_dir), port,
                    lambda text: click.echo(text, err=True))


if __name__ == "__main__":  # pragma: no cover
    main()
