"""Explore's "Your teams" table (AppTest): edit the lab by name, refused rows named."""

from __future__ import annotations

import pytest
from app_helpers import open_app
from streamlit.testing.v1 import AppTest

from game import scenario_from_toml
from ui import teams_editor


@pytest.fixture
def at() -> AppTest:
    app = open_app(timeout=30)
    app.session_state[teams_editor.OPEN] = True
    return app.run()


def table_key(app: AppTest) -> str:
    return next(k for k in app.session_state if str(k).startswith("teams_table."))


def edit(app: AppTest, **delta) -> AppTest:
    app.session_state[table_key(app)] = {
        "edited_rows": delta.get("edited", {}),
        "added_rows": delta.get("added", []),
        "deleted_rows": delta.get("deleted", []),
    }
    return app.button(key="apply_teams").click().run()


def test_the_table_lists_the_generated_labs_teams_by_name(at):
    sc = at.session_state["scenario"]
    frame = teams_editor.teams_frame(sc)
    assert list(frame["name"][:2]) == ["Orion", "Lyra"] and len(frame) == 16
    assert not at.exception


def test_editing_a_teams_headcount_changes_the_scenario_and_the_game(at):
    edit(at, edited={0: {"headcount": 77.0}}, added=[{"name": "Robotics", "kind": "research"}])
    assert not at.exception and not [e.value for e in at.error]
    sc = at.session_state["scenario"]
    assert sc.teams[0].name == "Orion" and sc.teams[0].headcount == 77
    assert sc.lab.research_teams == 11
    model = at.session_state["model"]
    assert model.agent("Orion").headcount == 77 and model.agent("Robotics").kind_name == "research"
    assert scenario_from_toml(sc.to_toml()) == sc  # the download holds the teams


def test_a_bad_kind_is_refused_with_a_message_naming_the_row(at):
    before = at.session_state["scenario"]
    edit(at, edited={2: {"kind": "ops"}, 4: {"headcount": -3.0}})
    messages = [e.value for e in at.error]
    assert any("row 3, column kind = 'ops' is not allowed" in m for m in messages)
    assert any("row 5, column headcount" in m for m in messages)
    assert at.session_state["scenario"] == before


def test_a_repeated_name_is_refused(at):
    before = at.session_state["scenario"]
    edit(at, edited={1: {"name": "Orion"}})
    assert any(
        "row 2, column name = 'Orion'" in e.value and "the same name as row 1" in e.value
        for e in at.error
    )
    assert at.session_state["scenario"] == before


def test_the_generated_lab_comes_back_with_the_same_counts(at):
    edit(at, deleted=[0])
    assert at.session_state["scenario"].lab.research_teams == 9
    at.button(key="generated_teams").click().run()
    sc = at.session_state["scenario"]
    assert not sc.teams and sc.lab.research_teams == 9 and not at.exception
