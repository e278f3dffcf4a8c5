"""Sweep files and designs: what a file says, which points each design produces, seeds."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from experiments.designs import (
    design_points,
    grid_points,
    points_from_unit,
    sobol_point_count,
    value_from_unit,
)
from experiments.sweep import plan_sweep, spawn_seeds
from experiments.sweep_file import (
    LevelsFactor,
    RangeFactor,
    SweepError,
    load_sweep,
    parse_sweep_dict,
    sweep_from_toml,
)
from game.run_metrics import RUN_METRICS

EXAMPLES = Path(__file__).resolve().parent.parent / "experiments"


def sweep_toml(design: str = "grid", samples: int | None = None, extra: str = "") -> str:
    sample_line = f"samples = {samples}\n" if samples is not None else ""
    return (
        "[sweep]\n"
        'name = "t"\nscenario = "classroom"\nweeks = 3\nreplications = 2\nseed = 5\n'
        f'design = "{design}"\n{sample_line}{extra}'
        "[factors]\n"
        '"market.mechanism" = ["vickrey", "uniform_price", "committee"]\n'
        '"governance.research_credit_share" = { low = 0.4, high = 0.8 }\n'
        '"lab.research_teams" = { low = 3, high = 7 }\n'
        "[outputs]\n"
        'metrics = ["jain", "mean_stress"]\n'
    )


# ---------------------------------------------------------------------------- grid
def test_grid_is_the_cartesian_product_with_ranges_as_low_mid_high():
    sweep = sweep_from_toml(sweep_toml())
    points = design_points(sweep.spec)
    assert len(points) == 3 * 3 * 3
    mechs = ["vickrey", "uniform_price", "committee"]
    shares = [0.4, 0.6000000000000001, 0.8]
    teams = [3, 5, 7]
    expected = [
        {"market.mechanism": m, "governance.research_credit_share": s, "lab.research_teams": t}
        for m, s, t in itertools.product(mechs, shares, teams)
    ]
    for got, want in zip(points, expected, strict=True):
        assert got["market.mechanism"] == want["market.mechanism"]
        share = "governance.research_credit_share"
        assert got[share] == pytest.approx(want[share])
        assert got["lab.research_teams"] == want["lab.research_teams"]
        assert type(got["lab.research_teams"]) is int


def test_grid_range_steps_gives_that_many_evenly_spaced_levels():
    f = RangeFactor(low=0.0, high=1.0, steps=5)
    assert f.grid_levels() == [0.0, 0.25, 0.5, 0.75, 1.0]


def test_integer_range_grid_levels_are_distinct_whole_numbers():
    f = RangeFactor(low=1, high=3, steps=5, integer=True)
    assert f.grid_levels() == [1, 2, 3]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(-5, 5), min_size=1, max_size=4, unique=True), min_size=1, max_size=3
    )
)
def test_grid_point_count_is_the_product_of_level_counts_and_points_are_distinct(level_lists):
    factors = {f"f{i}": LevelsFactor(levels=tuple(levels)) for i, levels in enumerate(level_lists)}
    points = grid_points(factors)
    assert len(points) == math.prod(len(levels) for levels in level_lists)
    assert len({tuple(p.values()) for p in points}) == len(points)
    # the last factor varies fastest
    if len(level_lists[-1]) > 1:
        assert points[1][f"f{len(level_lists) - 1}"] == level_lists[-1][1]


# ---------------------------------------------------------------------------- unit mapping
@settings(max_examples=100, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(1, 9))
def test_a_unit_coordinate_picks_level_floor_u_times_k(u, k):
    factor = LevelsFactor(levels=tuple(f"l{i}" for i in range(k)))
    value = value_from_unit(factor, u)
    assert value == f"l{min(k - 1, math.floor(u * k))}"


@settings(max_examples=100, deadline=None)
@given(st.floats(0.0, 1.0), st.integers(-20, 20), st.integers(0, 30))
def test_integer_ranges_map_the_unit_interval_to_whole_numbers_within_bounds(u, low, width):
    factor = RangeFactor(low=low, high=low + width + 1, integer=True)
    value = value_from_unit(factor, u)
    assert isinstance(value, int)
    assert low <= value <= low + width + 1


def test_integer_ranges_give_each_whole_number_an_equal_share():
    factor = RangeFactor(low=2, high=5, integer=True)
    us = (np.arange(4000) + 0.5) / 4000
    counts = np.bincount([value_from_unit(factor, u) for u in us])[2:]
    assert counts.tolist() == [1000, 1000, 1000, 1000]


# ---------------------------------------------------------------------------- lhs
def test_lhs_points_are_latin_each_stratum_holds_one_point_per_factor():
    sweep = sweep_from_toml(sweep_toml("lhs", 12))
    points = design_points(sweep.spec)
    assert len(points) == 12
    shares = np.array([p["governance.research_credit_share"] for p in points])
    strata = np.floor((shares - 0.4) / 0.4 * 12).astype(int)
    assert sorted(strata.tolist()) == list(range(12))
    mechs = [p["market.mechanism"] for p in points]
    assert sorted(mechs.count(m) for m in set(mechs)) == [4, 4, 4]


def test_lhs_is_seeded_by_the_sweep_seed():
    a = design_points(sweep_from_toml(sweep_toml("lhs", 8)).spec)
    b = design_points(sweep_from_toml(sweep_toml("lhs", 8)).spec)
    c = design_points(sweep_from_toml(sweep_toml("lhs", 8).replace("seed = 5", "seed = 6")).spec)
    assert a == b
    assert a != c


# ---------------------------------------------------------------------------- sobol
@pytest.mark.parametrize("second_order", [True, False])
def test_sobol_design_has_saltelli_size_and_structure(second_order):
    extra = f"second_order = {'true' if second_order else 'false'}\n"
    toml = sweep_toml("sobol", 8, extra).replace(
        '"market.mechanism" = ["vickrey", "uniform_price", "committee"]\n', ""
    )
    sweep = sweep_from_toml(toml)
    points = design_points(sweep.spec)
    d = 2
    assert (
        len(points)
        == sobol_point_count(d, 8, second_order)
        == 8 * (2 * d + 2 if second_order else d + 2)
    )
    block = 2 * d + 2 if second_order else d + 2
    names = ["governance.research_credit_share", "lab.research_teams"]
    for i in range(8):
        rows = points[i * block : (i + 1) * block]
        a, b = rows[0], rows[-1]
        for j, name in enumerate(names):
            ab_j = rows[1 + j]  # A with column j taken from B
            assert ab_j[name] == b[name]
            for other in names:
                if other != name:
                    assert ab_j[other] == a[other]


def test_sobol_samples_must_be_a_power_of_two():
    with pytest.raises(SweepError, match=r"samples = 12: Sobol designs need a power of 2"):
        sweep_from_toml(sweep_toml("sobol", 12))


def test_points_from_unit_refuses_a_sample_of_the_wrong_width():
    factors = {"a": RangeFactor(low=0, high=1)}
    with pytest.raises(ValueError, match="shape"):
        points_from_unit(factors, np.zeros((3, 2)))


# ---------------------------------------------------------------------------- seeds and plan
def test_run_seeds_come_from_seedsequence_spawn_one_per_run():
    seeds = spawn_seeds(2026, 6)
    children = np.random.SeedSequence(2026).spawn(6)
    assert seeds == [int(c.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1)) for c in children]
    assert len(set(seeds)) == 6
    assert all(0 <= s < 2**63 for s in seeds)


def test_plan_has_one_task_per_point_and_replicate_with_common_seeds_per_replicate():
    sweep = sweep_from_toml(sweep_toml())
    plan = plan_sweep(sweep)
    assert len(plan.tasks) == 27 * 2
    assert len({t.run_key for t in plan.tasks}) == len(plan.tasks)
    assert {t.seed for t in plan.tasks} == set(spawn_seeds(5, 2))  # one seed per replicate
    t = plan.tasks[5]
    assert (t.point, t.replicate) == (2, 1)
    assert t.params == plan.points[2]
    assert t.seed == spawn_seeds(5, 2)[1]


def test_without_common_random_numbers_every_run_has_its_own_spawned_seed():
    sweep = sweep_from_toml(
        sweep_toml().replace("seed = 5", "seed = 5\ncommon_random_numbers = false")
    )
    plan = plan_sweep(sweep)
    assert len({t.seed for t in plan.tasks}) == len(plan.tasks)
    assert plan.tasks[5].seed == spawn_seeds(5, 54)[5]


# ---------------------------------------------------------------------------- sweep files
def test_the_issue_example_and_the_bundled_sweeps_are_valid():
    mech = load_sweep(EXAMPLES / "mechanisms.toml")
    assert mech.spec.sweep.replications == 3 and mech.spec.sweep.weeks == 26
    assert len(design_points(mech.spec)) == 9
    for name in ("emotion_sensitivity.toml", "supply_growth.toml"):
        sweep = load_sweep(EXAMPLES / name)
        assert sweep.spec.sweep.design in ("lhs", "sobol")


def test_comments_and_layout_do_not_change_the_sweep_hash_but_content_does():
    a = sweep_from_toml(sweep_toml())
    b = sweep_from_toml("# a comment\n" + sweep_toml().replace("seed = 5", "seed   =   5"))
    c = sweep_from_toml(sweep_toml().replace("replications = 2", "replications = 3"))
    assert a.hash == b.hash
    assert a.hash != c.hash


def test_fixed_values_are_applied_to_the_base_scenario():
    sweep = sweep_from_toml(sweep_toml() + '[fixed]\n"lab.product_teams" = 1\n')
    assert sweep.base.lab.product_teams == 1


def _error(toml: str) -> str:
    with pytest.raises(SweepError) as info:
        sweep_from_toml(toml)
    message = str(info.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('design = "grid"', 'design = "random"'),
            (
                "sweep.design = 'random' is not allowed",
                "allowed: 'grid', 'points', 'lhs' or 'sobol'",
            ),
        ),
        (('design = "grid"', 'design = "lhs"'), ("design 'lhs' needs samples = N",)),
        (
            ("replications = 2", "replications = 0"),
            ("sweep.replications = 0", "greater than or equal to 1"),
        ),
        (("weeks = 3", "weeks = -1"), ("sweep.weeks = -1", "greater than or equal to 1")),
        (('"jain"', '"happiness"'), ("unknown metric 'happiness'; allowed: burnout_teams",)),
        (
            ('scenario = "classroom"', 'scenario = "nowhere"'),
            ("sweep.scenario", "unknown scenario 'nowhere'", "classroom"),
        ),
        (
            ('"vickrey", ', '"dutch", '),
            ('factors."market.mechanism"', "'dutch'", "uniform_price", "committee"),
        ),
        (
            ("low = 0.4, high = 0.8", "low = 0.4, high = 1.8"),
            ("governance.research_credit_share = 1.8", "less than or equal to 1"),
        ),
        (("low = 0.4, high = 0.8", "low = 0.8, high = 0.4"), ("must be below high",)),
        (
            ('"lab.research_teams"', '"lab.researchers"'),
            ("unknown key 'lab.researchers'", "research_teams"),
        ),
        (
            ('"market.mechanism"', '"governance.research_share"'),
            ("unknown key 'governance.research_share'", "governance.research_credit_share"),
        ),
        (
            ("[outputs]", "[output]"),
            (
                "unknown key 'output' (did you mean 'outputs'?)",
                "allowed: baseline, factors, fixed, outputs",
            ),
        ),
        (
            ("seed = 5", "seed = 5\ncolour = 1"),
            (
                "unknown key 'sweep.colour'",
                "allowed: common_random_numbers, description, design, name, replications",
            ),
        ),
        (
            ("replications = 2", "replicatons = 2"),
            (
                "unknown key 'sweep.replicatons' (did you mean 'replications'?)",
                "allowed: common_random_numbers, description, design, name, replications",
            ),
        ),
        (
            ('metrics = ["jain", "mean_stress"]', 'metric = ["jain"]'),
            ("unknown key 'outputs.metric' (did you mean 'metrics'?)", "allowed: metrics"),
        ),
        (
            ('metrics = ["jain", "mean_stress"]', 'metrics = ["jain", "jain"]'),
            ("outputs.metrics", "'jain' is listed twice"),
        ),
        (
            ('["vickrey", "uniform_price", "committee"]', '["vickrey", "vickrey"]'),
            ("level 'vickrey' is repeated", "allowed: distinct levels"),
        ),
        (('["vickrey", "uniform_price", "committee"]', "[]"), ('factors."market.mechanism"',)),
        (
            ('["vickrey", "uniform_price", "committee"]', "3"),
            ('factors."market.mechanism" = 3', "give a list of levels or a range"),
        ),
    ],
)
def test_bad_sweep_files_give_one_line_naming_field_value_and_allowed(change, expected):
    old, new = change
    toml = sweep_toml()
    assert old in toml
    message = _error(toml.replace(old, new, 1))
    for needle in expected:
        assert needle in message


def test_a_range_on_a_non_numeric_key_asks_for_levels():
    toml = sweep_toml().replace(
        '"market.mechanism" = ["vickrey", "uniform_price", "committee"]',
        '"market.mechanism" = { low = 1, high = 2 }',
    )
    assert "is not a number; give a list of levels instead" in _error(toml)


def test_grid_refuses_samples_and_broken_toml_is_reported():
    assert "not used by design 'grid'" in _error(sweep_toml("grid", 8))
    assert "TOML does not parse" in _error(sweep_toml() + "[[[")


def test_unknown_metric_error_lists_every_allowed_metric():
    message = _error(sweep_toml().replace('"jain"', '"nope"'))
    for name in RUN_METRICS:
        assert name in message


def test_outputs_are_optional_and_default_to_every_registered_run_metric():
    toml = sweep_toml()
    without = sweep_from_toml(toml[: toml.index("[outputs]")])
    assert without.spec.metric_names == list(RUN_METRICS)
    assert without.hash != sweep_from_toml(toml).hash


def test_fixed_values_the_scenario_refuses_and_factors_also_fixed_are_reported():
    refused = _error(sweep_toml() + '[fixed]\n"lab.product_teams" = -1\n')
    assert "fixed: lab.product_teams = -1" in refused
    twice = _error(sweep_toml() + '[fixed]\n"market.mechanism" = "vickrey"\n')
    assert 'fixed."market.mechanism" is also a factor' in twice


def test_an_integer_range_without_a_whole_number_is_refused():
    toml = sweep_toml().replace("low = 3, high = 7", "low = 3.2, high = 3.7")
    assert "no whole number between low = 3.2 and high = 3.7" in _error(toml)


def test_missing_sweep_file_is_reported(tmp_path):
    with pytest.raises(SweepError, match="does not exist"):
        load_sweep(tmp_path / "absent.toml")


def test_stored_sweeps_skip_the_metric_registry():
    data = {
        "sweep": {"name": "x"},
        "factors": {"a.b": [1, 2]},
        "outputs": {"metrics": ["not_registered_here"]},
    }
    assert parse_sweep_dict(data, stored=True).metric_names == ["not_registered_here"]
    with pytest.raises(SweepError, match="unknown metric"):
        parse_sweep_dict(data)


def test_relative_scenario_paths_are_found_beside_the_sweep_file(tmp_path):
    (tmp_path / "sc.toml").write_text('name = "mine"\nweeks = 4\n[lab]\nresearch_teams = 2\n')
    sweep_file = tmp_path / "s.toml"
    sweep_file.write_text(sweep_toml().replace('scenario = "classroom"', 'scenario = "sc.toml"'))
    sweep = load_sweep(sweep_file)
    assert sweep.base.name == "mine"


def test_the_split_modules_are_still_importable_from_sweep_file():
    import experiments.sweep_file as sweep_file
    from experiments import factors, scenario_checks, sweep_schema

    homes = {
        factors: ("MAX_LEVELS", "Level", "Factor", "LevelsFactor", "RangeFactor"),
        sweep_schema: (
            "SweepError",
            "SweepSettings",
            "Outputs",
            "SweepFile",
            "parse_sweep_dict",
            "stored_sweep",
            "sweep_hash",
        ),
        scenario_checks: (
            "scenario_field_kind",
            "resolve_scenario_source",
            "check_against_scenario",
        ),
    }
    for module, names in homes.items():
        for name in names:
            assert getattr(sweep_file, name) is getattr(module, name), name
            assert name in sweep_file.__all__
    for name in ("Sweep", "sweep_from_toml", "load_sweep"):
        assert name in sweep_file.__all__


def test_importing_the_package_and_reading_a_stored_sweep_loads_no_model():
    import subprocess
    import sys

    code = (
        "import sys, experiments\n"
        "from experiments.sweep_file import stored_sweep\n"
        'stored_sweep(\'{"sweep": {"name": "x"}, "factors": {"a.b": [1]}}\')\n'
        "print(sorted(sys.modules))\n"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=EXAMPLES.parent,
    ).stdout
    assert "'mesa'" not in loaded and "'game.world'" not in loaded
    assert "'game.scenario'" not in loaded
