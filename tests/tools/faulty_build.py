"""Run `pubsite build` with a fault at the N-th rename, replace or delete of the write stage.

    python faulty_build.py kill|interrupt|term before|after N -- build args...
    python faulty_build.py count -- build args...      (prints how many such steps)

The fault wraps `os` as the write stage sees it: a kill -9 of the process, a SIGTERM or a
Ctrl-C (KeyboardInterrupt), just before or just after the step.
"""

from __future__ import annotations

import os
import signal
import sys
import types
from typing import Any

from pubsite import write
from pubsite.cli import main

STEPS = ("rename", "replace", "unlink", "rmdir")


def faulty_os(fault: str, when: str, at: int, counter: list[int]) -> types.SimpleNamespace:
    def fire() -> None:
        if fault == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if fault == "term":  # what `timeout` and CI cancellation send
            os.kill(os.getpid(), signal.SIGTERM)
            return
        raise KeyboardInterrupt

    def wrap(name: str) -> Any:
        real = getattr(os, name)

        def step(*args: Any, **kwargs: Any) -> Any:
            counter[0] += 1
            if counter[0] == at and when == "before":
                fire()
            result = real(*args, **kwargs)
            if counter[0] == at and when == "after":
                fire()
            return result
        return step

    namespace = types.SimpleNamespace(**{n: getattr(os, n) for n in dir(os)
                                         if not n.startswith("__")})
    for name in STEPS:
        setattr(namespace, name, wrap(name))
    return namespace


def run() -> None:
    args = sys.argv[1:]
    split = args.index("--")
    head, rest = args[:split], args[split + 1:]
    counter = [0]
    if head[0] == "count":
        write.os = faulty_os("none", "never", -1, counter)  # type: ignore[assignment]
        try:
            main(rest, standalone_mode=False)
        finally:
            print(f"steps={counter[0]}", file=sys.stderr)
        return
    fault, when, at = head[0], head[1], int(head[2])
    write.os = faulty_os(fault, when, at, counter)  # type: ignore[assignment]
    sys.argv = ["pubsite", *rest]
    main(rest)


if __name__ == "__main__":
    run()
