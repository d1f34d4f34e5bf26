"""Pure statistics on results: summaries across replications and level-trace measures."""

from __future__ import annotations

import math
from typing import Iterable, Sequence

import numpy as np


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
        # Student's t quantile: scipy.stats.t.ppf(q, df) is special.stdtrit(df, q) (the same
        # double), and scipy.special imports in a fifth of scipy.stats' ~0.9 s
        from scipy.special import stdtrit

        hw = float(stdtrit(x.size - 1, 0.975) * x.std(ddof=1) / math.sqrt(x.size))
    p10, p50, p90 = np.percentile(x, [10, 50, 90])
    return {"mean": float(x.mean()), "ci95_halfwidth": hw, "p10": float(p10), "p50": float(p50), "p90": float(p90)}


def quantile_bounds(y: Sequence[float], pi: float, confidence: float) -> tuple[float, float, float]:
    """The ``pi`` quantile of ``y`` with distribution-free one-sided bounds.

    Returns ``(estimate, low, high)``: ``P(low <= xi_pi) >= confidence`` and
    ``P(xi_pi <= high) >= confidence`` for any continuous distribution; ``-inf`` /
    ``inf`` when ``n`` is too small for such a bound.  The bounds are order statistics
    ``Y_(r)`` and ``Y_(s)`` with ``P(Bin(n, pi) >= r) >= c`` and ``P(Bin(n, pi) <= s - 1)
    >= c`` (Hahn & Meeker, *Statistical Intervals*, 1991, ch. 5); the two at ``c = 1 -
    (1 - level) / 2`` make a two-sided ``level`` interval.  Used by the study's quantile
    targets and by the report's answer.
    """
    from scipy.stats import binom  # (here: this module is imported where SciPy is not needed)

    x = np.sort(np.asarray(y, dtype=float))
    n = x.size
    if n == 0:
        return math.nan, -math.inf, math.inf
    est = float(np.quantile(x, pi, method="inverted_cdf"))
    r = np.arange(1, n + 1)
    # P(Y_(r) <= xi) = P(Bin(n, pi) >= r); P(xi <= Y_(s)) = P(Bin(n, pi) <= s - 1)
    ok_low = binom.sf(r - 1, n, pi) >= confidence
    ok_high = binom.cdf(r - 1, n, pi) >= confidence
    low = float(x[r[ok_low][-1] - 1]) if ok_low.any() else -math.inf
    high = float(x[r[ok_high][0] - 1]) if ok_high.any() else math.inf
    return est, low, high


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


def mser(x: Sequence[float], batch: int = 5, max_fraction: float = 0.5) -> int:
    """Warm-up truncation point of an output series by MSER-``batch`` (MSER-5 by default).

    The series is cut into batches of ``batch`` observations (a last, incomplete batch
    is dropped) with means Z_1..Z_k.  For each d = 0 .. floor(max_fraction x k) the
    statistic

        MSER(d) = sum_{j>d} (Z_j - mean(Z_{d+1..k}))^2 / (k - d)^2

    (the squared standard error of the truncated mean, up to a constant) is computed,
    and the d with the least value wins (the first one on ties).  Capping d at half the
    run keeps it from truncating a series that never settles down to its last points.

    Parameters
    ----------
    x : sequence of float
        Observations in time order (e.g. daily deliveries, daily tank levels).
    batch : int
        Batch size (5 for MSER-5; 1 for plain MSER).
    max_fraction : float
        Largest share of the batches that may be truncated.

    Returns
    -------
    int
        Number of leading *observations* to discard: d* x ``batch``.
    """
    a = np.asarray(x, dtype=float)
    k = a.size // batch
    if k < 2:
        return 0
    z = a[: k * batch].reshape(k, batch).mean(axis=1)
    # suffix sums give every truncated mean and sum of squares in O(k)
    s1 = np.cumsum(z[::-1])[::-1]
    s2 = np.cumsum((z * z)[::-1])[::-1]
    d = np.arange(int(max_fraction * k) + 1)
    d = d[d < k]
    n = k - d
    sse = np.maximum(s2[d] - s1[d] ** 2 / n, 0.0)  # round-off must not make a flat tail negative
    stat = sse / n**2
    return int(d[np.argmin(stat)]) * batch
