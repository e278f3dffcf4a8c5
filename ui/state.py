"""Session state for the app: the applied scenario, the live model and what is derived from it.

The live :class:`~game.ComputeGame` lives in ``st.session_state`` (Mesa models cannot be
pickled, so they cannot go through ``st.cache_data``). Everything the pages draw from it
— frames, KPIs, chart specs, the network option, explanations — is derived once per
model week and kept in a :class:`ModelView` keyed on ``(model generation, week)``, so a
rerun that does not advance the model does no model work and rebuilds no chart.

Finished runs (the Compare page plays many) are cached as DataFrames with
``st.cache_data``, keyed on the scenario's TOML text, the seed and the weeks.

Nothing here builds a model at import time; :func:`live_model` builds one on first use.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from game import DEFAULT_PRESET, ComputeGame, Scenario, load_scenario, scenario_from_toml
from game.run_budget import check, estimate
from game.run_metrics import RUN_METRICS, RunMetric

SCENARIO = "scenario"
SOURCE = "scenario_source"
SEED = "seed"
MODEL = "model"
GENERATION = "model_generation"
VIEW = "model_view"
MODEL_MEMO = "model_memo"
PLAYING = "playing"
LAST_TICK = "last_tick"
TEAM = "team_pick"
NOTICE = "notice"
PLAY_INTERVALS = {"slow": 1.5, "normal": 0.8, "fast": 0.4}
DEFAULT_SEED = 0


@dataclass(frozen=True)
class Kpi:
    """One headline number with its change since the previous week.

    Attributes:
        label: Short name.
        value: Formatted value.
        delta: Formatted change since the previous week, or ``None`` in week 0.
        delta_color: ``"normal"`` when up is good, ``"inverse"`` when up is bad,
            ``"off"`` when neither is.
        help: One-sentence explanation shown on hover.
    """

    label: str
    value: str
    delta: str | None
    delta_color: str
    help: str


@dataclass
class ModelView:
    """What the pages draw for one model week, derived once.

    Attributes:
        key: ``(model generation, week)`` this view belongs to.
        weeks: ``model.weeks_frame()``.
        teams: ``model.teams_frame()``.
        events: ``model.events_frame()``, latest first.
        kpis: The KPI row.
        memo: Anything else derived from this week (chart specs, explanations, ...).
    """

    key: tuple[int, int]
    weeks: pd.DataFrame
    teams: pd.DataFrame
    events: pd.DataFrame
    kpis: list[Kpi]
    memo: dict[Hashable, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------- session
def init_session() -> None:
    """Put the defaults into the session (default preset, seed 0, paused); builds no model."""
    ss = st.session_state
    if SCENARIO not in ss:
        ss[SCENARIO] = load_scenario(DEFAULT_PRESET)
        ss[SOURCE] = DEFAULT_PRESET
    if SEED not in ss:
        ss[SEED] = DEFAULT_SEED
    ss.setdefault(GENERATION, 0)
    ss.setdefault(PLAYING, False)
    ss.setdefault(LAST_TICK, 0.0)


def scenario() -> Scenario:
    """The applied scenario (the one the live model plays)."""
    init_session()
    return st.session_state[SCENARIO]


def seed() -> int:
    """The seed the live model is (or will be) built with."""
    init_session()
    return int(st.session_state[SEED])


def horizon() -> int:
    """Weeks in a full game of the applied scenario."""
    return scenario().weeks


def set_scenario(sc: Scenario, source: str) -> None:
    """Apply a new scenario: a fresh model is built for it at week 0, then swapped in.

    The model is built before anything changes, so a scenario the model refuses leaves
    the session (scenario, model, week) exactly as it was.

    Args:
        sc: The validated scenario.
        source: Where it came from (a preset name, "uploaded …" or "edited").

    Raises:
        ValueError: If the model cannot be built from ``sc`` (nothing is changed).
    """
    init_session()
    ss = st.session_state
    check(estimate(sc, write=False), allow_large=False, flag="`crunch run --allow-large`")
    model = ComputeGame(sc, rng=int(ss[SEED]))
    ss[SCENARIO] = sc
    ss[SOURCE] = source
    drop_model()
    ss[MODEL] = model
    ss[GENERATION] = int(ss[GENERATION]) + 1


def drop_model() -> None:
    """Forget the live model and its derived views; playing stops."""
    ss = st.session_state
    ss.pop(MODEL, None)
    ss.pop(VIEW, None)
    ss[PLAYING] = False


def live_model() -> ComputeGame:
    """The live model, built from the applied scenario and seed on first use."""
    init_session()
    ss = st.session_state
    model = ss.get(MODEL)
    if model is None:
        model = ComputeGame(ss[SCENARIO], rng=int(ss[SEED]))
        ss[GENERATION] = int(ss[GENERATION]) + 1
        ss[MODEL] = model
        ss.pop(VIEW, None)
    return model


def reset_model() -> None:
    """Start the game again at week 0 with the same scenario and seed."""
    drop_model()
    live_model()


def weeks_left() -> int:
    """Weeks until the scenario's horizon."""
    return max(0, horizon() - live_model().week)


def step(weeks: int = 1) -> int:
    """Play up to ``weeks`` weeks, never past the horizon; return the weeks played."""
    model = live_model()
    n = min(weeks, weeks_left())
    for _ in range(n):
        model.step()
    return n


def run_to_horizon(progress: Callable[[int, int], None] | None = None) -> int:
    """Play the remaining weeks (from week 0 again when already at the horizon).

    Args:
        progress: Optional ``progress(done, total)`` after each week.

    Returns:
        Weeks played.
    """
    if weeks_left() == 0:
        reset_model()
    model = live_model()
    total = weeks_left()
    model.run(total, progress=progress)
    return total


def play_tick(now: float | None = None) -> bool:
    """Advance one week if playing and a tick is due; stop playing at the horizon.

    A tick is due when at least 80% of the play interval has passed since the last one,
    so a full rerun right after a timed fragment rerun does not play a second week.

    Returns:
        Whether a week was played.
    """
    ss = st.session_state
    if not ss.get(PLAYING):
        return False
    now = time.monotonic() if now is None else now
    if now - float(ss.get(LAST_TICK, 0.0)) < 0.8 * _speed_interval():
        return False
    played = step(1)
    ss[LAST_TICK] = now
    if weeks_left() == 0:
        ss[PLAYING] = False
    return played > 0


def _speed_interval() -> float:
    """Seconds between play ticks at the chosen speed."""
    speed = st.session_state.get("play_speed", "normal")
    return PLAY_INTERVALS.get(speed, PLAY_INTERVALS["normal"])


def play_interval() -> float | None:
    """Seconds between play ticks while playing, else ``None`` (no timer)."""
    return _speed_interval() if st.session_state.get(PLAYING) else None


def load_toml(text: str, source: str) -> Scenario:
    """Parse and apply an uploaded scenario; on error nothing changes.

    Raises:
        ValueError: Bad TOML, an unknown key or a bad value (a ``ScenarioError``), or a
            scenario the model refuses; the session is untouched.
    """
    sc = scenario_from_toml(text)
    set_scenario(sc, source)
    return sc


# ---------------------------------------------------------------------------- views
def current_view() -> ModelView:
    """Frames, KPIs and memo for the live model's current week, derived at most once."""
    model = live_model()
    ss = st.session_state
    key = (int(ss[GENERATION]), int(model.week))
    view: ModelView | None = ss.get(VIEW)
    if view is None or view.key != key:
        weeks = model.weeks_frame()
        events = model.events_frame()
        events = events.iloc[::-1].reset_index(drop=True)
        view = ModelView(
            key=key,
            weeks=weeks,
            teams=model.teams_frame(),
            events=events,
            kpis=compute_kpis(weeks, model.scenario.supply.gpus_per_tranche),
        )
        ss[VIEW] = view
    return view


def memo(name: Hashable, build: Callable[[], Any]) -> Any:
    """Return ``build()`` for this model week, computing it only once per week."""
    view = current_view()
    if name not in view.memo:
        view.memo[name] = build()
    return view.memo[name]


def model_memo(name: Hashable, build: Callable[[], Any]) -> Any:
    """Return ``build()`` for the live model, computed once per model (not per week).

    For what never changes while a game is played, such as the org network's layout.
    """
    live_model()
    ss = st.session_state
    gen = int(ss[GENERATION])
    store = ss.get(MODEL_MEMO)
    if store is None or store[0] != gen:
        store = (gen, {})
        ss[MODEL_MEMO] = store
    if name not in store[1]:
        store[1][name] = build()
    return store[1][name]


def chart_spec(name: Hashable, build: Callable[[], alt.Chart]) -> dict[str, Any]:
    """The Vega-Lite spec of a chart for this model week (built and converted once).

    Its datasets are stored as Arrow bytes, which Streamlit passes through as they are,
    so redrawing the chart on a rerun serialises nothing.
    """
    return memo(("chart", name), lambda: with_arrow_datasets(to_spec(build())))


def to_spec(chart: alt.Chart) -> dict[str, Any]:
    """Convert an Altair chart to a Vega-Lite dict with its data inlined (no row limit)."""
    with alt.data_transformers.disable_max_rows():
        return chart.to_dict()


def with_arrow_datasets(spec: dict[str, Any]) -> dict[str, Any]:
    """A copy of a spec whose inline datasets are Arrow IPC bytes (Streamlit's wire format)."""
    from streamlit import dataframe_util

    out = dict(spec)
    out["datasets"] = {
        name: dataframe_util.convert_anything_to_arrow_bytes(pd.DataFrame(rows))
        for name, rows in spec.get("datasets", {}).items()
    }
    return out


def show_chart(name: Hashable, build: Callable[[], alt.Chart], alt_text: str) -> None:
    """Draw a chart whose spec is cached for this model week."""
    st.vega_lite_chart(spec=chart_spec(name, build), alt=alt_text)


# ---------------------------------------------------------------------------- KPIs
KPI_METRICS = ("output_value", "efficiency", "jain", "mean_stress", "rho_share", "idle")
"""The run metrics the KPI row shows (their latest weekly value), in order. Output value
beside efficiency separates "little to share" from "shared badly"."""
DELTA_COLOURS = {"higher": "normal", "lower": "inverse", "": "off"}


def _fmt_delta(value: float, previous: float | None, fmt: str) -> str | None:
    """The change as shown; ``"0"`` when it rounds to nothing (Streamlit: gray, no arrow)."""
    if previous is None or math.isnan(value) or math.isnan(previous):
        return None
    shown = format(value - previous, "+" + fmt)
    digits = shown.replace(",", "").rstrip("%").lstrip("+-")
    return "0" if digits.strip("0.") == "" else shown


def kpi_label(metric: RunMetric) -> str:
    """A KPI's label: the metric's registered label (as Compare, sweeps and the CLI say it)."""
    return metric.label


def compute_kpis(weeks: pd.DataFrame, gpus_per_tranche: int = 1) -> list[Kpi]:
    """The KPI row from a weeks frame: the latest week and its change since the week before.

    Label, number format, help and the colour of the change come from each metric's entry
    in ``game.run_metrics.RUN_METRICS`` (up is green when higher is better, red when lower
    is better). Metrics counted in tranches (idle) stay in tranches, as on every page; their
    help says how many GPUs that is.

    Args:
        weeks: ``model.weeks_frame()`` (may be empty before the first week).
        gpus_per_tranche: GPUs in a tranche.

    Returns:
        One KPI per :data:`KPI_METRICS` entry; values read "—" before the first week.
    """
    out = []
    for name in KPI_METRICS:
        metric = RUN_METRICS[name]
        in_tranches, fmt = metric.unit == "tranches", metric.fmt
        help_text = metric.description
        if metric.how == "total":
            help_text += " Shown: this week's value (runs are summarised by the total)."
        label, colour = kpi_label(metric), DELTA_COLOURS.get(metric.better, "off")
        column = metric.column
        if weeks.empty or column not in weeks.columns:
            out.append(Kpi(label, "—", None, colour, help_text))
            continue
        value = float(weeks[column].iloc[-1])
        prev = float(weeks[column].iloc[-2]) if len(weeks) > 1 else None
        if in_tranches and not math.isnan(value):
            gpus = value * gpus_per_tranche
            help_text += f" In tranches of {gpus_per_tranche:,} GPUs: {gpus:,.0f} GPUs."
        shown = "—" if math.isnan(value) else format(value, fmt)
        out.append(Kpi(label, shown, _fmt_delta(value, prev, fmt), colour, help_text))
    return out


# ---------------------------------------------------------------------------- finished runs
@st.cache_data(max_entries=512, show_spinner=False)
def finished_weeks(digest: str, seed: int, weeks: int, _scenario: Scenario) -> pd.DataFrame:
    """Weeks frame of one finished seeded run, cached on (scenario digest, seed, weeks).

    Args:
        digest: ``_scenario.digest()`` — the cache key for the scenario.
        seed: Random seed.
        weeks: Weeks played.
        _scenario: The scenario itself (not hashed; the digest stands for it).
    """
    return ComputeGame(_scenario, rng=seed, keep_books=False).run(weeks).weeks_frame()


def cached_runner(sc: Scenario, seed: int, weeks: int) -> pd.DataFrame:
    """A :data:`experiments.compare.Runner` that reuses finished runs across reruns and sessions."""
    return finished_weeks(sc.digest(), int(seed), int(weeks), sc)
