"""Negotiation partners: neighbours first, one borrower per lender, neediest first."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from game.world.phases.negotiation import match_partners


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


def test_negotiated_loans_stay_within_reservations_and_credits():
    from agents.negotiation import NegotiationParams, reservation_prices
    from game import ComputeGame, load_scenario
    from game.world.phases.negotiation import negotiate_loans

    # Play without negotiation so deficits and surpluses are left for us to bargain over.
    model = ComputeGame(load_scenario("lab-2025", {"negotiation.enabled": False}), rng=3)
    cfg = NegotiationParams()
    seen = 0
    for _ in range(30):
        model.step()
        t, book = model.teams, model.last_week.bids
        balances = np.array(model.credits.balances)
        loans = negotiate_loans(t, book.values, balances, model.network.ties, cfg)
        if loans.borrower.size == 0:
            continue
        seen += loans.borrower.size
        scale = book.values[:, 0]
        lender_value = np.where(scale[loans.lender] > 0, scale[loans.lender], book.values.max())
        b_res, l_res = reservation_prices(
            scale[loans.borrower],
            lender_value,
            t.stress[loans.borrower],
            model.scenario.negotiation,
        )
        assert np.all(loans.price >= l_res - 1e-9) and np.all(loans.price <= b_res + 1e-9)
        assert np.all(loans.units * loans.price <= balances[loans.borrower] + 1e-9)
        assert np.all(loans.units >= 1)
        assert np.all(loans.units <= np.floor(t.gpus[loans.lender] - t.need[loans.lender]) + 1e-9)
    assert seen > 0
