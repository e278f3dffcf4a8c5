"""What the rules editor edits: its fields, their help, and widget values ↔ scenario.

Pure functions, no Streamlit: every field is a dotted scenario key, and its help,
range and choices come from :mod:`game.keys` (the one helper for dotted keys), the
mechanism choices and labels from ``market.MECHANISMS`` and the strategy descriptions
from ``agents.strategies.bot_strategies()``. So the editor stays true to :mod:`game.scenario`
and offers a rule a plugin registered without any change here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

import market
from agents.strategies import bot_strategies
from game import Scenario, keys
from ui.labels import choice_label, mechanism_label

PREFIX = "rules."
MECHANISM = "market.mechanism"
MODE = "governance.mode"
GO_LIVE = "supply.go_live"
STRATEGY_MIX = "lab.strategy_mix"
FILL_UNSOLD = "market.fill_unsold"
PERFORMANCE_FORM = "emotion.performance.form"

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
        floor: Lowest value a slider offers when the scenario's lower bound is open
            (``> 0``), so the slider cannot reach a value the scenario refuses.
    """

    key: str
    label: str
    kind: Kind
    step: float | None = None
    fmt: str | None = None
    floor: float | None = None


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
            RuleField(MECHANISM, "Allocation rule", "select"),
            RuleField("market.reserve", "Reserve price (credits per tranche)", "float", 1.0),
            RuleField(FILL_UNSOLD, "Spot pool for unsold tranches", "toggle"),
            RuleField(
                "market.price_forecast_weight",
                "Price forecast weight",
                "slider",
                0.05,
                floor=0.05,
            ),
        ),
        expanded=True,
    ),
    Section(
        "Governance",
        (
            RuleField(MODE, "Governance", "select"),
            RuleField(
                "governance.research_credit_share", "Research share of credits", "slider", 0.01
            ),
            RuleField(
                "governance.research_pool_share",
                "Research share of the pool (split only)",
                "slider",
                0.01,
            ),
            RuleField(
                "governance.research_weight",
                "Research priority weight (committee only)",
                "slider",
                0.01,
            ),
        ),
        expanded=True,
    ),
    Section(
        "Supply",
        (
            RuleField("supply.initial_gpus", "Fleet at week 0 (GPUs)", "float", 1000.0, "%.0f"),
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
            RuleField(
                "lab.hiring_rate", "Hiring rate (per missing person, weekly)", "slider", 0.01
            ),
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
        "Values and demand",
        (
            RuleField(
                "valuation.credits_per_output",
                "Exchange rate λ (credits per research output)",
                "float",
                5.0,
            ),
            RuleField("product.price_per_user", "Price per user (credits per week)", "float", 1.0),
            RuleField(
                "product.served_value_exponent",
                "γ: value of serving a share of users",
                "slider",
                0.05,
                floor=0.05,
            ),
            RuleField(
                "product.churn_weekly", "Churn at the worst service (weekly)", "slider", 0.01
            ),
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
            RuleField("emotion.stress.baseline", "Baseline stress s₀", "slider", 0.01),
            RuleField("emotion.contagion.model", "Contagion model", "select"),
            RuleField("emotion.contagion.rate", "Contagion rate", "slider", 0.01),
        ),
    ),
    Section(
        "Productivity",
        (
            RuleField(PERFORMANCE_FORM, "Performance curve", "select"),
            RuleField("emotion.performance.m_min", "Output floor m_min", "slider", 0.01),
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

# The choice a key matters under, as (choice key, value): under other values it is ignored.
ONLY_UNDER = {
    "governance.research_pool_share": (MODE, "split"),
    "governance.research_weight": (MODE, "committee"),
    **{
        f"emotion.performance.{name}": (PERFORMANCE_FORM, "inverted_u")
        for name in ("research_peak", "research_width", "product_peak", "product_width")
    },
}


# ---------------------------------------------------------------------------- help and choices
def help_text(key: str) -> str:
    """The help shown for a field: its scenario description and allowed range."""
    info = keys.describe(Scenario, key)
    if key == MECHANISM:
        rules = "; ".join(
            f"{m.label}: {'truthful' if m.truthful else 'not truthful'}, "
            f"{'uses credits' if m.uses_money else 'no money'}"
            for m in market.MECHANISMS.values()
        )
        return (
            f"{info.description} {rules}. Under committee governance leadership's priority "
            "weights clear the market instead. The Learn page explains each rule."
        )
    if key == STRATEGY_MIX:
        return f"{info.description} " + " ".join(
            f"{n}: {cls.metadata['description']}" for n, cls in bot_strategies().items()
        )
    if key == GO_LIVE:
        return (
            "Data-centre capacity going live: in week `week`, `gpus` GPUs join the "
            "fleet. Add or delete rows; weeks ≥ 0, GPUs ≥ 0."
        )
    if key == FILL_UNSOLD:
        money = ", ".join(m.label for m in market.MECHANISMS.values() if m.uses_money)
        return (
            f"{info.description} Used only by rules with money ({money}) and not under "
            "committee governance; it matters most with a reserve price, when bids below "
            "it leave tranches unsold."
        )
    allowed = f" Allowed: {info.range}." if info.range else ""
    only = ""
    if key in ONLY_UNDER:
        choice, value = ONLY_UNDER[key]
        only = f" Used only when {FIELDS[choice].label} is “{choice_label(value)}”."
    return f"{info.description}{allowed}{only}"


def options(key: str) -> list[str]:
    """Choices for a select field (mechanisms from the market registry)."""
    if key == MECHANISM:
        return list(market.MECHANISMS)
    return keys.choices(Scenario, key)


def bounds(key: str) -> tuple[float | None, float | None]:
    """Inclusive ``(low, high)`` bounds of a field (exclusive bounds are left open).

    A field's ``floor`` stands in for an open lower bound.
    """
    low, high = keys.bounds(keys.field_at(Scenario, key))
    floor = FIELDS[key].floor if key in FIELDS else None
    return (floor if low is None and floor is not None else low), high


def governance_note(sc: Scenario, mode: str, mechanism: str) -> str | None:
    """The caption under the allocation rule when governance ``mode`` overrides it.

    Asks :attr:`Scenario.clearing_rule` (the one place that knows) which rule would clear
    the market with this mode and mechanism; ``None`` when it is the mechanism itself.
    """
    shown = sc.model_copy(
        update={
            "market": sc.market.model_copy(update={"mechanism": mechanism}),
            "governance": sc.governance.model_copy(update={"mode": mode}),
        }
    )
    rule = shown.clearing_rule
    if rule == mechanism:
        return None
    return (
        f"Governance ({choice_label(mode).lower()}) overrides this rule: the market is "
        f"cleared by **{mechanism_label(rule)}**, not {mechanism_label(mechanism)}."
    )


# ---------------------------------------------------------------------------- values
def widget_key(key: str, strategy: str | None = None) -> str:
    """Session-state key of the widget editing ``key`` (one per strategy for the mix)."""
    return f"{PREFIX}{key}.{strategy}" if strategy else f"{PREFIX}{key}"


def widget_values(sc: Scenario) -> dict[str, Any]:
    """Widget values showing scenario ``sc`` (the go-live table excepted)."""
    out: dict[str, Any] = {}
    for f in FIELDS.values():
        if f.kind == "events":
            continue
        value = sc.get(f.key)
        if f.kind == "mix":
            for name in bot_strategies():
                out[widget_key(f.key, name)] = float(value.get(name, 0.0))
        elif f.key == MECHANISM:
            out[widget_key(f.key)] = market.resolve_mechanism(value)
        elif f.kind == "int":
            out[widget_key(f.key)] = int(value)
        elif f.kind in ("float", "slider"):
            out[widget_key(f.key)] = float(value)
        else:
            out[widget_key(f.key)] = value
    return out


def events_frame(events: Iterable[Any]) -> pd.DataFrame:
    """Go-live events as an editable table with columns ``week`` and ``gpus``."""
    rows = [{"week": int(e.week), "gpus": float(e.gpus)} for e in events]
    return pd.DataFrame(rows, columns=["week", "gpus"]).astype({"week": "Int64", "gpus": "float64"})


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
        week, gpus = _cell(row.get("week")), _cell(row.get("gpus"))
        if week is None and gpus is None:
            continue
        out.append({"week": week, "gpus": gpus})
    return out


def overrides_from(values: Mapping[str, Any], go_live: pd.DataFrame | None) -> dict[str, Any]:
    """Dotted-key overrides from the editor's widget values and go-live table."""
    out: dict[str, Any] = {}
    for f in FIELDS.values():
        if f.kind == "events":
            if go_live is not None:
                out[f.key] = events_from_frame(go_live)
        elif f.kind == "mix":
            shares = {name: float(values[widget_key(f.key, name)]) for name in bot_strategies()}
            # Strategies nobody plays are left out (a zero share changes nothing); all
            # zero is passed on whole, for the scenario's own message.
            played = {name: share for name, share in shares.items() if share > 0.0}
            out[f.key] = played or shares
        else:
            out[f.key] = values[widget_key(f.key)]
    return out


def build_scenario(
    sc: Scenario, values: Mapping[str, Any], go_live: pd.DataFrame | None
) -> Scenario:
    """The scenario the editor describes, on top of ``sc``.

    Raises:
        ScenarioError: With a one-line message naming the field, value and what is allowed.
    """
    return sc.with_overrides(overrides_from(values, go_live))


def error_field(message: str, field_keys: Iterable[str] = FIELDS) -> str | None:
    """The editor field a scenario error message is about, or ``None``.

    Messages start with the dotted location (``"lab.strategy_mix = …"``,
    ``"lab.strategy_mix: …"``, ``"supply.go_live.1.week = None: …"``); the longest field
    key that is the location or a prefix of it wins.
    """
    loc = message.split(" ", 1)[0].rstrip(":")
    best = None
    for key in field_keys:
        if (loc == key or loc.startswith(key + ".")) and (best is None or len(key) > len(best)):
            best = key
    return best


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
