"""Allocation metrics: fairness, inequality, welfare, efficiency, envy and finish-time fairness.

Every function is pure and vectorised with numpy; none loops over bidders in Python.

Value curves follow the bid-book convention of the market library: ``values[i, j]`` is
bidder i's *true* marginal value of its (j+1)-th unit, non-negative and non-increasing along
``j`` (concave total value). A 1-D ``values`` array means one unit per bidder. The value of
receiving ``a`` units (``a`` may be fractional) is::

    v_i(a) = sum(values[i, :floor(a)]) + (a - floor(a)) * values[i, floor(a)]

with units beyond the row's length worth nothing. This is the piecewise-linear concave
interpolation of the step marginal-value curve, so the divisible welfare optimum is the greedy
optimum with a fractional last unit.

Formulas and test vectors: MODEL-REFERENCE.md §4.

Modules (imports run top to bottom, never back up):

* :mod:`~market.metrics._validation` — input checks shared by every metric;
* :mod:`~market.metrics._valuation` — evaluating value curves at a number of units;
* :mod:`~market.metrics.fairness` — :func:`jain`, :func:`gini`, :func:`relative_deprivation`;
* :mod:`~market.metrics.welfare` — :func:`nash_social_welfare`, :func:`utilisation`,
  :func:`realised_welfare`, :func:`welfare_optimum`, :func:`allocative_efficiency`;
* :mod:`~market.metrics.envy_freeness` — :func:`envy`, :class:`EnvyStats`;
* :mod:`~market.metrics.finish_time` — :func:`finish_time_fairness`,
  :func:`finish_time_summary`.
"""

from market.metrics._validation import _FEASIBILITY_RTOL as _FEASIBILITY_RTOL
from market.metrics._validation import _allocation as _allocation
from market.metrics._validation import _supply as _supply
from market.metrics._validation import _values_matrix as _values_matrix
from market.metrics._validation import _vector as _vector
from market.metrics._valuation import _cumulative as _cumulative
from market.metrics._valuation import _value_at as _value_at
from market.metrics.envy_freeness import ENVY_TOLERANCE, EnvyStats, envy
from market.metrics.fairness import gini, jain, relative_deprivation
from market.metrics.finish_time import finish_time_fairness, finish_time_summary
from market.metrics.welfare import _optimum as _optimum
from market.metrics.welfare import (
    allocative_efficiency,
    nash_social_welfare,
    realised_welfare,
    utilisation,
    welfare_optimum,
)

__all__ = [
    "ENVY_TOLERANCE",
    "EnvyStats",
    "allocative_efficiency",
    "envy",
    "finish_time_fairness",
    "finish_time_summary",
    "gini",
    "jain",
    "nash_social_welfare",
    "realised_welfare",
    "relative_deprivation",
    "utilisation",
    "welfare_optimum",
]
