"""How pubsite opens a file of the project it did not write: templates, the photo, previews,
linked PDFs. A checkout may have been prepared by someone else (a pull request previewed
in CI), so a name in it is data: the file must resolve inside the project folder (a
symlink that points out of it is refused), be a regular file (not a FIFO, a device or
`/proc`), and be no larger than its cap. Opening never blocks and nothing is read whole
that is copied: copies are streamed.
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

# A template is a page of markup; a linked file (a paper's PDF, a preview, the photo) is
# what a homepage serves. Past these, a file is refused with a diagnostic, never read.
MAX_TEMPLATE_BYTES = 1024 * 1024
MAX_LINKED_BYTES = 100 * 1024 * 1024
CHUNK = 1024 * 1024


class Refused(Exception):
    """A project file pubsite will not open; the message says why, for the user."""


@dataclass(frozen=True, slots=True)
class ProjectFile:
    """A file of the project that the site carries as it is (a PDF, a preview, the photo):
    the write stage streams it from `base`/`rel` through `open_inside`, checked again
    when it is copied."""
    base: str
    rel: str
    cap: int = MAX_LINKED_BYTES


OUTPUT_MARK = ".pubsite-manifest.json"  # the record every output folder of pubsite holds


def _resolved(base: Path, rel: str | os.PathLike[str]) -> Path:
    rel_s = os.fspath(rel)
    p = PurePosixPath(rel_s.replace("\\", "/"))
    if not rel_s or p.is_absolute() or ".." in p.parts or "\x00" in rel_s:
        raise Refused("is not a path inside the project folder")
    root = base.resolve()
    try:
        real = (root / p).resolve(strict=True)
    except FileNotFoundError:
        raise Refused("is not there") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop, a name too long
        raise Refused(f"cannot be opened ({exc})") from None
    if real != root and root not in real.parents:
        raise Refused("is a symlink to a file outside the project folder")
    # Hidden files stay private (.git/config holds a CI checkout's token, .env secrets): a
    # symlink may not lead into one that the name itself does not spell.
    hidden = [part for part in real.relative_to(root).parts if part.startswith(".")]
    if hidden and real.relative_to(root).parts != p.parts:
        raise Refused(f"is a symlink to a hidden file ({'/'.join(hidden)}); those are never "
                      "published")
    for folder in real.parents:  # pubsite's own output is no input: it would copy itself
        if folder == root or root not in folder.parents:
            break
        if os.path.lexists(folder / OUTPUT_MARK):
            raise Refused(f"is inside pubsite's output folder "
                          f"{folder.relative_to(root)}/; link the file where it is kept")
    return real


def open_inside(base: Path, rel: str | os.PathLike[str], cap: int) -> io.BufferedReader:
    """The file `rel` of the project in `base`, open for reading, or `Refused`."""
    real = _resolved(base, rel)
    try:
        # O_NONBLOCK: a FIFO planted under the name must not hang the open.
        fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise Refused(f"cannot be opened ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise Refused("is not a regular file")
        if st.st_size > cap:
            raise Refused(f"is {st.st_size:,} bytes; the limit is {cap:,}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_inside(base: Path, rel: str | os.PathLike[str], cap: int) -> bytes:
    """The bytes of a small project file (a template), or `Refused`; never more than the
    cap, even when the file grows while it is read."""
    with open_inside(base, rel, cap) as f:
        data = f.read(cap + 1)
    if len(data) > cap:
        raise Refused(f"is larger than the limit of {cap:,} bytes")
    return data


def stat_inside(base: Path, rel: str | os.PathLike[str], cap: int) -> os.stat_result:
    """The size and mtime of a project file as `open_inside` would accept it, or
    `Refused`; for lookups that must not read the file."""
    with open_inside(base, rel, cap) as f:
        return os.fstat(f.fileno())


def read_input(path: Path) -> bytes:
    """The bytes of an input the user named (publications.bib, profile.toml). It may be a
    symlink (a .bib kept in a synced folder), but it must be a regular file that can be
    read without waiting: a FIFO or `/proc/kmsg` planted under the name must not hang the
    build. `Refused` or `OSError` otherwise."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Refused("is not a regular file")
        try:
            data = f.read()
        except BlockingIOError:
            data = None
        if data is None:  # a /proc file that would wait for data
            raise Refused("is not a regular file (reading it would wait)")
        return data
