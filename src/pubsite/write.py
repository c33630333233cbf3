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
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from pubsite.errors import (
    EXIT_INPUT,
    EXIT_OUTPUT,
    EXIT_USAGE,
    PubsiteError,
    Terminated,
    stop_if_signalled,
)
from pubsite.projectfiles import CHUNK, OUTPUT_MARK, ProjectFile, Refused, open_inside

if TYPE_CHECKING:
    from pubsite.model.site import Content

MANIFEST = OUTPUT_MARK
JOURNAL = ".pubsite-journal"
_OWN = (MANIFEST, JOURNAL)
_TMP = ".pubsite-tmp"
_BEGIN = "pubsite-journal: a build began"
_HIDDEN_WRITTEN = frozenset({".nojekyll"})  # the only hidden file a site of pubsite holds
_NEVER_WRITTEN = frozenset({"CNAME"})  # a host's file beside the site, never pubsite's

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
    interrupted: bool = False  # a journal was left behind, or a record was dropped
    distrusted: tuple[str, ...] = ()  # why records were dropped, for the user

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


# pubsite's records are read back from a folder others may commit to (a gh-pages branch):
# past this size a record is not one pubsite wrote.
_MAX_STATE_BYTES = 256 * 1024 * 1024
_DIGEST = re.compile(r"[0-9a-f]{64}")


def _recorded_path(rel: object) -> bool:
    """A path read back from pubsite's own records is data, not an instruction: only a
    plain path inside OUT (no `..`, not absolute, not pubsite's own files) is trusted."""
    if not isinstance(rel, str):
        return False
    if _PLAIN_RELPATH.fullmatch(rel):
        # Words, hyphens and inner dots only: nothing hidden, no `..`, nothing absolute.
        # An unchanged build of 10,000 entries: 0.18 s with this, 0.24 s without (issue
        # 26 asks 0.2x of the bare parse there); the same 0.09 s at 1,000.
        return rel not in _NEVER_WRITTEN
    try:
        safe_relpath(rel)
    except PubsiteError:
        return False
    parts = rel.split("/")
    if any(part.startswith(".") for part in parts) and rel not in _HIDDEN_WRITTEN:
        return False  # pubsite writes no hidden file but these: `.git/` is never a record's
    return rel not in _NEVER_WRITTEN and "" not in parts


def previous(out: Path) -> Previous:
    """What earlier builds recorded. A record whose path would leave OUT, or whose digest
    is not one, is dropped and named in `distrusted`; the build then checks every file's
    content instead of trusting the record, and deletes only what a valid record proves
    pubsite wrote."""
    bad: list[str] = []
    files, meta = _read_manifest(out, bad)
    journal = _read_journal(out, bad)
    interrupted = os.path.lexists(out / JOURNAL)
    return Previous(files, journal, {} if bad else meta, interrupted or bool(bad), tuple(bad))


def _read_state(path: Path, bad: list[str]) -> bytes | None:
    if not os.path.lexists(path):
        return None
    data = read_regular(os.fspath(path), _MAX_STATE_BYTES)
    if data is None:
        bad.append(f"{path}: not a regular file of at most {_MAX_STATE_BYTES:,} bytes")
    return data


def _read_manifest(out: Path, bad: list[str]) -> tuple[dict[str, Record], dict[str, Any]]:
    files: dict[str, Record] = {}
    raw = _read_state(out / MANIFEST, bad)
    if raw is None:
        return files, {}
    try:
        data = json.loads(raw)
        items = data.get("files", {}).items()
        meta = data.get("meta", {})
    except (ValueError, AttributeError, TypeError, RecursionError):
        bad.append(f"{out / MANIFEST}: not a manifest pubsite wrote")
        return files, {}
    for rel, value in items:
        rec = _record(value)
        if rec is None or not _recorded_path(rel):
            bad.append(f"{out / MANIFEST}: names {str(rel)[:200]!r}, which is not a file "
                       "pubsite writes inside the output folder")
            continue
        files[rel] = rec
    return files, meta if isinstance(meta, dict) else {}


def _record(value: object) -> Record | None:
    try:
        if isinstance(value, list) and len(value) == 3 and isinstance(value[0], str) \
                and _DIGEST.fullmatch(value[0]):
            return Record(value[0], int(value[1]), int(value[2]))
    except (TypeError, ValueError, OverflowError):
        pass
    return None


def _read_journal(out: Path, bad: list[str]) -> dict[str, set[str]]:
    journal: dict[str, set[str]] = {}
    raw = _read_state(out / JOURNAL, bad)
    for line in (raw or b"").decode("utf-8", "replace").splitlines():
        digest, _, rel = line.partition(" ")
        if line == _BEGIN:
            continue
        if not _DIGEST.fullmatch(digest) or not _recorded_path(rel):
            bad.append(f"{out / JOURNAL}: names {rel[:200]!r}, which is not a file pubsite "
                       "writes inside the output folder")
            continue
        journal.setdefault(rel, set()).add(digest)
    return journal


def _digest(chunks: Iterable[bytes]) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk)
    return h.hexdigest()


def _open_regular(path: str) -> int | None:
    """A descriptor of the regular file at `path`, opened without following a symlink
    and without blocking on a FIFO; else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        return None
    return fd


def read_regular(path: str, cap: int = -1) -> bytes | None:
    """The bytes of a regular file (no symlink, no FIFO), at most `cap` of them; else
    None."""
    fd = _open_regular(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as f:
        data = f.read() if cap < 0 else f.read(cap + 1)
    return data if cap < 0 or len(data) <= cap else None


def _file_digest(path: str) -> str | None:
    """The digest of a regular file, read in pieces (a site may carry large PDFs)."""
    fd = _open_regular(path)
    if fd is None:
        return None
    with os.fdopen(fd, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


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
        self.made_set: set[str] = set()

    def remove_made(self) -> None:
        for here in reversed(self.made):
            with contextlib.suppress(OSError):
                os.rmdir(f"{self.out}/{here}")

    def ensure(self, rel: str, make: bool) -> bool:
        """Whether the folders of `rel` are real folders inside OUT, made when `make`.
        Writing through a symlink or a file is an error; a delete just does not happen."""
        folder = rel.rpartition("/")[0]
        if folder in self.real:
            return True
        parent = ""
        for part in folder.split("/"):
            if part in ("", ".", ".."):
                raise PubsiteError(f"internal: refusing output path {rel!r}")
            here = f"{parent}/{part}" if parent else part
            if here not in self.real:
                path = f"{self.out}/{here}"
                try:
                    st = os.lstat(path)
                except FileNotFoundError:
                    if not make:
                        return False
                    # Noted before it is made: Ctrl-C lands as mkdir returns (its slowest
                    # step), and a folder made but not noted stayed after the build stopped,
                    # so that the next one refused the output folder as someone else's.
                    self.made.append(here)
                    self.made_set.add(here)
                    try:
                        os.mkdir(path)
                    except OSError:
                        self.made.pop()
                        self.made_set.discard(here)
                        raise
                    st = os.lstat(path)
                if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
                    if not make:
                        return False
                    raise PubsiteError(
                        f"{path}: is a symlink or not a folder; pubsite writes only into "
                        "real folders inside the output folder. Remove it, then build again.",
                        EXIT_USAGE)
                self.real.add(here)
            parent = here
        return True

    def empty(self, rel: str) -> bool:
        """Whether `rel`'s folder was made by this build and `rel` is none of the folders
        made since, so nothing stands at `rel` yet (the lock keeps other builds out): its
        checks can be skipped (a cold 10,000-entry build's 20,000 files: 60,000 failed
        lookups, 0.17 s)."""
        return rel.rpartition("/")[0] in self.made_set and rel not in self.made_set


@dataclass(frozen=True, slots=True)
class Written:
    written: int
    unchanged: int
    deleted: int
    files: frozenset[str]  # what pubsite now owns in the folder


@dataclass
class _Stage:
    """One build's first phase: the temporary files written, the records made, the paths
    that belong to the user."""
    out_s: str
    before: Previous
    force: bool
    folders: _Folders
    staged: list[str] = field(default_factory=list)
    records: dict[str, Record] = field(default_factory=dict)
    theirs: list[str] = field(default_factory=list)
    folders_in_way: list[str] = field(default_factory=list)  # where this build writes a file
    lines: list[str] = field(default_factory=list)  # the journal's, written in one go

    @property
    def journal(self) -> str:
        return f"{self.out_s}/{JOURNAL}"


def _clear_state_paths(out_s: str) -> None:
    """pubsite's own record names hold only regular files. Anything else there (a symlink,
    a FIFO someone planted) holds no record and is removed, so that no write follows or
    blocks on it; a folder there may hold someone's files, and stops the build."""
    for name in _OWN:
        path = f"{out_s}/{name}"
        with contextlib.suppress(FileNotFoundError):
            mode = os.lstat(path).st_mode
            if stat.S_ISDIR(mode):
                raise PubsiteError(f"{path}: a folder stands where pubsite keeps its record of "
                                   "what it wrote; move or remove the folder", EXIT_USAGE)
            if not stat.S_ISREG(mode):
                os.unlink(path)


def _append(path: str, text: str) -> None:
    """Text at the end of pubsite's journal, in one write; a failure names the file."""
    _write_chunks(path, (text.encode("utf-8"),), os.O_WRONLY | os.O_APPEND | os.O_CREAT |
                  os.O_NOFOLLOW | os.O_NONBLOCK)


def write_site(out: Path, files: Iterable[tuple[str, Content]] | dict[str, Content],
               inputs: list[Path], meta: dict[str, object] | None = None,
               before: Previous | None = None, force: bool = False) -> Written:
    """Make `files` the content pubsite owns in `out`; call it holding `locked(out)`.
    `before` is `previous(out)` when the caller has read it already (checked then too).
    A path pubsite did not write last time is replaced only with `force`."""
    if before is None:
        check_target(out, inputs)
        before = previous(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        out_s = os.fspath(out)
        _clear_state_paths(out_s)
        _clear_temporaries(out_s, before)
        stage = _Stage(out_s, before, force, _Folders(out_s))
        _stage_all(stage, files.items() if isinstance(files, dict) else files)
        with _signals_after():
            deleted = _commit(stage, meta or {})
    except OSError as exc:
        if exc.errno is None:  # not the file system's (Jinja's TemplateNotFound is an OSError)
            raise
        raise _cannot_write(exc, out) from exc
    records = stage.records
    return Written(len(stage.staged), len(records) - len(stage.staged), deleted,
                   frozenset(records))


def _cannot_write(exc: OSError, out: Path) -> PubsiteError:
    where = str(exc.filename or out)
    folder, _, name = where.rpartition("/")
    if name.startswith(".") and name.endswith(_TMP):  # the file it was written for
        where = f"{folder}/{name[1:-len(_TMP)]}"
    why = exc.strerror or str(exc)
    hint = " Free some space, then build again." if exc.errno in (errno.ENOSPC,
                                                                   errno.EDQUOT) else ""
    return PubsiteError(f"{where}: cannot write: {why}. No temporary file was left behind; "
                        f"each file of the site is as it was or as it should be.{hint}",
                        EXIT_OUTPUT)


def _stage_all(stage: _Stage, files: Iterable[tuple[str, Content]]) -> None:
    """Phase 1: every changed file written beside its target, its path noted for the
    journal. On any failure the temporary files, the folders made for them and this
    build's journal lines go: nothing of the site has changed."""
    try:
        journaled = os.lstat(stage.journal).st_size
    except FileNotFoundError:
        journaled = 0
    try:
        # On disk before any temporary file exists: a build killed from here on is seen,
        # and the next one looks for its temporary files.
        _append(stage.journal, f"{_BEGIN}\n")
        for rel_raw, content in files:
            stop_if_signalled()  # one whose exception Python dropped (errors.SIGNALLED)
            rel = clean_relpath(rel_raw)
            if rel in stage.records:
                raise PubsiteError(f"{rel}: two things would be written at this path of the "
                                   "site (a linked file, a preview or the photo has the path "
                                   "of a page pubsite makes); rename the file", EXIT_INPUT)
            _stage(stage, rel, content)
        if stage.theirs or stage.folders_in_way:
            raise _theirs_error(stage)
        # Every path about to be replaced is on disk before the first replace.
        _append(stage.journal, "".join(stage.lines))
    except BaseException:
        for rel in stage.staged:
            with contextlib.suppress(OSError):
                os.unlink(_tmp_of(f"{stage.out_s}/{rel}"))
        stage.folders.remove_made()
        with contextlib.suppress(OSError):
            if journaled:
                os.truncate(stage.journal, journaled)
            else:
                os.unlink(stage.journal)
        raise


def _theirs_error(stage: _Stage) -> PubsiteError:
    parts = []
    if stage.theirs and stage.before.distrusted:
        parts.append(
            f"refusing to replace files no valid record shows pubsite wrote: "
            f"{_listed(stage, stage.theirs)}. pubsite's record of the output folder was "
            "damaged (see the warning above), so its files cannot be told from yours. If "
            "they are pubsite's, pass --force to replace them; else move them out")
    elif stage.theirs:
        parts.append(
            f"refusing to replace what pubsite did not write: {_listed(stage, stage.theirs)}. "
            "This build makes these paths (a base_url gives sitemap.xml and feed.xml, cv = "
            "true gives cv/ and cv.pdf). Move them out of the output folder, or pass --force "
            "to let pubsite replace them")
    if stage.folders_in_way:
        parts.append(
            f"a folder stands where this build writes a file: "
            f"{_listed(stage, stage.folders_in_way)}. Move or rename the folder; pubsite "
            "never replaces a folder, even with --force")
    return PubsiteError(". ".join(parts), EXIT_USAGE)


def _listed(stage: _Stage, rels: list[str]) -> str:
    shown = [f"{stage.out_s}/{rel}" for rel in rels[:10]]
    more = f" and {len(rels) - 10} more" if len(rels) > 10 else ""
    return ", ".join(shown) + more


def _commit(stage: _Stage, meta: dict[str, object]) -> int:
    """Phase 2: each temporary file replaces its target, the manifest is written, stale
    files go, the journal last. A failure removes the temporary files not yet moved; the
    journal stays, so the next build checks every file."""
    out_s, before = stage.out_s, stage.before
    done = 0
    try:
        for rel in stage.staged:
            os.replace(_tmp_of(f"{out_s}/{rel}"), f"{out_s}/{rel}")
            done += 1
    except BaseException:
        for rel in stage.staged[done:]:
            with contextlib.suppress(OSError):
                os.unlink(_tmp_of(f"{out_s}/{rel}"))
        raise
    records = stage.records
    for rel, rec in records.items():
        records[rel] = _stat_record(out_s, rel, rec)
    _journal_stale(out_s, before, set(records))
    _replace_text(f"{out_s}/{MANIFEST}", _manifest_json(records, meta))
    deleted = _delete_stale(out_s, before, set(records), stage.folders)
    os.unlink(f"{out_s}/{JOURNAL}")
    return deleted


@contextlib.contextmanager
def _signals_after() -> Iterator[None]:
    """Ctrl-C or SIGTERM during the renames (a fraction of a second) takes effect once they
    are done, so an interrupted build leaves the old site or the new one, not a journal to
    repair. A kill -9 cannot be deferred: the journal covers it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []
    old = {sig: signal.signal(sig, lambda signum, _frame: pressed.append(signum))
           for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
    if signal.SIGTERM in pressed:
        raise Terminated
    if pressed:
        raise KeyboardInterrupt


def _stage(stage: _Stage, rel: str, content: Content) -> None:
    """Write one file's new content beside its target; nothing when it is already there."""
    stage.folders.ensure(rel, make=True)
    target = f"{stage.out_s}/{rel}"
    if not isinstance(content, ProjectFile | str | bytes):
        _stage_streamed(stage, rel, target, content)
        return
    data = None if isinstance(content, ProjectFile) else _as_chunks(content)
    digest = _project_digest(content) if isinstance(content, ProjectFile) \
        else _digest(data or ())
    if _settled(stage, rel, target, digest):
        return
    # Written to disk with the others before any file is replaced: a build killed after
    # that still knows the file is pubsite's.
    stage.lines.append(f"{digest} {rel}\n")
    stage.staged.append(rel)  # before writing: a failure midway removes the partial file
    if isinstance(content, ProjectFile):
        copied, size, mtime = _copy_new(_tmp_of(target), content)
        if copied != digest:  # the file changed while it was copied: what was written counts
            digest = copied
            stage.lines.append(f"{digest} {rel}\n")
    else:
        size, mtime = _write_new(_tmp_of(target), data or ())
    stage.records[rel] = Record(digest, size, mtime)


def _stage_streamed(stage: _Stage, rel: str, target: str, content: Iterable[str | bytes]
                    ) -> None:
    """A page made as it is written (the front page of 10,000 entries is 28 MB) goes to its
    temporary file as it comes, hashed on the way, never whole in memory (so the list
    entries held for it cost no peak: a cold 10,000-entry build 151 MiB before both, 147
    MiB after); removed again when no write is due."""
    tmp = _tmp_of(target)
    stage.staged.append(rel)  # before writing: a failure midway removes the partial file
    digest, size, mtime = _write_hashed(tmp, _pieces(content))
    if _settled(stage, rel, target, digest):
        os.unlink(tmp)
        stage.staged.pop()  # after the unlink: interrupted before it, the failure path ends it
        return
    stage.lines.append(f"{digest} {rel}\n")
    stage.records[rel] = Record(digest, size, mtime)


def _settled(stage: _Stage, rel: str, target: str, digest: str) -> bool:
    """Whether `rel` needs no new file: its target holds `digest` already (recorded), or
    it is the user's or a folder (noted: reported with the others, then the build stops)."""
    before = stage.before
    old = before.files.get(rel)
    if old is not None and old.digest == digest and not before.interrupted:
        with contextlib.suppress(OSError):
            st = os.lstat(target)
            if st.st_size == old.size and st.st_mtime_ns == old.mtime_ns and \
                    stat.S_ISREG(st.st_mode):
                stage.records[rel] = old
                return True
    empty = stage.folders.empty(rel)
    if not empty and _file_digest(target) == digest:
        stage.records[rel] = Record(digest)
        return True
    known = old is not None or rel in before.journal
    if not empty and _is_folder(target):
        stage.folders_in_way.append(rel)
        return True
    if not empty and not known and not stage.force and os.path.lexists(target):
        stage.theirs.append(rel)
        return True
    return False


def _is_folder(path: str) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _project_digest(source: ProjectFile) -> str:
    try:
        with open_inside(Path(source.base), source.rel, source.cap) as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except Refused as exc:
        raise PubsiteError(f"{source.rel}: {exc}; it changed since the build began, or "
                           "cannot be published. Build again.", EXIT_INPUT) from None


_NEW = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW


def _write_chunks(path: str, chunks: Iterable[bytes], flags: int = _NEW) -> os.stat_result:
    """Write `chunks` to `path` with plain os calls (with twenty thousand files, file
    objects cost more than the writes); a failure names `path`."""
    try:
        fd = os.open(path, flags, 0o644)
        try:
            for chunk in chunks:
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view):]
            return os.fstat(fd)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, path) from exc


def _write_new(path: str, chunks: Iterable[bytes]) -> tuple[int, int]:
    """Write a file that no one else writes; its size and mtime (kept by the rename)."""
    st = _write_chunks(path, chunks)
    return st.st_size, st.st_mtime_ns


def _copy_new(path: str, source: ProjectFile) -> tuple[str, int, int]:
    """Copy a project file beside its target in pieces, never whole in memory; the digest
    of what was written, its size and mtime."""
    h = hashlib.sha256()
    try:
        f = open_inside(Path(source.base), source.rel, source.cap)
    except Refused as exc:
        raise PubsiteError(f"{source.rel}: {exc}", EXIT_INPUT) from None

    def hashed() -> Iterator[bytes]:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            yield chunk

    with f:
        st = _write_chunks(path, hashed())
    return h.hexdigest(), st.st_size, st.st_mtime_ns


def _as_chunks(content: str | bytes) -> tuple[bytes, ...]:
    return (content if isinstance(content, bytes) else content.encode("utf-8"),)


def _pieces(content: Iterable[str | bytes]) -> Iterator[bytes]:
    """A streamed page as encoded pieces of about CHUNK bytes."""
    pending: list[str | bytes] = []
    size = 0
    for piece in content:
        pending.append(piece)
        size += len(piece)
        if size >= CHUNK:
            yield _encoded(pending)
            pending, size = [], 0
    yield _encoded(pending)


def _write_hashed(path: str, pieces: Iterable[bytes]) -> tuple[str, int, int]:
    """Write `pieces` to a new file at `path`: their digest, the size and mtime. The pieces
    are made while this runs (a page rendered as it is written): their errors (a template's)
    pass as they are, the file system's name `path` (not `_write_chunks`, which names `path`
    in any OSError: a missing template is one)."""
    h = hashlib.sha256()
    try:
        fd = os.open(path, _NEW, 0o644)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, path) from exc
    try:
        for piece in pieces:
            h.update(piece)
            try:
                view = memoryview(piece)
                while view:
                    view = view[os.write(fd, view):]
            except OSError as exc:
                raise OSError(exc.errno, exc.strerror, path) from exc
        st = os.fstat(fd)
    finally:
        os.close(fd)
    return h.hexdigest(), st.st_size, st.st_mtime_ns


def _encoded(pieces: list[str | bytes]) -> bytes:
    return b"".join(p.encode("utf-8") if isinstance(p, str) else p for p in pieces)


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
        _append(f"{out_s}/{JOURNAL}", "".join(f"{digest} {rel}\n" for rel in sorted(stale)
                                              for digest in sorted(before.wrote(rel))))


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


def replace_file(path: Path, data: bytes, inputs: Iterable[Path] = ()) -> None:
    """`export -o FILE`: the new content in a temporary file beside FILE, then one rename;
    a full disk or a kill leaves the old file whole and no temporary file. A symlinked
    FILE is written where it points, as the user asked; a device or a pipe (/dev/null,
    /dev/stdout, a FIFO) is written to, never replaced; an input is never overwritten."""
    try:
        st: os.stat_result | None = os.stat(path)
    except OSError:
        st = None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise PubsiteError(f"{path}: is a folder; name a file with -o", EXIT_USAGE)
    for source in inputs:
        with contextlib.suppress(OSError):
            if st is not None and os.path.samefile(path, source):
                raise PubsiteError(f"{path}: is the input {source}; -o would overwrite it. "
                                   "Name another file", EXIT_USAGE)
    if st is not None and not stat.S_ISREG(st.st_mode):
        _write_stream(path, data)
        return
    target = os.path.realpath(path)
    tmp = f"{target}.pubsite-tmp-{os.getpid()}"
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o644
    try:
        _write_new(tmp, (data,))
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise PubsiteError(f"{path}: cannot write: {exc.strerror}; {path} is as it was",
                               EXIT_OUTPUT) from exc
        raise


def _write_stream(path: Path, data: bytes) -> None:
    """Write to a device or a pipe in place; a FIFO nobody reads is an error, not a hang."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.set_blocking(fd, True)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except OSError as exc:
        why = "nothing reads from it" if exc.errno == errno.ENXIO else exc.strerror
        raise PubsiteError(f"{path}: cannot write: {why}", EXIT_OUTPUT) from exc


def _replace_text(path: str, text: str) -> None:
    tmp = _tmp_of(path)
    try:
        _write_new(tmp, (text.encode("utf-8"),))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
