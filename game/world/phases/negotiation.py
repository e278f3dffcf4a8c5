"""Phase 7, negotiation: teams in deficit borrow tranches from teams with a surplus.

After clearing, each team short of its need looks for a partner with spare tranches — a
neighbour on the org network first, anyone with a surplus otherwise
(:mod:`~game.world.phases.matching`) — and the two bargain with alternating offers
(:mod:`market.negotiation`), each side following its team's negotiation behaviour
(:mod:`agents.negotiation`):

- the loan is for ``negotiation.loan_weeks`` weeks (at most the lease) and only tranches
  leased at least that long are lent, so each is held by the borrower for exactly the
  loan's weeks; both sides value them over those weeks with their own production
  (:func:`agents.valuation.value`): the borrower's reservation is what they add to its
  output (capped by what its credits pay for), the lender's what they would have produced
  for it. Where the lender values them more, no price satisfies both and the negotiation
  fails;
- offers are anchored to the market: the borrower opens ``anchor_spread`` below the last
  clearing price scaled to the loan's weeks, the lender as far above it (without a market
  price, each opens that far from its own reservation);
- each team concedes by its tactic (Boulware, linear, Conceder), hurried by stress.

Agreed loans are term loans (:meth:`game.world.loans.TermLoans.lend`): the tranches move
with their remaining lease, the borrower pays, and when the loan ends the tranches go back
to the lender (a ``loan_return`` event). Every negotiation is kept in the
:class:`~game.world.phases.negotiation_book.NegotiationBook` with both openings, the
rounds, the outcome, the price and the pair's Nash bargaining price.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from agents.negotiation import tactic_betas, tactics
from agents.table import TeamTable
from agents.valuation import value
from game.scenario import Scenario
from game.world.credits import Credits
from game.world.loans import Settled
from game.world.phases.bidding import BidResult
from game.world.phases.matching import Pairs, match_partners
from game.world.phases.negotiation_book import Bargains, Negotiators
from market.negotiation import nash_bargaining_prices, negotiate_batch_detailed

__all__ = [
    "Loans",
    "Pairs",
    "bargain",
    "match_partners",
    "negotiate_loans",
    "negotiation_phase",
]

LINEAR = 1
"""Index of the linear tactic in :data:`agents.negotiation.TACTICS` (the default)."""


@dataclass(frozen=True, slots=True)
class Loans:
    """Loans that moved tranches this week: who borrows from whom, how many, at what price.

    Attributes:
        borrower: Borrowing teams.
        lender: Lending teams.
        units: Tranches moved.
        price: Credits per tranche.
        weeks: Each loan's term.
        bargains: This week's automatic negotiations, agreed or not (``None`` when the
            automatic bargaining did not run).
    """

    borrower: np.ndarray
    lender: np.ndarray
    units: np.ndarray
    price: np.ndarray
    weeks: np.ndarray
    bargains: Bargains | None = None


def _no_loans(bargains: Bargains | None = None) -> Loans:
    none = np.zeros(0)
    ints = np.zeros(0, np.int64)
    return Loans(ints, ints, none, none, ints, bargains)


def loan_term(sc: Scenario) -> int:
    """Weeks an automatic loan lasts: ``negotiation.loan_weeks``, at most the lease."""
    return min(sc.negotiation.loan_weeks, sc.market.lease_weeks)


def bargain(
    table: TeamTable,
    offer: BidResult,
    balances: np.ndarray,
    ties: sp.csr_matrix,
    sc: Scenario,
    week: int,
    *,
    tactic: np.ndarray | None = None,
    market_price: float | None = None,
    lenders_allowed: np.ndarray | None = None,
    borrowers_allowed: np.ndarray | None = None,
) -> Bargains:
    """Match teams in deficit with lenders and bargain over loans, all pairs at once.

    A pair negotiates when the lender has at least one tranche leased for the loan's weeks
    to spare, the borrower would gain from it and can pay the lender's reservation for one.
    Nothing moves here.

    Args:
        table: The team table (holdings, leases, needs, stress).
        offer: This week's bid result (the situation values come from).
        balances: Credits each team has.
        ties: Team-to-team tie matrix (neighbours are asked first).
        sc: The scenario (negotiation settings, lease, production parameters).
        week: The week (for the record).
        tactic: Each team's tactic (index into :data:`agents.negotiation.TACTICS`;
            default: linear for all).
        market_price: The last clearing price per tranche (for a lease), if any.
        lenders_allowed: Teams that may lend (default: all); a team whose surplus is
            promised to the reallocation group may not.
        borrowers_allowed: Teams that may borrow (default: all).
    """
    cfg = sc.negotiation
    gpus = table.gpus
    weeks = loan_term(sc)
    deficit = np.floor(np.maximum(0.0, table.need - gpus))
    surplus = np.floor(np.maximum(0.0, gpus - table.need))
    # Only tranches leased for the whole loan are lent (column c lasts c + 1 more weeks).
    surplus = np.minimum(surplus, np.floor(table.leases[:, weeks - 1 :].sum(axis=1) + 1e-9))
    if lenders_allowed is not None:
        surplus = np.where(lenders_allowed, surplus, 0.0)
    if borrowers_allowed is not None:
        deficit = np.where(borrowers_allowed, deficit, 0.0)
    pairs = match_partners(deficit, surplus, ties)
    b, lnd, units = pairs.borrower, pairs.lender, pairs.units
    sit = offer.situation

    def per_tranche(units: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """What ``units`` tranches add to each borrower and take from each lender, each."""
        grid_b = np.stack([gpus[b] + units, gpus[b]], 1)
        grid_l = np.stack([gpus[lnd], gpus[lnd] - units], 1)
        gain = value(sit.rows(b), grid_b, weeks, sc.research, sc.product, sc.valuation)
        loss = value(sit.rows(lnd), grid_l, weeks, sc.research, sc.product, sc.valuation)
        return (gain @ [1.0, -1.0]) / units, (loss @ [1.0, -1.0]) / units

    if b.size:
        gain, loss = per_tranche(units)
        # A borrower asks only for what it can pay the lender's reservation for.
        afford = np.floor(balances[b] / np.maximum(loss, 1e-9) + 1e-9)
        units = np.minimum(units, np.maximum(afford, 0.0))
        ok = (units >= 1) & (gain > 0)
        b, lnd, units = b[ok], lnd[ok], units[ok]
    if b.size == 0:
        return Bargains.none(week)
    gain, loss = per_tranche(units)
    r_b = np.minimum(gain, balances[b] / units)
    r_l = loss
    choice = np.full(table.n, LINEAR) if tactic is None else tactic
    betas = tactic_betas(cfg)
    kl, bl, tl = tactics(table.stress[lnd], betas[choice[lnd]], cfg)
    kb, bb, tb = tactics(table.stress[b], betas[choice[b]], cfg)
    spread = cfg.anchor_spread
    if market_price is not None and np.isfinite(market_price):
        market = np.full(b.size, market_price * weeks / sc.market.lease_weeks)
        low, high = market * (1.0 - spread), market * (1.0 + spread)
    else:
        market = np.full(b.size, np.nan)
        low, high = r_b * (1.0 - spread), r_l * (1.0 + spread)
    out = negotiate_batch_detailed(
        r_l, r_b, units, kl, bl, tl, kb, bb, tb, open_low=np.maximum(low, 0.0), open_high=high
    )
    return Bargains(
        week=week,
        borrower=b,
        lender=lnd,
        units=units,
        weeks=np.full(b.size, weeks, dtype=np.int64),
        borrower_tactic=choice[b],
        lender_tactic=choice[lnd],
        borrower_value=gain,
        lender_value=loss,
        borrower_reservation=r_b,
        lender_reservation=r_l,
        market_price=market,
        borrower_opening=out.borrower_opening,
        lender_opening=out.lender_opening,
        rounds=out.rounds,
        agreed=out.deal,
        lender_walked=out.lender_walked,
        price=out.price,
        nash_price=nash_bargaining_prices(r_l, r_b),
    )


def negotiate_loans(
    table: TeamTable,
    offer: BidResult,
    balances: np.ndarray,
    ties: sp.csr_matrix,
    sc: Scenario,
    *,
    lenders_allowed: np.ndarray | None = None,
    borrowers_allowed: np.ndarray | None = None,
    tactic: np.ndarray | None = None,
    market_price: float | None = None,
) -> Loans:
    """The loans :func:`bargain` agrees (nothing moves); arguments as there.

    Every agreed price lies between the lender's and the borrower's reservation, so a
    loan happens only where the borrower gains at least what the lender loses.
    """
    got = bargain(
        table,
        offer,
        balances,
        ties,
        sc,
        -1,
        tactic=tactic,
        market_price=market_price,
        lenders_allowed=lenders_allowed,
        borrowers_allowed=borrowers_allowed,
    )
    a = got.agreed
    return Loans(got.borrower[a], got.lender[a], got.units[a], got.price[a], got.weeks[a], got)


def negotiation_phase(
    table: TeamTable,
    credits: Credits,
    offer: BidResult,
    ties: sp.csr_matrix,
    sc: Scenario,
    week: int,
    *,
    negotiators: Negotiators,
    lenders_allowed: np.ndarray | None = None,
    borrowers_allowed: np.ndarray | None = None,
    settled: Settled | None = None,
) -> Loans:
    """Negotiate this week's loans and settle them as term loans; keep every negotiation.

    The lender gives its latest-returning tranches; the borrower holds each for the loan's
    weeks and they then go back to the lender, so loans neither create nor destroy
    tranche-weeks. Teams learn their tactics from the outcomes
    (:class:`agents.negotiation.TacticChoice`).

    Args:
        table: The team table.
        credits: The teams' credit accounts.
        offer: This week's bid result (values and situation).
        ties: Team-to-team tie matrix.
        sc: The scenario.
        week: The week.
        negotiators: The bargaining's state (tactics, book, term loans, world).
        lenders_allowed: Teams that may lend in the automatic bargaining (default: all).
        borrowers_allowed: Teams that may borrow in it (default: all).
        settled: Loans agreed outside it (a workshop's players), already settled this
            week; they are counted with the week's loans.

    Returns:
        The loans as settled (``units`` is what actually moved), agreed ones first, with
        this week's negotiations.
    """
    table.deals_in = np.zeros(table.n)
    table.deals_out = np.zeros(table.n)
    agreed = _no_loans()
    if settled is not None and settled.borrower.size:
        agreed = Loans(
            settled.borrower, settled.lender, settled.units, settled.price, settled.weeks
        )
        np.add.at(table.deals_in, settled.borrower, settled.units)
        np.add.at(table.deals_out, settled.lender, settled.units)
    if not sc.negotiation.enabled:
        return agreed
    bargains = bargain(
        table,
        offer,
        credits.balances,
        ties,
        sc,
        week,
        tactic=negotiators.tactics.choice,
        market_price=negotiators.world.last_price,
        lenders_allowed=lenders_allowed,
        borrowers_allowed=borrowers_allowed,
    )
    negotiators.book.add(bargains)
    _learn(negotiators, bargains, sc.negotiation.tactic_learning)
    deal = bargains.agreed
    b, lender, price, weeks = (
        bargains.borrower[deal],
        bargains.lender[deal],
        bargains.price[deal],
        bargains.weeks[deal],
    )
    moved = negotiators.term_loans.lend(
        table, credits, Settled(b, lender, bargains.units[deal], price, weeks), week
    )
    np.add.at(table.deals_in, b, moved)
    np.add.at(table.deals_out, lender, moved)
    return Loans(
        np.concatenate([agreed.borrower, b]),
        np.concatenate([agreed.lender, lender]),
        np.concatenate([agreed.units, moved]),
        np.concatenate([agreed.price, price]),
        np.concatenate([agreed.weeks, weeks]),
        bargains,
    )


def _learn(negotiators: Negotiators, bargains: Bargains, phi: float) -> None:
    """Reinforce the tactics of the pairs that had a zone of agreement."""
    zone = bargains.borrower_reservation >= bargains.lender_reservation
    if phi <= 0 or not zone.any():
        return
    to_b, to_l = bargains.rewards()
    teams = np.concatenate([bargains.borrower[zone], bargains.lender[zone]])
    negotiators.tactics.learn(teams, np.concatenate([to_b[zone], to_l[zone]]), phi)
