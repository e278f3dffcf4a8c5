"""Learn: the allocation rules, behaviour models and welfare metrics, and a classroom plan.

Everything about a mechanism (label, properties, description, formula, how to read it,
source) comes from its descriptor in ``market.MECHANISMS``, so a rule a plugin registers
is explained here too; strategy descriptions come from ``STRATEGIES``, every run metric's
label, unit, better direction and description from ``game.run_metrics.RUN_METRICS`` and
the preset descriptions from the preset files. The behaviour formulas and definitions
(:mod:`ui.learn_content`) follow ``MODEL-REFERENCE.md`` and the code in ``agents/``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

import market
from agents.strategies import STRATEGIES
from game import list_presets, load_scenario
from game.run_metrics import RUN_METRICS
from ui import scenario_picker
from ui.learn_content import BEHAVIOUR, VALUES, WALKTHROUGH, WELFARE, WORKSHOP_PLAN, Card


def _mechanism_card(name: str, mech: market.Mechanism) -> None:
    with st.container(border=True):
        st.markdown(f"#### {mech.label} · `{name}`")
        with st.container(horizontal=True):
            st.badge(
                "truthful" if mech.truthful else "not truthful",
                color="green" if mech.truthful else "orange",
            )
            st.badge(
                "uses credits" if mech.uses_money else "no money",
                color="blue" if mech.uses_money else "gray",
            )
            st.badge(
                "divisible" if mech.divisible else "whole tranches",
                color="violet" if mech.divisible else "gray",
            )
        st.markdown(mech.description)
        if mech.formula:
            st.latex(mech.formula)
        if mech.reading:
            st.markdown(mech.reading)
        if mech.source:
            st.caption(f"Source: {mech.source}")


def mechanisms_section() -> None:
    """Every registered allocation rule: description, properties, formula and source."""
    mechs = market.MECHANISMS
    money = sum(m.uses_money for m in mechs.values())
    st.markdown(
        f"Every week the free tranches are shared by one **allocation rule**. {money} of the "
        f"{len(mechs)} rules use credits (auctions); {len(mechs) - money} do not (how "
        "committees and schedulers share). A rule is *truthful* when telling your real "
        "values or needs is your best move whatever others do. Under committee governance "
        "the leadership committee clears the market whatever rule the market names."
    )
    for name, mech in mechs.items():
        _mechanism_card(name, mech)
    st.markdown("#### How teams bid")
    for name, cls in STRATEGIES.items():
        st.markdown(f"- **{name.replace('_', ' ')}** — {cls.metadata['description']}")
    st.markdown(
        "Under proportional share a bid is money, not a value: every strategy spends like "
        "Kelly's *price-taker* — the expected price on each tranche worth at least that "
        "much. The expected price follows the clearing price gradually (*Price forecast "
        "weight* under *Market*); expecting last week's price makes everyone buy when it was "
        "low and stop when it was high, so the price swings week to week (a cobweb)."
    )
    st.caption(
        "Auction fever: Ku, Malhotra & Murnighan (2005), *Organ. Behav. Hum. Decis. Process.* "
        "96. Demand reduction under uniform pricing: Ausubel et al. (2014). Price-taking "
        "users of proportional share: Kelly (1997); adaptive expectations: Nerlove (1958)."
    )


def _card(card: Card) -> None:
    title, words, formulas, source = card
    with st.container(border=True):
        st.markdown(f"#### {title}")
        st.markdown(words)
        for f in formulas:
            st.latex(f)
        st.caption(f"Source: {source}")


def behaviour_section() -> None:
    """Each behaviour model in plain words, with its formula and source."""
    st.markdown(
        "How getting (or not getting) compute turns into pressure, pressure into output, and "
        "output into the values teams bid with. Every coefficient below is a rule you can "
        "change on Explore (*Values and demand*, *Stress*, *Productivity*) or in a scenario "
        "file."
    )
    _card(VALUES)
    for card in BEHAVIOUR:
        _card(card)


BETTER = {"higher": "higher", "lower": "lower", "": "neither"}


def metrics_table() -> pd.DataFrame:
    """Every registered run metric: label, name, unit, better direction, summary, meaning."""
    rows = [
        {
            "metric": m.label,
            "name": m.name,
            "unit": m.unit,
            "better": BETTER.get(m.better, m.better),
            "run summary": m.summary_label.removeprefix(m.label).strip(" ()"),
            "what it means": m.description,
        }
        for m in RUN_METRICS.values()
    ]
    return pd.DataFrame(rows)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def metrics_section() -> None:
    """The registered run metrics, straight from the registry, and what the new ones mean."""
    st.markdown(
        f"Every run is summarised by the same {len(RUN_METRICS)} metrics on Compare, in "
        "sweeps and by `crunch run`; Explore's KPI row shows six of them week by week, with "
        "the same labels. Output value, efficiency, Nash welfare and envy "
        "value holdings with the teams' own production (*Behaviour models → Values from "
        "production*), never with their bids. Idle tranches and utilisation count against the "
        "usable (online) fleet."
    )
    table = metrics_table()
    header = "| " + " | ".join(table.columns) + " |"
    lines = [header, "|" + "---|" * len(table.columns)]
    lines += [
        "| " + " | ".join(_cell(v) for v in row) + " |" for row in table.itertuples(index=False)
    ]
    st.markdown("\n".join(lines))
    st.markdown("#### Definitions")
    for card in WELFARE:
        _card(card)


PAGES = {"explore": "ui/pages/explore.py", "compare": "ui/pages/compare.py"}


def walkthrough_section() -> None:
    """A 20-minute classroom plan using the presets."""
    st.markdown(
        "A 20-minute session for a room with one projector. Each step names the presets it "
        "uses; its buttons load one and open the page the step needs."
    )
    available = set(list_presets())
    for i, (when, presets, page, title, text) in enumerate(WALKTHROUGH):
        with st.container(border=True):
            st.markdown(f"#### {when} · {title}")
            for preset in presets:
                if preset in available:
                    st.caption(f"Preset **{preset}**: {load_scenario(preset).description}")
            st.markdown(text)
            with st.container(horizontal=True):
                for preset in presets:
                    if preset in available and st.button(
                        f"Load {preset}, open {page.capitalize()}",
                        key=f"walk_{i}_{preset}",
                        icon=":material/open_in_new:",
                    ):
                        scenario_picker.open_preset(preset)
                        st.switch_page(PAGES[page])


WORKSHOP_PAGES = {
    "host": "Host",
    "play": "Play (players)",
    "projector": "Projector",
    "debrief": "Debrief",
}


def workshop_section() -> None:
    """A 90-minute live workshop using the Workshop pages."""
    st.markdown(
        "A 90-minute live workshop: everyone plays a team from their own phone or laptop, "
        "bots play the rest, and you run it from the **Host** page: rounds under one rule, "
        "a rule change, then the debrief."
    )
    st.page_link("ui/pages/host.py", label="Open Host", icon=":material/co_present:")
    for when, page, title, text in WORKSHOP_PLAN:
        with st.container(border=True):
            st.markdown(f"#### {when} · {title}")
            st.caption(f"Page: {WORKSHOP_PAGES[page]}")
            st.markdown(text)


st.title("Learn", anchor=False)
st.caption(
    "The rules of exchange, the behaviour of the teams and how outcomes are measured, in "
    "plain words, with the formulas the model uses and where they come from."
)
tabs = st.tabs(
    [
        "Allocation rules",
        "Behaviour models",
        "Welfare metrics",
        "Classroom walk-through",
        "Workshop (90 min)",
    ],
    key="learn_tab",
    on_change="rerun",
)
SECTIONS = (
    mechanisms_section,
    behaviour_section,
    metrics_section,
    walkthrough_section,
    workshop_section,
)
for tab, body in zip(tabs, SECTIONS, strict=True):
    if tab.open:
        with tab:
            body()
