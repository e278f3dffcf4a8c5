"""Shared set-up for the workshop page tests (AppTest on a real workshop database).

A workshop in a temporary folder (made the app's workshops folder), the app opened on one
of its pages with a link's query parameters, and a snapshot of what is stored.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app_helpers import APP, clear_caches
from streamlit.testing.v1 import AppTest

from ui.workshop_live import WORKSHOPS_ENV
from workshop import Created, create_workshop

PLAY = "ui/pages/play.py"
PROJECTOR = "ui/pages/projector.py"


def new_workshop(folder: Path, monkeypatch, *, seats: int = 3, rounds: int = 3) -> Created:
    """A classroom workshop in ``folder``, which becomes the app's workshops folder."""
    monkeypatch.setenv(WORKSHOPS_ENV, str(folder))
    return create_workshop(folder / "room.db", "classroom", seats=seats, rounds=rounds, seed=5)


def open_page(page: str, workshop: str, token: str) -> AppTest:
    """The app opened on ``page`` with the link ``?w=workshop&t=token``."""
    clear_caches()
    app = AppTest.from_file(APP, default_timeout=60)
    app.query_params["w"] = workshop
    app.query_params["t"] = token
    app.run()
    app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def stored(db: Path) -> tuple[list[tuple], list[tuple], list[tuple], list[tuple]]:
    """Every row of the tables a page could write to (actions, offers, rounds, seats)."""
    conn = sqlite3.connect(db)
    try:
        return tuple(
            conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in ("actions", "offers", "rounds", "seats")
        )
    finally:
        conn.close()


def unescaped(text: str) -> str:
    """Markdown shown as the reader sees it (``ui.text.md_escape``'s escapes removed)."""
    return text.replace("\\", "").replace("\u2060", "")


def page_text(app: AppTest) -> str:
    """All the text the page shows (markdown, captions, alerts, metrics, tables)."""
    parts: list[str] = []
    for kind in ("markdown", "caption", "error", "warning", "info", "success", "subheader"):
        parts += [str(e.value) for e in getattr(app, kind)]
    parts += [f"{m.label} {m.value}" for m in app.metric]
    parts += [e.value.to_string() for e in [*app.dataframe, *app.table]]
    return unescaped("\n".join(parts))
