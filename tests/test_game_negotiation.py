"""Negotiation partners: neighbours first, one borrower per lender, neediest first."""

from __future__ import annotations

import numpy as np
import pytest
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


def test_loans_happen_only_when_the_borrower_gains_more_than_the_lender_loses():
    from agents.valuation import value
    from game import ComputeGame, load_scenario
    from game.world.phases.negotiation import loan_term, negotiate_loans

    # Play without negotiation so deficits and surpluses are left for us to bargain over.
    model = ComputeGame(load_scenario("lab-2025", {"negotiation.enabled": False}), rng=3)
    sc = model.scenario
    seen = 0
    for _ in range(30):
        model.step()
        t, offer = model.teams, model.last_week.bids
        balances = np.array(model.credits.balances)
        loans = negotiate_loans(t, offer, balances, model.network.ties, sc)
        if loans.borrower.size == 0:
            continue
        seen += loans.borrower.size
        b, lender, units = loans.borrower, loans.lender, loans.units
        sit, weeks = offer.situation, loan_term(sc)  # both sides value the loan's weeks

        def worth(rows, gpus, sit=sit, weeks=weeks):
            return value(sit.rows(rows), gpus, weeks, sc.research, sc.product, sc.valuation)

        lender_loss = worth(lender, t.gpus[lender]) - worth(lender, t.gpus[lender] - units)
        borrower_gain = worth(b, t.gpus[b] + units) - worth(b, t.gpus[b])
        # The lender is paid at least what the tranches would have produced for it...
        assert np.all(loans.price * units >= lender_loss - 1e-6)
        # ...and the loan creates value: the borrower produces more than the lender loses.
        assert np.all(borrower_gain >= lender_loss - 1e-6)
        assert np.all(units * loans.price <= balances[b] + 1e-9)
        assert np.all(units >= 1)
        assert np.all(units <= np.floor(t.gpus[lender] - t.need[lender]) + 1e-9)
    assert seen > 0


def test_a_team_whose_surplus_is_promised_to_the_reallocation_group_does_not_lend():
    from game import ComputeGame, load_scenario
    from game.world.phases.negotiation import negotiate_loans

    model = ComputeGame(load_scenario("lab-2025", {"negotiation.enabled": False}), rng=3)
    sc = model.scenario
    lenders_seen = set()
    for _ in range(30):
        model.step()
        t, offer = model.teams, model.last_week.bids
        balances = np.array(model.credits.balances)
        free = negotiate_loans(t, offer, balances, model.network.ties, sc)
        lenders_seen |= set(free.lender.tolist())
        if free.lender.size:
            barred = np.zeros(t.n, dtype=bool)
            barred[free.lender[0]] = True
            kept = negotiate_loans(
                t, offer, balances, model.network.ties, sc, lenders_allowed=~barred
            )
            assert free.lender[0] not in kept.lender.tolist()
    assert lenders_seen


# ------------------------------------------------------------------ lease bookkeeping


def _tranche_weeks(leases: np.ndarray) -> float:
    """Tranches held, each weighted by the weeks its lease has left (column 0: 1 week)."""
    return float((leases * np.arange(1, leases.shape[1] + 1)).sum())


def _table(leases: list[list[float]]):
    from agents.table import TeamTable

    n = len(leases)
    return TeamTable(
        names=[f"t{i}" for i in range(n)],
        kind=np.zeros(n, dtype=np.int64),
        headcount=np.ones(n),
        headcount_target=np.ones(n),
        leases=np.array(leases, dtype=float),
        need=np.zeros(n),
    )


def test_take_leases_takes_latest_returning_first_and_give_leases_puts_them_back():
    t = _table([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, 0.0, 1.0]])
    taken = t.take_leases(np.array([0, 2]), np.array([4.0, 9.0]))
    np.testing.assert_array_equal(taken, [[0.0, 1.0, 3.0], [4.0, 0.0, 1.0]])
    np.testing.assert_array_equal(t.gpus, [2.0, 0.0, 0.0])
    t.give_leases(np.array([1, 0]), taken)
    np.testing.assert_array_equal(t.leases, [[5.0, 1.0, 1.0], [0.0, 1.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_array_equal(t.gpus, [7.0, 4.0, 0.0])
    # take() is take_leases() summed per team.
    twin = _table([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0], [4.0, 0.0, 1.0]])
    np.testing.assert_array_equal(twin.take(np.array([0, 2]), np.array([4.0, 9.0])), [4.0, 5.0])
    assert t.take_leases(np.zeros(0, dtype=np.int64), np.zeros(0)).shape == (0, 3)


def test_loans_conserve_tranche_weeks(monkeypatch):
    import game.world.model as model_module
    from game import ComputeGame, load_scenario

    phase = model_module.negotiation_phase
    weeks: list[tuple[float, float, float, np.ndarray, np.ndarray]] = []

    def watched(table, *args, **kwargs):
        before, by_lease = _tranche_weeks(table.leases), table.leases.sum(axis=0)
        loans = phase(table, *args, **kwargs)
        after = (_tranche_weeks(table.leases), table.leases.sum(axis=0))
        weeks.append((before, after[0], loans.units.sum(), by_lease, after[1]))
        return loans

    monkeypatch.setattr(model_module, "negotiation_phase", watched)
    for seed in (0, 1, 2):
        ComputeGame(load_scenario("lab-2025"), rng=seed).run(52)
    lent = sum(w[2] for w in weeks)
    assert lent >= 20, "loans should happen in a year of lab-2025"
    for before, after, _, by_lease_before, by_lease_after in weeks:
        assert after == pytest.approx(before, abs=1e-9)
        # Not only the total: every lease column holds what it held.
        np.testing.assert_allclose(by_lease_after, by_lease_before, atol=1e-9)
