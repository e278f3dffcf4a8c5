"""The local process executor when a worker dies: real worker processes, real signals.

A task that sends SIGKILL to its own worker is a real ``kill -9`` of a real pool worker,
at a known task, so these tests are exact and fast. (``test_hardening_sweep_kill`` kills
workers of a running ``crunch sweep`` from outside.)
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

import psutil
import pytest

from experiments.executors import open_executor
from experiments.process_pool import WorkerLost, WorkersStopped

DIE_ON = 7  # the task whose worker kills itself


def square_or_die(n: int) -> tuple[int, int, int]:
    """Return ``(n, n*n, pid)``; the worker playing task ``DIE_ON`` gets SIGKILL."""
    if n == DIE_ON:
        os.kill(os.getpid(), signal.SIGKILL)
    return n, n * n, os.getpid()


def square_or_stop(n: int) -> tuple[int, int, int]:
    """Like :func:`square_or_die`, but the worker gets SIGTERM (asked to stop)."""
    if n == DIE_ON:
        os.kill(os.getpid(), signal.SIGTERM)
    return n, n * n, os.getpid()


def lost(n: int, reason: str) -> tuple[int, str, int]:
    return n, reason, -1


def test_a_worker_killed_with_sigkill_loses_exactly_its_task_and_the_rest_finish():
    started = time.monotonic()
    with open_executor("processes", workers=2) as ex:
        out = list(ex.imap_unordered(square_or_die, range(40), on_lost=lost))
    assert time.monotonic() - started < 30
    by_task = {n: (value, pid) for n, value, pid in out}
    assert sorted(by_task) == list(range(40)), "every task comes back exactly once"
    assert len(out) == 40
    reason, pid = by_task[DIE_ON]
    assert pid == -1
    assert "killed by signal 9 (SIGKILL) while playing this run" in reason
    assert all(by_task[n][0] == n * n for n in range(40) if n != DIE_ON)
    # a new worker took the dead one's place: more than two worker pids played tasks
    assert len({pid for _n, _v, pid in out if pid != -1}) >= 2


def test_without_on_lost_a_dead_worker_raises_worker_lost_instead_of_hanging():
    with (
        pytest.raises(WorkerLost, match=r"killed by signal 9 \(SIGKILL\)"),
        open_executor("processes", workers=2) as ex,
    ):
        list(ex.imap_unordered(square_or_die, range(20)))


def test_a_worker_ended_by_sigterm_stops_the_pool_as_an_interruption():
    results = []
    with (
        pytest.raises(WorkersStopped, match="SIGTERM"),
        open_executor("processes", workers=2) as ex,
    ):
        for item in ex.imap_unordered(square_or_stop, range(40), on_lost=lost, total=40):
            results.append(item)
    assert isinstance(WorkersStopped("x"), KeyboardInterrupt)
    assert all(pid != -1 for _n, _v, pid in results), "nothing is recorded as lost"


def test_tasks_are_read_lazily_from_a_generator():
    seen: list[int] = []

    def tasks():
        for n in range(10_000_000):
            seen.append(n)
            yield n

    with open_executor("processes", workers=2) as ex:
        results = ex.imap_unordered(square_or_die, tasks(), total=10_000_000)
        first = [next(results) for _ in range(5)]
        results.close()
    assert len(first) == 5
    assert len(seen) < 1000, "the executor must not read the whole plan up front"


def _children() -> set[int]:
    return {c.pid for c in psutil.Process().children()}


@pytest.mark.parametrize("error", [None, RuntimeError("boom")])
def test_leaving_the_executor_ends_every_worker_within_seconds(error):
    before = _children()
    started = time.monotonic()
    with pytest.raises(RuntimeError) if error else contextlib.nullcontext():  # noqa: SIM117
        with open_executor("processes", workers=2) as ex:
            assert len(list(ex.imap_unordered(square_or_die, range(5)))) == 5
            workers = [psutil.Process(pid) for pid in _children() - before]
            assert len(workers) == 2
            if error:
                raise error
    assert time.monotonic() - started < 10
    _gone, alive = psutil.wait_procs(workers, timeout=5)
    assert not alive
