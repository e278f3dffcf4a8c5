"""Sobol health: wide, impossible or disordered indices are flagged, with the sample needed.

The Ishigami function is the known answer (S1 = 0.314, 0.442, 0; ST = 0.558, 0.442,
0.244): an under-sampled analysis of it must be flagged and an adequate one must pass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami
from streamlit.testing.v1 import AppTest

from crunch.cli import main
from experiments.sobol_health import (
    MAX_HALF_WIDTH,
    check_sobol,
    index_flags,
    needed_samples,
)
from experiments.sweep import run_sweep
from experiments.sweep_file import sweep_from_toml

PROBLEM = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
S1_TRUE = np.array([0.3139, 0.4424, 0.0])
ST_TRUE = np.array([0.5576, 0.4424, 0.2437])

SMALL_SOBOL = """
[sweep]
name = "health-smoke"
scenario = "classroom"
weeks = 3
seed = 5
design = "sobol"
samples = 4
second_order = false

[factors]
"emotion.stress.k_deficit" = { low = 0.05, high = 0.3 }
"emotion.contagion.rate" = { low = 0.0, high = 0.6 }

[outputs]
metrics = ["mean_stress", "jain"]
"""


def ishigami_table(n: int, seed: int = 1) -> pd.DataFrame:
    """SALib's indices of the Ishigami function at base sample ``n``, as a Sobol table."""
    x = sobol_sample.sample(PROBLEM, n, calc_second_order=False, seed=seed)
    res = sobol_analyze.analyze(
        PROBLEM, Ishigami.evaluate(x), calc_second_order=False, seed=seed, print_to_console=False
    )
    return pd.DataFrame(
        {
            "metric": "ishigami",
            "factor": PROBLEM["names"],
            "S1": res["S1"],
            "S1_conf": res["S1_conf"],
            "ST": res["ST"],
            "ST_conf": res["ST_conf"],
        }
    )


def test_an_under_sampled_ishigami_analysis_is_flagged_with_a_larger_sample_named():
    health = check_sobol(ishigami_table(32), samples=32, dimensions=3)
    assert not health.ok
    assert health.wide > 0 and health.widest > MAX_HALF_WIDTH
    assert health.needed_samples > 32
    assert health.needed_samples & (health.needed_samples - 1) == 0  # a power of 2
    assert health.needed_runs == health.needed_samples * (3 + 2)
    text = "\n".join(health.lines())
    assert "WARNING" in text and "smoke test" in text
    assert f"N = {health.needed_samples:,}" in text


def test_an_adequate_ishigami_analysis_passes_and_matches_the_known_indices():
    table = ishigami_table(4096)
    health = check_sobol(table, samples=4096, dimensions=3)
    assert health.ok, health.lines()
    assert health.needed_samples == 4096
    assert (index_flags(table) == "").all()
    # The known answer lies within a few of SALib's half-widths of every estimate.
    assert np.all(np.abs(table["S1"] - S1_TRUE) <= 3 * table["S1_conf"] + 0.01)
    assert np.all(np.abs(table["ST"] - ST_TRUE) <= 3 * table["ST_conf"] + 0.01)
    assert health.lines()[0].startswith("Sobol health: ok")


def test_the_named_base_sample_is_enough_to_pass():
    first = check_sobol(ishigami_table(64), samples=64, dimensions=3)
    assert not first.ok
    again = check_sobol(
        ishigami_table(first.needed_samples), samples=first.needed_samples, dimensions=3
    )
    assert again.ok, again.lines()
    assert again.widest <= MAX_HALF_WIDTH


def test_negative_above_one_and_disordered_indices_are_flagged_beyond_their_intervals():
    table = pd.DataFrame(
        {
            "metric": ["m"] * 5,
            "factor": ["fine", "negative", "noisy_negative", "above_one", "s1_above_st"],
            "S1": [0.30, -0.20, -0.05, 0.10, 0.60],
            "S1_conf": [0.02, 0.05, 0.08, 0.02, 0.03],
            "ST": [0.40, 0.01, 0.02, 1.30, 0.40],
            "ST_conf": [0.02, 0.01, 0.01, 0.05, 0.03],
        }
    )
    assert list(index_flags(table)) == ["", "negative", "", "above 1", "S1 > ST"]
    health = check_sobol(table, samples=1024, dimensions=5)
    assert not health.ok
    assert (health.wide, health.negative, health.above_one, health.s1_above_st) == (0, 1, 1, 1)
    # Narrow intervals: more samples would not fix a negative index, so none is named.
    assert health.needed_samples == 1024
    text = "\n".join(health.lines())
    assert "negative beyond" in text and "above 1" in text and "S1 > ST" in text


def test_needed_samples_grow_with_the_square_of_the_width():
    assert needed_samples(32, 0.05) == 32
    assert needed_samples(32, 0.2) == 128  # (0.2/0.1)^2 = 4
    assert needed_samples(32, 0.21) == 256  # 4.41 x 32 = 141 -> next power of 2
    assert needed_samples(32, float("nan")) == 32


def test_bad_input_is_refused_in_one_line():
    with pytest.raises(ValueError, match="empty"):
        check_sobol(ishigami_table(16).iloc[:0], samples=16, dimensions=3)
    with pytest.raises(ValueError, match="max_half_width = 0"):
        check_sobol(ishigami_table(16), samples=16, dimensions=3, max_half_width=0)


@pytest.fixture(scope="module")
def smoke_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("health") / "smoke.db"
    run_sweep(sweep_from_toml(SMALL_SOBOL), db, executor="serial")
    return db


def test_crunch_results_and_report_warn_about_an_under_sampled_sweep(smoke_db, tmp_path, capsys):
    assert main(["results", str(smoke_db)]) == 0
    out = capsys.readouterr().out
    assert "Sobol indices" in out and "± " in out
    assert "Sobol health: WARNING" in out and "smoke test" in out
    assert "base samples" in out

    html = tmp_path / "r.html"
    assert main(["report", str(smoke_db), "--out", str(html)]) == 0
    printed = capsys.readouterr().out
    assert "Sobol health: WARNING" in printed
    page = html.read_text()
    assert 'id="sobol-health"' in page and "smoke test" in page
    assert '<th class="l">flags</th>' in page


def test_crunch_report_prints_no_sobol_health_for_other_designs(tmp_path, capsys):
    grid = SMALL_SOBOL.replace('design = "sobol"\nsamples = 4\nsecond_order = false\n', "")
    grid = grid.replace("{ low = 0.05, high = 0.3 }", "[0.05, 0.3]").replace(
        "{ low = 0.0, high = 0.6 }", "[0.0]"
    )
    db = tmp_path / "grid.db"
    run_sweep(sweep_from_toml(grid), db, executor="serial")
    assert main(["report", str(db), "--out", str(tmp_path / "g.html")]) == 0
    assert "Sobol" not in capsys.readouterr().out


def test_the_sweeps_page_warns_about_an_under_sampled_sweep(smoke_db):
    import streamlit as st

    st.cache_data.clear()
    page = Path(__file__).resolve().parent.parent / "ui" / "pages" / "sweeps.py"
    at = AppTest.from_file(str(page), default_timeout=60)
    at.run()
    at.text_input(key="sweeps.path").set_value(str(smoke_db)).run()
    assert not at.exception and not at.error
    # Text from the file is shown escaped (ui.text.md_escape): read it back as plain text.
    warnings = [w.value.replace("\\", "").replace("\u2060", "") for w in at.warning]
    assert any("Sobol health: WARNING" in w and "smoke test" in w for w in warnings), warnings
    st.cache_data.clear()


def test_one_run_per_point_of_a_stochastic_model_is_named_as_a_cause():
    table = ishigami_table(32)
    noisy = check_sobol(table, samples=32, dimensions=3, replications=1)
    assert any("run-to-run noise" in line for line in noisy.lines())
    averaged = check_sobol(table, samples=32, dimensions=3, replications=4)
    assert not any("run-to-run noise" in line for line in averaged.lines())
    assert averaged.runs == 4 * noisy.runs
    deterministic = check_sobol(table, samples=32, dimensions=3)
    assert not any("run-to-run noise" in line for line in deterministic.lines())
