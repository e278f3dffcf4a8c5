"""A pool of local worker processes that notices when one of them dies.

``multiprocessing.Pool`` replaces a worker killed with SIGKILL but never hands back the
tasks it held: the caller then waits forever, and terminating such a pool can block on
a queue lock the dead worker held. :class:`WorkerPool` knows which task every worker is
playing instead: each worker has its own pipe, receives one chunk of tasks at a time and
sends every result back as soon as it has it. The parent is one thread waiting on the
pipes and on the processes' sentinels (``multiprocessing.connection.wait``), so a signal
handler in the parent (Ctrl-C, SIGTERM) runs at once and shutting down waits on nothing
a dead worker held.

When a worker ends unexpectedly (``kill -9``, the out-of-memory killer, a crash in
native code):

- the task it was playing goes to ``on_lost(task, reason)``, whose return value is
  yielded like a result (the sweep stores it as a failed run); without ``on_lost``,
  :class:`WorkerLost` is raised;
- the rest of its chunk goes back to the queue, and a new worker takes its place.

A worker ended by SIGTERM, SIGINT or SIGHUP was asked to stop (``kill -TERM -PGID``
reaches every process of the group): the pool raises :class:`WorkersStopped`, a
``KeyboardInterrupt``, and records nothing as failed.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from multiprocessing.connection import Connection, wait
from typing import Any

STOP_SIGNALS = frozenset({signal.SIGTERM, signal.SIGINT, signal.SIGHUP})
_PR_SET_PDEATHSIG = 1


class WorkerLost(RuntimeError):
    """A worker process died while playing a task, and no ``on_lost`` was given."""


class WorkersStopped(KeyboardInterrupt):
    """A worker process was ended by a signal that asks a program to stop."""


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent dies (a ``kill -9`` of the sweep)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


#: Signals that stop a sweep (blocked while a worker starts).
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _worker_signals() -> None:
    # Ctrl-C goes to the whole process group: the parent handles it and ends the workers;
    # workers must neither react to Ctrl-C nor inherit a parent's SIGTERM handler, so
    # they stop at once, quietly, instead of printing tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _STOP_SIGNALS)


def _portable(err: Exception) -> Exception:
    """The exception itself if it pickles, else a RuntimeError naming it."""
    try:
        pickle.dumps(err)
    except Exception:
        return RuntimeError(f"{type(err).__name__}: {err}")
    return err


def _worker_main(conn: Connection, parent: int) -> None:
    """Play chunks of ``(fn, tasks)`` from ``conn``, sending ``(ok, value)`` per task."""
    _worker_signals()
    _die_with_parent()
    if os.getppid() != parent:  # the parent died before the request above
        return
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if message is None:
            return
        fn, chunk = message
        for task in chunk:
            try:
                reply: tuple[bool, Any] = (True, fn(task))
            except Exception as err:
                reply = (False, _portable(err))
            try:
                conn.send(reply)
            except OSError:  # the parent is gone
                return
            except Exception as err:  # the result does not pickle
                conn.send((False, RuntimeError(f"result of {task!r:.80}: {err}")))


def describe_exit(exitcode: int | None) -> str:
    """Say how a process ended, e.g. ``killed by signal 9 (SIGKILL)``."""
    if exitcode is None:
        return "stopped answering"
    if exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-exitcode} ({name})"
    return f"exited with status {exitcode}"


@dataclass(eq=False)
class _Worker:
    process: Any
    conn: Connection
    queue: deque[Any] = field(default_factory=deque)  # sent tasks, in playing order


class WorkerPool:
    """Local worker processes, each fed one chunk at a time through its own pipe.

    Args:
        ctx: A ``multiprocessing`` context (fork where the platform has it).
        workers: Number of worker processes.
    """

    def __init__(self, ctx: Any, workers: int) -> None:
        self._ctx = ctx
        self.workers = workers
        self._pool: list[_Worker] = []
        self._idle_deaths = 0

    # ------------------------------------------------------------------ processes
    def start(self) -> None:
        """Start the worker processes."""
        while len(self._pool) < self.workers:
            self._pool.append(self._spawn())

    def _spawn(self) -> _Worker:
        ours, theirs = self._ctx.Pipe(duplex=True)
        process = self._ctx.Process(
            target=_worker_main, args=(theirs, os.getpid()), daemon=True, name="crunch-worker"
        )
        with warnings.catch_warnings():
            # numpy, pyarrow and Mesa start native helper threads at import; Python 3.12
            # warns about any fork with threads. Forking is deliberate here (it costs far
            # less per task than spawn) and the workers only run pure Python/numpy code.
            warnings.filterwarnings("ignore", r".*multi-threaded.*fork", DeprecationWarning)
            # The worker starts with Ctrl-C and SIGTERM blocked and unblocks them once its
            # own handlers are set: a stop arriving during start-up must not run the
            # parent's handler in the child (a traceback instead of a quiet exit).
            held = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
            try:
                process.start()
            finally:
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
        theirs.close()
        return _Worker(process, ours)

    def close(self) -> None:
        """Let every worker finish and exit (after the last task)."""
        for w in self._pool:
            with contextlib.suppress(OSError):
                w.conn.send(None)
        for w in self._pool:
            w.process.join(timeout=5)
        self.terminate()

    def terminate(self) -> None:
        """End every worker now (SIGTERM, then SIGKILL if it lingers); drop their tasks."""
        pool, self._pool = self._pool, []
        for w in pool:
            if w.process.is_alive():
                w.process.terminate()
        for w in pool:
            w.process.join(timeout=2)
            if w.process.is_alive():
                w.process.kill()
                w.process.join(timeout=2)
            w.conn.close()

    # ------------------------------------------------------------------ tasks
    def imap_unordered[T, R](
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        chunksize: int,
        on_lost: Callable[[T, str], R] | None = None,
    ) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as the workers finish them.

        Args:
            fn: Plays one task (pickled by reference with each chunk).
            tasks: The tasks, read lazily, ``chunksize`` at a time.
            chunksize: Tasks sent to a worker at once.
            on_lost: Turns a task whose worker died into a result.

        Raises:
            WorkerLost: A worker died without ``on_lost``, or workers keep dying idle.
            WorkersStopped: A worker was ended by SIGTERM, SIGINT or SIGHUP.
        """
        source = iter(tasks)
        requeued: deque[T] = deque()

        def next_chunk() -> list[T]:
            chunk = [requeued.popleft() for _ in range(min(chunksize, len(requeued)))]
            chunk.extend(islice(source, chunksize - len(chunk)))
            return chunk

        while True:
            results: list[R] = []
            stopped: WorkersStopped | None = None
            try:
                self._feed(fn, next_chunk)
                busy = [w for w in self._pool if w.queue]
                if not busy:
                    return
                ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy]))
                for w in busy:
                    if w.conn in ready or w.process.sentinel in ready:
                        self._collect(w, results, requeued, on_lost)
                self._feed(fn, next_chunk)  # keep the workers busy while the caller stores
            except WorkersStopped as stop:
                stopped = stop
            yield from results  # finished runs are handed over even when stopping
            if stopped is not None:
                raise stopped

    def _feed(self, fn: Callable[[Any], Any], next_chunk: Callable[[], list[Any]]) -> None:
        """Send a chunk to every worker without one (replacing workers that died idle)."""
        for i, w in enumerate(self._pool):
            if w.queue:
                continue
            if not w.process.is_alive():
                w = self._pool[i] = self._replace(w, [], deque(), None)
            chunk = next_chunk()
            if not chunk:
                return
            w.queue.extend(chunk)
            # If it has just died, its sentinel fires and _collect hands the chunk back.
            with contextlib.suppress(OSError):
                w.conn.send((fn, chunk))

    def _collect(
        self,
        w: _Worker,
        results: list[Any],
        requeued: deque[Any],
        on_lost: Callable[[Any, str], Any] | None,
    ) -> None:
        """Take every result ``w`` has sent; if it died, deal with its tasks and replace it."""
        replies: list[tuple[bool, Any]] = []
        try:
            while w.queue and w.conn.poll():
                replies.append(w.conn.recv())
                w.queue.popleft()
        except (EOFError, OSError):
            pass  # it died: see below
        for ok, value in replies:
            if not ok:
                raise value
            results.append(value)
        if w.process.is_alive():
            return
        i = self._pool.index(w)
        self._pool[i] = self._replace(w, results, requeued, on_lost)

    def _replace(
        self,
        w: _Worker,
        results: list[Any],
        requeued: deque[Any],
        on_lost: Callable[[Any, str], Any] | None,
    ) -> _Worker:
        """Deal with the tasks of the dead worker ``w`` and return a new worker."""
        w.process.join(timeout=5)
        code = w.process.exitcode
        w.conn.close()
        reason = f"worker process {w.process.pid} {describe_exit(code)}"
        if code is not None and -code in STOP_SIGNALS:
            raise WorkersStopped(reason)
        if w.queue:
            lost = w.queue.popleft()
            requeued.extendleft(reversed(w.queue))
            w.queue.clear()
            if on_lost is None:
                raise WorkerLost(f"{reason} while playing a task")
            results.append(on_lost(lost, f"{reason} while playing this run"))
        else:
            self._idle_deaths += 1
            if self._idle_deaths > 2 * self.workers + 8:
                raise WorkerLost(f"worker processes keep dying before any task ({reason})")
        return self._spawn()
