"""Explore: pick a scenario, change the rules, play the game and see why things happened."""

import streamlit as st

from ui import explore_view, rules_editor, scenario_picker, state

state.init_session()
with st.sidebar:
    scenario_picker.scenario_picker()
    st.divider()
    rules_editor.rules_form()
explore_view.header_and_controls()
# Timed reruns of the live view play the game (one week per tick) while Play is on.
st.fragment(run_every=state.play_interval())(explore_view.live_view)()
