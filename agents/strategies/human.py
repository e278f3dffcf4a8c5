"""A workshop seat: a person decides the team's bids; its bot decides when the seat is silent.

The workshop puts a :class:`Human` on each seated team, wrapping the strategy the team had
(its *bot*). Before a week is cleared the workshop hands each seat its player's order —
a bid row and the number of tranches it asks for — or nothing, for a silent seat, whose
bot then bids as it would have. The strategy never reads the workshop: the order is set
on the object, so a replay of the same orders gives the same bids.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from agents.strategies.base import BiddingStrategy, Feedback, TeamStateStrategy
from agents.strategies.builtin import Truthful
from agents.strategies.view import TeamView

__all__ = ["Human", "order_row"]


def order_row(steps: Sequence[tuple[int, float]], k: int) -> np.ndarray:
    """A bid row from a player's steps "``units`` tranches at up to ``price`` each".

    Steps are sorted by price, highest first, and laid out unit by unit; the row has
    ``k`` entries (units beyond ``k`` are dropped, missing ones are 0).

    Args:
        steps: ``(units, price)`` pairs, units >= 0, price >= 0.
        k: Length of the row (the most tranches one team bids for).

    Returns:
        ``(k,)`` non-increasing bids.
    """
    row = np.zeros(k)
    at = 0
    for units, price in sorted(steps, key=lambda s: -s[1]):
        take = max(0, min(int(units), k - at))
        row[at : at + take] = float(price)
        at += take
    return row


class Human(TeamStateStrategy):
    """A seat in a workshop: its player's order this week, or its bot's bid when silent.

    Args:
        bot: The strategy that plays the seat when its player is silent (default:
            truthful).

    Attributes:
        bot: The seat's bot.
        order: This week's bid row from the player, or None (silent: the bot bids).
        requested: Tranches the player asked for (the need reported to rules without
            money), or None.
    """

    name: ClassVar[str] = "human"
    metadata: ClassVar[dict[str, Any]] = {
        "description": "A workshop seat: bids what its player submitted; a silent seat "
        "is played by its bot.",
        "uses_stress": False,
        "stochastic": False,
        "learns": True,  # passes the week on to a bot that learns
        "seat": True,
    }

    def __init__(self, bot: BiddingStrategy | None = None) -> None:
        self.bot: BiddingStrategy = bot if bot is not None else Truthful()
        self.order: np.ndarray | None = None
        self.requested: float | None = None

    @classmethod
    def propose_for(
        cls, members: Sequence[BiddingStrategy], view: TeamView, rng: np.random.Generator
    ) -> np.ndarray:
        """Players' orders where given; the silent seats' bots bid for the rest."""
        out = np.zeros(view.values.shape)
        silent: list[int] = []
        for j, seat in enumerate(members):
            order = getattr(seat, "order", None)
            if order is None:
                silent.append(j)
            else:
                row = np.asarray(order, dtype=float)[: view.k]
                out[j, : row.size] = row
        for bot_cls, rows in _by_bot_class(members, silent):
            bots = [members[j].bot for j in rows]  # type: ignore[attr-defined]
            out[rows] = bot_cls.propose_for(bots, view.rows(np.array(rows)), rng)
        return out

    @classmethod
    def report_for(
        cls, members: Sequence[BiddingStrategy], view: TeamView, rng: np.random.Generator
    ) -> np.ndarray:
        """Players' requests where given; the silent seats' bots report for the rest."""
        out = np.zeros(view.m)
        silent: list[int] = []
        for j, seat in enumerate(members):
            asked = getattr(seat, "requested", None)
            if getattr(seat, "order", None) is None or asked is None:
                silent.append(j)
            else:
                out[j] = max(0.0, float(np.ceil(asked)))
        for bot_cls, rows in _by_bot_class(members, silent):
            bots = [members[j].bot for j in rows]  # type: ignore[attr-defined]
            out[rows] = bot_cls.report_for(bots, view.rows(np.array(rows)), rng)
        return out

    @classmethod
    def observe_for(cls, members: Sequence[BiddingStrategy], feedback: Feedback) -> None:
        """Bots that learn keep learning from their team's week, played or not."""
        for bot_cls, rows in _by_bot_class(members, list(range(len(members)))):
            if bot_cls.learns():
                idx = np.array(rows)
                part = Feedback(
                    feedback.view.rows(idx),
                    feedback.bids[idx],
                    feedback.won[idx],
                    feedback.paid[idx],
                    feedback.price,
                    _sub_hindsight(feedback.hindsight, idx),
                )
                bot_cls.observe_for([members[j].bot for j in rows], part)  # type: ignore[attr-defined]

    def __repr__(self) -> str:
        return f"Human(bot={self.bot!r})"


def _by_bot_class(
    members: Sequence[BiddingStrategy], rows: list[int]
) -> list[tuple[type[BiddingStrategy], list[int]]]:
    """Rows grouped by the class of their seat's bot, in first-seen order."""
    groups: dict[type[BiddingStrategy], list[int]] = {}
    for j in rows:
        bot = getattr(members[j], "bot", None) or Truthful()
        groups.setdefault(type(bot), []).append(j)
    return list(groups.items())


def _sub_hindsight(hindsight: Any, idx: np.ndarray) -> Any:
    """A batch's hindsight seen from some of its rows (row j of the part is ``idx[j]``)."""
    if hindsight is None:
        return None
    return lambda j, alt: hindsight(int(idx[j]), alt)
