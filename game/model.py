"""ComputeGame: the Mesa model that plays one week per step.

The model owns the only random generator and orchestrates the phases of a week in
the order of DESIGN.md §3; each phase lives in its own module and works on the
team table for all teams at once::

    from game import ComputeGame, load_scenario
    model = ComputeGame(load_scenario("lab-2025"), rng=7)
    model.run(52)
    model.weeks_frame(), model.teams_frame(), model.events_frame()
"""

from __future__ import annotations

from collections.abc import Callable

import mesa
import numpy as np
import pandas as pd

import market
from agents.strategies import STRATEGIES
from agents.teams import ProductTeam, ReallocationGroup, ResearchTeam, TeamAgent
from game import deals, lifecycle
from game.bidding import BidBook, build_bids
from game.clearing import Clearing, clear_pool
from game.credits import Credits
from game.events import EventLog
from game.explain import Explanation, MarketWeek, explain
from game.network import OrgNetwork, build_org_network
from game.params import behaviour_params
from game.pressure import PressureResult, milestones, pressure, urgency, work
from game.reallocation import reallocation_week
from game.recorder import Recorder
from game.scenario import Scenario
from game.state import KIND_NAMES, PRODUCT, RESEARCH, TeamTable, team_names
from game.supply import SupplyChange, supply_step
from market.metrics import allocative_efficiency, gini, jain

BURNOUT_LEVEL = 0.5
SERVED_SHARE = 0.8
KEEP_BOOKS_MAX_TEAMS = 500


def _people(count: float) -> str:
    return "1 person" if count == 1 else f"{count:.0f} people"


class ComputeGame(mesa.Model):
    """A lab's GPU market, one week per step.

    Args:
        scenario: The validated configuration.
        rng: Seed (int) or ``None``; passed to Mesa, which owns the generator.
        keep_books: Keep every week's market book for :meth:`explain` (default: only for
            labs of at most ``KEEP_BOOKS_MAX_TEAMS`` teams, to bound memory).

    Attributes:
        scenario: The scenario being played.
        teams: The team table (one row per team).
        credits: The credit ledger, one account per team.
        network: The org network.
        reallocation: The reallocation group agent.
        events: The narrative event log.
        week: Weeks played so far.
        fleet: Fleet size in tranches.
        last_clearing: The most recent clearing (for explanations in the app).
        last_bids: The most recent bid book.
    """

    def __init__(
        self, scenario: Scenario, rng: int | None = None, *, keep_books: bool | None = None
    ) -> None:
        super().__init__(rng=rng)
        # Mesa's own ``scenario`` setter would write ``scenario.model`` into our frozen
        # pydantic scenario; store ours behind Mesa's read-only property instead.
        self._scenario = scenario
        self.seed_value = rng
        self.params = behaviour_params(scenario)
        self.week = 0
        self.fleet0 = scenario.supply.initial_tranches
        self.fleet = self.fleet0
        self.offline_share = 0.0
        self.last_price: float | None = None
        self.events = EventLog()
        self.recorder = Recorder()
        self.last_clearing: Clearing | None = None
        self.last_bids: BidBook | None = None
        self.last_pressure: PressureResult | None = None
        self._waits: list[float] = []
        n_teams = scenario.lab.research_teams + scenario.lab.product_teams
        self.keep_books = n_teams <= KEEP_BOOKS_MAX_TEAMS if keep_books is None else keep_books
        self.books: list[MarketWeek] = []
        self.teams = self._build_teams()
        self.credits = Credits(self.teams.names, scenario.governance)
        self.network: OrgNetwork = build_org_network(
            self.teams.names,
            self.teams.kind,
            ties_per_team=scenario.network.ties_per_team,
            cross_division_share=scenario.network.cross_division_share,
            tie_strength=scenario.network.tie_strength,
            rng=self.rng,
        )
        self.team_agents: list[TeamAgent] = []
        for i, name in enumerate(self.teams.names):
            cls = ResearchTeam if self.teams.kind[i] == RESEARCH else ProductTeam
            strategy = self.teams.strategy_names[self.teams.strategy[i]]
            self.team_agents.append(cls(self, i, name, strategy))
        r = scenario.reallocation
        self.reallocation = ReallocationGroup(
            self,
            enabled=r.enabled,
            moves_per_week=r.moves_per_week,
            notice_weeks=r.notice_weeks,
        )
        self._seed_holdings()

    # ------------------------------------------------------------------ set-up
    def _build_teams(self) -> TeamTable:
        sc = self.scenario
        n_r, n_p = sc.lab.research_teams, sc.lab.product_teams
        n = n_r + n_p
        kind = np.array([RESEARCH] * n_r + [PRODUCT] * n_p, dtype=np.int8)
        mix = {k: v for k, v in sc.lab.strategy_mix.items() if v > 0}
        names = sorted(mix, key=list(STRATEGIES).index)
        shares = np.array([mix[s] for s in names]) / sum(mix.values())
        # Deterministic quota per strategy (largest remainder), then shuffled.
        exact = shares * n
        counts = np.floor(exact).astype(int)
        for j in np.argsort(-(exact - counts), kind="stable")[: n - counts.sum()]:
            counts[j] += 1
        strategy = self.rng.permutation(np.repeat(np.arange(len(names)), counts))
        mean_head = np.where(kind == RESEARCH, sc.lab.headcount_research, sc.lab.headcount_product)
        headcount = np.maximum(3.0, np.rint(mean_head * self.rng.uniform(0.6, 1.4, n)))
        table = TeamTable(
            names=team_names(n_r, n_p),
            kind=kind,
            strategy=strategy,
            strategy_names=names,
            headcount=headcount,
            headcount_target=headcount.copy(),
            leases=np.zeros((n, sc.market.lease_weeks)),
            need=np.zeros(n),
        )
        research = np.flatnonzero(kind == RESEARCH)
        lifecycle.start_projects(table, research, 0, 1.0, sc, self.rng)
        # Spread projects over their life so the lab does not start in lockstep.
        table.project_age[research] = np.floor(
            self.rng.uniform(0, 1, research.size) * table.project_duration[research]
        ).astype(np.int64)
        table.waiting_since[research] = -1
        product = kind == PRODUCT
        table.demand[product] = sc.product.demand_per_person * headcount[product]
        table.demand_base[product] = table.demand[product]
        return table

    def _seed_holdings(self) -> None:
        """Hand out the initial fleet in proportion to need, on staggered leases."""
        t = self.teams
        progress = t.project_age / np.maximum(t.project_duration, 1)
        need = np.where(
            t.is_research,
            t.project_peak * lifecycle.phase_profile(progress),
            t.demand
            * (1 + self.params.product.tier_headroom)
            / self.params.product.users_per_tranche,
        )
        t.need = need
        total = max(need.sum(), 1e-9)
        units = np.floor(self.fleet0 * 0.9)
        share = np.floor(need / total * units)
        lease_weeks = t.leases.shape[1]
        for col in range(lease_weeks):
            t.leases[:, col] = np.floor(share / lease_weeks) + (col < share % lease_weeks)
        t.leases_changed()

    # ------------------------------------------------------------------ the week
    def step(self) -> None:
        """Play one week.

        The phases run in order: supply → life cycle → reallocation → budgets →
        bidding → clearing → negotiation → work → pressure → record.
        """
        week = self.week
        change = self._supply(week)
        self._lifecycle(week)
        self._reallocate(week)
        self._budgets(week)
        book = self._bidding(week)
        clearing = self._clearing(week, book)
        n_deals = self._negotiation(week, book)
        self._work(week)
        self._pressure(week)
        self._record(week, change, book, clearing, n_deals)
        self.week += 1

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

    # ------------------------------------------------------------------ phases
    def _supply(self, week: int) -> SupplyChange:
        t = self.teams
        # Leases that end return to the pool.
        t.advance_leases()
        change = supply_step(self.fleet, week, self.scenario.supply, self.rng)
        self.fleet = change.fleet
        self.offline_share = change.outage_share
        held = t.leases.sum()
        if held > self.fleet:
            # Leases ended at the provider: take back from holders in proportion.
            gpus = t.gpus
            cut = gpus / held * (held - self.fleet)
            t.take(np.arange(t.n), cut)
        if change.go_live:
            self.events.add(week, "supply", f"{change.go_live:.0f} tranches went live")
        if change.lease_expiry:
            self.events.add(
                week, "supply", f"leases ended: {change.lease_expiry:.0f} tranches left"
            )
        if change.outage_share:
            self.events.add(
                week, "outage", f"outage: {change.outage_share:.0%} of the fleet offline this week"
            )
        return change

    def _lifecycle(self, week: int) -> None:
        sc, t = self.scenario, self.teams
        ambition = (self.fleet / self.fleet0) ** sc.projects.ambition_exponent
        finished, started = lifecycle.research_lifecycle(t, week, ambition, sc, self.rng)
        self.events.add_many(
            week,
            "project_finished",
            "{team} finished its project ({hit}/{of} milestones)",
            self._names(finished),
            hit=t.milestones_hit[finished],
            of=np.full(finished.size, sc.projects.milestones),
        )
        self.events.add_many(
            week,
            "project_started",
            "a new project appeared at {team}: needs {need:.0f} tranches, "
            "deadline in {weeks} weeks",
            self._names(started),
            need=t.need[started],
            weeks=t.project_duration[started],
        )
        opened = lifecycle.product_lifecycle(t, week, sc, self.params)
        self.events.add_many(
            week,
            "tier_opened",
            "{team} rolled a paid feature out to tier {tier}",
            self._names(opened),
            tier=t.tiers_open[opened],
        )

    def _reallocate(self, week: int) -> None:
        done = reallocation_week(
            self.teams, self.reallocation, self.fleet, week, self.scenario.reallocation
        )
        got = done.reclaimed > 0
        self.events.add_many(
            week,
            "reclaim",
            "{team} lost {units:.0f} tranches to a reclaim; stress {stress:.2f}",
            self._names(done.reclaimed_from[got]),
            units=done.reclaimed[got],
            stress=self.teams.stress[done.reclaimed_from[got]],
        )
        self.events.add_many(
            week,
            "fast_track",
            "{team} was fast-tracked {units:.0f} tranches",
            self._names(done.fast_tracked),
            units=done.fast_track_units,
        )
        self.events.add_many(
            week,
            "reclaim_notice",
            "reallocation gave {team} notice: {units:.0f} tranches in {notice} week(s)",
            self._names(done.noticed),
            units=done.notice_units,
            notice=np.full(done.noticed.size, self.reallocation.notice_weeks),
        )

    def _names(self, idx: np.ndarray) -> list[str]:
        names = self.teams.names
        return [names[i] for i in idx.tolist()]

    def _budgets(self, week: int) -> None:
        gov, t = self.scenario.governance, self.teams
        if week % gov.quarter_weeks != 0:
            return
        if week > 0:
            self.credits.expire(week)
        n_r = int(t.is_research.sum())
        pot = gov.credits_per_quarter * t.n
        division = np.where(t.is_research, gov.research_share, 1.0 - gov.research_share) * pot
        division_heads = np.where(
            t.is_research, t.headcount[t.is_research].sum(), t.headcount[t.is_product].sum()
        )
        grant = division * t.headcount / np.maximum(division_heads, 1e-9)
        if n_r == 0 or n_r == t.n:
            grant = pot * t.headcount / t.headcount.sum()
        self.credits.grant(grant, week)
        self.events.add(
            week,
            "grant",
            f"leadership granted {grant.sum():,.0f} credits ({gov.research_share:.0%} to research)",
        )

    def _bidding(self, week: int) -> BidBook:
        sc, t = self.scenario, self.teams
        q = sc.governance.quarter_weeks
        self._urgency = urgency(t)
        book = build_bids(
            t,
            sc,
            urgency=self._urgency,
            budgets=self.credits.balances,
            spent_this_quarter=self.credits.spent_this_quarter,
            weeks_left_in_quarter=q - week % q,
            mechanism=market.resolve_mechanism(sc.market.mechanism),
            last_price=self.last_price,
            params=self.params.bidding,
            rng=self.rng,
        )
        self.last_bids = book
        return book

    def _clearing(self, week: int, book: BidBook) -> Clearing:
        t = self.teams
        pool = max(0.0, self.fleet - t.leases.sum())
        budgets = np.array(self.credits.balances)
        urg = self._urgency
        # Replays of this week use their own seed, so keeping books never moves the stream.
        seed = int(np.random.SeedSequence([self.seed_value or 0, week]).generate_state(1)[0])
        clearing = clear_pool(
            self.scenario,
            book.bids,
            pool,
            kind=t.kind,
            budgets=budgets,
            urgency=urg,
            rng=self.rng,
        )
        if self.keep_books:
            self.books.append(
                MarketWeek(week, book.bids, book.values, budgets, urg, t.kind, pool, clearing, seed)
            )
        t.give(np.arange(t.n), clearing.allocation)
        self.credits.pay(clearing.payments, week)
        asked = (book.bids > 0).sum(axis=1).astype(float)
        t.bid_units = asked
        t.bid_total = book.bids.sum(axis=1)
        t.won = clearing.allocation
        t.paid = clearing.payments
        # Lost: wanted at least one needed tranche and won none at auction.
        auction_won = clearing.allocation - clearing.spot
        t.lost = ((book.extra_need >= 1) & (asked > 0) & (auction_won < 1)).astype(float)
        if not np.isnan(clearing.price):
            self.last_price = clearing.price
        self.last_clearing = clearing
        # New projects count as served once they hold half their need.
        waiting = t.waiting_since >= 0
        served = waiting & (t.gpus >= SERVED_SHARE * t.need)
        self._waits.extend((week - t.waiting_since[served]).astype(float).tolist())
        t.waiting_since[served] = -1
        return clearing

    def _negotiation(self, week: int, book: BidBook) -> int:
        t = self.teams
        t.deals_in = np.zeros(t.n)
        t.deals_out = np.zeros(t.n)
        if not self.scenario.negotiation.enabled:
            return 0
        loans = deals.negotiate_loans(
            t, book.values, self.credits.balances, self.network.ties, self.scenario.negotiation
        )
        if loans.borrower.size == 0:
            return 0
        b, lnd, price = loans.borrower, loans.lender, loans.price
        moved = t.take(lnd, loans.units)
        t.give(b, moved)
        self.credits.transfer(b, lnd, moved * price, week)
        t.deals_in[b] = moved
        t.deals_out[lnd] = moved
        self.events.add_many(
            week,
            "deal",
            "{lender} lent {units:.0f} tranches to {team} at {price:.1f} credits each",
            self._names(b),
            lender=np.array(self._names(lnd), dtype=object),
            units=moved,
            price=price,
        )
        return int(b.size)

    def _work(self, week: int) -> None:
        t = self.teams
        work(t, self.params, self.offline_share)
        hit = milestones(t, self.scenario.projects.milestones)
        self.events.add_many(
            week,
            "milestone",
            "{team} reached milestone {hit}/{of}",
            self._names(hit),
            hit=t.milestones_hit[hit],
            of=np.full(hit.size, self.scenario.projects.milestones),
        )

    def _pressure(self, week: int) -> None:
        t = self.teams
        res = pressure(
            t,
            self.params,
            self.network.ties,
            hiring_rate=self.scenario.lab.hiring_rate,
            rng=self.rng,
        )
        self.last_pressure = res
        self.events.add_many(
            week,
            "burnout",
            "{team} is burning out (stress {stress:.2f})",
            self._names(res.new_burnouts),
            stress=t.stress[res.new_burnouts],
        )
        left = np.flatnonzero(res.departures > 0)
        self.events.add_many(
            week,
            "attrition",
            "{people} left {team} (burnout {burnout:.2f})",
            self._names(left),
            people=np.array([_people(d) for d in res.departures[left]], dtype=object),
            burnout=t.burnout[left],
        )

    # ------------------------------------------------------------------ record
    def _record(
        self, week: int, change: SupplyChange, book: BidBook, clearing: Clearing, n_deals: int
    ) -> None:
        t = self.teams
        gpus = t.gpus
        allocated = float(gpus.sum())
        satisfaction = np.clip(gpus / np.maximum(t.need, 1e-9), 0.0, 1.0)
        research_gpus = float(gpus[t.is_research].sum())
        waits = self._waits
        self.recorder.record_week(
            {
                "week": week,
                "supply": self.fleet,
                "available": self.fleet * (1.0 - self.offline_share),
                "allocated": allocated,
                "idle": max(0.0, self.fleet - allocated),
                "utilisation": allocated / self.fleet if self.fleet > 0 else 1.0,
                "price": clearing.price,
                "revenue": float(clearing.payments.sum()),
                "efficiency": allocative_efficiency(
                    book.values, clearing.allocation, clearing.offered
                ),
                "jain": jain(satisfaction),
                "gini": gini(gpus / np.maximum(t.headcount, 1e-9)),
                "mean_stress": float(t.stress.mean()),
                "max_stress": float(t.stress.max()),
                "burnout_teams": int((t.burnout > BURNOUT_LEVEL).sum()),
                "research_output": float(t.output[t.is_research].sum()),
                "product_value": float(t.output[t.is_product].sum()),
                "research_share": research_gpus / allocated if allocated > 0 else float("nan"),
                "deals": n_deals,
                "reclaims": int((t.reclaimed > 0).sum()),
                "new_project_wait": float(np.mean(waits)) if waits else float("nan"),
                "headcount": float(t.headcount.sum()),
            }
        )
        self._waits = []
        group = self.reallocation
        self.recorder.record_teams(
            {
                "week": week,
                "phase": np.append(lifecycle.phase_codes(t), np.int8(5)),
                "gpus": np.append(gpus, group.moved_this_week),
                "demand": np.append(t.need, 0.0),
                "bid": np.append(t.bid_total, 0.0),
                "won": np.append(t.won, 0.0),
                "paid": np.append(t.paid, 0.0),
                "credits": np.append(self.credits.balances, 0.0),
                "stress": np.append(t.stress, group.stress),
                "burnout": np.append(t.burnout, 0.0),
                "output": np.append(t.output, float(t.reclaimed.sum())),
                "headcount": np.append(t.headcount, 5.0),
            }
        )

    # ------------------------------------------------------------------ tables
    def weeks_frame(self) -> pd.DataFrame:
        """Return one row per week played: supply, prices, fairness, stress, output, deals."""
        return self.recorder.weeks_frame()

    def teams_frame(self) -> pd.DataFrame:
        """One row per team and week (the reallocation group included, kind ``reallocation``)."""
        t = self.teams
        names = [*t.names, self.reallocation.name]
        kinds = [KIND_NAMES[k] for k in t.kind] + ["reallocation"]
        strategies = [t.strategy_names[s] for s in t.strategy] + ["-"]
        return self.recorder.teams_frame(names, kinds, strategies)

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
