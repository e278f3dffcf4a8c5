"""Translate a scenario's tables into the behaviour models' parameter objects."""

from __future__ import annotations

from dataclasses import dataclass

from agents.params import (
    BiddingParams,
    BurnoutParams,
    ContagionParams,
    PerformanceParams,
    ProductParams,
    ResearchParams,
    StressParams,
)
from game.scenario import Scenario


@dataclass(frozen=True)
class BehaviourParams:
    """All behaviour-model parameters of one scenario, built once per game."""

    stress: StressParams
    performance: PerformanceParams
    burnout: BurnoutParams
    contagion: ContagionParams
    research: ResearchParams
    product: ProductParams
    bidding: BiddingParams


def behaviour_params(sc: Scenario) -> BehaviourParams:
    """Build the behaviour parameters from a scenario (field names match one to one)."""
    e = sc.emotion
    prod = sc.product
    return BehaviourParams(
        stress=StressParams(**e.stress.model_dump()),
        performance=PerformanceParams(**e.performance.model_dump()),
        burnout=BurnoutParams(**e.burnout.model_dump()),
        contagion=ContagionParams(**e.contagion.model_dump()),
        research=ResearchParams(**sc.research.model_dump()),
        product=ProductParams(
            users_per_tranche=prod.users_per_tranche,
            service_time=prod.service_time,
            latency_exponent=prod.latency_exponent,
            latency_tolerance=prod.latency_tolerance,
            price_per_user=prod.price_per_user,
            demand_growth_weekly=prod.demand_growth_weekly,
            demand_ceiling=prod.demand_ceiling,
            tier_sizes=tuple(prod.tier_sizes),
            tier_headroom=prod.tier_headroom,
            max_utilisation=prod.max_utilisation,
        ),
        bidding=BiddingParams(**sc.bidding.model_dump()),
    )
