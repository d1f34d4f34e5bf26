"""The answer: is each cell's target met, missed or still open, and which cell to build.

Pure functions on replication tables (one row per replication, KPI and cost columns);
nothing here simulates.  A target is one of

* ``mean_at_least`` / ``mean_at_most`` X: a one-sided t test on the mean;
* ``at_least`` / ``at_most`` X ``in_fraction_of_years`` p: the KPI is at least (at most)
  X in a share p of years, i.e. a quantile statement, judged without any distribution
  assumption from the number of years that meet X (a binomial count).

A verdict is ``met`` when the data show the target holds with the study's confidence c,
``missed`` when they show it fails with confidence c, else ``undecided``.  The interval
``[low, high]`` reported with each estimate is the pair of one-sided c-confidence bounds
(a two-sided ``2c - 1`` interval): t-based for means; for quantiles the order statistics
``Y_(r)`` and ``Y_(s)`` with ``P(Bin(n, pi) >= r) >= c`` and ``P(Bin(n, pi) <= s - 1) >= c``
(e.g. Hahn & Meeker, *Statistical Intervals*, 1991, ch. 5), which need no model of Y.
With ``pi = 0.1`` and ``c = 0.9`` a lower bound needs 22 years, so a "9 years in 10"
target can be declared met only after at least 22 replications, all of them meeting it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Mapping, Optional, Protocol, Sequence

import numpy as np
from scipy import stats as _st

from .. import kpis as catalogue
from .. import units
from ..stats import quantile_bounds

__all__ = [
    "TargetLike", "Assessment", "assess", "assess_cell", "cell_verdict", "quantile_bounds", "answer", "answers_by_condition",
    "supply_ceiling_t_per_year", "check_supply", "limiting_factor",
]

MEAN_KINDS = ("mean_at_least", "mean_at_most")
SHARE_KINDS = ("at_least", "at_most")
MAX_REPLICATIONS = 100_000


class TargetLike(Protocol):
    kpi: str
    kind: str  # one of MEAN_KINDS + SHARE_KINDS
    threshold: float  # in the KPI's own unit
    fraction: Optional[float]  # in_fraction_of_years, for SHARE_KINDS


@dataclass(frozen=True)
class Assessment:
    """One target in one cell: estimate, confidence bounds, verdict, replications to settle."""

    kpi: str
    kind: str
    threshold: float
    fraction: Optional[float]
    n: int
    estimate: float
    low: float
    high: float
    share: Optional[float]  # share of years meeting the threshold (quantile targets)
    verdict: str  # met | missed | undecided
    replications_to_settle: Optional[int]  # total n expected to decide it, if undecided

    def as_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------- quantiles
def _share_verdict(k: int, n: int, p: float, c: float) -> str:
    """Successes ``k`` of ``n`` against the required share ``p``: exact binomial tests."""
    if n == 0:
        return "undecided"
    if _st.binom.sf(k - 1, n, p) <= 1 - c:  # so many successes are unlikely if the share were only p
        return "met"
    if _st.binom.cdf(k, n, p) <= 1 - c:  # so few successes are unlikely if the share were p
        return "missed"
    return "undecided"


def _share_to_settle(k: int, n: int, p: float, c: float) -> Optional[int]:
    """Smallest total N at which the observed share k/n, if it held, would decide the test."""
    q = k / n if n else 0.5
    if q == p:
        return None
    big = np.arange(max(n, 1), MAX_REPLICATIONS + 1)
    ks = np.floor(q * big + 1e-9).astype(int) if q > p else np.ceil(q * big - 1e-9).astype(int)
    decided = _st.binom.sf(ks - 1, big, p) <= 1 - c if q > p else _st.binom.cdf(ks, big, p) <= 1 - c
    return int(big[np.argmax(decided)]) if decided.any() else None


# --------------------------------------------------------------------- means
def _mean_bounds(y: np.ndarray, c: float) -> tuple[float, float, float]:
    n = y.size
    m = float(y.mean()) if n else math.nan
    if n < 2:
        return m, -math.inf, math.inf
    hw = float(_st.t.ppf(c, n - 1) * y.std(ddof=1) / math.sqrt(n))
    return m, m - hw, m + hw


def _clipped(kpi: str, low: float, high: float) -> tuple[float, float]:
    """A mean's t bounds cut to the values the KPI can take (:meth:`Kpi.clip`: a mean
    deferral is never below 0 t); a KPI the catalogue does not know keeps them."""
    return catalogue.info(kpi).clip(low, high) if catalogue.known(kpi) else (low, high)


def _mean_to_settle(y: np.ndarray, threshold: float, c: float) -> Optional[int]:
    n = y.size
    if n < 2:
        return 10  # a pilot first (VALIDATION.md: at least 10)
    d, s = abs(float(y.mean()) - threshold), float(y.std(ddof=1))
    if d == 0:
        return None
    big = np.arange(n, MAX_REPLICATIONS + 1)
    ok = _st.t.ppf(c, big - 1) * s / np.sqrt(big) < d
    return int(big[np.argmax(ok)]) if ok.any() else None


# -------------------------------------------------------------------- assess
def assess(values: Sequence[float], target: TargetLike, confidence: float) -> Assessment:
    """Judge one target on one cell's replications (NaNs, i.e. failed replications, dropped)."""
    y = np.asarray(values, dtype=float)
    y = y[~np.isnan(y)]
    n, t, c = int(y.size), target, confidence
    if t.kind in MEAN_KINDS:
        est, lo, hi = _mean_bounds(y, c)
        lo, hi = _clipped(t.kpi, lo, hi)
        if t.kind == "mean_at_least":
            verdict = "met" if lo >= t.threshold else "missed" if hi < t.threshold else "undecided"
        else:
            verdict = "met" if hi <= t.threshold else "missed" if lo > t.threshold else "undecided"
        settle = _mean_to_settle(y, t.threshold, c) if verdict == "undecided" else None
        return Assessment(t.kpi, t.kind, t.threshold, None, n, est, lo, hi, None, verdict, settle)
    if t.kind not in SHARE_KINDS:
        raise ValueError(f"expected a target kind among {MEAN_KINDS + SHARE_KINDS}, found {t.kind!r}")
    p = float(t.fraction)
    good = y >= t.threshold if t.kind == "at_least" else y <= t.threshold
    k = int(good.sum())
    # at_least X in a share p  <=>  the (1 - p) quantile is >= X; at_most: the p quantile <= X
    pi = 1.0 - p if t.kind == "at_least" else p
    est, lo, hi = quantile_bounds(y, pi, c)
    verdict = _share_verdict(k, n, p, c)
    settle = _share_to_settle(k, n, p, c) if verdict == "undecided" else None
    return Assessment(t.kpi, t.kind, t.threshold, p, n, est, lo, hi, (k / n if n else None), verdict, settle)


def assess_cell(table, targets: Sequence[TargetLike], confidence: float) -> list[Assessment]:
    """Every target on one cell's table (a DataFrame or a mapping of column -> values)."""
    return [assess(np.asarray(table[t.kpi], dtype=float), t, confidence) for t in targets]


def cell_verdict(assessments: Sequence[Assessment]) -> str:
    """``feasible`` if every target is met, ``infeasible`` if any is missed, else ``undecided``."""
    verdicts = {a.verdict for a in assessments}
    return "infeasible" if "missed" in verdicts else "feasible" if verdicts <= {"met"} else "undecided"


def _gap(a: Assessment) -> float:
    """How far the point estimate is on the wrong side of the threshold, relative to it.

    For ``at_least X in a share p`` the estimate is the (1 - p) quantile, so the gap says
    how much the bad years fall short, not merely that they do."""
    scale = abs(a.threshold) or 1.0
    if a.kind in ("mean_at_least", "at_least"):
        wrong = a.threshold - a.estimate
    else:
        wrong = a.estimate - a.threshold
    return max(0.0, wrong / scale)  # for a share target the estimate is the quantile in question


# ------------------------------------------------------------------- answer
def answer(cells: Mapping[str, Mapping], targets: Sequence[TargetLike], confidence: float, objective: str) -> dict:
    """The cheapest cell that meets every target, and how sure that is.

    Cells are ranked by the mean of the objective over their replications; the sampling
    error of that mean is not part of the verdicts (the targets carry the uncertainty;
    the cost is mostly capital, the same in every replication).

    Parameters
    ----------
    cells : mapping name -> {"overrides": dict, "table": DataFrame}
        Each table holds the KPI columns the targets name and the ``objective`` column
        (``total_annual_cost_usd`` or ``cost_per_tonne_usd``, from the cost model).
    targets, confidence, objective
        From the study.

    Returns
    -------
    dict
        ``feasible`` (bool), ``best`` (the cheapest feasible cell: name, overrides,
        objective, assessments), ``cheaper`` (each cell estimated cheaper than ``best``,
        whether it fails with confidence or only possibly, with the total replications
        expected to settle it: None when its estimate sits on a threshold, so that no
        number of replications is expected to decide it),
        ``nearest`` and ``binding`` when nothing is feasible, and ``cells`` (all verdicts).
    """
    rows = []
    for name, c in cells.items():
        t = c["table"]
        ass = assess_cell(t, targets, confidence)
        rows.append({
            "name": name, "overrides": dict(c["overrides"]), "objective": _objective(t, objective),
            "verdict": cell_verdict(ass), "assessments": [a.as_dict() for a in ass], "_ass": ass,
        })
    rows.sort(key=lambda r: (r["objective"], r["name"]))
    feasible = [r for r in rows if r["verdict"] == "feasible"]
    out: dict = {"objective": objective, "confidence": confidence, "feasible": bool(feasible)}
    if feasible:
        best = feasible[0]
        out["best"] = _public(best)
        cheaper = [r for r in rows if r["objective"] < best["objective"]]
        out["cheaper"] = [
            {"name": r["name"], "overrides": r["overrides"], "objective": r["objective"],
             "fails": "with confidence" if r["verdict"] == "infeasible" else "only possibly (undecided)",
             "failing_targets": [a.kpi for a in r["_ass"] if a.verdict != "met"],
             "replications_to_settle": max((a.replications_to_settle or 0 for a in r["_ass"]
                                            if a.verdict == "undecided"), default=None) or None}
            for r in cheaper
        ]
    else:
        def worst(r):
            return max((_gap(a) for a in r["_ass"]), default=0.0)
        near = min(rows, key=lambda r: (worst(r), r["objective"], r["name"])) if rows else None
        if near is not None:
            out["nearest"] = _public(near)
            binding = max(near["_ass"], key=_gap)
            out["binding"] = {"kpi": binding.kpi, "kind": binding.kind, "threshold": binding.threshold,
                              "estimate": binding.estimate, "verdict": binding.verdict}
            out["limited_by"] = limiting_factor(cells[near["name"]]["table"])
    out["cells"] = [{k: v for k, v in r.items() if k not in ("_ass", "assessments")} for r in rows]
    return out


def answers_by_condition(
    cells: Mapping[str, Mapping], targets: Sequence[TargetLike], confidence: float, objective: str,
    conditions: Sequence[str] = (), factors: Mapping[str, Sequence] | None = None,
) -> list[dict]:
    """One :func:`answer` per combination of the ``conditions`` factors.

    A condition (a pipeline stop, a supply surge) is not a design choice: the cheapest
    design is sought under each condition separately.  Each answer carries
    ``condition``, the condition factors' values; with no conditions, one answer.
    With the design's ``factors``, the answers come in the order of their levels there
    (the study file's order, whichever cells were evaluated: an adaptive search reaches a
    condition's cells in another order than the grid); else in the order of ``cells``.
    """
    groups: dict[str, dict] = {}
    for name, c in cells.items():
        key = {p: c["overrides"][p] for p in conditions}
        groups.setdefault(repr(sorted(key.items(), key=lambda kv: kv[0])), {"condition": key, "cells": {}})["cells"][name] = c
    ordered = list(groups.values())
    if factors is not None:
        in_order = [p for p in factors if p in conditions]
        ordered.sort(key=lambda g: [_level(factors[p], g["condition"][p]) for p in in_order])
    out = []
    for g in ordered:
        a = answer(g["cells"], targets, confidence, objective)
        a["condition"] = g["condition"]
        if a.get("best") and factors is not None:
            a["range_ends"] = range_ends(a["best"]["overrides"], factors, conditions)
        out.append(a)
    return out


def range_ends(chosen: Mapping, factors: Mapping[str, Sequence], conditions: Sequence[str] = ()) -> list[dict]:
    """The design factors whose ``chosen`` level is the lowest or highest of the levels the
    study gives them (numbers, or quantities such as ``500 kt``), lowest first:
    ``[{"factor", "level", "end"}]``.  An answer there says nothing of the designs beyond
    it: one with fewer berths than the fewest swept might be cheaper and meet the targets."""
    out = []
    for f, levels in factors.items():
        if f in conditions or f not in chosen:
            continue
        values = [units.level_value(v) for v in levels]
        x = units.level_value(chosen[f])
        if x is None or None in values or min(values) == max(values) or x not in (min(values), max(values)):
            continue
        out.append({"factor": f, "level": chosen[f], "end": "lowest" if x == min(values) else "highest"})
    return sorted(out, key=lambda e: e["end"] != "lowest")


def _level(levels: Sequence, value) -> int:
    """Position of ``value`` among a factor's ``levels`` (after them all if it is none)."""
    return next((i for i, v in enumerate(levels) if v == value), len(levels))


def _public(r: dict) -> dict:
    return {k: v for k, v in r.items() if k != "_ass"}


def _objective(table, objective: str) -> float:
    if objective == "cost_per_tonne_usd" and "total_annual_cost_usd" in table and "delivered_mt_per_year" in table:
        # a ratio of means, not a mean of ratios (a bad year's cost per tonne would dominate)
        d = 1e6 * float(np.nanmean(np.asarray(table["delivered_mt_per_year"], dtype=float)))
        return float(np.nanmean(np.asarray(table["total_annual_cost_usd"], dtype=float))) / d if d > 0 else math.inf
    return float(np.nanmean(np.asarray(table[objective], dtype=float)))


# --------------------------------------------------------------- diagnosis
def limiting_factor(table) -> dict:
    """What most limits throughput in a cell, read from mean KPIs (a heuristic).

    Scores, each a share of fleet time or of supply: ``supply`` (ships waiting for
    cargo at the load port), ``berths`` (ships queueing for a berth), ``offtake`` (ships
    waiting for ullage at the discharge port, plus the discharge farm's time full),
    ``storage`` (load farm's time full, i.e. production deferred, while ships also wait
    for cargo: tankage is the buffer that would reconcile them), ``fleet`` (load farm
    full while ships neither queue nor wait).  The largest score names the limit.
    """
    def m(name: str) -> float:
        return float(np.nanmean(np.asarray(table[name], dtype=float))) if name in table else 0.0

    full = m("load_tank_full_frac")
    cargo = m("tanker_waiting_cargo_frac")
    scores = {
        "supply": cargo * (1.0 - full),
        "berths": m("tanker_queueing_frac"),
        "offtake": m("tanker_waiting_ullage_frac") + m("discharge_tank_full_frac"),
        "storage": min(full, cargo),
        "fleet": full * (1.0 - cargo) * (1.0 - m("tanker_queueing_frac")),
    }
    name = max(scores, key=lambda k: (scores[k], k))
    return {"limit": name, "scores": scores}


# ------------------------------------------------------------ before a run
def supply_ceiling_t_per_year(scenario) -> float:
    """Most any design could deliver per year: all supply offered, scripted surges
    included, plus the oil in the source tanks at the start (nothing else enters)."""
    import datetime as _dt

    h = scenario.horizon_h
    rate = scenario.supply.rate_t_per_h
    total = rate * h
    start = _dt.datetime.combine(scenario.start_date, _dt.time())
    for d in scenario.disruptions:
        if d.target == "supply" and d.factor > 1:
            a = (_dt.datetime.combine(d.start, _dt.time()) - start).total_seconds() / 3600.0
            b = (_dt.datetime.combine(d.end, _dt.time()) - start).total_seconds() / 3600.0
            total += (d.factor - 1.0) * rate * max(0.0, min(b, h) - max(a, 0.0))
    if scenario.load_port is not None:
        total += scenario.load_port.tank_farm.initial_level_t
    if scenario.ferry is not None:
        total += scenario.ferry.station.tank_farm.initial_level_t
    return total * 8760.0 / h


_DELIVERY_KPIS = {"delivered_t": None, "delivered_mt_per_year": 1e6}


def check_supply(scenario, targets: Sequence[TargetLike]) -> list[str]:
    """Messages for throughput targets above what the scenario's supply can ever deliver."""
    ceiling = supply_ceiling_t_per_year(scenario)
    out = []
    for t in targets:
        if t.kpi not in _DELIVERY_KPIS or t.kind not in ("mean_at_least", "at_least"):
            continue
        scale = _DELIVERY_KPIS[t.kpi]
        cap = ceiling / scale if scale else ceiling * scenario.horizon_h / 8760.0
        if t.threshold > cap:
            out.append(f"targets.{t.kpi}: expected a target the supply can meet (at most {cap:.6g}, "
                       f"all supply and initial stock delivered), found {t.threshold:g}")
    return out
