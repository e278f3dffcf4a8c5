"""Performance under pressure: a monotone decline (the default), or the Yerkes–Dodson U.

The default is monotone, ``m = m_min + (1 − m_min)·(1 − s)``: calm is best and more
pressure never raises output. The Yerkes–Dodson inverted U
``m(s) = m_min + (1 − m_min)·exp(−(s − s*)²/(2w²))``, peaking at s* (lower for complex
research work than for product work), stays available as ``form = "inverted_u"``.

Why monotone by default: the inverted U rests on thin evidence for complex work.
Teigen (1994, "Yerkes–Dodson: a law for all seasons", *Theory & Psychology* 4(4)) traces
how the "law" was reconstructed from a 1908 study of mice learning a discrimination task
and generalised far beyond it; Corbett (2015, "From law to folklore: work stress and
the Yerkes–Dodson Law", *Journal of Managerial Psychology* 30(6)) finds little support
for it in the work-stress literature, where strain mostly lowers performance. In the
game the inverted U also had a perverse effect (MODEL-REFERENCE §11): product teams sat
below their peak, so taking GPUs away raised their output. Under the monotone form more
deprivation never raises output.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from agents.schema import Params, clip01, floats

__all__ = ["PerformanceParams", "performance_multiplier", "team_performance"]


class PerformanceParams(Params):
    """Performance under pressure, per division.

    The peaks and widths are used only by the ``"inverted_u"`` form (MODEL-REFERENCE §1:
    research s* ≈ 0.3–0.4, w ≈ 0.15–0.25; product s* ≈ 0.5–0.6, w ≈ 0.25–0.35).
    """

    form: Literal["inverted_u", "monotone"] = Field(
        "monotone",
        description="monotone (default): calm is best, more stress never raises output; "
        "inverted_u: best at a moderate stress (Yerkes–Dodson, contested for complex work: "
        "Teigen 1994, Corbett 2015).",
    )
    research_peak: float = Field(
        0.35, ge=0, le=1, description="Stress s* at which research teams perform best."
    )
    research_width: float = Field(
        0.2, gt=0, le=1, description="Width w of the research inverted U."
    )
    product_peak: float = Field(
        0.55, ge=0, le=1, description="Stress s* at which product teams perform best."
    )
    product_width: float = Field(0.3, gt=0, le=1, description="Width w of the product inverted U.")
    m_min: float = Field(
        0.6,
        ge=0,
        le=1,
        description="The output multiplier's floor: at maximal stress (monotone form), or "
        "far from the peak (inverted U). 0.6 = a team under maximal stress still delivers "
        "60% of its calm output; burnout cuts further.",
    )


def performance_multiplier(
    stress: np.ndarray,
    peak: np.ndarray | float,
    width: np.ndarray | float,
    m_min: float,
    form: str = "monotone",
) -> np.ndarray:
    """Output multiplier m(s) ∈ [m_min, 1] for a given stress.

    ``"monotone"`` (the default) is the form where any stress hurts:
    ``m = m_min + (1−m_min)·(1−s)``, equal to 1 at s = 0 and m_min at s = 1, never rising
    with stress (``peak`` and ``width`` are ignored). ``"inverted_u"`` is Yerkes–Dodson:
    ``m = m_min + (1−m_min)·exp(−(s−s*)²/(2w²))``, equal to 1 at the peak s* and falling
    on both sides; its evidence for complex work is weak (Teigen 1994; Corbett 2015).

    Args:
        stress: Stress s ∈ [0, 1], shape (n,).
        peak: Stress s* of best performance, scalar or per team (n,).
        width: Width w > 0 of the inverted U, scalar or per team (n,).
        m_min: Floor of the multiplier, in [0, 1].
        form: "monotone" or "inverted_u".

    Returns:
        The multiplier, shape (n,).

    Raises:
        ValueError: If ``form`` is unknown.
    """
    stress = floats(stress)
    if form == "inverted_u":
        width = floats(width)
        shape = np.exp(-((stress - peak) ** 2) / (2.0 * width * width))
    elif form == "monotone":
        shape = 1.0 - clip01(stress)
    else:
        raise ValueError(f"form = {form!r} is not allowed; choose 'inverted_u' or 'monotone'")
    return m_min + (1.0 - m_min) * shape


def team_performance(
    stress: np.ndarray, is_research: np.ndarray | bool, p: PerformanceParams
) -> np.ndarray:
    """Performance multiplier for a mixed batch of research and product teams.

    Research (complex work) uses ``p.research_peak``/``p.research_width``; everything
    else uses the product peak and width.

    Args:
        stress: Stress, shape (n,).
        is_research: True for research teams, shape (n,) or a scalar.
        p: Performance parameters.

    Returns:
        The multiplier, shape (n,).
    """
    is_research = np.asarray(is_research, dtype=bool)
    peak = np.where(is_research, p.research_peak, p.product_peak)
    width = np.where(is_research, p.research_width, p.product_width)
    return performance_multiplier(stress, peak, width, p.m_min, p.form)
