"""The rules editor: a form over the scenario's main rules, with help from the scenario itself.

Each field's help text and range come from the pydantic ``Field`` of the scenario key
it edits, so the editor stays true to :mod:`game.scenario`. Edits do nothing until
"Apply rules": the form then builds a new scenario with ``Scenario.with_overrides``.
A value the scenario refuses shows its one-line message in an ``st.error`` right under
the field concerned (or at the top of the form), and the live model is untouched.

Also here: the preset picker, the scenario upload (TOML, the format the CLI reads) and
its download.
"""

from __future__ import annotations

import math
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import annotated_types
import pandas as pd
import streamlit as st
from pydantic.fields import FieldInfo

import market
from agents.strategies import STRATEGIES
from game import Scenario, list_presets, load_scenario
from ui import downloads, state

PREFIX = "rules."
ERROR = "rules_error"
EDITOR_GENERATION = "rules_editor_generation"
UPLOAD_GENERATION = "upload_generation"
UPLOAD_ERROR = "upload_error"
PRESET = "preset_pick"
GO_LIVE = "supply.go_live"
STRATEGY_MIX = "lab.strategy_mix"

MECHANISM_LABELS = {
    "pay_as_bid": "Pay as bid",
    "uniform_price": "Uniform price",
    "vickrey": "Vickrey (VCG)",
    "proportional_share": "Proportional share (Kelly)",
    "committee": "Leadership committee",
    "equal_share": "Equal share",
    "max_min_fair": "Max-min fair",
    "lottery": "Lottery",
}


CHOICE_LABELS = {
    "single_market": "One market",
    "split": "Split by division",
    "committee": "Leadership committee",
    "bosse_treur": "Bosse–Treur (ASCRIBE)",
    "sisa": "SISa (Hill et al.)",
    "none": "None",
    "inverted_u": "Inverted U (Yerkes–Dodson)",
    "monotone": "Monotone decreasing",
    "cobb_douglas": "Cobb–Douglas",
    "ces": "CES",
}


def mechanism_label(name: str) -> str:
    """Readable name of an allocation rule."""
    return MECHANISM_LABELS.get(name, name.replace("_", " ").capitalize())


def choice_label(value: str) -> str:
    """Readable name of a scenario choice such as a governance mode."""
    return CHOICE_LABELS.get(value, value.replace("_", " ").capitalize())


Kind = Literal["select", "int", "float", "slider", "toggle", "mix", "events"]


@dataclass(frozen=True)
class RuleField:
    """One editable scenario key.

    Attributes:
        key: Dotted scenario key, e.g. ``"market.mechanism"``.
        label: Widget label.
        kind: Widget kind.
        step: Step for numbers and sliders.
        fmt: printf-style number format.
    """

    key: str
    label: str
    kind: Kind
    step: float | None = None
    fmt: str | None = None


@dataclass(frozen=True)
class Section:
    """A group of fields shown in one expander."""

    title: str
    fields: tuple[RuleField, ...]
    expanded: bool = False


SECTIONS: tuple[Section, ...] = (
    Section(
        "Market",
        (
            RuleField("market.mechanism", "Allocation rule", "select"),
            RuleField("market.reserve", "Reserve price (credits per tranche)", "float", 1.0),
        ),
        expanded=True,
    ),
    Section(
        "Governance",
        (
            RuleField("governance.mode", "Governance", "select"),
            RuleField("governance.research_share", "Research share", "slider", 0.01),
        ),
        expanded=True,
    ),
    Section(
        "Supply",
        (
            RuleField("supply.initial_tranches", "Fleet at week 0 (tranches)", "float", 10.0),
            RuleField("supply.growth_per_week", "Growth per week", "float", 0.001, "%.3f"),
            RuleField(GO_LIVE, "Go-live events", "events"),
        ),
    ),
    Section(
        "Teams",
        (
            RuleField("lab.research_teams", "Research teams", "int", 1),
            RuleField("lab.product_teams", "Product teams", "int", 1),
            RuleField(STRATEGY_MIX, "Bidding strategy mix", "mix", 0.05),
            RuleField("weeks", "Weeks in a game", "int", 1),
        ),
    ),
    Section(
        "Reallocation and loans",
        (
            RuleField("reallocation.enabled", "Reallocation group on", "toggle"),
            RuleField("reallocation.moves_per_week", "Reclaims per week", "int", 1),
            RuleField("reallocation.notice_weeks", "Notice (weeks)", "int", 1),
            RuleField("negotiation.enabled", "Loans between teams", "toggle"),
        ),
    ),
    Section(
        "Stress",
        (
            RuleField("emotion.stress.k_deficit", "k deficit", "slider", 0.01),
            RuleField("emotion.stress.k_urgency", "k urgency", "slider", 0.01),
            RuleField("emotion.stress.k_lost", "k lost auction", "slider", 0.01),
            RuleField("emotion.stress.k_envy", "k envy", "slider", 0.01),
            RuleField("emotion.stress.k_reclaim", "k reclaim", "slider", 0.01),
            RuleField("emotion.stress.k_recovery", "k recovery", "slider", 0.01),
            RuleField("emotion.contagion.model", "Contagion model", "select"),
            RuleField("emotion.contagion.rate", "Contagion rate", "slider", 0.01),
        ),
    ),
    Section(
        "Productivity",
        (
            RuleField("emotion.performance.research_peak", "Research peak stress", "slider", 0.01),
            RuleField("emotion.performance.research_width", "Research curve width", "slider", 0.01),
            RuleField("emotion.performance.product_peak", "Product peak stress", "slider", 0.01),
            RuleField("emotion.performance.product_width", "Product curve width", "slider", 0.01),
            RuleField("research.alpha_people", "Research α (people)", "slider", 0.01),
            RuleField("research.beta_gpus", "Research β (GPUs)", "slider", 0.01),
        ),
    ),
)
FIELDS: dict[str, RuleField] = {f.key: f for s in SECTIONS for f in s.fields}


# ---------------------------------------------------------------------------- scenario schema
def field_info(key: str) -> FieldInfo:
    """The pydantic field behind a dotted scenario key.

    Raises:
        ValueError: If the key names no scenario field.
    """
    model: Any = Scenario
    parts = key.split(".")
    for depth, part in enumerate(parts):
        fields = getattr(model, "model_fields", None)
        if not fields or part not in fields:
            raise ValueError(f"key {key!r}: no scenario field {'.'.join(parts[: depth + 1])!r}")
        info = fields[part]
        if depth == len(parts) - 1:
            return info
        model = info.annotation
    raise ValueError(f"key {key!r}: empty")  # pragma: no cover


def bounds(info: FieldInfo) -> tuple[float | None, float | None]:
    """Inclusive ``(low, high)`` bounds of a field; exclusive bounds are left open (None)."""
    low = high = None
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            low = m.ge
        elif isinstance(m, annotated_types.Le):
            high = m.le
    return low, high


def _range_text(info: FieldInfo) -> str:
    parts = []
    for m in info.metadata:
        if isinstance(m, annotated_types.Ge):
            parts.append(f"≥ {m.ge:g}")
        elif isinstance(m, annotated_types.Gt):
            parts.append(f"> {m.gt:g}")
        elif isinstance(m, annotated_types.Le):
            parts.append(f"≤ {m.le:g}")
        elif isinstance(m, annotated_types.Lt):
            parts.append(f"< {m.lt:g}")
    return f" Allowed: {', '.join(parts)}." if parts else ""


def help_text(key: str) -> str:
    """The help shown for a field: its scenario description and allowed range."""
    if key == "market.mechanism":
        rules = "; ".join(
            f"{mechanism_label(n)}: {'truthful' if m.truthful else 'not truthful'}, "
            f"{'uses credits' if m.uses_money else 'no money'}"
            for n, m in market.MECHANISMS.items()
        )
        return f"{field_info(key).description} {rules}. The Learn page explains each rule."
    if key == STRATEGY_MIX:
        return f"{field_info(key).description} " + " ".join(
            f"{n}: {cls.metadata['description']}" for n, cls in STRATEGIES.items()
        )
    if key == GO_LIVE:
        return (
            "Data-centre capacity going live: in week `week`, `tranches` tranches join the "
            "fleet. Add or delete rows; weeks ≥ 0, tranches ≥ 0."
        )
    info = field_info(key)
    return f"{info.description}{_range_text(info)}"


def options(key: str) -> list[str]:
    """Choices for a select field (mechanisms from the market registry)."""
    if key == "market.mechanism":
        return list(market.MECHANISMS)
    return [str(a) for a in typing.get_args(field_info(key).annotation)]


def value_of(sc: Scenario, key: str) -> Any:
    """The value of a dotted key in a scenario."""
    node: Any = sc
    for part in key.split("."):
        node = getattr(node, part)
    return node


def widget_key(key: str, strategy: str | None = None) -> str:
    """Session-state key of the widget editing ``key`` (one per strategy for the mix)."""
    return f"{PREFIX}{key}.{strategy}" if strategy else f"{PREFIX}{key}"


def widget_values(sc: Scenario) -> dict[str, Any]:
    """Widget values showing scenario ``sc`` (the go-live table excepted)."""
    out: dict[str, Any] = {}
    for f in FIELDS.values():
        if f.kind == "events":
            continue
        value = value_of(sc, f.key)
        if f.kind == "mix":
            for name in STRATEGIES:
                out[widget_key(f.key, name)] = float(value.get(name, 0.0))
        elif f.key == "market.mechanism":
            out[widget_key(f.key)] = market.resolve_mechanism(value)
        elif f.kind == "int":
            out[widget_key(f.key)] = int(value)
        elif f.kind in ("float", "slider"):
            out[widget_key(f.key)] = float(value)
        else:
            out[widget_key(f.key)] = value
    return out


def events_frame(events: Iterable[Any]) -> pd.DataFrame:
    """Go-live events as an editable table with columns ``week`` and ``tranches``."""
    rows = [{"week": int(e.week), "tranches": float(e.tranches)} for e in events]
    return pd.DataFrame(rows, columns=["week", "tranches"]).astype(
        {"week": "Int64", "tranches": "float64"}
    )


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    return value.item() if hasattr(value, "item") else value


def events_from_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of the go-live table as scenario events; empty rows are dropped.

    Missing cells become ``None`` so the scenario names the row and field that is wrong.
    """
    out = []
    for row in frame.to_dict("records"):
        week, tranches = _cell(row.get("week")), _cell(row.get("tranches"))
        if week is None and tranches is None:
            continue
        out.append({"week": week, "tranches": tranches})
    return out


def overrides_from(values: Mapping[str, Any], go_live: pd.DataFrame | None) -> dict[str, Any]:
    """Dotted-key overrides from the editor's widget values and go-live table."""
    out: dict[str, Any] = {}
    for f in FIELDS.values():
        if f.kind == "events":
            if go_live is not None:
                out[f.key] = events_from_frame(go_live)
        elif f.kind == "mix":
            out[f.key] = {name: float(values[widget_key(f.key, name)]) for name in STRATEGIES}
        else:
            out[f.key] = values[widget_key(f.key)]
    return out


def error_field(message: str, keys: Iterable[str] = FIELDS) -> str | None:
    """The editor field a scenario error message is about, or ``None``.

    Messages start with the dotted location (``"lab.strategy_mix = …"``,
    ``"supply.go_live.1.week = None: …"``); the longest field key that is the location or a
    prefix of it wins.
    """
    loc = message.split(" ", 1)[0]
    best = None
    for key in keys:
        if (loc == key or loc.startswith(key + ".")) and (best is None or len(key) > len(best)):
            best = key
    return best


def build_scenario(
    sc: Scenario, values: Mapping[str, Any], go_live: pd.DataFrame | None
) -> Scenario:
    """The scenario the editor describes, on top of ``sc``.

    Raises:
        ScenarioError: With a one-line message naming the field, value and what is allowed.
    """
    return sc.with_overrides(overrides_from(values, go_live))


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


def _on_preset() -> None:
    name = st.session_state[PRESET]
    try:
        sc = load_scenario(name)
        state.set_scenario(sc, name)
    except ValueError as err:
        st.session_state[UPLOAD_ERROR] = str(err)
        return
    load_values(sc)
    st.session_state.pop(UPLOAD_ERROR, None)
    st.session_state[state.NOTICE] = f"Loaded preset {name}: week 0."


def _upload_key() -> str:
    return f"scenario_upload_{st.session_state.get(UPLOAD_GENERATION, 0)}"


def _on_upload() -> None:
    ss = st.session_state
    upload = ss.get(_upload_key())
    if upload is None:
        return
    try:
        text = upload.getvalue().decode("utf-8")
    except UnicodeDecodeError:
        ss[UPLOAD_ERROR] = f"{upload.name}: not a text file; upload a scenario .toml"
        return
    try:
        sc = state.load_toml(text, f"uploaded {upload.name}")
    except ValueError as err:
        ss[UPLOAD_ERROR] = f"{upload.name}: {err}"
        return
    load_values(sc)
    ss.pop(UPLOAD_ERROR, None)
    ss[UPLOAD_GENERATION] = int(ss.get(UPLOAD_GENERATION, 0)) + 1
    ss[state.NOTICE] = f"Loaded {upload.name}: week 0."


# ---------------------------------------------------------------------------- widgets
def scenario_picker() -> None:
    """Preset picker, scenario upload and download (the sidebar's top)."""
    state.init_session()
    sc = state.scenario()
    presets = list_presets()
    if PRESET not in st.session_state:
        source = st.session_state.get(state.SOURCE)
        st.session_state[PRESET] = source if source in presets else presets[0]
    st.selectbox(
        "Scenario preset",
        presets,
        key=PRESET,
        on_change=_on_preset,
        help="Loading a preset replaces the rules and starts again at week 0.",
    )
    st.caption(f"Playing **{sc.name}** ({st.session_state.get(state.SOURCE)}). {sc.description}")
    st.file_uploader(
        "Load a scenario TOML",
        type=["toml"],
        key=_upload_key(),
        on_change=_on_upload,
        help="A scenario file as `crunch run --out` writes it or the download below.",
    )
    if st.session_state.get(UPLOAD_ERROR):
        st.error(st.session_state[UPLOAD_ERROR], icon=":material/error:")
    downloads.scenario_button(
        sc,
        "Download scenario TOML",
        key="download_scenario_sidebar",
        help="The applied rules, in the format `crunch run --scenario FILE` reads.",
    )


def _number(f: RuleField, info: FieldInfo) -> Any:
    low, high = bounds(info)
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


def _widget(f: RuleField, sc: Scenario) -> Any:
    wk = widget_key(f.key)
    if f.kind == "select":
        fmt = mechanism_label if f.key == "market.mechanism" else choice_label
        return st.selectbox(
            f.label,
            options(f.key),
            format_func=fmt,
            key=wk,
            help=help_text(f.key),
            persist_state="session",
        )
    if f.kind == "toggle":
        return st.toggle(f.label, key=wk, help=help_text(f.key), persist_state="session")
    if f.kind == "slider":
        info = field_info(f.key)
        low, high = bounds(info)
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
        st.markdown(f"**{f.label}**", help=help_text(f.key))
        cols = st.columns(2)
        for i, name in enumerate(STRATEGIES):
            with cols[i % 2]:
                st.number_input(
                    name.replace("_", " "),
                    min_value=0.0,
                    max_value=1.0,
                    step=f.step,
                    key=widget_key(f.key, name),
                    help=STRATEGIES[name].metadata["description"],
                    persist_state="session",
                )
        return None
    if f.kind == "events":
        return st.data_editor(
            events_frame(value_of(sc, f.key)),
            key=_go_live_key(),
            num_rows="dynamic",
            hide_index=True,
            column_config={
                "week": st.column_config.NumberColumn("week", min_value=0, step=1),
                "tranches": st.column_config.NumberColumn("tranches", min_value=0.0),
            },
            alt="Go-live events: week and tranches",
        )
    return _number(f, field_info(f.key))


def section_key(index: int) -> str:
    """Session-state key of a section's expander (True while open)."""
    return f"rules_section.{index}"


def section_of(key: str) -> int | None:
    """Index of the section holding field ``key``."""
    for i, section in enumerate(SECTIONS):
        if any(f.key == key for f in section.fields):
            return i
    return None


def apply_edits(frame: pd.DataFrame, edits: Mapping[str, Any] | None) -> pd.DataFrame:
    """A data editor's table after its edit state (edited, deleted, then added rows).

    Args:
        frame: The table the editor was given.
        edits: ``st.session_state[key]`` of the editor: ``edited_rows`` (position →
            {column: value}), ``deleted_rows`` (positions) and ``added_rows`` (dicts).
    """
    out = frame.reset_index(drop=True).astype(object)
    if not edits:
        return out
    for row, changes in (edits.get("edited_rows") or {}).items():
        for column, value in changes.items():
            out.loc[int(row), column] = value
    out = out.drop(index=[int(i) for i in edits.get("deleted_rows") or []])
    added = pd.DataFrame(list(edits.get("added_rows") or []), columns=out.columns)
    return pd.concat([out, added.astype(object)], ignore_index=True)


def _go_live_key() -> str:
    return f"{widget_key(GO_LIVE)}.{st.session_state.get(EDITOR_GENERATION, 0)}"


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
    with st.form("rules_form", border=False, enter_to_submit=False):
        st.markdown(
            "**Rules**",
            help="Edits take effect when you press Apply rules. Closing a section before "
            "applying drops its unapplied edits.",
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
        st.form_submit_button(
            "Apply rules",
            type="primary",
            icon=":material/check:",
            width="stretch",
            key="apply_rules",
            on_click=_on_apply,
        )
    error = ss.get(ERROR)
    if error:
        where, message = error
        target = slots.get(where, top) if where else top
        target.error(f"Not applied — {message}", icon=":material/error:")
