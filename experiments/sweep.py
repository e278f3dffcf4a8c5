"""Planning and running a sweep: points x replicates, seeded, resumable, streamed to SQLite.

::

    from experiments.sweep import run_sweep
    from experiments.sweep_file import load_sweep
    outcome = run_sweep(load_sweep("experiments/mechanisms.toml"), "results.db")

Seeds come from ``numpy.random.SeedSequence(seed)``, computed one at a time as
``SeedSequence(seed, spawn_key=(i,))`` (the same as ``.spawn(n)[i]``). With common
random numbers (the default, ``common_random_numbers = true``) ``i`` is the replicate:
replicate r of every design point plays the same seed, so any two points can be
compared run by run (:mod:`experiments.paired`). With ``common_random_numbers = false``
every run has its own, ``i = point * replications + replicate`` (the scheme of results
files made before the setting existed, which resume with it). A run's result depends
only on its task, whichever executor plays it. Runs already stored as ``ok``
are skipped (a rerun resumes); stored failures are kept unless ``retry_failed``.
Each result is committed as it arrives, so an interrupted sweep loses at most the runs
in flight and never leaves a half-written row. The plan is made lazily (a million runs
cost nothing until they are played); a sweep may plan at most ``MAX_RUNS`` runs.

A worker process that dies (``kill -9``, out of memory) costs only the run it was
playing, stored as failed with the reason; a full disk stops the sweep with one line
(:class:`SweepStorageError`), keeping every run stored before.
"""

from __future__ import annotations

import errno
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from experiments.designs import DesignPoints, Point
from experiments.executors import open_executor
from experiments.runner import FAILED, OK, RunResult, RunTask, lost_result, run_one
from experiments.store import ResultStore, StoreError, open_for_sweep
from experiments.sweep_file import Sweep


def run_key(point: int, replicate: int) -> str:
    """Return the key of a run: ``p<point>-r<replicate>``."""
    return f"p{point}-r{replicate}"


def _seed_of(child: np.random.SeedSequence) -> int:
    return int(child.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def spawn_seeds(root: int, count: int) -> list[int]:
    """Return ``count`` independent 63-bit seeds spawned from ``SeedSequence(root)``."""
    return [_seed_of(c) for c in np.random.SeedSequence(root).spawn(count)]


def run_seed(root: int, index: int) -> int:
    """Return ``spawn_seeds(root, n)[index]`` for any ``n > index``, without the others.

    ``SeedSequence(root).spawn(n)[i]`` is ``SeedSequence(root, spawn_key=(i,))``.
    """
    return _seed_of(np.random.SeedSequence(root, spawn_key=(index,)))


def plan_seed(root: int, point: int, replicate: int, replications: int, common: bool) -> int:
    """The seed of run ``(point, replicate)``: shared by the replicate (``common``) or its own."""
    return run_seed(root, replicate if common else point * replications + replicate)


class PlanTasks(Sequence[RunTask]):
    """Every run of a sweep in point-major order, each task made when it is read.

    With common random numbers run ``(point, replicate)`` gets ``run_seed(root,
    replicate)``; without, ``run_seed(root, point * replications + replicate)``.
    """

    def __init__(self, sweep: Sweep, points: DesignPoints) -> None:
        spec = sweep.spec
        self._points = points
        self._reps = spec.sweep.replications
        self._root = spec.sweep.seed
        self._base_toml = sweep.base.to_toml()
        self._weeks = spec.sweep.weeks
        self._metrics = tuple(spec.outputs.metrics)
        self._common = spec.sweep.common_random_numbers

    def __len__(self) -> int:
        return len(self._points) * self._reps

    @overload
    def __getitem__(self, index: int) -> RunTask: ...
    @overload
    def __getitem__(self, index: slice) -> list[RunTask]: ...
    def __getitem__(self, index: int | slice) -> RunTask | list[RunTask]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = index + len(self) if index < 0 else index
        if not 0 <= i < len(self):
            raise IndexError(f"run {index} out of range (the plan has {len(self)})")
        point, replicate = divmod(i, self._reps)
        return self._task(point, replicate, self._points[point])

    def __iter__(self) -> Iterator[RunTask]:
        return self.select(lambda _key: True)

    def select(self, wanted: Callable[[str], bool]) -> Iterator[RunTask]:
        """Yield, in plan order, the tasks whose run key is ``wanted`` (others cost a key)."""
        for p in range(len(self._points)):
            point: Point | None = None
            for r in range(self._reps):
                if wanted(run_key(p, r)):
                    point = self._points[p] if point is None else point
                    yield self._task(p, r, point)

    def _task(self, point: int, replicate: int, params: Point) -> RunTask:
        return RunTask(
            run_key=run_key(point, replicate),
            point=point,
            replicate=replicate,
            seed=plan_seed(self._root, point, replicate, self._reps, self._common),
            params=params,
            scenario_toml=self._base_toml,
            weeks=self._weeks,
            metrics=self._metrics,
        )


@dataclass(frozen=True)
class SweepPlan:
    """Every run of a sweep, in point-major order, made on demand.

    Attributes:
        sweep: The validated sweep.
        points: The design points (factor values), indexed by point.
        tasks: One task per point and replicate (``len`` is the plan's size).
    """

    sweep: Sweep
    points: DesignPoints
    tasks: PlanTasks


def plan_sweep(sweep: Sweep) -> SweepPlan:
    """Lay out every run of ``sweep`` with its seed (pure: same sweep, same plan).

    Nothing is made until it is read: the size of a million-run plan is known at once.
    """
    points = DesignPoints(sweep.spec)
    return SweepPlan(sweep=sweep, points=points, tasks=PlanTasks(sweep, points))


@dataclass
class SweepOutcome:
    """What a call to :func:`run_sweep` did.

    Attributes:
        planned: Runs in the plan.
        skipped_ok: Runs already stored as ok (not run again).
        kept_failed: Stored failures left alone (rerun with ``retry_failed``).
        todo: Runs this call set out to play.
        ok: Runs that finished in this call.
        failed: Runs that failed in this call.
        seconds: Wall time of this call.
        interrupted: Whether the call was interrupted before finishing.
        failures: Keys of the runs that failed in this call.
    """

    planned: int = 0
    skipped_ok: int = 0
    kept_failed: int = 0
    todo: int = 0
    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    interrupted: bool = False
    failures: list[str] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """Runs now stored as ok or failed (for this plan)."""
        return self.skipped_ok + self.kept_failed + self.ok + self.failed

    def describe(self) -> str:
        """One line saying what happened."""
        parts = [f"{self.ok} ok", f"{self.failed} failed"]
        if self.skipped_ok:
            parts.append(f"{self.skipped_ok} already stored")
        if self.kept_failed:
            parts.append(f"{self.kept_failed} earlier failures kept (rerun with --retry-failed)")
        rate = (self.ok + self.failed) / self.seconds if self.seconds > 0 else 0.0
        return f"{self.planned} runs planned: " + ", ".join(parts) + f" ({rate:.1f} runs/s)"


class SweepInterrupted(KeyboardInterrupt):
    """The sweep was interrupted; every finished run is stored (``outcome`` says how many)."""

    def __init__(self, outcome: SweepOutcome) -> None:
        super().__init__("sweep interrupted")
        self.outcome = outcome


class SweepStorageError(RuntimeError):
    """The results file could not be written (a full disk, a lost mount); finished runs are kept.

    The message is one line: the file, the reason, how many runs are stored and how
    to resume.
    """

    def __init__(self, outcome: SweepOutcome, path: Path, err: BaseException) -> None:
        kept = f"{outcome.stored} of {outcome.planned} runs are stored in {path}"
        if isinstance(err, StoreError):  # already one line naming the file and the cause
            message = f"{err}; {kept}; run the same command again to resume"
        else:
            detail = " ".join(str(err).split()) or type(err).__name__
            full = "full" in detail or getattr(err, "errno", None) in (errno.ENOSPC, errno.EDQUOT)
            fix = "free some disk space" if full else "fix that"
            message = (
                f"cannot write to {path} ({detail}); {kept}; "
                f"{fix} and run the same command again to resume"
            )
        super().__init__(message)
        self.outcome = outcome


@contextmanager
def _storing(outcome: SweepOutcome, path: Path) -> Iterator[None]:
    """Turn a failed read or write of the results file into :class:`SweepStorageError`."""
    try:
        yield
    except (StoreError, sqlite3.Error, OSError) as err:
        raise SweepStorageError(outcome, path, err) from None


def _open_store(path: Path, sweep: Sweep) -> ResultStore:
    """:func:`open_for_sweep`, with SQLite and OS errors as one-line :class:`StoreError`."""
    try:
        return open_for_sweep(path, sweep)
    except (sqlite3.Error, OSError) as err:
        detail = " ".join(str(err).split()) or type(err).__name__
        raise StoreError(f"--out {str(path)!r}: cannot open the results file ({detail})") from None


def _progress_bar(total: int, name: str, enabled: bool):
    from tqdm import tqdm

    return tqdm(
        total=total,
        unit="run",
        desc=name,
        file=sys.stderr,
        disable=not enabled,
        dynamic_ncols=True,
        smoothing=0.05,
        # runs/s and the time left, named: "[12:03 elapsed, ETA 31:40, 10.5run/s]"
        bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
        "[{elapsed} elapsed, ETA {remaining}, {rate_fmt}{postfix}]",
    )


def run_sweep(
    sweep: Sweep,
    out: str | Path,
    *,
    executor: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    retry_failed: bool = False,
    progress: bool = False,
    run: Callable[[RunTask], RunResult] = run_one,
) -> SweepOutcome:
    """Run (or resume) a sweep into the results file ``out``.

    Args:
        sweep: The validated sweep (see :func:`experiments.sweep_file.load_sweep`).
        out: The SQLite results file; created if missing, resumed if it holds this sweep.
        executor: ``serial``, ``processes`` (default) or ``dask``.
        workers: Worker processes (default: the usable cores).
        scheduler: Dask scheduler address (with ``executor="dask"``).
        retry_failed: Run stored failures again (their rows are replaced).
        progress: Show a progress bar with rate and ETA on stderr.
        run: The function that plays one task (tests may wrap it; must be picklable
            by reference for the process and Dask executors).

    Returns:
        What was run, skipped and stored. A run whose worker process died is stored as
        failed (``retry_failed`` plays it again); the other runs go on.

    Raises:
        StoreError: The results file belongs to another sweep, is not a results file or
            cannot be created.
        ValueError: The executor cannot start (e.g. the Dask scheduler cannot be reached);
            a results file this call would have created is not left behind.
        SweepStorageError: The results file could not be written (e.g. the disk is full);
            every run stored before is kept.
        SweepInterrupted: On Ctrl-C (or SIGTERM turned into it); every finished run is
            stored, none half-written.
    """
    t0 = time.perf_counter()
    plan = plan_sweep(sweep)
    ex = open_executor(executor, workers=workers, scheduler=scheduler)
    outcome = SweepOutcome(planned=len(plan.tasks))
    path = Path(out)
    new = not (path.is_file() and path.stat().st_size > 0)
    try:
        with ExitStack() as stack:
            if new:  # start the executor first: if it cannot, no results file is made
                stack.enter_context(ex)
            store = stack.enter_context(_open_store(path, sweep))
            try:
                _play(
                    store, stack, ex, plan, sweep, outcome, path, new, retry_failed, progress, run
                )
            except BaseException:
                if not outcome.ok + outcome.failed:
                    # A file this call made and filled with nothing goes, deleted while
                    # the writer's lease is held (never another sweep's new file).
                    store.discard()
                raise
    except KeyboardInterrupt:
        outcome.interrupted = True
        outcome.seconds = time.perf_counter() - t0
        raise SweepInterrupted(outcome) from None
    outcome.seconds = time.perf_counter() - t0
    return outcome


def _play(
    store: ResultStore,
    stack: ExitStack,
    ex: Any,
    plan: SweepPlan,
    sweep: Sweep,
    outcome: SweepOutcome,
    path: Path,
    new: bool,
    retry_failed: bool,
    progress: bool,
    run: Callable[[RunTask], RunResult],
) -> None:
    """Store the plan's size, then play what is not stored yet, storing each result."""
    with _storing(outcome, path):
        if store.meta.get("planned_runs") != str(outcome.planned):
            store.set_meta("planned_runs", str(outcome.planned))
        stored = store.statuses()
    tasks = _todo(plan, stored, retry_failed, outcome)
    if not outcome.todo:
        return
    if not new:
        stack.enter_context(ex)
    bar = stack.enter_context(_progress_bar(outcome.todo, sweep.spec.name, progress))
    results = stack.enter_context(
        closing(ex.imap_unordered(run, tasks, on_lost=lost_result, total=outcome.todo))
    )
    for result in results:
        with _storing(outcome, path):
            store.write(result)
        if result.ok:
            outcome.ok += 1
        else:
            outcome.failed += 1
            outcome.failures.append(result.run_key)
            bar.set_postfix(failed=outcome.failed, refresh=False)
        bar.update(1)


def _todo(
    plan: SweepPlan, stored: dict[str, str], retry_failed: bool, outcome: SweepOutcome
) -> Iterator[RunTask]:
    """Count what is stored into ``outcome`` and return the runs still to play (lazily)."""

    def wanted(key: str) -> bool:
        status = stored.get(key)
        return status is None or (status == FAILED and retry_failed)

    for status in stored.values():
        if status == OK:
            outcome.skipped_ok += 1
        elif status == FAILED and not retry_failed:
            outcome.kept_failed += 1
    outcome.todo = outcome.planned - outcome.skipped_ok - outcome.kept_failed
    return plan.tasks.select(wanted)
