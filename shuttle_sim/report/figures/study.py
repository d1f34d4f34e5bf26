"""Figures of a Monte Carlo study: distributions over replications, fan charts of the
daily tank levels, convergence of the running mean, weather closure by site."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import MaxNLocator
from scipy import stats as _st

from ... import kpis as catalogue
from ..style import (BLUE, FARM_COLOURS, MARK_COLOURS, OKABE_ITO, count_axis, date_axis, new_axes, new_grid, state_colour,
                     styled)
from .run import _shade_disruptions


def _pcts(x: np.ndarray) -> tuple[float, float, float]:
    p10, p50, p90 = np.percentile(x, [10, 50, 90])
    return float(p10), float(p50), float(p90)


def exceedance_steps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the exceedance curve: share of years (%) delivering at least v, against v.

    At each distinct value the share drops by the fraction of years with that value; between
    two values it is the share of years at or above the upper one (a year delivering 5.1
    Mt/yr does not deliver "at least 5.05").  Drawn as straight segments between vertices."""
    xs = np.sort(np.asarray(x, dtype=float))
    if not xs.size:
        return xs, xs
    values, first = np.unique(xs, return_index=True)
    at = 100.0 * (xs.size - first) / xs.size  # share of years delivering at least values[j]
    above = np.append(at[1:], 0.0)  # ... at least anything just above values[j]
    return np.repeat(values, 2), np.column_stack([at, above]).ravel()


@styled
def delivered_distribution(data, ax=None):
    """Delivered Mt/yr over replications: histogram (left) and exceedance curve (right),
    P10/P50/P90 and the target marked.  ``ax``: a pair of axes, or None."""
    x = data.ok["delivered_mt_per_year"].to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    fig, (a1, a2) = new_grid(ax, 2, (8.0, 3.4))
    p10, p50, p90 = _pcts(x) if x.size else (np.nan,) * 3
    a1.hist(x, bins=min(30, max(6, int(np.sqrt(x.size)) + 2)), color=BLUE, edgecolor="white")
    for v, lab, ls in ((p10, "P10", ":"), (p50, "P50", "--"), (p90, "P90", ":")):
        if np.isfinite(v):
            a1.axvline(v, color="black", ls=ls, lw=1)
            a1.annotate(lab, (v, 1.0), xycoords=("data", "axes fraction"), xytext=(0, -4), textcoords="offset points",
                        fontsize=8, ha="center", va="top", bbox={"fc": "white", "ec": "none", "pad": 1})
    a1.set_ylim(top=a1.get_ylim()[1] * 1.12)  # room for the P10/P50/P90 labels above the bars
    a1.set_xlabel("Delivered (Mt/yr)")
    count_axis(a1)
    a1.set_title("Delivered per year")
    a2.plot(*exceedance_steps(x), color=BLUE, lw=1.5)
    a2.axhline(90, color="#999999", lw=0.8, ls=":")
    if np.isfinite(p10):
        a2.plot([p10], [90], "o", color="black", ms=4)
        a2.annotate(f"{p10:.2f} Mt/yr or more\nin 9 years of 10", (p10, 90), xytext=(0.04, 0.12),
                    textcoords="axes fraction", ha="left", fontsize=8,
                    arrowprops={"arrowstyle": "->", "color": "black", "lw": 0.8})
    a2.set_xlabel("Delivered (Mt/yr)")
    a2.set_ylabel("Years delivering at least this (%)")
    a2.set_ylim(0, 102)
    a2.set_title("Exceedance")
    t = data.target_mt_per_year
    if t is not None:
        share = 100.0 * float(np.mean(x >= t)) if x.size else float("nan")
        for a in (a1, a2):
            a.axvline(t, color=MARK_COLOURS["target"], lw=1.5)
        a2.annotate(f"target {t:g} Mt/yr: met in {share:.0f}% of years", (t, 10), xytext=(4, 0),
                    textcoords="offset points", color=MARK_COLOURS["target"], fontsize=8)
    return fig


@styled
def level_fans(data, ax=None):
    """Fan charts of each tank farm's daily level: P10-P90 band, median, capacity line.
    ``ax``: a pair of axes (load farm, discharge farm), or None."""
    q = data.level_quantiles()
    s = data.scenario
    roles = ["load", "discharge"] if s.has_tankers else ["station"]
    fig, axes = new_grid(ax, len(roles), (8.0, 3.0 * len(roles)), vertical=True, sharex=True)
    days = q.shape[-1] if q is not None else 0
    t = s.start + pd.to_timedelta(np.arange(days), unit="D")
    for i, (a, role) in enumerate(zip(axes, roles)):
        colour = FARM_COLOURS[role]
        name = s.port_names.get(role, "Rail loading station")
        if q is not None and np.isfinite(q[1, i]).any():
            a.fill_between(t, q[0, i] / 1e3, q[2, i] / 1e3, color=colour, alpha=0.25, lw=0, label="P10 to P90 of years")
            a.plot(t, q[1, i] / 1e3, color=colour, lw=1.4, label="median (P50)")
        else:
            a.text(0.5, 0.5, "no daily levels in this study (levels.bin missing)", transform=a.transAxes, ha="center")
        cap = s.capacity_t.get(role)
        if cap:
            a.axhline(cap / 1e3, color=MARK_COLOURS["capacity"], ls="--", lw=0.9, label="capacity")
            a.annotate(f"capacity {cap / 1e3:,.0f} kt", (1.0, cap / 1e3), xycoords=("axes fraction", "data"),
                       xytext=(-4, 3), textcoords="offset points", ha="right", va="bottom", fontsize=8)
            a.set_ylim(0, cap / 1e3 * 1.15)
        _shade_disruptions(a, data, s.start, s.end)
        if s.warmup_h > 0:  # the days before the measured period: drawn, but in no KPI
            a.axvspan(s.start, s.time(s.warmup_h), facecolor="none", hatch="///", edgecolor="#BBBBBB", lw=0, zorder=0,
                      label="warm-up (not measured)")
        a.set_ylabel("Level (kt)")
        a.set_title(f"{name} tank farm, level at 00:00 each day")
        if i == len(roles) - 1:
            if ax is None:  # neutral swatches: the colours of the farms are in the panels
                from matplotlib.lines import Line2D
                from matplotlib.patches import Patch

                hs = [Patch(color="#888888", alpha=0.35, label="P10 to P90 of years"),
                      Line2D([], [], color="#555555", lw=1.4, label="median (P50)"),
                      Line2D([], [], color=MARK_COLOURS["capacity"], ls="--", lw=0.9, label="capacity")]
                hs += [h for h in a.get_legend_handles_labels()[0] if h.get_label().startswith(("scripted", "warm-up"))]
                fig.legend(handles=hs, loc="outside lower center", ncol=4, fontsize=8)
            else:
                a.legend(loc="best", fontsize=8)
        date_axis(a)
        if days:
            a.set_xlim(t[0], t[-1])
    axes[-1].set_xlabel("Date")
    return fig


@styled
def deferral_distribution(data, ax=None):
    """Deferred production and offtake shortfall over replications (kt), P50/P90 marked.
    ``ax``: a pair of axes, or None."""
    cols = [c for c in ("deferred_t", "offtake_shortfall_t", "rail_deferred_t") if c in data.ok.columns]
    fig, axes = new_grid(ax, max(len(cols), 1), (8.0 if len(cols) < 3 else 9.0, 3.2))
    colours = {"deferred_t": MARK_COLOURS["deferral"], "offtake_shortfall_t": MARK_COLOURS["shortfall"],
               "rail_deferred_t": OKABE_ITO[0]}
    for a, c in zip(axes, cols):
        x = data.ok[c].to_numpy(dtype=float) / 1e3
        x = x[np.isfinite(x)]
        zero = 100.0 * float(np.mean(x <= 1e-6)) if x.size else 0.0
        if x.size and zero == 100.0:
            a.text(0.5, 0.5, f"none in any of the {x.size} simulated years", ha="center", va="center",
                   transform=a.transAxes, fontsize=10)
            a.set_xlabel(f"{catalogue.info(c).label} (kt)")
            a.set_xticks([])
            a.set_yticks([])
            a.set_frame_on(False)
            continue
        a.hist(x, bins=min(30, max(6, int(np.sqrt(x.size)) + 2)), color=colours[c], edgecolor="white")
        p50, p90 = (np.percentile(x, [50, 90]) if x.size else (np.nan, np.nan))
        a.axvline(p50, color="black", ls="--", lw=1, label=f"P50 {p50:,.0f} kt")
        a.axvline(p90, color="black", ls=":", lw=1, label=f"P90 {p90:,.0f} kt")
        a.set_xlabel(f"{catalogue.info(c).label} (kt)")
        count_axis(a)
        some = int(np.sum(x > 1e-6))
        a.set_title(f"above zero in {some} of {x.size} years ({100 - zero:.0f}%)", fontsize=9, fontweight="normal")
        a.legend(loc="upper right")
    return fig


#: a year "with no deferral" defers at most this (shuttle_sim.study.storage._NO_DEFERRAL_T,
#: which this layer does not import: it loads the engine; a test holds the two equal)
NO_DEFERRAL_T = 1e-6


def storage_need(data, role: str) -> np.ndarray | None:
    """Each year's tankage need at a farm (t): its peak stock in the rerun with that farm
    unbounded, or inf where deferral remained even so (no size of this farm is enough);
    None when the study was not run with ``--storage``."""
    peak, deferred = f"{role}_tank_peak_needed_t", f"{role}_tank_peak_deferred_t"
    if peak not in data.ok.columns or deferred not in data.ok.columns:
        return None
    p = data.ok[peak].to_numpy(dtype=float)
    return np.where(data.ok[deferred].to_numpy(dtype=float) <= NO_DEFERRAL_T, p, np.inf)


def capacity_for_9_in_10(need: np.ndarray) -> float:
    """The smallest capacity that holds the need of 90% of years (as the study's summary)."""
    return float(np.quantile(need, 0.9, method="inverted_cdf")) if need.size else float("nan")


def holding_steps(need_kt: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the share of ``n`` years (%) whose need is at most a capacity, against
    it: at each need the share rises by the years needing exactly that (years no capacity
    holds are in ``n`` but not in ``need_kt``)."""
    values, counts = np.unique(np.asarray(need_kt, dtype=float), return_counts=True)
    upto = np.cumsum(counts)
    return np.repeat(values, 2), 100.0 * np.column_stack([upto - counts, upto]).ravel() / n


@styled
def storage_needed(data, ax=None):
    """Tankage each farm needs, year by year (from ``--storage``): the share of years whose
    need a capacity holds, the capacity for 9 years of 10 and the scenario's own marked.
    ``ax``: one axis per farm, or None."""
    s = data.scenario
    roles = [r for r in ("load", "discharge") if storage_need(data, r) is not None]
    fig, axes = new_grid(ax, max(len(roles), 1), (8.0, 3.4))
    for a, role in zip(axes, roles):
        need = storage_need(data, role)
        fits = need[np.isfinite(need)] / 1e3
        n = need.size
        cap = s.capacity_t.get(role)
        q90 = capacity_for_9_in_10(need)
        if fits.size:
            vx, vy = holding_steps(fits, n)
            a.plot(np.r_[0.0, vx, vx[-1] * 1.15], np.r_[0.0, vy, vy[-1]], color=FARM_COLOURS[role], lw=1.5)
        a.axhline(90, color="#999999", lw=0.8, ls=":")
        if np.isfinite(q90):
            a.plot([q90 / 1e3], [90], "o", color="black", ms=4)
            a.annotate(f"{q90 / 1e3:,.0f} kt holds\n9 years of 10", (q90 / 1e3, 90), xytext=(0.55, 0.25),
                       textcoords="axes fraction", fontsize=8, arrowprops={"arrowstyle": "->", "color": "black", "lw": 0.8})
        else:
            a.text(0.5, 0.5, f"no size of this farm is enough in\n{n - fits.size} of {n} years (deferral remains)",
                   ha="center", va="center", transform=a.transAxes, fontsize=9)
        if cap:
            a.axvline(cap / 1e3, color=MARK_COLOURS["capacity"], ls="--", lw=0.9)
            a.annotate(f"scenario's\n{cap / 1e3:,.0f} kt", (cap / 1e3, 98), xytext=(-3, 0), textcoords="offset points",
                       fontsize=8, ha="right", va="top")
        a.set_ylim(0, 102)
        a.set_xlim(left=0)
        a.set_xlabel("Tank farm capacity (kt)")
        a.set_title(f"{s.port_names.get(role, role)}")
    axes[0].set_ylabel("Years it holds (%)")
    return fig


@styled
def convergence(data, ax=None, kpi: str = "delivered_mt_per_year"):
    """Running mean of a KPI with its 95% CI against the number of replications."""
    fig, ax = new_axes(ax, (8.0, 3.2))
    ok = data.ok.sort_values("replication")
    k = catalogue.info(kpi)
    x = ok[kpi].to_numpy(dtype=float)
    sc = k.scale  # to the display unit the axis names (a share in %)
    n = np.arange(1, x.size + 1)
    mean = np.cumsum(x) / n
    with np.errstate(all="ignore"):
        var = (np.cumsum(x * x) - n * mean * mean) / (n - 1)
        hw = _st.t.ppf(0.975, np.maximum(n - 1, 1)) * np.sqrt(np.maximum(var, 0) / n)
    hw[0] = np.nan
    lo, hi = k.clip(sc * (mean - hw), sc * (mean + hw), sc)  # cut at the KPI's limits, as the tables cut it
    ax.fill_between(n, lo, hi, color=BLUE, alpha=0.2, lw=0, label="95% CI of the mean")
    ax.plot(n, sc * mean, color=BLUE, lw=1.4, label="running mean")
    if x.size:
        ax.axhline(sc * mean[-1], color="black", lw=0.8, ls=":", label=f"final mean {k.format(mean[-1])}")
        if x.size > 2:
            lo, hi = sc * np.nanmin((mean - hw)[2:]), sc * np.nanmax((mean + hw)[2:])
            pad = 0.1 * (hi - lo) if hi > lo else abs(sc * mean[-1]) * 0.01 + 1e-9
            ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlim(1, max(x.size, 2))
    ax.set_xlabel("Replications")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # a count: no 2.5 replications
    ax.set_ylabel(f"{k.label} ({k.unit})")
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Has the mean converged?")
    return fig


@styled
def weather_closure(data, ax=None):
    """Share of the year each port was closed to berthing, cargo transfer and unberthing
    (mean over replications, 95% CI as error bars)."""
    fig, ax = new_axes(ax, (8.0, 3.6))
    s = data.scenario
    ops = ["berthing", "transfer", "unberthing"]
    roles = [r for r in ("load", "discharge") if f"{r}_closed_berthing_frac" in data.ok.columns]
    width = 0.8 / len(ops)
    colours = {"berthing": "#7FCDB5", "transfer": "#009E73", "unberthing": "#0072B2"}
    for j, op in enumerate(ops):
        means, lows, highs = [], [], []
        for r in roles:
            k = catalogue.info(f"{r}_closed_{op}_frac")
            st = data.stat(k.name)
            m, h = 100 * (st["mean"] or 0.0), 100 * (st["ci95_halfwidth"] or 0.0)
            lo, hi = k.clip(m - h, m + h, 100.0)  # cut at 0% and 100%: a share of time cannot leave them
            means.append(m)
            lows.append(lo)
            highs.append(hi)
        xs = np.arange(len(roles)) + (j - 1) * width
        yerr = [np.subtract(means, lows), np.subtract(highs, means)]
        ax.bar(xs, means, width, yerr=yerr, color=colours[op], label=catalogue.info(f"{roles[0]}_closed_{op}_frac").label.split(": ", 1)[-1] if roles else op, capsize=2,
               error_kw={"lw": 0.8})
        for xi, m, top in zip(xs, means, highs):
            ax.annotate(f"{m:.1f}%\n{m * s.measured_h / 100:,.0f} h/yr" if abs(s.measured_h - 8760) < 1 else f"{m:.1f}%",
                        (xi, top), xytext=(0, 2), textcoords="offset points", ha="center", fontsize=7.5)
    ax.set_xticks(range(len(roles)), [s.port_names.get(r, r) for r in roles])
    ax.set_ylabel("Time closed (%)")
    ax.set_ylim(0, max(ax.get_ylim()[1], 1.0) * 1.45)  # room for the legend above the bars
    ax.legend(loc="upper left", ncol=3, fontsize=8, frameon=False)
    ax.grid(axis="x", visible=False)
    ax.set_title("Weather closure by port and operation")
    return fig
