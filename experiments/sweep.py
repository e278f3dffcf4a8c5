"""Planning and running a sweep: points x replicates, seeded, resumable, streamed to SQLite.

::

    from experiments.sweep import run_sweep
    from experiments.sweep_file import load_sweep
    outcome = run_sweep(load_sweep("experiments/mechanisms.toml"), "results.db")

Every run gets its own seed from ``numpy.random.SeedSequence(seed).spawn(points *
replications)`` (run ``i = point * replications + replicate``), so a run's result
depends only on its task, whichever executor plays it. Runs already stored as ``ok``
are skipped (a rerun resumes); stored failures are kept unless ``retry_failed``.
Each result is committed as it arrives, so an interrupted sweep loses at most the runs
in flight and never leaves a half-written row.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from experiments.designs import Point, design_points
from experiments.executors import open_executor
from experiments.runner import FAILED, OK, RunResult, RunTask, run_one
from experiments.store import open_for_sweep
from experiments.sweep_file import Sweep


def run_key(point: int, replicate: int) -> str:
    """Return the key of a run: ``p<point>-r<replicate>``."""
    return f"p{point}-r{replicate}"


def spawn_seeds(root: int, count: int) -> list[int]:
    """Return ``count`` independent 63-bit seeds spawned from ``SeedSequence(root)``."""
    children = np.random.SeedSequence(root).spawn(count)
    return [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]


@dataclass(frozen=True)
class SweepPlan:
    """Every run of a sweep, in point-major order.

    Attributes:
        sweep: The validated sweep.
        points: The design points (factor values), indexed by point.
        tasks: One task per point and replicate.
    """

    sweep: Sweep
    points: list[Point]
    tasks: list[RunTask]


def plan_sweep(sweep: Sweep) -> SweepPlan:
    """Lay out every run of ``sweep`` with its seed (pure: same sweep, same plan)."""
    spec = sweep.spec
    points = design_points(spec)
    reps = spec.sweep.replications
    seeds = spawn_seeds(spec.sweep.seed, len(points) * reps)
    base_toml = sweep.base.to_toml()
    metrics = tuple(spec.outputs.metrics)
    tasks = [
        RunTask(
            run_key=run_key(p, r),
            point=p,
            replicate=r,
            seed=seeds[p * reps + r],
            params=point,
            scenario_toml=base_toml,
            weeks=spec.sweep.weeks,
            metrics=metrics,
        )
        for p, point in enumerate(points)
        for r in range(reps)
    ]
    return SweepPlan(sweep=sweep, points=points, tasks=tasks)


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
        What was run, skipped and stored.

    Raises:
        StoreError: The results file belongs to another sweep or is not a results file.
        SweepInterrupted: On Ctrl-C; every finished run is stored, none half-written.
    """
    t0 = time.perf_counter()
    plan = plan_sweep(sweep)
    ex = open_executor(executor, workers=workers, scheduler=scheduler)
    outcome = SweepOutcome(planned=len(plan.tasks))
    with open_for_sweep(out, sweep) as store:
        if store.meta.get("planned_runs") != str(len(plan.tasks)):
            store.set_meta("planned_runs", str(len(plan.tasks)))
        stored = store.statuses()
        todo: list[RunTask] = []
        for task in plan.tasks:
            status = stored.get(task.run_key)
            if status == OK:
                outcome.skipped_ok += 1
            elif status == FAILED and not retry_failed:
                outcome.kept_failed += 1
            else:
                todo.append(task)
        outcome.todo = len(todo)
        if not todo:
            outcome.seconds = time.perf_counter() - t0
            return outcome
        try:
            with ex, _progress_bar(len(todo), sweep.spec.name, progress) as bar:
                for result in ex.imap_unordered(run, todo):
                    store.write(result)
                    if result.ok:
                        outcome.ok += 1
                    else:
                        outcome.failed += 1
                        outcome.failures.append(result.run_key)
                        bar.set_postfix(failed=outcome.failed, refresh=False)
                    bar.update(1)
        except KeyboardInterrupt:
            outcome.interrupted = True
            outcome.seconds = time.perf_counter() - t0
            raise SweepInterrupted(outcome) from None
    outcome.seconds = time.perf_counter() - t0
    return outcome
