"""The results file: one SQLite database per sweep, written as runs finish.

Tables:

- ``meta`` (key, value): the file format, the sweep's hash, its TOML as written and as
  canonical JSON, the base scenario, the code version that created it, the plan size.
- ``runs``: one row per run, keyed on ``run_key`` (``PRIMARY KEY``): status
  (``ok``/``failed``), point, replicate, seed, the parameters as JSON and one column per
  factor, the scenario hash and code version, one column per metric, the traceback of a
  failed run, and ``timing_*`` / ``worker_*`` columns (which vary between executors).
- ``weekly`` (run_key, week, one column per metric with a weekly series).

Every result is committed in its own transaction as it arrives (WAL mode), with
``INSERT OR REPLACE`` on ``run_key``: a killed sweep leaves only whole runs behind, a
rerun never duplicates a run, and a retried failure replaces its row.

Opening a file checks what it is before reading or writing anything
(:mod:`experiments.store_safety`: results files are untrusted input): a file made by a
different sweep, a non-SQLite file, a damaged database or a crafted one (a view or
trigger where a results file has tables) is refused with a one-line :class:`StoreError`
and left exactly as it was. Every operation runs under a time limit.

One writer at a time: :func:`open_for_sweep` takes an exclusive lease on the file
(:mod:`experiments.store_lease`) for as long as the store is open, and a second
``crunch sweep`` on the same file is refused at once. Readers never open a file
``immutable`` (a sweep may be writing it) and :meth:`ResultStore.snapshot` reads
several tables as of one transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import TYPE_CHECKING

from experiments import store_lease
from experiments.result_store import ResultStore
from experiments.runner import code_version
from experiments.store_safety import EmptyDatabase, TimeLimit, connect, open_checked, time_limit
from experiments.store_schema import (
    FORMAT,
    RESERVED,
    SCHEMA_VERSION,
    StoreError,
    check_columns,
    schema,
    weekly_metric_names,
)

if TYPE_CHECKING:
    from experiments.sweep_file import Sweep

__all__ = [
    "FORMAT",
    "RESERVED",
    "SCHEMA_VERSION",
    "ResultStore",
    "StoreError",
    "open_for_sweep",
    "open_results",
    "read_meta",
]


def read_meta(path: str | Path) -> dict[str, str]:
    """Read a results file's ``meta`` table (after checking the file) without modifying it.

    Raises:
        StoreError: Missing file, not SQLite, damaged, crafted, or not a Compute Crunch
            results file.
    """
    with open_results(path) as store:
        return dict(store.meta)


def _use_wal(conn: sqlite3.Connection, limit: TimeLimit) -> None:
    with limit.guard("opening it for writing"):
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")


def _what_changed(meta: dict[str, str], sweep: Sweep) -> str:
    if meta.get("sweep_name") != sweep.spec.name:
        return ""
    if meta.get("sweep_json") != sweep.spec.canonical_json():
        if '"common_random_numbers"' not in meta.get("sweep_json", "") and (
            sweep.spec.sweep.common_random_numbers
        ):
            return (
                ": the file was made with a seed per run; add common_random_numbers = false "
                "to [sweep] to resume it"
            )
        return ": its settings, factors or metrics changed"
    if meta.get("scenario_digest") != sweep.base.digest():
        return ": its base scenario changed"
    return ""


def _resume(p: Path, sweep: Sweep, lease: store_lease.WriterLease) -> ResultStore | None:
    """Open an existing results file of ``sweep`` (``None``: it is an empty database)."""
    try:
        conn, limit, meta = open_checked(p, read_only=False)
    except EmptyDatabase:
        return None
    except StoreError as err:
        raise StoreError(f"{err}; refusing to write to it, use another --out file") from None
    try:
        if meta["sweep_hash"] != sweep.hash:
            raise StoreError(
                f"{p} holds results of sweep {meta.get('sweep_name')!r} "
                f"(hash {meta['sweep_hash']}), not of this sweep {sweep.spec.name!r} "
                f"(hash {sweep.hash}{_what_changed(meta, sweep)}); use another --out file"
            )
        _use_wal(conn, limit)
    except BaseException:
        conn.close()
        raise
    return ResultStore(p, conn, meta, read_only=False, limit=limit, lease=lease)


def _create(p: Path, sweep: Sweep, lease: store_lease.WriterLease) -> ResultStore:
    check_columns(sweep.spec)
    weekly = weekly_metric_names(sweep.spec.metric_names)
    meta = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "sweep_hash": sweep.hash,
        "sweep_name": sweep.spec.name,
        "sweep_toml": sweep.text,
        "sweep_json": sweep.spec.canonical_json(),
        "scenario_toml": sweep.base.to_toml(),
        "scenario_digest": sweep.base.digest(),
        "code_version": code_version(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "factors": json.dumps(sweep.spec.factor_names),
        "metrics": json.dumps(sweep.spec.metric_names),
        "weekly_metrics": json.dumps(weekly),
        "planned_runs": "0",
    }
    limit = time_limit(p)
    conn = connect(p, limit, read_only=False, create=True)
    try:
        _use_wal(conn, limit)
        with limit.guard("creating the results file"), conn:
            conn.execute("BEGIN IMMEDIATE")  # one transaction: a kill leaves no half schema
            for statement in schema(sweep.spec, weekly):
                conn.execute(statement)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    except BaseException:
        conn.close()
        raise
    return ResultStore(p, conn, meta, read_only=False, limit=limit, lease=lease, created=True)


def open_for_sweep(path: str | Path, sweep: Sweep) -> ResultStore:
    """Open (or create) the results file of ``sweep`` for writing, as its only writer.

    The writer's lease is taken first and held until the store is closed. A new file
    gets the schema and the sweep's identity; an existing one is checked (it is
    untrusted input) and must have been made by the same sweep (same hash).

    Raises:
        StoreError: Another sweep is writing the file; or the file is a directory, not
            SQLite, damaged, crafted, not a results file, or holds a different sweep.
            The file is not modified in any of these cases.
    """
    p = Path(path)
    if p.is_dir():
        raise StoreError(f"--out {str(path)!r} is a directory; give a file such as results.db")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise StoreError(
            f"--out {str(path)!r}: cannot make its directory ({err.strerror})"
        ) from None
    lease = store_lease.acquire(p)
    fresh = not p.exists()
    try:
        store = None
        if p.exists() and p.stat().st_size > 0:
            store = _resume(p, sweep, lease)
        return store if store is not None else _create(p, sweep, lease)
    except BaseException:
        if fresh:  # a file this call began (e.g. on a full disk) goes, under the lease
            for name in (p.name, f"{p.name}-wal", f"{p.name}-shm"):
                p.with_name(name).unlink(missing_ok=True)
        lease.release()
        raise


def open_results(path: str | Path) -> ResultStore:
    """Open a results file for reading only (report, export, the app), after checking it.

    Raises:
        StoreError: Missing file, a directory, not SQLite, damaged, crafted, or not a
            results file.
    """
    p = Path(path)
    if p.is_dir():
        raise StoreError(f"{str(path)!r} is a directory, not a results file")
    if not p.is_file():
        raise StoreError(f"results file {str(path)!r} does not exist")
    conn, limit, meta = open_checked(p, read_only=True)
    return ResultStore(p, conn, meta, read_only=True, limit=limit)
