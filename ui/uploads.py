"""Uploaded results files on disk: private to one session, gone when it ends.

SQLite reads files, so an uploaded results file is written to disk before it is opened.
Each server process makes one private folder (``mkdtemp``, mode 0700) under the system's
temporary directory, and each browser session its own private folder inside it; the file
(mode 0600) has an unguessable name. A new upload replaces the session's previous one, a
cleared uploader removes it, and the session's folder is removed when the session ends
(Streamlit releases session-scoped resources when the browser disconnects). The process
folder goes when the server stops. Nothing is shared between sessions, and no path of an
upload can be guessed or reopened from a link.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import tempfile
import threading
from pathlib import Path

import streamlit as st

PREFIX = "compute-crunch-uploads-"
CURRENT = "uploads.current"
_lock = threading.Lock()
_root: Path | None = None


def _process_root() -> Path:
    """This server process's private upload folder, made on first use, removed at exit."""
    global _root
    with _lock:
        if _root is None:
            _root = Path(tempfile.mkdtemp(prefix=PREFIX))
            atexit.register(shutil.rmtree, _root, True)
        return _root


def _remove(folder: Path) -> None:
    """Release hook: delete a session's upload folder and everything in it."""
    shutil.rmtree(folder, ignore_errors=True)


@st.cache_resource(scope="session", on_release=_remove, show_spinner=False)
def _session_folder() -> Path:
    """The session's private folder (one per browser session, released when it ends)."""
    return Path(tempfile.mkdtemp(prefix="session-", dir=_process_root()))


def session_folder() -> Path:
    """The session's private upload folder, made again if something removed it."""
    folder = _session_folder()
    for part in (folder.parent, folder):  # a temp cleaner may have removed them
        part.mkdir(mode=0o700, exist_ok=True)
    return folder


def save(data: bytes, upload_id: str) -> Path:
    """Write an upload into the session's folder (mode 0600) and forget the previous one.

    The same upload (same ``upload_id``) is written once; a rerun reuses the file.

    Args:
        data: The file's bytes.
        upload_id: Streamlit's id of this upload (``UploadedFile.file_id``).

    Returns:
        Where the file is.
    """
    ss = st.session_state
    kept = ss.get(CURRENT)
    if kept is not None and kept[0] == upload_id and Path(kept[1]).is_file():
        return Path(kept[1])
    discard()
    folder = session_folder()
    path = folder / f"upload-{secrets.token_hex(8)}.db"
    tmp = folder / f".{path.name}.part"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    ss[CURRENT] = (upload_id, str(path))
    return path


def discard() -> None:
    """Remove the session's current upload from disk (nothing happens without one)."""
    kept = st.session_state.pop(CURRENT, None)
    if kept is not None:
        with contextlib.suppress(OSError):
            Path(kept[1]).unlink(missing_ok=True)
