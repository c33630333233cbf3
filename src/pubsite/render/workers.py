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
import queue
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.reduction import ForkingPickler
from typing import Any, Generic, TypeVar

from pubsite.errors import PubsiteError
from pubsite.render.templating import as_pubsite_error

T = TypeVar("T")
R = TypeVar("R")

# Workers by default from here on (cold builds, two cores, --jobs 2 against 1): 0.36 s
# against 0.40 at 300 entries, 0.45 against 0.54 at 500, 0.72 against 0.89 at 1,000; at
# 100 the forks gain nothing (0.26 s both).
AUTO_MIN_ENTRIES = 300
BATCH = 64  # entries per task: few tasks to send and collect, about 1 MB of pages each
IN_FLIGHT = 2  # batches queued per worker: enough to keep it busy, bounded for memory
# Batches this process renders ahead while a worker is busy; more than a worker has queued,
# or it waits for the worker (cold 10k, four runs: 4.27 s against 4.42 s with 2 and 4).
HELD = 4
MINE = -1  # the owner of a span this process rendered

# What a forked worker renders: set in the parent just before the fork, read by the
# children (an inherited global: a function of a site is costly to send).
_JOB: tuple[Sequence[object], Callable[[object], list[object]]] | None = None


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)


def jobs_for(entries: int, asked: int | None) -> int:
    """`--jobs N` as asked; by default the usable cores, only for a file big enough that
    the benchmark shows a gain."""
    if asked is not None:
        return max(1, asked)
    return usable_cores() if entries >= AUTO_MIN_ENTRIES else 1


_STOPS = {signal.SIGINT, signal.SIGTERM}


def _init_worker() -> None:
    # The parent decides about Ctrl-C and stops the workers itself (SIGTERM, the default
    # action): a worker that unwound on its own could leave its pipe half-written. The fork
    # happened with both signals blocked, so that none reached the parent's handler
    # (which raises) in the worker before this point: one sent meanwhile acts now.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOPS)


def _worker(conn: Connection, siblings: list[Connection]) -> None:
    """A worker's loop: a span of entries in, their rendered files (or the failure) out,
    until the parent closes its end of the pipe."""
    _init_worker()
    for inherited in siblings:
        # The fork copied the parent's ends of this pipe and the earlier workers': held
        # here, they would keep a worker from ever seeing the parent close its end.
        inherited.close()
    assert _JOB is not None, "a worker runs only inside Rendered"
    items, render = _JOB
    sender = _Sender(conn)
    try:
        while True:
            try:
                span = conn.recv()
            except (EOFError, OSError):
                return
            sender.put(_rendered(items, render, span))
    finally:
        sender.close()


class _Sender:
    """What a worker sends, sent by a thread of its own: the worker goes on with its next
    span while the parent has not yet read the last (pages waited 0.4 core-seconds of a
    10,000-entry build for the parent to finish writing or rendering a span itself; the
    load's parse waited 0.35 s of its 1.5 s)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def put(self, message: object) -> None:
        # Serialised here, as Connection.send would, so that the thread only writes (a
        # thread that serialised too held the interpreter from the work: the load's parse
        # 1.51 s -> 1.62-1.80 s).
        self.queue.put(bytes(ForkingPickler.dumps(message)))

    def _pump(self) -> None:
        while (data := self.queue.get()) is not None:
            try:
                self.conn.send_bytes(data)
            except OSError:
                return  # the parent closed its end: it is stopping, and says why itself

    def close(self) -> None:
        self.queue.put(None)
        self.thread.join()


def _rendered(items: Sequence[Any], render: Callable[[Any], object],
              span: tuple[int, int]) -> tuple[str, object]:
    try:
        return "ok", [render(items[i]) for i in range(*span)]
    except Exception as exc:
        return _failure(exc)


def _failure(exc: Exception) -> tuple[str, object]:
    """A worker's failure as it crosses to the parent: pubsite's message, or the
    traceback of anything else."""
    found = as_pubsite_error(exc)
    if isinstance(found, PubsiteError):
        return "failed", (found.message, found.exit_code)
    return "raised", RuntimeError("".join(traceback.format_exception(exc)))


def _raise_failure(kind: str, payload: Any) -> None:
    """In the parent, what `_failure` sent, raised again; anything else passes."""
    if kind == "failed":
        raise PubsiteError(*payload)
    if kind == "raised":
        raise payload


class Rendered(Generic[T, R]):
    """`render(item)` for each item, in order: in this process when `jobs` is 1, else in
    `jobs - 1` workers forked here (this process, which renders the lists and writes every
    file, is the other job), which start on the first batches at once. Each worker has a
    pipe of its own and takes every (jobs - 1)th batch, so the results come back in order
    without a shared queue: a shared queue's lock, held by a worker stopped on Ctrl-C,
    hung `multiprocessing.Pool.terminate` (seen in the signal test). `close()` (also on an
    error, Ctrl-C or SIGTERM) stops and reaps every worker."""

    def __init__(self, items: Sequence[T], render: Callable[[T], R], jobs: int) -> None:
        """`jobs` processes in all: this one, which writes, and `jobs - 1` workers."""
        global _JOB
        self.items, self.render = items, render
        self.workers: list[tuple[BaseProcess, Connection]] = []
        self.spans: list[tuple[int, int]] = []
        self.sent = self.received = 0
        # Who renders each span sent: a worker's number, or MINE for this process, whose
        # finished spans wait in `held` for their turn.
        self.owners: list[int] = []
        self.held: dict[int, tuple[str, Any]] = {}
        if jobs <= 1 or not items:
            return
        # Small sites (--jobs asked for) still spread over every worker.
        size = max(1, min(BATCH, len(items) // ((jobs - 1) * IN_FLIGHT)))
        self.spans = [(i, min(i + size, len(items))) for i in range(0, len(items), size)]
        self.window = (jobs - 1) * IN_FLIGHT
        context = multiprocessing.get_context("fork")
        _JOB = (items, render)  # type: ignore[assignment]
        # Blocked while forking: a signal then waits for the handler of each process (this
        # one's raises; a worker's stops it) instead of running this one's in a worker.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        try:
            try:
                for _ in range(jobs - 1):
                    mine, theirs = context.Pipe()
                    process = context.Process(target=_worker, daemon=True, args=(
                        theirs, [mine, *(c for _, c in self.workers)]))
                    process.start()
                    theirs.close()
                    self.workers.append((process, mine))
            finally:
                _JOB = None  # the workers hold their copy; this process needs none
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a waiting signal acts
        except BaseException:
            self.close()
            raise
        self._submit()

    def _submit(self) -> None:
        # In flight to the workers: sent, less received, less this process's held spans.
        while self.sent < len(self.spans) and \
                self.sent - self.received - len(self.held) < self.window:
            worker = self.sent % len(self.workers)
            self.workers[worker][1].send(self.spans[self.sent])
            self.owners.append(worker)
            self.sent += 1

    def _help(self, conn: Connection) -> None:
        """While the worker with the next span is still busy, render the next unsent
        spans here (a few at most, held in order): this process would otherwise wait
        (10,000 entries, --jobs 2: it idled 1.1 s of a 5.0 s build)."""
        while len(self.held) < HELD and self.sent < len(self.spans) and not conn.poll():
            self.held[self.sent] = _rendered(self.items, self.render, self.spans[self.sent])
            self.owners.append(MINE)
            self.sent += 1

    def _next_batch(self) -> list[R]:
        owner = self.owners[self.received]
        if owner == MINE:
            kind, payload = self.held.pop(self.received)
        else:
            kind, payload = self._received(owner)
        self.received += 1
        _raise_failure(kind, payload)
        return payload  # type: ignore[no-any-return]

    def _received(self, worker: int) -> tuple[str, Any]:
        process, conn = self.workers[worker]
        self._help(conn)
        try:
            return conn.recv()  # type: ignore[no-any-return]
        except (EOFError, OSError):
            raise PubsiteError(f"a worker rendering the paper pages stopped (exit code "
                               f"{process.exitcode}); build again with --jobs 1") from None

    def __iter__(self) -> Iterator[R]:
        if not self.workers:
            for item in self.items:
                yield self.render(item)
            return
        try:
            while self.received < len(self.spans):
                done = self._next_batch()
                self._submit()
                yield from done
        finally:
            self.close()

    def close(self) -> None:
        """Stop the workers that still run (when the results are all in, closing the pipe
        ends them) and wait for them: none is left behind."""
        unfinished = self.received < len(self.spans)
        for process, conn in self.workers:
            conn.close()
            if unfinished and process.is_alive():
                process.terminate()
        for process, _ in self.workers:
            process.join()
        self.workers = []


class Background(Generic[R]):
    """`work()` in a worker forked here while this process goes on (`jobs` > 1), or at
    once in this process; `result()` waits for it, `close()` stops it unfinished. Used for
    a site format other than HTML (index.md), made beside the paper pages."""

    def __init__(self, work: Callable[[], R], jobs: int) -> None:
        self._forked: Streamed[R] | None = None
        if jobs > 1:
            self._forked = Streamed(lambda _send: work())
        else:
            self._value = work()

    def result(self) -> R:
        if self._forked is None:
            return self._value
        try:
            return self._forked.result()
        finally:
            self.close()

    def close(self) -> None:
        if self._forked is not None:
            self._forked.close()
            self._forked = None


class Streamed(Generic[R]):
    """`work(send)` in one worker forked here: each object it sends arrives here, in
    order, from `receive()`; `result()`, once every sent object was received, is what it
    returned. Used by the load, whose worker parses the file and sends the entries as
    they are read while this process normalises them, and by `Background`. `close()`
    (also on an error, Ctrl-C or SIGTERM) stops and reaps the worker."""

    def __init__(self, work: Callable[[Callable[[Any], None]], R]) -> None:
        context = multiprocessing.get_context("fork")
        mine, theirs = context.Pipe()
        self.conn = mine
        self.done = False
        self.process = context.Process(target=_streaming, daemon=True,
                                       args=(theirs, mine, work))
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)  # as in Rendered
        try:
            try:
                self.process.start()
            finally:
                theirs.close()
                # A signal that came meanwhile acts here: the worker is stopped then.
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        except BaseException:
            self.close()
            raise

    def receive(self) -> Any:
        return self._next("sent")

    def result(self) -> R:
        found: R = self._next("ok")
        self.done = True
        return found

    def _next(self, due: str) -> Any:
        try:
            kind, payload = self.conn.recv()
        except (EOFError, OSError):
            self.process.join(1)  # reaped, so that its exit code is known
            raise WorkerLost(f"a worker stopped (exit code {self.process.exitcode})") from None
        if kind == due:
            return payload
        self.done = kind in ("failed", "raised")  # it ended, saying why
        _raise_failure(kind, payload)
        raise RuntimeError(f"the worker sent {kind!r} where {due!r} was due")

    def close(self) -> None:
        self.conn.close()
        if self.process.pid is None:
            return  # never started
        if not self.done and self.process.is_alive():
            self.process.terminate()
        self.process.join()


class WorkerLost(PubsiteError):
    """A worker ended without its result (killed by a signal or for want of memory)."""


def _streaming(conn: Connection, parents: Connection, work: Callable[..., Any]) -> None:
    """The worker of `Streamed`: what it sends goes through a `_Sender`."""
    _init_worker()
    parents.close()  # see _worker: the parent's end, copied by the fork
    sender = _Sender(conn)
    try:
        sender.put(("ok", work(lambda x: sender.put(("sent", x)))))
    except Exception as exc:
        sender.put(_failure(exc))
    finally:
        sender.close()
