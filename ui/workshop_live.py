"""Plumbing shared by the workshop pages (Play, Host, Projector, Debrief).

- :func:`workshops_dir`, :func:`find_workshop`, :func:`new_db_path`: where workshop
  databases live (``CRUNCH_WORKSHOPS_DIR``, default ``./workshops``) and which one holds
  a workshop id; nothing outside that folder is ever opened.
- :func:`link`: the workshop id and token of the link the page was opened with.
- :func:`poll`: a fragment that checks the workshop's change marker about once a second
  and reruns the page only when something changed (nothing is pushed between sessions).
- :func:`refused`: the one message a forged, withdrawn or unknown link gets.

The id→file map below is a plain dict behind a lock (safe across the server's threads);
:class:`~workshop.Workshop` objects hold only immutable settings (every call opens its
own connection), so sharing them between sessions is safe too.
"""

from __future__ import annotations

import math
import os
import re
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from workshop import Workshop, WorkshopError
from workshop.live import Marker, tick

__all__ = [
    "WORKSHOPS_ENV",
    "clock_text",
    "drawn",
    "find_workshop",
    "last_marker",
    "link",
    "new_db_path",
    "poll",
    "refused",
    "workshops_dir",
]

#: Environment variable naming the folder of workshop databases (``crunch app --workshops-dir``).
WORKSHOPS_ENV = "CRUNCH_WORKSHOPS_DIR"
DEFAULT_WORKSHOPS_DIR = "workshops"
#: Seconds between two polls of a live page.
POLL_SECONDS = 1.0
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

_LOCK = threading.Lock()
#: (folder, workshop id) → database file.
_IDS: dict[tuple[str, str], Path] = {}
#: database file → its and its WAL's (size, mtime_ns) when its ids were last read.
_SCANNED: dict[Path, tuple[int, ...]] = {}
#: (database file, workshop id) → the opened workshop.
_OPEN: dict[tuple[Path, str], Workshop] = {}


def workshops_dir() -> Path:
    """The folder of workshop databases, absolute (``CRUNCH_WORKSHOPS_DIR`` or ``./workshops``)."""
    return Path(os.environ.get(WORKSHOPS_ENV) or DEFAULT_WORKSHOPS_DIR).expanduser().absolute()


def new_db_path() -> Path:
    """A fresh database file name in :func:`workshops_dir` (the folder is created)."""
    folder = workshops_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    while True:
        path = folder / f"workshop-{stamp}-{uuid.uuid4().hex[:6]}.db"
        if not path.exists():
            return path


def _db_files(folder: Path) -> list[Path]:
    """The ``*.db`` files directly in ``folder`` (links leading outside it are skipped)."""
    if not folder.is_dir():
        return []
    real = folder.resolve()
    return sorted(p for p in folder.glob("*.db") if p.is_file() and p.resolve().parent == real)


def _stamp(path: Path) -> tuple[int, ...]:
    """Size and change time of a database and of its WAL (new rows land in the WAL first)."""
    out: list[int] = []
    for part in (path, path.with_name(path.name + "-wal")):
        try:
            st_ = part.stat()
        except OSError:
            out += [-1, -1]
        else:
            out += [st_.st_size, st_.st_mtime_ns]
    return tuple(out)


def _rescan(folder: Path) -> None:
    """Read the workshop ids of every database in ``folder`` that changed since last read."""
    from workshop import store

    for path in _db_files(folder):
        stamp = _stamp(path)
        if _SCANNED.get(path) == stamp:
            continue
        try:
            with store.reading(path) as conn:
                ids = [r["id"] for r in conn.execute("SELECT id FROM workshops")]
        except (store.StoreError, sqlite3.Error, OSError):  # damaged: holds no workshop
            ids = []
        _SCANNED[path] = stamp
        for wid in ids:
            _IDS[(str(folder), wid)] = path


def find_workshop(workshop_id: object) -> Workshop | None:
    """The workshop with this id among the databases in :func:`workshops_dir`, or None.

    A malformed id, an id no database there holds, or a damaged database gives None.
    """
    if not isinstance(workshop_id, str) or not _ID.match(workshop_id):
        return None
    folder = workshops_dir()
    key = (str(folder), workshop_id)
    with _LOCK:
        path = _IDS.get(key)
        if path is None or not path.is_file():
            _IDS.pop(key, None)
            _rescan(folder)
            path = _IDS.get(key)
        if path is None:
            return None
        opened = _OPEN.get((path, workshop_id))
        if opened is None:
            try:
                opened = Workshop(path, workshop_id)
            except WorkshopError:
                return None
            _OPEN[(path, workshop_id)] = opened
        return opened


def link() -> tuple[str, str]:
    """The workshop id (``w``) and token (``t``) of the page's link ("" when missing)."""
    params = st.query_params
    return str(params.get("w") or ""), str(params.get("t") or "")


def refused(message: str, *, what: str = "link") -> None:
    """Say the link opens nothing here (``message`` says why) and stop the page.

    No seat or workshop detail is shown and nothing is written.
    """
    st.error(f"This {what} does not open anything here: {message}", icon=":material/block:")
    st.caption("Check the link you were given, or ask the host for a new one.")
    drawn()  # the refusal is what this state of the workshop shows: no rerun loop
    st.stop()


def poll(ws: Workshop, render: Callable[[], None], key: str) -> None:
    """Draw ``render`` in a fragment that polls the workshop about once a second.

    Each poll closes a window whose timer ran out and reads the change marker
    (:func:`workshop.live.tick`); when it differs from the one the page was last drawn
    *to the end* with (:func:`drawn`, which the page calls last), the whole page reruns,
    otherwise only ``render`` (a clock, say) is drawn again. A page run that was cut short
    (a fragment run can interrupt a full rerun) therefore never counts as drawn: the next
    poll asks again. Call it before the page reads anything else, so that a change made
    while the page is being drawn is caught by the next poll.

    Args:
        ws: The workshop the page shows.
        render: Draws the part that may refresh every poll (cheap: no replay).
        key: A name for this page's marker in the session state.
    """
    state_key = _marker_key(key)
    st.session_state[_PAGE_KEY] = key

    @st.fragment(run_every=POLL_SECONDS)
    def _poll() -> None:
        marker: Marker = tick(ws)
        st.session_state[state_key] = marker  # the clock shows the latest
        if not _in_fragment_rerun():  # the whole page is being drawn with this marker
            st.session_state[_pending_key(key)] = marker
        elif st.session_state.get(_drawn_key(key)) != marker:
            st.rerun(scope="app")
        render()

    _poll()


def drawn() -> None:
    """Record that the page polled by :func:`poll` was drawn to the end (call it last)."""
    key = st.session_state.get(_PAGE_KEY)
    if key is not None:
        st.session_state[_drawn_key(key)] = st.session_state.get(_pending_key(key))


def _in_fragment_rerun() -> bool:
    """Whether the running script run is a fragment's own rerun (not the whole page)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    return bool(ctx is not None and ctx.fragment_ids_this_run)


def _marker_key(key: str) -> str:
    return f"_workshop_marker_{key}"


def _pending_key(key: str) -> str:
    return f"_workshop_drawing_{key}"


def _drawn_key(key: str) -> str:
    return f"_workshop_drawn_{key}"


#: Session key naming the page :func:`poll` polls (what :func:`drawn` records).
_PAGE_KEY = "_workshop_polled_page"


def last_marker(key: str) -> Marker | None:
    """The change marker :func:`poll` read last for the page ``key`` (None before)."""
    return st.session_state.get(_marker_key(key))


PHASE_WORDS = {
    "waiting": "waiting for the host to open round 1",
    "bidding": "bidding is open",
    "negotiating": "loans: negotiation is open",
    "closed": "between rounds",
}


def clock_text(marker: Marker | None, rounds: int) -> str:
    """The round and its clock in words, from a change marker (no database read).

    Args:
        marker: From :func:`last_marker` (None: nothing read yet).
        rounds: Rounds in the workshop.
    """
    if marker is None:
        return ""
    _, number, phase, deadline, paused_left, _ = marker
    if phase == "closed" and number + 1 >= rounds:
        return f"All {rounds} rounds played"
    head = "Before round 1" if number < 0 else f"Round {number + 1} of {rounds}"
    words = PHASE_WORDS.get(phase, phase)
    if paused_left is not None:
        return f"{head} · {words} · paused ({_mmss(paused_left)} left)"
    if deadline is not None and phase in ("bidding", "negotiating"):
        return f"{head} · {words} · {_mmss(max(0.0, deadline - time.time()))} left"
    return f"{head} · {words}"


def _mmss(seconds: float) -> str:
    s = math.ceil(seconds)
    return f"{s // 60}:{s % 60:02d}"
