"""Scenarios: the validated configuration of one game, loaded from and saved to TOML.

A :class:`Scenario` composes small pydantic tables, one per TOML table. The behaviour
tables (emotion, research, product, valuation, bidding, negotiation, reallocation) are
declared once, next to the behaviour they parameterise in :mod:`agents`; the world's
own tables (lab, market, governance, supply, projects, network) are declared here.
Every field carries its allowed range and a one-line description (``crunch keys`` and
the app's help show it). Unknown keys are refused, so a typo never silently does
nothing.

The same scenario file is used unchanged by the CLI, the app, sweeps and workshops::

    sc = load_scenario("lab-2025", overrides={"market.mechanism": "vickrey"})
    save_scenario(sc, "my.toml")
    assert load_scenario("my.toml") == sc
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import Field, ValidationError, field_validator, model_validator

from agents.emotion import EmotionParams
from agents.negotiation import NegotiationParams
from agents.productivity import ProductParams, ResearchParams
from agents.reallocation import ReallocationParams
from agents.schema import MAX_WEEKS, Params, WeekEvent
from agents.strategies import BiddingParams
from agents.valuation import ValuationParams
from game import keys, plugins, units
from game.tables import (
    GovernanceConfig,
    LabConfig,
    MarketConfig,
    NetworkConfig,
    ProjectsConfig,
    SupplyConfig,
)
from game.team_specs import (
    SEED_HELP,
    TEAMS_HELP,
    TeamSpec,
    error_location,
    lab_for_teams,
    without_counts,
)
from game.validation import (
    MAX_DEPTH,
    MAX_SHOWN,
    clean,
    control_characters,
    file_exists,
    nesting_depth,
    one_line,
    parse_toml,
    read_text_file,
)

__all__ = [
    "DEFAULT_PRESET",
    "EVENT_LISTS",
    "MAX_PLUGINS",
    "MAX_SCENARIO_CHARS",
    "PRESET_DIR",
    "GovernanceConfig",
    "LabConfig",
    "MarketConfig",
    "NetworkConfig",
    "ProjectsConfig",
    "Scenario",
    "ScenarioError",
    "SupplyConfig",
    "list_presets",
    "load_scenario",
    "parse_override",
    "save_scenario",
    "scenario_from_dict",
    "scenario_from_toml",
]

PRESET_DIR = Path(__file__).with_name("scenarios")
DEFAULT_PRESET = "lab-2025"

MAX_SCENARIO_CHARS = 256 * 1024
"""The longest scenario file or upload read (a full scenario is about 5,000 characters;
a longer text would take seconds to parse before any of its limits could be checked)."""

EVENT_LISTS = ("supply.go_live", "supply.lease_expiry", "product.demand_spikes")
"""The scenario's lists of week events. An event must fall before the longest horizon
(:data:`agents.schema.MAX_WEEKS`); one after the scenario's own ``weeks`` is allowed (a
shortened run saves such a scenario) and ``crunch run`` notes that it will not happen."""

MAX_PLUGINS = 32
"""The most plugins one scenario may name."""


class ScenarioError(ValueError):
    """A scenario could not be loaded: the message names the field, value and what is allowed.

    The message is one line safe to print: control characters in it are escaped.
    """

    def __init__(self, message: str) -> None:
        super().__init__(clean(str(message), 2000))


def _no_control(text: str, keep: str = "") -> str:
    """Refuse control characters (terminal escapes, bidi overrides) other than ``keep``."""
    bad = control_characters(text, keep)
    if bad:
        raise ValueError(f"contains the control character {bad[0]!r}; allowed: printable text")
    return text


class Scenario(Params):
    """A complete, validated game configuration."""

    name: str = Field("custom", min_length=1, max_length=80, description="Scenario name.")
    description: str = Field("", max_length=2000, description="What this scenario shows.")
    weeks: int = Field(52, ge=1, le=MAX_WEEKS, description="Default horizon in weeks.")
    plugins: tuple[str, ...] = Field(
        (),
        max_length=MAX_PLUGINS,
        description="Python modules (dotted names or .py files) that register your own "
        "mechanisms, strategies or run metrics; loaded before the rest is checked.",
    )
    lab: LabConfig = Field(default_factory=LabConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    governance: GovernanceConfig = Field(default_factory=GovernanceConfig)
    supply: SupplyConfig = Field(default_factory=SupplyConfig)
    projects: ProjectsConfig = Field(default_factory=ProjectsConfig)
    product: ProductParams = Field(default_factory=ProductParams)
    valuation: ValuationParams = Field(default_factory=ValuationParams)
    reallocation: ReallocationParams = Field(default_factory=ReallocationParams)
    negotiation: NegotiationParams = Field(default_factory=NegotiationParams)
    emotion: EmotionParams = Field(default_factory=EmotionParams)
    research: ResearchParams = Field(default_factory=ResearchParams)
    bidding: BiddingParams = Field(default_factory=BiddingParams)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    teams: tuple[TeamSpec, ...] = Field((), description=TEAMS_HELP)
    seed: int | None = Field(None, ge=0, le=10**18, description=SEED_HELP)

    @field_validator("name", "plugins")
    @classmethod
    def _printable(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        for text in (value,) if isinstance(value, str) else value:
            _no_control(text)
        return value

    @field_validator("description")
    @classmethod
    def _printable_lines(cls, value: str) -> str:
        return _no_control(value, keep="\t\n\r")

    @model_validator(mode="after")
    def _lab_from_teams(self) -> Scenario:
        """With a ``[[teams]]`` table, the lab's team counts are the table's (set once here)."""
        if self.teams:
            lab = lab_for_teams(self.lab, self.teams, self.supply.initial_tranches)
            object.__setattr__(self, "lab", lab)
        return self

    def _plain(self, new_table: bool = False) -> dict[str, Any]:
        """Plain data, without the team counts a ``[[teams]]`` table (old or new) defines."""
        return without_counts(self.model_dump(mode="json", exclude_none=True), new_table)

    @model_validator(mode="after")
    def _tranche_size(self) -> Scenario:
        """Tell the tables that count in tranches inside the model how big a tranche is.

        Needs, demand, the fleet and its events are given in GPUs; the model holds and
        trades tranches of ``supply.gpus_per_tranche`` GPUs (:mod:`game.units`).
        """
        gpt = self.supply.gpus_per_tranche
        self.product._gpus_per_tranche = gpt
        self.reallocation._gpus_per_tranche = gpt
        return self

    @property
    def clearing_rule(self) -> str:
        """The rule that actually clears the market: the one place governance overrides it.

        Committee governance allocates by leadership's priority weights whatever
        ``market.mechanism`` says; every other mode clears with ``market.mechanism``.
        """
        return "committee" if self.governance.mode == "committee" else self.market.mechanism

    def overrides_to_clear_by(self, rule: str) -> dict[str, Any]:
        """The dotted keys that make ``rule`` the :attr:`clearing_rule` (its inverse).

        The committee is a governance mode: choosing it sets the mode; any other rule under
        committee governance switches to one market.
        """
        if rule == "committee":
            return {"governance.mode": "committee"}
        mode = "single_market" if self.governance.mode == "committee" else self.governance.mode
        return {"market.mechanism": rule, "governance.mode": mode}

    def to_toml(self) -> str:
        """Return the scenario as TOML text (every field, so the file is self-contained)."""
        return tomli_w.dumps(self._plain())

    def digest(self) -> str:
        """Return a short stable hash of the scenario's content (for result rows and caches)."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()[:16]

    def get(self, key: str) -> Any:
        """The value of a dotted key, e.g. ``sc.get("emotion.stress.k_deficit")``.

        Raises:
            ScenarioError: For an unknown key.
        """
        try:
            return keys.get_key(self, key)
        except keys.UnknownKey as err:
            raise ScenarioError(str(err)) from None

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """Return a copy with dotted keys replaced, e.g. ``{"market.mechanism": "vickrey"}``.

        Raises:
            ScenarioError: For an unknown key or a value that fails validation.
        """
        data = self._plain(new_table="teams" in overrides)
        for key, value in overrides.items():
            try:
                keys.set_key(Scenario, data, key, value)
            except keys.UnknownKey as err:
                renamed = units.RENAMED.get(tuple(str(key).split(".")))
                raise ScenarioError(renamed or str(err)) from None
        return scenario_from_dict(data, trusted=True)

    def late_event(self, horizon: int | None = None) -> tuple[str, int] | None:
        """The first week event that falls at or after ``horizon``: its key and week.

        An event in week ``weeks`` or later does not happen in a run of ``weeks`` weeks
        (weeks count from 0).

        Args:
            horizon: Weeks in the run (default: the scenario's ``weeks``).

        Returns:
            ``("supply.go_live.0.week", 60)``, say, or ``None`` when every event happens.
        """
        horizon = self.weeks if horizon is None else horizon
        for key in EVENT_LISTS:
            events: tuple[WeekEvent, ...] = self.get(key)
            for i, event in enumerate(events):
                if event.week >= horizon:
                    return f"{key}.{i}.week", event.week
        return None


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    return keys.table_keys(Scenario, tuple(str(p) for p in loc[:-1]))


def _format_error(err: ValidationError) -> str:
    return one_line(err, location=error_location, allowed_keys=_allowed_keys)


def scenario_from_dict(
    data: Mapping[str, Any],
    *,
    trusted: bool = True,
    base_dir: Path | None = None,
) -> Scenario:
    """Validate a plain mapping (e.g. parsed TOML) into a :class:`Scenario`.

    The scenario's ``plugins`` are loaded first, so the mechanisms and strategies they
    register validate.

    Args:
        data: The parsed TOML.
        trusted: Whether the data may import its plugins (files the user chose); an
            upload is untrusted and may only name plugins already loaded.
        base_dir: Where relative plugin paths are looked up (the scenario file's folder).

    Raises:
        ScenarioError: With a one-line message naming the field, value and what is allowed.
    """
    if not isinstance(data, Mapping):
        raise ScenarioError(f"a scenario is a table of keys, not {type(data).__name__}")
    if nesting_depth(data) > MAX_DEPTH:
        raise ScenarioError(f"tables and arrays nest deeper than {MAX_DEPTH} levels")
    data = dict(data)
    renamed = units.renamed_key(data)
    if renamed:
        raise ScenarioError(renamed)
    refs_in = data.get("plugins", ())
    if isinstance(refs_in, list | tuple) and len(refs_in) > MAX_PLUGINS:
        raise ScenarioError(f"plugins: {len(refs_in):,} entries; allowed: at most {MAX_PLUGINS}")
    try:
        refs = plugins.prepare(data.get("plugins", ()), base_dir=base_dir, trusted=trusted)
    except plugins.PluginError as err:
        raise ScenarioError(f"plugins: {err}") from None
    if refs:
        data["plugins"] = refs
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(_format_error(err)) from None
    never = scenario.late_event(MAX_WEEKS)
    if never:  # a shorter run may leave an event out; no run at all reaches this one
        raise ScenarioError(
            f"{never[0]} = {never[1]}: after the longest horizon, {MAX_WEEKS} weeks, so it "
            f"would never happen; allowed: 0 to {MAX_WEEKS - 1} (weeks count from 0)"
        )
    return scenario


def list_presets() -> list[str]:
    """Return the names of the bundled scenario presets."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def load_scenario(
    name_or_path: str | Path = DEFAULT_PRESET, overrides: Mapping[str, Any] | None = None
) -> Scenario:
    """Load a preset by name or a scenario TOML file by path, then apply dotted overrides.

    Args:
        name_or_path: A preset name (see :func:`list_presets`) or a path to a ``.toml`` file.
        overrides: Optional dotted-key replacements such as ``{"lab.research_teams": 40}``.

    Raises:
        ScenarioError: Unknown preset, missing file, bad TOML, unknown key or bad value.
    """
    text_name = str(name_or_path)
    shown = clean(repr(text_name), MAX_SHOWN)
    if not text_name.strip():
        raise ScenarioError(f"scenario {shown}: give a preset name or a path to a .toml file")
    path = Path(text_name)
    if path.suffix == ".toml" or file_exists(path):
        text = read_text_file(path, shown, ScenarioError, MAX_SCENARIO_CHARS, what="scenario")
        data = parse_toml(text, shown, ScenarioError)
        base_dir: Path | None = path.resolve().parent
    else:
        preset = PRESET_DIR / f"{text_name}.toml"
        if "/" in text_name or "\\" in text_name or not preset.is_file():
            raise ScenarioError(
                f"unknown scenario {shown}; presets: {list_presets()} (or a path to .toml)"
            )
        data = parse_toml(preset.read_text(encoding="utf-8"), text_name, ScenarioError)
        base_dir = None
    scenario = scenario_from_dict(data, base_dir=base_dir)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario


def scenario_from_toml(text: str, *, trusted: bool = False) -> Scenario:
    """Parse scenario TOML text (e.g. an upload in the app).

    Args:
        text: The TOML text.
        trusted: Whether its plugins may be imported (default: no; they must already be
            loaded, e.g. with ``crunch app --plugin``).

    Raises:
        ScenarioError: Bad TOML, unknown key or bad value.
    """
    data = parse_toml(text, "uploaded scenario", ScenarioError, max_chars=MAX_SCENARIO_CHARS)
    return scenario_from_dict(data, trusted=trusted)


def save_scenario(scenario: Scenario, path: str | Path) -> Path:
    """Write the scenario as TOML; loading the file gives an equal scenario."""
    out = Path(path)
    out.write_text(scenario.to_toml(), encoding="utf-8")
    return out


def parse_override(text: str) -> tuple[str, Any]:
    """Parse a ``key=value`` override; the value is read as TOML, else as a plain string.

    Raises:
        ScenarioError: When there is no ``=``.
    """
    if "=" not in text:
        raise ScenarioError(
            f"--set {clean(repr(text), MAX_SHOWN)}: expected key=value, "
            "e.g. market.mechanism=vickrey"
        )
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    try:
        value = parse_toml(f"v = {raw}", "--set", ScenarioError)["v"]
    except ScenarioError:
        value = raw
    return key, value
