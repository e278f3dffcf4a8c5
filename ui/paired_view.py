"""The Sweeps page's paired comparison: each point against the sweep's baseline.

Shown for a results file whose sweep names a ``[baseline]`` (or when one is chosen here):
pick a point, see its paired differences for every metric with the 95% interval, the
Holm-adjusted p-value and the verdict (:mod:`experiments.paired`, the same table as
``crunch results --compare`` and the report).
"""

from __future__ import annotations

import streamlit as st

from experiments.analysis import Results
from experiments.design_checks import UNSAMPLED
from experiments.paired import display_table, sweep_paired_table
from experiments.paired_views import EXPLANATION
from ui.text import md_escape

__all__ = ["show"]


def _baseline_choice(res: Results) -> dict[str, object] | None:
    """The sweep's baseline, or one level of a factor chosen here (grid designs)."""
    if res.spec.baseline:
        return None
    factor = st.selectbox(
        "Compare against a level of",
        ["(none)", *res.spec.factors],
        key="sweeps.paired_factor",
        help="The sweep file names no [baseline]; choose a factor and one of its levels.",
    )
    if factor == "(none)":
        return {}
    spec_factor = res.spec.factors[factor]
    levels = getattr(spec_factor, "levels", None) or spec_factor.grid_levels()
    level = st.selectbox("Baseline level", list(levels), key="sweeps.paired_level")
    return {factor: level}


def show(res: Results) -> None:
    """The paired-comparison section (nothing for lhs and sobol designs)."""
    if res.spec.sweep.design not in UNSAMPLED:
        return
    st.subheader("Paired differences from the baseline")
    chosen = _baseline_choice(res)
    if chosen == {}:
        st.caption("Choose a baseline to compare every point with it, run by run.")
        return
    try:
        paired = sweep_paired_table(res.runs, res.spec, chosen)
    except ValueError as err:
        st.error(md_escape(str(err).splitlines()[0], 300), icon=":material/error:")
        return
    st.caption(md_escape(EXPLANATION))
    for note in paired.notes:
        st.info(md_escape(note, 300))
    if paired.table.empty:
        return
    labels = dict(zip(paired.table["point"], paired.table["point_label"], strict=False))
    point = st.selectbox(
        "Point", list(labels), format_func=lambda p: labels[p], key="sweeps.paired_point"
    )
    rows = paired.table[paired.table["point"] == point]
    st.caption(f"against the baseline {md_escape(str(rows['baseline_label'].iloc[0]), 200)}")
    st.dataframe(display_table(rows), hide_index=True)
