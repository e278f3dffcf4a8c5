"""Helpers for the workshop's robustness tests and benchmark (not tests themselves).

Importable from the tests (``tests/`` is on ``sys.path`` under pytest) and runnable as
subprocess entry points with ``python -m workshop_helpers.<module>`` and ``tests/`` on
``PYTHONPATH`` (:func:`module_command` builds that command line):

- :mod:`workshop_helpers.players`: what one seat does in each window (bids, late bids,
  loan offers and answers), recording every call's outcome; run as a module it is a
  worker process that plays some seats on command;
- :mod:`workshop_helpers.replay`: rebuild a workshop's game in a fresh process;
- :mod:`workshop_helpers.crash`: deterministic action scripts, and the processes that
  play them until they are killed.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pandas as pd

from game import Scenario, load_scenario

__all__ = ["TESTS", "frames", "module_command", "module_env", "scenario"]

TESTS = Path(__file__).resolve().parent.parent
ROOT = TESTS.parent


def scenario(research: int = 18, product: int = 12) -> Scenario:
    """The classroom preset with ``research + product`` teams (room for 30 seats)."""
    return load_scenario(
        "classroom", {"lab.research_teams": research, "lab.product_teams": product}
    )


def frames(session) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A session's weeks and teams frames (what "the same game" compares)."""
    return session.model.weeks_frame(), session.model.teams_frame()


def module_env() -> dict[str, str]:
    """The environment for a helper subprocess: ``tests/`` and the repo importable."""
    env = dict(os.environ)
    paths = [str(TESTS), str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def module_command(module: str, *args: object) -> list[str]:
    """``python -m workshop_helpers.<module> args...`` with this interpreter."""
    return [sys.executable, "-m", f"workshop_helpers.{module}", *map(str, args)]
