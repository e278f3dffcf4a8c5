"""Writing a run's files all or nothing: ``crunch run --out DIR``.

:class:`OutputFolder` claims the folder before the game is played, so a long run is not
wasted on a path that cannot take its files: it creates the folder if needed and a
hidden temporary folder inside it. The files are written into the temporary folder and
moved into place only once every one of them is complete. If anything fails (a full
disk, a file system error, Ctrl-C, an error in the run itself), what this run wrote is
removed, files it was replacing are put back, and folders it created are removed again:
``DIR`` is left as it was found::

    with OutputFolder("runs/a", ("weeks.csv", "teams.csv")) as folder:
        ...  # play the game
        folder.write_all({"weeks.csv": weeks.to_csv, "teams.csv": teams.to_csv})
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from types import TracebackType

from game.validation import MAX_SHOWN, clean

__all__ = ["OutDirError", "OutputFolder", "WriteFailed"]

Writer = Callable[[Path], object]


class OutDirError(ValueError):
    """``--out`` names a place that cannot hold the run's files (a mistake in the input)."""


class WriteFailed(OSError):
    """Writing the files failed part way (e.g. a full disk); nothing was left behind."""


def _shown(path: Path | str) -> str:
    return clean(repr(str(path)), MAX_SHOWN)


def _is_file(path: Path) -> bool:
    return path.is_symlink() or path.is_file()


class OutputFolder:
    """A folder that receives a run's files all at once, or not at all.

    Args:
        text: The ``--out`` argument: a folder, new or existing (files in it with the
            run's names are replaced).
        names: The file names the run writes.

    Raises:
        OutDirError: On entering, for an empty path, a path that is or goes through
            something other than a folder, a folder where one of the files should go, or
            a place where the folder cannot be created or written.
    """

    def __init__(self, text: str, names: tuple[str, ...]) -> None:
        if not text.strip():
            raise OutDirError(f"--out {_shown(text)}: give a folder to write the run's files into")
        self.path = Path(text)
        self.names = names
        self._created: list[Path] = []
        self._tmp: Path | None = None

    def __enter__(self) -> OutputFolder:
        out = self.path
        node = out
        while not os.path.lexists(node):
            node = node.parent
        if not node.is_dir():
            what = "is not a folder" if node == out else f"goes through {_shown(node)}, a file"
            raise OutDirError(
                f"--out {_shown(out)} {what}; give a folder (new or existing) for "
                f"{', '.join(self.names)}"
            )
        for name in self.names:
            target = out / name
            if os.path.lexists(target) and not _is_file(target):
                raise OutDirError(
                    f"--out {_shown(out)}: {_shown(target)} exists and is not a file; "
                    "move it away or choose another folder"
                )
        try:
            self._make_dirs()
            self._tmp = Path(tempfile.mkdtemp(prefix=".crunch-run-", dir=out))
        except OSError as err:
            self._undo()
            raise OutDirError(
                f"--out {_shown(out)} cannot be written: {err.strerror or err}"
            ) from None
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        err: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._undo()

    def _make_dirs(self) -> None:
        missing = []
        node = self.path
        while not os.path.lexists(node):
            missing.append(node)
            node = node.parent
        for folder in reversed(missing):
            folder.mkdir()
            self._created.append(folder)

    def _undo(self) -> None:
        """Remove the temporary folder and the folders this run created (if empty)."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        for folder in reversed(self._created):
            try:
                folder.rmdir()
            except OSError:
                break
        self._created = []

    def write_all(self, writers: Mapping[str, Writer]) -> None:
        """Write every file, then move them all into the folder.

        Args:
            writers: For each file name, a function that writes the file at the path given.

        Raises:
            WriteFailed: If a file could not be written or moved into place; the folder
                is as it was before (replaced files restored, created folders removed).
        """
        if self._tmp is None:
            raise RuntimeError("write_all() needs the folder entered (use `with`)")
        tmp = self._tmp
        placed: list[tuple[Path, Path | None]] = []
        name = ""
        try:
            for name, write in writers.items():
                write(tmp / name)
                _flush(tmp / name)
            for name in writers:
                target = self.path / name
                backup = None
                if os.path.lexists(target):
                    if not _is_file(target):  # it changed since the check: never move it
                        raise IsADirectoryError(21, "exists and is not a file")
                    backup = tmp / f"previous-{name}"
                    os.replace(target, backup)
                placed.append((target, backup))
                os.replace(tmp / name, target)
        except BaseException as err:
            _put_back(placed)
            self._undo()
            if isinstance(err, OSError):
                where = _shown(self.path / name) if name else _shown(self.path)
                raise WriteFailed(
                    f"could not write {where}: {err.strerror or err}; nothing was written"
                ) from None
            raise
        self._created = []  # the folders now hold the run: keep them
        shutil.rmtree(tmp, ignore_errors=True)
        self._tmp = None


def _flush(path: Path) -> None:
    """Push a written file to the disk, so a full disk shows up while writing."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _put_back(placed: list[tuple[Path, Path | None]]) -> None:
    """Undo moved files: remove new ones, restore the files they replaced."""
    for target, backup in reversed(placed):
        try:
            if backup is None:
                target.unlink(missing_ok=True)
            elif os.path.lexists(backup):
                os.replace(backup, target)
        except OSError:
            continue
