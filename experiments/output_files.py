"""Writing output files (reports, CSV exports) whole or not at all.

The text goes to a temporary file beside the target, which is flushed to disk and then
renamed over the target: a full disk, a quota or a crash leaves the old file (or no
file) and never half of a new one; the temporary file is removed on failure. A target
that is not a regular file (``/dev/stdout``, a pipe) is written directly.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO


class OutputError(ValueError):
    """An output file cannot be written: one line naming the option, the path and why."""


def _shown(path: Path) -> str:
    text = str(path)
    return repr(text if len(text) <= 120 else text[:119] + "…")


def check_target(path: Path, option: str, example: str) -> None:
    """Refuse a target that is a directory (before any work is done for it).

    Args:
        path: Where the output is to go.
        option: The command-line option that named it (for the message).
        example: A file name to suggest instead.

    Raises:
        OutputError: ``path`` is a directory.
    """
    if path.is_dir():
        raise OutputError(f"{option} {_shown(path)} is a directory; give a file such as {example}")


def write_whole(path: Path, write: Callable[[IO[str]], None], *, option: str, example: str) -> None:
    """Write a text file through ``write(handle)``, all of it or none of it.

    Raises:
        OutputError: A directory, a directory that cannot be made, or a failed write
            (full disk, no permission); the target is left as it was.
    """
    check_target(path, option, example)
    try:
        mode = path.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):  # a device or a pipe: stream to it
        try:
            with path.open("w", encoding="utf-8", newline="") as fh:
                write(fh)
        except OSError as err:
            raise _failed(path, option, err) from None
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as err:
        raise _failed(path, option, err) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            os.fchmod(fh.fileno(), 0o644)
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except OSError as err:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise _failed(path, option, err) from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _failed(path: Path, option: str, err: OSError) -> OutputError:
    reason = err.strerror or str(err) or type(err).__name__
    return OutputError(f"{option} {_shown(path)}: cannot write it ({reason}); nothing was written")
