"""Phase 7, negotiation: teams in deficit borrow tranches from teams with a surplus.

After clearing, each team short of its need looks for a partner with spare
tranches — a neighbour on the org network first, anyone with a surplus otherwise —
and the two bargain with alternating offers (:mod:`market.negotiation`), each side
following the teams' negotiation behaviour (:mod:`agents.negotiation`). Agreed loans
move the tranches (with their remaining lease) and the credits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from agents.negotiation import reservation_prices, tactics
from agents.table import TeamTable
from agents.valuation import value
from game.scenario import Scenario
from game.world.credits import Credits
from game.world.loans import Settled
from game.world.phases.bidding import BidResult
from market.negotiation import negotiate_batch

__all__ = ["Loans", "Pairs", "match_partners", "negotiate_loans", "negotiation_phase"]


@dataclass(frozen=True)
class Pairs:
    """Matched borrower/lender pairs and the tranches at stake."""

    borrower: np.ndarray
    lender: np.ndarray
    units: np.ndarray


def match_partners(deficit: np.ndarray, surplus: np.ndarray, ties: sp.csr_matrix) -> Pairs:
    """Match each team in deficit with at most one lender, neighbours first.

    Borrowers are served in order of their deficit (largest first). Each picks the
    neighbour with the largest surplus; a lender chosen by several keeps the
    neediest. Borrowers left without a neighbour are then matched with the
    remaining lenders by rank (largest deficit with largest surplus).

    Args:
        deficit: Whole tranches each team is short (0 if none).
        surplus: Whole tranches each team holds beyond its need (0 if none).
        ties: Team-to-team tie matrix of the org network.
    """
    borrowers = (deficit >= 1).nonzero()[0]
    lenders = (surplus >= 1).nonzero()[0]
    empty = np.zeros(0, dtype=np.int64)
    if borrowers.size == 0 or lenders.size == 0:
        return Pairs(empty, empty, np.zeros(0))
    borrowers = borrowers[np.argsort(-deficit[borrowers], kind="stable")]
    b_first, l_first = _best_neighbour(borrowers, surplus, ties)
    # One borrower per lender: keep the first (neediest) claim on each.
    n = deficit.size
    claim = np.arange(l_first.size)
    first_claim = np.full(n, l_first.size)
    np.minimum.at(first_claim, l_first, claim)
    first = first_claim[l_first] == claim
    b_pair, l_pair = b_first[first], l_first[first]
    # Everyone else: match by rank among the unmatched.
    taken = np.zeros(n, dtype=bool)
    taken[b_pair] = True
    b_rest = borrowers[~taken[borrowers]]
    taken[:] = False
    taken[l_pair] = True
    l_rest = lenders[~taken[lenders]]
    l_rest = l_rest[np.argsort(-surplus[l_rest], kind="stable")]
    m = min(b_rest.size, l_rest.size)
    borrower = np.concatenate([b_pair, b_rest[:m]])
    lender = np.concatenate([l_pair, l_rest[:m]])
    units = np.minimum(np.floor(deficit[borrower]), np.floor(surplus[lender]))
    return Pairs(borrower, lender, units)


def _best_neighbour(
    borrowers: np.ndarray, surplus: np.ndarray, ties: sp.csr_matrix
) -> tuple[np.ndarray, np.ndarray]:
    """For each borrower (in the given order), its neighbour with the largest surplus.

    Works on the CSR arrays directly: every (borrower, neighbour) edge is listed,
    edges to neighbours without a surplus are dropped, and the first edge per
    borrower after sorting by (borrower order, surplus descending, neighbour index)
    wins. Borrowers without such a neighbour are left out.

    Returns:
        ``(borrowers_with_neighbour, chosen_lender)`` in the borrowers' order.
    """
    starts, ends = ties.indptr[borrowers], ties.indptr[borrowers + 1]
    degree = ends - starts
    if degree.sum() == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    order = np.repeat(np.arange(borrowers.size), degree)
    offsets = np.arange(degree.sum()) - np.repeat(np.cumsum(degree) - degree, degree)
    neighbour = ties.indices[np.repeat(starts, degree) + offsets]
    keep = surplus[neighbour] >= 1
    order, neighbour = order[keep], neighbour[keep]
    if order.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    rank = np.lexsort((neighbour, -surplus[neighbour], order))
    order, neighbour = order[rank], neighbour[rank]
    first = np.ones(order.size, dtype=bool)
    first[1:] = order[1:] != order[:-1]
    return borrowers[order[first]], neighbour[first].astype(np.int64)


@dataclass(frozen=True, slots=True)
class Loans:
    """Agreed loans: who borrows from whom, how many tranches, at what price per tranche."""

    borrower: np.ndarray
    lender: np.ndarray
    units: np.ndarray
    price: np.ndarray


def negotiate_loans(
    table: TeamTable,
    offer: BidResult,
    balances: np.ndarray,
    ties: sp.csr_matrix,
    sc: Scenario,
    *,
    lenders_allowed: np.ndarray | None = None,
    borrowers_allowed: np.ndarray | None = None,
) -> Loans:
    """Match teams in deficit with lenders and bargain over loans, all pairs at once.

    Both sides value the tranches at stake with their own production over a lease
    (:mod:`agents.valuation`): a loan is considered only where the borrower's gain exceeds
    the lender's loss (its opportunity cost, and its reservation); the borrower's
    reservation is its gain raised by stress. Tactics come from stress
    (:func:`agents.negotiation.tactics`); a borrower never agrees to more than its credits
    pay for. Nothing moves here: the caller transfers the tranches and credits.

    Args:
        table: The team table (holdings, needs, stress).
        offer: This week's bid result (values and situation).
        balances: Credits each team has.
        ties: Team-to-team tie matrix (neighbours are asked first).
        sc: The scenario (negotiation settings, lease, production parameters).
        lenders_allowed: Teams that may lend (default: all); a team whose surplus is
            promised to the reallocation group may not.
        borrowers_allowed: Teams that may borrow (default: all).
    """
    cfg = sc.negotiation
    empty = Loans(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    gpus = table.gpus
    deficit = np.floor(np.maximum(0.0, table.need - gpus))
    surplus = np.floor(np.maximum(0.0, gpus - table.need))
    if lenders_allowed is not None:
        surplus = np.where(lenders_allowed, surplus, 0.0)
    if borrowers_allowed is not None:
        deficit = np.where(borrowers_allowed, deficit, 0.0)
    pairs = match_partners(deficit, surplus, ties)
    if pairs.borrower.size == 0:
        return empty
    b, lnd, units = pairs.borrower, pairs.lender, pairs.units
    sit, weeks = offer.situation, sc.market.lease_weeks

    def worth(rows: np.ndarray, gpus: np.ndarray) -> np.ndarray:
        return value(sit.rows(rows), gpus, weeks, sc.research, sc.product, sc.valuation)

    # What the tranches at stake add to the borrower's output, and take from the lender's.
    borrower_value = (worth(b, np.stack([gpus[b] + units, gpus[b]], 1)) @ [1.0, -1.0]) / units
    lender_cost = (worth(lnd, np.stack([gpus[lnd], gpus[lnd] - units], 1)) @ [1.0, -1.0]) / units
    b_res, l_res = reservation_prices(borrower_value, lender_cost, table.stress[b], cfg)
    # A loan happens only if it creates value (MODEL-REFERENCE §5); stress only moves the price.
    creates_value = borrower_value >= lender_cost
    units = np.minimum(units, np.floor(balances[b] / np.maximum(l_res, 1e-9)))
    ok = (units >= 1) & creates_value
    b, lnd, units, b_res, l_res = b[ok], lnd[ok], units[ok], b_res[ok], l_res[ok]
    if b.size == 0:
        return empty
    kl, bl, tl = tactics(table.stress[lnd], cfg)
    kb, bb, tb = tactics(table.stress[b], cfg)
    result = negotiate_batch(l_res, b_res, units, kl, bl, tl, kb, bb, tb)
    price = np.nan_to_num(result.price, nan=np.inf)
    affordable = np.floor(balances[b] / np.maximum(price, 1e-9))
    units = np.where(result.deal, np.minimum(units, affordable), 0.0)
    done = units >= 1
    return Loans(b[done], lnd[done], units[done], price[done])


_NO_LOANS = Loans(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


def negotiation_phase(
    table: TeamTable,
    credits: Credits,
    offer: BidResult,
    ties: sp.csr_matrix,
    sc: Scenario,
    week: int,
    *,
    lenders_allowed: np.ndarray | None = None,
    borrowers_allowed: np.ndarray | None = None,
    settled: Settled | None = None,
) -> Loans:
    """Negotiate this week's loans and settle them: tranches to borrowers, credits to lenders.

    The lender gives its latest-returning tranches; the borrower holds each for the
    lease it had left, so loans neither create nor destroy tranche-weeks.

    Args:
        table: The team table.
        credits: The teams' credit accounts.
        offer: This week's bid result (values and situation).
        ties: Team-to-team tie matrix.
        sc: The scenario.
        week: The week.
        lenders_allowed: Teams that may lend in the automatic bargaining (default: all).
        borrowers_allowed: Teams that may borrow in it (default: all).
        settled: Loans agreed outside it (a workshop's players), already settled this
            week; they are counted with the week's loans.

    Returns:
        The loans as settled (``units`` is what actually moved), agreed ones first.
    """
    table.deals_in = np.zeros(table.n)
    table.deals_out = np.zeros(table.n)
    agreed = _NO_LOANS
    if settled is not None and settled.borrower.size:
        agreed = Loans(settled.borrower, settled.lender, settled.units, settled.price)
        np.add.at(table.deals_in, settled.borrower, settled.units)
        np.add.at(table.deals_out, settled.lender, settled.units)
    if not sc.negotiation.enabled:
        return agreed
    loans = negotiate_loans(
        table,
        offer,
        credits.balances,
        ties,
        sc,
        lenders_allowed=lenders_allowed,
        borrowers_allowed=borrowers_allowed,
    )
    if loans.borrower.size == 0:
        return agreed
    b, lender, price = loans.borrower, loans.lender, loans.price
    # Lent tranches keep their remaining lease: no tranche-week is created or lost.
    leases = table.take_leases(lender, loans.units)
    table.give_leases(b, leases)
    moved = leases.sum(axis=1)
    credits.transfer(b, lender, moved * price, week)
    np.add.at(table.deals_in, b, moved)
    np.add.at(table.deals_out, lender, moved)
    if agreed.borrower.size == 0:
        return Loans(b, lender, moved, price)
    return Loans(
        np.concatenate([agreed.borrower, b]),
        np.concatenate([agreed.lender, lender]),
        np.concatenate([agreed.units, moved]),
        np.concatenate([agreed.price, price]),
    )
