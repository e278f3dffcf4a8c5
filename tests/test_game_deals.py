"""Negotiation partners: neighbours first, one borrower per lender, neediest first."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from game.deals import match_partners


def reference(deficit, surplus, adjacency):
    """The matching rule written as a plain loop over borrowers."""
    n = len(deficit)
    borrowers = sorted((i for i in range(n) if deficit[i] >= 1), key=lambda i: -deficit[i])
    lenders = [j for j in range(n) if surplus[j] >= 1]
    if not borrowers or not lenders:
        return []
    claims = []
    for b in borrowers:
        options = [j for j in range(n) if adjacency[b, j] > 0 and surplus[j] >= 1]
        if options:
            claims.append((b, max(options, key=lambda j: (surplus[j], -j))))
    pairs, taken = [], set()
    for b, lnd in claims:
        if lnd not in taken:
            pairs.append((b, lnd))
            taken.add(lnd)
    matched = {b for b, _ in pairs}
    rest_b = [b for b in borrowers if b not in matched]
    rest_l = sorted((j for j in lenders if j not in taken), key=lambda j: -surplus[j])
    pairs += list(zip(rest_b, rest_l, strict=False))
    return pairs


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 12),
    seed=st.integers(0, 10_000),
    density=st.floats(0.0, 0.6),
)
def test_matching_equals_the_plain_loop_rule(n, seed, density):
    rng = np.random.default_rng(seed)
    holdings = rng.integers(0, 6, n).astype(float)
    need = rng.integers(0, 6, n).astype(float)
    deficit = np.maximum(0, need - holdings)
    surplus = np.maximum(0, holdings - need)
    upper = np.triu(rng.random((n, n)) < density, 1)
    adjacency = (upper | upper.T).astype(float)
    pairs = match_partners(deficit, surplus, sp.csr_matrix(adjacency))
    got = list(zip(pairs.borrower.tolist(), pairs.lender.tolist(), strict=True))
    assert got == reference(deficit, surplus, adjacency)
    expected_units = [min(deficit[b], surplus[lnd]) for b, lnd in got]
    assert pairs.units.tolist() == expected_units
    assert len(set(pairs.lender.tolist())) == len(got)
    assert len(set(pairs.borrower.tolist())) == len(got)
