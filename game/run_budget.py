"""How much memory and time one run will take, estimated before it starts.

A run's cost grows with the teams, the weeks, and the tranches each team may bid for in
a week (``market.max_units_per_bid``: the width of the week's bid and value matrices).
:func:`estimate` adds them up from the scenario alone, with constants measured with
``crunch run`` on the project's 2-core reference machine (while other work shared it),
and :func:`check` refuses a run past :data:`MEMORY_BUDGET` or :data:`TIME_BUDGET` unless
the user allows it (``crunch run --allow-large``). The estimate errs high: it guards
against a run that would take the machine down or go on for an hour; it is not a
prediction. The fleet's size does not enter: no rule or metric grows with it.

Measured (wall time and peak resident memory)::

    teams    weeks  units  --out    time     memory
        8    1,040      8     no     4.5 s   0.20 GB
      500      520    200     no    12.3 s   1.07 GB   (small labs keep every market book)
    4,000      104      8     no     3.9 s   0.27 GB
    4,000      104      8    yes     9.5 s   0.38 GB
    4,000      104    200     no    11.2 s   0.34 GB
   40,000      104      8     no    23   s   0.81 GB
   40,000      104      8    yes   152   s   1.98 GB
"""

from __future__ import annotations

from dataclasses import dataclass

from game.scenario import Scenario

__all__ = ["MEMORY_BUDGET", "TIME_BUDGET", "BudgetError", "RunEstimate", "check", "estimate"]

MEMORY_BUDGET = 4 * 10**9
"""Bytes one run may take without ``--allow-large`` (the machine has 24 GB, shared)."""

TIME_BUDGET = 600.0
"""Seconds one run may take without ``--allow-large``."""

# Calibration (seconds and bytes), from the measurements in the module docstring.
BASE_SECONDS = 2.0  # start-up: imports, the scenario, the first week
BASE_BYTES = 210e6
SECONDS_PER_WEEK = 3e-3  # a week's fixed work (ten phases, narration)
SECONDS_PER_TEAM_WEEK = 6e-6  # playing one team for one week
SECONDS_PER_CELL_WEEK = 1.5e-7  # one cell of the (teams x units) bid matrix, one week
SECONDS_PER_TEAM_WEEK_WRITTEN = 3.5e-5  # building and writing its row of teams.csv
BYTES_PER_TEAM = 5e3  # agent objects, network ties, table columns
BYTES_PER_CELL = 400.0  # a (teams x units) cell across the week's working arrays
BYTES_PER_TEAM_WEEK = 170.0  # the recorded snapshot (regret included) and event lines
BYTES_PER_TEAM_WEEK_WRITTEN = 340.0  # teams.csv's table (tranches and GPUs, regret)
BYTES_PER_BOOK_CELL = 24.0  # a kept market book: bids, values, allocation per cell
KEEP_BOOKS_MAX_TEAMS = 500  # as game.world.model.KEEP_BOOKS_MAX_TEAMS (importing it loads Mesa)

_HUGE = 1e300


class BudgetError(ValueError):
    """A run would take more memory or time than the budget allows."""


@dataclass(frozen=True)
class RunEstimate:
    """What a run is expected to take.

    Attributes:
        teams: Teams in the lab.
        weeks: Weeks played.
        units: Most tranches one team bids for in a week.
        memory: Peak memory, in bytes.
        seconds: Wall time, in seconds.
    """

    teams: int
    weeks: int
    units: int
    memory: float
    seconds: float

    def describe(self) -> str:
        """The estimate in words, e.g. ``about 13.7 GB of memory and 3 min (40,000 teams ...)``."""
        return (
            f"about {_size(self.memory)} of memory and {_duration(self.seconds)} "
            f"({self.teams:,} teams x {self.weeks:,} weeks x {self.units} tranches a bid)"
        )


def _size(n: float) -> str:
    return f"{n / 1e9:.1f} GB" if n >= 1e8 else f"{n / 1e6:.0f} MB"


def _duration(s: float) -> str:
    if s >= 1e7:
        return f"{s:.1e} s"
    if s >= 3600:
        return f"{s / 3600:.1f} h"
    return f"{s / 60:.0f} min" if s >= 600 else f"{s:.0f} s"


def estimate(scenario: Scenario, weeks: int | None = None, *, write: bool) -> RunEstimate:
    """Estimate the peak memory and wall time of one run.

    Args:
        scenario: The scenario.
        weeks: Weeks to play (default: the scenario's).
        write: Whether the per-team table is built and written (``--out``).
    """
    weeks = scenario.weeks if weeks is None else weeks
    teams = scenario.lab.research_teams + scenario.lab.product_teams
    units = scenario.market.max_units_per_bid
    team_weeks = float(teams) * weeks
    cells = float(teams) * units
    seconds = (
        BASE_SECONDS
        + SECONDS_PER_WEEK * weeks
        + (SECONDS_PER_TEAM_WEEK + (SECONDS_PER_TEAM_WEEK_WRITTEN if write else 0.0)) * team_weeks
        + SECONDS_PER_CELL_WEEK * cells * weeks
    )
    memory = (
        BASE_BYTES
        + BYTES_PER_TEAM * teams
        + BYTES_PER_CELL * cells
        + (BYTES_PER_TEAM_WEEK + (BYTES_PER_TEAM_WEEK_WRITTEN if write else 0.0)) * team_weeks
        + (BYTES_PER_BOOK_CELL * cells * weeks if teams <= KEEP_BOOKS_MAX_TEAMS else 0.0)
    )
    return RunEstimate(teams, weeks, units, min(memory, _HUGE), min(seconds, _HUGE))


def check(
    est: RunEstimate,
    *,
    allow_large: bool,
    flag: str = "--allow-large",
    memory_budget: float = MEMORY_BUDGET,
    time_budget: float = TIME_BUDGET,
) -> None:
    """Refuse a run whose estimate is past the budget, unless it is allowed.

    Raises:
        BudgetError: One line naming the estimate, the budget and ``flag``.
    """
    if allow_large or (est.memory <= memory_budget and est.seconds <= time_budget):
        return
    raise BudgetError(
        f"this run would take {est.describe()}; the budget is {_size(memory_budget)} and "
        f"{_duration(time_budget)}: make it smaller (fewer teams, weeks or "
        f"market.max_units_per_bid) or pass {flag} to run it anyway"
    )
