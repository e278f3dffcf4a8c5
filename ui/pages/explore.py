"""Explore: pick a scenario, change the rules, play the game and see why things happened."""

import streamlit as st

from ui import (
    explore_controls,
    explore_sync,
    explore_view,
    rules_editor,
    scenario_picker,
    state,
    teams_editor,
)

state.init_session()
state.live_model()  # built here, on first use, never at import
explore_sync.mark_drawn()


def sidebar() -> None:
    """Scenario and rules: edits rerun the sidebar alone unless the page must follow."""
    scenario_picker.scenario_picker()
    st.divider()
    rules_editor.rules_form()
    teams_editor.teams_editor()
    explore_sync.rerun_if_changed()


with st.sidebar:
    st.fragment(sidebar)()
explore_controls.header_and_controls()
# Timed reruns of the live view play the game (one week per tick) while Play is on.
st.fragment(run_every=state.play_interval())(explore_view.live_view)()
explore_sync.mark_drawn()
