"""`pubsite init`: starter inputs that build at once.

Files are created, never replaced, and never through a symlink: a starter file that is a
symlink pointing nowhere would otherwise be created wherever it points. The owner's name
goes into TOML and BibTeX spelt so that each reads it back as typed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import unicodedata
from pathlib import Path

from pubsite.errors import EXIT_USAGE, PubsiteError
from pubsite.read import braces, latex
from pubsite.render.templating import builtin_templates

STARTER_BIB = """\
% Your publications. Newest first is the usual order; pubsite sorts by year anyway.
% A "*" after a name marks equal contribution; links: arxiv, code, slides, project, video,
% pdf, or any label with links = {[label](https://...)}.

@inproceedings{example2024,
  title      = {An Example Paper Title},
  author     = {__BIBNAME__* and Alan Turing* and Grace Hopper},
  booktitle  = {Proceedings of an Example Conference},
  venue      = {EXCONF},
  venue_note = {Oral},
  year       = {2024},
  arxiv      = {2401.00001},
  code       = {https://github.com/example/example},
}

@article{example2023,
  title   = {A Journal Article with an {\\"U}mlaut in the Title},
  author  = {Barbara Liskov and __BIBNAME__},
  journal = {Journal of Examples},
  year    = {2023},
  award   = {Best Paper Award},
  links   = {[blog post](https://example.org/blog)},
  abstract = {What the paper shows, in a few sentences: shown under the entry and on its
              page, and read by Google Scholar.},
}
"""

STARTER_PROFILE = """\
# Your homepage. See the pubsite README for every key.
name = __NAME__
description = __DESCRIPTION__
email = "you@example.org"   # shown obfuscated; set email_mailto = true for a link

about = \"\"\"
I work on *interesting problems*. This text is [Markdown](https://commonmark.org/).
\"\"\"

[[positions]]
title = "Researcher"
organization = "Example University"

[[news]]
date = "2024-01"
text = "Our paper was accepted at EXCONF 2024."

[publications]
heading = "Publications"
group_by = "none"        # none, year or type
name_style = "first-last"  # first-last, initials or last-first
"""


def name_problem(name: str) -> str | None:
    """Why NAME cannot be the owner's name in the starter files, or None."""
    for c in name:
        category = unicodedata.category(c)
        if category in ("Cc", "Zl", "Zp"):
            return f"a name is one line of text, without control characters ({c!r})"
        if category == "Cs":  # bytes the terminal's encoding could not decode
            return "the name is not valid text in the terminal's encoding"
    if not plain_name(name).strip():
        return "the name is empty; give the owner's name, e.g. --name 'Ada Lovelace'"
    return None


_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                 "\f": "\\f", "\r": "\\r"}


def toml_string(text: str) -> str:
    """TEXT as a TOML basic string, which tomllib reads back equal."""
    out = []
    for c in text:
        if c in _TOML_ESCAPES:
            out.append(_TOML_ESCAPES[c])
        elif unicodedata.category(c) == "Cc":  # TOML allows no raw control character
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


# What pubsite's reader (and BibTeX) would take for markup, spelt as the character itself.
# A "*" would mark equal contribution, "~" is a tie; "{}" are kept only balanced (below).
_BIB_SPELLING = {"\\": "{$\\backslash$}", "$": "\\$", "%": "\\%", "&": "\\&",
                 "#": "\\#", "_": "\\_", "*": "{*}", "^": "{^}", "~": "{\\textasciitilde}"}
_AND = re.compile(r"(?<=\s)and(?=\s)", re.IGNORECASE)  # a word BibTeX splits names at


def bibtex_name(name: str) -> str:
    """NAME as the author of a braced BibTeX value: the file stays valid whatever the
    name holds, and pubsite reads the name back as typed (unbalanced braces, which no
    BibTeX value can hold, are left out)."""
    keep_braces = braces.balanced(name)
    out = []
    for c in name:
        if c in "{}":
            out.append(f"\\{c}" if keep_braces else "")
        else:
            out.append(_BIB_SPELLING.get(c, c))
    return _AND.sub(lambda m: "{" + m.group() + "}", "".join(out))


def plain_name(name: str) -> str:
    """NAME as plain text: a name typed as LaTeX (`Kurt G\\"odel`, `Erd{\\H{o}}s`) is read
    the way pubsite reads the .bib, so profile.toml holds the name the .bib gives back."""
    if not any(c in name for c in "\\{}"):
        return name
    return " ".join(latex.decode(name).split())


def init(directory: Path, name: str) -> list[str]:
    """Write the starter files that are not there yet; refuse (before writing any) when
    one is a symlink."""
    typed, name = name, plain_name(name)
    values = {"NAME": toml_string(name),
              "DESCRIPTION": toml_string(f"{name}'s academic homepage."),
              "BIBNAME": bibtex_name(name)}
    starters = {filename: re.sub(r"__(NAME|DESCRIPTION|BIBNAME)__",
                                 lambda m: values[m.group(1)], template)
                for filename, template in (("publications.bib", STARTER_BIB),
                                           ("profile.toml", STARTER_PROFILE))}
    if directory.is_symlink() and not directory.exists():
        raise _symlink_refused(directory)
    directory.mkdir(parents=True, exist_ok=True)
    out = [f"read the name as LaTeX: {name}"] if name != typed else []
    out += create_all(directory, {f: text.encode() for f, text in starters.items()})
    here = directory.resolve() == Path.cwd().resolve()
    out.append("next: pubsite build" if here else f"next: cd {directory} && pubsite build")
    return out


def _symlink_refused(path: Path) -> PubsiteError:
    try:
        where = f" (to {os.readlink(path)})"
    except OSError:
        where = ""
    return PubsiteError(f"{path} is a symlink{where}; pubsite init never writes through a "
                        "symlink. Remove it, or create what it points to yourself, and run "
                        "pubsite init again.", EXIT_USAGE)


def _refuse_symlinks(directory: Path, rels: list[str]) -> None:
    """Refuse, before anything is written, when a file to create or a folder on its way
    inside DIRECTORY is a symlink."""
    for rel in rels:
        path = directory
        for part in Path(rel).parts:
            path = path / part
            if path.is_symlink():
                raise _symlink_refused(path)


def create_all(directory: Path, files: dict[str, bytes]) -> list[str]:
    """Each file created under DIRECTORY unless it exists (then kept), after refusing any
    symlink on the way of a file to create: a line for each, "wrote" or "kept"."""
    missing = [rel for rel in files if not (directory / rel).exists()]
    _refuse_symlinks(directory, missing)
    return [f"wrote {directory / rel}" if rel in missing and create(directory, rel, data)
            else f"kept {directory / rel} (it exists already)" for rel, data in files.items()]


def create(directory: Path, rel: str, data: bytes) -> bool:
    """Create DIRECTORY/REL holding DATA, with the folders on its way; False when it
    exists. Each step is opened without following a symlink (O_NOFOLLOW, and O_EXCL for
    the file), so a symlink that appears after the check is refused too."""
    *folders, filename = Path(rel).parts
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        path = directory
        for part in folders:
            path = path / part
            with contextlib.suppress(FileExistsError):  # a folder, or what _step refuses
                os.mkdir(part, dir_fd=fd)
            inner = _step(fd, part, path)
            os.close(fd)
            fd = inner
        try:
            file_fd = os.open(filename, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW,
                              0o644, dir_fd=fd)
        except FileExistsError:
            if stat.S_ISLNK(os.lstat(filename, dir_fd=fd).st_mode):
                raise _symlink_refused(path / filename) from None
            return False
        with os.fdopen(file_fd, "wb") as f:
            f.write(data)
        return True
    finally:
        os.close(fd)


def _step(fd: int, part: str, path: Path) -> int:
    """The folder PART inside the folder FD, opened without following a symlink."""
    try:
        return os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR) and \
                stat.S_ISLNK(os.lstat(part, dir_fd=fd).st_mode):
            raise _symlink_refused(path) from None
        raise OSError(exc.errno, exc.strerror, str(path)) from None


def copy_templates(directory: Path) -> list[str]:
    """Copy the built-in theme into DIR/templates/ for editing; existing files stay."""
    source = builtin_templates()
    files = {f"templates/{path.relative_to(source).as_posix()}": path
             for path in sorted(source.rglob("*"))
             if path.is_file() and "__pycache__" not in path.parts}
    out = create_all(directory, {rel: path.read_bytes() for rel, path in files.items()})
    out.append("edit them; delete a file to go back to the built-in one "
               '({% extends "default:html/base.html" %} reaches the original)')
    return out
