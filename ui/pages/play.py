"""Play: one workshop seat, opened from its join link (``/play?w=<workshop>&t=<token>``).

The seat comes from the token only, so a refresh or a second device with the same link
opens the same seat; a forged, withdrawn or unknown link is refused and nothing is
written. The page polls the workshop once a second and redraws when something changed.
"""

from __future__ import annotations

import streamlit as st

from ui import play_forms, play_view
from ui.text import md_escape
from ui.workshop_live import clock_text, drawn, find_workshop, last_marker, link, poll, refused
from workshop import AccessError
from workshop.seat_story import seat_story

wid, token = link()
ws = find_workshop(wid)
if ws is None:
    refused("no workshop with this id (is the link complete?)")
try:
    seat = ws.seat(token)
except AccessError as err:
    refused(str(err))


def _clock() -> None:
    with st.container(key="play_clock"):
        st.markdown(f"#### {clock_text(last_marker('play'), ws.rounds)}")


poll(ws, _clock, key="play")
try:
    view = ws.view(token)
    story = seat_story(ws, token)
except AccessError as err:
    refused(str(err))

notice = st.session_state.pop(play_forms.NOTICE, None)
if notice is not None:
    kind, text = notice
    (st.error if kind == "error" else st.success)(md_escape(text))

play_view.messages(view)
play_view.pending_rules(view)
play_view.team(view, story)

phase = view.status.phase
if seat.mode == "bot":
    st.info(
        "The host handed your seat to its bot for now; you can watch.", icon=":material/smart_toy:"
    )
elif phase == "bidding":
    st.markdown("### Your bid")
    if view.my_bid:
        steps = ", ".join(f"{u} at up to {p:,.1f}" for u, p in view.my_bid)
        st.success(f"Your bid is in: {steps}. You can replace it until bidding closes.")
    play_forms.bid_form(ws, token, view, story)
elif phase == "negotiating":
    st.markdown("### Loans between teams")
    if view.silent:
        st.info("Your bot played this round (no bid by the close); you are back next round.")
    else:
        play_forms.offers_panel(ws, token, view, story)
elif phase == "waiting":
    st.info("Waiting for the host to open the first round.", icon=":material/hourglass_empty:")
elif phase == "finished":
    st.success("The workshop is over: thank you for playing. The host will show the debrief.")

play_view.result(story)
play_view.your_weeks(story)
drawn()  # last: the page shows this state of the workshop in full
