"""Projector: the workshop on the room's screen (host link only, read-only, big type).

Opened with the host's link on this page (``/projector?w=<workshop>&t=<host token>``); a
seat's link or a forged one is refused. "Hide team names" shows Team A, Team B, ...
The page polls the workshop once a second and redraws when something changed.
"""

from __future__ import annotations

import streamlit as st

from ui import projector_view
from ui.workshop_live import clock_text, drawn, find_workshop, last_marker, link, poll, refused
from workshop.board import board

wid, token = link()
ws = find_workshop(wid)
if ws is None:
    refused("no workshop with this id (is the link complete?)")
if not ws.is_host(token):
    refused("token: the projector opens only with the host's link")


def _clock() -> None:
    with st.container(key="projector_clock"):
        st.markdown(f"# {clock_text(last_marker('projector'), ws.rounds)}")


poll(ws, _clock, key="projector")
anonymise = st.toggle("Hide team names", key="projector_anonymise")
projector_view.draw(board(ws, anonymise=anonymise))
drawn()  # last: the page shows this state of the workshop in full
