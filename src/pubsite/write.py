"""The only stage that touches the output folder.

The user's folder is never moved, replaced or deleted: `OUT` may be a symlink, a mount point
or a git checkout with a `CNAME`, and it is written through. A build runs in two phases
under one lock per folder:

1. every changed file is written to a temporary file beside its target, each path noted
   first in a journal; a failure here removes the temporary files and leaves the site as
   it was;
2. each temporary file replaces its target (`os.replace`, atomic), the manifest is written,
   files the last build wrote and this one did not are deleted when they still hold what
   pubsite wrote, and the journal goes last.

A kill at any moment leaves every file old or new. The next build reads the manifest and
any journal left behind, and repairs by checking each file's content, not by trusting the
record.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import re
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pubsite.errors import EXIT_USAGE, PubsiteError

if TYPE_CHECKING:
    from pubsite.model import Content

MANIFEST = ".pubsite-manifest.json"
JOURNAL = ".pubsite-journal"
_OWN = (MANIFEST, JOURNAL)
_TMP = ".pubsite-tmp"
_BEGIN = "pubsite-journal: a build began"

def check_target(out: Path, inputs: list[Path]) -> None:
    out_abs = out.resolve()
    for p in inputs:
        p_abs = p.resolve()
        if p_abs.parent == out_abs or out_abs in p_abs.parents or out_abs == p_abs:
            raise PubsiteError(
                f"{out}: refusing to build into a folder that holds the input {p.name}; "
                "choose another --out (the default is _site)", EXIT_USAGE)
    if out.exists() and not out.is_dir():
        raise PubsiteError(f"{out}: exists and is not a folder", EXIT_USAGE)
    if out.is_dir() and not _ours(out):
        raise PubsiteError(
            f"{out}: refusing to write into a folder pubsite did not create (it is not empty "
            f"and has no {MANIFEST}); choose an empty or new --out", EXIT_USAGE)


def _ours(out: Path) -> bool:
    names = set(os.listdir(out))
    return not names or bool(names & {MANIFEST, JOURNAL})


_PLAIN_RELPATH = re.compile(r"[\w\-]+(?:\.[\w\-]+)*(?:/[\w\-]+(?:\.[\w\-]+)*)*")


def clean_relpath(rel: str) -> str:
    """`safe_relpath` as text; a plain path (words, dots inside names, slashes) is already
    in that form."""
    if _PLAIN_RELPATH.fullmatch(rel):
        return rel
    return str(safe_relpath(rel))


def safe_relpath(rel: str) -> PurePosixPath:
    p = PurePosixPath(rel)
    if not rel or not p.parts or p.is_absolute() or any(part in ("..", "") for part in p.parts) \
            or "\\" in rel or "\x00" in rel or ":" in p.parts[0] or p.parts[0] in _OWN:
        raise PubsiteError(f"internal: refusing output path {rel!r} outside the output folder")
    return p


@contextlib.contextmanager
def locked(out: Path, say: Callable[[str], None] | None = None,
           timeout: float = 600.0) -> Iterator[None]:
    """One writer per output folder (`pubsite serve` and `pubsite build` share it): a
    second build waits for the first, saying so, and gives up after `timeout`. The lock
    is on the folder itself, so nothing is left in it; a folder made for a build that
    then failed is removed again while still empty."""
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_RDONLY | os.O_DIRECTORY)
    try:
        _acquire(fd, out, say, timeout)
        yield
    except BaseException:
        if created:
            with contextlib.suppress(OSError):
                out.rmdir()
        raise
    finally:
        os.close(fd)  # closing releases the lock


def _acquire(fd: int, out: Path, say: Callable[[str], None] | None, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    told = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if not told and say is not None:
                say(f"{out}: another pubsite build is writing here; waiting for it")
                told = True
            if time.monotonic() > deadline:
                raise PubsiteError(f"{out}: another pubsite build has held it for "
                                   f"{timeout:.0f} s; stop it or choose another --out",
                                   EXIT_USAGE) from None
            time.sleep(0.05)


@dataclass(frozen=True, slots=True)
class Record:
    """A file as pubsite wrote it: its digest, size and modification time."""
    digest: str
    size: int = -1
    mtime_ns: int = -1


@dataclass(frozen=True, slots=True)
class Previous:
    """What earlier builds left: the manifest's files, any journal of a build that did not
    finish (each path with every digest pubsite may have written there), and the meta."""
    files: dict[str, Record]
    journal: dict[str, set[str]]
    meta: dict[str, Any]
    interrupted: bool = False  # a journal was left behind

    def intact(self, out: Path) -> bool:
        """Every file the last build wrote is there as it was written (size and mtime, as
        git checks its index), and no build was interrupted since."""
        if self.interrupted or not self.files:
            return False
        base = os.path.join(out, "")
        for rel, rec in self.files.items():
            try:
                st = os.lstat(base + rel)
            except OSError:
                return False
            if st.st_size != rec.size or st.st_mtime_ns != rec.mtime_ns:
                return False
        return True

    def wrote(self, rel: str) -> set[str]:
        """Every digest pubsite recorded for `rel`."""
        found = set(self.journal.get(rel, ()))
        if rel in self.files:
            found.add(self.files[rel].digest)
        return found


def previous(out: Path) -> Previous:
    files: dict[str, Record] = {}
    meta: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError, AttributeError, TypeError):
        data = json.loads((out / MANIFEST).read_bytes())
        for rel, value in data.get("files", {}).items():
            if isinstance(value, str):
                files[rel] = Record(value)
            elif isinstance(value, list) and len(value) == 3:
                files[rel] = Record(str(value[0]), int(value[1]), int(value[2]))
        found = data.get("meta", {})
        meta = found if isinstance(found, dict) else {}
    journal: dict[str, set[str]] = {}
    interrupted = (out / JOURNAL).exists()
    with contextlib.suppress(OSError):
        for line in (out / JOURNAL).read_text("utf-8", "replace").splitlines():
            digest, _, rel = line.partition(" ")
            if len(digest) == 64 and rel:
                journal.setdefault(rel, set()).add(digest)
    return Previous(files, journal, meta, interrupted)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_regular(path: str) -> bytes | None:
    """The bytes of a regular file, opened without following a symlink; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        return f.read()


def _file_digest(path: str) -> str | None:
    data = read_regular(path)
    return None if data is None else _digest(data)


def _tmp_of(path: str) -> str:
    folder, _, name = path.rpartition("/")
    return f"{folder}/.{name}{_TMP}"


class _Folders:
    """Folders inside OUT made or checked once per build; none may be a symlink, so no
    write or delete ever lands outside OUT."""

    def __init__(self, out: str) -> None:
        self.out = out
        self.real: set[str] = {""}
        self.made: list[str] = []

    def remove_made(self) -> None:
        for here in reversed(self.made):
            with contextlib.suppress(OSError):
                os.rmdir(f"{self.out}/{here}")

    def ensure(self, rel: str, make: bool) -> bool:
        folder = rel.rpartition("/")[0]
        if folder in self.real:
            return True
        parent = ""
        for part in folder.split("/"):
            here = f"{parent}/{part}" if parent else part
            if here not in self.real:
                path = f"{self.out}/{here}"
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    if not make:
                        return False
                    os.mkdir(path)
                    self.made.append(here)
                    st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
                    raise PubsiteError(
                        f"{path}: is a symlink or not a folder; pubsite writes only into "
                        "real folders inside the output folder. Remove it, then build again.",
                        EXIT_USAGE)
                self.real.add(here)
            parent = here
        return True


@dataclass(frozen=True, slots=True)
class Written:
    written: int
    unchanged: int
    deleted: int
    files: frozenset[str]  # what pubsite now owns in the folder


def write_site(out: Path, files: Iterable[tuple[str, Content]] | dict[str, Content],
               inputs: list[Path], meta: dict[str, object] | None = None,
               before: Previous | None = None) -> Written:
    """Make `files` the content pubsite owns in `out`; call it holding `locked(out)`.
    `before` is `previous(out)` when the caller has read it already (checked then too)."""
    if before is None:
        check_target(out, inputs)
        before = previous(out)
    out.mkdir(parents=True, exist_ok=True)
    out_s = os.fspath(out)
    folders = _Folders(out_s)
    _clear_temporaries(out_s, before)
    staged: list[str] = []
    records: dict[str, Record] = {}
    with open(f"{out_s}/{JOURNAL}", "a", encoding="utf-8") as journal:
        journaled = journal.tell()
        # Flushed before any temporary file exists: a build killed from here on is seen,
        # and the next one looks for its temporary files.
        journal.write(f"{_BEGIN}\n")
        journal.flush()
        try:
            for rel_raw, content in files.items() if isinstance(files, dict) else files:
                rel = clean_relpath(rel_raw)
                if rel in records:
                    raise PubsiteError(f"internal: a renderer produced {rel} twice")
                records[rel] = _stage(out_s, rel, content, before, folders, journal, staged)
        except BaseException:
            # Nothing of the site has changed yet: the temporary files, the folders made
            # for them and this build's journal lines go.
            for rel in staged:
                with contextlib.suppress(OSError):
                    os.unlink(_tmp_of(f"{out_s}/{rel}"))
            folders.remove_made()
            journal.truncate(journaled)
            if not journaled:
                os.unlink(f"{out_s}/{JOURNAL}")
            raise
        # Every path about to be replaced is on disk before the first replace.
        journal.flush()
    with _ctrl_c_after():
        for rel in staged:
            os.replace(_tmp_of(f"{out_s}/{rel}"), f"{out_s}/{rel}")
        records = {rel: _stat_record(out_s, rel, rec) for rel, rec in records.items()}
        _journal_stale(out_s, before, set(records))
        _replace_text(f"{out_s}/{MANIFEST}", _manifest_json(records, meta or {}))
        deleted = _delete_stale(out_s, before, set(records), folders)
        os.unlink(f"{out_s}/{JOURNAL}")
    return Written(len(staged), len(records) - len(staged), deleted, frozenset(records))


@contextlib.contextmanager
def _ctrl_c_after() -> Iterator[None]:
    """Ctrl-C during the renames (a fraction of a second) takes effect once they are done,
    so an interrupted build leaves the old site or the new one, not a journal to repair.
    A kill -9 cannot be deferred: the journal covers it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    previous_handler = signal.signal(signal.SIGINT, lambda signum, _frame: pressed.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous_handler)
    if pressed:
        raise KeyboardInterrupt


def _stage(out_s: str, rel: str, content: Content, before: Previous, folders: _Folders,
           journal: Any, staged: list[str]) -> Record:
    """Write one file's new content beside its target; nothing when it is already there."""
    folders.ensure(rel, make=True)
    target = f"{out_s}/{rel}"
    data = _as_bytes(content)
    digest = _digest(data)
    old = before.files.get(rel)
    if old is not None and old.digest == digest and not before.interrupted:
        with contextlib.suppress(OSError):
            st = os.lstat(target)
            if st.st_size == old.size and st.st_mtime_ns == old.mtime_ns and \
                    stat.S_ISREG(st.st_mode):
                return old
    if (old is not None or rel in before.journal) and _file_digest(target) == digest:
        return Record(digest)
    # Written to disk with the others before any file is replaced: a build killed after
    # that still knows the file is pubsite's.
    journal.write(f"{digest} {rel}\n")
    staged.append(rel)
    return Record(digest, *_write_new(_tmp_of(target), data))


def _write_new(path: str, data: bytes) -> tuple[int, int]:
    """Write a file that no one else writes; its size and mtime (kept by the rename).
    Plain os calls: with twenty thousand files, file objects cost more than the writes."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return st.st_size, st.st_mtime_ns


def _as_bytes(content: Content) -> bytes:
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return b"".join(c.encode("utf-8") if isinstance(c, str) else c for c in content)


def _stat_record(out_s: str, rel: str, rec: Record) -> Record:
    if rec.size >= 0:
        return rec
    st = os.lstat(f"{out_s}/{rel}")
    return Record(rec.digest, st.st_size, st.st_mtime_ns)


def _clear_temporaries(out_s: str, before: Previous) -> None:
    """Temporary files a killed build left beside the files it was writing (its journal
    may not name them all: they are found by their name)."""
    if not before.interrupted:
        return
    for top, dirs, names in os.walk(out_s):  # never into a symlinked folder
        dirs[:] = [d for d in dirs if d != ".git"]
        for name in names:
            if name.startswith(".") and name.endswith(_TMP):
                os.unlink(os.path.join(top, name))


def _journal_stale(out_s: str, before: Previous, now: set[str]) -> None:
    """The files this build will delete, noted before the manifest forgets them: a build
    killed between the manifest and the deletes still knows they are pubsite's."""
    stale = (set(before.files) | set(before.journal)) - now
    if stale:
        with open(f"{out_s}/{JOURNAL}", "a", encoding="utf-8") as journal:
            journal.writelines(f"{digest} {rel}\n" for rel in sorted(stale)
                               for digest in sorted(before.wrote(rel)))


def _delete_stale(out_s: str, before: Previous, now: set[str], folders: _Folders) -> int:
    """Delete what an earlier build wrote and this one did not, where the file still holds
    what pubsite wrote (a file the user changed or put there is theirs)."""
    deleted = 0
    emptied: set[str] = set()
    for rel in sorted((set(before.files) | set(before.journal)) - now):
        if not folders.ensure(rel, make=False):
            continue
        path = f"{out_s}/{rel}"
        if _file_digest(path) in before.wrote(rel):
            os.unlink(path)
            deleted += 1
            emptied.add(rel.rpartition("/")[0])
    for folder in sorted(emptied, key=lambda f: -f.count("/")):
        while folder:
            try:
                os.rmdir(f"{out_s}/{folder}")
            except OSError as exc:
                if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOENT):
                    raise
                break
            folder = folder.rpartition("/")[0]
    return deleted


def _manifest_json(files: dict[str, Record], meta: dict[str, object]) -> str:
    return json.dumps({"generator": "pubsite",
                       "files": {rel: [r.digest, r.size, r.mtime_ns] for rel, r in files.items()},
                       "meta": meta}, sort_keys=True, separators=(",", ":"))


def _replace_text(path: str, text: str) -> None:
    tmp = _tmp_of(path)
    _write_new(tmp, text.encode("utf-8"))
    os.replace(tmp, path)
