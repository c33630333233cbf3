"""The only stage that touches the output folder.

A build goes to a temporary sibling folder and is swapped in only when complete, so a
failed build leaves the previous site byte-identical. pubsite writes only into a folder it
created (it holds MANIFEST) or an empty one, keeps files it did not write (dotfiles, CNAME,
.git) and removes only what it wrote before.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pubsite.errors import EXIT_USAGE, PubsiteError

MANIFEST = ".pubsite-manifest.json"


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
    if out.is_dir() and not (out / MANIFEST).is_file() and any(out.iterdir()):
        raise PubsiteError(
            f"{out}: refusing to write into a folder pubsite did not create (it is not empty "
            f"and has no {MANIFEST}); choose an empty or new --out", EXIT_USAGE)


_PLAIN_RELPATH = re.compile(r"[\w\-]+(?:\.[\w\-]+)*(?:/[\w\-]+(?:\.[\w\-]+)*)*")


def clean_relpath(rel: str) -> str:
    """`safe_relpath` as text; a plain path (words, dots inside names, slashes) is already
    in that form, and twenty thousand of them are checked per build."""
    if _PLAIN_RELPATH.fullmatch(rel):
        return rel
    return str(safe_relpath(rel))


def safe_relpath(rel: str) -> PurePosixPath:
    p = PurePosixPath(rel)
    if not rel or not p.parts or p.is_absolute() or any(part in ("..", "") for part in p.parts) \
            or "\\" in rel or "\x00" in rel or ":" in p.parts[0]:
        raise PubsiteError(f"internal: refusing output path {rel!r} outside the output folder")
    return p


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Previous:
    """What the last build left: its files with their digests, and what it recorded about
    its inputs (both empty when unknown or unreadable)."""
    files: dict[str, str]
    meta: dict[str, Any]

    def intact(self, out: Path) -> bool:
        """Every file the last build wrote is still there."""
        base = os.path.join(out, "")
        isfile = os.path.isfile
        return all(isfile(base + rel) for rel in self.files)


def previous(out: Path) -> Previous:
    try:
        data = json.loads((out / MANIFEST).read_bytes())
        files, meta = data.get("files", {}), data.get("meta", {})
        return Previous({k: v for k, v in files.items()
                         if isinstance(k, str) and isinstance(v, str)},
                        meta if isinstance(meta, dict) else {})
    except (OSError, ValueError, AttributeError):
        return Previous({}, {})


def _manifest_json(files: dict[str, str], meta: dict[str, object]) -> str:
    # No indent: json's fast C encoder only runs without one; tens of thousands of files.
    return json.dumps({"generator": "pubsite", "files": files, "meta": meta},
                      sort_keys=True, separators=(",", ":"))


Content = str | bytes | Iterable[str] | Iterable[bytes]


def write_site(out: Path, files: Iterable[tuple[str, Content]] | dict[str, Content],
               inputs: list[Path], meta: dict[str, object] | None = None) -> dict[str, int]:
    """Write `files` (streamed, or a dict) as the new content of `out`; return counts of
    written, unchanged and kept files."""
    check_target(out, inputs)
    old = previous(out).files if out.is_dir() else {}
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = parent / f".{out.name}.pubsite-tmp"
    trash = parent / f".{out.name}.pubsite-old"
    for leftover in (tmp, trash):
        if leftover.exists():
            shutil.rmtree(leftover)
    written = linked = 0
    manifest: dict[str, str] = {}
    try:
        tmp.mkdir()
        # Plain strings and os calls: pathlib's objects cost more than the writes
        # themselves with twenty thousand files.
        tmp_s, out_s = str(tmp), str(out)
        made: set[str] = {""}
        for rel_raw, content in files.items() if isinstance(files, dict) else files:
            rel = clean_relpath(rel_raw)
            if rel == MANIFEST or rel in manifest:
                raise PubsiteError(f"internal: a renderer produced {rel} twice or the manifest")
            target = f"{tmp_s}/{rel}"
            folder = rel.rpartition("/")[0]
            if folder not in made:
                os.makedirs(f"{tmp_s}/{folder}", exist_ok=True)
                made.add(folder)
            if not isinstance(content, str | bytes):
                # Text produced in chunks (a large index page) is written as it comes, so
                # it is never whole in memory.
                manifest[rel] = _write_chunks(target, content)
                written += 1
                continue
            data = content.encode("utf-8") if isinstance(content, str) else content
            digest = _digest(data)
            manifest[rel] = digest
            if old.get(rel) == digest:
                last = f"{out_s}/{rel}"
                if os.path.isfile(last) and not os.path.islink(last):
                    # Unchanged since the last build: share the old file, not rewrite it.
                    try:
                        os.link(last, target)
                        linked += 1
                        continue
                    except OSError:
                        pass
            _write_file(target, data)
            written += 1
        (tmp / MANIFEST).write_text(_manifest_json(manifest, meta or {}), encoding="utf-8")
    except BaseException:
        # A renderer or the disk failed: the previous site stays as it was.
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    kept = _carry_foreign(out, tmp, old) if out.is_dir() else 0
    if out.is_dir():
        os.rename(out, trash)
        os.rename(tmp, out)
        shutil.rmtree(trash, ignore_errors=True)
    else:
        os.rename(tmp, out)
    return {"written": written, "unchanged": linked, "kept": kept}


Pieces = bytes | list[bytes | memoryview]


def update_site(out: Path, files: dict[str, Pieces], inputs: list[Path],
                meta: dict[str, object], manifest: dict[str, str]) -> dict[str, int]:
    """Replace a few files of the last build in place (a build after an edit).

    Every new file is written to the temporary sibling first; only then are they moved in,
    each old one set aside until all are in place, so a failure at any point puts the
    previous site back as it was. The manifest moves last.
    """
    check_target(out, inputs)
    parent = out.resolve().parent
    tmp = parent / f".{out.name}.pubsite-tmp"
    trash = parent / f".{out.name}.pubsite-old"
    for leftover in (tmp, trash):
        if leftover.exists():
            shutil.rmtree(leftover)
    changed: dict[str, str] = {}
    try:
        tmp.mkdir()
        for rel_raw, data in files.items():
            rel = clean_relpath(rel_raw)
            pieces = [data] if isinstance(data, bytes) else data
            h = hashlib.sha256()
            # hashlib and file writes both release the GIL: a listing of tens of MB is
            # hashed on another core while it is written.
            hashing = threading.Thread(target=lambda h=h, pieces=pieces: [
                h.update(piece) for piece in pieces])
            hashing.start()
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            with open(tmp / rel, "wb") as f:
                f.writelines(pieces)
            hashing.join()
            digest = h.hexdigest()
            if manifest.get(rel) == digest and (out / rel).is_file():
                (tmp / rel).unlink()
                continue
            changed[rel] = digest
        (tmp / MANIFEST).write_text(_manifest_json({**manifest, **changed}, meta),
                                    encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    done: list[tuple[str, bool]] = []
    try:
        for rel in [*changed, MANIFEST]:
            target, backup = out / rel, trash / rel
            had = target.exists()
            if had:
                backup.parent.mkdir(parents=True, exist_ok=True)
                os.replace(target, backup)
            done.append((rel, had))
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp / rel, target)
    except BaseException:
        for rel, had in reversed(done):
            if had:
                os.replace(trash / rel, out / rel)
            else:
                (out / rel).unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(trash, ignore_errors=True)
    return {"written": len(changed), "unchanged": len(manifest) - len(changed), "kept": 0}


def _carry_foreign(out: Path, tmp: Path, old: dict[str, str]) -> int:
    """Move what pubsite did not write (dotfiles, CNAME, .git, ...) into the new build."""
    owned_dirs = {str(PurePosixPath(rel).parent) for rel in old}
    owned_dirs |= {str(p) for rel in old for p in PurePosixPath(rel).parents}
    kept = 0

    def walk(rel_dir: PurePosixPath) -> None:
        nonlocal kept
        for entry in sorted((out / rel_dir).iterdir()):
            rel = rel_dir / entry.name if str(rel_dir) != "." else PurePosixPath(entry.name)
            key = str(rel)
            if key == MANIFEST or key in old:
                continue
            if entry.is_dir() and not entry.is_symlink() and key in owned_dirs:
                walk(rel)
                continue
            dest = tmp / key
            if dest.exists():
                continue  # pubsite now writes a file of that name; the new one wins
            dest.parent.mkdir(parents=True, exist_ok=True)
            # Linked copies, not moves: until the swap, the old site stays whole.
            if entry.is_dir() and not entry.is_symlink():
                shutil.copytree(entry, dest, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(str(entry), str(dest))
            kept += 1

    walk(PurePosixPath("."))
    return kept


def _write_file(target: str, data: bytes) -> None:
    with open(target, "wb") as f:
        f.write(data)


def _write_chunks(target: str | Path, chunks: Iterable[str] | Iterable[bytes]) -> str:
    h = hashlib.sha256()
    with open(target, "wb") as f:
        for chunk in chunks:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            h.update(data)
            f.write(data)
    return h.hexdigest()


def _link_or_copy(src: str, dst: str) -> str:
    if os.path.islink(src):
        os.symlink(os.readlink(src), dst)
        return dst
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst
