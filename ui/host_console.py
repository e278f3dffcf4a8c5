"""The host console: the round and its clock, who joined and bid, and every host control.

Drawn for a workshop whose host link the page was opened with (:mod:`ui.pages.host`
checks it). The clock redraws each poll; anything else that changes (a bid, a window
closing, a seat handed over) reruns the page through :func:`ui.workshop_live.poll`.
Controls are ``on_click`` callbacks in :mod:`ui.host_actions`; each says what it did.
"""

from __future__ import annotations

import time

import pandas as pd
import streamlit as st

import market
from game.world.rules import changed_scenario
from ui import host_actions, join_sheet
from ui.host_create import base_url
from ui.labels import mechanism_label
from ui.text import md_escape
from ui.workshop_live import poll
from workshop import Status, Workshop
from workshop.activity import seat_activity

__all__ = ["PHASES", "clock_line", "console", "seats_table"]

#: How each phase reads on the console.
PHASES = {
    "waiting": "not started",
    "bidding": "bidding",
    "negotiating": "negotiating loans",
    "closed": "between rounds",
    "finished": "finished",
}
EXTEND_CHOICES = (30, 60, 120, 300)


def clock_line(status: Status) -> str:
    """The round, its phase and the time left, on one line (markdown)."""
    if status.phase == "waiting":
        return f"**{status.rounds} rounds** · not started: open round 1 when the room is ready"
    if status.phase == "finished":
        return f"**All {status.rounds} rounds played** · open the Debrief"
    head = f"**Round {status.round + 1} of {status.rounds}** · {PHASES[status.phase]}"
    if status.paused:
        return f"{head} · :orange[timer paused]"
    if status.seconds_left is None:
        return head
    left = round(status.seconds_left)
    return f"{head} · **{left // 60}:{left % 60:02d}** left"


def seats_table(ws: Workshop, status: Status) -> pd.DataFrame:
    """Per seat: team, who plays it, its link, whether its player joined and bid this round."""
    activity = seat_activity(ws)
    now = time.time()
    rows = []
    for s in status.seats:
        seen = activity.get(s.seat)
        rows.append(
            {
                "seat": s.seat,
                "team": s.team,
                "played by": "bot (handed over)" if s.mode == "bot" else "person",
                "link": "withdrawn" if s.revoked else "active",
                "joined": seen is not None,
                "last action": "" if seen is None else f"{max(0, now - seen.last):.0f} s ago",
                "bid this round": s.submitted,
            }
        )
    return pd.DataFrame(rows)


def _clock(ws: Workshop) -> None:
    st.markdown(clock_line(ws.status()))


def _round_controls(ws: Workshop, host: str, status: Status) -> None:
    number, phase = status.round, status.phase
    cols = st.columns(4)
    if phase in ("waiting", "closed"):
        cols[0].button(
            f"Open round {number + 2}",
            type="primary",
            icon=":material/play_arrow:",
            key="host_open",
            on_click=host_actions.open_round,
            args=(ws, host),
        )
    elif phase == "bidding":
        cols[0].button(
            "Close bidding now",
            type="primary",
            icon=":material/gavel:",
            key="host_close_bidding",
            help="Bots bid for the seats that did not; the market clears; negotiation opens.",
            on_click=host_actions.close_bidding,
            args=(ws, host, number),
        )
    if phase in ("bidding", "negotiating"):
        cols[1].button(
            "Close the round now",
            icon=":material/skip_next:",
            key="host_close_round",
            help="Finish this round without waiting for the slowest: bots play silent seats.",
            on_click=host_actions.close_round,
            args=(ws, host, number),
        )
        if status.paused:
            cols[2].button(
                "Resume timer",
                icon=":material/play_circle:",
                key="host_resume",
                on_click=host_actions.resume,
                args=(ws, host),
            )
        else:
            cols[2].button(
                "Pause timer",
                icon=":material/pause_circle:",
                key="host_pause",
                on_click=host_actions.pause,
                args=(ws, host),
            )
        with cols[3]:
            seconds = st.selectbox(
                "Extend by",
                EXTEND_CHOICES,
                format_func=lambda s: f"{s} s",
                key=host_actions.EXTEND_KEY,
                label_visibility="collapsed",
            )
            st.button(
                "Extend",
                icon=":material/more_time:",
                key="host_extend",
                on_click=host_actions.extend,
                args=(ws, host, seconds),
            )
    if phase == "finished":
        st.caption("Every round is played: the Debrief page tells the story.")


def _rules(ws: Workshop, host: str, status: Status) -> None:
    with ws.session() as s:
        scenario = s.model.scenario
        pending = dict(s.pending_rules)
    now = scenario.clearing_rule
    upcoming = changed_scenario(scenario, pending).clearing_rule if pending else now
    next_round = 1 if status.phase == "waiting" else status.round + 2
    st.markdown(f"**Allocation rule now:** {mechanism_label(now)}")
    if upcoming != now:
        st.markdown(f"**From round {next_round}:** {mechanism_label(upcoming)}")
    if status.phase == "finished":
        return
    names = list(market.MECHANISMS)
    st.selectbox(
        "Rule for the next rounds",
        names,
        index=names.index(upcoming) if upcoming in names else 0,
        format_func=mechanism_label,
        key=host_actions.RULE_KEY,
        help="Players see the change at once; it clears the market from the next round.",
    )
    chosen = str(host_actions.chosen(host_actions.RULE_KEY, upcoming))
    st.button(
        "Change the rule",
        icon=":material/rule:",
        key="host_change_rule",
        disabled=chosen == upcoming,
        on_click=host_actions.change_rule,
        args=(ws, host, scenario, chosen),
    )


def _message(ws: Workshop, host: str) -> None:
    st.text_area(
        "Message to every player",
        key=host_actions.MESSAGE_KEY,
        max_chars=500,
        height=80,
        placeholder="e.g. Two minutes left: think about who might lend you GPUs.",
    )
    st.button(
        "Send to everyone",
        icon=":material/campaign:",
        key="host_send",
        on_click=host_actions.broadcast,
        args=(ws, host),
    )


def _seat_controls(ws: Workshop, host: str, status: Status) -> None:
    by_seat = {s.seat: s for s in status.seats}
    seat = st.selectbox(
        "Seat",
        list(by_seat),
        format_func=lambda n: f"{n}: {by_seat[n].team}",
        key=host_actions.SEAT_KEY,
    )
    s = by_seat[seat]
    cols = st.columns(3)
    if s.mode == "bot":
        cols[0].button(
            "Give back to its player",
            icon=":material/person:",
            key="host_seat_human",
            on_click=host_actions.set_mode,
            args=(ws, host, seat, "human"),
        )
    else:
        cols[0].button(
            "Hand to its bot",
            icon=":material/smart_toy:",
            key="host_seat_bot",
            on_click=host_actions.set_mode,
            args=(ws, host, seat, "bot"),
        )
    cols[1].button(
        "Withdraw its link",
        icon=":material/link_off:",
        key="host_seat_revoke",
        disabled=s.revoked,
        on_click=host_actions.revoke,
        args=(ws, host, seat),
    )
    cols[2].button(
        "Issue a new link",
        icon=":material/add_link:",
        key="host_seat_reissue",
        on_click=host_actions.reissue,
        args=(ws, host, seat),
    )


def _links(ws: Workshop, host: str) -> None:
    here = base_url(st.context.url, room=False)
    query = f"?w={ws.id}&t={host}"
    cols = st.columns(2)
    cols[0].link_button(
        "Projector view (new tab)", f"{here}/projector{query}", icon=":material/tv:"
    )
    cols[1].link_button("Debrief (new tab)", f"{here}/debrief{query}", icon=":material/summarize:")
    just_made = st.session_state.get("host_created", "").endswith(query)
    with st.expander(
        "Your host link (keep it to yourself: it runs the workshop)", expanded=just_made
    ):
        st.code(f"{ws.base_url.rstrip('/')}/host{query}", language=None, wrap_lines=True)


def console(ws: Workshop, host: str) -> None:
    """The whole console for ``ws``, run with the host token ``host`` (already checked)."""
    sc = ws.scenario
    st.title(f"Host: {md_escape(sc.name)}")
    st.caption(
        f"Workshop `{ws.id}` · {len(ws.seat_teams)} seats · {ws.rounds} rounds of "
        f"{ws.weeks_per_round} week{'s' if ws.weeks_per_round > 1 else ''} · seed {ws.seed}"
    )
    poll(ws, lambda: _clock(ws), key=f"host-{ws.id}")
    host_actions.show_note()
    status = ws.status()
    _round_controls(ws, host, status)
    _links(ws, host)

    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader("Seats")
        people = sum(1 for s in status.seats if s.mode == "human")
        st.caption(
            f"{len(status.submitted)} of {people} player seats have bid this round. "
            "Joined: the player has bid, offered or answered at least once."
        )
        st.dataframe(seats_table(ws, status), hide_index=True, key="host_seats_table")
        _seat_controls(ws, host, status)
    with right:
        st.subheader("Rules")
        _rules(ws, host, status)
        st.subheader("Message")
        _message(ws, host)

    st.subheader("Join sheet")
    if not join_sheet.show_sheet(ws):
        st.info(
            "Join links are shown only when they are made (the workshop keeps just a "
            "fingerprint of each). To print a sheet now, issue new links for every seat: "
            "the old links stop working, and a player who already joined opens the new one "
            "to keep their seat and everything in it.",
            icon=":material/qr_code_2:",
        )
        st.button(
            "Issue new links for every seat",
            key="host_reissue_all",
            icon=":material/autorenew:",
            on_click=host_actions.reissue_all,
            args=(ws, host),
        )
