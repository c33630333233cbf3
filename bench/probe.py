"""One measurement in a fresh interpreter: prints JSON with seconds and peak RSS (KiB).

    probe.py bare|build|build-loud|validate|export-html|stages BIB PROFILE OUT

`build-loud` prints its findings as a user's build does; `export-html` is `pubsite export
--format html` of the whole file into OUT.html. A build that pubsite refuses (a
profile it cannot read) is timed too, with the reason under "refused".

With PROBE_TIMEOUT set (seconds), a run still going then stops and prints what it took
so far, its peak memory and "timeout": a hostile file is reported, not waited for.

`stages` is a cold build timed stage by stage (by wrapping the stage functions), followed
by the floor for writing: the same files, same bytes, written straight into an empty
folder beside the output. It is a separate run from the `build` probe, so the wrapping
never touches the figures the targets are judged on.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

Stages = dict[str, float]


def _wrap(owner: Any, name: str, label: Callable[..., str], stages: Stages) -> None:
    inner = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            stages[label(*args, **kwargs)] += time.perf_counter() - start

    setattr(owner, name, timed)


def instrument(stages: Stages) -> None:
    from pubsite import write
    from pubsite.check import rules
    from pubsite.read.normalise import Normaliser
    from pubsite.render import workers

    # With workers the parse runs in one while the normaliser here takes each entry as it
    # comes: the normaliser's time holds the parse's beyond it. The checks are split with
    # that worker: this process's part, then the wait for the worker's.
    _wrap(Normaliser, "publications", lambda *a, **k: "parse and normalise", stages)
    _wrap(rules, "check_entries", lambda *a, **k: "checks", stages)
    _wrap(workers.Streamed, "result", lambda *a, **k: "checks", stages)
    # Renderers stream into the writer: their time is rendering and writing together.
    _wrap(write, "write_site", lambda *a, **k: "render and write", stages)


def write_floor(out: Path) -> tuple[float, int, int]:
    """Seconds to write the output's files (same paths and bytes) into an empty folder:
    no build can create them faster on this disk."""
    files = [(p.relative_to(out), p.read_bytes()) for p in sorted(out.rglob("*"))
             if p.is_file()]
    target = out.parent / (out.name + "-floor")
    shutil.rmtree(target, ignore_errors=True)
    start = time.perf_counter()
    made: set[Path] = set()
    for rel, data in files:
        dest = target / rel
        if dest.parent not in made:
            os.makedirs(dest.parent, exist_ok=True)
            made.add(dest.parent)
        with open(dest, "wb") as f:
            f.write(data)
    seconds = time.perf_counter() - start
    shutil.rmtree(target, ignore_errors=True)
    return seconds, len(files), sum(len(d) for _, d in files)


def _peak_kib() -> int:
    """This process's own peak RSS. Linux's ru_maxrss also counts the peak of the process
    that forked it (the bench, holding a 24 MB hostile file), carried across exec; VmHWM is
    the peak of this program's memory alone."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def watchdog(what: str, start: float) -> None:
    """Past PROBE_TIMEOUT seconds, print the figures so far and end the process: its peak
    memory is known only inside it."""
    limit = float(os.environ.get("PROBE_TIMEOUT", "0"))
    if limit <= 0:
        return

    def give_up() -> None:
        print(json.dumps({"what": what, "seconds": time.perf_counter() - start,
                          "peak_kib": _peak_kib(), "entries": 0, "rebuilt": 0,
                          "timeout": True}), flush=True)
        os._exit(0)

    timer = threading.Timer(limit, give_up)
    timer.daemon = True
    timer.start()


def main() -> None:
    what, bib, profile, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    start = time.perf_counter()
    watchdog(what, start)
    rebuilt = 0
    extra: dict[str, object] = {}
    if what == "bare":
        import bibtexparser

        lib = bibtexparser.parse_file(str(bib))
        count = len(lib.entries)
    elif what == "export-html":
        from pubsite import pipeline
        from pubsite.render import registry

        text = pipeline.export(pipeline.Inputs(bib, profile), "html", lambda site: site,
                               registry.Layout())
        out.with_suffix(".html").write_text(text, encoding="utf-8")
        count = text.count("<li")
    elif what == "validate":
        from pubsite import pipeline

        found = pipeline.validate(pipeline.Inputs(bib, profile))
        count = len(found)
    else:
        from pubsite import pipeline
        from pubsite.errors import PubsiteError

        stages: Stages = defaultdict(float)
        if what == "stages":
            stages["start-up"] = time.perf_counter() - start
            instrument(stages)
        try:
            result = pipeline.build(pipeline.Inputs(bib, profile), out, ("html", "markdown"),
                                    keep_going=True, quiet=what != "build-loud")
        except PubsiteError as exc:  # even --keep-going stops at a profile it cannot read
            print(json.dumps({"what": what, "seconds": time.perf_counter() - start,
                              "peak_kib": _peak_kib(), "entries": 0, "rebuilt": 0,
                              "refused": exc.message}))
            return
        count = result.publications
        rebuilt = result.written
        if what == "stages":
            total = time.perf_counter() - start
            stages["other"] = total - sum(stages.values())
            floor, files, size = write_floor(out)
            extra = {"stages": dict(stages), "write_floor_s": floor, "files": files,
                     "output_bytes": size}
    seconds = time.perf_counter() - start
    peak = _peak_kib()
    # The largest peak of a worker process the build forked (0 when it forked none).
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"what": what, "seconds": seconds, "peak_kib": peak, "entries": count,
                      "rebuilt": rebuilt, "worker_peak_kib": worker, **extra}))


if __name__ == "__main__":
    main()
