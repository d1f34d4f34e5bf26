"""Sequential stopping on precision: how many replications a study needs.

A study with a precision target runs in stages of whole replications, the first of at
least ``MIN_PILOT``.  After each stage it stops when the 95% t-interval half-width of the
chosen KPI is within ``precision`` x |mean| (a relative-precision rule, Law, *Simulation
Modeling and Analysis*, 5th ed., sec. 9.4.1), or at the cap.  Otherwise the next stage
is sized from the variance seen so far (n x (half-width / wanted)^2, at least
``MIN_PILOT`` more).  Decisions are taken only at stage boundaries, on the replications
0..n-1, which do not depend on the executor, so the stopping point is reproducible.

Pure functions of arrays: no simulation here, so they are tested on known samples.
"""

from __future__ import annotations

import math

import numpy as np

from ..stats import summarize

__all__ = ["MIN_PILOT", "first_stage", "precision_reached", "next_stage"]

MIN_PILOT = 10


def first_stage(replications: int | None, max_replications: int) -> int:
    """Size of the first stage: ``replications``, at least MIN_PILOT, at most the cap."""
    return min(max(MIN_PILOT, replications or 0), max_replications)


def _halfwidth_and_mean(values: np.ndarray) -> tuple[float | None, float | None]:
    s = summarize(values)
    return s["ci95_halfwidth"], s["mean"]


def precision_reached(values: np.ndarray, precision: float) -> bool:
    """Whether the 95% CI half-width of ``values`` is within ``precision`` x |mean|."""
    hw, mean = _halfwidth_and_mean(values)
    return bool(hw is not None and mean is not None and hw <= precision * abs(mean))


def next_stage(values: np.ndarray, n: int, precision: float, max_replications: int) -> int | None:
    """The next stage's target after ``n`` replications gave ``values`` (failed ones left
    out), or None to stop (precision reached, or the cap)."""
    if precision_reached(values, precision) or n >= max_replications:
        return None
    hw, mean = _halfwidth_and_mean(values)
    need = n if hw is None or not mean else math.ceil(n * (hw / (precision * abs(mean))) ** 2)
    return min(max(need, n + MIN_PILOT), max_replications)
