"""The Play page's read-only parts: the team, host messages, rule changes, results.

What the team got and paid comes with "why did I get this?" in plain words.

One column throughout (metrics wrap in a horizontal container), so it reads on a phone.
Only the seat's own team is shown: other teams appear by name only.
"""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from ui.labels import choice_label, mechanism_label
from ui.text import md_escape
from workshop import SeatView
from workshop.seat_story import SeatStory

__all__ = ["messages", "pending_rules", "result", "stress_words", "team", "your_weeks"]


def stress_words(stress: float) -> str:
    """How stressed a team is, in words (stress runs 0-1)."""
    if stress < 0.25:
        return "calm"
    if stress < 0.5:
        return "uneasy"
    if stress < 0.75:
        return "stressed"
    return "in crisis"


def team(view: SeatView, story: SeatStory) -> None:
    """The team: kind, GPUs held and needed, credits, stress, project or product."""
    st.subheader(f"{md_escape(view.team)} · {view.kind} team", anchor=False)
    gpt = view.gpus_per_tranche
    gap = view.need_tranches - view.tranches
    with st.container(horizontal=True, key="play_team_metrics"):
        st.metric(
            "GPUs held",
            f"{view.tranches * gpt:,.0f}",
            help=f"{view.tranches:,.0f} tranches of {gpt:,} GPUs",
            border=True,
            width=150,
        )
        st.metric(
            "GPUs needed",
            f"{view.need_tranches * gpt:,.0f}",
            help=f"{view.need_tranches:,.1f} tranches of {gpt:,} GPUs",
            border=True,
            width=150,
        )
        st.metric("Credits", f"{view.budget:,.0f}", border=True, width=150)
        st.metric(
            f"Stress ({stress_words(story.stress)})", f"{story.stress:.2f}", border=True, width=150
        )
    if gap > 0.5:
        st.warning(
            f"Will you get your compute? You are {gap * gpt:,.0f} GPUs ({gap:,.1f} tranches) "
            "short of what you need.",
            icon=":material/hourglass_top:",
        )
    else:
        st.success("You hold what you need this week.", icon=":material/check_circle:")
    if story.project is not None:
        p = story.project
        st.markdown(
            f"**Project:** {p.done:.0%} done, deadline in **{p.weeks_left} week(s)** "
            f"(week {p.age} of {p.duration}); {p.milestones} milestone(s) hit. "
            f"{story.headcount} people."
        )
        st.progress(p.done)
    elif story.kind == "research":
        st.markdown(f"**Project:** none running; a new one may start. {story.headcount} people.")
    if story.demand is not None:
        st.markdown(
            f"**Product demand:** your users need about **{story.demand:,.0f} GPUs** of "
            f"serving; {story.tiers_open} paid tier(s) open. {story.headcount} people."
        )


def messages(view: SeatView) -> None:
    """Messages from the host, newest first (the latest three open, the rest folded)."""
    if not view.messages:
        return
    newest = list(reversed(view.messages))
    for text in newest[:3]:
        st.info(f"**Host:** {md_escape(text)}", icon=":material/campaign:")
    if len(newest) > 3:
        with st.expander(f"{len(newest) - 3} earlier message(s)"):
            for text in newest[3:]:
                st.markdown(f"- {md_escape(text)}")


def _rule_words(key: str, value: object) -> str:
    if key == "market.mechanism":
        return f"the allocation rule becomes **{md_escape(mechanism_label(str(value)))}**"
    if key == "governance.mode":
        return f"governance becomes **{md_escape(choice_label(str(value)))}**"
    return f"`{md_escape(key)}` becomes **{md_escape(value)}**"


def pending_rules(view: SeatView) -> None:
    """The rule change the host announced for the next round (if any)."""
    st.caption(f"Rule in force: **{md_escape(view.rule)}**")
    if view.pending_rules:
        changes = "; ".join(_rule_words(k, v) for k, v in view.pending_rules.items())
        st.warning(f"Rule change from the next round: {changes}.", icon=":material/gavel:")


def result(story: SeatStory) -> None:
    """What the team got and paid in the latest clearing, and why (in plain words)."""
    last = story.last
    if last is None:
        st.caption("No round has cleared yet: your results appear here after bidding closes.")
        return
    st.markdown(f"**Your result** (week {last.week + 1}, {md_escape(last.rule)})")
    price = "—" if math.isnan(last.price) else f"{last.price:,.1f}"
    with st.container(horizontal=True, key="play_result_metrics"):
        st.metric("Tranches won", f"{last.won:,.0f}", border=True, width=150)
        st.metric("Credits paid", f"{last.paid:,.1f}", border=True, width=150)
        st.metric("Price per tranche", price, border=True, width=150)
    with st.expander("Why did I get this?", expanded=True):
        st.markdown(md_escape(last.text))
        if last.bids:
            st.table(
                pd.DataFrame(
                    {
                        "tranche": range(1, len(last.bids) + 1),
                        "your bid": [round(b, 1) for b in last.bids],
                        "your value": [round(v, 1) for v in last.values],
                    }
                ),
                hide_index=True,
                border="horizontal",
            )


def your_weeks(story: SeatStory) -> None:
    """The team's weeks so far (own team only)."""
    if not story.weeks:
        return
    weeks = st.expander("Your weeks so far", key="play_weeks", on_change="rerun")
    if not weeks.open:  # drawn only while open: every player's page reruns at each close
        return
    with weeks:
        st.dataframe(
            {
                "week": [w.week + 1 for w in story.weeks],
                "tranches held": [round(w.tranches, 1) for w in story.weeks],
                "won": [round(w.won, 1) for w in story.weeks],
                "paid": [round(w.paid, 1) for w in story.weeks],
                "price": [None if math.isnan(w.price) else round(w.price, 1) for w in story.weeks],
                "credits": [round(w.credits) for w in story.weeks],
                "stress": [round(w.stress, 2) for w in story.weeks],
                "output": [round(w.output, 1) for w in story.weeks],
            },
            hide_index=True,
            width="stretch",
        )
