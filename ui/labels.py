"""Readable names for what the pages show, taken from the registries that own them.

Mechanism labels come from ``market.MECHANISMS``, metric labels from
``game.run_metrics.RUN_METRICS``; only scenario choices that are no registered thing
(governance modes, contagion models...) have their labels here. A mechanism or metric
registered by a plugin is labelled the same way, with no change to the app.
"""

from __future__ import annotations

import market
from game.run_metrics import RUN_METRICS

CHOICE_LABELS = {
    "single_market": "One market",
    "split": "Split by division",
    "committee": "Leadership committee",
    "bosse_treur": "Bosse–Treur (ASCRIBE)",
    "sisa": "SISa (Hill et al.)",
    "none": "None",
    "inverted_u": "Inverted U (Yerkes–Dodson)",
    "monotone": "Monotone decreasing",
    "cobb_douglas": "Cobb–Douglas",
    "ces": "CES",
}


def mechanism_label(name: str) -> str:
    """The registered label of an allocation rule (an alias is resolved; else the name)."""
    mech = market.MECHANISMS.get(name)
    if mech is None:
        try:
            mech = market.MECHANISMS[market.resolve_mechanism(name)]
        except ValueError:
            return name
    return mech.label


def choice_label(value: str) -> str:
    """Readable name of a scenario choice such as a governance mode."""
    return CHOICE_LABELS.get(value, value.replace("_", " ").capitalize())


def metric_label(name: str) -> str:
    """The registered label of a run metric, or the name itself when none is registered."""
    metric = RUN_METRICS.get(name)
    return metric.label if metric is not None else name


def column_label(column: str) -> str:
    """The label of the run metric summarising a weekly column (else the column's name)."""
    if column in RUN_METRICS:
        return RUN_METRICS[column].label
    for metric in RUN_METRICS.values():
        if metric.column == column:
            return metric.label
    return column
