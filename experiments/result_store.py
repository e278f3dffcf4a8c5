"""An open results file: reading its tables and streaming results into it.

Made by :func:`experiments.store.open_for_sweep` (writer) and
:func:`experiments.store.open_results` (reader), which check the file first; see
:mod:`experiments.store` for the layout and the guarantees.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from experiments.factors import LevelsFactor
from experiments.runner import FAILED, OK, RunResult
from experiments.store_lease import WriterLease
from experiments.store_safety import TimeLimit, time_limit
from experiments.store_schema import (
    BASE_COLUMNS,
    INFO_COLUMNS,
    TIMING_COLUMNS,
    WORKER_COLUMNS,
    StoreError,
    quote_name,
)
from experiments.sweep_schema import SweepFile, stored_sweep

if TYPE_CHECKING:
    import pandas as pd


class ResultStore:
    """An open results file (use :func:`open_for_sweep` or :func:`open_results`).

    Every operation runs under the file's time limit, and SQLite errors (damage found
    while reading, a full disk while writing) surface as one-line :class:`StoreError`.

    Attributes:
        path: The file.
        meta: The ``meta`` table as a dict.
        read_only: Whether writes are refused.
        created: Whether :func:`~experiments.store.open_for_sweep` created the file.
    """

    def __init__(
        self,
        path: Path,
        conn: sqlite3.Connection,
        meta: dict[str, str],
        read_only: bool,
        *,
        limit: TimeLimit | None = None,
        lease: WriterLease | None = None,
        created: bool = False,
    ):
        self.path = path
        self._conn = conn
        self._limit = limit if limit is not None else time_limit(path)
        self._limit.install(conn)
        self._lease = lease
        self.created = created
        self.meta = meta
        self.read_only = read_only
        self.factors: list[str] = json.loads(meta["factors"])
        self.metrics: list[str] = json.loads(meta["metrics"])
        self.weekly_metrics: list[str] = json.loads(meta["weekly_metrics"])
        run_cols = self._run_columns()
        self._insert_run = (
            f"INSERT OR REPLACE INTO runs ({', '.join(quote_name(c) for c in run_cols)}) "
            f"VALUES ({', '.join('?' for _ in run_cols)})"
        )
        cols = ["run_key", "week", *self.weekly_metrics]
        self._insert_week = (
            f"INSERT INTO weekly ({', '.join(quote_name(c) for c in cols)}) "
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
        """Close the connection, then give up the writer's lease (safe to call twice)."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None  # type: ignore[assignment]
        if self._lease is not None:
            self._lease.release()
            self._lease = None

    def discard(self) -> bool:
        """Close the store; delete the file if this store created it and it holds no run.

        The deletion happens while the writer's lease is still held, so it can never
        remove a file another sweep has started meanwhile. Return whether it deleted.
        """
        if self._conn is None:
            return False
        empty = self.created and not self.read_only and not self.statuses()
        self._conn.close()
        self._conn = None  # type: ignore[assignment]
        if empty:
            for name in (self.path.name, f"{self.path.name}-wal", f"{self.path.name}-shm"):
                self.path.with_name(name).unlink(missing_ok=True)
        self.close()
        return empty

    # ------------------------------------------------------------------ reading
    @property
    def sweep_hash(self) -> str:
        """Hash of the sweep that made this file."""
        return self.meta["sweep_hash"]

    def sweep(self) -> SweepFile:
        """The sweep that made this file (rebuilt from the stored canonical JSON)."""
        return stored_sweep(self.meta["sweep_json"])

    @contextmanager
    def snapshot(self) -> Iterator[Self]:
        """Read several tables as of one moment: one read transaction for the block.

        A sweep writing the file meanwhile is not seen until the block ends, so the runs
        and the weekly series read inside it always belong together.
        """
        with self._limit.guard("reading it"):
            self._conn.execute("BEGIN")
            try:
                yield self
            finally:
                if self._conn.in_transaction:
                    self._conn.rollback()

    def statuses(self) -> dict[str, str]:
        """Map every stored run key to its status (``ok`` or ``failed``)."""
        with self._limit.guard("reading the stored runs"):
            return dict(self._conn.execute("SELECT run_key, status FROM runs").fetchall())

    def counts(self) -> dict[str, int]:
        """Return the number of ``ok`` and ``failed`` runs stored and the ``planned`` total."""
        with self._limit.guard("counting the stored runs"):
            rows = dict(self._conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status"))
        return {
            OK: int(rows.get(OK, 0)),
            FAILED: int(rows.get(FAILED, 0)),
            "planned": int(self.meta.get("planned_runs", "0")),
        }

    def runs_frame(self) -> pd.DataFrame:
        """One row per stored run, ordered by point and replicate (factor columns typed)."""
        import pandas as pd

        with self._limit.guard("reading the runs"):
            frame = pd.read_sql_query("SELECT * FROM runs ORDER BY point, replicate", self._conn)
        try:
            spec = self.sweep()
        except (ValueError, TypeError, RecursionError):
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

        with self._limit.guard("reading the weekly series"):
            return pd.read_sql_query(
                "SELECT w.* FROM weekly w JOIN runs r USING (run_key) "
                "WHERE r.status = 'ok' ORDER BY r.point, r.replicate, w.week",
                self._conn,
            )

    def weekly_chunks(self, runs_per_chunk: int = 200) -> Iterator[pd.DataFrame]:
        """The weekly series of the ok runs, ``runs_per_chunk`` runs at a time (run order).

        Each chunk is one query (keyset pagination on ``(point, replicate)``), so an export
        of a 100k-run file holds one chunk in memory, never the whole table. Read it
        inside :meth:`snapshot` for one consistent view while a sweep is writing.

        Yields:
            Frames with ``run_key, week`` and one column per weekly metric, ordered by
            point, replicate and week.
        """
        import pandas as pd

        if runs_per_chunk < 1:
            raise ValueError(f"runs_per_chunk = {runs_per_chunk}: must be >= 1")
        after = (-1, -1)
        while True:
            with self._limit.guard("reading the weekly series"):
                keys = self._conn.execute(
                    "SELECT run_key, point, replicate FROM runs WHERE status = 'ok' "
                    "AND (point, replicate) > (?, ?) ORDER BY point, replicate LIMIT ?",
                    (*after, runs_per_chunk),
                ).fetchall()
                if not keys:
                    return
                marks = ", ".join("?" for _ in keys)
                frame = pd.read_sql_query(
                    f"SELECT * FROM weekly WHERE run_key IN ({marks})",
                    self._conn,
                    params=[k[0] for k in keys],
                )
            rank = {k[0]: i for i, k in enumerate(keys)}
            frame = frame.assign(_rank=frame["run_key"].map(rank))
            frame = frame.sort_values(["_rank", "week"], kind="mergesort").drop(columns="_rank")
            after = (keys[-1][1], keys[-1][2])
            yield frame.reset_index(drop=True)

    # ------------------------------------------------------------------ writing
    def write(self, result: RunResult) -> None:
        """Store one result in its own transaction (replacing any earlier row of the run).

        Raises:
            StoreError: Read-only store, or the file cannot take the row (disk full,
                damage); the runs stored before are kept.
        """
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
        with self._limit.guard(f"storing run {result.run_key}"), self._conn:
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
        with self._limit.guard(f"setting {key}"), self._conn:
            self._conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
        self.meta[key] = value
