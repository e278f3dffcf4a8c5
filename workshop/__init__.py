"""Live workshops: a game a room of people plays together (DESIGN.md §3, workshop/).

A workshop is a scenario, a seed and an ordered log of actions in an SQLite database;
the game is rebuilt from them by replay, so a refresh, a dropped laptop or a server
restart loses nothing. People join seats through links carrying secret tokens; bots
play the empty and silent seats.

- :func:`create_workshop` writes a new workshop and returns its links;
- :class:`Workshop` opens one: seats bid (:meth:`~Workshop.submit_bid`), offer and
  answer loans; the host opens and closes rounds, changes rules, messages and manages
  seats; :meth:`~Workshop.status` and :meth:`~Workshop.view` say where things stand.

No Streamlit here: the pages (``ui/``) and the CLI (``crunch workshop``) call this.
"""

from __future__ import annotations

from workshop.engine import LOCAL_HOST, Created, SeatLink, Workshop, create_workshop
from workshop.errors import AccessError, WorkshopError
from workshop.views import OfferView, SeatStatus, SeatView, Status

__all__ = [
    "LOCAL_HOST",
    "AccessError",
    "Created",
    "OfferView",
    "SeatLink",
    "SeatStatus",
    "SeatView",
    "Status",
    "Workshop",
    "WorkshopError",
    "create_workshop",
]
