"""The build cache: plain data in one file per output folder, which can never poison a build.

It holds only builtin values (pickled with a loader that refuses every class, so a planted
file cannot run code), carries its own checksum and format number, and anything unreadable,
damaged or stale is dropped with a note and rebuilt by the next full build.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import pickle
from pathlib import Path
from typing import Any

FORMAT = 1
FOLDER = ".pubsite-cache"
_MAGIC = b"pubsite-cache\n"


class _NoClasses(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"the cache holds a class ({module}.{name})")


def path_for(project: Path, out: Path) -> Path:
    """One cache per output folder, beside the inputs (never inside the published site)."""
    tag = hashlib.sha256(str(out.resolve()).encode()).hexdigest()[:16]
    return project / FOLDER / f"build-{tag}.pickle"


def load(path: Path) -> tuple[dict[str, Any] | None, str]:
    """The cached data, or None and why not ("" when there is simply no cache yet)."""
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        return None, ""
    except OSError as exc:
        return None, f"unreadable ({exc.strerror})"
    head, digest, payload = blob[:len(_MAGIC)], blob[len(_MAGIC):len(_MAGIC) + 32], \
        blob[len(_MAGIC) + 32:]
    if head != _MAGIC or hashlib.blake2b(payload, digest_size=32).digest() != digest:
        return None, "damaged"
    try:
        data = _NoClasses(io.BytesIO(payload)).load()
    except Exception:  # any failure to read means: rebuild it
        return None, "damaged"
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None, "from another version of pubsite"
    return data, ""


def store(path: Path, data: dict[str, Any]) -> None:
    """Write atomically; a cache that cannot be written only costs speed next time."""
    payload = pickle.dumps({**data, "format": FORMAT}, protocol=pickle.HIGHEST_PROTOCOL)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent / ".gitignore"
        if not ignore.exists():
            ignore.write_text("# pubsite's build cache: safe to delete\n*\n", encoding="utf-8")
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(_MAGIC + hashlib.blake2b(payload, digest_size=32).digest() + payload)
        os.replace(tmp, path)
    except OSError:
        pass


def drop(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
