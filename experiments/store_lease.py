"""The writer's lease on a results file: one ``crunch sweep`` writes a file at a time.

The lease is an exclusive POSIX lock on a side file ``<results>.lock`` (holding the
writer's pid and host, for the message a second writer gets), taken before the results
file is even looked at, so two sweeps never both create, resume or compute the same
file. The operating system drops the lock when its process dies, even on ``kill -9``;
worker processes forked by the sweep do not inherit it. The results database itself is
never opened outside SQLite (closing any descriptor on it would drop SQLite's own
locks).

The side file is removed when the lease is released. Whoever locks it afterwards
checks that the path still names the file it locked, so a lease never ends up held on
a removed file while another writer holds the new one.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import threading
from pathlib import Path

from experiments.store_schema import StoreError

_HELD: set[str] = set()  # lock files this process holds (POSIX locks do not exclude it)
_HELD_LOCK = threading.Lock()


def lock_path(results: Path) -> Path:
    """The side file whose lock is the lease on ``results``."""
    return Path(f"{results}.lock")


def _holder(fd: int) -> str:
    """Who holds the lease, as written in the lock file (``pid N on HOST``)."""
    try:
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
    except OSError:
        return "another process"
    return text or "another process"


def _busy(results: Path, holder: str) -> StoreError:
    return StoreError(
        f"{results} is being written by another crunch sweep ({holder}); wait for it to "
        "finish (run the same command again then to resume), or use another --out file"
    )


class WriterLease:
    """An exclusive lease on writing one results file (see :func:`acquire`).

    Attributes:
        path: The lock file.
    """

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def release(self) -> None:
        """Remove the lock file and drop the lock (safe to call twice)."""
        if self._fd is None:
            return
        with contextlib.suppress(OSError):  # a file left behind is harmless: no lock on it
            self.path.unlink(missing_ok=True)
        os.close(self._fd)
        self._fd = None
        with _HELD_LOCK:
            _HELD.discard(str(self.path))


def acquire(results: Path) -> WriterLease:
    """Take the lease on writing ``results``, or refuse at once.

    Raises:
        StoreError: Another process (or another store in this one) holds it, or the
            lock file cannot be created (read-only directory).
    """
    path = lock_path(Path(os.path.realpath(results)))
    with _HELD_LOCK:
        if str(path) in _HELD:
            raise _busy(results, f"pid {os.getpid()}, this process")
        _HELD.add(str(path))
    try:
        return _lock(results, path)
    except BaseException:
        with _HELD_LOCK:
            _HELD.discard(str(path))
        raise


def _lock(results: Path, path: Path) -> WriterLease:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as err:
            raise StoreError(
                f"{results}: cannot create its lock file {path.name} ({err.strerror}); "
                "write the results in a directory you can write to"
            ) from None
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = _holder(fd)
            os.close(fd)
            raise _busy(results, holder) from None
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the holder released (and removed) it between our open and lock
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        return WriterLease(path, fd)
