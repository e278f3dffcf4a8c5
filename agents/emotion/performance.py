"""Performance under pressure: the Yerkes–Dodson inverted U, or a monotone decline.

``m(s) = m_min + (1 − m_min)·exp(−(s − s*)²/(2w²))`` peaks at s* (lower for complex
research work than for product work). The inverted U is contested (Teigen 1994), so a
monotone-decreasing alternative ``m = m_min + (1 − m_min)·(1 − s)`` is offered.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field

from agents.schema import Params, clip01, floats

__all__ = ["PerformanceParams", "performance_multiplier", "team_performance"]


class PerformanceParams(Params):
    """Performance under pressure, per division."""

    form: Literal["inverted_u", "monotone"] = Field(
        "inverted_u",
        description="inverted_u: best at a moderate stress (Yerkes–Dodson); "
        "monotone: calm is best.",
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
        0.1, ge=0, le=1, description="The output multiplier's floor, reached far from the peak."
    )


def performance_multiplier(
    stress: np.ndarray,
    peak: np.ndarray | float,
    width: np.ndarray | float,
    m_min: float,
    form: str = "inverted_u",
) -> np.ndarray:
    """Output multiplier m(s) ∈ [m_min, 1] for a given stress.

    ``"inverted_u"`` is Yerkes–Dodson: ``m = m_min + (1−m_min)·exp(−(s−s*)²/(2w²))``,
    equal to 1 at the peak s* and falling on both sides. ``"monotone"`` is the
    contested alternative where any stress hurts: ``m = m_min + (1−m_min)·(1−s)``, equal
    to 1 at s = 0 and m_min at s = 1 (``peak`` and ``width`` are ignored).

    Args:
        stress: Stress s ∈ [0, 1], shape (n,).
        peak: Stress s* of best performance, scalar or per team (n,).
        width: Width w > 0 of the inverted U, scalar or per team (n,).
        m_min: Floor of the multiplier, in [0, 1].
        form: "inverted_u" or "monotone".

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
