"""The app refuses a scenario too large to play, as `crunch run` does, and keeps the old one."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _upload_huge_lab() -> None:
    import streamlit as st

    from ui import state

    huge = "weeks = 1040\n[lab]\nresearch_teams = 20000\nproduct_teams = 20000\n"
    try:
        state.load_toml(huge, "uploaded huge.toml")
        st.write("applied")
    except ValueError as err:
        st.write(f"refused: {err}")
    st.write(f"teams now: {state.scenario().lab.research_teams}")


def test_an_uploaded_lab_past_the_memory_budget_is_refused_and_nothing_changes():
    at = AppTest.from_function(_upload_huge_lab, default_timeout=60).run()
    assert not at.exception
    shown = [m.value for m in at.markdown]
    refused = [m for m in shown if m.startswith("refused:")]
    assert refused and "crunch run --allow-large" in refused[0], shown
    assert "GB" in refused[0]
    assert not any(m == "applied" for m in shown)
    assert any(m.startswith("teams now:") and "20000" not in m for m in shown)
