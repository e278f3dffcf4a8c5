"""Which teams people play: seats spread over both divisions."""

from __future__ import annotations

from dataclasses import dataclass

from game import Scenario
from game.world.setup import lab_names

__all__ = ["Seat", "seat_teams"]


def seat_teams(scenario: Scenario, seats: int) -> list[tuple[int, str]]:
    """``(team index, team name)`` for each seat, in seat order.

    Seats alternate between the divisions in proportion to their sizes (a workshop with
    4 seats in a lab of 10 research and 6 product teams seats 2 or 3 research teams and
    the rest product), so people play both sides of the research/product tension.
    Team names and order are those of the game (research teams first).
    """
    n_r, n_p = scenario.lab.research_teams, scenario.lab.product_teams
    names = lab_names(scenario)
    order = sorted(
        [(i / n_r, 0, i) for i in range(n_r)] + [(j / max(n_p, 1), 1, n_r + j) for j in range(n_p)]
    )
    picked = [index for _, _, index in order[:seats]]
    return [(index, names[index]) for index in picked]


@dataclass(frozen=True, slots=True)
class Seat:
    """Who a token belongs to."""

    seat: int
    team: str
    index: int
    mode: str
