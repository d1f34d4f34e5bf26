"""Paired comparisons between cells under common random numbers.

Replication ``r`` of every cell draws from the same streams ``(seed, r)``, so the
difference ``Y_c(r) - Y_b(r)`` between two cells cancels the noise they share (the
weather, the draws of the entities both have).  A comparison between cells is therefore
made on those differences: a t bound on their mean (a paired t, Law, *Simulation Modeling
and Analysis*, 5th ed., sec. 10.2.1), not on two independent means.  ``variance_ratio``
reports what the pairing bought: ``(Var Y_b + Var Y_c) / Var(Y_c - Y_b)``, the factor by
which independent sampling would have needed more replications for the same precision.

Pure functions on replication tables (row ``i`` is replication ``i``); nothing simulates.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
from scipy import stats as _st

__all__ = ["paired_difference", "compare_cheaper"]


def paired_difference(a: Sequence[float], b: Sequence[float], confidence: float) -> dict:
    """``b - a`` over the replications both ran (the first ``min(len)``; NaNs dropped in pairs).

    Returns ``{"n", "mean", "low", "high", "variance_ratio", "sign"}``: ``low`` and
    ``high`` are one-sided ``confidence`` bounds on the mean difference (``-inf`` / ``inf``
    with fewer than 2 pairs); ``sign`` is ``"+"`` or ``"-"`` when the bounds exclude zero
    (the difference is shown), ``"0"`` when every difference is exactly zero, else ``"?"``.
    """
    n = min(len(a), len(b))
    x, y = np.asarray(a, dtype=float)[:n], np.asarray(b, dtype=float)[:n]
    ok = ~(np.isnan(x) | np.isnan(y))
    x, y = x[ok], y[ok]
    d = y - x
    m = int(d.size)
    if m == 0:
        return {"n": 0, "mean": None, "low": -math.inf, "high": math.inf, "variance_ratio": None, "sign": "?"}
    mean = float(d.mean())
    if m < 2:
        return {"n": m, "mean": mean, "low": -math.inf, "high": math.inf, "variance_ratio": None, "sign": "?"}
    var_d = float(d.var(ddof=1))
    hw = float(_st.t.ppf(confidence, m - 1)) * math.sqrt(var_d / m)
    var_sum = float(x.var(ddof=1) + y.var(ddof=1))
    ratio = var_sum / var_d if var_d > 0 else (None if var_sum == 0 else math.inf)
    if var_d == 0 and mean == 0:
        sign = "0"
    else:
        sign = "+" if mean - hw > 0 else "-" if mean + hw < 0 else "?"
    return {"n": m, "mean": mean, "low": mean - hw, "high": mean + hw, "variance_ratio": ratio, "sign": sign}


def compare_cheaper(answer: dict, tables: Mapping[str, object], kpis: Sequence[str], confidence: float) -> dict:
    """Add to each of ``answer["cheaper"]`` its paired differences from the best cell.

    ``paired[kpi]`` for each target KPI and the objective's column: the cheaper cell
    minus the best one (:func:`paired_difference`).  The answer is changed in place and
    returned; an answer without a best cell is returned as it is.
    """
    if not answer.get("feasible"):
        return answer
    best = tables[answer["best"]["name"]]
    for c in answer.get("cheaper", []):
        other = tables[c["name"]]
        c["paired"] = {k: paired_difference(best[k], other[k], confidence)
                       for k in kpis if k in best and k in other}
    return answer
