"""ComputeGame: the Mesa model that plays one week per step.

The model owns the only random generator, the team agents (each deciding its bids
through its strategy object), the reallocation group agent and the world's state. A week
is ten phases, each a function in :mod:`game.world.phases` that takes the state it needs
and returns a small typed result::

    from game import ComputeGame, load_scenario
    model = ComputeGame(load_scenario("lab-2025"), rng=7)
    model.run(52)
    model.weeks_frame(), model.teams_frame(), model.events_frame()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import mesa
import numpy as np
import pandas as pd
from mesa.agent import AgentSet

import market
from agents.reallocation import ReallocationGroup
from agents.table import KIND_NAMES
from agents.teams import TeamAgent, team_class
from game.scenario import Scenario
from game.world import setup
from game.world.credits import Credits
from game.world.events import EventLog
from game.world.explain import Explanation, MarketWeek, explain
from game.world.loans import LoanDeal, TermLoans
from game.world.narration import narrate_week
from game.world.network import OrgNetwork, build_org_network
from game.world.phases.bidding import (
    BidResult,
    StrategyGroups,
    bid_values,
    bidding_phase,
    feedback_phase,
)
from game.world.phases.budgets import budgets_phase
from game.world.phases.clearing import ClearingResult, clearing_phase
from game.world.phases.hindsight import Hindsight
from game.world.phases.lifecycle import lifecycle_phase
from game.world.phases.negotiation import negotiation_phase
from game.world.phases.negotiation_book import Negotiators
from game.world.phases.pressure import PressureResult, pressure_phase
from game.world.phases.reallocation import reallocation_phase
from game.world.phases.record import week_row
from game.world.phases.supply import supply_phase
from game.world.phases.work import work_phase
from game.world.recorder import Recorder
from game.world.rules import FIXED_KEYS, changed_scenario
from game.world.snapshot import team_snapshot
from game.world.state import WorldState
from game.world.week import WeekResults

__all__ = ["FIXED_KEYS", "KEEP_BOOKS_MAX_TEAMS", "ComputeGame"]

KEEP_BOOKS_MAX_TEAMS = 500


class ComputeGame(mesa.Model):
    """A lab's GPU market, one week per step.

    Args:
        scenario: The validated configuration.
        rng: Seed (int) or ``None``; passed to Mesa, which owns the generator.
        keep_books: Keep every week's market book for :meth:`explain` (default: only for
            labs of at most ``KEEP_BOOKS_MAX_TEAMS`` teams, to bound memory).

    Attributes:
        teams: The team table (one row per team).
        team_agents: The team agents (a Mesa ``AgentSet``), in table order.
        reallocation: The reallocation group agent.
        credits: The credit accounts, one per team.
        network: The org network.
        world: Week, fleet and the market's memory.
        events: The narrative event log.
        negotiators: The automatic bargaining's tactics, term loans and negotiation book.
        last_week: The results of the last week played (``None`` before the first).
    """

    def __init__(
        self, scenario: Scenario, rng: int | None = None, *, keep_books: bool | None = None
    ) -> None:
        super().__init__(rng=rng)
        # Mesa's own ``scenario`` setter would write ``scenario.model`` into our frozen
        # pydantic scenario; store ours behind Mesa's read-only property instead.
        self._scenario = scenario
        self.seed_value = rng
        n_teams = scenario.lab.research_teams + scenario.lab.product_teams
        self.keep_books = n_teams <= KEEP_BOOKS_MAX_TEAMS if keep_books is None else keep_books
        self.books: list[MarketWeek] = []
        self.world = WorldState(
            week=0, fleet0=scenario.supply.initial_tranches, fleet=scenario.supply.initial_tranches
        )
        self.events = EventLog()
        self.recorder = Recorder()
        self.last_week: WeekResults | None = None

        strategies = setup.strategy_objects(scenario, self.rng)
        self.teams = setup.build_table(scenario, self.rng)
        self.credits = Credits(self.teams.names, scenario.governance)
        net = scenario.network
        self.network: OrgNetwork = build_org_network(
            self.teams.names,
            self.teams.kind,
            ties_per_team=net.ties_per_team,
            cross_division_share=net.cross_division_share,
            tie_strength=net.tie_strength,
            rng=self.rng,
        )
        self.team_agents = AgentSet(
            [
                team_class(int(kind))(self, i, name, strategy, self.teams, self.credits.ledger)
                for i, (name, kind, strategy) in enumerate(
                    zip(self.teams.names, self.teams.kind, strategies, strict=True)
                )
            ],
            random=self.random,
        )
        self.strategy_groups = StrategyGroups(self.team_agents)
        self._strategy_names: tuple[str, ...] | None = None
        for agent in self.team_agents:
            agent.on_strategy_change = self._strategies_changed
        self.reallocation = ReallocationGroup(self, scenario.reallocation)
        setup.seed_holdings(self.teams, scenario)
        self.term_loans = TermLoans(scenario.market.lease_weeks)
        self.negotiators = Negotiators(scenario, n_teams, self.rng, self.term_loans, self.world)
        self._stage = "idle"
        self._week: dict = {}

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """Play one week: the ten phases of DESIGN.md §3, in order."""
        self.prepare_week()
        self.clear_week()
        self.finish_week()

    @property
    def stage(self) -> str:
        """Where the current week stands: ``idle``, ``prepared`` or ``cleared``."""
        return self._stage

    def prepare_week(self) -> None:
        """Phases 1-4: supply, life cycle, reallocation, budgets (then loans come back).

        After this, :meth:`tranche_values` and the teams' credits are what they bid with
        (a workshop's bidding window sits here).

        Raises:
            RuntimeError: If the week is already prepared.
        """
        self._expect("idle", "prepare_week")
        sc, t, w, rng = self.scenario, self.teams, self.world, self.rng
        week = w.week
        supply = supply_phase(w, t, sc.supply, rng)
        self.term_loans.advance()
        returned = self.term_loans.return_due(t, week)
        life = lifecycle_phase(t, week, w.ambition, sc, rng)
        realloc = reallocation_phase(t, self.reallocation, w.fleet, week, sc.product.demand_spikes)
        grant = budgets_phase(self.credits, t, sc.governance, week)
        self._week = {"supply": supply, "returned": returned, "life": life, "realloc": realloc}
        self._week["grant"] = grant
        self._stage = "prepared"

    def clear_week(self) -> ClearingResult:
        """Phases 5-6: every team bids through its strategy and the market clears.

        Raises:
            RuntimeError: Unless the week is prepared and not yet cleared.
        """
        self._expect("prepared", "clear_week")
        sc, t, w, rng = self.scenario, self.teams, self.world, self.rng
        bids = bidding_phase(self.strategy_groups, t, sc, self.credits, w, rng)
        cleared = clearing_phase(sc, t, self.credits, bids, w.fleet, w.week, rng)
        self._remember_market(w.week, bids, cleared)
        self._week.update(bids=bids, cleared=cleared)
        self._stage = "cleared"
        return cleared

    def finish_week(
        self, deals: Sequence[LoanDeal] = (), *, bargaining: np.ndarray | None = None
    ) -> None:
        """Phases 7-10: loans, work, pressure and the record; the week is then played.

        Args:
            deals: Loans agreed outside the automatic bargaining (a workshop's players),
                settled first, in order, with their terms.
            bargaining: Teams that take part in the automatic bargaining (default: all).

        Raises:
            RuntimeError: Unless the week is cleared.
        """
        self._expect("cleared", "finish_week")
        sc, t, w, rng = self.scenario, self.teams, self.world, self.rng
        week, bids = w.week, self._week["bids"]
        settled = self.term_loans.settle(t, self.credits, list(deals), week)
        allowed = ~self.reallocation.under_notice(t.n)
        if bargaining is not None:
            allowed &= bargaining
        loans = negotiation_phase(
            t,
            self.credits,
            bids,
            self.network.ties,
            sc,
            week,
            negotiators=self.negotiators,
            lenders_allowed=allowed,
            borrowers_allowed=bargaining,
            settled=settled,
        )
        work = work_phase(t, sc, bids.situation, w.offline_share)
        pressure = pressure_phase(t, sc, self.network.contagion, rng)
        pending = self._week
        self._week, self._stage = {}, "idle"
        self._record(
            WeekResults(
                week,
                pending["supply"],
                pending["life"],
                pending["realloc"],
                pending["grant"],
                bids,
                pending["cleared"],
                loans,
                work,
                pressure,
                term_loans=settled,
                returned=pending["returned"],
            )
        )

    def _expect(self, stage: str, action: str) -> None:
        if self._stage != stage:
            raise RuntimeError(f"{action}: the week is {self._stage}, expected {stage}")

    @property
    def pending_bids(self) -> BidResult:
        """This week's bids and the situation they came from (between clear and finish).

        Raises:
            RuntimeError: Unless the week is cleared.
        """
        self._expect("cleared", "pending_bids")
        return self._week["bids"]

    def tranche_values(self) -> np.ndarray:
        """What each team's next tranches are worth now (the values it will bid with).

        Raises:
            RuntimeError: Unless the week is prepared.
        """
        self._expect("prepared", "tranche_values")
        return bid_values(self.teams, self.scenario)

    def change_rules(self, overrides: Mapping[str, object]) -> Scenario:
        """Change scenario keys between weeks (a facilitator changing the rules mid-game).

        Keys fixed when a game starts (teams, network, lease length, plugins, ...) are
        refused.

        Returns:
            The new scenario.

        Raises:
            ValueError: For a fixed key, an unknown key or a bad value, or mid-week.
        """
        self._expect("idle", "change_rules")
        new = changed_scenario(self.scenario, overrides)
        self._scenario = new
        self.reallocation.params = new.reallocation
        self.credits.set_policy(new.governance)
        return new

    def _remember_market(self, week: int, bids: BidResult, cleared: ClearingResult) -> None:
        """Let learning strategies observe the market; keep the price and the book."""
        clearing = cleared.clearing
        # How each team bid, told before this week's lesson is learned.
        told = tuple(a.strategy.describe() for a in self.team_agents) if self.keep_books else ()
        feedback_phase(
            self.strategy_groups,
            bids,
            clearing.allocation - clearing.spot,
            clearing.payments,
            None if np.isnan(clearing.price) else clearing.price,
            Hindsight.of_week(self.scenario, self.teams, bids, cleared).outcomes,
            regret=self.teams.regret,
        )
        if market.MECHANISMS[self.scenario.clearing_rule].uses_money:
            self.world.observe_price(clearing.price, self.scenario.market.price_forecast_weight)
        if self.keep_books:
            self.books.append(MarketWeek.of_week(week, bids, cleared, self.teams.kind, told))

    def _strategies_changed(self) -> None:
        """A team's strategy was replaced: regroup the bidders, rename the strategies."""
        self.strategy_groups.invalidate()
        self._strategy_names = None

    def _record(self, r: WeekResults) -> None:
        t = self.teams
        if self._strategy_names is None:
            self._strategy_names = tuple(a.strategy.name for a in self.team_agents)
        self.recorder.record_week(week_row(r, self.world, t, self.scenario))
        cv = self.scenario.valuation.credit_value
        self.recorder.record_teams(
            r.week,
            *team_snapshot(t, self.credits.balances, self.reallocation, cv),
            self._strategy_names,
        )
        narrate_week(self.events, r, t.names, self.scenario.projects.milestones)
        self.last_week = r
        self.world.week += 1

    def run(
        self, weeks: int | None = None, progress: Callable[[int, int], None] | None = None
    ) -> ComputeGame:
        """Play ``weeks`` weeks (default: the scenario's horizon).

        Args:
            weeks: Number of weeks to play; must be >= 0.
            progress: Optional callback ``progress(done, total)`` after each week.

        Raises:
            ValueError: If ``weeks`` is negative.
        """
        total = self.scenario.weeks if weeks is None else weeks
        if total < 0:
            raise ValueError(f"weeks = {total}: must be >= 0")
        for done in range(1, total + 1):
            self.step()
            if progress is not None:
                progress(done, total)
        return self

    # ------------------------------------------------------------------ reading
    @property
    def week(self) -> int:
        """Weeks played so far."""
        return self.world.week

    @property
    def fleet(self) -> float:
        """Fleet size in tranches."""
        return self.world.fleet

    @property
    def last_pressure(self) -> PressureResult | None:
        """The last week's pressure phase (stress drivers), ``None`` before the first week."""
        return self.last_week.pressure if self.last_week is not None else None

    def weeks_frame(self) -> pd.DataFrame:
        """Return one row per week played: supply, prices, fairness, stress, output, deals."""
        return self.recorder.weeks_frame()

    def teams_frame(self) -> pd.DataFrame:
        """One row per team and week (the reallocation group included, kind ``reallocation``)."""
        names = [*self.teams.names, self.reallocation.name]
        kinds = [KIND_NAMES[k] for k in self.teams.kind] + ["reallocation"]
        return self.recorder.teams_frame(names, kinds, self.scenario.supply.gpus_per_tranche)

    def negotiations_frame(self) -> pd.DataFrame:
        """One row per automatic negotiation: openings, rounds, outcome, price, Nash price."""
        return self.negotiators.book.frame(self.teams.names)

    def events_frame(self) -> pd.DataFrame:
        """The narrative event log as a table: week, kind, team, text."""
        return self.events.frame()

    def explain(self, team: str, week: int | None = None) -> Explanation:
        """Explain why ``team`` got what it got in ``week`` (default: the last week played).

        Raises:
            ValueError: For an unknown team, a week not played, or books not kept.
        """
        if not self.keep_books:
            raise ValueError("explain needs keep_books=True when the model is created")
        if not self.books:
            raise ValueError("week: no week has been played yet")
        week = self.books[-1].week if week is None else week
        if not 0 <= week < len(self.books):
            raise ValueError(f"week = {week}: played weeks are 0..{len(self.books) - 1}")
        return explain(self.scenario, self.teams.names, self.books[week], team)

    def agent(self, name: str) -> TeamAgent:
        """Return the team agent called ``name``.

        Raises:
            ValueError: If there is no such team.
        """
        for a in self.team_agents:
            if a.name == name:
                return a
        raise ValueError(f"team = {name!r}: no such team; teams: {self.teams.names[:10]}…")
