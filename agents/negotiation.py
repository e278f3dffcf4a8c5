"""How teams negotiate loans: reservation values, concession tactics and how tactics are learned.

After the market clears, a team short of its need borrows from a team with a surplus
by alternating offers (:func:`market.negotiation.negotiate_batch_detailed`). What each side
will accept and how fast it concedes is the teams' behaviour, parameterised here:

- reservations are values from production (:mod:`agents.valuation`): the borrower pays up
  to what the tranches add to its output over the loan's weeks, the lender wants at least
  what they would have produced for it over those weeks (its opportunity cost), so a loan
  happens only if it creates value (MODEL-REFERENCE §5) and a negotiation fails where the
  lender values the tranches more than the borrower;
- each team follows one Faratin, Sierra & Jennings (1998) tactic, drawn from the
  scenario's mix (:data:`TACTICS`: Boulware holds firm until its deadline, Conceder gives
  ground early, linear in between); stress shortens its deadline and raises its β;
- with ``tactic_learning`` > 0 a team re-chooses its tactic after each negotiation by
  modified Roth–Erev reinforcement (Nicolaisen, Petrov & Tesfatsion 2001), rewarded by the
  share of the pair's surplus it captured (:class:`TacticChoice`).

:func:`reservation_prices` (values raised by the borrower's stress) is how the workshop's
bots answer players' offers; the automatic bargaining uses the values themselves.
"""

from __future__ import annotations

from typing import Annotated

import numpy as np
from pydantic import Field, field_validator

from agents.schema import Params

__all__ = [
    "TACTICS",
    "NegotiationParams",
    "TacticChoice",
    "reservation_prices",
    "tactic_betas",
    "tactics",
]

TACTICS = ("boulware", "linear", "conceder")
"""Concession tactics, in the order of :meth:`NegotiationParams.tactic_mix` shares."""

#: The largest share one tactic may have in the mix (shares are relative).
MAX_TACTIC_SHARE = 1e6
#: Initial Roth–Erev propensity of the tactics a team was not assigned (its own: 1).
OTHER_PROPENSITY = 0.5
#: Roth–Erev experimentation ε: the share of a reward spread over the other tactics.
EXPERIMENTATION = 0.2


class NegotiationParams(Params):
    """Bilateral loans after clearing (alternating offers)."""

    enabled: bool = Field(True, description="Let teams lend tranches to each other after clearing.")
    max_rounds: int = Field(6, ge=1, le=100, description="Offer rounds before walking away.")
    kappa: float = Field(0.1, ge=0, le=1, description="Initial concession (Faratin κ).")
    tactic_mix: dict[str, Annotated[float, Field(ge=0, le=MAX_TACTIC_SHARE)]] = Field(
        default_factory=lambda: {"boulware": 1.0, "linear": 1.0, "conceder": 1.0},
        description="Share of teams negotiating with each concession tactic (boulware, "
        "linear, conceder; normalised to 1), assigned when the game starts.",
    )
    boulware_beta: float = Field(
        0.3, gt=0, lt=1, description="Concession shape β of a Boulware team (< 1: firm)."
    )
    conceder_beta: float = Field(
        3.0, gt=1, le=20, description="Concession shape β of a Conceder team (> 1: yields early)."
    )
    tactic_learning: float = Field(
        0.0,
        ge=0,
        le=1,
        description="Roth–Erev recency φ with which teams re-choose their tactic after each "
        "negotiation, rewarded by their share of the surplus; 0 keeps the assigned tactic.",
    )
    loan_weeks: int = Field(
        2,
        ge=1,
        le=52,
        description="Weeks a loan lasts; the tranches then return to the lender. At most "
        "the lease: only tranches leased at least that long are lent.",
    )
    anchor_spread: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Each side opens this share away from the market price of the loan "
        "(the last clearing price per tranche-week times its weeks): the borrower below, "
        "the lender above; without a market price, away from its own reservation.",
    )
    stress_urgency: float = Field(
        0.5,
        ge=0,
        le=1,
        description="How much stress shortens deadlines and speeds concession.",
    )

    @field_validator("tactic_mix")
    @classmethod
    def _mix_is_valid(cls, mix: dict[str, float]) -> dict[str, float]:
        for name in mix:
            if name not in TACTICS:
                raise ValueError(f"unknown tactic {str(name)[:40]!r}; allowed: {list(TACTICS)}")
        if sum(mix.values()) <= 0:
            raise ValueError("shares must add up to more than 0")
        return mix


def reservation_prices(
    borrower_value: np.ndarray,
    lender_cost: np.ndarray,
    borrower_stress: np.ndarray,
    cfg: NegotiationParams,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-tranche reservation prices of a workshop bot (values raised by stress).

    The borrower will pay up to what a borrowed tranche adds to its output, raised by
    stress (stressed teams accept worse terms; scarcity shortens horizons, Shah,
    Mullainathan & Shafir 2012); the lender wants at least what the tranche would have
    produced for it (its opportunity cost).

    Args:
        borrower_value: Each borrower's value per borrowed tranche.
        lender_cost: Each lender's output value lost per lent tranche.
        borrower_stress: Each borrower's stress in [0, 1].
        cfg: Negotiation settings.

    Returns:
        ``(borrower_reservation, lender_reservation)`` per pair.
    """
    borrower = borrower_value * (1.0 + cfg.stress_urgency * borrower_stress)
    return borrower, np.asarray(lender_cost, dtype=float)


def tactic_betas(cfg: NegotiationParams) -> np.ndarray:
    """β of each tactic of :data:`TACTICS`, in that order."""
    return np.array([cfg.boulware_beta, 1.0, cfg.conceder_beta])


def tactics(
    stress: np.ndarray, beta: np.ndarray, cfg: NegotiationParams
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Concession parameters per negotiator: stress shortens the deadline and raises β.

    Args:
        stress: Each negotiator's stress in [0, 1].
        beta: Each negotiator's calm β (its tactic's, :func:`tactic_betas`).
        cfg: Negotiation settings.

    Returns:
        ``(kappa, beta, t_max)`` per negotiator.
    """
    kappa = np.full(stress.shape, cfg.kappa)
    stressed_beta = beta * (1.0 + cfg.stress_urgency * stress)
    t_max = np.maximum(1, np.rint(cfg.max_rounds * (1.0 - cfg.stress_urgency * stress)))
    return kappa, stressed_beta, t_max.astype(np.int64)


class TacticChoice:
    """Each team's concession tactic: assigned from the mix, then (optionally) learned.

    Propensities start at 1 for the assigned tactic and :data:`OTHER_PROPENSITY` for the
    others. After a negotiation, with recency ``φ`` = ``cfg.tactic_learning`` > 0 and
    reward ``E`` (the share of the pair's surplus the team captured, in [0, 1])::

        q_j ← (1 − φ)·q_j + E·(1 − ε)            for the tactic used,
        q_j ← (1 − φ)·q_j + q_j·ε / (K − 1)      for the others,

    and the team draws its next tactic with probability ``q_j / Σq`` (MODEL-REFERENCE §9).

    Args:
        mix: Share per tactic name (from :data:`TACTICS`).
        n: Number of teams.
        rng: The generator that shuffles the quotas over the teams and draws choices.

    Attributes:
        choice: Index into :data:`TACTICS` per team.
        propensity: ``(n, K)`` Roth–Erev propensities.
    """

    def __init__(self, mix: dict[str, float], n: int, rng: np.random.Generator) -> None:
        shares = np.array([mix.get(name, 0.0) for name in TACTICS], dtype=float)
        exact = shares / shares.sum() * n
        counts = np.floor(exact).astype(np.int64)
        for j in np.argsort(-(exact - counts), kind="stable")[: n - int(counts.sum())]:
            counts[j] += 1
        self.rng = rng
        self.choice = rng.permutation(np.repeat(np.arange(len(TACTICS)), counts))
        self.propensity = np.full((n, len(TACTICS)), OTHER_PROPENSITY)
        self.propensity[np.arange(n), self.choice] = 1.0

    def names(self, teams: np.ndarray) -> np.ndarray:
        """The tactic name of each listed team."""
        return np.asarray(TACTICS, dtype=object)[self.choice[teams]]

    def learn(self, teams: np.ndarray, reward: np.ndarray, phi: float) -> None:
        """Reinforce the tactics ``teams`` just used by ``reward`` and redraw their choice.

        A team listed twice (it lent and borrowed in one week) learns from its rewards in
        order. Nothing happens with ``phi == 0``.

        Args:
            teams: Team indices.
            reward: Reward per entry, in [0, 1].
            phi: Recency (forgetting) φ in [0, 1].
        """
        if phi <= 0 or teams.size == 0:
            return
        k = len(TACTICS)
        for once in _first_each(teams):
            team, got = teams[once], reward[once]
            q = self.propensity[team]
            used = np.zeros_like(q, dtype=bool)
            used[np.arange(team.size), self.choice[team]] = True
            spill = q * EXPERIMENTATION / (k - 1)
            q = (1.0 - phi) * q + np.where(used, (got * (1.0 - EXPERIMENTATION))[:, None], spill)
            self.propensity[team] = q
            cum = np.cumsum(q / q.sum(axis=1, keepdims=True), axis=1)
            draw = self.rng.random(team.size)[:, None]
            self.choice[team] = np.minimum((draw >= cum).sum(axis=1), k - 1)


def _first_each(teams: np.ndarray) -> list[np.ndarray]:
    """Split positions of ``teams`` into batches in which each team appears at most once."""
    left = np.arange(teams.size)
    out: list[np.ndarray] = []
    while left.size:
        _, first = np.unique(teams[left], return_index=True)
        first.sort()
        out.append(left[first])
        left = np.delete(left, first)
    return out
