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

Opening a file checks what it is before writing anything: a file made by a different
sweep, a non-SQLite file or a damaged database is refused with a one-line
:class:`StoreError` and left exactly as it was.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import quote

from experiments.factors import LevelsFactor
from experiments.runner import FAILED, OK, RunResult, code_version
from experiments.sweep_schema import SweepFile, stored_sweep
from game.run_metrics import RUN_METRICS

if TYPE_CHECKING:
    import pandas as pd

    from experiments.sweep_file import Sweep


FORMAT = "compute-crunch-results"
SCHEMA_VERSION = "1"
SQLITE_HEADER = b"SQLite format 3\x00"
BASE_COLUMNS = ("run_key", "status", "point", "replicate", "seed")
INFO_COLUMNS = ("scenario_hash", "code_version", "params", "error")
TIMING_COLUMNS = ("timing_started", "timing_seconds")
WORKER_COLUMNS = ("worker_host", "worker_pid")
RESERVED = frozenset(BASE_COLUMNS + INFO_COLUMNS + TIMING_COLUMNS + WORKER_COLUMNS + ("week",))


class StoreError(ValueError):
    """A results file cannot be used: the message says which file, why, and what to do."""


def _q(name: str) -> str:
    """Quote an SQL identifier (factor keys contain dots)."""
    return '"' + name.replace('"', '""') + '"'


def _uri(path: Path, *, read_only: bool) -> str:
    uri = "file:" + quote(str(path.resolve()))
    if not read_only:
        return uri + "?mode=rw"
    # Without a -wal file nobody is writing: open it immutable so that reading creates
    # no -wal/-shm files next to it. With one, a sweep may be running: share its WAL.
    wal = Path(str(path) + "-wal")
    return uri + ("?mode=ro" if wal.exists() else "?mode=ro&immutable=1")


def _check_header(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as err:
        raise StoreError(f"{path}: cannot read it ({err.strerror})") from None
    if head != SQLITE_HEADER:
        raise StoreError(f"{path} is not a results file (not an SQLite database)")


def read_meta(path: str | Path) -> dict[str, str]:
    """Read a results file's ``meta`` table without modifying the file.

    Raises:
        StoreError: Missing file, not SQLite, damaged, or not a Compute Crunch results file.
    """
    p = Path(path)
    if not p.is_file():
        raise StoreError(f"results file {str(path)!r} does not exist")
    _check_header(p)
    try:
        conn = sqlite3.connect(_uri(p, read_only=True), uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if not {"meta", "runs", "weekly"} <= tables:
                raise StoreError(f"{p} is an SQLite database but not a Compute Crunch results file")
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{p} is damaged or not a results file ({err})") from None
    if meta.get("format") != FORMAT:
        raise StoreError(f"{p} is an SQLite database but not a Compute Crunch results file")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise StoreError(
            f"{p} uses results format {meta.get('schema_version')!r}; "
            f"this version reads {SCHEMA_VERSION!r}"
        )
    return meta


def _weekly_metric_names(names: list[str]) -> list[str]:
    """Those of ``names`` whose weekly series is stored (registry metrics read off a column)."""
    return [n for n in names if n in RUN_METRICS and RUN_METRICS[n].reduce is None]


def _check_columns(spec: SweepFile) -> None:
    seen: set[str] = set()
    for name in [*spec.factors, *spec.outputs.metrics]:
        if name in RESERVED or name.startswith(("timing_", "worker_")):
            raise StoreError(f"{name!r} clashes with a results column; allowed: other names")
        if name in seen:
            raise StoreError(f"{name!r} is both a factor and a metric; rename one")
        seen.add(name)


def _schema(spec: SweepFile, weekly: list[str]) -> list[str]:
    factor_cols = ", ".join(_q(f) for f in spec.factors)
    metric_cols = ", ".join(f"{_q(m)} REAL" for m in spec.outputs.metrics)
    weekly_cols = "".join(f", {_q(m)} REAL" for m in weekly)
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


class ResultStore:
    """An open results file (use :func:`open_for_sweep` or :func:`open_results`).

    Attributes:
        path: The file.
        meta: The ``meta`` table as a dict.
        read_only: Whether writes are refused.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, meta: dict[str, str], read_only: bool):
        self.path = path
        self._conn = conn
        self.meta = meta
        self.read_only = read_only
        self.factors: list[str] = json.loads(meta["factors"])
        self.metrics: list[str] = json.loads(meta["metrics"])
        self.weekly_metrics: list[str] = json.loads(meta["weekly_metrics"])
        self._insert_run = (
            f"INSERT OR REPLACE INTO runs ({', '.join(_q(c) for c in self._run_columns())}) "
            f"VALUES ({', '.join('?' for _ in self._run_columns())})"
        )
        cols = ["run_key", "week", *self.weekly_metrics]
        self._insert_week = (
            f"INSERT INTO weekly ({', '.join(_q(c) for c in cols)}) "
            f"VALUES ({', '.join('?' for _ in cols)})"
        )

    def _run_columns(self) -> list[str]:
        return [
            *BASE_COLUMNS,
            *self.factors,
            *self.metrics,
            *INFO_COLUMNS,
            *TIMING_COLUMNS,
            *WORKER_COLUMNS,
        ]

    # ------------------------------------------------------------------ context
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (safe to call twice)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]

    # ------------------------------------------------------------------ reading
    @property
    def sweep_hash(self) -> str:
        """Hash of the sweep that made this file."""
        return self.meta["sweep_hash"]

    def sweep(self) -> SweepFile:
        """The sweep that made this file (rebuilt from the stored canonical JSON)."""
        return stored_sweep(self.meta["sweep_json"])

    def statuses(self) -> dict[str, str]:
        """Map every stored run key to its status (``ok`` or ``failed``)."""
        return dict(self._conn.execute("SELECT run_key, status FROM runs").fetchall())

    def counts(self) -> dict[str, int]:
        """Return the number of ``ok`` and ``failed`` runs stored and the ``planned`` total."""
        rows = dict(self._conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status"))
        return {
            OK: int(rows.get(OK, 0)),
            FAILED: int(rows.get(FAILED, 0)),
            "planned": int(self.meta.get("planned_runs", "0")),
        }

    def runs_frame(self) -> pd.DataFrame:
        """One row per stored run, ordered by point and replicate (factor columns typed)."""
        import pandas as pd

        frame = pd.read_sql_query("SELECT * FROM runs ORDER BY point, replicate", self._conn)
        try:
            spec = self.sweep()
        except ValueError:
            return frame
        for name, factor in spec.factors.items():
            if (
                name in frame.columns
                and isinstance(factor, LevelsFactor)
                and all(isinstance(v, bool) for v in factor.levels)
            ):
                frame[name] = frame[name].astype(bool)
        return frame

    def weekly_frame(self) -> pd.DataFrame:
        """One row per run and week with the weekly series (ok runs only), run order."""
        import pandas as pd

        return pd.read_sql_query(
            "SELECT w.* FROM weekly w JOIN runs r USING (run_key) "
            "WHERE r.status = 'ok' ORDER BY r.point, r.replicate, w.week",
            self._conn,
        )

    # ------------------------------------------------------------------ writing
    def write(self, result: RunResult) -> None:
        """Store one result in its own transaction (replacing any earlier row of the run)."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        row: list[Any] = [
            result.run_key,
            result.status,
            result.point,
            result.replicate,
            result.seed,
            *[result.params.get(f) for f in self.factors],
            *[result.metrics.get(m) for m in self.metrics],
            result.scenario_hash,
            result.code_version,
            json.dumps(result.params, sort_keys=True),
            result.error,
            result.timing.get("started"),
            result.timing.get("seconds"),
            result.worker.get("host"),
            result.worker.get("pid"),
        ]
        weeks: list[list[Any]] = []
        if result.ok and self.weekly_metrics:
            series = [result.weekly.get(m, []) for m in self.weekly_metrics]
            n = max(len(s) for s in series)
            for week in range(n):
                weeks.append(
                    [result.run_key, week, *[s[week] if week < len(s) else None for s in series]]
                )
        with self._conn:
            self._conn.execute(self._insert_run, row)
            self._conn.execute("DELETE FROM weekly WHERE run_key = ?", (result.run_key,))
            if weeks:
                self._conn.executemany(self._insert_week, weeks)

    def write_many(self, results: Iterable[RunResult]) -> int:
        """Store results one transaction each; return how many were stored."""
        n = 0
        for result in results:
            self.write(result)
            n += 1
        return n

    def set_meta(self, key: str, value: str) -> None:
        """Set one ``meta`` entry (e.g. the number of planned runs)."""
        if self.read_only:
            raise StoreError(f"{self.path} is open read-only")
        with self._conn:
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        self.meta[key] = value


def _connect_rw(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


def _what_changed(meta: dict[str, str], sweep: Sweep) -> str:
    if meta.get("sweep_name") != sweep.spec.name:
        return ""
    if meta.get("sweep_json") != sweep.spec.canonical_json():
        return ": its settings, factors or metrics changed"
    if meta.get("scenario_digest") != sweep.base.digest():
        return ": its base scenario changed"
    return ""


def open_for_sweep(path: str | Path, sweep: Sweep) -> ResultStore:
    """Open (or create) the results file of ``sweep`` for writing.

    A new file gets the schema and the sweep's identity; an existing one must have been
    made by the same sweep (same hash).

    Raises:
        StoreError: The file is a directory, not SQLite, damaged, not a results file, or
            holds a different sweep. The file is not modified in any of these cases.
    """
    p = Path(path)
    if p.is_dir():
        raise StoreError(f"--out {str(path)!r} is a directory; give a file such as results.db")
    if p.exists() and p.stat().st_size > 0:
        try:
            meta = read_meta(p)
        except StoreError as err:
            raise StoreError(f"{err}; refusing to write to it, use another --out file") from None
        if meta["sweep_hash"] != sweep.hash:
            raise StoreError(
                f"{p} holds results of sweep {meta.get('sweep_name')!r} "
                f"(hash {meta['sweep_hash']}), not of this sweep {sweep.spec.name!r} "
                f"(hash {sweep.hash}{_what_changed(meta, sweep)}); use another --out file"
            )
        try:
            conn = _connect_rw(p)
        except sqlite3.DatabaseError as err:
            raise StoreError(f"{p}: cannot open it for writing ({err})") from None
        return ResultStore(p, conn, meta, read_only=False)
    _check_columns(sweep.spec)
    p.parent.mkdir(parents=True, exist_ok=True)
    weekly = _weekly_metric_names(sweep.spec.metric_names)
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
    conn = _connect_rw(p)
    try:
        with conn:  # one transaction: a kill leaves no half-made schema
            conn.execute("BEGIN IMMEDIATE")
            for statement in _schema(sweep.spec, weekly):
                conn.execute(statement)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
    except sqlite3.DatabaseError as err:
        conn.close()
        raise StoreError(f"{p}: cannot create the results file ({err})") from None
    return ResultStore(p, conn, meta, read_only=False)


def open_results(path: str | Path) -> ResultStore:
    """Open a results file for reading only (report, export, the app).

    Raises:
        StoreError: Missing file, not SQLite, damaged or not a results file.
    """
    p = Path(path)
    meta = read_meta(p)
    try:
        conn = sqlite3.connect(_uri(p, read_only=True), uri=True, check_same_thread=False)
        conn.execute("SELECT COUNT(*) FROM runs").fetchone()
    except sqlite3.DatabaseError as err:
        raise StoreError(f"{p} is damaged ({err})") from None
    return ResultStore(p, conn, meta, read_only=True)
