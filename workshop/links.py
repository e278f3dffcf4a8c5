"""Join links: where a seat's player and the host open the workshop."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SeatLink", "host_url", "seat_url"]


@dataclass(frozen=True, slots=True)
class SeatLink:
    """A seat's join link (its token is in ``url`` and ``token``)."""

    seat: int
    team: str
    token: str
    url: str


def seat_url(base_url: str, workshop: str, token: str) -> str:
    """The link a player opens to take (or retake) a seat."""
    return f"{base_url.rstrip('/')}/play?w={workshop}&t={token}"


def host_url(base_url: str, workshop: str, token: str) -> str:
    """The link the facilitator opens to run the workshop."""
    return f"{base_url.rstrip('/')}/host?w={workshop}&t={token}"
