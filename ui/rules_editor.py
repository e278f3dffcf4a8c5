"""The rules editor: a form over the scenario's main rules, with help from the scenario itself.

The fields, their help and the mapping between widget values and a scenario live in
:mod:`ui.rules_schema` (pure, testable without Streamlit); this module draws them.
Edits do nothing until "Apply rules", which builds a new scenario with
``Scenario.with_overrides``; until then the editor names the pending fields (and Explore
plays no week), and "Discard changes" shows the applied rules again. A value the
scenario refuses shows its one-line message in an ``st.error`` right under the field
concerned (or at the top of the form), and the live model is untouched. The preset
picker and scenario upload are in :mod:`ui.scenario_picker`.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from agents.strategies import bot_strategies
from game import Scenario
from ui import state
from ui.labels import choice_label, mechanism_label
from ui.pending_rules import pending_fields, pending_message
from ui.rules_schema import (
    GO_LIVE,
    MECHANISM,
    MODE,
    SECTIONS,
    RuleField,
    apply_edits,
    bounds,
    build_scenario,
    error_field,
    events_frame,
    governance_note,
    help_text,
    options,
    section_of,
    widget_key,
    widget_values,
)

ERROR = "rules_error"
EDITOR_GENERATION = "rules_editor_generation"


# ---------------------------------------------------------------------------- session helpers
def load_values(sc: Scenario) -> None:
    """Show scenario ``sc`` in the editor (call from a callback, before widgets are drawn)."""
    ss = st.session_state
    for key, value in widget_values(sc).items():
        ss[key] = value
    ss[EDITOR_GENERATION] = int(ss.get(EDITOR_GENERATION, 0)) + 1
    ss.pop(ERROR, None)


def _ensure_values(sc: Scenario) -> None:
    ss = st.session_state
    ss.setdefault(EDITOR_GENERATION, 0)
    for key, value in widget_values(sc).items():
        if key not in ss:
            ss[key] = value


def section_key(index: int) -> str:
    """Session-state key of a section's expander (True while open)."""
    return f"rules_section.{index}"


def _go_live_key() -> str:
    return f"{widget_key(GO_LIVE)}.{st.session_state.get(EDITOR_GENERATION, 0)}"


def pending() -> list[str]:
    """Labels of the fields the editor shows differently from the rules in play."""
    values = st.session_state.to_dict()  # one snapshot: each proxy lookup is costly
    return pending_fields(state.scenario(), values, values.get(_go_live_key()))


def _on_discard() -> None:
    """Show the rules in play again, dropping every unapplied edit."""
    load_values(state.scenario())
    st.session_state[state.NOTICE] = "Edits discarded: the editor shows the rules in play."


# ---------------------------------------------------------------------------- widgets
def _number(f: RuleField) -> Any:
    low, high = bounds(f.key)
    wk = widget_key(f.key)
    if f.kind == "int":
        return st.number_input(
            f.label,
            min_value=None if low is None else int(low),
            max_value=None if high is None else int(high),
            step=1,
            key=wk,
            help=help_text(f.key),
            persist_state="session",
        )
    return st.number_input(
        f.label,
        min_value=None if low is None else float(low),
        max_value=None if high is None else float(high),
        step=f.step,
        format=f.fmt,
        key=wk,
        help=help_text(f.key),
        persist_state="session",
    )


def _mechanism_note(sc: Scenario) -> None:
    """A caption under the allocation rule when governance overrides it."""
    ss = st.session_state
    mode = ss.get(widget_key(MODE), sc.governance.mode)
    mechanism = ss.get(widget_key(MECHANISM), sc.market.mechanism)
    note = governance_note(sc, mode, mechanism)
    if note:
        st.caption(note)


def _mix(f: RuleField) -> None:
    st.markdown(f"**{f.label}**", help=help_text(f.key))
    cols = st.columns(2)
    for i, name in enumerate(bot_strategies()):
        with cols[i % 2]:
            st.number_input(
                name.replace("_", " "),
                min_value=0.0,
                max_value=1.0,
                step=f.step,
                key=widget_key(f.key, name),
                help=bot_strategies()[name].metadata["description"],
                persist_state="session",
            )


def _widget(f: RuleField, sc: Scenario) -> Any:
    wk = widget_key(f.key)
    if f.kind == "select":
        value = st.selectbox(
            f.label,
            options(f.key),
            format_func=mechanism_label if f.key == MECHANISM else choice_label,
            key=wk,
            help=help_text(f.key),
            persist_state="session",
        )
        if f.key == MECHANISM:
            _mechanism_note(sc)
        return value
    if f.kind == "toggle":
        return st.toggle(f.label, key=wk, help=help_text(f.key), persist_state="session")
    if f.kind == "slider":
        low, high = bounds(f.key)
        return st.slider(
            f.label,
            min_value=float(0.0 if low is None else low),
            max_value=float(1.0 if high is None else high),
            step=f.step,
            key=wk,
            help=help_text(f.key),
            persist_state="session",
        )
    if f.kind == "mix":
        _mix(f)
        return None
    if f.kind == "events":
        return st.data_editor(
            events_frame(sc.get(f.key)),
            key=_go_live_key(),
            num_rows="dynamic",
            hide_index=True,
            column_config={
                "week": st.column_config.NumberColumn("week", min_value=0, step=1),
                "gpus": st.column_config.NumberColumn("GPUs", min_value=0.0, format="%.0f"),
            },
            alt="Go-live events: week and GPUs",
        )
    return _number(f)


# ---------------------------------------------------------------------------- the form
def _on_apply() -> None:
    """Build the scenario the editor shows; apply it, or point at the field it refuses."""
    ss = st.session_state
    sc = state.scenario()
    values = {k: ss[k] for k in widget_values(sc) if k in ss}
    go_live = apply_edits(events_frame(sc.supply.go_live), ss.get(_go_live_key()))
    try:
        new = build_scenario(sc, values, go_live)
        if new != sc:
            state.set_scenario(new, "edited")
    except ValueError as err:
        message = str(err).splitlines()[0]
        where = error_field(message)
        ss[ERROR] = (where, message)
        index = section_of(where) if where else None
        if index is not None:
            ss[section_key(index)] = True  # open the section so the error shows at its field
        return
    ss.pop(ERROR, None)
    # A fresh go-live table for the applied rules (its edits are now the data).
    ss[EDITOR_GENERATION] = int(ss.get(EDITOR_GENERATION, 0)) + 1
    ss[state.NOTICE] = (
        "Rules applied: a new game starts at week 0."
        if new != sc
        else "No change: these are the rules already in play."
    )


def rules_form() -> None:
    """Draw the rules editor; "Apply rules" builds and applies the new scenario.

    Only open sections draw their widgets (a rerun stays cheap); values of closed ones
    are kept in the session. A refused value leaves the applied scenario and the live
    model as they were, opens the section of the field concerned and shows the
    scenario's message under that field.
    """
    sc = state.scenario()
    _ensure_values(sc)
    ss = st.session_state
    for i, section in enumerate(SECTIONS):
        ss.setdefault(section_key(i), section.expanded)
    slots: dict[str, Any] = {}
    with st.container(key="rules_form"):
        st.markdown(
            "**Rules**",
            help="Edits take effect when you press Apply rules (a new game at week 0); "
            "until then they are listed as pending and Explore plays no week.",
        )
        top = st.container()
        for i, section in enumerate(SECTIONS):
            expander = st.expander(section.title, key=section_key(i), on_change="rerun")
            if not expander.open:
                continue
            with expander:
                for f in section.fields:
                    _widget(f, sc)
                    slots[f.key] = st.container()
        waiting = pending()
        if waiting:
            st.warning(
                f"{pending_message(waiting)} The game still plays the rules it started with.",
                icon=":material/pending:",
            )
        st.button(
            "Apply rules",
            type="primary",
            icon=":material/check:",
            width="stretch",
            key="apply_rules",
            on_click=_on_apply,
        )
        if waiting:
            st.button(
                "Discard changes",
                icon=":material/undo:",
                width="stretch",
                key="discard_rules",
                on_click=_on_discard,
            )
    error = ss.get(ERROR)
    if error:
        where, message = error
        target = slots.get(where, top) if where else top
        target.error(f"Not applied — {message}", icon=":material/error:")
