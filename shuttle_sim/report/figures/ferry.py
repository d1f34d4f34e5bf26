"""Figures of the train-ferry route: wagons per crossing, yard occupancy, fleet use."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ... import kpis as catalogue
from ..style import (MARK_COLOURS, ORANGE, count_axis, date_axis, finish_over_time, legend_below, new_axes, new_grid,
                     styled)


@styled
def crossings(data, ax=None):
    """A run's ferry crossings by month: load factor (wagons carried over wagon places
    offered, %) as bars, the number of crossings written above each bar."""
    fig, ax = new_axes(ax, (8.0, 3.2))
    tr = data.ferry_trips
    s = data.scenario
    cap = s.ferry_capacity_wagons
    if tr is not None and len(tr) and cap:
        month = tr["time"].dt.to_period("M")
        g = tr.groupby(month)["wagons"].agg(["sum", "count"])
        lf = 100.0 * g["sum"] / (g["count"] * cap)
        x = g.index.to_timestamp() + pd.Timedelta(days=14)
        ax.bar(x, lf.to_numpy(), width=24, color=ORANGE, label="load factor in the month")
        for xi, v, n in zip(x, lf.to_numpy(), g["count"].to_numpy()):
            ax.annotate(f"{n}", (xi, 0), xytext=(0, 3), textcoords="offset points", ha="center", fontsize=7.5, color="black")
        overall = 100.0 * tr["wagons"].sum() / (len(tr) * cap)
        ax.axhline(overall, color="black", lw=1, ls="--", label=f"over the run {overall:.0f}%")
        legend_below(ax, ncol=2)
    ax.set_ylim(0, 115)
    ax.set_xlim(s.start, s.end)
    date_axis(ax)
    ax.set_xlabel("Month of departure (number at the foot of a bar: crossings)")
    ax.set_ylabel("Ferry load factor (%)")
    ax.set_title("Ferry load factor by month")
    return fig


def yard_capacity(scenario) -> int | None:
    """The port yard's capacity in wagons, where the scenario states one."""
    cap = ((scenario.resolved.get("ferry") or {}).get("yard") or {}).get("capacity_wagons")
    return int(cap) if cap else None


@styled
def yard_wagons(data, ax=None):
    """A run's wagons in the ferry port's yard over time (all cargo, a step at each
    change), the yard's capacity dashed where the scenario states one."""
    fig, ax = new_axes(ax, (8.0, 3.2))
    s = data.scenario
    y = data.yard
    cap = yard_capacity(s)
    if y is not None and len(y):
        t = pd.concat([y["time"], pd.Series([s.end])], ignore_index=True)
        n = np.append(y["wagons"].to_numpy(dtype=float), y["wagons"].iloc[-1])
        ax.step(t, n, where="post", color=ORANGE, lw=0.9, label="wagons in the yard")
        mean = data.kpis.get("yard_wagons_mean")  # the run's KPI: over the period measured (after any warm-up)
        if mean is not None:
            ax.axhline(mean, color="black", lw=0.9, ls=":", label=f"mean {mean:,.0f}" + (" after the warm-up" if s.warmup_h else ""))
    else:
        ax.text(0.5, 0.5, "the yard's wagon count is not in this run's files", transform=ax.transAxes, ha="center")
    if cap:
        ax.axhline(cap, color=MARK_COLOURS["capacity"], ls="--", lw=0.9, label=f"yard capacity {cap:,} wagons")
    top = max([cap or 0, float(y["wagons"].max()) if y is not None and len(y) else 0, 1])
    finish_over_time(ax, s.start, s.end, top, "Wagons in the port yard (count)", "Port yard: wagons waiting for a ferry")
    return fig


@styled
def ferry_kpis(data, ax=None):
    """A study's ferry measures over replications: tank cars in the yard (mean and most),
    ferry load factor, tank-car fleet utilisation.  ``ax``: three axes, or None."""
    fig, axes = new_grid(ax, 3, (8.0, 3.0))
    ok = data.ok
    panels = [("yard_wagons_mean", "yard_wagons_max"), ("ferry_load_factor",), ("wagon_fleet_utilisation_frac",)]
    for a, names in zip(axes, panels):
        names = [n for n in names if n in ok.columns]
        if not names:
            continue
        vals = [ok[n].to_numpy(dtype=float) * catalogue.info(n).scale for n in names]
        both = np.concatenate(vals)
        bins = np.histogram_bin_edges(both[np.isfinite(both)], bins=min(24, max(6, int(np.sqrt(both.size)) + 3)))
        for name, x, colour in zip(names, vals, (ORANGE, "#999999")):
            k = catalogue.info(name)
            a.hist(x, bins=bins, color=colour, edgecolor="white", alpha=0.85,
                   label=k.label.split(": ")[-1] if len(names) > 1 else None)
        k = catalogue.info(names[0])
        a.set_xlabel({"wagons": "Tank cars in the yard (wagons)"}.get(k.unit, f"{k.label} ({k.unit})"))
        count_axis(a)
        if len(names) > 1:
            a.legend(loc="upper right", fontsize=7.5)
    yard = yard_capacity(data.scenario)
    if yard:
        axes[0].axvline(float(yard), color="black", ls="--", lw=0.9, label=f"yard holds {yard}")
        axes[0].legend(loc="upper center", fontsize=7.5)
    axes[0].set_title("Port yard")
    axes[1].set_title("Ferry load")
    axes[2].set_title("Tank-car fleet")
    return fig
