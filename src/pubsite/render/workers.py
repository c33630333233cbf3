"""Paper pages rendered in worker processes, streamed back in order.

The workers are forked after the model is built, so each holds the site (and the renderer
that was set up for it) without a copy being sent; they receive only the numbers of the
entries to render and send back the finished files. A bounded number of batches is in
flight at once: the writer takes the files in the site's order, one batch at a time, and
the site is never all in memory. `jobs == 1` is the serial path, the same calls in the
same order in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.pool import AsyncResult, Pool
from typing import Generic, TypeVar

from pubsite.errors import PubsiteError
from pubsite.render.templating import as_pubsite_error

T = TypeVar("T")
R = TypeVar("R")

# Default workers from here on: 3,000 entries built in 3.16 s with two against 3.49 s
# serial (1.10x, two cores at load 2); at 1,000 the fork gained nothing (PERFORMANCE.md).
AUTO_MIN_ENTRIES = 2_000
BATCH = 64  # entries per task: few tasks to send and collect, about 1 MB of pages each
IN_FLIGHT = 4  # batches queued per worker: enough to keep it busy, bounded for memory

# What a forked worker renders: set in the parent just before the fork, read by the
# children (an inherited global: a function of a site is costly to send).
_JOB: tuple[Sequence[object], Callable[[object], list[object]]] | None = None


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def jobs_for(entries: int, asked: int | None) -> int:
    """`--jobs N` as asked; by default the usable cores, only for a site big enough that
    the benchmark shows a gain."""
    if asked is not None:
        return max(1, asked)
    return usable_cores() if entries >= AUTO_MIN_ENTRIES else 1


def _init_worker() -> None:
    # The parent decides about Ctrl-C and stops the workers itself (SIGTERM, the default
    # action): a worker that unwound on its own could hang the pool's queues.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class WorkerFailed(Exception):
    """A worker's failure as the message the user reads: the template and line that
    failed are known only where the traceback is, in the worker."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message, exit_code)
        self.message, self.exit_code = message, exit_code


def _run_batch(span: tuple[int, int]) -> list[object]:
    assert _JOB is not None, "a worker runs only inside Rendered"
    items, render = _JOB
    try:
        return [render(items[i]) for i in range(*span)]
    except Exception as exc:
        found = as_pubsite_error(exc)
        if not isinstance(found, PubsiteError):
            raise
        raise WorkerFailed(found.message, found.exit_code) from None


class Rendered(Generic[T, R]):
    """`render(item)` for each item, in order: in this process when `jobs` is 1, else in
    `jobs - 1` workers forked here (this process, which renders the lists and writes every
    file, is the other job), which start on the first batches at once. `close()` (also
    on an error, Ctrl-C or SIGTERM) stops and reaps every worker."""

    def __init__(self, items: Sequence[T], render: Callable[[T], R], jobs: int) -> None:
        """`jobs` processes in all: this one, which writes, and `jobs - 1` workers."""
        global _JOB
        self.items, self.render = items, render
        self.pool: Pool | None = None
        self.waiting: deque[AsyncResult[list[object]]] = deque()
        if jobs <= 1 or not items:
            return
        _JOB = (items, render)  # type: ignore[assignment]
        try:
            self.pool = multiprocessing.get_context("fork").Pool(jobs - 1, _init_worker)
        finally:
            _JOB = None  # the workers hold their copy; this process needs none
        # Small sites (--jobs asked for) still spread over every worker.
        size = max(1, min(BATCH, len(items) // ((jobs - 1) * IN_FLIGHT)))
        self.spans = iter([(i, min(i + size, len(items)))
                           for i in range(0, len(items), size)])
        self.window = (jobs - 1) * IN_FLIGHT
        self._submit()

    def _submit(self) -> None:
        assert self.pool is not None
        while len(self.waiting) < self.window:
            span = next(self.spans, None)
            if span is None:
                return
            self.waiting.append(self.pool.apply_async(_run_batch, (span,)))

    def __iter__(self) -> Iterator[R]:
        if self.pool is None:
            for item in self.items:
                yield self.render(item)
            return
        try:
            while self.waiting:
                try:
                    done = self.waiting.popleft().get()
                except WorkerFailed as failed:
                    raise PubsiteError(failed.message, failed.exit_code) from None
                self._submit()
                yield from done  # type: ignore[misc]
            self.pool.close()
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers that still run (a no-op once every result is in) and wait for
        them: none is left behind."""
        if self.pool is not None:
            if self.waiting:
                self.pool.terminate()
            else:
                self.pool.close()
            self.pool.join()
            self.pool = None
            self.waiting.clear()
