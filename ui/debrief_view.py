"""The Debrief page: each team's story, the rule comparison, and the downloads.

Everything shown comes from :func:`workshop.debrief.build_debrief` (the session's tables
and its counterfactual re-run under another rule); the printable page is
:func:`workshop.debrief_html.debrief_html`. Nothing here computes game results. A debrief
is built once per state of the log and chosen rule and kept in this session, so widgets
do not replay the game again; "Refresh" picks up rounds played since.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import altair as alt
import pandas as pd
import streamlit as st

import market
from ui.downloads import csv_bytes
from ui.labels import mechanism_label
from ui.text import md_escape, safe_filename
from workshop import Workshop, WorkshopError
from workshop.debrief import Debrief, build_debrief, default_counterfactual_rule
from workshop.debrief_html import debrief_html
from workshop.live import version

__all__ = ["CACHE_KEY", "Download", "debrief", "downloads", "rules_line", "story_lines", "verdict"]

#: Session-state key: ((workshop, last action, rule), Debrief) of the last debrief built.
CACHE_KEY = "debrief_cache"
RULE_KEY = "debrief_rule"


@dataclass(frozen=True)
class Download:
    """One download: its name, button label, file name, type and the bytes (made on click)."""

    name: str
    label: str
    file_name: str
    mime: str
    data: Callable[[], bytes]


def _get(ws: Workshop, rule: str) -> Debrief:
    """The debrief of ``ws`` against ``rule`` as the log stands (built once per state)."""
    key = (ws.id, version(ws)[0], rule)
    held = st.session_state.get(CACHE_KEY)
    if held is not None and held[0] == key:
        return held[1]
    with st.spinner(f"Replaying the session under {mechanism_label(rule)}…"):
        d = build_debrief(ws, rule)
    st.session_state[CACHE_KEY] = (key, d)
    return d


def verdict(better: str, difference: float) -> str:
    """``better``/``worse``/``same`` for a difference (counterfactual − session)."""
    if not better or abs(difference) < 1e-9:
        return "same"
    return "better" if (difference > 0) == (better == "higher") else "worse"


def _n(count: float, word: str) -> str:
    """``count`` and ``word``, plural unless it is one (``1 GPU``, ``3 GPUs``)."""
    return f"{count:,.0f} {word}{'' if round(count) == 1 else 's'}"


def rules_line(rounds: pd.DataFrame) -> str:
    """Which rule cleared which rounds: ``Uniform price (rounds 1-2), then Vickrey (round 3)``."""
    spans: list[tuple[str, int, int]] = []
    for r in rounds.itertuples():
        rule = str(r.rule)
        if spans and spans[-1][0] == rule:
            spans[-1] = (rule, spans[-1][1], int(r.round))
        else:
            spans.append((rule, int(r.round), int(r.round)))
    parts = [
        f"**{mechanism_label(rule)}** (round {a})" if a == b
        else f"**{mechanism_label(rule)}** (rounds {a}-{b})"
        for rule, a, b in spans
    ]  # fmt: skip
    return ", then ".join(parts)


def story_lines(d: Debrief, seat: int) -> list[str]:
    """Seat ``seat``'s rounds in plain words, one line per round (markdown-safe)."""
    team = d.seat_teams[seat]
    offers = d.offers[d.offers["status"] == "accepted"]
    lines = []
    for r in d.seat_rounds[d.seat_rounds["seat"] == seat].itertuples():
        if r.played_by == "person":
            who = f"the player bid for {_n(r.tranches_bid, 'tranche')}"
        else:
            who = "the bot played"
        text = (
            f"**Round {r.round}** ({who}): bid {r.bid:,.0f} credits, won {r.won:,.0f} and paid "
            f"{r.paid:,.0f}; ended with {_n(r.gpus, 'GPU')} at stress {r.stress:.2f}; output "
            f"worth {r.output_value:,.0f} credits."
        )
        for o in offers[offers["round"] == r.round].itertuples():
            if team == o.borrower:
                text += (
                    f" Borrowed {_n(o.tranches, 'tranche')} from {md_escape(o.lender)} at "
                    f"{o.price:,.0f} credits each for {_n(o.weeks, 'week')}."
                )
            elif team == o.lender:
                text += (
                    f" Lent {_n(o.tranches, 'tranche')} to {md_escape(o.borrower)} at "
                    f"{o.price:,.0f} credits each for {_n(o.weeks, 'week')}."
                )
        lines.append(text)
    return lines


def downloads(d: Debrief) -> list[Download]:
    """The debrief's downloads: every table as CSV, and the whole HTML page."""
    stem = f"{safe_filename(d.scenario, 'workshop')}-{d.workshop}"
    tables = {
        "rounds": ("Rounds", d.rounds),
        "teams": ("Teams", d.teams),
        "seat-rounds": ("Seated teams by round", d.seat_rounds),
        "offers": ("Loan offers", d.offers),
        "timeline": ("Rule changes and messages", d.timeline),
        "comparison": ("Rule comparison", d.comparison),
        "seat-comparison": ("Seated teams compared", d.seat_comparison),
    }
    out = [
        Download(
            "html",
            "The debrief page (HTML)",
            f"{stem}-debrief.html",
            "text/html",
            lambda: debrief_html(d).encode("utf-8"),
        )
    ]
    for name, (label, frame) in tables.items():
        out.append(
            Download(
                name,
                f"{label} (CSV)",
                f"{stem}-{name}.csv",
                "text/csv",
                lambda frame=frame: csv_bytes(frame),
            )
        )
    return out


def _by_round_chart(d: Debrief) -> alt.Chart:
    """GPUs, stress and output of the seated teams over the rounds."""
    long = d.seat_rounds.melt(
        id_vars=["round", "team"],
        value_vars=["gpus", "stress", "output_value"],
        var_name="measure",
        value_name="value",
    )
    long["measure"] = long["measure"].map(
        {"gpus": "GPUs held", "stress": "stress", "output_value": "output value (credits)"}
    )
    return (
        alt.Chart(long)
        .mark_line(point=True)
        .encode(
            x=alt.X("round:O", title="round"),
            y=alt.Y("value:Q", title=None),
            color=alt.Color("team:N", title="seated team"),
            tooltip=["team", "round", "measure", alt.Tooltip("value:Q", format=",.2f")],
        )
        .properties(width=220, height=180)
        .facet(column=alt.Column("measure:N", title=None))
        .resolve_scale(y="independent")
    )


def _weeks_chart(d: Debrief) -> alt.Chart:
    """Output value per week: what happened against the counterfactual."""
    here = d.session.weeks[["week", "output_value"]].assign(run=f"session ({d.rule})")
    there = d.counterfactual.weeks[["week", "output_value"]].assign(run=d.counterfactual_rule)
    return (
        alt.Chart(pd.concat([here, there], ignore_index=True))
        .mark_line(point=True)
        .encode(
            x=alt.X("week:O", title="week"),
            y=alt.Y("output_value:Q", title="output value per week (credits)"),
            color=alt.Color("run:N", title=None),
            strokeDash=alt.StrokeDash("run:N", title=None),
        )
        .properties(height=240)
    )


def _stories(d: Debrief) -> None:
    st.header("Each team's story")
    st.altair_chart(_by_round_chart(d))
    tabs = st.tabs([f"{md_escape(team)} (seat {seat})" for seat, team in d.seat_teams.items()])
    for tab, seat in zip(tabs, d.seat_teams, strict=True):
        with tab:
            st.markdown("\n".join(f"- {line}" for line in story_lines(d, seat)))
    with st.expander("Every team (bots included): totals over the weeks played"):
        st.dataframe(d.teams, hide_index=True, key="debrief_teams")
    with st.expander("Round by round, and what the host changed"):
        st.dataframe(d.rounds, hide_index=True, key="debrief_rounds")
        st.dataframe(d.timeline, hide_index=True, key="debrief_timeline")
    with st.expander("Loan offers"):
        st.dataframe(d.offers, hide_index=True, key="debrief_offers")


def _comparison(d: Debrief) -> None:
    other = mechanism_label(d.counterfactual_rule)
    st.header(f"What happened, and the same session under {other}")
    st.caption(
        "The log replayed from the same seed under the other rule: each player bids the "
        "same share of each tranche's value as they did, bots bid as bots do, agreed loans "
        "and the host's other rule changes are kept."
    )
    table = d.comparison.assign(
        verdict=[
            verdict(b, x)
            for b, x in zip(d.comparison["better"], d.comparison["difference"], strict=True)
        ]
    )
    shown = table[["label", "unit", "session", "counterfactual", "difference", "verdict"]]
    shown = shown.rename(
        columns={"session": f"what happened ({d.rule})", "counterfactual": d.counterfactual_rule}
    )
    st.dataframe(shown.round(4), hide_index=True, key="debrief_comparison")
    seats = d.seat_comparison.rename(
        columns={
            "gpus_session": "mean GPUs: session",
            "gpus_counterfactual": f"mean GPUs: {d.counterfactual_rule}",
            "value_session": "output value: session",
            "value_counterfactual": f"output value: {d.counterfactual_rule}",
        }
    )
    st.dataframe(seats.round(1), hide_index=True, key="debrief_seat_comparison")
    st.altair_chart(_weeks_chart(d))


def _downloads(d: Debrief) -> None:
    st.header("Downloads")
    cols = st.columns(2)
    for i, item in enumerate(downloads(d)):
        cols[i % 2].download_button(
            item.label,
            data=item.data,
            file_name=item.file_name,
            mime=item.mime,
            on_click="ignore",
            icon=":material/download:",
            key=f"debrief_dl_{item.name}",
        )


def debrief(ws: Workshop) -> None:
    """The whole Debrief page for ``ws`` (the host link already checked)."""
    st.title(f"Debrief: {md_escape(ws.scenario.name)}")
    status = ws.status()
    played = status.week // ws.weeks_per_round
    st.caption(
        f"Workshop `{ws.id}` · {played} of {ws.rounds} rounds played"
        + ("" if status.phase == "finished" else " so far (Refresh after the next ones)")
    )
    names = list(market.MECHANISMS)
    first = ws.scenario.clearing_rule
    default = default_counterfactual_rule(first)
    cols = st.columns([3, 1], vertical_alignment="bottom")
    rule = cols[0].selectbox(
        "Compare with the same session under",
        names,
        index=names.index(default) if default in names else 0,
        format_func=mechanism_label,
        key=RULE_KEY,
    )
    cols[1].button("Refresh", icon=":material/refresh:", key="debrief_refresh")
    try:
        d = _get(ws, str(rule))
    except WorkshopError as err:
        st.info(f"{md_escape(err)}. Come back after the first round closes.")
        return
    seated = ", ".join(f"{md_escape(t)} (seat {s})" for s, t in d.seat_teams.items())
    st.markdown(f"Played under {rules_line(d.rounds)}. Seated teams: {seated}.")
    _stories(d)
    _comparison(d)
    _downloads(d)
