"""Who may make the app read which file: local use, serving a room, and ``?db=`` links.

``crunch app`` (and ``make app``) serve on 127.0.0.1 for the person at this machine;
``crunch app --serve-room`` serves everyone on the network. It tells the app through two
environment variables (:data:`ROOM_ENV`, :data:`RESULTS_ENV`); a session whose browser
connects from another machine is treated as a room too, however the server was started.

In a room the Sweeps page reads only results files inside the results folder (and the
session's own uploads, :mod:`ui.uploads`). A ``?db=`` link is held to the results folder
in every mode: a link someone sends you cannot make the app read, or say whether there is,
any other file on your disk.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ui.text import plain

ROOM_ENV = "CRUNCH_APP_ROOM"
RESULTS_ENV = "CRUNCH_RESULTS_DIR"
DEFAULT_RESULTS_DIR = "results"
RESULT_SUFFIXES = (".db", ".sqlite", ".sqlite3")
MAX_LISTED = 500
MAX_UPLOAD_MB = 50
"""The largest upload the app takes (``server.maxUploadSize``, set by ``crunch app``)."""


@dataclass(frozen=True)
class Access:
    """What this session may read.

    Attributes:
        room: Serving a room (or the browser is on another machine): Sweeps reads only
            the results folder and the session's uploads; errors carry no paths.
        results_dir: The results folder, absolute.
    """

    room: bool
    results_dir: Path


def current(client_ip: object = None) -> Access:
    """The access rules for a session whose browser connects from ``client_ip``.

    Args:
        client_ip: ``st.context.ip_address``: ``None`` for a browser on this machine, else
            the remote address as a string (anything else counts as this machine).
    """
    flagged = os.environ.get(ROOM_ENV, "").strip().lower() in ("1", "true", "yes")
    remote = isinstance(client_ip, str) and bool(client_ip)
    folder = os.environ.get(RESULTS_ENV, "").strip() or DEFAULT_RESULTS_DIR
    return Access(room=flagged or remote, results_dir=Path(folder).absolute())


def inside(folder: Path, name: str) -> Path | None:
    """The results file ``name`` names inside ``folder``, or ``None`` when it is not one.

    ``name`` is relative to the folder or an absolute path; after following symlinks and
    ``..`` it must lie inside the folder and end in a results suffix (``.db``,
    ``.sqlite``, ``.sqlite3``). Whether the file exists is not checked here, so a refusal
    says nothing about the rest of the disk.
    """
    text = name.strip()
    if not text or "\x00" in text:
        return None
    root = Path(os.path.realpath(folder))
    candidate = Path(os.path.realpath(root / Path(text).expanduser()))
    if not candidate.is_relative_to(root) or candidate == root:
        return None
    if candidate.suffix.lower() not in RESULT_SUFFIXES:
        return None
    return candidate


def refusal(field: str, value: str) -> str:
    """The one line shown for a file outside the results folder (the same whether it exists).

    Args:
        field: What held the name (``"db"`` for a link, ``"Results file"``).
        value: The name as given (cut to 80 characters).
    """
    return (
        f"{field} = {plain(value, 80)!r}: not opened; only results files (.db, .sqlite, "
        ".sqlite3) inside the app's results folder can be opened here "
        "(crunch app --results-dir DIR)"
    )


def listed(folder: Path) -> list[str]:
    """Results files inside ``folder`` (subfolders included), as paths relative to it.

    Symlinks leading out of the folder are left out; at most :data:`MAX_LISTED` names.
    """
    root = Path(os.path.realpath(folder))
    if not root.is_dir():
        return []
    out: list[str] = []
    for here, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            rel = (Path(here) / name).relative_to(root).as_posix()
            if inside(root, rel) is not None:
                out.append(rel)
                if len(out) >= MAX_LISTED:
                    return out
    return out


def shown_name(path: Path, access: Access) -> str:
    """How a results file is named to the user: relative to the results folder if inside."""
    root = Path(os.path.realpath(access.results_dir))
    try:
        return Path(os.path.realpath(path)).relative_to(root).as_posix()
    except ValueError:
        return path.name if access.room else str(path)
