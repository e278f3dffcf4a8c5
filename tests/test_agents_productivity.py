"""Tests for agents.productivity and its parameter models."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pydantic import ValidationError

from agents import productivity as prod
from agents.productivity import ProductParams, ResearchParams
from agents.schema import WeekEvent

SETTINGS = settings(max_examples=60, deadline=None)
positive = st.floats(0.1, 1000.0)


# ---------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    ("cls", "field", "bad", "loc", "reason"),
    [
        (ResearchParams, "form", "leontief", ("form",), "'cobb_douglas' or 'ces'"),
        (ResearchParams, "alpha_people", 1.5, ("alpha_people",), "less than or equal to 1"),
        (ResearchParams, "ces_sigma", 0.0, ("ces_sigma",), "greater than 0"),
        (ResearchParams, "tfp", -1.0, ("tfp",), "greater than 0"),
        (
            ProductParams,
            "latency_exponent",
            0.4,
            ("latency_exponent",),
            "greater than or equal to 0.5",
        ),
        (ProductParams, "users_per_gpu", 0.0, ("users_per_gpu",), "greater than 0"),
        (ProductParams, "demand_per_person", 0.0, ("demand_per_person",), "greater than 0"),
        (ProductParams, "demand_ceiling", 0.5, ("demand_ceiling",), "greater than or equal to 1"),
        (ProductParams, "churn_weekly", -0.01, ("churn_weekly",), "greater than or equal to 0"),
        (ProductParams, "churn_weekly", 0.6, ("churn_weekly",), "less than or equal to 0.5"),
        (
            ProductParams,
            "max_utilisation",
            1.0,
            ("max_utilisation",),
            "less than or equal to 0.999",
        ),
        (ProductParams, "tier_sizes", "big", ("tier_sizes",), "valid tuple"),
        (ProductParams, "tier_sizes", (0.3, -0.1), ("tier_sizes", 1), "greater than or equal to 0"),
        (ProductParams, "tier_sizes", (0.3, 10.5), ("tier_sizes", 1), "less than or equal to 10"),
        (
            ProductParams,
            "demand_spikes",
            [{"week": -1, "gpus": 2.0}],
            ("demand_spikes", 0, "week"),
            "greater than or equal to 0",
        ),
    ],
)
def test_params_reject_bad_values_naming_field_and_bound(cls, field, bad, loc, reason):
    with pytest.raises(ValidationError) as info:
        cls(**{field: bad})
    [error] = info.value.errors()
    assert error["loc"] == loc
    assert re.search(reason, error["msg"]), error["msg"]
    message = str(info.value)
    assert cls.__name__ in message
    assert re.search(rf"^{re.escape('.'.join(map(str, loc)))}$", message, flags=re.MULTILINE)


def test_params_refuse_unknown_keys_and_assignment():
    with pytest.raises(ValidationError, match="tier_size"):
        ProductParams(tier_size=(0.3,))
    p = ResearchParams()
    with pytest.raises(ValidationError, match="frozen"):
        p.tfp = 2.0  # type: ignore[misc]


def test_tier_sizes_from_a_list_become_a_hashable_tuple_of_floats():
    p = ProductParams(tier_sizes=[0.1, 2])
    assert p.tier_sizes == (0.1, 2.0)
    assert all(type(size) is float for size in p.tier_sizes)
    assert hash(p) == hash(ProductParams(tier_sizes=(0.1, 2.0)))


def test_demand_spikes_from_dicts_become_hashable_week_events():
    p = ProductParams(demand_spikes=[{"week": 3, "gpus": 5}])
    assert p.demand_spikes == (WeekEvent(week=3, gpus=5.0),)
    assert hash(p) == hash(ProductParams(demand_spikes=(WeekEvent(week=3, gpus=5.0),)))
    assert ProductParams().demand_spikes == ()


# ------------------------------------------------------------------------ research


@SETTINGS
@given(L=positive, G=positive, a=st.floats(0.1, 0.9), b=st.floats(0.1, 0.9))
def test_cobb_douglas_scales_with_its_exponents(L, G, a, b):
    p = ResearchParams(alpha_people=a, beta_gpus=b, tfp=2.0)
    base = prod.research_output(np.array([L]), np.array([G]), 1.0, 0.0, p)[0]
    assert base == pytest.approx(2.0 * L**a * G**b)
    double_l = prod.research_output(np.array([2 * L]), np.array([G]), 1.0, 0.0, p)[0]
    double_g = prod.research_output(np.array([L]), np.array([2 * G]), 1.0, 0.0, p)[0]
    assert double_l / base == pytest.approx(2**a)
    assert double_g / base == pytest.approx(2**b)


def test_cobb_douglas_needs_both_people_and_gpus():
    for beta in (0.3, 0.0):
        p = ResearchParams(beta_gpus=beta)
        out = prod.research_output(
            np.array([5.0, 0.0, 5.0]), np.array([0.0, 4.0, 4.0]), 1.0, 0.0, p
        )
        assert out[0] == 0.0 and out[1] == 0.0 and out[2] > 0.0


def test_research_output_scales_with_morale_and_burnout():
    p = ResearchParams()
    L, G = np.full(3, 4.0), np.full(3, 9.0)
    full = prod.research_output(L, G, 1.0, 0.0, p)
    out = prod.research_output(L, G, np.array([1.0, 0.5, 0.5]), np.array([0.0, 0.0, 0.4]), p)
    np.testing.assert_allclose(out, full * [1.0, 0.5, 0.3])


@SETTINGS
@given(L=positive, G=positive, theta=st.floats(0.1, 0.9))
def test_ces_near_unit_elasticity_is_close_to_cobb_douglas(L, G, theta):
    cd = L**theta * G ** (1 - theta)
    exact = ResearchParams(form="ces", ces_theta=theta, ces_sigma=1.0)
    near = ResearchParams(form="ces", ces_theta=theta, ces_sigma=1.0 + 1e-6)
    args = (np.array([L]), np.array([G]), 1.0, 0.0)
    assert prod.research_output(*args, exact)[0] == pytest.approx(cd, rel=1e-12)
    assert prod.research_output(*args, near)[0] == pytest.approx(cd, rel=1e-4)


@SETTINGS
@given(L=positive, G=positive, sigma=st.floats(0.2, 5.0))
def test_ces_has_constant_returns_to_scale(L, G, sigma):
    p = ResearchParams(form="ces", ces_sigma=sigma)
    one = prod.research_output(np.array([L]), np.array([G]), 1.0, 0.0, p)[0]
    two = prod.research_output(np.array([2 * L]), np.array([2 * G]), 1.0, 0.0, p)[0]
    assert two == pytest.approx(2 * one, rel=1e-9)


def test_ces_zero_gpus_depends_on_substitutability():
    L, G = np.array([4.0]), np.array([0.0])
    complements = ResearchParams(form="ces", ces_sigma=0.5)  # rho = -1
    assert prod.research_output(L, G, 1.0, 0.0, complements)[0] == 0.0
    substitutes = ResearchParams(form="ces", ces_sigma=2.6, ces_theta=0.5)
    rho = 1 - 1 / 2.6
    assert prod.research_output(L, G, 1.0, 0.0, substitutes)[0] == pytest.approx(
        0.5 ** (1 / rho) * 4.0
    )
    assert prod.research_output(np.zeros(1), G, 1.0, 0.0, substitutes)[0] == 0.0


def test_ces_complements_are_limited_by_the_scarce_input():
    p = ResearchParams(form="ces", ces_sigma=0.05)  # near Leontief
    out = prod.research_output(np.array([100.0]), np.array([2.0]), 1.0, 0.0, p)[0]
    assert 2.0 <= out <= 2.2


# ------------------------------------------------------------------------- product


def test_serving_capacity_is_linear_in_gpus():
    p = ProductParams(users_per_gpu=0.0025)
    np.testing.assert_allclose(prod.serving_capacity(np.array([0.0, 1.0, 4.0]), p), [0, 2.5, 10])


def test_latency_closed_form_and_limits():
    p = ProductParams(service_time=2.0, latency_exponent=0.5, max_utilisation=0.99)
    T = prod.latency(np.array([0.0, 5.0, 50.0, 1.0]), np.array([10.0, 10.0, 10.0, 0.0]), p)
    assert T[0] == pytest.approx(2.0)
    assert T[1] == pytest.approx(2.0 / 0.5**0.5)
    assert T[2] == pytest.approx(2.0 / 0.01**0.5)  # utilisation capped at 0.99
    assert T[3] == math.inf


@SETTINGS
@given(d=hnp.arrays(float, 20, elements=st.floats(0.0, 100.0)), c=positive)
def test_latency_increases_with_utilisation(d, c):
    d = np.sort(d)
    T = prod.latency(d, np.full(20, c), ProductParams())
    assert np.all(np.diff(T) >= 0)
    util = d / c
    strictly = (util[1:] > util[:-1] + 1e-6) & (util[1:] <= ProductParams().max_utilisation)
    assert np.all(np.diff(T)[strictly] > 0)


def test_product_value_closed_form_and_falls_with_latency():
    p = ProductParams()
    demand = np.array([5.0, 5.0, 5.0])
    capacity = np.array([6.0, 10.0, 50.0])  # same users served, less latency
    value = prod.product_value(demand, capacity, p)
    T = prod.latency(demand, capacity, p)
    np.testing.assert_allclose(value, p.price_per_user * 5.0 * np.exp(-T / p.latency_tolerance))
    assert T[0] > T[1] > T[2]
    assert value[0] < value[1] < value[2]


def test_product_value_is_zero_without_capacity_or_demand():
    value = prod.product_value(np.array([10.0, 0.0]), np.array([0.0, 10.0]), ProductParams())
    np.testing.assert_array_equal(value, [0.0, 0.0])


@SETTINGS
@given(
    d=st.floats(0.0, 100.0),
    c=hnp.arrays(float, 20, elements=st.floats(0.0, 200.0)),
    gamma=st.one_of(st.just(1.0), st.floats(0.01, 1.0)),
)
def test_product_value_does_not_fall_with_capacity(d, c, gamma):
    c = np.sort(c)
    value = prod.product_value(np.full(20, d), c, ProductParams(served_value_exponent=gamma))
    assert np.all(np.diff(value) >= -1e-12 * max(1.0, float(value.max(initial=0.0))))
    assert np.all(value >= 0)


def test_linear_served_value_is_price_times_served_times_quality():
    p = ProductParams(served_value_exponent=1.0, price_per_user=3.0, latency_tolerance=5.0)
    demand = np.array([5.0, 5.0, 5.0, 5.0])
    capacity = np.array([1.0, 2.5, 5.0, 40.0])
    value = prod.product_value(demand, capacity, p)
    T = prod.latency(demand, capacity, p)
    served = np.array([1.0, 2.5, 5.0, 5.0])
    np.testing.assert_allclose(value, 3.0 * served * np.exp(-T / 5.0), rtol=1e-12)
    # Below demand the load sits at the cap, so value is proportional to capacity.
    assert value[1] == pytest.approx(2.5 * value[0])


@pytest.mark.parametrize("gamma", [0.2, 0.5, 0.9])
def test_served_value_exponent_closed_form(gamma):
    p = ProductParams(served_value_exponent=gamma, price_per_user=7.0)
    demand = np.array([8.0, 8.0, 8.0])
    capacity = np.array([2.0, 8.0, 30.0])
    value = prod.product_value(demand, capacity, p)
    quality = np.exp(-prod.latency(demand, capacity, p) / p.latency_tolerance)
    share = np.array([0.25, 1.0, 1.0])
    np.testing.assert_allclose(value, 7.0 * 8.0 * share**gamma * quality, rtol=1e-12)


@SETTINGS
@given(d=st.floats(0.5, 100.0), gamma=st.floats(0.01, 0.99))
def test_first_users_served_are_worth_more_when_gamma_is_below_one(d, gamma):
    # Half capacity and capacity = demand both run at the admission-control cap, so
    # latency is the same and only the users served differ.
    p = ProductParams(served_value_exponent=gamma)
    half, full = prod.product_value(np.full(2, d), np.array([d / 2, d]), p)
    assert half > 0.5 * full
    assert half == pytest.approx(0.5**gamma * full, rel=1e-9)
    linear = ProductParams(served_value_exponent=1.0)
    half1, full1 = prod.product_value(np.full(2, d), np.array([d / 2, d]), linear)
    assert half1 == pytest.approx(0.5 * full1, rel=1e-12)


def test_service_quality_closed_form():
    p = ProductParams(service_time=1.0, latency_exponent=0.5, latency_tolerance=4.0)
    demand = np.array([0.0, 5.0, 10.0, 1.0])
    capacity = np.array([10.0, 10.0, 10.0, 0.0])
    q = prod.service_quality(demand, capacity, p)
    T = prod.latency(demand, capacity, p)
    np.testing.assert_allclose(q[:3], np.exp(-(T[:3] - 1.0) / 4.0))
    assert q[0] == 1.0  # an idle service is as good as it gets
    assert 0.0 < q[2] < q[1] < 1.0  # worse as the load rises
    assert q[3] == 0.0  # no capacity, no service


def test_demand_growth_with_perfect_service_is_logistic_and_never_falls():
    p = ProductParams(demand_growth_weekly=0.1, demand_ceiling=10.0, churn_weekly=0.02)
    base = np.full(4, 1.0)
    demand = np.array([1.0, 5.0, 10.0, 15.0])
    # Capacity so large that latency is the zero-load latency: quality exactly 1.
    new = prod.demand_growth(demand, base, np.full(4, 1e12), p)
    np.testing.assert_allclose(new, [1.0 + 0.1 * 0.9, 5.0 + 0.5 * 0.5, 10.0, 15.0])


def test_demand_growth_closed_form_with_quality():
    p = ProductParams(demand_growth_weekly=0.1, demand_ceiling=10.0, churn_weekly=0.05)
    demand, capacity = np.array([4.0]), np.array([5.0])
    q = prod.service_quality(demand, capacity, p)[0]
    assert 0.0 < q < 1.0
    new = prod.demand_growth(demand, np.ones(1), capacity, p)[0]
    assert new == pytest.approx(4.0 + 0.1 * 4.0 * (1 - 0.4) * q - 0.05 * (1 - q) * 4.0)


def test_demand_shrinks_under_bad_service_and_grows_under_good_service():
    # Impatient users (tau = 4): at the admission-control cap (utilisation 0.9, latency
    # about 5 S) churn outweighs growth. Whether it does depends on tau, so it is stated.
    p = ProductParams(
        demand_growth_weekly=0.02,
        churn_weekly=0.02,
        demand_ceiling=10.0,
        service_time=1.0,
        latency_exponent=0.7,
        latency_tolerance=4.0,
        max_utilisation=0.9,
    )
    base = np.ones(3)
    demand = np.full(3, 2.0)
    # No capacity, overloaded (admission control caps utilisation), plenty of spare.
    capacity = np.array([0.0, 1.0, 20.0])
    new = prod.demand_growth(demand, base, capacity, p)
    assert new[0] == pytest.approx(2.0 * (1 - p.churn_weekly))  # only churn, no growth
    assert new[1] < 2.0
    assert new[2] > 2.0


@SETTINGS
@given(
    demand=st.floats(0.1, 100.0),
    capacity=st.floats(0.0, 1000.0),
    churn=st.floats(0.0, 0.5),
)
def test_demand_stays_non_negative_and_below_its_logistic_step(demand, capacity, churn):
    p = ProductParams(churn_weekly=churn)
    base = np.array([demand / 2])
    new = prod.demand_growth(np.array([demand]), base, np.array([capacity]), p)[0]
    perfect = prod.demand_growth(np.array([demand]), base, np.array([1e15]), p)[0]
    assert 0.0 <= new <= perfect + 1e-12


def test_lost_users_return_only_through_growth():
    p = ProductParams(demand_growth_weekly=0.02, churn_weekly=0.02, demand_ceiling=10.0)
    base = np.ones(1)
    demand = np.array([5.0])
    # Ten weeks without capacity: demand only falls.
    for _ in range(10):
        demand = prod.demand_growth(demand, base, np.zeros(1), p)
    lost = 5.0 - demand[0]
    assert demand[0] == pytest.approx(5.0 * 0.98**10)
    # Service comes back perfectly: one week regrows only the logistic step, not the loss.
    plenty = np.full(1, 1e12)
    after = prod.demand_growth(demand, base, plenty, p)
    assert after[0] == pytest.approx(demand[0] * (1 + 0.02 * (1 - demand[0] / 10.0)))
    assert after[0] - demand[0] < 0.2 * lost
    # It takes many weeks of good service to get back to where demand was.
    weeks = 0
    while demand[0] < 5.0:
        demand = prod.demand_growth(demand, base, plenty, p)
        weeks += 1
    assert weeks >= 10


def test_tier_opens_only_with_headroom():
    p = ProductParams(tier_sizes=(0.3, 0.5), tier_headroom=0.15)
    demand = np.full(3, 10.0)
    capacity = np.array([11.4, 11.5, 20.0])
    tiers, new_demand = prod.tiers_unlocked(capacity, demand, np.zeros(3, dtype=int), p)
    np.testing.assert_array_equal(tiers, [0, 1, 1])
    np.testing.assert_allclose(new_demand, [10.0, 13.0, 13.0])


def test_tiers_open_one_at_a_time_and_stop_when_all_are_open():
    p = ProductParams(tier_sizes=(0.3, 0.5), tier_headroom=0.0)
    tiers, demand = np.array([0, 1, 2]), np.full(3, 1.0)
    tiers, demand = prod.tiers_unlocked(np.full(3, 100.0), demand, tiers, p)
    np.testing.assert_array_equal(tiers, [1, 2, 2])
    np.testing.assert_allclose(demand, [1.3, 1.5, 1.0])


# ------------------------------------------------------------------- vectorisation


def test_functions_accept_ten_thousand_teams():
    n = 10_000
    rng = np.random.default_rng(0)
    L, G = rng.integers(1, 30, n), rng.integers(0, 20, n)
    for p in (ResearchParams(), ResearchParams(form="ces", ces_sigma=0.5)):
        assert prod.research_output(L, G, rng.random(n), rng.random(n), p).shape == (n,)
    pp = ProductParams()
    demand = rng.random(n) * 20
    capacity = prod.serving_capacity(G, pp)
    assert prod.latency(demand, capacity, pp).shape == (n,)
    assert prod.product_value(demand, capacity, pp).shape == (n,)
    assert prod.service_quality(demand, capacity, pp).shape == (n,)
    assert prod.demand_growth(demand, np.ones(n), capacity, pp).shape == (n,)
    tiers, new_demand = prod.tiers_unlocked(capacity, demand, rng.integers(0, 4, n), pp)
    assert tiers.shape == new_demand.shape == (n,)
