"""Compare's background job: a two-point sweep played by the sweep engine in a thread.

:func:`start` writes the comparison's sweep file (and the scenario file, when the
Explore scenario is not a preset) into the session's own folder and runs
:func:`experiments.sweep.run_sweep` in a background thread, into a results file named
after the sweep's hash: the same comparison asked again finds its runs stored and plays
nothing. The page polls :meth:`CompareJob.progress` (runs stored so far, read from the
results file) for its progress bar. No Streamlit calls happen in the thread.

Runs are played by the ``serial`` executor inside the thread (no forking of the
app server's process); the app stays responsive while it plays.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from experiments.compare_sweep import SCENARIO_FILE, rule_set_sweep_toml
from experiments.store import StoreError, open_results
from experiments.sweep import SweepOutcome, run_sweep
from experiments.sweep_file import Sweep, sweep_from_toml
from game import Scenario
from game.scenario import ScenarioError, list_presets, load_scenario

__all__ = ["CompareJob", "scenario_reference", "start"]

EXECUTOR = "serial"


def scenario_reference(base: Scenario) -> str | None:
    """The preset name ``base`` is, unchanged; ``None`` when it is not a preset."""
    if base.name not in list_presets():
        return None
    try:
        return base.name if load_scenario(base.name).digest() == base.digest() else None
    except ScenarioError:
        return None


@dataclass
class CompareJob:
    """A comparison being played (or played) in the background.

    Attributes:
        sweep: The two-point sweep.
        toml: Its sweep file's text (what "save as sweep file" downloads).
        scenario_toml: The base scenario's TOML when it is not a preset (saved beside
            the sweep file as ``scenario.toml``), else ``""``.
        path: The results file.
        total: Runs planned.
        info: What the page shows about it (rule sets in words, rules that clear).
        outcome: What :func:`run_sweep` did, once it returned.
        error: A one-line error if it failed.
    """

    sweep: Sweep
    toml: str
    scenario_toml: str
    path: Path
    total: int
    info: dict[str, Any] = field(default_factory=dict)
    outcome: SweepOutcome | None = None
    error: str | None = None
    _thread: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        """Whether the background thread is still playing."""
        return self._thread is not None and self._thread.is_alive()

    def progress(self) -> int:
        """Runs stored so far (read from the results file; 0 before it exists)."""
        if self.outcome is not None:
            return self.outcome.stored
        if not self.path.is_file():
            return 0
        try:
            with open_results(self.path) as store:
                counts = store.counts()
        except (StoreError, OSError):
            return 0
        return counts["ok"] + counts["failed"]

    def wait(self, timeout: float | None = None) -> None:
        """Block until the background thread ends (tests, scripts)."""
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        try:
            self.outcome = run_sweep(self.sweep, self.path, executor=EXECUTOR, progress=False)
        except Exception as err:  # shown on the page as one line
            self.error = (str(err).strip().splitlines() or [type(err).__name__])[0]


def start(
    folder: Path | None,
    base: Scenario,
    a: dict[str, Any],
    b: dict[str, Any],
    *,
    seeds: int,
    weeks: int,
    info: dict[str, Any] | None = None,
) -> CompareJob:
    """Write the comparison's sweep file into ``folder`` and start playing it.

    Args:
        folder: The session's folder (``None``: a new temporary one).
        base: The Explore scenario both rule sets start from.
        a: Rule set A's scenario overrides (the baseline).
        b: Rule set B's.
        seeds: Paired seeds (replications).
        weeks: Weeks per run.
        info: Shown with the result.

    Raises:
        SweepError: The sweep is not valid (a one-line message).
    """
    folder = Path(tempfile.mkdtemp(prefix="crunch-compare-")) if folder is None else folder
    folder.mkdir(parents=True, exist_ok=True)
    preset = scenario_reference(base)
    scenario_toml = "" if preset else base.to_toml()
    if scenario_toml:
        (folder / SCENARIO_FILE).write_text(scenario_toml, encoding="utf-8")
    text = rule_set_sweep_toml(
        a,
        b,
        scenario=preset or SCENARIO_FILE,
        seeds=seeds,
        weeks=weeks,
        description=f"A: {(info or {}).get('a', '')}; B: {(info or {}).get('b', '')}",
    )
    sweep = sweep_from_toml(text, "compare", base_dir=folder)
    job = CompareJob(
        sweep=sweep,
        toml=text,
        scenario_toml=scenario_toml,
        path=folder / f"compare-{sweep.hash}.db",
        total=2 * seeds,
        info=dict(info or {}),
    )
    job._thread = threading.Thread(target=job._run, name="compare-sweep", daemon=True)
    job._thread.start()
    return job
