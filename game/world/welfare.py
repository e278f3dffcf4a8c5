"""Welfare that means output: the week's efficiency, Nash welfare, envy and finish-time fairness.

All of them value holdings with the teams' own production (:mod:`agents.valuation`), the
same values the teams bid with:

- **efficiency** — the output value of everything held (online) over the most the week's
  usable tranches could produce shared optimally (greedy on the teams' value curves);
- **Nash welfare** — the geometric mean of the teams' output values (0 when a team produces
  nothing);
- **envy** — the share of ordered team pairs where one would produce more with the other's
  holding: it holds fewer tranches and one more would still raise its output (values never
  fall with more GPUs);
- **finish-time fairness ρ** (Themis, Mahajan et al., NSDI 2020) — for each running research
  project, the time to finish its remaining work with what it holds over the time on a
  private 1/N share of the usable fleet (N teams); above 1 the team is worse off than with
  a fair private share. Starved projects are capped at :data:`RHO_CAP`. :func:`team_rho`
  gives every team's ρ; the clearing phase reads it too (the ``finish_time_fair`` rule).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.optimum import welfare_optimum
from agents.productivity import ResearchParams
from agents.valuation import Situation, research_rate, value
from game.scenario import Scenario
from market.metrics import finish_time_fairness, nash_social_welfare

__all__ = ["RHO_CAP", "Welfare", "team_rho", "welfare"]

#: ρ of a project that holds nothing (it would never finish) is reported as this.
RHO_CAP = 10.0
#: The optimum follows each team's value curve this far beyond the largest need or holding.
HORIZON_SLACK = 8


@dataclass(frozen=True, slots=True)
class Welfare:
    """This week's welfare measures (see the module docstring).

    Attributes:
        output_value: Output value of everything held, in credits.
        optimum: The most the usable tranches could produce, in credits.
        efficiency: ``output_value / optimum`` in [0, 1] (1 when nothing could produce).
        nash: Nash social welfare of the teams' output values.
        envy: Share of ordered team pairs where one envies the other.
        rho_max: Largest finish-time fairness ρ among running projects (1 if none).
        rho_share: Share of running projects with ρ > 1.
    """

    output_value: float
    optimum: float
    efficiency: float
    nash: float
    envy: float
    rho_max: float
    rho_share: float


def team_rho(
    sit: Situation, gpus: np.ndarray, usable: float, research: ResearchParams
) -> np.ndarray:
    """Each team's finish-time fairness ρ (Themis) holding ``gpus`` of a ``usable`` fleet.

    For a running research project, ρ is the time to finish its remaining work at its
    research rate with ``gpus`` over the time on a private ``1/N`` share of ``usable``
    (``N`` = all teams), capped at :data:`RHO_CAP` (a starved project would never finish).
    Every other team — product teams, research teams between projects, and any project
    whose fair share would do no work (an empty fleet) — gets 1.0: on schedule, neither
    behind nor ahead.

    Args:
        sit: The teams' situation.
        gpus: Tranches each team holds.
        usable: Tranches in the fleet the fair share is taken of.
        research: Research production parameters.

    Returns:
        ``(n,)`` ρ per team, in ``(0, RHO_CAP]``.
    """
    n = gpus.size
    rho = np.ones(n)
    running = sit.active & (sit.remaining > 0)
    if not running.any():
        return rho
    fair = np.full(n, usable / max(n, 1))
    alone = research_rate(sit, fair, research)
    running &= alone > 0.0
    shared = research_rate(sit, gpus, research)[running]
    ratio = finish_time_fairness(sit.remaining[running], shared, alone[running])
    rho[running] = np.minimum(ratio, RHO_CAP)
    return rho


def _envy(sit: Situation, gpus: np.ndarray, now: np.ndarray, sc: Scenario) -> float:
    """Share of ordered pairs (i, j) where j holds more and i would produce more with it."""
    n = gpus.size
    if n < 2:
        return 0.0
    more = value(sit, gpus + 1.0, 1.0, sc.research, sc.product, sc.valuation)
    wants_more = more > now * (1.0 + 1e-12) + 1e-12
    order = np.sort(gpus)
    holding_more = n - np.searchsorted(order, gpus, side="right")  # teams with more GPUs
    return float(holding_more[wants_more].sum() / (n * (n - 1)))


def welfare(
    sit: Situation, gpus_online: np.ndarray, worth: np.ndarray, usable: float, sc: Scenario
) -> Welfare:
    """The week's welfare measures.

    Args:
        sit: The teams' situation this week.
        gpus_online: Tranches each team holds that are online.
        worth: Each team's output value this week at ``gpus_online`` (from the work
            phase), in credits.
        usable: Online tranches in the fleet.
        sc: The scenario.
    """
    n = gpus_online.size
    output_value = float(worth.sum())
    horizon = int(np.ceil(2.0 * max(float(gpus_online.max(initial=0.0)), 1.0))) + HORIZON_SLACK
    optimum = welfare_optimum(
        sit, usable, sc.research, sc.product, sc.valuation, horizon_units=horizon
    )
    efficiency = 1.0 if optimum <= 0.0 else min(1.0, output_value / optimum)
    nash = nash_social_welfare(np.maximum(worth, 0.0)) if n else 0.0
    running = sit.active & (sit.remaining > 0)
    if running.any():
        rho = team_rho(sit, gpus_online, usable, sc.research)[running]
        rho_max, rho_share = float(rho.max()), float(np.mean(rho > 1.0 + 1e-9))
    else:
        rho_max, rho_share = 1.0, 0.0
    return Welfare(
        output_value=output_value,
        optimum=optimum,
        efficiency=efficiency,
        nash=nash,
        envy=_envy(sit, gpus_online, worth, sc),
        rho_max=rho_max,
        rho_share=rho_share,
    )
