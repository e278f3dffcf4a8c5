"""Shared AppTest set-up for the page tests: a fresh app, optionally on one page.

Also a throw-away mechanism, registered for one test the way a user's plugin would
register it, to check that pages list what the registry holds.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import streamlit as st
from streamlit.testing.v1 import AppTest

import market
from market.registry import RuleResult

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PLUGIN_MECHANISM = "test_hold_back"
PLUGIN_LABEL = "Hold everything back (test rule)"


def clear_caches() -> None:
    """Empty Streamlit's data and resource caches (they outlive AppTest instances)."""
    st.cache_data.clear()
    st.cache_resource.clear()


def open_app(page: str | None = None, *, timeout: float = 60) -> AppTest:
    """The app after its first run (and a switch to ``page``), with empty caches.

    ``st.cache_data`` outlives AppTest instances, so it is cleared first: no test sees
    results another test computed.
    """
    clear_caches()
    app = AppTest.from_file(APP, default_timeout=timeout)
    app.run()
    if page is not None:
        app.switch_page(page).run()
    assert not app.exception
    return app


def _hold_back(book: market.BidBook, rng: object) -> RuleResult:
    n = book.n_bidders
    return np.zeros(n), np.zeros(n), None


@contextmanager
def plugin_mechanism() -> Iterator[market.Mechanism]:
    """A mechanism registered as a plugin would, for the duration of the block."""
    market.register(
        PLUGIN_MECHANISM,
        label=PLUGIN_LABEL,
        pricing="none",
        truthful=True,
        divisible=True,
        description="Leadership holds every tranche back: a rule only tests register.",
        formula=r"x_i = 0",
        reading="Nobody gets anything, whatever they ask for.",
        source="The app's tests.",
        examples=[
            market.Example(
                bids=[[3.0, 1.0], [2.0, 0.0]], supply=2, allocation=[0, 0], payments=[0, 0]
            )
        ],
    )(_hold_back)
    try:
        yield market.MECHANISMS[PLUGIN_MECHANISM]
    finally:
        market.unregister(PLUGIN_MECHANISM)


def two_rule_sweep(name: str, description: str = "", *, seed: int = 3) -> str:
    """A tiny sweep file (classroom, 2 weeks, two rules) with the given name and description."""
    return f"""
[sweep]
name = {name!r}
description = {description!r}
scenario = "classroom"
weeks = 2
replications = 1
seed = {seed}

[factors]
"market.mechanism" = ["uniform_price", "vickrey"]

[outputs]
metrics = ["jain"]
"""
