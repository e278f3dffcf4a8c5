"""Batch experiments: sweep files, designs, executors, a resumable results store, analysis.

Scripting API::

    from experiments import load_sweep, run_sweep, load_results, summary_table, write_report
    sweep = load_sweep("experiments/mechanisms.toml")      # validated, one-line errors
    run_sweep(sweep, "results.db", executor="processes")   # resumable; serial | processes | dask
    res = load_results("results.db")                       # runs, weekly series, the sweep
    summary_table(res.runs, res.spec)                      # mean and 95% CI per factor level
    write_report("results.db", "report.html")              # self-contained HTML

The same from the shell: ``crunch sweep``, ``crunch results``, ``crunch report``. The
metrics a sweep keeps are the run metrics of :mod:`game.run_metrics` (one registry for
every front); Compare (:mod:`experiments.compare`) shares the statistics of
:mod:`experiments.stats`.
Importing this package does not import the game (workers and the app stay light).
"""

from experiments.analysis import (
    Results,
    load_results,
    point_table,
    sobol_indices,
    summary_table,
    weekly_bands,
)
from experiments.designs import design_points
from experiments.executors import EXECUTORS, open_executor
from experiments.report import build_report, write_report
from experiments.runner import RunResult, RunTask, run_one
from experiments.store import StoreError, open_for_sweep, open_results
from experiments.sweep import SweepInterrupted, SweepOutcome, plan_sweep, run_sweep
from experiments.sweep_file import Sweep, SweepError, SweepFile, load_sweep, sweep_from_toml

__all__ = [
    "EXECUTORS",
    "Results",
    "RunResult",
    "RunTask",
    "StoreError",
    "Sweep",
    "SweepError",
    "SweepFile",
    "SweepInterrupted",
    "SweepOutcome",
    "build_report",
    "design_points",
    "load_results",
    "load_sweep",
    "open_executor",
    "open_for_sweep",
    "open_results",
    "plan_sweep",
    "point_table",
    "run_one",
    "run_sweep",
    "sobol_indices",
    "summary_table",
    "sweep_from_toml",
    "weekly_bands",
    "write_report",
]
