"""The layout of a results file: its format marks, reserved columns and ``CREATE`` statements.

Shared by :mod:`experiments.store` (which writes and reads results) and
:mod:`experiments.store_safety` (which checks a file before anything reads it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from game.run_metrics import RUN_METRICS

if TYPE_CHECKING:
    from experiments.sweep_schema import SweepFile

FORMAT = "compute-crunch-results"
SCHEMA_VERSION = "1"
BASE_COLUMNS = ("run_key", "status", "point", "replicate", "seed")
INFO_COLUMNS = ("scenario_hash", "code_version", "params", "error")
TIMING_COLUMNS = ("timing_started", "timing_seconds")
WORKER_COLUMNS = ("worker_host", "worker_pid")
RESERVED = frozenset(BASE_COLUMNS + INFO_COLUMNS + TIMING_COLUMNS + WORKER_COLUMNS + ("week",))
TABLES = ("meta", "runs", "weekly")
# Columns every reader relies on, per table (the rest depend on the sweep).
REQUIRED_COLUMNS = {
    "meta": ("key", "value"),
    "runs": BASE_COLUMNS + INFO_COLUMNS,
    "weekly": ("run_key", "week"),
}
# ``meta`` entries every reader relies on; the last three are JSON lists of names.
REQUIRED_META = (
    "format",
    "schema_version",
    "sweep_hash",
    "sweep_json",
    "factors",
    "metrics",
    "weekly_metrics",
)
NAME_LISTS = ("factors", "metrics", "weekly_metrics")


class StoreError(ValueError):
    """A results file cannot be used: the message says which file, why, and what to do."""


def quote_name(name: str) -> str:
    """Quote an SQL identifier (factor keys contain dots)."""
    return '"' + name.replace('"', '""') + '"'


def weekly_metric_names(names: list[str]) -> list[str]:
    """Those of ``names`` whose weekly series is stored (registry metrics read off a column)."""
    return [n for n in names if n in RUN_METRICS and RUN_METRICS[n].reduce is None]


def check_columns(spec: SweepFile) -> None:
    """Refuse factor or metric names that clash with the fixed columns or with each other.

    Raises:
        StoreError: A name is reserved or used twice.
    """
    seen: set[str] = set()
    for name in [*spec.factors, *spec.outputs.metrics]:
        if name in RESERVED or name.startswith(("timing_", "worker_")):
            raise StoreError(f"{name!r} clashes with a results column; allowed: other names")
        if name in seen:
            raise StoreError(f"{name!r} is both a factor and a metric; rename one")
        seen.add(name)


def schema(spec: SweepFile, weekly: list[str]) -> list[str]:
    """The statements that create a new results file for ``spec``."""
    factor_cols = ", ".join(quote_name(f) for f in spec.factors)
    metric_cols = ", ".join(f"{quote_name(m)} REAL" for m in spec.outputs.metrics)
    weekly_cols = "".join(f", {quote_name(m)} REAL" for m in weekly)
    return [
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        "CREATE TABLE runs ("
        "run_key TEXT PRIMARY KEY, "
        "status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), "
        "point INTEGER NOT NULL, replicate INTEGER NOT NULL, seed INTEGER NOT NULL, "
        f"{factor_cols}, {metric_cols}, "
        "scenario_hash TEXT, code_version TEXT, params TEXT NOT NULL, error TEXT, "
        "timing_started REAL, timing_seconds REAL, worker_host TEXT, worker_pid INTEGER)",
        "CREATE INDEX runs_point ON runs (point, replicate)",
        "CREATE TABLE weekly (run_key TEXT NOT NULL, week INTEGER NOT NULL"
        f"{weekly_cols}, PRIMARY KEY (run_key, week)) WITHOUT ROWID",
    ]
