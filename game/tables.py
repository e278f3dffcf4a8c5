"""The world's own scenario tables: lab, market, governance, supply, projects, network.

The behaviour tables (emotion, research, product, valuation, bidding, negotiation,
reallocation) are declared in :mod:`agents`, next to the behaviour they parameterise;
:class:`game.scenario.Scenario` composes both.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

import market
from agents.schema import Params, WeekEvent
from agents.strategies import STRATEGIES, bot_strategies
from game.validation import MAX_SHOWN, clean

__all__ = [
    "MAX_SHARE",
    "GovernanceConfig",
    "LabConfig",
    "MarketConfig",
    "NetworkConfig",
    "ProjectsConfig",
    "SupplyConfig",
]


MAX_SHARE = 1e6
"""The largest share one strategy may have in the mix (shares are relative; a bound keeps
their sum finite)."""


class LabConfig(Params):
    """Who is in the lab."""

    research_teams: int = Field(10, ge=1, le=20000, description="Number of research teams.")
    product_teams: int = Field(6, ge=0, le=20000, description="Number of product teams.")
    headcount_research: float = Field(
        25.0, gt=0, le=1000, description="Mean people per research team."
    )
    headcount_product: float = Field(
        30.0, gt=0, le=1000, description="Mean people per product team."
    )
    strategy_mix: dict[str, Annotated[float, Field(ge=0, le=MAX_SHARE)]] = Field(
        default_factory=lambda: {
            "truthful": 0.4,
            "shaded": 0.3,
            "auction_fever": 0.2,
            "budget_pacer": 0.1,
        },
        description="Share of teams using each bidding strategy (normalised to 1; each "
        f"share from 0 to {MAX_SHARE:g}).",
    )
    hiring_rate: float = Field(
        0.1,
        ge=0,
        le=0.2,
        description="Weekly hiring probability per missing person when the team's compute "
        "need is met; scaled by compute satisfaction clip01(gpus / need).",
    )

    @field_validator("strategy_mix")
    @classmethod
    def _mix_is_valid(cls, mix: dict[str, float]) -> dict[str, float]:
        bots = sorted(bot_strategies())
        if not mix:
            raise ValueError(f"needs at least one strategy from {bots}")
        for name, share in mix.items():
            if name not in bots:
                shown = clean(repr(name), MAX_SHOWN)
                raise ValueError(
                    f"unknown strategy {shown}; allowed: {bots} (people take seats in a "
                    "workshop, not through the mix)"
                    if name in STRATEGIES
                    else f"unknown strategy {shown}; allowed: {bots}"
                )
            if not share >= 0:
                raise ValueError(f"share of {name!r} is {share}; allowed: >= 0")
        if sum(mix.values()) <= 0:
            raise ValueError("shares must add up to more than 0")
        return mix


class MarketConfig(Params):
    """How the pool of free tranches is cleared each week."""

    mechanism: str = Field(
        "uniform_price",
        description="Allocation rule for the pool: a name from `crunch mechanisms` "
        "(stored as its canonical name).",
    )
    reserve: float = Field(0.0, ge=0, le=1e6, description="Lowest price (credits per tranche).")
    lease_weeks: int = Field(
        4, ge=1, le=52, description="Weeks a won tranche stays with its team before returning."
    )
    max_units_per_bid: int = Field(
        8, ge=1, le=200, description="Most tranches one team bids for in one week."
    )
    price_forecast_weight: float = Field(
        0.3,
        gt=0,
        le=1,
        description=(
            "How fast the price teams expect follows the market: each week forecast += "
            "w x (clearing price - forecast), and a week in which nobody bought lowers it by "
            "the same share (adaptive expectations, Nerlove 1958). Price-taking bidders under "
            "proportional share spend the forecast on each tranche worth it; at 1 they expect "
            "last week's price, and the price swings from week to week (a cobweb)."
        ),
    )
    fill_unsold: bool = Field(
        True,
        description=(
            "In a market with money, hand tranches nobody bought free to the teams that "
            "still value one more (a spot pool), so no GPU sits idle while someone wants it. "
            "Rules without money leave what nobody needs idle."
        ),
    )

    @field_validator("mechanism", mode="before")
    @classmethod
    def _registered(cls, name: object) -> str:
        return market.resolve_mechanism(name)


class GovernanceConfig(Params):
    """How leadership splits compute and credits between research and product."""

    mode: Literal["single_market", "split", "committee"] = Field(
        "single_market",
        description=(
            "single_market: one market for all teams; split: the pool is split between a "
            "research and an applied market; committee: leadership allocates by priority "
            "weights instead of the market's rule."
        ),
    )
    research_credit_share: float = Field(
        0.62, ge=0, le=1, description="Research division's share of each quarter's credits."
    )
    research_pool_share: float = Field(
        0.62,
        ge=0,
        le=1,
        description="Under split governance: the research market's share of the free pool.",
    )
    research_weight: float = Field(
        0.62,
        ge=0,
        le=1,
        description="Under committee governance: the research division's share of the "
        "priority weight.",
    )
    credits_per_quarter: float = Field(
        6000.0,
        gt=0,
        le=1e12,
        description="Credits leadership grants per quarter, per team on average; by default "
        "enough that a team paying its full values (truthful under pay-as-bid) does not "
        "run out within the quarter.",
    )
    quarter_weeks: int = Field(13, ge=1, le=52, description="Weeks between credit grants.")
    expiry: Literal["use_it_or_lose_it", "rollover"] = Field(
        "rollover", description="What happens to unspent credits at the end of a quarter."
    )
    rollover_cap: float = Field(
        0.5,
        ge=0,
        le=10,
        description="Rollover keeps at most this many quarters' average team grant.",
    )


class SupplyConfig(Params):
    """How the GPU fleet arrives and leaves."""

    initial_gpus: float = Field(
        100_000.0, gt=0, le=1e10, description="Fleet size at week 0, in GPUs."
    )
    gpus_per_tranche: int = Field(
        1000,
        ge=1,
        le=1000000,
        description="GPUs in one tranche, the unit the market trades: a smaller tranche "
        "splits the same fleet and the same needs more finely.",
    )
    growth_per_week: float = Field(
        0.012, ge=0, le=0.5, description="Fleet growth per week (share of the fleet)."
    )
    go_live: tuple[WeekEvent, ...] = Field(
        (), description="Data-centre capacity going live (GPUs in a week)."
    )
    lease_expiry: tuple[WeekEvent, ...] = Field(
        (), description="Cloud leases that end and leave the fleet (GPUs in a week)."
    )

    @property
    def initial_tranches(self) -> float:
        """The week-0 fleet in tranches (what the market trades)."""
        return self.initial_gpus / self.gpus_per_tranche

    outage_rate: float = Field(
        0.03, ge=0, le=1, description="Probability of an outage in a given week."
    )
    outage_share: float = Field(
        0.05, ge=0, le=1, description="Share of the fleet offline during an outage."
    )


class ProjectsConfig(Params):
    """Research project life cycles."""

    duration_weeks: float = Field(20.0, ge=2, le=520, description="Mean project length.")
    gap_weeks: float = Field(
        3.0, ge=0, le=520, description="Mean weeks between a project finishing and the next."
    )
    need_per_person: float = Field(
        500.0, gt=0, le=1e5, description="Peak GPUs a project wants per researcher."
    )
    milestones: int = Field(4, ge=1, le=20, description="Milestones per project.")
    ambition_exponent: float = Field(
        1.0,
        ge=0,
        le=3,
        description="New projects' needs grow with the fleet as (fleet/initial)^exponent.",
    )


class NetworkConfig(Params):
    """The org network: leadership, divisions, teams and ties between teams."""

    ties_per_team: int = Field(3, ge=0, le=50, description="Ties to other teams per team.")
    cross_division_share: float = Field(
        0.2, ge=0, le=1, description="Share of ties that cross research/product."
    )
    tie_strength: float = Field(0.5, gt=0, le=1, description="Channel strength of a tie.")
