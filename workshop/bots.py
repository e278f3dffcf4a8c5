"""How a bot answers a loan offer: from its own production, like the automatic bargaining.

A bot that would borrow accepts when the price is at most what the tranches add to its
output over the loan's term (raised by its stress, as in
:func:`agents.negotiation.reservation_prices`) and it can pay; a bot that would lend
accepts when the price covers what the tranches would have produced for it. Otherwise it
counters once at its reservation price, or rejects when there is nothing to offer (no
gain, no spare tranches, no credits). The answer depends only on the game's state after
clearing, so a replay gives the same answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from agents.negotiation import reservation_prices
from agents.valuation import value
from game import ComputeGame

__all__ = ["BotAnswer", "bot_answer", "pair_values"]


@dataclass(frozen=True, slots=True)
class BotAnswer:
    """A bot's answer: ``accept``, ``reject`` or ``counter`` (with its price)."""

    response: str
    price: float | None = None
    reason: str = ""


def pair_values(
    model: ComputeGame, lender: int, borrower: int, units: int, weeks: int
) -> tuple[float, float]:
    """Per tranche: what the loan adds to the borrower's output, and takes from the lender's.

    Over ``weeks`` weeks, from the situation of the week being played (after clearing).
    """
    sc, t = model.scenario, model.teams
    sit = model.pending_bids.situation

    def worth(team: int, gpus: float) -> float:
        rows = np.array([team])
        got = value(sit.rows(rows), np.array([gpus]), weeks, sc.research, sc.product, sc.valuation)
        return float(got[0])

    gain = worth(borrower, t.gpus[borrower] + units) - worth(borrower, t.gpus[borrower])
    kept = max(t.gpus[lender] - units, 0.0)
    loss = worth(lender, t.gpus[lender]) - worth(lender, kept)
    return gain / units, loss / units


def bot_answer(
    model: ComputeGame,
    *,
    bot: int,
    lender: int,
    borrower: int,
    units: int,
    price: float,
    weeks: int,
    may_counter: bool,
    committed_units: float = 0.0,
    committed_credits: float = 0.0,
) -> BotAnswer:
    """The answer of team ``bot`` (the lender or the borrower) to a loan offer.

    Args:
        model: The game, cleared and not yet finished (the negotiation window).
        bot: The answering team (``lender`` or ``borrower``).
        lender: The team that would give the tranches.
        borrower: The team that would get them and pay.
        units: Tranches.
        price: Credits per tranche.
        weeks: Term.
        may_counter: Whether a counter-offer is allowed (not in reply to a counter).
        committed_units: Tranches the lender already agreed to lend this window.
        committed_credits: Credits the borrower already agreed to pay this window.
    """
    t, cfg = model.teams, model.scenario.negotiation
    gain, loss = pair_values(model, lender, borrower, units, weeks)
    b_res, l_res = reservation_prices(
        np.array([gain]), np.array([loss]), np.array([t.stress[borrower]]), cfg
    )
    if bot == borrower:
        credits = float(model.credits.balances[borrower]) - committed_credits
        reservation = float(b_res[0])
        if reservation <= 0:
            return BotAnswer("reject", reason="more tranches would not add to its output")
        if price <= reservation and price * units <= credits + 1e-9:
            return BotAnswer("accept")
        counter = math.floor(min(reservation, credits / units) * 100) / 100
        if may_counter and counter > 0:
            return BotAnswer(
                "counter", counter, "the price is above what the tranches are worth to it"
            )
        return BotAnswer("reject", reason="the price is above what the tranches are worth to it")
    spare = float(t.gpus[lender]) - committed_units
    if spare < units:
        return BotAnswer("reject", reason="it does not hold that many tranches")
    if model.reallocation.under_notice(t.n)[lender]:
        return BotAnswer("reject", reason="its tranches are promised to the reallocation group")
    reservation = float(l_res[0])
    if price >= reservation - 1e-9:
        return BotAnswer("accept")
    if may_counter:
        return BotAnswer(
            "counter",
            math.ceil(reservation * 100) / 100,
            "the price is below what the tranches produce for it",
        )
    return BotAnswer("reject", reason="the price is below what the tranches produce for it")
