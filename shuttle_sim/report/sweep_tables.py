"""A sweep's cells in words and tables: factor and setting labels, what a target judges,
the cell the others are compared with and the slices through it, the cheapest cells, the
marginal value of one step more, and the table of every cell.

Reads :class:`shuttle_sim.report.sweep_data.SweepData` only; no drawing here (the figures,
:mod:`shuttle_sim.report.figures.sweep`, the answer and the page's tables use these).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from .. import kpis as catalogue

#: the KPIs a sweep's figures and marginal values show, in their rows's order
SWEEP_KPIS = ("delivered_mt_per_year", "deferred_t", "total_annual_cost_usd")
#: a target's verdict as a cell's column and square say it
VERDICT_WORDS = {"met": "met", "missed": "missed", "undecided": "open"}


def factor_label(path: str) -> str:
    """A factor's key path in words: ``fleet.tankers[Astana-class].count`` -> ``Astana-class ships``."""
    m = re.fullmatch(r"fleet\.tankers\[(.+)\]\.count", path)
    if m:
        return f"{m.group(1)} ships"
    words = {"load_port.berths": "load-port berths", "discharge_port.berths": "discharge-port berths",
             "load_port.tank_farm.capacity": "load-port tankage", "discharge_port.tank_farm.capacity": "discharge-port tankage",
             "disruptions": "disruption", "costs.deferred_production.valuation": "deferred production valued as"}
    return words.get(path, path)


def settings_words(data, levels: dict) -> str:
    """``{factor: level}`` in words: ``500 kt load-port tankage, disruption 30-day BTC stop``."""
    def one(f, v) -> str:
        text, label = data.level(f, v), factor_label(f)
        if not is_numeric(data, f):
            return f"{label} {text}"
        return f"{text} {label[:-1] if text == '1' and label.endswith(('ships', 'berths')) else label}"

    return ", ".join(one(f, v) for f, v in levels.items())


def anchor(data) -> pd.Series:
    """The cell the others are compared with: the recommended one, else the nearest one,
    else the cheapest."""
    c = data.cells
    names = [data.recommended] + [(a.get("nearest") or {}).get("name") for a in data.answers]
    for n in names:
        if n is not None and (c["cell"] == n).any():
            return c[c["cell"] == n].iloc[0]
    return c.sort_values("objective").iloc[0] if "objective" in c and len(c) else c.iloc[0]


def slice_along(data, factor: str, others_at: pd.Series | None = None, free: tuple[str, ...] = ()) -> pd.DataFrame:
    """Cells varying ``factor`` with every other factor at the anchor's level, by level;
    factors in ``free`` may be at any level, the first cell found at each level of
    ``factor`` kept (for a simulated KPI, the cost model's conditions: cells that differ
    only in them share their replications, so any one of them will do)."""
    a = anchor(data) if others_at is None else others_at
    m = pd.Series(True, index=data.cells.index)
    for f in data.factors:
        if f != factor and f not in free:
            m &= data.cells[f] == a[f]
    out = data.cells[m].sort_values(factor, kind="stable")
    return out.drop_duplicates(factor) if free else out


def is_numeric(data, f: str) -> bool:
    return pd.api.types.is_numeric_dtype(data.cells[f])


def display_scale(name: str):
    if name == "total_annual_cost_usd":
        return 1e-6, "million USD/yr"
    k = catalogue.info(name)
    if k.unit == "t":
        return 1e-3, "kt"
    return k.scale, k.unit


def short_number(v: float) -> str:
    return "0" if v == 0 else f"{v:,.2f}" if abs(v) < 100 else f"{v:,.0f}"


def _threshold(v: float) -> str:
    """A target's threshold as written by a person: ``19.5``, ``300,000``, never ``1e+06``."""
    return f"{v:,.0f}" if abs(v) >= 1e4 else f"{v:,.4g}"


def judged_on_quantile(t: dict | None) -> bool:
    """A target met or missed on a quantile over years (``at_least``/``at_most`` a share of
    years), not on the mean."""
    return t is not None and t["kind"] in ("at_least", "at_most")


def statistic_words(t: dict | None) -> str:
    """What a target's estimate is: the mean, or the quantile a share target judges."""
    if t is None or t["kind"] not in ("at_least", "at_most"):
        return "mean"
    p = t.get("fraction") or 0.0
    q = 1 - p if t["kind"] == "at_least" else p
    return f"{100 * q:.0f}% quantile"


def target_kpi(data) -> str | None:
    return data.targets[0] if data.targets else None


def kpi_words(kpi: str) -> str:
    return catalogue.info(kpi).label.lower() if catalogue.known(kpi) else kpi


def target_words(t: dict | None, kpi: str) -> str:
    """``delivered Mt/yr reached in 9 years of 10`` style description of a target."""
    if t is None:
        return kpi
    k = catalogue.info(kpi) if catalogue.known(kpi) else None
    unit = k.unit if k else ""
    label = (k.label if k else kpi).lower()
    thr = t["threshold"] * (k.scale if k else 1)
    if t["kind"] in ("at_least", "at_most"):
        p = t.get("fraction") or 0.0
        return (f"{label} {'at least' if t['kind'] == 'at_least' else 'at most'} {_threshold(thr)} {unit} in "
                f"{100 * p:.0f}% of years")
    return f"mean {label} {'at least' if t['kind'] == 'mean_at_least' else 'at most'} {_threshold(thr)} {unit}"


def best_cells(data, n: int = 5) -> pd.DataFrame:
    """The ``n`` cheapest cells that meet every target (chosen ones first, all of them
    however many conditions there are); when none does, the ``n`` cheapest cells."""
    f = data.feasible()
    c = data.cells[f] if f.any() else data.cells
    if "objective" in c:
        c = c.sort_values("objective", kind="stable")
    first = c["cell"].isin(data.chosen())
    return pd.concat([c[first], c[~first]]).head(max(n, int(first.sum())))


def cell_label(data, row: pd.Series, design_only: bool = False) -> str:
    return settings_words(data, {f: row[f] for f in (data.design_factors if design_only else data.factors)})


def cost_items(data) -> list[str]:
    return [col[: -len(".mean")] for col in data.cells.columns
            if col.endswith(".mean") and col.startswith("cost_") and col.endswith("_usd_per_year.mean")]


#: Marginal steps: factor key-path pattern, words, step size in the factor's unit.
_STEPS = ((r"fleet\.tankers\[.+\]\.count", "+1 ship", 1.0), (r".*\.berths", "+1 berth", 1.0),
          (r".*tank_farm\.capacity.*", "+100 kt of tankage", 1e5))


MARGINAL_KPIS = SWEEP_KPIS  # the same three, from one step more


def marginal_values(data) -> pd.DataFrame:
    """From the anchor cell, one step up each numeric design factor (the next level swept,
    others held): change in mean throughput (Mt/yr), deferral (t) and annual cost (USD/yr),
    scaled to +1 ship, +1 berth or +100 kt of tankage where the factor is one of those."""
    a = anchor(data)
    rows = []
    for f in data.design_factors:
        if not is_numeric(data, f):
            continue
        sl = slice_along(data, f, a)
        up = sl[sl[f] > a[f]]
        step = next(((w, s) for pat, w, s in _STEPS if re.fullmatch(pat, f)), None)
        row = {"change": step[0] if step else f"next level of {f}", "factor": factor_label(f),
               "from": data.level(f, a[f]), "to": data.level(f, up.iloc[0][f]) if len(up) else f"none: {data.level(f, a[f])} is the highest swept"}
        per = (up.iloc[0][f] - a[f]) / step[1] if len(up) and step else 1.0
        for n in MARGINAL_KPIS:
            col = f"{n}.mean"
            row[n] = float(up.iloc[0][col] - a[col]) / per if len(up) and col in data.cells else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["change", "factor", "from", "to", *MARGINAL_KPIS])


def cell_table(data) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every evaluated cell, cheapest first, with readable column names, and their number formats."""
    c = data.cells.copy()
    if "objective" in c:
        c = c.sort_values("objective", kind="stable")
    c["meets targets"] = np.where(data.feasible().loc[c.index], "yes", "no")
    named = {"delivered_mt_per_year.mean": "delivered, mean (Mt/yr)", "deferred_t.mean": "deferred, mean (kt)",
             "total_annual_cost_usd.mean": "annual cost (M USD/yr)", "cost_per_tonne_usd.mean": "cost per tonne (USD/t)",
             "replications": "replications"}
    fmt = {"delivered, mean (Mt/yr)": "{:,.2f}", "deferred, mean (kt)": "{:,.0f}", "annual cost (M USD/yr)": "{:,.1f}",
           "cost per tonne (USD/t)": "{:,.2f}", "replications": "{:.0f}"}
    if "deferred_t.mean" in c:
        c["deferred_t.mean"] = c["deferred_t.mean"] / 1e3
    if "total_annual_cost_usd.mean" in c and "delivered_mt_per_year.mean" in c:
        # as answer.json: the mean annual cost over the mean tonnes delivered per year (a ratio of means)
        d = c["delivered_mt_per_year.mean"] * 1e6
        c["cost_per_tonne_usd.mean"] = (c["total_annual_cost_usd.mean"] / d).where(d > 0)
    if "total_annual_cost_usd.mean" in c:
        c["total_annual_cost_usd.mean"] = c["total_annual_cost_usd.mean"] / 1e6
    for t in data.targets:
        # the statistic the target judges, beside the mean: a '6 Mt/yr in 9 years of 10' target
        # is met or missed on the 10% quantile, which the mean column does not show
        stat = statistic_words(data.target_of(t))
        if stat != "mean" and f"target.{t}.estimate" in c:
            scale, unit = display_scale(t) if catalogue.known(t) else (1.0, "")
            col = f"{kpi_words(t)}, {stat}" + (f" ({unit})" if unit else "")
            c[f"target.{t}.estimate"] = c[f"target.{t}.estimate"] * scale
            named[f"target.{t}.estimate"] = col
            fmt[col] = "{:,.2f}" if abs(scale) >= 1 else "{:,.0f}"
        c[f"target.{t}.verdict"] = c[f"target.{t}.verdict"].map(lambda v: VERDICT_WORDS.get(str(v), str(v)))
        named[f"target.{t}.verdict"] = f"target on {kpi_words(t)}"
    for f in data.factors:
        c[f] = c[f].map(lambda v, f=f: data.level(f, v))
    keys = [k for k in named if k in c]
    for t in data.targets:  # a target's quantile beside its KPI's mean
        est, mean = f"target.{t}.estimate", f"{t}.mean"
        if est in keys and mean in keys:
            keys.remove(est)
            keys.insert(keys.index(mean) + 1, est)
    cols = [*data.factors, *keys, "meets targets"]
    out = c[cols].rename(columns={**named, **{f: factor_label(f) for f in data.factors}})
    return out, fmt
