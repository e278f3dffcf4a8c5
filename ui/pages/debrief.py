"""Debrief: each team's story over the rounds and what another rule would have done.

Host link only (``?w=<workshop>&t=<host token>``); a seat's, withdrawn, forged or unknown
link is refused before anything is read. The page is :mod:`ui.debrief_view`.
"""

from ui import debrief_view
from ui.workshop_live import find_workshop, link, refused

workshop_id, token = link()
if not workshop_id:
    refused("it opens with the workshop's host link (the Host console has a Debrief button).",
            what="page")  # fmt: skip
ws = find_workshop(workshop_id)
if ws is None:
    refused("no workshop with this id is run from this app.", what="host link")
if not ws.is_host(token):
    refused("the debrief opens only with the workshop's host link.", what="host link")
debrief_view.debrief(ws)
