"""Figures of the train-ferry route: wagons per crossing, yard occupancy, fleet use."""

from __future__ import annotations

import numpy as np

from ... import kpis as catalogue
from ..style import ORANGE, date_axis, new_axes, new_grid, styled


@styled
def crossings(data, ax=None):
    """A run's ferry crossings: wagons on board each crossing over the year (the load
    factor), the ferry's capacity and a 14-day rolling mean."""
    fig, ax = new_axes(ax, (8.0, 3.2))
    tr = data.ferry_trips
    s = data.scenario
    if tr is not None and len(tr):
        tr = tr.sort_values("leave_port_h")
        ax.plot(tr["time"], tr["wagons"], "o", ms=2.5, color=ORANGE, alpha=0.6, label="one crossing")
        roll = tr.set_index("time")["wagons"].rolling("14D").mean()
        ax.plot(roll.index, roll.to_numpy(), color="black", lw=1.2, label="14-day mean")
    cap = s.ferry_capacity_wagons
    if cap:
        ax.axhline(cap, color="black", ls="--", lw=0.9, label=f"ferry capacity {cap} wagons")
        ax.set_ylim(0, cap * 1.15)
    ax.set_xlim(s.start, s.end)
    date_axis(ax)
    ax.set_xlabel("Date of departure")
    ax.set_ylabel("Tank cars on board (wagons)")
    ax.legend(loc="lower left", ncol=3, fontsize=8)
    lf = data.kpis.get("ferry_load_factor")
    ax.set_title("Ferry load factor" + (f": {100 * lf:.0f}% over the run" if lf is not None else ""))
    return fig


@styled
def ferry_kpis(data, ax=None):
    """A study's ferry measures over replications: tank cars in the yard (mean and most),
    ferry load factor, tank-car fleet utilisation.  ``ax``: three axes, or None."""
    fig, axes = new_grid(ax, 3, (8.0, 3.0))
    ok = data.ok
    panels = [("yard_wagons_mean", "yard_wagons_max"), ("ferry_load_factor",), ("wagon_fleet_utilisation_frac",)]
    for a, names in zip(axes, panels):
        for name, colour in zip(names, (ORANGE, "#999999")):
            if name not in ok.columns:
                continue
            k = catalogue.info(name)
            x = ok[name].to_numpy(dtype=float) * k.scale
            a.hist(x, bins=min(20, max(5, int(np.sqrt(x.size)) + 2)), color=colour, edgecolor="white", alpha=0.85,
                   label=k.label.split(": ")[-1] if len(names) > 1 else None)
        k = catalogue.info(names[0])
        a.set_xlabel({"wagons": "Tank cars in the yard (wagons)"}.get(k.unit, f"{k.label} ({k.unit})"))
        a.set_ylabel("Replications (count)")
        if len(names) > 1:
            a.legend(loc="upper right", fontsize=7.5)
    axes[0].set_title("Port yard")
    axes[1].set_title("Ferry load")
    axes[2].set_title("Tank-car fleet")
    return fig
