"""Learn: the allocation rules and behaviour models in plain words, and a classroom plan.

Everything about a mechanism (label, properties, description, formula, how to read it,
source) comes from its descriptor in ``market.MECHANISMS``, so a rule a plugin registers
is explained here too; strategy descriptions come from ``STRATEGIES`` and the preset
descriptions from the preset files. The behaviour formulas follow ``MODEL-REFERENCE.md``
and the docstrings of ``agents/``.
"""

from __future__ import annotations

import streamlit as st

import market
from agents.strategies import STRATEGIES
from game import list_presets, load_scenario
from ui import scenario_picker

BEHAVIOUR: list[tuple[str, str, list[str], str]] = [
    (
        "Stress",
        "Each week a team's stress (0 calm … 1 maximal) rises with its compute deficit d, "
        "deadline urgency u, losing the auction L, envy e of better-off teams and having "
        "tranches reclaimed R; it recovers when the team is not short. Contagion C comes from "
        "its neighbours in the org network.",
        [
            r"s \leftarrow \operatorname{clip}_{[0,1]}\Big(s + \Delta t\,[k_d d + k_u u + k_L L "
            r"+ k_e e + k_R R - k_r\, s\,(1-d)] + C\Big)",
            r"d = \max\left(0,\ 1 - \tfrac{\text{held}}{\text{needed}}\right),\qquad "
            r"u = \left(\tfrac{\text{elapsed}}{\text{deadline}}\right)^2",
        ],
        "Job demands–resources: Demerouti, Bakker, Nachreiner & Schaufeli (2001), "
        "*J. Appl. Psychol.* 86. Envy as relative deprivation: Yitzhaki (1979), *QJE* 93.",
    ),
    (
        "Performance under pressure (Yerkes–Dodson)",
        "Some pressure helps, too much hurts: output is multiplied by an inverted U of stress, "
        "peaking at s* (lower for complex research work, higher for product work). The "
        "inverted U is contested, so a monotone-decline form is available too.",
        [r"m(s) = m_{\min} + (1 - m_{\min})\,\exp\!\left(-\frac{(s - s^\ast)^2}{2w^2}\right)"],
        "Yerkes & Dodson (1908), *J. Comp. Neurol. Psychol.* 18; critique: Teigen (1994), "
        "*Theory & Psychology* 4.",
    ),
    (
        "Burnout and attrition",
        "Above a threshold θ stress turns into burnout, which builds faster than it heals. "
        "Burnout cuts output by (1 − b) and raises the chance that people leave.",
        [
            r"b \leftarrow b + \Delta t\,[a_b \max(0, s - \theta_b) - r_b\, b\,(1 - s)]",
            r"h = h_0 \exp(\kappa_b\, b + \kappa_e\, e)\quad\text{(monthly hazard of leaving)}",
        ],
        "Homer (1985), 'Worker burnout: a dynamic model', *System Dynamics Review* 1.",
    ),
    (
        "Contagion: Bosse–Treur",
        "Stress spreads along ties. Sender expressiveness ε, channel strength α and receiver "
        "openness δ set how strongly; the receiver moves towards its neighbours' weighted mean "
        "q*, amplified upwards (η, β) or simply absorbed.",
        [
            r"\gamma_{SR} = \varepsilon_S\,\alpha_{SR}\,\delta_R,\qquad "
            r"q^\ast = \frac{\sum_S \gamma_{SR}\, q_S}{\gamma_R}",
            r"\Delta q_R = \rho\,\frac{\gamma_R}{1+\gamma_R}\Big[\eta\big(\beta(1-(1-q^\ast)"
            r"(1-q_R)) + (1-\beta)\,q^\ast q_R\big) + (1-\eta)\,q^\ast - q_R\Big]",
        ],
        "Bosse, Duell, Memon, Treur & van der Wal (2015), 'Agent-based modeling of emotion "
        "contagion in groups', *Cognitive Computation* 7; ASCRIBE: Hoogendoorn, Treur, "
        "van der Wal & van Wissen (2010).",
    ),
    (
        "Contagion: SISa",
        "Emotions as an infection: a calm team becomes stressed spontaneously (a) or from each "
        "stressed neighbour (β), and calms down at rate g.",
        [
            r"P(\text{calm} \to \text{stressed}) = 1 - e^{-(a + \beta k)},\qquad "
            r"P(\text{stressed} \to \text{calm}) = g"
        ],
        "Hill, Rand, Nowak & Christakis (2010), 'Emotions as infectious diseases in a large "
        "social network: the SISa model', *Proc. R. Soc. B* 277.",
    ),
    (
        "Research output (Cobb–Douglas or CES)",
        "Research progress comes from people L and GPUs G with decreasing returns, scaled by "
        "performance under stress and burnout. Whether people and compute substitute (σ > 1) "
        "or complement each other is disputed, so CES with elasticity σ is an option.",
        [
            r"R = A\, L^{\alpha}\, G^{\beta}\, m(s)\,(1 - b)",
            r"R = A\,\big[\theta L^{\rho} + (1-\theta)\, G^{\rho}\big]^{1/\rho},\qquad "
            r"\sigma = \frac{1}{1-\rho}",
        ],
        "Cobb & Douglas (1928), *AER* 18; Whitfill & Wu (2025) on compute–labour substitution "
        "in AI research.",
    ),
    (
        "Product latency and value",
        "GPUs become serving capacity; the closer demand gets to capacity, the slower the "
        "product; slow products lose users. Spare capacity lets a team open paid features to "
        "the next tier, which raises demand.",
        [
            r"\rho = \frac{D}{C},\qquad T = \frac{S}{(1-\rho)^{k}}",
            r"V = \text{price}\cdot \min(D, C)\cdot e^{-T/\tau}",
        ],
        "The latency curve is a stand-in for a queue (k = 1 is the M/M/1 mean): Kleinrock, "
        "*Queueing Systems*, vol. 1 (1975). Calibration notes: MODEL-REFERENCE §2.",
    ),
    (
        "Negotiation (Faratin concession)",
        "After the market, teams short of GPUs borrow from teams with a surplus. Each side "
        "concedes from its opening offer towards its reservation price as the deadline nears; "
        "β < 1 holds firm until late (Boulware), β > 1 gives in early (Conceder). Stress "
        "shortens deadlines and speeds concession.",
        [
            r"\alpha(t) = \kappa + (1 - \kappa)\left(\frac{t}{t_{\max}}\right)^{1/\beta}",
            r"\text{offer}(t) = \text{anchor} + \alpha(t)\,(\text{reservation} - \text{anchor})",
        ],
        "Faratin, Sierra & Jennings (1998), *Robotics and Autonomous Systems* 24; Rubinstein "
        "(1982), *Econometrica* 50.",
    ),
]

WALKTHROUGH: list[tuple[str, tuple[str, ...], str, str, str]] = [
    # (time, presets to load, page they open, title, what to do and ask)
    (
        "0–4 min",
        ("classroom",),
        "explore",
        "Meet the lab",
        "Load **classroom**. Five research teams, three product teams and a reallocation "
        "group share a scarce fleet. Press **Step** three times and read the KPI row: who is "
        "short? Open *Network & teams* and click the reddest node. Ask: *what made this team "
        "stressed — the deficit, a lost auction, or its neighbours?*",
    ),
    (
        "4–8 min",
        (),
        "explore",
        "Relief arrives",
        "Carry on with the same game: press **Play** and watch week 10, when 20 tranches go "
        "live. Does stress fall everywhere at once? Open *Pressure* (the heat map) and "
        "*Market* (price). Pick a team, choose a week under *Why did I get this?* and read "
        "its bids against the price. Ask: *would it have done better under another rule on "
        "the same bids?*",
    ),
    (
        "8–12 min",
        ("scarcity", "stargate"),
        "explore",
        "Scarcity versus a build-out",
        "Load **scarcity**, press **Run all 52 weeks**, note mean stress, idle GPUs and "
        "output. Then load **stargate** and run it again. Ask: *does doubling the fleet end "
        "the crunch?* (Watch ambitions grow with the fleet: new projects want more.)",
    ),
    (
        "12–15 min",
        ("launch-crunch",),
        "explore",
        "A launch",
        "Load **launch-crunch** and run it. In week 16 product demand jumps. Compare GPUs by "
        "team before and after, and research output. Then switch *Governance* to **Split by "
        "division** (a fixed research share of the pool) and apply. Ask: *who should protect "
        "research when product is on fire — the market or leadership?*",
    ),
    (
        "15–19 min",
        ("lab-2025",),
        "compare",
        "Switch the mechanism",
        "Load **lab-2025**, open **Compare**: A is the uniform-price market, B the leadership "
        "committee, five seeds. Read the table and the scatter side by side: efficiency, "
        "fairness, stress and output, and which differences are clear rather than noise. "
        "Try B = Vickrey or max-min fair. Ask: *which rule would you choose for this lab, "
        "and why? What would the teams do to game it?*",
    ),
    (
        "19–20 min",
        (),
        "",
        "Debrief",
        "Three questions: which rule felt fairest to the teams and which was fairest by the "
        "numbers? Where did stress come from — scarcity itself or the way it was shared? What "
        "would you change in your own organisation's allocation?",
    ),
]


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
    st.caption(
        "Auction fever: Ku, Malhotra & Murnighan (2005), *Organ. Behav. Hum. Decis. Process.* "
        "96. Demand reduction under uniform pricing: Ausubel et al. (2014)."
    )


def behaviour_section() -> None:
    """Each behaviour model in plain words, with its formula and source."""
    st.markdown(
        "How getting (or not getting) compute turns into pressure, and pressure into output. "
        "Every coefficient below is a rule you can change on Explore (*Stress*, "
        "*Productivity*) or in a scenario file."
    )
    for title, words, formulas, source in BEHAVIOUR:
        with st.container(border=True):
            st.markdown(f"#### {title}")
            st.markdown(words)
            for f in formulas:
                st.latex(f)
            st.caption(f"Source: {source}")


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


st.title("Learn", anchor=False)
st.caption(
    "The rules of exchange and the behaviour of the teams, in plain words, with the formulas "
    "the model uses and where they come from."
)
tabs = st.tabs(
    ["Allocation rules", "Behaviour models", "Classroom walk-through"],
    key="learn_tab",
    on_change="rerun",
)
SECTIONS = (mechanisms_section, behaviour_section, walkthrough_section)
for tab, body in zip(tabs, SECTIONS, strict=True):
    if tab.open:
        with tab:
            body()
