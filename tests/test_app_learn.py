"""Learn page (AppTest): true to the mechanism registry, formulas, and the classroom plan."""

from __future__ import annotations

import pytest
from app_helpers import PLUGIN_LABEL, PLUGIN_MECHANISM, open_app, plugin_mechanism
from streamlit.testing.v1 import AppTest

import market
from game import list_presets
from game.run_metrics import RUN_METRICS, RunMetric, register_metric, unregister_metric

LEARN = "ui/pages/learn.py"


@pytest.fixture
def at():
    return open_app(LEARN, timeout=30)


def tab(app: AppTest, label: str) -> AppTest:
    app.session_state["learn_tab"] = label
    return app.run()


def latex_of(app: AppTest) -> list[str]:
    """The formulas drawn with st.latex (Streamlit wraps each in $$ … $$)."""
    return [x.value.removeprefix("$$\n").removesuffix("\n$$") for x in app.latex]


def text_of(app: AppTest) -> str:
    return "\n".join(m.value for m in app.markdown) + "\n".join(c.value for c in app.caption)


def test_every_registered_mechanism_is_explained_with_its_registry_description(at):
    page = text_of(at)
    for name, mech in market.MECHANISMS.items():
        assert f"#### {mech.label} · `{name}`" in page
        assert mech.description in page
        assert mech.reading in page
        assert f"Source: {mech.source}" in page
    formulas = [m.formula for m in market.MECHANISMS.values() if m.formula]
    assert latex_of(at)[: len(formulas)] == formulas
    badges = [m.value for m in at.markdown if "-badge[" in m.value]
    truthful = sum(m.truthful for m in market.MECHANISMS.values())
    assert badges.count(":green-badge[truthful]") == truthful
    assert badges.count(":orange-badge[not truthful]") == len(market.MECHANISMS) - truthful
    money = sum(m.uses_money for m in market.MECHANISMS.values())
    assert badges.count(":blue-badge[uses credits]") == money


def test_a_mechanism_a_plugin_registers_shows_in_the_editor_and_on_learn():
    with plugin_mechanism() as mech:
        app = open_app(timeout=30)  # Explore
        rule = app.selectbox(key="rules.market.mechanism")
        assert PLUGIN_LABEL in rule.options  # offered, under its registered label
        assert PLUGIN_MECHANISM not in rule.options
        app.switch_page(LEARN).run()
        assert not app.exception
        page = text_of(app)
        assert f"#### {PLUGIN_LABEL} · `{PLUGIN_MECHANISM}`" in page
        assert mech.description in page and mech.reading in page
        assert mech.formula in latex_of(app)
        assert f"{len(market.MECHANISMS)} rules" in page
    assert PLUGIN_MECHANISM not in market.MECHANISMS


def test_behaviour_models_have_formulas_and_sources(at):
    tab(at, "Behaviour models")
    assert not at.exception
    page = text_of(at)
    for model in (
        "Values from production",
        "Stress",
        "Yerkes–Dodson",
        "Burnout",
        "Bosse–Treur",
        "SISa",
        "Cobb–Douglas",
        "latency",
        "Product demand responds to service",
        "Faratin",
    ):
        assert model in page, model
    assert len(at.latex) >= 16
    assert page.count("Source:") >= 10


def test_behaviour_formulas_match_the_dynamics_in_code(at):
    tab(at, "Behaviour models")
    page, formulas = text_of(at), " ".join(latex_of(at))
    # Stress: demands scaled by (1 - s), recovery towards the baseline s0 (MODEL-REFERENCE §11).
    assert r"(1 - s) - k_r\,(s - s_0)" in formulas
    assert "baseline" in page and "*raises*" in page
    # Burnout builds above the threshold and heals below it.
    assert r"\max(0, \theta - s)\, b" in formulas
    # Performance: monotone by default, with why.
    assert r"m(s) = m_{\min} + (1 - m_{\min})\,(1 - s)\quad\text{(default)}" in formulas
    assert "Teigen (1994)" in page and "Corbett (2015)" in page
    # Product demand responds to service; hiring follows compute satisfaction.
    assert r"- c\,(1 - q)\,D" in formulas
    assert "hiring rate" in formulas
    # Values: the exchange rate and ironing.
    assert r"\lambda\,\min" in formulas and "ironed" in page
    for gone in ("research_value", "curvature", "extra_value_share"):
        assert gone not in page


def test_welfare_metrics_list_every_registered_run_metric(at):
    tab(at, "Welfare metrics")
    assert not at.exception
    page = text_of(at)
    for metric in RUN_METRICS.values():
        row = f"| {metric.label} | {metric.name} | {metric.unit} |"
        assert row in page, metric.name
    for title in ("Allocative efficiency", "Nash welfare", "Envy", "Themis", "NSDI 2020"):
        assert title in page, title
    assert f"same {len(RUN_METRICS)} metrics" in page


def test_a_metric_a_plugin_registers_is_listed_on_learn():
    metric = RunMetric(
        "test_metric", "Test metric (plugin)", "deals", "total", "loans", "higher",
        (0.0, None), "A metric only tests register.",
    )  # fmt: skip
    register_metric(metric)
    try:
        app = open_app(LEARN, timeout=30)
        tab(app, "Welfare metrics")
        assert not app.exception
        assert "| Test metric (plugin) | test_metric | loans | higher |" in text_of(app)
    finally:
        unregister_metric("test_metric")


def test_walkthrough_uses_existing_presets_and_takes_twenty_minutes(at):
    tab(at, "Classroom walk-through")
    headers = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert headers[0].startswith("#### 0–3 min") and headers[-1].startswith("#### 19–20 min")
    labels = [b.label for b in at.button]
    loaded = {label.split()[1].rstrip(",") for label in labels if label.startswith("Load ")}
    assert loaded == {"classroom", "scarcity", "stargate", "launch-crunch", "lab-2025"}
    assert loaded <= set(list_presets())
    switch = next(m.value for m in at.markdown if "open **Compare**" in m.value)
    for name in ("efficiency", "output_value", "jain", "envy", "mean_stress"):
        assert RUN_METRICS[name].label.lower() in switch.lower(), name
    assert "which rule would you choose" in switch
    for verdict in ("wins", "usually", "best", "better"):  # the room decides, not the page
        assert verdict not in switch, verdict
    idle = next(m.value for m in at.markdown if "note *Idle tranches*" in m.value)
    for rule in ("equal_share", "max_min_fair"):
        assert f"**{market.MECHANISMS[rule].label}**" in idle
    assert "**stargate**" in idle
    build_out = next(m.value for m in at.markdown if "Load **scarcity**" in m.value)
    for read in ("Output value", "Mean stress", "price", "prices fall after the go-live"):
        assert read in build_out, read


def test_a_walkthrough_button_loads_its_preset_and_opens_explore(at):
    tab(at, "Classroom walk-through")
    button = next(b for b in at.button if b.label == "Load scarcity, open Explore")
    button.click().run()
    assert not at.exception
    assert at.session_state["scenario"].name == "scarcity"
    assert at.title[0].value == "Explore"
    assert at.selectbox(key="preset_pick").value == "scarcity"
    assert at.session_state["model"].week == 0


def test_the_mechanism_switch_step_opens_compare(at):
    tab(at, "Classroom walk-through")
    next(b for b in at.button if b.label == "Load lab-2025, open Compare").click().run()
    assert not at.exception
    assert at.title[0].value == "Compare"
