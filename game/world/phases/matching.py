"""Negotiation partners: each team in deficit is matched with at most one lender.

A neighbour on the org network first (the one with the largest surplus), anyone with a
surplus otherwise (by rank); one borrower per lender, the neediest first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

__all__ = ["Pairs", "match_partners"]


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
