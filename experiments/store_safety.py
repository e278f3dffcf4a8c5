"""Opening results files safely: every results file is treated as untrusted input.

A results file can come from anywhere (an upload on the Sweeps page, a mail, a shared
drive), and SQLite runs whatever its schema says: a ``runs`` that is a view over an
endless recursive query keeps a core busy forever, a trigger fires on every write. So
before anything reads a file, :func:`open_checked` makes sure that:

- the connection runs with ``trusted_schema=OFF`` and a cap on the size of any value;
- ``meta``, ``runs`` and ``weekly`` are real tables (not views, not virtual tables, no
  generated columns) with the columns readers rely on, and there are no triggers;
- ``PRAGMA quick_check`` finds no damage;
- the ``meta`` table says what the file is, in the form readers expect.

Every statement then runs under a time limit (a progress handler): a file that takes
far longer than its size warrants is refused in one line instead of burning a core.

A file that may be written while it is read is never opened ``immutable``: readers go
through SQLite's locks and WAL like any other connection, and see whole transactions.
Nothing here opens the database file outside SQLite (not even to read its header):
closing any descriptor on it would drop the locks SQLite holds on it in this process.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from urllib.parse import quote

from experiments.store_schema import (
    FORMAT,
    NAME_LISTS,
    REQUIRED_COLUMNS,
    REQUIRED_META,
    SCHEMA_VERSION,
    TABLES,
    StoreError,
    quote_name,
)

BASE_SECONDS = 30.0
"""Time any one operation on a results file may take, plus ``size / BYTES_PER_SECOND``."""
BYTES_PER_SECOND = 2_000_000
MAX_VALUE_BYTES = 64 * 2**20
"""Largest string or blob SQLite may build on a results file's connection."""
BUSY_SECONDS = 10.0
PROGRESS_STEPS = 20_000
_CANNOT_OPEN = (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY)


class EmptyDatabase(StoreError):
    """The file is an SQLite database with nothing in it (a sweep may be creating it)."""


def _short(text: object, limit: int = 160) -> str:
    one = " ".join(str(text).split())
    return one if len(one) <= limit else one[: limit - 1] + "…"


def _sqlite_cause(err: BaseException) -> sqlite3.Error | None:
    """The SQLite error behind ``err`` (pandas wraps them in its own ``DatabaseError``)."""
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, sqlite3.Error):
            return seen
        seen = seen.__cause__
    return None


class TimeLimit:
    """A progress handler that stops any operation running past its time.

    Args:
        path: The results file (for messages).
        seconds: Time one guarded operation may take.
    """

    def __init__(self, path: Path, seconds: float) -> None:
        self.path = path
        self.seconds = seconds
        self._deadline: float | None = None
        self.expired = False

    def install(self, conn: sqlite3.Connection) -> None:
        """Make ``conn`` call this limit every few thousand virtual-machine steps."""
        conn.set_progress_handler(self._check, PROGRESS_STEPS)

    def _check(self) -> int:
        if self._deadline is not None and time.monotonic() > self._deadline:
            self.expired = True
            return 1
        return 0

    @contextmanager
    def guard(self, doing: str) -> Iterator[None]:
        """Run a block under the limit; turn SQLite errors into one-line :class:`StoreError`.

        Args:
            doing: What the block does, for the message (e.g. ``"reading the runs"``).
        """
        outer = self._deadline is not None
        if not outer:
            self._deadline = time.monotonic() + self.seconds
            self.expired = False
        try:
            yield
        except StoreError:
            raise
        except Exception as err:
            cause = _sqlite_cause(err)
            if cause is None or isinstance(
                cause, (sqlite3.ProgrammingError, sqlite3.IntegrityError)
            ):
                raise  # a bug in the caller, not a property of the file
            raise self.translate(cause, doing) from None
        finally:
            if not outer:
                self._deadline = None

    def translate(self, err: sqlite3.Error, doing: str) -> StoreError:
        """The one-line message for an SQLite error met while ``doing`` something."""
        text = str(err)
        p = self.path
        if self.expired:
            return StoreError(
                f"{p}: {doing} took longer than {self.seconds:.3g} s, far longer than a "
                "results file of its size needs; refusing it (crafted or damaged?)"
            )
        if "locked" in text or "busy" in text:
            return StoreError(f"{p}: {doing}: the file stayed locked by another process ({text})")
        if isinstance(err, sqlite3.OperationalError) and "full" in text:
            return StoreError(f"{p}: {doing} failed ({text}); free some space and try again")
        if isinstance(err, sqlite3.OperationalError) and "I/O" in text:
            return StoreError(f"{p}: {doing} failed ({text})")
        return StoreError(f"{p} is damaged or not a results file ({_short(text)})")


def time_limit(path: Path) -> TimeLimit:
    """The time limit for a file: :data:`BASE_SECONDS` plus time in proportion to its size."""
    size = 0
    for part in (path, Path(f"{path}-wal")):
        with suppress(OSError):
            size += part.stat().st_size
    return TimeLimit(path, BASE_SECONDS + size / BYTES_PER_SECOND)


def _uri(path: Path, mode: str) -> str:
    return "file:" + quote(str(path.resolve())) + "?mode=" + mode


def _harden(conn: sqlite3.Connection, limit: TimeLimit) -> sqlite3.Connection:
    conn.execute("PRAGMA trusted_schema=OFF")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
    limit.install(conn)
    return conn


def _cannot_be_written(path: Path) -> bool:
    try:
        read_only_fs = bool(os.statvfs(path).f_flag & os.ST_RDONLY)
        return read_only_fs or path.stat().st_mode & 0o222 == 0
    except OSError:
        return False


def connect(
    path: Path, limit: TimeLimit, *, read_only: bool, create: bool = False
) -> sqlite3.Connection:
    """Open ``path`` with SQLite, hardened, without reading anything yet.

    Readers open the file like a writer would (so they share the WAL and its locks, and
    the last one to close tidies the ``-wal``/``-shm`` files away) but with
    ``query_only``; where that is not allowed, they fall back to ``mode=ro``. Only a file
    nobody can write (on a read-only file system, or with no write permission for
    anyone) is opened ``immutable`` when SQLite cannot open it otherwise.
    """
    modes = ["rw", "ro"] if read_only else ["rwc" if create else "rw"]
    if read_only and _cannot_be_written(path):
        modes.append("ro&immutable=1")
    last: sqlite3.Error | None = None
    for mode in modes:
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(
                _uri(path, mode), uri=True, timeout=BUSY_SECONDS, check_same_thread=False
            )
            _harden(conn, limit)
            if read_only:
                conn.execute("PRAGMA query_only=ON")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as err:
            if conn is not None:
                conn.close()
            code = getattr(err, "sqlite_errorcode", 0) & 0xFF
            if code == sqlite3.SQLITE_NOTADB:
                raise StoreError(
                    f"{path} is damaged or not a results file (not an SQLite database)"
                ) from None
            if code not in _CANNOT_OPEN:
                raise limit.translate(err, "opening it") from None
            last = err
            continue
        except BaseException:
            if conn is not None:
                conn.close()
            raise
        return conn
    raise StoreError(f"{path}: cannot open it ({last})")


def _problems(rows: list[tuple[object, ...]]) -> str:
    lines = [ln for r in rows for ln in str(r[0]).splitlines() if not ln.startswith("***")]
    return _short("; ".join(lines) or "unknown damage")


def check_schema(conn: sqlite3.Connection, path: Path) -> None:
    """Accept only real ``meta``/``runs``/``weekly`` tables with the columns readers use.

    Raises:
        StoreError: A view, virtual table, generated column or trigger where a results
            file has none, or a table or column missing.
    """
    objects = conn.execute("SELECT type, name, sql FROM sqlite_master").fetchall()
    if not objects:
        raise EmptyDatabase(f"{path} holds no results yet (an empty SQLite database)")
    kinds: dict[str, str] = {}
    for kind, name, sql in objects:
        if kind == "trigger":
            raise StoreError(
                f"{path} holds a trigger ({_short(name, 40)!r}); results files have none, "
                "so it is refused (crafted or edited by hand?)"
            )
        if kind == "table" and str(sql or "").lstrip()[:14].upper() == "CREATE VIRTUAL":
            kind = "virtual table"
        kinds.setdefault(name, kind)
    for table in TABLES:
        kind = kinds.get(table)
        if kind is None:
            raise StoreError(f"{path} is an SQLite database but not a Compute Crunch results file")
        if kind != "table":
            raise StoreError(
                f"{path}: {table!r} is a {kind}, not a table; results files hold only "
                "tables, so it is refused (crafted or edited by hand?)"
            )
        columns = conn.execute(f"PRAGMA table_xinfo({quote_name(table)})").fetchall()
        generated = [c[1] for c in columns if c[6] != 0]
        if generated:
            raise StoreError(
                f"{path}: table {table!r} has a computed column {_short(generated[0], 40)!r}; "
                "results files store plain values only, so it is refused"
            )
        missing = [c for c in REQUIRED_COLUMNS[table] if c not in {r[1] for r in columns}]
        if missing:
            raise StoreError(
                f"{path} is not a Compute Crunch results file (table {table!r} has no "
                f"column {missing[0]!r})"
            )


def check_meta(meta: dict[str, str], path: Path) -> None:
    """Refuse a ``meta`` table that does not describe a results file readers can use.

    Raises:
        StoreError: Not a results file, another format version, or an entry missing or
            not of the expected form.
    """
    if meta.get("format") != FORMAT:
        raise StoreError(f"{path} is an SQLite database but not a Compute Crunch results file")
    if meta.get("schema_version") != SCHEMA_VERSION:
        raise StoreError(
            f"{path} uses results format {_short(meta.get('schema_version'), 40)!r}; "
            f"this version reads {SCHEMA_VERSION!r}"
        )
    for key in REQUIRED_META:
        if not isinstance(meta.get(key), str):
            raise StoreError(f"{path} is damaged: its meta table has no {key!r} entry")
    for key in NAME_LISTS:
        try:
            names = json.loads(meta.get(key, "[]"))
        except (ValueError, RecursionError, TypeError):
            names = None
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise StoreError(
                f"{path} is damaged: meta entry {key!r} = {_short(meta.get(key), 60)!r} "
                "is not a JSON list of names"
            )
    planned = meta.get("planned_runs", "0")
    if not (isinstance(planned, str) and planned.isascii() and planned.isdigit()):
        raise StoreError(
            f"{path} is damaged: meta entry 'planned_runs' = {_short(planned, 40)!r} "
            "is not a whole number"
        )


def inspect(conn: sqlite3.Connection, path: Path, limit: TimeLimit) -> dict[str, str]:
    """Check an open file's schema, integrity and ``meta``; return ``meta``.

    Raises:
        StoreError: The file is crafted, damaged, not a results file, or too slow to check.
    """
    with limit.guard("checking it"):
        check_schema(conn, path)
        damage = conn.execute("PRAGMA quick_check(5)").fetchall()
        if damage != [("ok",)]:
            raise StoreError(
                f"{path} is damaged ({_problems(damage)}); restore it from a backup or run "
                "the sweep again into a new file"
            )
        meta = {str(k): v for k, v in conn.execute("SELECT key, value FROM meta").fetchall()}
    check_meta(meta, path)
    return meta


def open_checked(path: Path, *, read_only: bool) -> tuple[sqlite3.Connection, TimeLimit, dict]:
    """Open an existing results file safely and check it before anything else reads it.

    Returns:
        ``(connection, time limit, meta)``: the hardened connection (its time limit
        installed) and the file's ``meta`` table.

    Raises:
        StoreError: Not SQLite, damaged, crafted, not a results file, or too slow to check.
    """
    limit = time_limit(path)
    conn = connect(path, limit, read_only=read_only)
    try:
        meta = inspect(conn, path, limit)
    except BaseException:
        conn.close()
        raise
    return conn, limit, meta
