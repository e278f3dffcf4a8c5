"""Tests for agents.valuation."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from pydantic import ValidationError

from agents import valuation
from agents.productivity import (
    ProductParams,
    ResearchParams,
    product_value,
    research_output,
    serving_capacity,
)
from agents.valuation import ValuationParams

SETTINGS = settings(max_examples=60, deadline=None)


@pytest.mark.parametrize(
    ("field", "bad", "reason"),
    [
        ("research_value", 0.0, "greater than 0"),
        ("product_value", -5.0, "greater than 0"),
        ("curvature", 0.05, "greater than or equal to 0.1"),
        ("extra_value_share", 1.5, "less than or equal to 1"),
    ],
)
def test_valuation_params_reject_bad_values_naming_field_and_bound(field, bad, reason):
    with pytest.raises(ValidationError) as info:
        ValuationParams(**{field: bad})
    [error] = info.value.errors()
    assert error["loc"] == (field,)
    assert reason in error["msg"]
    assert "ValuationParams" in str(info.value)


def test_valuation_params_are_frozen_and_refuse_unknown_keys():
    p = ValuationParams()
    with pytest.raises(ValidationError, match="frozen"):
        p.curvature = 2.0  # type: ignore[misc]
    with pytest.raises(ValidationError, match="curve"):
        ValuationParams(curve=2.0)


def test_marginal_values_closed_form():
    v = valuation.marginal_values(np.array([2.5]), np.array([2.0]), 5)
    np.testing.assert_allclose(v, [[2.0, 2.0 * 0.6**1.5, 2.0 * 0.2**1.5, 0.0, 0.0]])


def test_marginal_values_count_positive_units_up_to_the_need():
    v = valuation.marginal_values(np.array([0.0, 1.0, 3.0, 0.5]), 1.0, 6, curvature=1.0)
    np.testing.assert_array_equal((v > 0).sum(axis=1), [0, 1, 3, 1])
    np.testing.assert_allclose(v[2], [1.0, 2 / 3, 1 / 3, 0, 0, 0])


@SETTINGS
@given(
    need=hnp.arrays(float, 8, elements=st.floats(0.0, 20.0)),
    scale=hnp.arrays(float, 8, elements=st.floats(0.0, 100.0)),
    k=st.integers(0, 12),
    curvature=st.floats(0.0, 4.0),
)
def test_marginal_values_are_non_negative_and_non_increasing(need, scale, k, curvature):
    v = valuation.marginal_values(need, scale, k, curvature)
    assert v.shape == (8, k)
    assert np.all(v >= 0)
    assert np.all(np.diff(v, axis=1) <= 1e-12)
    assert np.all(v <= scale[:, None] + 1e-12)


@pytest.mark.parametrize(
    ("kwargs", "word"),
    [
        ({"need": [-1.0], "scale": [1.0], "k": 3}, "need"),
        ({"need": [1.0], "scale": [-1.0], "k": 3}, "scale"),
        ({"need": [1.0], "scale": [1.0], "k": -1}, "k"),
        ({"need": [1.0], "scale": [1.0], "k": 2.5}, "k"),
        ({"need": [1.0], "scale": [1.0], "k": 3, "curvature": -1.0}, "curvature"),
    ],
)
def test_marginal_values_reject_bad_input(kwargs, word):
    with pytest.raises(ValueError, match=word):
        valuation.marginal_values(**kwargs)


def test_research_scale_is_the_first_tranche_gain_times_urgency_and_phase():
    p = ResearchParams()
    L, G = np.array([4.0, 4.0, 4.0]), np.array([2.0, 2.0, 2.0])
    gain = research_output(L, G + 1, 1.0, 0.0, p) - research_output(L, G, 1.0, 0.0, p)
    scale = valuation.research_scale(
        L, G, 1.0, 0.0, np.array([0.0, 1.0, 0.5]), p, phase_weight=np.array([1.0, 1.0, 0.0])
    )
    np.testing.assert_allclose(scale, gain * [1.0, 2.0, 0.0])


@SETTINGS
@given(
    u=hnp.arrays(float, 10, elements=st.floats(0.0, 1.0)),
    G=st.floats(0.0, 50.0),
    L=st.floats(0.5, 50.0),
)
def test_research_scale_rises_with_urgency(u, G, L):
    u = np.sort(u)
    scale = valuation.research_scale(np.full(10, L), np.full(10, G), 1.0, 0.0, u, ResearchParams())
    assert np.all(scale > 0)
    assert np.all(np.diff(scale) >= 0)


def test_product_scale_is_the_average_value_gain():
    p = ProductParams()
    demand, gpus = np.array([5.0, 5.0]), np.array([3.0, 3.0])
    horizon = np.array([1.0, 4.0])
    scale = valuation.product_scale(demand, gpus, p, horizon=horizon, weight=2.0)
    gain = product_value(demand, serving_capacity(gpus + horizon, p), p) - product_value(
        demand, serving_capacity(gpus, p), p
    )
    np.testing.assert_allclose(scale, 2.0 * gain / horizon)
    assert scale[1] > scale[0]


@SETTINGS
@given(
    demand=hnp.arrays(float, 10, elements=st.floats(0.0, 50.0)),
    gpus=hnp.arrays(float, 10, elements=st.floats(0.0, 50.0)),
)
def test_product_scale_is_never_negative(demand, gpus):
    assert np.all(valuation.product_scale(demand, gpus, ProductParams()) >= 0)


def test_product_scale_rejects_non_positive_horizon():
    with pytest.raises(ValueError, match="horizon"):
        valuation.product_scale(np.ones(2), np.ones(2), ProductParams(), horizon=0.0)


def test_valuation_pipeline_accepts_ten_thousand_teams():
    n = 10_000
    rng = np.random.default_rng(0)
    research = valuation.research_scale(
        rng.integers(1, 30, n), rng.integers(0, 20, n), 1.0, 0.0, rng.random(n), ResearchParams()
    )
    product = valuation.product_scale(rng.random(n) * 20, rng.integers(0, 20, n), ProductParams())
    values = valuation.marginal_values(rng.random(n) * 10, research + product, 10)
    assert research.shape == product.shape == (n,)
    assert values.shape == (n, 10)


@pytest.mark.parametrize("curvature", [1.0, 1.5, 2.0, 0.7, 3.0])
def test_fast_exponents_match_the_general_power(curvature):
    need = np.array([0.0, 0.5, 3.0, 7.5, 12.0])
    scale = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    got = valuation.marginal_values(need, scale, 10, curvature)
    j = np.arange(10)
    expected = np.where(
        j < need[:, None],
        scale[:, None] * np.maximum(1 - j / np.maximum(need[:, None], 1e-9), 0) ** curvature,
        0.0,
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_extra_experiments_give_a_decaying_tail_beyond_the_need():
    values = valuation.marginal_values(np.array([2.0, 0.0]), np.array([10.0, 4.0]), 4, 1.0)
    out = valuation.with_extra_experiments(values, np.array([10.0, 4.0]), 0.1, decay=0.5)
    np.testing.assert_allclose(out, [[10.0, 5.0, 0.25, 0.125], [0.4, 0.2, 0.1, 0.05]])
    np.testing.assert_array_equal(valuation.with_extra_experiments(values, 10.0, 0.0), values)


@SETTINGS
@given(
    need=hnp.arrays(float, 6, elements=st.floats(0.0, 10.0)),
    scale=hnp.arrays(float, 6, elements=st.floats(0.0, 100.0)),
    share=st.floats(0.0, 1.0),
    decay=st.floats(0.01, 1.0),
)
def test_extra_experiments_keep_rows_non_increasing_and_never_lower_a_value(
    need, scale, share, decay
):
    values = valuation.marginal_values(need, scale, 8)
    out = valuation.with_extra_experiments(values, scale, share, decay)
    assert np.all(out >= values)
    assert np.all(np.diff(out, axis=1) <= 1e-12)


@pytest.mark.parametrize(("share", "decay", "word"), [(1.5, 0.8, "share"), (0.1, 0.0, "decay")])
def test_extra_experiments_reject_out_of_range_share_and_decay(share, decay, word):
    with pytest.raises(ValueError, match=word):
        valuation.with_extra_experiments(np.ones((1, 2)), 1.0, share, decay)
