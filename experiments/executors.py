"""Executors: where the runs of a sweep are played.

Every executor is a context manager whose :meth:`imap_unordered` yields results as
they finish (so the store can commit each one at once):

- ``serial``: in this process, one run after another;
- ``processes`` (the local default): a fork-based ``multiprocessing`` pool, which costs
  far less per task than spawn (workers inherit the imported game); chunks of tasks
  travel together to keep the per-task overhead well under a few milliseconds;
- ``dask``: Dask distributed: ``Client(address)`` for an existing cluster
  (dask-scheduler/dask-worker, dask-jobqueue, Kubernetes) or an embedded
  ``LocalCluster`` of single-threaded worker processes. Tasks travel in batches.

Usage::

    with open_executor("processes", workers=2) as ex:
        for result in ex.imap_unordered(run_one, tasks):
            store.write(result)
"""

from __future__ import annotations

import functools
import logging
import math
import multiprocessing
import os
import signal
import warnings
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any, Self

EXECUTORS = ("serial", "processes", "dask")


def default_workers() -> int:
    """Return the number of CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def chunk_size(tasks: int, workers: int, *, per_worker: int = 8, cap: int = 16) -> int:
    """Return how many tasks to send per message.

    About ``per_worker`` chunks per worker balance the load and keep results streaming;
    the cap keeps progress and streaming steady on very large sweeps.
    """
    if tasks <= 0:
        return 1
    return max(1, min(cap, math.ceil(tasks / (max(1, workers) * per_worker))))


def _apply_chunk[T, R](fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    return [fn(item) for item in chunk]


class SerialExecutor:
    """Run every task in this process, in order."""

    name = "serial"

    def __init__(self) -> None:
        self.workers = 1

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def imap_unordered[T, R](self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for each task, in order."""
        for task in tasks:
            yield fn(task)


def _worker_signals() -> None:
    # Ctrl-C goes to the whole process group: the parent handles it and terminates the
    # pool (SIGTERM); workers must neither react to Ctrl-C nor inherit a parent's SIGTERM
    # handler, so they stop quietly instead of printing tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class ProcessExecutor:
    """A pool of local worker processes (fork where the platform has it).

    Args:
        workers: Number of worker processes (default: the usable cores).
        chunksize: Tasks per message (default: :func:`chunk_size`).
    """

    name = "processes"

    def __init__(self, workers: int | None = None, chunksize: int | None = None) -> None:
        self.workers = workers or default_workers()
        self.chunksize = chunksize
        self._pool: Any = None

    def __enter__(self) -> Self:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        with warnings.catch_warnings():
            # numpy, pyarrow and Mesa start native helper threads at import; Python 3.12
            # warns about any fork with threads. Forking is deliberate here (it costs far
            # less per task than spawn) and the workers only run pure Python/numpy code.
            warnings.filterwarnings("ignore", r".*multi-threaded.*fork", DeprecationWarning)
            self._pool = ctx.Pool(self.workers, initializer=_worker_signals)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if exc_type is None:
            pool.close()
        else:
            pool.terminate()
        pool.join()

    def imap_unordered[T, R](self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as the workers finish them."""
        if self._pool is None:
            raise RuntimeError("use the executor inside a `with` block")
        size = self.chunksize or chunk_size(len(tasks), self.workers)
        yield from self._pool.imap_unordered(fn, tasks, chunksize=size)


class DaskExecutor:
    """Dask distributed: an existing cluster, or an embedded local one.

    Args:
        workers: Worker processes of the embedded cluster (default: the usable cores);
            ignored with ``scheduler``.
        scheduler: Address of a running scheduler, e.g. ``tcp://10.0.0.5:8786``.
        batch: Tasks per Dask task (default: :func:`chunk_size` over the cluster's threads).
    """

    name = "dask"

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, batch: int | None = None
    ) -> None:
        self.scheduler = scheduler
        self.workers = workers or default_workers()
        self.batch = batch
        self._cluster: Any = None
        self._client: Any = None

    def __enter__(self) -> Self:
        from distributed import Client, LocalCluster

        try:
            if self.scheduler:
                self._client = Client(self.scheduler, timeout="20s")
                threads = sum(self._client.nthreads().values())
                self.workers = max(1, threads)
            else:
                self._cluster = LocalCluster(
                    n_workers=self.workers,
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self._client = Client(self._cluster)
        except OSError as err:
            self.__exit__(None, None, None)
            if self.scheduler:
                raise ValueError(
                    f"--scheduler {self.scheduler!r}: cannot connect ({err})"
                ) from None
            raise ValueError(f"cannot start a local Dask cluster ({err})") from None
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        client, self._client = self._client, None
        cluster, self._cluster = self._cluster, None
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def imap_unordered[T, R](self, fn: Callable[[T], R], tasks: Sequence[T]) -> Iterator[R]:
        """Submit the tasks in batches and yield each result as its batch finishes."""
        from distributed import as_completed

        if self._client is None:
            raise RuntimeError("use the executor inside a `with` block")
        size = self.batch or chunk_size(len(tasks), self.workers)
        chunks = [list(tasks[i : i + size]) for i in range(0, len(tasks), size)]
        futures = self._client.map(functools.partial(_apply_chunk, fn), chunks, pure=False)
        try:
            for _future, results in as_completed(futures, with_results=True):
                yield from results
        finally:
            self._client.cancel(futures)


Executor = SerialExecutor | ProcessExecutor | DaskExecutor


def open_executor(
    kind: str = "processes", *, workers: int | None = None, scheduler: str | None = None
) -> Executor:
    """Return an executor by name (use it as a context manager).

    Args:
        kind: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (``processes``, embedded ``dask``); default: usable cores.
        scheduler: Dask scheduler address (``dask`` only).

    Raises:
        ValueError: For an unknown executor, a bad worker count, or a scheduler without dask.
    """
    if kind not in EXECUTORS:
        raise ValueError(f"executor {kind!r} is not allowed; allowed: {', '.join(EXECUTORS)}")
    if workers is not None and workers < 1:
        raise ValueError(f"workers = {workers}: must be a whole number >= 1")
    if scheduler and kind != "dask":
        raise ValueError(f"--scheduler {scheduler!r} needs --executor dask (got {kind!r})")
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(workers)
    return DaskExecutor(workers, scheduler)
