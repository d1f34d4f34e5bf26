"""Figures of a sweep over design factors: KPIs against factors, the chance of meeting
the target over two factors, cost against throughput (Pareto front), cost breakdown.

Reads :class:`shuttle_sim.report.data.SweepData` only (its docstring gives the directory
shape).  Where a sweep has more factors than a figure has axes, the others are held at
the recommended cell's levels (or the first cell's, when no cell is recommended).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import kpis as catalogue
from ..style import BLUE, MARK_COLOURS, OKABE_ITO, legend_below, new_axes, new_figure, styled

SWEEP_KPIS = ("delivered_mt_per_year", "deferred_t", "cost_per_tonne_usd")
_SHORT = {"delivered_mt_per_year": "Delivered", "deferred_t": "Deferred", "cost_per_tonne_usd": "Cost per tonne"}


def anchor(data) -> pd.Series:
    """The cell the others are compared with: the recommended one, else the first."""
    rec = data.recommended
    c = data.cells
    hit = c[c["cell"] == rec] if rec is not None else c.iloc[:0]
    return (hit if len(hit) else c).iloc[0]


def slice_along(data, factor: str, others_at: pd.Series | None = None) -> pd.DataFrame:
    """Cells varying ``factor`` with every other factor at the anchor's level, by level."""
    a = anchor(data) if others_at is None else others_at
    m = pd.Series(True, index=data.cells.index)
    for f in data.factors:
        if f != factor:
            m &= data.cells[f] == a[f]
    return data.cells[m].sort_values(factor)


def _scaled(name: str):
    k = catalogue.info(name)
    if k.unit == "t":
        return 1e-3, f"{k.label} (kt)"
    return k.scale, f"{k.label} ({k.unit})"


@styled
def kpis_vs_factors(data, ax=None):
    """Each headline KPI (rows) against each factor (columns): mean and 95% CI band."""
    names = [n for n in SWEEP_KPIS if f"{n}_mean" in data.cells]
    facs = data.factors[:3]
    if ax is None:
        fig = new_figure((8.0, 1.9 * len(names) + 0.6))
        axes = fig.subplots(len(names), len(facs), sharex="col", squeeze=False)
    else:
        axes = np.asarray(ax).reshape(len(names), len(facs))
        fig = axes.flat[0].figure
    for i, n in enumerate(names):
        scale, label = _scaled(n)
        label = f"{_SHORT[n]} ({label.rsplit('(', 1)[-1]}"  # the short name, the catalogue's unit
        for j, f in enumerate(facs):
            a = axes[i, j]
            sl = slice_along(data, f)
            x = sl[f].to_numpy(dtype=float)
            m = sl[f"{n}_mean"].to_numpy(dtype=float) * scale
            hw = sl.get(f"{n}_ci95_halfwidth", pd.Series(0.0, index=sl.index)).fillna(0).to_numpy(dtype=float) * scale
            a.fill_between(x, m - hw, m + hw, color=BLUE, alpha=0.2, lw=0)
            a.plot(x, m, "o-", color=BLUE, ms=3.5, lw=1.2)
            if n == "delivered_mt_per_year" and data.target_mt_per_year is not None:
                a.axhline(data.target_mt_per_year, color=MARK_COLOURS["target"], lw=1)
            if i == len(names) - 1:
                a.set_xlabel(f"{f} (level)")
            if i == 0:
                a.set_title(f"against {f}", fontsize=9)
            if j == 0:
                a.set_ylabel(label)
            a.set_xticks(np.unique(x))
    return fig


@styled
def target_heatmap(data, ax=None):
    """Chance of meeting the target over the first two factors (others at the anchor)."""
    fig, ax = new_axes(ax, (6.0, 4.0))
    if len(data.factors) < 2 or "p_meet_target" not in data.cells:
        ax.text(0.5, 0.5, "needs two factors and p_meet_target in cells.csv", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    f1, f2 = data.factors[:2]
    a = anchor(data)
    m = pd.Series(True, index=data.cells.index)
    for f in data.factors[2:]:
        m &= data.cells[f] == a[f]
    grid = data.cells[m].pivot_table(index=f2, columns=f1, values="p_meet_target", aggfunc="mean").sort_index(ascending=False)
    im = ax.imshow(100 * grid.to_numpy(dtype=float), cmap="cividis", vmin=0, vmax=100, aspect="auto")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
    for (r, c), v in np.ndenumerate(grid.to_numpy(dtype=float)):
        if np.isfinite(v):
            ax.text(c, r, f"{100 * v:.0f}%", ha="center", va="center", fontsize=8, color="white" if v < 0.6 else "black")
    ax.set_xlabel(f1)
    ax.set_ylabel(f2)
    ax.grid(False)
    fig.colorbar(im, ax=ax, label="Years meeting the target (%)")
    ax.set_title("Chance of meeting the target")
    return fig


def pareto(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices of the cells no other cell beats on both more throughput ``x`` and less cost ``y``."""
    order = np.lexsort((y, -x))
    best, front = np.inf, []
    for i in order:
        if y[i] < best:
            front.append(i)
            best = y[i]
    return np.array(front, dtype=int)


@styled
def cost_vs_throughput(data, ax=None):
    """Annual cost against throughput: feasible cells filled, the Pareto front, the choice."""
    fig, ax = new_axes(ax, (8.0, 3.8))
    c = data.cells
    if "total_annual_cost_usd_mean" not in c or "delivered_mt_per_year_mean" not in c:
        ax.text(0.5, 0.5, "no costs in cells.csv", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    x = c["delivered_mt_per_year_mean"].to_numpy(dtype=float)
    y = c["total_annual_cost_usd_mean"].to_numpy(dtype=float) / 1e6
    ok = data.feasible().to_numpy()
    ax.scatter(x[~ok], y[~ok], facecolors="none", edgecolors="#777777", s=22, label="misses the target")
    ax.scatter(x[ok], y[ok], color=BLUE, s=22, label="meets the target")
    fr = pareto(x, y)
    fr = fr[np.argsort(x[fr])]
    ax.plot(x[fr], y[fr], color="black", lw=1, label="Pareto front")
    rec = data.recommended
    if rec is not None and (c["cell"] == rec).any():
        i = int(np.flatnonzero(c["cell"].to_numpy() == rec)[0])
        ax.plot(x[i], y[i], "*", color=MARK_COLOURS["target"], ms=14, label=f"recommended ({rec})")
    if data.target_mt_per_year is not None:
        ax.axvline(data.target_mt_per_year, color=MARK_COLOURS["target"], lw=1, ls="--", label="target")
    ax.set_xlabel("Delivered, mean (Mt/yr)")
    ax.set_ylabel("Total annual cost (million USD/yr)")
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title("Cost against throughput")
    return fig


def best_cells(data, n: int = 5) -> pd.DataFrame:
    """The ``n`` cheapest cells that meet the target (the recommended one first)."""
    c = data.cells[data.feasible()]
    if "total_annual_cost_usd_mean" in c:
        c = c.sort_values("total_annual_cost_usd_mean")
    rec = data.recommended
    if rec is not None:
        c = pd.concat([c[c["cell"] == rec], c[c["cell"] != rec]])
    return c.head(n)


@styled
def cost_breakdown(data, ax=None):
    """Annual cost by item of the cheapest cells that meet the target."""
    fig, ax = new_axes(ax, (8.0, 3.4))
    items = [col[: -len("_mean")] for col in data.cells.columns
             if col.endswith("_mean") and catalogue.known(col[:-5]) and catalogue.info(col[:-5]).pattern == "cost_{item}_usd_per_year"]
    b = best_cells(data)
    if not items or not len(b):
        ax.text(0.5, 0.5, "no cost items in cells.csv", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    labels = [str(v) for v in b["cell"]]
    left = np.zeros(len(b))
    for k, it in enumerate(items):
        w = b[f"{it}_mean"].fillna(0).to_numpy(dtype=float) / 1e6
        ax.barh(labels[::-1], w[::-1], left=left[::-1], color=OKABE_ITO[k % len(OKABE_ITO)],
                label=catalogue.info(it).label.replace("Cost: ", ""), edgecolor="white")
        left += w
    ax.set_xlabel("Annual cost (million USD/yr)")
    ax.set_ylabel("Cell")
    legend_below(ax, ncol=min(len(items), 5))
    ax.grid(axis="y", visible=False)
    ax.set_title("Cost breakdown of the cheapest feasible cells")
    return fig


def marginal_values(data) -> pd.DataFrame:
    """From the anchor cell, one step up each factor (the next level in the sweep, others
    held): change in throughput (Mt/yr), deferral (t) and annual cost (USD/yr)."""
    a = anchor(data)
    rows = []
    for f in data.factors:
        sl = slice_along(data, f, a)
        up = sl[sl[f] > a[f]]
        row = {"factor": f, "from": a[f], "to": up.iloc[0][f] if len(up) else "highest level swept"}
        for n in ("delivered_mt_per_year", "deferred_t", "total_annual_cost_usd"):
            col = f"{n}_mean"
            row[n] = float(up.iloc[0][col] - a[col]) if len(up) and col in data.cells else np.nan
        rows.append(row)
    return pd.DataFrame(rows, columns=["factor", "from", "to", "delivered_mt_per_year", "deferred_t", "total_annual_cost_usd"])


def cell_table(data) -> tuple[pd.DataFrame, dict[str, str]]:
    """Every cell, cheapest first, with readable column names, and their number formats."""
    c = data.cells.copy()
    if "total_annual_cost_usd_mean" in c:
        c = c.sort_values("total_annual_cost_usd_mean", kind="stable")
    c["meets target"] = np.where(data.feasible().loc[c.index], "yes", "no")
    named = {"delivered_mt_per_year_mean": "delivered (Mt/yr)", "deferred_t_mean": "deferred (t)",
             "p_meet_target": "years meeting target (%)", "total_annual_cost_usd_mean": "annual cost (USD/yr)",
             "cost_per_tonne_usd_mean": "cost per tonne (USD/t)"}
    if "p_meet_target" in c:
        c["p_meet_target"] = 100.0 * c["p_meet_target"]
    cols = ["cell", *data.factors, *[k for k in named if k in c], "meets target"]
    out = c[cols].rename(columns=named)
    fmt = {"delivered (Mt/yr)": "{:,.2f}", "deferred (t)": "{:,.0f}", "years meeting target (%)": "{:.0f}",
           "annual cost (USD/yr)": "{:,.0f}", "cost per tonne (USD/t)": "{:,.2f}"}
    return out, fmt
