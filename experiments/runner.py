"""One run of a sweep: a pure function from a task to its result.

:func:`run_one` is what every executor calls, in this process, in a forked worker or on
a Dask worker. It builds ``ComputeGame(base.with_overrides(params), rng=seed)``, plays
the weeks and returns the summary metrics and their weekly series. It shares nothing
with other runs: the task carries everything (including the base scenario as TOML), so
the result depends only on the task, whichever executor ran it. A run that raises comes
back as a failed :class:`RunResult` carrying the traceback; it never stops the sweep. A
run whose worker process died becomes a failed result too (:func:`lost_result`).

The game is imported lazily, inside the worker, so the module is cheap to import.
"""

from __future__ import annotations

import functools
import json
import math
import os
import socket
import subprocess
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OK = "ok"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class RunTask:
    """Everything one run needs.

    Attributes:
        run_key: Unique key of the run within its sweep (``p<point>-r<replicate>``).
        point: Index of the design point.
        replicate: Index of the replication at that point.
        seed: The run's seed (from ``SeedSequence(root).spawn``).
        params: Factor values of the design point (dotted scenario keys).
        scenario_toml: The base scenario (``[fixed]`` applied) as TOML.
        weeks: Weeks to play; ``None`` plays the scenario's horizon.
        metrics: Names of the metrics to keep.
    """

    run_key: str
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]
    scenario_toml: str
    weeks: int | None
    metrics: tuple[str, ...]


@dataclass(slots=True)
class RunResult:
    """What one run produced (or why it failed).

    Attributes:
        run_key: The task's key.
        point: Index of the design point.
        replicate: Index of the replication.
        seed: The seed the run used.
        params: Factor values of the design point.
        status: ``"ok"`` or ``"failed"``.
        metrics: Summary metrics (``None`` where undefined; empty when failed).
        weekly: Weekly series per metric that has one (empty when failed).
        error: The traceback of a failed run.
        scenario_hash: Digest of the run's scenario (base plus params).
        code_version: Version of the code that ran it.
        timing: ``started`` (Unix time) and ``seconds`` (wall time of the run).
        worker: ``host`` and ``pid`` of the process that ran it.
    """

    run_key: str
    point: int
    replicate: int
    seed: int
    params: dict[str, Any]
    status: str
    metrics: dict[str, float | None] = field(default_factory=dict)
    weekly: dict[str, list[float | None]] = field(default_factory=dict)
    error: str | None = None
    scenario_hash: str | None = None
    code_version: str = ""
    timing: dict[str, float] = field(default_factory=dict)
    worker: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether the run finished."""
        return self.status == OK


@functools.cache
def code_version() -> str:
    """Return the package version plus the git commit when run from a checkout.

    Cached per process (forked workers inherit the parent's value).
    """
    from importlib import metadata

    try:
        version = metadata.version("compute-crunch")
    except metadata.PackageNotFoundError:
        version = "0+unknown"
    root = Path(__file__).resolve().parent.parent
    if (root / ".git").exists():
        try:
            out = subprocess.run(
                ["git", "-C", str(root), "rev-parse", "--short=10", "HEAD"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            if out.returncode == 0 and out.stdout.strip():
                version = f"{version}+g{out.stdout.strip()}"
        except (OSError, subprocess.SubprocessError):
            pass
    return version


@functools.lru_cache(maxsize=8)
def _base_scenario(scenario_toml: str):
    from game.scenario import scenario_from_toml

    # A sweep's base scenario was written by this project from a file the user chose, so
    # its plugins may be imported (a Dask worker loads them the first time it sees them).
    return scenario_from_toml(scenario_toml, trusted=True)


@functools.lru_cache(maxsize=256)
def _point_scenario(scenario_toml: str, params_json: str):
    scenario = _base_scenario(scenario_toml).with_overrides(json.loads(params_json))
    return scenario, scenario.digest()


def _finite(value: float) -> float | None:
    """A stored number: ``None`` where the run has no value (NaN)."""
    return value if math.isfinite(value) else None


def run_one(task: RunTask) -> RunResult:
    """Play one seeded run and summarise it; never raises for a failing run.

    Args:
        task: The run to play.

    Returns:
        A :class:`RunResult`: ``status="ok"`` with metrics and weekly series, or
        ``status="failed"`` with the traceback in ``error``.
    """
    started = time.time()
    t0 = time.perf_counter()
    result = _failed(task, worker={"host": socket.gethostname(), "pid": os.getpid()})
    try:
        from game.run_metrics import summarise, weekly_series
        from game.world.model import ComputeGame

        params_json = json.dumps(task.params, sort_keys=True)
        scenario, digest = _point_scenario(task.scenario_toml, params_json)
        result.scenario_hash = digest
        model = ComputeGame(scenario, rng=task.seed, keep_books=False)
        model.run(task.weeks if task.weeks is not None else scenario.weeks)
        frame = model.weeks_frame()
        result.metrics = {k: _finite(v) for k, v in summarise(frame, task.metrics).items()}
        result.weekly = {
            k: [_finite(v) for v in series]
            for k, series in weekly_series(frame, task.metrics).items()
        }
        result.status = OK
    except Exception:
        result.metrics = {}
        result.weekly = {}
        result.error = traceback.format_exc()
    result.timing = {"started": started, "seconds": time.perf_counter() - t0}
    return result


def lost_result(task: RunTask, reason: str) -> RunResult:
    """A failed result for a run whose worker process died while playing it.

    The error is one line (``crunch results DB --failed`` shows it); ``--retry-failed``
    plays the run again.

    Args:
        task: The run that was lost.
        reason: What happened, e.g. ``worker process 123 killed by signal 9 (SIGKILL)
            while playing this run``.
    """
    return _failed(
        task,
        error=f"WorkerLost: {reason}; rerun it with --retry-failed",
        worker={"host": socket.gethostname()},
    )


def _failed(task: RunTask, **fields: Any) -> RunResult:
    """A failed result of ``task`` (``fields`` fill in the rest)."""
    return RunResult(
        run_key=task.run_key,
        point=task.point,
        replicate=task.replicate,
        seed=task.seed,
        params=dict(task.params),
        status=FAILED,
        code_version=code_version(),
        **fields,
    )
