"""Host: run a live workshop (with a host link), or create one (without a link).

Opened with ``?w=<workshop>&t=<host token>`` it shows the console (:mod:`ui.host_console`):
the join sheet, who joined and bid, the clock, closing rounds, rule changes, messages and
seats. Opened bare, it offers the "create a workshop" form (:mod:`ui.host_create`). Any
other link (a seat's, a withdrawn, forged or unknown one) is refused before anything is
read or written.
"""

import streamlit as st

from ui import host_actions, host_console, host_create
from ui.workshop_live import drawn, find_workshop, link, refused

workshop_id, token = link()
if not workshop_id and not token:
    st.title("Host a workshop")
    host_actions.show_note()
    host_create.create_form()
    st.stop()

ws = find_workshop(workshop_id)
if ws is None:
    refused("no workshop with this id is run from this app.", what="host link")
if not ws.is_host(token):
    refused("it is not this workshop's host link (a player's link opens the Play page).",
            what="host link")  # fmt: skip
host_console.console(ws, token)
drawn()  # last: the console shows this state of the workshop in full
