"""Explore's independent parts rerun alone; the whole page only when what it shows changed.

The sidebar (scenario and rules) and the seed/speed controls are fragments: a widget
there reruns its fragment, not the page's KPIs, tabs and charts. Some of their changes
do concern the rest of the page: a new game (a preset, *Apply rules*, a seed), a rule
edit that makes changes pending or no longer pending (the page then says so and holds
Step), or a new speed while playing (the play timer is set by the page). The page
records what it drew (:func:`mark_drawn`, at the start and end of every full run), and a
fragment calls :func:`rerun_if_changed` last: if any of that differs from what was drawn,
the whole page reruns once.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ui import rules_editor, state

DRAWN = "explore_drawn"


def page_facts() -> tuple[Any, ...]:
    """What the rest of the page shows that a fragment's widgets can change."""
    ss = st.session_state
    playing = bool(ss.get(state.PLAYING))
    return (
        int(ss.get(state.GENERATION, 0)),  # a new game: preset, applied rules, seed, reset
        playing,
        ss.get("play_speed") if playing else None,
        tuple(rules_editor.pending()),
        state.NOTICE in ss,  # a callback's message waits for the page to show it
    )


def mark_drawn() -> None:
    """Record what the page is drawing now (call at the start and end of a full run)."""
    st.session_state[DRAWN] = page_facts()


def rerun_if_changed() -> None:
    """From a fragment: rerun the whole page if what it shows is out of date."""
    if st.session_state.get(DRAWN) != page_facts():
        st.rerun()
