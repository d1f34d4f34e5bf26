"""Pure statistics on results: summaries across replications and level-trace measures."""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np
from scipy import stats as _st


def summarize(values: Iterable[float]) -> dict[str, float | None]:
    """Mean, 95% t-based CI half-width (None for one value), P10, P50, P90.

    ``p10`` is the 10th percentile (the value exceeded in 90% of the values), ``p90`` the
    90th (exceeded in 10%)."""
    x = np.asarray(list(values), dtype=float)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return {"mean": None, "ci95_halfwidth": None, "p10": None, "p50": None, "p90": None}
    hw = None
    if x.size > 1:
        hw = float(_st.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size))
    p10, p50, p90 = np.percentile(x, [10, 50, 90])
    return {"mean": float(x.mean()), "ci95_halfwidth": hw, "p10": float(p10), "p50": float(p50), "p90": float(p90)}


def level_stats(t_h: Sequence[float], level_t: Sequence[float], capacity_t: float) -> dict[str, float]:
    """Exact time-weighted measures of a piecewise-linear level trace.

    Returns the time-weighted mean, min and max level, and the fractions of time the
    level sat at capacity (full) and at zero (empty).
    """
    t = np.asarray(t_h, dtype=float)
    y = np.asarray(level_t, dtype=float)
    span = t[-1] - t[0]
    if span <= 0:
        v = float(y[-1])
        return {"mean_t": v, "min_t": v, "max_t": v, "full_frac": float(v >= capacity_t), "empty_frac": float(v <= 0)}
    dt = np.diff(t)
    mean = float(np.sum(dt * 0.5 * (y[1:] + y[:-1])) / span)
    tol = 1e-9 * capacity_t
    full = float(np.sum(dt[(y[1:] >= capacity_t - tol) & (y[:-1] >= capacity_t - tol)]) / span)
    empty = float(np.sum(dt[(y[1:] <= tol) & (y[:-1] <= tol)]) / span)
    return {"mean_t": mean, "min_t": float(y.min()), "max_t": float(y.max()), "full_frac": full, "empty_frac": empty}


def sample_trace(t_h: Sequence[float], level_t: Sequence[float], at_h: Sequence[float]) -> np.ndarray:
    """The level at times ``at_h`` (exact: the trace is linear between its points)."""
    return np.interp(np.asarray(at_h, dtype=float), np.asarray(t_h, dtype=float), np.asarray(level_t, dtype=float))
