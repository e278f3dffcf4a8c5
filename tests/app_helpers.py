"""Shared AppTest set-up for the page tests: a fresh app, optionally on one page."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def open_app(page: str | None = None, *, timeout: float = 60) -> AppTest:
    """The app after its first run (and a switch to ``page``), with empty data caches.

    ``st.cache_data`` outlives AppTest instances, so it is cleared first: no test sees
    results another test computed.
    """
    st.cache_data.clear()
    app = AppTest.from_file(APP, default_timeout=timeout)
    app.run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception
    return app
