"""Which seats' players have shown up: what each seat did, read from the action log.

A link does not record who opened it (opening a page writes nothing), so the host console
counts a seat as joined once its player acted: a bid, a loan offer or an answer to one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from workshop import store

if TYPE_CHECKING:
    from workshop.engine import Workshop

__all__ = ["PLAYER_KINDS", "SeatActivity", "seat_activity"]

#: The actions only a seat's player takes.
PLAYER_KINDS = ("bid", "offer", "answer")


@dataclass(frozen=True, slots=True)
class SeatActivity:
    """What one seat's player did: ``actions`` taken, the last one at ``last`` (epoch s)."""

    seat: int
    actions: int
    last: float


def seat_activity(ws: Workshop) -> dict[int, SeatActivity]:
    """Per seat whose player acted: how often and when last (one ``SELECT``).

    Args:
        ws: An open workshop.
    """
    marks = ", ".join("?" for _ in PLAYER_KINDS)
    with store.reading(ws.db) as conn:
        rows = conn.execute(
            "SELECT seat, COUNT(*) AS n, MAX(created) AS last FROM actions "
            f"WHERE workshop = ? AND seat IS NOT NULL AND kind IN ({marks}) GROUP BY seat",
            (ws.id, *PLAYER_KINDS),
        ).fetchall()
    return {
        int(r["seat"]): SeatActivity(int(r["seat"]), int(r["n"]), float(r["last"])) for r in rows
    }
