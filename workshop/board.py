"""What the projector shows: the whole room's game at a glance, optionally anonymised.

:func:`board` reads the game rebuilt from the log: the latest clearing price, GPUs per
team now, every team's stress week by week, a leaderboard (output and utility so far) and
the latest events. With ``anonymise`` every team name (in the tables and inside the
event texts) becomes "Team A", "Team B", ... in the game's team order. No Streamlit here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

import market
from agents.table import KIND_NAMES

if TYPE_CHECKING:
    from workshop.engine import Workshop

__all__ = ["Board", "anonymous_names", "board"]

#: Latest events shown.
EVENTS = 8


@dataclass(frozen=True, slots=True)
class Board:
    """The room's game for the projector.

    Attributes:
        rule: The rule in force (label).
        price: The latest clearing price (NaN before the first or without a price).
        week: Game weeks fully played.
        teams: One row per team: ``team``, ``kind``, ``seat`` (bool), ``gpus``, ``stress``.
        stress: Long table ``team``, ``week`` (1-based), ``stress``.
        leaderboard: ``team``, ``kind``, ``output``, ``utility`` (sums over the weeks
            played), highest utility first (output is research progress for research
            teams and served value for product teams, so utility compares them).
        events: The latest events: ``week`` (1-based), ``team``, ``text``.
    """

    rule: str
    price: float
    week: int
    teams: pd.DataFrame
    stress: pd.DataFrame
    leaderboard: pd.DataFrame
    events: pd.DataFrame


def anonymous_names(n: int) -> list[str]:
    """``Team A``, ``Team B``, ... ``Team Z``, ``Team AA``, ... for ``n`` teams."""
    out = []
    for i in range(n):
        label, k = "", i
        while True:
            label = chr(ord("A") + k % 26) + label
            k = k // 26 - 1
            if k < 0:
                break
        out.append(f"Team {label}")
    return out


def board(ws: Workshop, *, anonymise: bool = False) -> Board:
    """The projector's board for workshop ``ws`` now."""
    with ws.session() as s:
        model = s.model
        names = list(model.teams.names)
        shown = anonymous_names(len(names)) if anonymise else names
        kinds = [KIND_NAMES[int(k)] for k in model.teams.kind]
        seated = set(ws.seat_teams.values())
        snaps = model.recorder.team_snaps
        price = math.nan
        if model.books:
            price = float(model.books[-1].clearing.price)
        teams = pd.DataFrame(
            {
                "team": shown,
                "kind": kinds,
                "seat": [i in seated for i in range(len(names))],
                "gpus": list(model.teams.gpus * model.scenario.supply.gpus_per_tranche),
                "stress": [float(x) for x in model.teams.stress],
            }
        )
        stress = pd.DataFrame(
            [
                {"team": shown[i], "week": w + 1, "stress": float(snap["stress"][i])}
                for w, snap in enumerate(snaps)
                for i in range(len(names))
            ],
            columns=["team", "week", "stress"],
        )
        leaderboard = pd.DataFrame(
            {
                "team": shown,
                "kind": kinds,
                "output": [
                    sum(float(snap["output"][i]) for snap in snaps) for i in range(len(names))
                ],
                "utility": [
                    sum(float(snap["utility"][i]) for snap in snaps) for i in range(len(names))
                ],
            }
        ).sort_values(["utility", "team"], ascending=[False, True], ignore_index=True)
        events = model.events_frame().tail(EVENTS).iloc[::-1].reset_index(drop=True)
        rule = market.MECHANISMS[model.scenario.clearing_rule].label
        weeks = len(snaps)
    events = pd.DataFrame(
        {
            "week": events["week"].astype(int) + 1 if len(events) else [],
            "team": [_rename(str(t), names, shown) for t in events.get("team", [])],
            "text": [_rename(str(t), names, shown) for t in events.get("text", [])],
        }
    )
    return Board(rule, price, weeks, teams, stress, leaderboard, events)


def _rename(text: str, names: list[str], shown: list[str]) -> str:
    """``text`` with every whole-word team name replaced by its shown name."""
    if names == shown or not text:
        return text
    table = dict(zip(names, shown, strict=True))
    pattern = re.compile(
        r"\b(" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b"
    )
    return pattern.sub(lambda m: table[m.group(1)], text)
