"""A cheap change marker for live pages: has anything in a workshop changed since I looked?

Pages poll it about once a second from a fragment and rerun only when it differs from
what they last drew. :func:`version` is one ``SELECT`` (the latest action's id, the
latest round's number, phase, deadline and pause, and the latest offer's id); every
change a page shows (a bid, an offer or its answer, a rule change, a message, a seat
handed to a bot, a round opening or closing, a timer extended or paused) writes an action
or a round row, so the marker moves with it. :func:`tick` first closes a window whose
timer ran out, so a room of idle pages still advances the game on time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workshop import store

if TYPE_CHECKING:
    from workshop.engine import Workshop

__all__ = ["Marker", "tick", "version"]

#: (latest action id, round number, phase, deadline, paused time left, latest offer id).
type Marker = tuple[int, int, str, float | None, float | None, int]

_VERSION = """
SELECT
    (SELECT COALESCE(MAX(id), 0) FROM actions WHERE workshop = :w) AS action,
    r.number, r.phase, r.deadline, r.paused_left,
    (SELECT COALESCE(MAX(id), 0) FROM offers WHERE workshop = :w) AS offer
FROM (SELECT 1) LEFT JOIN (
    SELECT number, phase, deadline, paused_left FROM rounds
    WHERE workshop = :w ORDER BY number DESC LIMIT 1
) AS r
"""


def version(ws: Workshop) -> Marker:
    """The workshop's change marker now (one ``SELECT``; equal markers mean nothing changed).

    Args:
        ws: An open workshop.
    """
    with store.reading(ws.db) as conn:
        row = conn.execute(_VERSION, {"w": ws.id}).fetchone()
    number = -1 if row["number"] is None else int(row["number"])
    return (
        int(row["action"]),
        number,
        row["phase"] or "waiting",
        None if row["deadline"] is None else float(row["deadline"]),
        None if row["paused_left"] is None else float(row["paused_left"]),
        int(row["offer"]),
    )


def tick(ws: Workshop) -> Marker:
    """Close the open window if its timer ran out, then return the change marker.

    Both run on one connection (:func:`workshop.store.operation`).

    Args:
        ws: An open workshop.
    """
    with store.operation(ws.db):
        ws.tick()
        return version(ws)
