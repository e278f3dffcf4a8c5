"""Phase 5, bidding: every team values tranches and its agent's strategy bids.

Values are what the next tranches add to each team's output over a lease, from its own
production function and situation (:mod:`agents.valuation`, the only source of values);
bids and the needs a team reports to rules without money are what the team agents'
strategies make of them. The agents are asked per strategy class
(:class:`StrategyGroups`, built with Mesa's ``AgentSet.groupby``), so a built-in strategy
decides for all its teams in one vectorised call over a read-only
:class:`~agents.strategies.TeamView`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from mesa.agent import AgentSet

import market
from agents.strategies import BiddingStrategy, Feedback, TeamView, sanitise
from agents.table import TeamTable
from agents.valuation import Situation, marginal_values
from game.scenario import Scenario
from game.world.credits import Credits
from game.world.situation import situation
from game.world.state import WorldState
from game.world.urgency import urgency as team_urgency

__all__ = [
    "BidResult",
    "StrategyGroup",
    "StrategyGroups",
    "bid_values",
    "bidding_phase",
    "feedback_phase",
]

#: The ironing of a team's values looks at most this many tranches past its bid window.
LOOKAHEAD_MAX = 64


@dataclass(frozen=True, slots=True)
class BidResult:
    """This week's true values and submitted bids, one row per team.

    Attributes:
        situation: Each team's situation this week (what its output depends on).
        values: ``(n, k)`` true marginal values for extra tranches, in credits.
        bids: ``(n, k)`` submitted bids (non-increasing, within budget).
        requested: Whole tranches each team reported needing (rules without money).
        extra_need: Tranches each team is short of its need.
        urgency: Urgency per team (committee weights read it).
        views: The view each strategy group bid from, in group order.
    """

    situation: Situation
    values: np.ndarray
    bids: np.ndarray
    requested: np.ndarray
    extra_need: np.ndarray
    urgency: np.ndarray
    views: tuple[TeamView, ...]


@dataclass(frozen=True, slots=True)
class StrategyGroup:
    """The teams playing one strategy class.

    Attributes:
        cls: The strategy class.
        members: Each team's strategy object, in row order.
        rows: The teams' rows in the team table.
    """

    cls: type[BiddingStrategy]
    members: tuple[BiddingStrategy, ...]
    rows: np.ndarray


class StrategyGroups:
    """The team agents grouped by the class of their strategy, rebuilt only when one changes.

    Args:
        teams: The team agents (each with ``index`` and ``strategy``).
    """

    def __init__(self, teams: AgentSet) -> None:
        self._teams = teams
        self._groups: tuple[StrategyGroup, ...] | None = None

    def invalidate(self) -> None:
        """Forget the grouping (a team's strategy changed)."""
        self._groups = None

    def __iter__(self) -> Iterator[StrategyGroup]:
        if self._groups is None:
            by_class = self._teams.groupby(lambda a: type(a.strategy), result_type="list")
            self._groups = tuple(
                StrategyGroup(
                    cls=cls,
                    members=tuple(a.strategy for a in agents),
                    rows=np.array([a.index for a in agents], dtype=np.int64),
                )
                for cls, agents in by_class
            )
        return iter(self._groups)


def bid_values(table: TeamTable, sc: Scenario, sit: Situation | None = None) -> np.ndarray:
    """Each team's values for its next ``max_units_per_bid`` tranches over a lease.

    Args:
        table: The team table.
        sc: The scenario.
        sit: The teams' situation (computed from the table if not given).
    """
    sit = situation(table, sc) if sit is None else sit
    k = sc.market.max_units_per_bid
    # Iron product values over the whole shortfall (at most LOOKAHEAD_MAX past k) so a
    # payoff beyond the bid window still shapes the values inside it (research is concave).
    extra = np.maximum(0.0, table.need - table.gpus)
    shortfall = float(extra[table.is_product].max(initial=0.0))
    lookahead = int(min(LOOKAHEAD_MAX, max(0.0, np.ceil(shortfall) - k + 2)))
    return marginal_values(
        sit,
        table.gpus,
        k,
        sc.market.lease_weeks,
        sc.research,
        sc.product,
        sc.valuation,
        lookahead=lookahead,
    )


def bidding_phase(
    groups: StrategyGroups,
    table: TeamTable,
    sc: Scenario,
    credits: Credits,
    world: WorldState,
    rng: np.random.Generator,
) -> BidResult:
    """Value every team's missing tranches and ask each strategy group for its bids.

    Args:
        groups: The team agents grouped by strategy class.
        table: The team table.
        sc: The scenario (its clearing rule's pricing kind reaches the strategies).
        credits: The teams' credit accounts (what they can spend, spent this quarter).
        world: The week and the last clearing price.
        rng: The model's generator.
    """
    q = sc.governance.quarter_weeks
    weeks_left_in_quarter = q - world.week % q
    budgets = credits.balances
    spent_this_quarter = credits.spent_this_quarter
    last_price = world.last_price
    urgency = team_urgency(table, sc)
    extra = np.maximum(0.0, table.need - table.gpus)
    sit = situation(table, sc)
    values = bid_values(table, sc, sit)
    pricing = market.MECHANISMS[sc.clearing_rule].pricing
    raw = np.empty_like(values)
    requested = np.empty(table.n)
    lost = table.lost > 0
    supply = max(0.0, float(world.fleet) - float(table.leases.sum()))  # the pool on sale
    views = []
    for group in groups:
        view = TeamView.of_rows(
            group.rows,
            values=values,
            need=extra,
            budget=budgets,
            stress=table.stress,
            lost_last=lost,
            spent_this_quarter=spent_this_quarter,
            weeks_left_in_quarter=weeks_left_in_quarter,
            n_bidders=table.n,
            pricing=pricing,
            last_price=last_price,
            price_forecast=world.price_forecast,
            params=sc.bidding,
            supply=supply,
        )
        raw[group.rows] = group.cls.propose_for(group.members, view, rng)
        requested[group.rows] = group.cls.report_for(group.members, view, rng)
        views.append(view)
    bids = sanitise(raw, budgets)
    return BidResult(
        situation=sit,
        values=values,
        bids=bids,
        requested=requested,
        extra_need=extra,
        urgency=urgency,
        views=tuple(views),
    )


def feedback_phase(
    groups: StrategyGroups,
    bids: BidResult,
    won: np.ndarray,
    paid: np.ndarray,
    price: float | None,
    hindsight: Callable[[int, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
    regret: np.ndarray | None = None,
) -> None:
    """Tell the strategy groups that learn how the market treated their teams.

    Args:
        hindsight: ``hindsight(team, rows)``: what a team (its row in the team table)
            would have won and paid with other bid rows (see
            :class:`~game.world.phases.hindsight.Hindsight`).
        regret: Filled, where given, with each learner's external regret per week learned
            (see :func:`regret_per_week`); other teams' entries are left as they are.
    """
    for group, view in zip(groups, bids.views, strict=True):
        if group.cls.learns():
            rows = group.rows
            local = None
            if hindsight is not None:

                def local(j: int, alt: np.ndarray, rows: np.ndarray = rows):
                    return hindsight(int(rows[j]), alt)

            group.cls.observe_for(
                group.members,
                Feedback(view, bids.bids[rows], won[rows], paid[rows], price, local),
            )
            if regret is not None:
                regret[rows] = [regret_per_week(m) for m in group.members]


def regret_per_week(strategy: object) -> float:
    """A learner's external regret so far divided by the weeks it learned from (NaN if none)."""
    weeks = getattr(strategy, "weeks", 0)
    total = getattr(strategy, "regret", float("nan"))
    return float(total) / weeks if weeks else float("nan")
