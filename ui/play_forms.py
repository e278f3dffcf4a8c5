"""The Play page's forms: the bid and the loan offers panel.

The bid is a few steps of "n tranches at up to p credits"; the offers panel proposes a
loan and accepts, rejects or counters the offers made to the seat.

Every action runs in an ``on_click`` callback with the seat's token (the seat is never
taken from a field), is checked before it is sent, and leaves one line in
``st.session_state[NOTICE]`` saying what happened or what was wrong (naming the field).

Stable widget keys (for browser tests): ``play_step{1..3}_units``, ``play_step{1..3}_price``,
``play_submit_bid``; ``play_offer_team``, ``play_offer_direction``, ``play_offer_units``,
``play_offer_price``, ``play_offer_weeks``, ``play_offer_send``; per offer to the seat
``play_accept_{id}``, ``play_reject_{id}``, ``play_counter_price_{id}``, ``play_counter_{id}``.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.text import md_escape
from workshop import OfferView, SeatView, Workshop, WorkshopError
from workshop.player import MAX_LOAN_WEEKS
from workshop.seat_story import SeatStory
from workshop.validate import bid_steps

__all__ = ["NOTICE", "STEPS", "bid_form", "check_bid", "offer_words", "offers_panel"]

#: Session-state key of the last action's outcome: ``(kind, text)``.
NOTICE = "play_notice"
#: Steps in the bid form.
STEPS = 3
LEND, BORROW = "Lend tranches to them", "Borrow tranches from them"


def _notice(kind: str, text: str) -> None:
    st.session_state[NOTICE] = (kind, text)


def check_bid(steps: list[tuple[int, float]], max_units: int, budget: float) -> str | None:
    """What is wrong with a bid before it is sent (None: nothing).

    Args:
        steps: ``(tranches, price)`` per step, as typed.
        max_units: Most tranches a team may bid for in a week.
        budget: The team's credits.
    """
    try:
        clean = bid_steps(steps, max_units)
    except WorkshopError as err:
        return str(err)
    if not clean:
        return "tranches: ask for at least 1 tranche in one step"
    total = sum(u * p for u, p in clean)
    if total > budget + 1e-9:
        return f"bid total = {total:,.0f} credits is over your budget of {budget:,.0f}"
    return None


def _typed_steps(uses_money: bool) -> list[tuple[int, float]]:
    steps = []
    for n in range(1, STEPS + 1):
        units = st.session_state.get(f"play_step{n}_units") or 0
        price = st.session_state.get(f"play_step{n}_price") if uses_money else 0.0
        steps.append((int(units), float(price or 0.0)))
    return steps


def _send_bid(ws: Workshop, token: str, max_units: int, budget: float, uses_money: bool) -> None:
    steps = _typed_steps(uses_money)
    problem = check_bid(steps, max_units, budget)
    if problem is not None:
        _notice("error", problem)
        return
    try:
        ws.submit_bid(token, [s for s in steps if s[0] > 0])
    except WorkshopError as err:
        _notice("error", str(err))
        return
    units = sum(u for u, _ in steps)
    _notice("success", f"Bid sent: {units} tranche(s). You can change it until bidding closes.")


def _value_words(values: tuple[float, ...], first: int, units: int) -> str:
    """Your value for tranches ``first``..``first + units - 1`` (1-based), in words."""
    if units <= 0 or not values:
        return "—"
    last = min(first + units - 1, len(values))
    if first > len(values):
        return "beyond what you can use"
    vals = values[first - 1 : last]
    if len(vals) == 1:
        return f"tranche {first} is worth {vals[0]:,.1f} credits to you"
    return f"tranches {first}–{last} are worth {vals[0]:,.1f} → {vals[-1]:,.1f} credits each"


def bid_form(ws: Workshop, token: str, view: SeatView, story: SeatStory) -> None:
    """The bid: up to :data:`STEPS` steps, each with your value for its tranches beside it."""
    values = view.values
    if values:
        st.markdown("**What each extra tranche is worth to you this round** (credits)")
        # A static table: a room of phones draws it far faster than an interactive grid.
        st.table(
            pd.DataFrame(
                {"tranche": range(1, len(values) + 1), "value": [round(v, 1) for v in values]}
            ),
            hide_index=True,
            border="horizontal",
        )
    how = (
        "Each step reads: up to **n tranches at up to p credits each**. Higher steps first; "
        "you pay at most what you bid (the rule sets the price)."
        if story.uses_money
        else f"Under {md_escape(view.rule)} no credits change hands: say how many tranches "
        "you ask for (the rule shares by need, priority or chance)."
    )
    st.caption(how)
    first = 1
    for n in range(1, STEPS + 1):
        with st.container(border=True):
            st.markdown(f"Step {n}")
            cols = st.columns(2) if story.uses_money else [st.container()]
            with cols[0]:
                units = st.number_input(
                    "tranches",
                    min_value=0,
                    max_value=view.max_units,
                    value=0,
                    step=1,
                    key=f"play_step{n}_units",
                )
            if story.uses_money:
                with cols[1]:
                    st.number_input(
                        "up to credits each",
                        min_value=0.0,
                        value=0.0,
                        step=5.0,
                        format="%.1f",
                        key=f"play_step{n}_price",
                    )
            st.caption(_value_words(values, first, int(units or 0)))
            first += int(units or 0)
    steps = _typed_steps(story.uses_money)
    total = sum(u * p for u, p in steps)
    if story.uses_money:
        st.caption(f"At most {total:,.0f} of your {view.budget:,.0f} credits.")
    st.button(
        "Send my bid" if view.my_bid is None else "Replace my bid",
        key="play_submit_bid",
        type="primary",
        on_click=_send_bid,
        args=(ws, token, view.max_units, view.budget, story.uses_money),
    )


# ---------------------------------------------------------------------- offers


def offer_words(o: OfferView, me: str) -> str:
    """One offer in words, from the point of view of team ``me``."""
    total = o.units * o.price
    deal = (
        f"{o.units} tranche(s) for {o.weeks} week(s) at {o.price:,.1f} credits each "
        f"({total:,.0f} in all)"
    )
    if o.lender == me:
        return f"you lend {md_escape(o.borrower)} {deal}"
    return f"{md_escape(o.lender)} lends you {deal}"


def _send_offer(ws: Workshop, token: str) -> None:
    ss = st.session_state
    team = ss.get("play_offer_team")
    lend = ss.get("play_offer_direction", LEND) == LEND
    try:
        offer = ws.offer_loan(
            token,
            team,
            ss.get("play_offer_units"),
            ss.get("play_offer_price"),
            ss.get("play_offer_weeks"),
            lend=lend,
        )
    except WorkshopError as err:
        _notice("error", str(err))
        return
    _notice("success", f"Offer {offer} sent to {team}.")


def _answer(ws: Workshop, token: str, offer: int, response: str) -> None:
    price = st.session_state.get(f"play_counter_price_{offer}") if response == "counter" else None
    try:
        ws.answer_offer(token, offer, response, price)
    except WorkshopError as err:
        _notice("error", str(err))
        return
    done = {"accept": "accepted", "reject": "rejected", "counter": "countered"}[response]
    _notice("success", f"Offer {offer} {done}.")


def offers_panel(ws: Workshop, token: str, view: SeatView, story: SeatStory) -> None:
    """Loans this round: agreed ones, offers to you (answer them), yours, and a new offer."""
    me = view.team
    every = [*view.offers_to_me, *view.my_offers]
    agreed = [o for o in every if o.status == "accepted"]
    if agreed:
        st.markdown("**Agreed loans**")
        for o in sorted(agreed, key=lambda o: o.id):
            st.success(f"Deal {o.id}: {offer_words(o, me)}", icon=":material/handshake:")
    open_to_me = [o for o in view.offers_to_me if o.status == "open"]
    if open_to_me:
        st.markdown("**Offers to you**")
    for o in open_to_me:
        with st.container(border=True):
            st.markdown(f"Offer {o.id} from {md_escape(o.from_team)}: {offer_words(o, me)}")
            with st.container(horizontal=True):
                st.button(
                    "Accept",
                    key=f"play_accept_{o.id}",
                    type="primary",
                    on_click=_answer,
                    args=(ws, token, o.id, "accept"),
                )
                st.button(
                    "Reject",
                    key=f"play_reject_{o.id}",
                    on_click=_answer,
                    args=(ws, token, o.id, "reject"),
                )
            st.number_input(
                "counter at credits each",
                min_value=0.0,
                value=float(o.price),
                step=5.0,
                format="%.1f",
                key=f"play_counter_price_{o.id}",
            )
            st.button(
                "Counter",
                key=f"play_counter_{o.id}",
                on_click=_answer,
                args=(ws, token, o.id, "counter"),
            )
    answered = [o for o in every if o.status in ("rejected", "countered", "expired")]
    mine_open = [o for o in view.my_offers if o.status == "open"]
    if mine_open or answered:
        st.markdown("**Other offers this round**")
        for o in sorted([*mine_open, *answered], key=lambda o: o.id):
            st.markdown(f"- Offer {o.id} ({o.status}): {offer_words(o, me)}")
    _new_offer(ws, token, view, story)


def _new_offer(ws: Workshop, token: str, view: SeatView, story: SeatStory) -> None:
    with st.container(border=True):
        st.markdown("**Propose a loan**")
        st.selectbox("Team", story.other_teams, key="play_offer_team")
        st.radio("I want to", [LEND, BORROW], key="play_offer_direction")
        st.number_input("tranches", min_value=1, value=1, step=1, key="play_offer_units")
        st.number_input(
            "credits per tranche (paid once)",
            min_value=0.0,
            value=50.0,
            step=5.0,
            format="%.1f",
            key="play_offer_price",
        )
        st.number_input(
            "weeks", min_value=1, max_value=MAX_LOAN_WEEKS, value=2, step=1, key="play_offer_weeks"
        )
        st.caption(
            f"You hold {view.tranches:,.0f} tranches ({view.tranches * view.gpus_per_tranche:,.0f} "
            f"GPUs) and {view.budget:,.0f} credits; loans are in tranches."
        )
        st.button("Send offer", key="play_offer_send", on_click=_send_offer, args=(ws, token))
