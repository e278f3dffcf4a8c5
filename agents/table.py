"""The team table: every team's changing state as columns of numpy arrays.

The hot phases of a week work on all teams at once, so team state lives here as a
struct of arrays (one row per team). The Mesa agents in :mod:`agents.teams` are the
teams' identities and decision makers; each reads its own row of this table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from agents.schema import clip

__all__ = ["KIND_NAMES", "PRODUCT", "RESEARCH", "TeamTable"]

RESEARCH = 0
PRODUCT = 1
KIND_NAMES = ("research", "product")


@dataclass
class TeamTable:
    """Mutable per-team state, one row per team (research rows first, then product).

    Attributes:
        names: Team names.
        kind: ``RESEARCH`` or ``PRODUCT`` per team.
        headcount: People per team (falls with attrition, rises with hiring).
        headcount_target: Headcount a team hires back towards.
        leases: ``(n, lease_weeks)`` tranches held, by weeks until they return to the pool
            (column 0 returns first).
        need: Tranches the team wants this week.
        stress: Stress in [0, 1].
        burnout: Burnout in [0, 1].
        envy: Normalised relative deprivation in [0, 1].
        lost: Share of the units asked for and not won in the last clearing.
        reclaimed: Tranches taken by the reallocation group this week.
        fast_tracked: Tranches the reallocation group fast-tracked to the team this week.
        project_active: Research team has a running project.
        project_age: Weeks since the project started.
        project_duration: Planned project length (its deadline).
        project_peak: Peak tranches the project wants.
        project_work: Output needed to finish all milestones.
        project_progress: Output accumulated so far.
        milestones_hit: Milestones reached in the current project.
        gap_left: Weeks until an idle research team's next project starts.
        waiting_since: Week a new project started waiting for compute, -1 once served.
        demand: Product demand in tranches' worth of serving.
        demand_base: Product demand at week 0 (logistic reference).
        tiers_open: Paid features opened to lower tiers so far.
        bid_units: Units asked for in the last clearing.
        bid_total: Sum of the last bids.
        won: Tranches won in the last clearing.
        paid: Credits paid in the last clearing.
        shading: How far the last bids were below the values, ``1 − bid/value``
            averaged over the tranches bid for (0 = truthful; NaN: no bid).
        output: Research output (research) or product value (product) this week.
        output_value: This week's output in credits (research at leadership's exchange
            rate, product value as it is).
        deals_in: Tranches received through negotiation this week.
        deals_out: Tranches lent through negotiation this week.
        plan_start: Week a planned project (the scenario's ``[[teams]]`` table) starts,
            -1 when none is planned.
        plan_peak: The planned project's peak need.
        plan_duration: The planned project's length in weeks (its deadline - start).
    """

    names: list[str]
    kind: np.ndarray
    headcount: np.ndarray
    headcount_target: np.ndarray
    leases: np.ndarray
    need: np.ndarray
    stress: np.ndarray = field(init=False)
    burnout: np.ndarray = field(init=False)
    envy: np.ndarray = field(init=False)
    lost: np.ndarray = field(init=False)
    reclaimed: np.ndarray = field(init=False)
    fast_tracked: np.ndarray = field(init=False)
    project_active: np.ndarray = field(init=False)
    project_age: np.ndarray = field(init=False)
    project_duration: np.ndarray = field(init=False)
    project_peak: np.ndarray = field(init=False)
    project_work: np.ndarray = field(init=False)
    project_progress: np.ndarray = field(init=False)
    milestones_hit: np.ndarray = field(init=False)
    gap_left: np.ndarray = field(init=False)
    waiting_since: np.ndarray = field(init=False)
    demand: np.ndarray = field(init=False)
    demand_base: np.ndarray = field(init=False)
    tiers_open: np.ndarray = field(init=False)
    bid_units: np.ndarray = field(init=False)
    bid_total: np.ndarray = field(init=False)
    won: np.ndarray = field(init=False)
    paid: np.ndarray = field(init=False)
    shading: np.ndarray = field(init=False)
    regret: np.ndarray = field(init=False)
    output: np.ndarray = field(init=False)
    output_value: np.ndarray = field(init=False)
    deals_in: np.ndarray = field(init=False)
    deals_out: np.ndarray = field(init=False)
    plan_start: np.ndarray = field(init=False)
    plan_peak: np.ndarray = field(init=False)
    plan_duration: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self._gpus: np.ndarray | None = None
        self.kind.flags.writeable = False
        self._is_research = self.kind == RESEARCH
        self._is_product = self.kind == PRODUCT
        self._is_research.flags.writeable = False
        self._is_product.flags.writeable = False
        n = len(self.names)
        zeros = lambda: np.zeros(n)  # noqa: E731
        self.stress = zeros()
        self.burnout = zeros()
        self.envy = zeros()
        self.lost = zeros()
        self.reclaimed = zeros()
        self.fast_tracked = zeros()
        self.project_active = np.zeros(n, dtype=bool)
        self.project_age = np.zeros(n, dtype=np.int64)
        self.project_duration = np.ones(n, dtype=np.int64)
        self.project_peak = zeros()
        self.project_work = np.ones(n)
        self.project_progress = zeros()
        self.milestones_hit = np.zeros(n, dtype=np.int64)
        self.gap_left = np.zeros(n, dtype=np.int64)
        self.waiting_since = np.full(n, -1, dtype=np.int64)
        self.demand = zeros()
        self.demand_base = zeros()
        self.tiers_open = np.zeros(n, dtype=np.int64)
        self.bid_units = zeros()
        self.bid_total = zeros()
        self.won = zeros()
        self.paid = zeros()
        self.shading = np.full(n, np.nan)
        self.regret = np.full(n, np.nan)
        self.output = zeros()
        self.output_value = zeros()
        self.deals_in = zeros()
        self.deals_out = zeros()
        self.plan_start = np.full(n, -1, dtype=np.int64)
        self.plan_peak = zeros()
        self.plan_duration = np.ones(n, dtype=np.int64)

    @property
    def n(self) -> int:
        """Number of teams."""
        return len(self.names)

    @property
    def gpus(self) -> np.ndarray:
        """Tranches each team holds now (read-only; cached until the leases change)."""
        if self._gpus is None:
            self._gpus = self.leases.sum(axis=1)
            self._gpus.flags.writeable = False
        return self._gpus

    def leases_changed(self) -> None:
        """Forget cached holdings; call after writing to ``leases`` directly."""
        self._gpus = None

    def advance_leases(self) -> None:
        """Move every lease one week closer to its end; the leases ending now return."""
        self.leases[:, :-1] = self.leases[:, 1:].copy()
        self.leases[:, -1] = 0.0
        self._gpus = None

    @property
    def is_research(self) -> np.ndarray:
        """Boolean mask of research teams (read-only; a team's kind never changes)."""
        return self._is_research

    @property
    def is_product(self) -> np.ndarray:
        """Boolean mask of product teams (read-only)."""
        return self._is_product

    def take(self, team: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Remove up to ``amount`` tranches from each listed team, latest-returning leases first.

        Args:
            team: Team indices (unique).
            amount: Tranches to take from each.

        Returns:
            The tranches actually taken from each team (never more than it holds).
        """
        if team.size == 0:
            return np.zeros(0)
        return self._take_reversed(team, amount).sum(axis=1)

    def take_leases(self, team: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Like :meth:`take`, but return what was taken from each lease column.

        Args:
            team: Team indices (unique).
            amount: Tranches to take from each.

        Returns:
            ``(len(team), lease_weeks)`` tranches taken, by weeks until they return
            (the columns of :attr:`leases`); rows sum to what :meth:`take` returns.
        """
        if team.size == 0:
            return np.zeros((0, self.leases.shape[1]))
        return self._take_reversed(team, amount)[:, ::-1]

    def _take_reversed(self, team: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Take latest-returning leases first; return the taken columns, last column first."""
        rows = self.leases[team]
        # Take from the leases that would stay longest: reverse cumulative sum.
        rev = rows[:, ::-1]
        cum = np.cumsum(rev, axis=1)
        want = np.minimum(amount, cum[:, -1] if rows.shape[1] else 0.0)
        before = cum - rev
        taken_rev = clip(want[:, None] - before, 0.0, rev)
        self.leases[team] = (rev - taken_rev)[:, ::-1]
        self._gpus = None
        return taken_rev

    def give(self, team: np.ndarray, amount: np.ndarray) -> None:
        """Add tranches to teams on fresh leases (returning after the full lease term)."""
        np.add.at(self.leases[:, -1], team, amount)
        self._gpus = None

    def give_leases(self, team: np.ndarray, leases: np.ndarray) -> None:
        """Add tranches to teams on the leases they came with (no lease is renewed).

        Args:
            team: Team indices.
            leases: ``(len(team), lease_weeks)`` tranches by weeks until they return, as
                :meth:`take_leases` returns them.
        """
        np.add.at(self.leases, team, leases)
        self._gpus = None
