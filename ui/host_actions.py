"""What each host-console control does, as ``on_click`` callbacks that say what they did.

Every callback calls one :class:`workshop.Workshop` host control with the host's token
from the link, then leaves a one-line note for the next run of the page (:func:`show_note`
shows it as a toast and a success or error line). A refusal is the engine's own one-line
message; nothing is written then. Controls that act on a round carry the round they were
drawn for, so a stale click (another tab, the timer got there first) changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from game import Scenario
from ui import join_sheet
from ui.labels import mechanism_label
from ui.text import md_escape
from workshop import Workshop, WorkshopError

__all__ = [
    "NOTE",
    "act",
    "broadcast",
    "change_rule",
    "close_bidding",
    "close_round",
    "extend",
    "open_round",
    "pause",
    "reissue",
    "resume",
    "revoke",
    "set_mode",
    "show_note",
]

#: Session-state key of the note the last control left.
NOTE = "host_flash"
#: Session-state keys of the widgets the controls read when clicked (a widget changed in
#: the same run as the click counts): the message box (emptied once sent), the extension,
#: the rule and the seat chosen.
MESSAGE_KEY = "host_message"
EXTEND_KEY = "host_extend_by"
RULE_KEY = "host_rule"
SEAT_KEY = "host_seat"


def chosen(key: str, drawn: object) -> Any:
    """The value of widget ``key`` now (else ``drawn``, what the page was drawn with)."""
    value = st.session_state.get(key)
    return drawn if value is None else value


def act(do: Callable[[], str]) -> None:
    """Run one control and keep what it said (or the engine's refusal) for the next run."""
    try:
        said = do()
    except WorkshopError as err:
        st.session_state[NOTE] = ("error", str(err))
        return
    st.session_state[NOTE] = ("success", said)


def show_note() -> None:
    """Show (once) what the last control did: a toast and a line that stays for this run."""
    kind, text = st.session_state.pop(NOTE, (None, ""))
    if kind == "success":
        st.toast(md_escape(text), icon=":material/check_circle:")
        st.success(md_escape(text), icon=":material/check_circle:")
    elif kind == "error":
        st.error(md_escape(text), icon=":material/error:")


def _clock(seconds: float) -> str:
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _still(ws: Workshop, number: int, phases: tuple[str, ...]) -> str | None:
    """Why a control drawn for round ``number`` in ``phases`` no longer applies (or None)."""
    now = ws.status()
    if now.round == number and now.phase in phases:
        return None
    return f"Round {number + 1} has moved on ({now.phase}); nothing changed."


# ---------------------------------------------------------------------- rounds
def open_round(ws: Workshop, host: str) -> None:
    """Open the next round's bidding window (its timer starts)."""

    def do() -> str:
        number = ws.open_round(host)
        return (
            f"Round {number + 1} opened: bidding closes in {_clock(ws.bidding_seconds)} "
            "(or when every player has bid)."
        )

    act(do)


def close_bidding(ws: Workshop, host: str, number: int) -> None:
    """Close round ``number``'s bidding now: bots bid for silent seats, the market clears."""

    def do() -> str:
        stale = _still(ws, number, ("bidding",))
        if stale is not None or not ws.close_bidding(host):
            return stale or f"Bidding of round {number + 1} was already closed; nothing changed."
        return (
            f"Bidding of round {number + 1} closed: bots bid for the silent seats and the "
            f"market cleared; negotiation is open for {_clock(ws.negotiation_seconds)}."
        )

    act(do)


def close_round(ws: Workshop, host: str, number: int) -> None:
    """Finish round ``number`` now, from whichever window is open (bots play silent seats)."""

    def do() -> str:
        stale = _still(ws, number, ("bidding", "negotiating"))
        if stale is not None:
            return stale
        ws.close_bidding(host)
        if not ws.close_negotiation(host):
            return f"Round {number + 1} was already closed; nothing changed."
        left = ws.rounds - number - 1
        after = f"{left} round{'s' if left != 1 else ''} left" if left else "that was the last one"
        return f"Round {number + 1} closed: the week is played ({after})."

    act(do)


# ---------------------------------------------------------------------- timer
def extend(ws: Workshop, host: str, seconds: float) -> None:
    """Give the open window ``seconds`` more (or what the extension box says now)."""
    seconds = chosen(EXTEND_KEY, seconds)

    def do() -> str:
        ws.extend(host, float(seconds))
        return f"Window extended by {float(seconds):g} s."

    act(do)


def pause(ws: Workshop, host: str) -> None:
    """Stop the open window's timer."""

    def do() -> str:
        ws.pause(host)
        return "Timer paused: the window stays open until you resume it or close it."

    act(do)


def resume(ws: Workshop, host: str) -> None:
    """Restart the paused timer with the time it had left."""

    def do() -> str:
        ws.resume(host)
        return "Timer running again."

    act(do)


# ---------------------------------------------------------------------- rules, messages
def change_rule(ws: Workshop, host: str, scenario: Scenario, rule: str) -> None:
    """Make ``rule`` (or the rule chosen now) clear the market from the next round on.

    Args:
        scenario: The scenario in play (what ``rule`` is changed from).
    """
    rule = str(chosen(RULE_KEY, rule))

    def do() -> str:
        ws.change_rules(host, scenario.overrides_to_clear_by(rule))
        return (
            f"From the next round the market is cleared by {mechanism_label(rule)}; "
            "players see the change now."
        )

    act(do)


def broadcast(ws: Workshop, host: str) -> None:
    """Send the message box's text to every seat (and empty the box)."""
    text = str(st.session_state.get(MESSAGE_KEY) or "")

    def do() -> str:
        ws.broadcast(host, text)
        st.session_state[MESSAGE_KEY] = ""
        return "Message sent to every seat."

    act(do)


# ---------------------------------------------------------------------- seats
def set_mode(ws: Workshop, host: str, seat: int, mode: str) -> None:
    """Hand ``seat`` to its bot (``"bot"``) or back to its player (``"human"``)."""
    seat = int(chosen(SEAT_KEY, seat))

    def do() -> str:
        ws.set_seat_mode(host, seat, mode)
        team = ws_team(ws, seat)
        if mode == "bot":
            return f"Seat {seat} ({team}) is played by its bot until you hand it back."
        return f"Seat {seat} ({team}) is back with its player."

    act(do)


def revoke(ws: Workshop, host: str, seat: int) -> None:
    """Withdraw ``seat``'s link."""
    seat = int(chosen(SEAT_KEY, seat))

    def do() -> str:
        ws.revoke(host, seat)
        join_sheet.forget_link(ws.id, seat)
        return (
            f"Seat {seat}'s link ({ws_team(ws, seat)}) no longer works; issue a new one to "
            "let someone back in."
        )

    act(do)


def reissue(ws: Workshop, host: str, seat: int) -> None:
    """Give ``seat`` a new link (the old one stops working); it joins the join sheet."""
    seat = int(chosen(SEAT_KEY, seat))

    def do() -> str:
        link = ws.reissue(host, seat)
        join_sheet.remember_links(ws.id, [link])
        return (
            f"New link for seat {seat} ({link.team}): it is on the join sheet; the old one "
            "no longer works."
        )

    act(do)


def ws_team(ws: Workshop, seat: int) -> str:
    """The team seat ``seat`` plays (its name, for messages)."""
    return next((s.team for s in ws.status().seats if s.seat == seat), f"seat {seat}")


def reissue_all(ws: Workshop, host: str) -> None:
    """Give every seat a new link (the old ones stop working); they make the join sheet."""

    def do() -> str:
        links = [ws.reissue(host, seat) for seat in sorted(ws.seat_teams)]
        join_sheet.remember_links(ws.id, links)
        return (
            f"New links for all {len(links)} seats are on the join sheet; the old ones no "
            "longer work."
        )

    act(do)
