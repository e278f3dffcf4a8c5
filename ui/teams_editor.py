"""Your teams: the scenario's ``[[teams]]`` table as an editable table in the sidebar.

The table shows the lab's teams by name (a generated lab's names, with empty cells where
the generated values apply). Edits do nothing until "Apply teams": each row is then
checked (the same checks as ``crunch run --teams``), every refused row is listed with
its row number and column, and only a table with no refused row replaces the scenario's
teams (a new game at week 0). The scenario download then includes them.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from agents.schema import MAX_ITEMS
from agents.strategies import bot_strategies
from game import Scenario
from game.team_csv import COLUMNS, TeamsCsvError, team_entry, team_rows
from game.team_specs import KINDS, MAX_NAME
from game.world.setup import lab_names
from ui import state
from ui.rules_editor import load_values
from ui.rules_schema import apply_edits
from ui.text import md_escape

OPEN = "teams_editor_open"
ERRORS = "teams_editor_errors"
GENERATION = "teams_editor_generation"


def teams_frame(sc: Scenario) -> pd.DataFrame:
    """The lab's teams as the editor's table: the ``[[teams]]`` table, or the generated names."""
    if sc.teams:
        rows = team_rows(sc.teams)
    else:
        n_r = sc.lab.research_teams
        rows = [
            {**dict.fromkeys(COLUMNS), "name": name, "kind": KINDS[0] if i < n_r else KINDS[1]}
            for i, name in enumerate(lab_names(sc))
        ]
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    text = ["name", "kind", "strategy"]
    return frame.astype({c: "object" if c in text else "float64" for c in COLUMNS})


def entries_from_frame(frame: pd.DataFrame) -> tuple[list[dict[str, Any]], list[str]]:
    """The table's rows as ``[[teams]]`` entries, and one message per refused row.

    Rows are numbered from 1 as the table shows them; an entirely empty row is skipped.
    """
    entries: list[dict[str, Any]] = []
    problems: list[str] = []
    first: dict[str, int] = {}
    for i, row in enumerate(frame.to_dict("records"), start=1):
        cells = {c: row.get(c) for c in COLUMNS}
        if all(
            v is None or v != v or (isinstance(v, str) and not v.strip()) for v in cells.values()
        ):
            continue
        try:
            entry = team_entry(cells, f"row {i}")
        except TeamsCsvError as err:
            problems.append(str(err))
            continue
        key = entry["name"].casefold()
        if key in first:
            problems.append(
                f"row {i}, column name = {entry['name']!r}: the same name as row {first[key]}; "
                "allowed: a name no other team has"
            )
            continue
        first[key] = i
        entries.append(entry)
    return entries, problems


def _editor_key(sc: Scenario) -> str:
    return f"teams_table.{sc.digest()}.{st.session_state.get(GENERATION, 0)}"


def _apply(sc: Scenario, overrides: dict[str, Any], notice: str) -> None:
    ss = st.session_state
    try:
        new = sc.with_overrides(overrides)
        if new != sc:
            state.set_scenario(new, "edited")
            load_values(new)  # the rules editor shows the table's team counts
    except ValueError as err:
        ss[ERRORS] = [str(err).splitlines()[0]]
        return
    ss.pop(ERRORS, None)
    ss[GENERATION] = int(ss.get(GENERATION, 0)) + 1
    ss[state.NOTICE] = notice if new != sc else "No change: these are the teams already in play."


def _on_apply() -> None:
    """Check every row; apply the table only when no row is refused."""
    sc = state.scenario()
    frame = apply_edits(teams_frame(sc), st.session_state.get(_editor_key(sc)))
    entries, problems = entries_from_frame(frame)
    if not entries and not problems:
        problems = ["the table is empty; add one row per team (name and kind)"]
    if problems:
        st.session_state[ERRORS] = problems
        return
    _apply(sc, {"teams": entries}, "Teams applied: a new game starts at week 0.")


def _on_generated() -> None:
    """Drop the table: the lab is generated again, with the same team counts."""
    sc = state.scenario()
    overrides = {
        "teams": [],
        "lab.research_teams": sc.lab.research_teams,
        "lab.product_teams": sc.lab.product_teams,
    }
    _apply(sc, overrides, "Generated lab restored: a new game starts at week 0.")


def _column_config() -> dict[str, Any]:
    cc = st.column_config
    return {
        "name": cc.TextColumn("name", required=True, max_chars=MAX_NAME),
        "kind": cc.SelectboxColumn("kind", options=list(KINDS), required=True),
        "headcount": cc.NumberColumn("headcount", min_value=0.0, max_value=1000.0),
        "priority": cc.NumberColumn("priority", help="Committee weight within the division."),
        "strategy": cc.SelectboxColumn("strategy", options=sorted(bot_strategies())),
        "tranches": cc.NumberColumn("tranches", min_value=0.0, help="Held at week 0."),
        "demand": cc.NumberColumn("demand", min_value=0.0, help="Product teams only."),
        "project_size": cc.NumberColumn("project size", min_value=0.0),
        "project_start": cc.NumberColumn("project start", step=1, help="Week; < 0: running."),
        "project_deadline": cc.NumberColumn("project deadline", step=1),
    }


def teams_editor() -> None:
    """The "Your teams" expander: the table, Apply teams, and the refused rows' messages.

    Drawn only while open (a rerun stays cheap).
    """
    sc = state.scenario()
    ss = st.session_state
    expander = st.expander("Your teams", key=OPEN, on_change="rerun")
    if not expander.open:
        return
    with expander:
        n = sc.lab.research_teams + sc.lab.product_teams
        if n > MAX_ITEMS:
            st.info(f"This lab has {n:,} teams; the table holds at most {MAX_ITEMS:,}.")
            return
        st.caption(
            "One row per team: name and kind are required, empty cells take the generated "
            "lab's values. Edits take effect when you press **Apply teams** (a new game "
            "at week 0); `crunch run --teams FILE.csv` reads the same columns."
        )
        st.data_editor(
            teams_frame(sc),
            key=_editor_key(sc),
            num_rows="dynamic",
            hide_index=True,
            column_config=_column_config(),
            alt="Your teams: one row per team",
        )
        for message in ss.get(ERRORS) or []:
            st.error(f"Not applied — {md_escape(message, 400)}", icon=":material/error:")
        left, right = st.columns(2)
        left.button("Apply teams", key="apply_teams", type="primary", on_click=_on_apply)
        right.button(
            "Generated lab",
            key="generated_teams",
            on_click=_on_generated,
            disabled=not sc.teams,
            help="Drop the table and generate the lab's teams again.",
        )
