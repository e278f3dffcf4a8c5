"""Scenarios: the validated configuration of one game, loaded from and saved to TOML.

A :class:`Scenario` is a tree of small pydantic models, one per TOML table. Every
field carries its allowed range and a one-line description (the app shows it as help
text). Unknown keys are refused, so a typo never silently does nothing.

The same scenario file is used unchanged by the CLI, the app, sweeps and workshops::

    sc = load_scenario("lab-2025", overrides={"market.mechanism": "vickrey"})
    save_scenario(sc, "my.toml")
    assert load_scenario("my.toml") == sc
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PRESET_DIR = Path(__file__).with_name("scenarios")
DEFAULT_PRESET = "lab-2025"

Mechanism = Literal[
    "pay_as_bid",
    "uniform_price",
    "vickrey",
    "proportional_share",
    "committee",
    "equal_share",
    "max_min_fair",
    "lottery",
    "first_price",
    "second_price",
]


class ScenarioError(ValueError):
    """A scenario could not be loaded: the message names the field, value and what is allowed."""


class _Section(BaseModel):
    """Base for every scenario table: frozen, strict about unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


class LabConfig(_Section):
    """Who is in the lab."""

    research_teams: int = Field(10, ge=1, le=20000, description="Number of research teams.")
    product_teams: int = Field(6, ge=0, le=20000, description="Number of product teams.")
    headcount_research: float = Field(
        25.0, gt=0, le=1000, description="Mean people per research team."
    )
    headcount_product: float = Field(
        30.0, gt=0, le=1000, description="Mean people per product team."
    )
    strategy_mix: dict[str, float] = Field(
        default_factory=lambda: {
            "truthful": 0.4,
            "shaded": 0.3,
            "auction_fever": 0.2,
            "budget_pacer": 0.1,
        },
        description="Share of teams using each bidding strategy (normalised to 1).",
    )
    hiring_rate: float = Field(
        0.01,
        ge=0,
        le=0.2,
        description="Weekly hiring probability per missing person; compute attracts talent.",
    )

    @field_validator("strategy_mix")
    @classmethod
    def _mix_is_valid(cls, mix: dict[str, float]) -> dict[str, float]:
        from agents.strategies import STRATEGIES

        if not mix:
            raise ValueError(f"needs at least one strategy from {sorted(STRATEGIES)}")
        for name, share in mix.items():
            if name not in STRATEGIES:
                raise ValueError(f"unknown strategy {name!r}; allowed: {sorted(STRATEGIES)}")
            if not share >= 0:
                raise ValueError(f"share of {name!r} is {share}; allowed: >= 0")
        if sum(mix.values()) <= 0:
            raise ValueError("shares must add up to more than 0")
        return mix


class MarketConfig(_Section):
    """How the pool of free tranches is cleared each week."""

    mechanism: Mechanism = Field("uniform_price", description="Allocation rule for the pool.")
    reserve: float = Field(0.0, ge=0, le=1e6, description="Lowest price (credits per tranche).")
    lease_weeks: int = Field(
        4, ge=1, le=52, description="Weeks a won tranche stays with its team before returning."
    )
    max_units_per_bid: int = Field(
        8, ge=1, le=200, description="Most tranches one team bids for in one week."
    )
    fill_unsold: bool = Field(
        True,
        description=(
            "Share tranches nobody bought equally among teams that bid, free (a spot pool), "
            "so no GPU sits idle while someone wants it."
        ),
    )


class GovernanceConfig(_Section):
    """How leadership splits compute and credits between research and product."""

    mode: Literal["single_market", "split", "committee"] = Field(
        "single_market",
        description=(
            "single_market: one market for all; split: a fixed research/applied split "
            "of the pool with a market per division; committee: leadership weights."
        ),
    )
    research_share: float = Field(
        0.62, ge=0, le=1, description="Research division's share of credits (and of the split)."
    )
    credits_per_quarter: float = Field(
        3000.0,
        gt=0,
        le=1e12,
        description="Credits leadership grants per quarter, per team on average.",
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


class SupplyEvent(_Section):
    """A one-off change of the fleet in a given week."""

    week: int = Field(ge=0, le=10000, description="Week the event happens.")
    tranches: float = Field(ge=0, le=1e7, description="Tranches that go live (or leave).")


class SupplyConfig(_Section):
    """How the GPU fleet arrives and leaves."""

    initial_tranches: float = Field(
        100.0, gt=0, le=1e7, description="Fleet size at week 0, in tranches."
    )
    gpus_per_tranche: int = Field(1000, ge=1, le=1000000, description="GPUs in one tranche.")
    growth_per_week: float = Field(
        0.012, ge=0, le=0.5, description="Fleet growth per week (share of the fleet)."
    )
    go_live: list[SupplyEvent] = Field(
        default_factory=list, description="Data-centre capacity going live."
    )
    lease_expiry: list[SupplyEvent] = Field(
        default_factory=list, description="Cloud leases that end and leave the fleet."
    )
    outage_rate: float = Field(
        0.03, ge=0, le=1, description="Probability of an outage in a given week."
    )
    outage_share: float = Field(
        0.05, ge=0, le=1, description="Share of the fleet offline during an outage."
    )


class ProjectsConfig(_Section):
    """Research project life cycles."""

    duration_weeks: float = Field(20.0, ge=2, le=520, description="Mean project length.")
    gap_weeks: float = Field(
        3.0, ge=0, le=520, description="Mean weeks between a project finishing and the next."
    )
    need_per_person: float = Field(
        0.5, gt=0, le=100, description="Peak tranches a project wants per researcher."
    )
    milestones: int = Field(4, ge=1, le=20, description="Milestones per project.")
    ambition_exponent: float = Field(
        1.0,
        ge=0,
        le=3,
        description="New projects' needs grow with the fleet as (fleet/initial)^exponent.",
    )


class ProductConfig(_Section):
    """Product serving: demand, latency and value (MODEL-REFERENCE §2)."""

    users_per_tranche: float = Field(1.0, gt=0, le=1e9, description="Demand served per tranche.")
    demand_per_person: float = Field(
        0.25, gt=0, le=100, description="Initial demand (tranches' worth) per product person."
    )
    service_time: float = Field(1.0, gt=0, le=1e3, description="Latency at zero load.")
    latency_exponent: float = Field(0.7, ge=0.5, le=1.0, description="k in T = S/(1-rho)^k.")
    latency_tolerance: float = Field(4.0, gt=0, le=1e3, description="Users leave as exp(-T/tau).")
    price_per_user: float = Field(1.0, gt=0, le=1e6, description="Value per unit demand served.")
    demand_growth_weekly: float = Field(
        0.015, ge=0, le=0.5, description="Logistic demand growth rate per week."
    )
    demand_ceiling: float = Field(
        10.0, ge=1, le=1e6, description="Carrying capacity as a multiple of initial demand."
    )
    tier_sizes: list[float] = Field(
        default_factory=lambda: [0.3, 0.5, 0.8],
        description="Extra demand when a paid feature opens to the next tier.",
    )
    tier_headroom: float = Field(
        0.15, ge=0, le=5, description="Spare capacity needed before opening a tier."
    )
    max_utilisation: float = Field(
        0.9,
        ge=0.5,
        le=0.999,
        description="Admission control: load beyond this is turned away, not queued.",
    )
    demand_spikes: list[SupplyEvent] = Field(
        default_factory=list,
        description="Launches: in `week`, demand jumps by `tranches` worth.",
    )


class ValuationConfig(_Section):
    """How teams value tranches (credits per tranche at full urgency)."""

    research_value: float = Field(
        150.0, gt=0, le=1e9, description="Value of a needed tranche to research."
    )
    product_value: float = Field(
        100.0, gt=0, le=1e9, description="Value of a needed tranche to product."
    )
    curvature: float = Field(1.5, ge=0.1, le=10, description="How fast marginal value falls.")
    extra_value_share: float = Field(
        0.1,
        ge=0,
        le=1,
        description="Value of a tranche beyond the need (one more experiment), as a share.",
    )


class ReallocationConfig(_Section):
    """The small group that reclaims idle tranches and fast-tracks new projects."""

    enabled: bool = Field(True, description="Switch the reallocation group on or off.")
    moves_per_week: int = Field(4, ge=0, le=10000, description="Reclaims it can make per week.")
    notice_weeks: int = Field(1, ge=0, le=26, description="Notice before a reclaim takes effect.")
    tranches_per_move: float = Field(3.0, gt=0, le=1e6, description="Most tranches per reclaim.")
    surplus_threshold: float = Field(
        1.15, ge=1, le=10, description="A holder is reclaimable above this multiple of its need."
    )
    fast_track_weeks: int = Field(
        4, ge=0, le=52, description="Weeks a new project counts as fast-trackable."
    )
    pool_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Share of the free pool it may hand straight to new projects.",
    )


class NegotiationConfig(_Section):
    """Bilateral loans after clearing (alternating offers)."""

    enabled: bool = Field(True, description="Let teams trade or lend tranches after clearing.")
    max_rounds: int = Field(6, ge=1, le=100, description="Offer rounds before walking away.")
    kappa: float = Field(0.1, ge=0, le=1, description="Initial concession (Faratin kappa).")
    beta: float = Field(1.0, gt=0, le=20, description="Concession shape: <1 Boulware, >1 Conceder.")
    stress_urgency: float = Field(
        0.5, ge=0, le=1, description="How much stress shortens deadlines and speeds concession."
    )


class StressConfig(_Section):
    """Stress update coefficients (MODEL-REFERENCE §1)."""

    k_deficit: float = Field(0.15, ge=0, le=1, description="Weight of the compute deficit.")
    k_urgency: float = Field(0.05, ge=0, le=1, description="Weight of deadline urgency.")
    k_lost: float = Field(0.05, ge=0, le=1, description="Weight of losing this week's auction.")
    k_envy: float = Field(0.05, ge=0, le=1, description="Weight of envy of better-off teams.")
    k_recovery: float = Field(0.2, ge=0, le=1, description="Recovery rate when not in deficit.")
    k_reclaim: float = Field(0.15, ge=0, le=1, description="Shock of having tranches reclaimed.")
    dt: float = Field(1.0, gt=0, le=4, description="Time step in weeks.")


class PerformanceConfig(_Section):
    """Performance under pressure: Yerkes–Dodson inverted U or monotone decline."""

    form: Literal["inverted_u", "monotone"] = Field("inverted_u", description="Functional form.")
    research_peak: float = Field(0.35, ge=0, le=1, description="Stress of best research output.")
    research_width: float = Field(0.2, gt=0, le=1, description="Width of the research curve.")
    product_peak: float = Field(0.55, ge=0, le=1, description="Stress of best product output.")
    product_width: float = Field(0.3, gt=0, le=1, description="Width of the product curve.")
    m_min: float = Field(0.1, ge=0, le=1, description="Output multiplier at worst stress.")


class BurnoutConfig(_Section):
    """Burnout and attrition (after Homer 1985)."""

    threshold: float = Field(0.65, ge=0, le=1, description="Stress above which burnout builds.")
    build: float = Field(0.05, ge=0, le=1, description="How fast burnout builds.")
    heal: float = Field(0.03, ge=0, le=1, description="How fast burnout heals.")
    attrition_base_monthly: float = Field(
        0.01, ge=0, le=1, description="Monthly attrition hazard at zero burnout."
    )
    kappa_burnout: float = Field(1.0986, ge=0, le=10, description="Burnout effect on attrition.")
    kappa_envy: float = Field(0.5, ge=0, le=10, description="Envy effect on attrition.")


class ContagionConfig(_Section):
    """Emotional contagion over the org network."""

    model: Literal["bosse_treur", "sisa", "none"] = Field(
        "bosse_treur", description="Contagion model."
    )
    expressiveness: float = Field(0.5, ge=0, le=1, description="How much senders show stress.")
    openness: float = Field(0.5, ge=0, le=1, description="How much receivers take it in.")
    amplification: float = Field(0.5, ge=0, le=1, description="Bosse–Treur eta.")
    upward_bias: float = Field(0.6, ge=0, le=1, description="Bosse–Treur beta.")
    rate: float = Field(0.3, ge=0, le=1, description="Speed of contagion per week.")
    sisa_spontaneous: float = Field(0.02, ge=0, le=1, description="SISa spontaneous rate a.")
    sisa_per_neighbour: float = Field(0.05, ge=0, le=1, description="SISa rate per neighbour.")
    sisa_recovery: float = Field(0.1, ge=0, le=1, description="SISa recovery rate g.")
    sisa_jump: float = Field(0.1, ge=0, le=1, description="Stress jump of a SISa transition.")


class EmotionConfig(_Section):
    """Emotional pressure: stress, performance, burnout, contagion."""

    stress: StressConfig = Field(default_factory=StressConfig)
    performance: PerformanceConfig = Field(default_factory=PerformanceConfig)
    burnout: BurnoutConfig = Field(default_factory=BurnoutConfig)
    contagion: ContagionConfig = Field(default_factory=ContagionConfig)


class ResearchConfig(_Section):
    """Research output from people and GPUs (MODEL-REFERENCE §2)."""

    form: Literal["cobb_douglas", "ces"] = Field("cobb_douglas", description="Production form.")
    tfp: float = Field(1.0, gt=0, le=1e6, description="Total factor productivity A.")
    alpha_people: float = Field(0.5, ge=0, le=1, description="Output elasticity of people.")
    beta_gpus: float = Field(0.3, ge=0, le=1, description="Output elasticity of GPUs.")
    ces_theta: float = Field(0.5, ge=0, le=1, description="CES weight on people.")
    ces_sigma: float = Field(2.6, gt=0, le=50, description="CES elasticity of substitution.")


class BiddingConfig(_Section):
    """Parameters shared by the bidding strategies."""

    shade: float | None = Field(
        None, ge=0, le=1, description="Forced shading factor; unset means (n-1)/n."
    )
    fever: float = Field(0.5, ge=0, le=5, description="How much stress inflates bids.")
    joy_of_winning: float = Field(0.0, ge=0, le=1e6, description="Bonus for winning at all.")
    pace_smoothing: float = Field(0.5, ge=0, le=1, description="Budget pacer smoothing.")


class NetworkConfig(_Section):
    """The org network: leadership, divisions, teams and ties between teams."""

    ties_per_team: int = Field(3, ge=0, le=50, description="Ties to other teams per team.")
    cross_division_share: float = Field(
        0.2, ge=0, le=1, description="Share of ties that cross research/product."
    )
    tie_strength: float = Field(0.5, gt=0, le=1, description="Channel strength of a tie.")


class Scenario(_Section):
    """A complete, validated game configuration."""

    name: str = Field("custom", min_length=1, max_length=80, description="Scenario name.")
    description: str = Field("", max_length=2000, description="What this scenario shows.")
    weeks: int = Field(52, ge=1, le=1040, description="Default horizon in weeks.")
    lab: LabConfig = Field(default_factory=LabConfig)
    market: MarketConfig = Field(default_factory=MarketConfig)
    governance: GovernanceConfig = Field(default_factory=GovernanceConfig)
    supply: SupplyConfig = Field(default_factory=SupplyConfig)
    projects: ProjectsConfig = Field(default_factory=ProjectsConfig)
    product: ProductConfig = Field(default_factory=ProductConfig)
    valuation: ValuationConfig = Field(default_factory=ValuationConfig)
    reallocation: ReallocationConfig = Field(default_factory=ReallocationConfig)
    negotiation: NegotiationConfig = Field(default_factory=NegotiationConfig)
    emotion: EmotionConfig = Field(default_factory=EmotionConfig)
    research: ResearchConfig = Field(default_factory=ResearchConfig)
    bidding: BiddingConfig = Field(default_factory=BiddingConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)

    def to_toml(self) -> str:
        """Return the scenario as TOML text (every field, so the file is self-contained)."""
        return tomli_w.dumps(self.model_dump(mode="json", exclude_none=True))

    def digest(self) -> str:
        """Return a short stable hash of the scenario's content (for result rows and caches)."""
        return hashlib.sha256(self.to_toml().encode()).hexdigest()[:16]

    def with_overrides(self, overrides: Mapping[str, Any]) -> Scenario:
        """Return a copy with dotted keys replaced, e.g. ``{"market.mechanism": "vickrey"}``.

        Raises:
            ScenarioError: For an unknown key or a value that fails validation.
        """
        data = self.model_dump(mode="json", exclude_none=True)
        for key, value in overrides.items():
            _set_dotted(data, key, value)
        return scenario_from_dict(data)


def _set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    parts = key.split(".")
    node: Any = data
    model: type[BaseModel] | None = Scenario
    for depth, part in enumerate(parts):
        if model is None or part not in model.model_fields:
            allowed = sorted(model.model_fields) if model is not None else []
            where = ".".join(parts[:depth]) or "scenario"
            raise ScenarioError(f"unknown key {key!r}: {where} has no {part!r}; allowed: {allowed}")
        annotation = model.model_fields[part].annotation
        last = depth == len(parts) - 1
        if last:
            node[part] = value
        else:
            if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
                raise ScenarioError(f"unknown key {key!r}: {part!r} is a value, not a table")
            node = node.setdefault(part, {})
            model = annotation


def _format_error(err: ValidationError) -> str:
    first = err.errors()[0]
    loc = ".".join(str(p) for p in first["loc"]) or "scenario"
    value = first.get("input")
    msg = first["msg"]
    if first["type"] == "extra_forbidden":
        return f"unknown key {loc!r}"
    if first["type"] == "literal_error":
        ctx = first.get("ctx", {}).get("expected", "")
        return f"{loc} = {value!r} is not allowed; allowed: {ctx}"
    msg = msg.removeprefix("Value error, ")
    return f"{loc} = {value!r}: {msg}"


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Validate a plain mapping (e.g. parsed TOML) into a :class:`Scenario`.

    Raises:
        ScenarioError: With a one-line message naming the field, value and what is allowed.
    """
    try:
        return Scenario.model_validate(dict(data))
    except ValidationError as err:
        raise ScenarioError(_format_error(err)) from None


def list_presets() -> list[str]:
    """Return the names of the bundled scenario presets."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.toml"))


def _parse_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ScenarioError(f"{source}: TOML does not parse: {err}") from None


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
    path = Path(text_name)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError(f"scenario file {text_name!r} does not exist")
        data = _parse_toml(path.read_text(encoding="utf-8"), text_name)
    else:
        preset = PRESET_DIR / f"{text_name}.toml"
        if not preset.is_file():
            raise ScenarioError(
                f"unknown scenario {text_name!r}; presets: {list_presets()} (or a path to .toml)"
            )
        data = _parse_toml(preset.read_text(encoding="utf-8"), text_name)
    scenario = scenario_from_dict(data)
    if overrides:
        scenario = scenario.with_overrides(overrides)
    return scenario


def scenario_from_toml(text: str) -> Scenario:
    """Parse scenario TOML text (e.g. an upload in the app).

    Raises:
        ScenarioError: Bad TOML, unknown key or bad value.
    """
    return scenario_from_dict(_parse_toml(text, "uploaded scenario"))


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
        raise ScenarioError(f"--set {text!r}: expected key=value, e.g. market.mechanism=vickrey")
    key, raw = text.split("=", 1)
    key, raw = key.strip(), raw.strip()
    try:
        value = tomllib.loads(f"v = {raw}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw
    return key, value
