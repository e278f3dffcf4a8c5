"""Exports of a results file for pandas, polars and R: runs and weekly series, CSV or Parquet.

- **runs** (``--csv``, ``--parquet``): one row per run: key, status, point, replicate,
  seed, one column per factor, one per metric, scenario hash, code version, parameters
  as JSON, the traceback of a failed run, timing and worker. The CSV and the Parquet
  file hold the same table (read back, they compare equal).
- **weekly** (``--weekly-csv``, ``--weekly-parquet``): the long table
  ``run_key, week, metric, value``: one row per ok run, week and weekly metric, in run,
  week and metric order; join it to the runs table on ``run_key``.

The weekly series are stored in the results file as each run finishes (its ``weekly``
table, written in the run's own transaction: a killed sweep leaves the series of every
finished run). The weekly export streams that table a few hundred runs at a time
(:meth:`experiments.result_store.ResultStore.weekly_chunks`), so its memory does not
grow with the sweep. Files are written whole or not at all
(:func:`experiments.output_files.write_whole`); ``-`` writes CSV to standard output::

    from experiments.export import write_runs, write_weekly
    write_runs("results.db", "runs.parquet", "parquet")
    write_weekly("results.db", "weekly.parquet", "parquet")
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from experiments.output_files import OutputError, write_whole

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

FORMATS = ("csv", "parquet")
WEEKLY_COLUMNS = ("run_key", "week", "metric", "value")
RUNS_PER_CHUNK = 100


def arrow_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every column of one Arrow type.

    SQLite stores a factor's levels as they are, so one column may hold whole numbers
    and fractions (made floats) or numbers and strings (made strings).
    """
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype != object:
            continue
        values = out[col].dropna()
        kinds = {type(v) for v in values}
        if len(kinds) <= 1:
            continue
        if kinds <= {int, float}:
            out[col] = out[col].astype(float)
        else:
            out[col] = out[col].map(lambda v: v if v is None else str(v))
    return out


def _schema_meta(meta: dict[str, str]) -> dict[bytes, bytes]:
    keys = ("sweep_name", "sweep_hash", "code_version", "scenario_digest")
    return {f"compute_crunch.{k}".encode(): meta[k].encode() for k in keys if k in meta}


def runs_table(frame: pd.DataFrame, meta: dict[str, str]) -> pa.Table:
    """The runs as an Arrow table, the sweep's name, hash and code version in its metadata."""
    import pyarrow as pa

    table = pa.Table.from_pandas(arrow_ready(frame), preserve_index=False)
    return table.replace_schema_metadata({**table.schema.metadata, **_schema_meta(meta)})


def _check(path: str, option: str, kind: str, example: str) -> None:
    if kind not in FORMATS:
        raise ValueError(f"format {kind!r} is not allowed; allowed: {', '.join(FORMATS)}")
    if path == "-" and kind == "parquet":
        raise OutputError(f"{option} -: Parquet is binary; give a file such as {example}")


def write_runs(db: str | Path, path: str, kind: str, *, option: str | None = None) -> int:
    """Write one row per run of results file ``db`` as CSV or Parquet; return the rows.

    Args:
        db: The results file (checked before reading).
        path: Where to write (``-``: standard output, CSV only).
        kind: ``csv`` or ``parquet``.
        option: The command-line option, for messages (default ``--csv``/``--parquet``).

    Raises:
        StoreError: The results file cannot be read.
        OutputError: The target cannot be written (nothing is left half-written).
    """
    from experiments.store import open_results

    option = option or f"--{kind}"
    example = f"runs.{kind}"
    _check(path, option, kind, example)
    with open_results(db) as store:
        frame, meta = store.runs_frame(), dict(store.meta)
    if kind == "csv":
        _write_text(path, option, example, lambda fh: frame.to_csv(fh, index=False))
    else:
        import pyarrow.parquet as pq

        table = runs_table(frame, meta)
        write_whole(
            Path(path),
            lambda fh: pq.write_table(table, fh.buffer),
            option=option,
            example=example,
        )
    return len(frame)


def weekly_schema(meta: dict[str, str]) -> pa.Schema:
    """The Arrow schema of the long weekly table."""
    import pyarrow as pa

    return pa.schema(
        [
            ("run_key", pa.string()),
            ("week", pa.int64()),
            ("metric", pa.string()),
            ("value", pa.float64()),
        ],
        metadata=_schema_meta(meta),
    )


def long_weekly(wide: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """A chunk of the stored weekly table (a column per metric) as long rows.

    Returns:
        ``run_key, week, metric, value``: one row per run, week and metric (a missing
        value stays, as NaN), in the chunk's row order and then metric order.
    """
    import numpy as np
    import pandas as pd

    n, k = len(wide), len(metrics)
    values = wide[metrics].to_numpy(dtype=float) if k else np.empty((n, 0))
    return pd.DataFrame(
        {
            "run_key": np.repeat(wide["run_key"].to_numpy(dtype=object), k),
            "week": np.repeat(wide["week"].to_numpy(dtype=np.int64), k),
            "metric": np.tile(np.asarray(metrics, dtype=object), n),
            "value": values.reshape(-1),
        },
        columns=list(WEEKLY_COLUMNS),
    )


def iter_weekly_long(
    db: str | Path, runs_per_chunk: int = RUNS_PER_CHUNK
) -> Iterator[tuple[dict[str, str], pd.DataFrame]]:
    """Yield ``(meta, chunk)``: the long weekly table of ``db``, a few runs at a time.

    The chunks are read in one transaction (a sweep writing meanwhile is not seen).
    A file with no ok run yields one empty chunk (so exports still get a header).
    """
    import pandas as pd

    from experiments.store import open_results

    with open_results(db) as store, store.snapshot():
        meta, metrics = dict(store.meta), list(store.weekly_metrics)
        empty = True
        for wide in store.weekly_chunks(runs_per_chunk):
            empty = False
            yield meta, long_weekly(wide, metrics)
        if empty:
            yield meta, pd.DataFrame(columns=list(WEEKLY_COLUMNS))


def write_weekly(
    db: str | Path,
    path: str,
    kind: str,
    *,
    option: str | None = None,
    runs_per_chunk: int = RUNS_PER_CHUNK,
) -> int:
    """Write the long weekly table of ``db`` (streamed chunk by chunk); return the rows.

    Args:
        db: The results file (checked before reading).
        path: Where to write (``-``: standard output, CSV only).
        kind: ``csv`` or ``parquet``.
        option: The command-line option, for messages (default ``--weekly-csv`` /
            ``--weekly-parquet``).
        runs_per_chunk: Runs read and written at a time.

    Raises:
        StoreError: The results file cannot be read.
        OutputError: The target cannot be written (nothing is left half-written).
    """
    option = option or f"--weekly-{kind}"
    example = f"weekly.{kind}"
    _check(path, option, kind, example)
    rows = 0

    def csv(fh: IO[str]) -> None:
        nonlocal rows
        for i, (_meta, chunk) in enumerate(iter_weekly_long(db, runs_per_chunk)):
            chunk.to_csv(fh, index=False, header=i == 0)
            rows += len(chunk)

    def parquet(fh: IO[str]) -> None:
        nonlocal rows
        import pyarrow as pa
        import pyarrow.parquet as pq

        writer = None
        try:
            for meta, chunk in iter_weekly_long(db, runs_per_chunk):
                schema = weekly_schema(meta)
                if writer is None:
                    writer = pq.ParquetWriter(fh.buffer, schema)
                writer.write_table(pa.Table.from_pandas(chunk, schema=schema, preserve_index=False))
                rows += len(chunk)
        finally:
            if writer is not None:
                writer.close()

    if kind == "csv":
        _write_text(path, option, example, csv)
    else:
        write_whole(Path(path), parquet, option=option, example=example)
    return rows


def _write_text(path: str, option: str, example: str, write) -> None:
    """Write text to standard output (``-``) or, whole or not at all, to a file."""
    if path != "-":
        write_whole(Path(path), write, option=option, example=example)
        return
    try:
        write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as err:
        raise OutputError(f"{option} -: cannot write to standard output ({err.strerror})") from None


def write_exports(db: str | Path, targets: list[tuple[str, str]]) -> bool:
    """Write each ``(option, target)`` export of ``crunch results``; return whether any.

    Options are ``--csv``, ``--parquet``, ``--weekly-csv`` and ``--weekly-parquet``;
    the rows written are reported on standard error (CSV to ``-`` goes to stdout).
    """
    for option, target in targets:
        kind = "parquet" if option.endswith("parquet") else "csv"
        write = write_weekly if option.startswith("--weekly") else write_runs
        rows = write(db, target, kind, option=option)
        if target != "-":
            print(f"wrote {rows} rows to {target}", file=sys.stderr)
    return bool(targets)
