"""Executors: where the runs of a sweep are played.

Every executor is a context manager whose :meth:`imap_unordered` yields results as
they finish (so the store can commit each one at once):

- ``serial``: in this process, one run after another;
- ``processes`` (the local default): forked worker processes
  (:class:`experiments.process_pool.WorkerPool`), which cost far less per task than
  spawn (workers inherit the imported game); chunks of tasks travel together to keep
  the per-task overhead well under a few milliseconds. A worker that dies (``kill -9``,
  out of memory) is replaced; the task it was playing goes to ``on_lost``;
- ``dask``: Dask distributed: ``Client(address)`` for an existing cluster
  (dask-scheduler/dask-worker, dask-jobqueue, Kubernetes) or an embedded
  ``LocalCluster`` of single-threaded worker processes. Tasks travel in batches, a
  bounded number at a time; a batch Dask gives up on (its workers died) goes to
  ``on_lost``.

Tasks are read lazily (a generator will do), so a large plan is never held in memory;
``total`` sizes the chunks when ``tasks`` has no length.

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
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence, Sized
from itertools import islice
from types import TracebackType
from typing import Any, Self

from experiments.process_pool import WorkerPool

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


def _count(tasks: Iterable[Any], total: int | None) -> int:
    """The number of tasks, for sizing chunks (a large guess when it is not known)."""
    if total is not None:
        return total
    return len(tasks) if isinstance(tasks, Sized) else 1_000_000


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

    def imap_unordered[T, R](
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        *,
        on_lost: Callable[[T, str], R] | None = None,
        total: int | None = None,
    ) -> Iterator[R]:
        """Yield ``fn(task)`` for each task, in order (no worker to lose)."""
        for task in tasks:
            yield fn(task)


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
        self._pool: WorkerPool | None = None

    def __enter__(self) -> Self:
        methods = multiprocessing.get_all_start_methods()
        ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        pool = WorkerPool(ctx, self.workers)
        try:
            pool.start()
        except BaseException:
            pool.terminate()
            raise
        self._pool = pool
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

    def imap_unordered[T, R](
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        *,
        on_lost: Callable[[T, str], R] | None = None,
        total: int | None = None,
    ) -> Iterator[R]:
        """Yield ``fn(task)`` for every task as the workers finish them.

        Args:
            fn: Plays one task (picklable by reference).
            tasks: The tasks (read lazily).
            on_lost: Turns a task whose worker died into a result; without it such a
                death raises :class:`experiments.process_pool.WorkerLost`.
            total: How many tasks there are, if ``tasks`` has no length.
        """
        if self._pool is None:
            raise RuntimeError("use the executor inside a `with` block")
        size = self.chunksize or chunk_size(_count(tasks, total), self.workers)
        yield from self._pool.imap_unordered(fn, tasks, size, on_lost)


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

        if self.scheduler:
            _probe_scheduler(self.scheduler)  # one line at once for a bad or dead address
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
        except (OSError, TypeError, ValueError) as err:
            self.__exit__(None, None, None)
            if self.scheduler:
                raise ValueError(
                    f"--scheduler {self.scheduler!r}: cannot connect ({_short(err)})"
                ) from None
            raise ValueError(f"cannot start a local Dask cluster ({_short(err)})") from None
        except BaseException:  # Ctrl-C while connecting: leave no cluster behind
            self.__exit__(None, None, None)
            raise
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

    def imap_unordered[T, R](
        self,
        fn: Callable[[T], R],
        tasks: Iterable[T],
        *,
        on_lost: Callable[[T, str], R] | None = None,
        total: int | None = None,
    ) -> Iterator[R]:
        """Submit the tasks in batches and yield each result as its batch finishes.

        At most a few batches per worker are submitted at once, so a large plan is
        read as it is played. A batch that fails in Dask (e.g. ``KilledWorker`` after its
        workers died) gives ``on_lost(task, reason)`` for each of its tasks, or raises
        without ``on_lost``.
        """
        from distributed import as_completed

        if self._client is None:
            raise RuntimeError("use the executor inside a `with` block")
        size = self.batch or chunk_size(_count(tasks, total), self.workers)
        source = iter(tasks)
        play = functools.partial(_apply_chunk, fn)
        pending: dict[Any, list[T]] = {}
        done = as_completed()

        def submit(batches: int) -> None:
            for _ in range(batches):
                chunk = list(islice(source, size))
                if not chunk:
                    return
                future = self._client.submit(play, chunk, pure=False)
                pending[future] = chunk
                done.add(future)

        try:
            submit(4 * self.workers)
            for future in done:
                chunk = pending.pop(future)
                try:
                    results = future.result()
                except Exception as err:
                    if on_lost is None:
                        raise
                    reason = f"Dask gave up on this run ({type(err).__name__}: {_short(err)})"
                    results = [on_lost(task, reason) for task in chunk]
                submit(1)
                yield from results
        finally:
            if pending and self._client is not None:
                self._client.cancel(list(pending))


def _short(err: BaseException, limit: int = 200) -> str:
    """An exception's message on one line, truncated."""
    text = " ".join(str(err).split()) or type(err).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _probe_scheduler(address: str, timeout: float = 10.0) -> None:
    """Fail at once, in one line, for an address no scheduler can be at or that refuses.

    A TCP address is tried with a plain connection first: a refused connection or an
    unknown host is reported at once instead of after the client's 20 s of retries.

    Raises:
        ValueError: Not an address, a port out of range, or nothing answers there.
    """
    from distributed.comm.addressing import parse_address, parse_host_port

    example = "e.g. tcp://10.0.0.5:8786"
    try:
        scheme, location = parse_address(address)
        if scheme not in ("tcp", "tls"):
            return
        host, port = parse_host_port(location)
    except (TypeError, ValueError) as err:
        raise ValueError(
            f"--scheduler {address!r} is not a scheduler address ({_short(err)}); {example}"
        ) from None
    if not isinstance(port, int) or not 0 < port < 65536:
        raise ValueError(f"--scheduler {address!r}: port {port} is not in 1-65535; {example}")
    if scheme != "tcp":
        return
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except socket.gaierror:
        raise ValueError(f"--scheduler {address!r}: unknown host {host!r}") from None
    except TimeoutError:
        raise ValueError(f"--scheduler {address!r}: no answer within {timeout:g} s") from None
    except OSError as err:
        raise ValueError(
            f"--scheduler {address!r}: cannot connect ({err.strerror or _short(err)}); "
            "is a dask-scheduler running there?"
        ) from None
    _check_is_scheduler(address, timeout)


def _check_is_scheduler(address: str, timeout: float) -> None:
    """Ask the process at ``address`` what it is, within ``timeout`` seconds.

    Something else listening on the port (a web server, a Dask worker) would otherwise
    leave ``Client`` waiting for a reply that never comes.
    """
    import asyncio

    from distributed.core import rpc

    try:
        asyncio.get_running_loop()
        return  # inside an event loop (a notebook): leave it to the client
    except RuntimeError:
        pass

    async def identity() -> dict[str, Any]:
        remote = rpc(address, timeout=timeout)
        try:
            return await remote.identity()
        finally:
            await remote.close_rpc()

    try:
        kind = asyncio.run(asyncio.wait_for(identity(), timeout)).get("type")
    except TimeoutError:
        raise ValueError(
            f"--scheduler {address!r}: no Dask scheduler answered within {timeout:g} s "
            "(is this the dask-scheduler's port, usually 8786?)"
        ) from None
    except Exception as err:
        raise ValueError(f"--scheduler {address!r}: cannot connect ({_short(err)})") from None
    if kind != "Scheduler":
        raise ValueError(
            f"--scheduler {address!r} is a Dask {kind or 'process'}, not a scheduler; "
            "give the dask-scheduler's address"
        )


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
