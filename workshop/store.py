"""The workshop database: SQLite in WAL mode, the single source of truth of a live game.

Tables:

- ``meta`` (key, value): the file format and schema version.
- ``workshops``: one row per workshop — its scenario (TOML), seed, rounds, weeks per
  round, timers, the link base and the hash of the host's token.
- ``seats``: one row per seat — its team, the hash of its token, whether a person or
  the bot plays it, and whether its link was revoked.
- ``rounds``: one row per round opened — its phase (``bidding`` → ``negotiating`` →
  ``closed``), the deadline of the current phase (or the time left while paused).
- ``actions``: the ordered log (``id`` is the order) — bids, loan offers and answers,
  rule and seat changes, messages and the round transitions. A workshop is its scenario,
  its seed and this log; the game is rebuilt from them by replay.
- ``offers``: the loan offers and their status, kept with the ``offer``/``answer``
  actions in the same transaction so that an offer is answered at most once.

Every operation opens its own connection (:func:`connect`; one for all of a player's or the
host's action with :func:`operation`) and writes inside
``BEGIN IMMEDIATE`` (:func:`writing`); no connection is shared between threads. Besides,
each process keeps one idle connection per database open (after one read it runs no
statement): when
an operation closes its connection it is then never the last one, so SQLite does not
checkpoint and delete the WAL on every close (a disk flush per operation, which made a
bid cost about 7 ms instead of 2). Opening
checks what the file is before anything is written: a file that is not a workshop
database, or a missing one, is refused with a one-line :class:`StoreError`.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

__all__ = [
    "FORMAT",
    "SCHEMA_VERSION",
    "StoreError",
    "connect",
    "create",
    "insert_action",
    "now",
    "reading",
    "writing",
]

FORMAT = "compute-crunch-workshop"
SCHEMA_VERSION = "1"
#: Seconds a writer waits for another writer before giving up.
BUSY_TIMEOUT = 30.0

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE workshops (
    id TEXT PRIMARY KEY,
    created REAL NOT NULL,
    scenario TEXT NOT NULL,
    seed INTEGER NOT NULL,
    rounds INTEGER NOT NULL,
    weeks_per_round INTEGER NOT NULL,
    bidding_seconds REAL NOT NULL,
    negotiation_seconds REAL NOT NULL,
    base_url TEXT NOT NULL,
    host_hash TEXT NOT NULL UNIQUE
);
CREATE TABLE seats (
    workshop TEXT NOT NULL REFERENCES workshops(id),
    seat INTEGER NOT NULL,
    team TEXT NOT NULL,
    team_index INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    mode TEXT NOT NULL CHECK (mode IN ('human', 'bot')),
    revoked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (workshop, seat)
);
CREATE TABLE rounds (
    workshop TEXT NOT NULL REFERENCES workshops(id),
    number INTEGER NOT NULL,
    phase TEXT NOT NULL CHECK (phase IN ('bidding', 'negotiating', 'closed')),
    deadline REAL,
    paused_left REAL,
    PRIMARY KEY (workshop, number)
);
CREATE TABLE actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop TEXT NOT NULL REFERENCES workshops(id),
    round INTEGER NOT NULL,
    kind TEXT NOT NULL,
    seat INTEGER,
    payload TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX actions_in_order ON actions (workshop, id);
CREATE TABLE offers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop TEXT NOT NULL REFERENCES workshops(id),
    round INTEGER NOT NULL,
    from_team INTEGER NOT NULL,
    to_team INTEGER NOT NULL,
    lender INTEGER NOT NULL,
    borrower INTEGER NOT NULL,
    units INTEGER NOT NULL,
    price REAL NOT NULL,
    weeks INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'accepted', 'rejected', 'countered', 'expired')),
    reply_to INTEGER
);
"""


class StoreError(ValueError):
    """A workshop file cannot be used: the message says which file, why, and what to do."""


def now() -> float:
    """Wall-clock seconds (deadlines are stored as absolute times)."""
    return time.time()


def _configure(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.row_factory = sqlite3.Row
    # In WAL mode NORMAL survives a killed process (only a power cut can lose the last
    # commits) and spares a disk flush on every commit.
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.isolation_level = None  # explicit BEGIN IMMEDIATE / COMMIT
    return conn


def create(path: Path) -> None:
    """Create an empty workshop database at ``path`` (which must not hold another file).

    Raises:
        StoreError: If ``path`` exists and is not a workshop database, or cannot be written.
    """
    path = Path(path)
    if path.exists():
        connect(path).close()  # checks it is one of ours
        return
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
    except sqlite3.Error as err:
        raise StoreError(f"{path}: cannot create it ({err})") from None
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        with conn:
            conn.executescript(SCHEMA)
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [("format", FORMAT), ("schema_version", SCHEMA_VERSION)],
            )
    finally:
        conn.close()


_KEEPERS: dict[str, sqlite3.Connection] = {}
_INHERITED: list[sqlite3.Connection] = []
_KEEPERS_LOCK = threading.Lock()


def _forget_keepers_in_child() -> None:
    # A forked child must not use (or close) its parent's connections: keep them
    # referenced, unused, and open its own.
    _INHERITED.extend(_KEEPERS.values())
    _KEEPERS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_keepers_in_child)


def _keep_open(path: Path) -> None:
    """Hold one idle connection to ``path`` for the life of this process."""
    key = _key(path)
    if key in _KEEPERS:
        return
    with _KEEPERS_LOCK:
        if key not in _KEEPERS:
            uri = "file:" + quote(key) + "?mode=rw"
            keeper = sqlite3.connect(uri, uri=True, check_same_thread=False)
            # One read opens the WAL index: from then on this connection counts as open.
            keeper.execute("SELECT COUNT(*) FROM meta").fetchone()
            _KEEPERS[key] = keeper


def connect(path: Path) -> sqlite3.Connection:
    """Open an existing workshop database for one operation (the caller closes it).

    Raises:
        StoreError: If the file is missing, not SQLite, or not a workshop database.
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError(
            f"{path}: no such workshop database (create one with `crunch workshop new`)"
        )
    # Never open the file outside SQLite: closing any descriptor of it drops this
    # process's SQLite locks (POSIX), and another process may then checkpoint and delete
    # the WAL under our feet, losing commits. SQLite itself says what the file is.
    conn = None
    try:
        conn = _configure(
            sqlite3.connect(
                "file:" + quote(_key(path)) + "?mode=rw",
                uri=True,
                timeout=BUSY_TIMEOUT,
            )
        )
        meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
    except sqlite3.DatabaseError as err:
        if conn is not None:
            conn.close()
        why = "not an SQLite file" if "not a database" in str(err) else "no workshop tables"
        raise StoreError(f"{path} is not a workshop database ({why})") from None
    except sqlite3.Error as err:
        if conn is not None:
            conn.close()
        raise StoreError(f"{path}: cannot open it ({err})") from None
    if meta.get("format") != FORMAT:
        conn.close()
        raise StoreError(f"{path} is not a workshop database (format {meta.get('format')!r})")
    if meta.get("schema_version") != SCHEMA_VERSION:
        conn.close()
        raise StoreError(
            f"{path}: workshop schema {meta.get('schema_version')} is not supported "
            f"(this version reads {SCHEMA_VERSION})"
        )
    _keep_open(path)
    return conn


_WRITE_LOCKS: dict[str, threading.Lock] = {}
_RESOLVED: dict[str, str] = {}


def _key(path: Path) -> str:
    """The absolute, resolved name of ``path`` (remembered: resolving stats every part)."""
    name = os.fspath(path)
    if not os.path.isabs(name):  # depends on the working directory: never remembered
        return str(Path(name).resolve())
    key = _RESOLVED.get(name)
    if key is None:
        key = _RESOLVED[name] = str(Path(name).resolve())
    return key


def _write_lock(path: Path) -> threading.Lock:
    key = _key(path)
    with _KEEPERS_LOCK:
        return _WRITE_LOCKS.setdefault(key, threading.Lock())


_OPERATION = threading.local()


@contextmanager
def operation(path: Path) -> Iterator[None]:
    """One connection for everything one operation of this thread does on ``path``.

    Inside the block, :func:`writing` and :func:`reading` on the same file use this
    connection instead of opening their own (opening costs about 0.4 ms, and a seat's
    bid used to open four). The connection belongs to the calling thread and is closed
    when the block ends; blocks nest (the outermost one owns the connection).
    """
    key = _key(path)
    held = getattr(_OPERATION, "conns", None)
    if held is None:
        held = _OPERATION.conns = {}
    if key in held:
        yield
        return
    held[key] = connect(path)
    try:
        yield
    finally:
        conn = held.pop(key)
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


def one_connection[T](method: Callable[..., T]) -> Callable[..., T]:
    """Run a method of an object with a ``db`` path inside :func:`operation`."""

    @functools.wraps(method)
    def wrapped(self: Any, *args: Any, **kwargs: Any) -> T:
        with operation(self.db):
            return method(self, *args, **kwargs)

    return wrapped


@contextmanager
def _connection(path: Path) -> Iterator[sqlite3.Connection]:
    """The thread's operation connection for ``path``, or a new one closed afterwards."""
    held = getattr(_OPERATION, "conns", None)
    shared = held.get(_key(path)) if held else None
    if shared is not None:
        yield shared
        return
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def writing(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection inside ``BEGIN IMMEDIATE``: committed on success, rolled back on error.

    Threads of one process queue for the write on a lock of their own (SQLite admits one
    writer anyway); waiting on SQLite's busy handler instead sleeps in growing steps and
    made 30 simultaneous submitters wait 150 ms. Other processes still wait on SQLite.
    """
    with _connection(path) as conn:
        if conn.in_transaction:
            raise RuntimeError("writing() inside another transaction on the same file")
        lock = _write_lock(path)
        with lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # SQLite may have rolled back already (I/O error)
                    conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")


@contextmanager
def reading(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection for reads (one consistent snapshot inside ``BEGIN``).

    Inside a transaction already open on the operation's connection, reads see that
    transaction.
    """
    with _connection(path) as conn:
        if conn.in_transaction:
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.execute("ROLLBACK")


def insert_action(
    conn: sqlite3.Connection,
    workshop: str,
    round_: int,
    kind: str,
    payload: dict[str, Any],
    seat: int | None = None,
) -> int:
    """Append one action to the log (inside the caller's transaction); return its id."""
    cur = conn.execute(
        "INSERT INTO actions (workshop, round, kind, seat, payload, created) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (workshop, round_, kind, seat, json.dumps(payload, sort_keys=True), now()),
    )
    return int(cur.lastrowid)
