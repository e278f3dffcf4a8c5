"""Which results file the Sweeps page opens: a path, the results folder, an upload or a link.

- On this machine (``crunch app``), type the path of any results file.
- Serving a room (``crunch app --serve-room``), choose one of the files in the results
  folder; nothing outside it can be named.
- In both, upload a file (kept only for the session, :mod:`ui.uploads`), or follow a
  ``?db=NAME`` link, which opens only a results file inside the results folder; any other
  name gets the same one-line refusal whether or not such a file exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from ui import access, uploads

PATH_KEY = "sweeps.path"
PICK_KEY = "sweeps.pick"
UPLOAD_KEY = "sweeps.upload"
UPLOAD_TYPES = ["db", "sqlite", "sqlite3"]
NOTHING = ""


@dataclass(frozen=True)
class Choice:
    """The file the page should open, or why a link was refused.

    Attributes:
        path: The file to open, or ``None``.
        shown: How the file is named to the user (never an upload's path on the server).
        refused: The one-line refusal of a ``?db=`` link, or ``None``.
    """

    path: Path | None
    shown: str = ""
    refused: str | None = None


def _link(rules: access.Access, names: list[str] | None) -> tuple[Path | None, str | None]:
    """The ``?db=`` link's file (inside the results folder), or its refusal line."""
    value = st.query_params.get("db", NOTHING)
    if not value:
        return None, None
    path = access.inside(rules.results_dir, value)
    if path is not None and (names is None or access.shown_name(path, rules) in names):
        return path, None
    return None, access.refusal("db", value)


def _from_folder(rules: access.Access, link: Path | None) -> Path | None:
    """Serving a room: a choice among the results folder's files."""
    names = access.listed(rules.results_dir)
    if PICK_KEY not in st.session_state:
        st.session_state[PICK_KEY] = access.shown_name(link, rules) if link else NOTHING
    if st.session_state[PICK_KEY] not in names:
        st.session_state[PICK_KEY] = NOTHING
    picked = st.selectbox(
        "Results file",
        [NOTHING, *names],
        key=PICK_KEY,
        format_func=lambda n: n or "(choose a results file)",
        help="The results files the host put in the app's results folder.",
    )
    return access.inside(rules.results_dir, picked) if picked else None


def _from_path(link: Path | None) -> Path | None:
    """On this machine: the path typed (a link only fills in a file of the results folder)."""
    if PATH_KEY not in st.session_state:
        st.session_state[PATH_KEY] = str(link) if link else NOTHING
    typed = st.text_input(
        "Results file",
        key=PATH_KEY,
        placeholder="results/mechanisms.db",
        help="Path of an SQLite results file written by `crunch sweep FILE.toml --out ...`.",
    )
    return Path(typed.strip()).expanduser() if typed.strip() else None


def pick(rules: access.Access) -> Choice:
    """Draw the file choice and return what to open.

    Args:
        rules: This session's access rules (:func:`ui.access.current`).
    """
    names = access.listed(rules.results_dir) if rules.room else None
    link, refused = _link(rules, names)
    left, right = st.columns([3, 2])
    with left:
        chosen = _from_folder(rules, link) if rules.room else _from_path(link)
    with right:
        upload = st.file_uploader(
            "…or upload one",
            type=UPLOAD_TYPES,
            key=UPLOAD_KEY,
            max_upload_size=access.MAX_UPLOAD_MB,
            help=f"Upload a results file from another machine (up to {access.MAX_UPLOAD_MB} "
            "MB). It is kept on the server only while this browser tab is open.",
        )
    if upload is not None:
        return Choice(uploads.save(upload.getvalue(), upload.file_id), shown=upload.name)
    uploads.discard()
    if chosen is not None:
        return Choice(chosen, shown=access.shown_name(chosen, rules))
    return Choice(None, refused=refused)
