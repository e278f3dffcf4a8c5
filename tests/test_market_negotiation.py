"""Tests for market.negotiation: concession curves, the protocol, bargaining closed forms."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from market.negotiation import (
    NegotiationResult,
    NegotiatorProfile,
    concession,
    nash_bargaining_price,
    negotiate,
    negotiate_batch,
    rubinstein_share,
    stressed,
)

PROPS = settings(max_examples=80, deadline=None)

prices = st.floats(0, 1000, allow_nan=False)
profiles = st.builds(
    NegotiatorProfile,
    reservation=prices,
    kappa=st.floats(0, 1),
    beta=st.floats(0.05, 20),
    t_max=st.integers(1, 30),
)
movers = st.sampled_from(["borrower", "lender"])


# ----------------------------------------------------------------- concession


@pytest.mark.parametrize("kappa", [0.0, 0.2, 1.0])
@pytest.mark.parametrize("beta", [0.2, 1.0, 5.0])
def test_concession_starts_at_kappa_and_ends_at_one(kappa, beta):
    assert concession(0, 10, kappa, beta) == pytest.approx(kappa)
    assert concession(10, 10, kappa, beta) == pytest.approx(1.0)


def test_linear_concession_is_linear_in_time():
    np.testing.assert_allclose(concession(np.arange(5), 4, 0.0, 1.0), [0, 0.25, 0.5, 0.75, 1])


def test_boulware_concedes_less_early_than_conceder():
    t = np.arange(1, 10)
    boulware = concession(t, 10, 0.1, 0.3)
    conceder = concession(t, 10, 0.1, 3.0)
    assert np.all(boulware < conceder)


@PROPS
@given(st.floats(0, 1), st.floats(0.05, 20), st.integers(1, 50))
def test_concession_rises_from_kappa_to_one(kappa, beta, t_max):
    alpha = concession(np.arange(t_max + 1), t_max, kappa, beta)
    assert np.all(np.diff(alpha) >= 0)
    assert np.all((alpha >= kappa) & (alpha <= 1.0))


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((11, 10, 0.1, 1.0), "t must be in"),
        ((1, 0, 0.1, 1.0), "t_max"),
        ((1, 10, 1.5, 1.0), "kappa"),
        ((1, 10, 0.1, 0.0), "beta"),
    ],
)
def test_concession_rejects_out_of_range_arguments(args, field):
    with pytest.raises(ValueError, match=field):
        concession(*args)


# ----------------------------------------------------------------- profiles


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reservation": -1.0}, "reservation"),
        ({"reservation": 1.0, "kappa": -0.1}, "kappa"),
        ({"reservation": 1.0, "beta": 0}, "beta"),
        ({"reservation": 1.0, "t_max": 0}, "t_max"),
        ({"reservation": 1.0, "t_max": 2.5}, "t_max"),
    ],
)
def test_profile_rejects_bad_fields(kwargs, field):
    with pytest.raises(ValueError, match=field):
        NegotiatorProfile(**kwargs)


def test_stress_shortens_the_deadline_and_raises_beta():
    calm = NegotiatorProfile(reservation=5.0, kappa=0.1, beta=0.5, t_max=10)
    tense = stressed(calm, 1.0)
    assert tense.t_max == 5
    assert tense.beta == pytest.approx(1.5)
    assert (tense.reservation, tense.kappa) == (calm.reservation, calm.kappa)
    assert stressed(calm, 0.0) == calm


@PROPS
@given(profiles, st.floats(0, 1), st.floats(0, 1))
def test_more_stress_never_lengthens_the_deadline_or_lowers_beta(profile, s1, s2):
    low, high = sorted((s1, s2))
    a, b = stressed(profile, low), stressed(profile, high)
    assert b.t_max <= a.t_max <= profile.t_max
    assert b.beta >= a.beta >= profile.beta
    assert b.t_max >= 1


def test_stressed_rejects_stress_outside_unit_interval():
    with pytest.raises(ValueError, match="stress must be in"):
        stressed(NegotiatorProfile(1.0), 1.5)


# ----------------------------------------------------------------- closed forms


def test_rubinstein_share_closed_form():
    assert rubinstein_share(0.9, 0.9) == pytest.approx(1 / 1.9)
    assert rubinstein_share(0.0, 0.5) == pytest.approx(0.5)
    assert rubinstein_share(0.5, 0.0) == 1.0


def test_rubinstein_share_rejects_two_patient_players():
    with pytest.raises(ValueError, match="must not both be 1"):
        rubinstein_share(1.0, 1.0)


def test_nash_bargaining_price_splits_the_surplus_by_theta():
    assert nash_bargaining_price(10.0, 20.0) == pytest.approx(15.0)
    assert nash_bargaining_price(10.0, 20.0, theta=0.8) == pytest.approx(18.0)


def test_nash_bargaining_price_is_none_without_zone_of_agreement():
    assert nash_bargaining_price(20.0, 10.0) is None


@PROPS
@given(prices, prices, st.floats(0.01, 0.99))
def test_nash_bargaining_price_maximises_the_nash_product(r_l, r_b, theta):
    price = nash_bargaining_price(r_l, r_b, theta)
    if r_b < r_l:
        assert price is None
        return
    grid = np.linspace(r_l, r_b, 201)
    product = (grid - r_l) ** theta * (r_b - grid) ** (1 - theta)
    at_price = (price - r_l) ** theta * (r_b - price) ** (1 - theta)
    assert at_price >= product.max() - 1e-9 * max(1.0, product.max())


# ----------------------------------------------------------------- the protocol


def test_negotiation_transcript_hand_example():
    lender = NegotiatorProfile(reservation=10.0, t_max=4)
    borrower = NegotiatorProfile(reservation=20.0, t_max=4)
    result = negotiate(lender, borrower, units=8)
    # Anchors: borrower 0, lender 2 * 20 = 40; linear concession over 4 rounds.
    # t0 B 0; t1 L 40 - 30/4 = 32.5; t2 B 10; t3 L 17.5; t4 B: 17.5 <= own 20 -> accept.
    assert result.offers == [
        (0, "borrower", 0.0),
        (1, "lender", 32.5),
        (2, "borrower", 10.0),
        (3, "lender", 17.5),
    ]
    assert result == NegotiationResult(
        deal=True,
        price_per_unit=17.5,
        units=8.0,
        rounds=4,
        offers=result.offers,
        reason="accepted_by_borrower",
    )
    assert result.total_price == pytest.approx(140.0)


def test_lender_moving_first_opens_at_its_anchor():
    result = negotiate(
        NegotiatorProfile(10.0, t_max=4),
        NegotiatorProfile(20.0, t_max=4),
        units=1,
        first_mover="lender",
        open_low=5.0,
        open_high=30.0,
    )
    assert result.offers[:2] == [(0, "lender", 30.0), (1, "borrower", 8.75)]


def test_no_zone_of_agreement_ends_at_a_deadline():
    result = negotiate(NegotiatorProfile(20.0, t_max=5), NegotiatorProfile(10.0, t_max=5), 1)
    assert not result.deal
    assert result.price_per_unit is None
    assert result.units == 0.0
    assert result.reason == "borrower_deadline"


def test_random_first_mover_is_reproducible_with_the_same_seed():
    lender, borrower = NegotiatorProfile(3.0, beta=0.5), NegotiatorProfile(9.0, beta=2.0)
    runs = [
        negotiate(lender, borrower, 1, first_mover="random", rng=np.random.default_rng(s))
        for s in (7, 7)
    ]
    assert runs[0] == runs[1]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"first_mover": "both"}, "first_mover"), ({"open_low": -1.0}, "open_low")],
)
def test_negotiate_rejects_bad_options(kwargs, field):
    with pytest.raises(ValueError, match=field):
        negotiate(NegotiatorProfile(1.0), NegotiatorProfile(2.0), 1, **kwargs)


def test_negotiate_rejects_non_positive_units():
    with pytest.raises(ValueError, match="units"):
        negotiate(NegotiatorProfile(1.0), NegotiatorProfile(2.0), 0)


@PROPS
@given(profiles, profiles, movers, st.one_of(st.none(), prices), prices)
def test_deals_happen_only_inside_the_zone_of_agreement(lender, borrower, mover, high, low):
    result = negotiate(lender, borrower, 2, first_mover=mover, open_low=low, open_high=high)
    if borrower.reservation < lender.reservation:
        assert not result.deal
    if result.deal:
        assert lender.reservation <= result.price_per_unit <= borrower.reservation
        assert result.units == 2.0
    else:
        assert result.reason in ("lender_deadline", "borrower_deadline")
    assert result.rounds == len(result.offers)
    assert result.rounds <= min(lender.t_max, borrower.t_max) + 2


@PROPS
@given(profiles, profiles, movers)
def test_every_offer_lies_between_the_anchor_and_the_reservation(lender, borrower, mover):
    result = negotiate(lender, borrower, 1, first_mover=mover)
    for _, side, price in result.offers:
        if side == "lender":
            assert price >= lender.reservation
        else:
            assert 0.0 <= price <= borrower.reservation
    # Offers alternate, and each side's offers move monotonically toward its reservation.
    sides = [side for _, side, _ in result.offers]
    assert all(a != b for a, b in itertools.pairwise(sides))
    lender_prices = [p for _, s, p in result.offers if s == "lender"]
    borrower_prices = [p for _, s, p in result.offers if s == "borrower"]
    assert lender_prices == sorted(lender_prices, reverse=True)
    assert borrower_prices == sorted(borrower_prices)


@PROPS
@given(profiles, profiles, movers, st.integers(1, 30), st.sampled_from(["lender", "borrower"]))
def test_shorter_deadline_never_delays_the_end(lender, borrower, mover, shorter, who):
    if who == "lender":
        short = (replace(lender, t_max=min(shorter, lender.t_max)), borrower)
    else:
        short = (lender, replace(borrower, t_max=min(shorter, borrower.t_max)))
    long_run = negotiate(lender, borrower, 1, first_mover=mover)
    short_run = negotiate(*short, 1, first_mover=mover)
    # The shortened side concedes faster and quits sooner, so the end is no later...
    assert short_run.rounds <= long_run.rounds
    # ...and an agreement reached before the new deadline is reached no later.
    new_deadline = short[0].t_max if who == "lender" else short[1].t_max
    if long_run.deal and long_run.rounds <= new_deadline:
        assert short_run.deal
        assert short_run.rounds <= long_run.rounds


# ----------------------------------------------------------------- batch == scalar


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(profiles, profiles, movers), min_size=1, max_size=25), prices)
def test_batch_equals_pair_by_pair_negotiation(pairs, low):
    lenders = [p[0] for p in pairs]
    borrowers = [p[1] for p in pairs]
    first = [p[2] for p in pairs]

    def col(profs, attr):
        return np.array([getattr(p, attr) for p in profs])

    batch = negotiate_batch(
        col(lenders, "reservation"),
        col(borrowers, "reservation"),
        np.arange(1, len(pairs) + 1),
        col(lenders, "kappa"),
        col(lenders, "beta"),
        col(lenders, "t_max"),
        col(borrowers, "kappa"),
        col(borrowers, "beta"),
        col(borrowers, "t_max"),
        first_mover=np.array(first),
        open_low=low,
    )
    for i, (lender, borrower, mover) in enumerate(pairs):
        one = negotiate(lender, borrower, i + 1, first_mover=mover, open_low=low)
        assert batch.deal[i] == one.deal
        assert batch.rounds[i] == one.rounds
        if one.deal:
            assert batch.price[i] == one.price_per_unit  # exactly, not approximately
        else:
            assert np.isnan(batch.price[i])


def test_batch_random_first_mover_matches_sequential_draws_from_one_generator():
    n = 50
    args = (
        np.linspace(1, 50, n),
        np.linspace(60, 10, n),
        1.0,
        0.1,
        0.7,
        6,
        0.0,
        1.8,
        9,
    )
    batch = negotiate_batch(*args, first_mover="random", rng=np.random.default_rng(3))
    gen = np.random.default_rng(3)
    for i in range(n):
        one = negotiate(
            NegotiatorProfile(args[0][i], 0.1, 0.7, 6),
            NegotiatorProfile(args[1][i], 0.0, 1.8, 9),
            1.0,
            first_mover="random",
            rng=gen,
        )
        assert (batch.deal[i], batch.rounds[i]) == (one.deal, one.rounds)
        if one.deal:
            assert batch.price[i] == one.price_per_unit
    # Both orders occurred, so the comparison exercised the random draw.
    lender_first = np.random.default_rng(3).random(n) < 0.5
    assert lender_first.any() and not lender_first.all()


def test_batch_unpacks_as_deal_price_rounds():
    deal, price, rounds = negotiate_batch([10.0, 20.0], [20.0, 10.0], 1, 0.0, 1.0, 4, 0.0, 1.0, 4)
    np.testing.assert_array_equal(deal, [True, False])
    assert price[0] == pytest.approx(17.5)
    assert np.isnan(price[1])
    np.testing.assert_array_equal(rounds, [4, 5])  # lender walks away at t=5


@pytest.mark.parametrize(
    ("index", "value", "field"),
    [(0, -1.0, "lender_res"), (3, 2.0, "kappa_l"), (7, 0.0, "beta_b"), (8, 1.5, "tmax_b")],
)
def test_batch_rejects_out_of_range_arguments(index, value, field):
    args = [10.0, 20.0, 1.0, 0.0, 1.0, 4, 0.0, 1.0, 4]
    args[index] = value
    with pytest.raises(ValueError, match=field):
        negotiate_batch(*args)
