"""Figures of a sweep over design factors: KPIs against factors, the target estimate over
two factors, cost against throughput (Pareto front), cost breakdown, marginal values.

Reads :class:`shuttle_sim.report.sweep_data.SweepData` only (its docstring gives the directory
shape: ``<kpi>.mean``, ``<kpi>.ci95`` ..., ``target.<kpi>.{verdict,estimate,low,high}``).
Where a sweep has more factors than a figure has axes, the others are held at the
recommended cell's levels (or the cheapest cell's, when no cell is feasible).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd

from ... import kpis as catalogue
from ..sweep_tables import (SWEEP_KPIS, VERDICT_WORDS, anchor, best_cells, cell_label, cost_items, display_scale,
                            factor_label, is_numeric, judged_on_quantile, kpi_words, short_number, slice_along,
                            settings_words, statistic_words, target_kpi, target_words)
from ..style import (BLUE, COST_COLOURS, MARK_COLOURS, OKABE_ITO, VERMILLION, YELLOW, legend_below, new_axes, new_figure,
                     styled)

_SHORT = {"delivered_mt_per_year": "Delivered", "deferred_t": "Deferred", "total_annual_cost_usd": "Annual cost"}


def condition_anchors(data) -> list[tuple[dict, pd.Series]]:
    """``(condition {factor: level}, its anchor cell)`` for each answer: the cell it
    recommends, or its nearest one; one ``({}, anchor)`` for a sweep without conditions."""
    c = data.cells
    out = []
    if data.conditions:
        for a in data.answers:
            cell = (a.get("best") if a.get("feasible") else None) or a.get("nearest") or {}
            name = cell.get("name")
            if name is not None and (c["cell"] == name).any():
                out.append((dict(a.get("condition") or {}), c[c["cell"] == name].iloc[0]))
    return out or [({}, anchor(data))]


#: line styles of the cost model's own conditions (``costs.`` factors: a valuation of deferred
#: production ...), which change costs but no simulated KPI
_DASHES = ("-", "--", ":", "-.")
#: colours of the simulated conditions: Okabe-Ito without the target's vermillion, yellow
#: (faint on white) last
_CONDITION_COLOURS = tuple(c for c in OKABE_ITO if c not in (VERMILLION, YELLOW)) + (YELLOW,)


def condition_styles(data, conditions: list[dict]) -> tuple[list[tuple[str, str]], list, list[str]]:
    """How Figure 1 draws each condition: its colour says the simulated condition (a
    disruption ...), its line style the cost model's (factors under ``costs.``), so that
    conditions that differ in valuation only, and so share every simulated KPI, read as one
    colour.  Returns each condition's ``(colour, line style)``, the legend handles and
    their labels."""
    from matplotlib.lines import Line2D

    costs = [f for f in data.conditions if f.startswith(data.COST_PREFIX)]
    sims = [f for f in data.conditions if f not in costs]
    key = lambda cond, fs: tuple(repr(cond.get(f)) for f in fs)  # noqa: E731 (levels may be lists)
    sim_keys = list(dict.fromkeys(key(c, sims) for c in conditions))
    cost_keys = list(dict.fromkeys(key(c, costs) for c in conditions))
    one = len(sim_keys) == 1
    styles = [(BLUE if one else _CONDITION_COLOURS[sim_keys.index(key(c, sims)) % len(_CONDITION_COLOURS)],
               _DASHES[cost_keys.index(key(c, costs)) % len(_DASHES)]) for c in conditions]
    handles, labels = [], []
    if sims and not one:
        for k in sim_keys:
            i = [key(c, sims) for c in conditions].index(k)
            handles.append(Line2D([], [], color=styles[i][0], marker="o", ms=3.5, lw=1.2))
            labels.append(settings_words(data, {f: conditions[i][f] for f in sims if f in conditions[i]}))
    if costs and len(cost_keys) > 1:
        for k in cost_keys:
            i = [key(c, costs) for c in conditions].index(k)
            handles.append(Line2D([], [], color="#555555", ls=styles[i][1], lw=1.2))
            labels.append(settings_words(data, {f: conditions[i][f] for f in costs if f in conditions[i]}))
    return styles, handles, labels


@styled
def kpis_vs_factors(data, ax=None):
    """Each headline KPI (rows) against each numeric design factor (columns): mean and 95%
    CI band, the other factors at the recommended cell; with conditions, one line for each
    condition, the others at that condition's recommended (or nearest) cell: a colour for
    each simulated condition, a line style for each of the cost model's (a line that a
    simulated KPI draws twice, for two valuations, is drawn once)."""
    names = [n for n in SWEEP_KPIS if f"{n}.mean" in data.cells]
    facs = [f for f in data.design_factors if is_numeric(data, f)][:4]
    lines = condition_anchors(data)
    styles, handles, labels = condition_styles(data, [c for c, _ in lines])
    free = tuple(c for c in data.conditions if c.startswith(data.COST_PREFIX))
    if ax is None:
        fig = new_figure((max(3.0 * len(facs), 6.0), 2.0 * len(names) + 0.8 + 0.25 * len(handles)))
        axes = fig.subplots(len(names), max(len(facs), 1), sharex="col", squeeze=False)
    else:
        axes = np.asarray(ax).reshape(len(names), len(facs))
        fig = axes.flat[0].figure
    if not facs:
        for a in axes.flat:
            a.set_axis_off()
        axes[0, 0].text(0.5, 0.5, "no numeric design factor to plot against", ha="center", transform=axes[0, 0].transAxes)
        return fig
    for i, n in enumerate(names):
        scale, unit = display_scale(n)
        tgt = data.target_of(n)
        simulated = catalogue.info(n).group != "costs"  # the same whatever the valuation
        for j, f in enumerate(facs):
            a = axes[i, j]
            drawn: list[tuple[str, bytes, bytes]] = []
            for (_, at), (colour, dash) in zip(lines, styles):
                sl = slice_along(data, f, at, free if simulated else ())
                x = sl[f].to_numpy(dtype=float)
                m = sl[f"{n}.mean"].to_numpy(dtype=float) * scale
                hw = sl[f"{n}.ci95"].fillna(0).to_numpy(dtype=float) * scale if f"{n}.ci95" in sl else 0 * m
                seen = (colour, x.tobytes(), m.tobytes())
                if simulated and seen in drawn:
                    continue  # another valuation of the same simulated line: drawn already
                drawn.append(seen)
                lo, hi = catalogue.info(n).clip(m - hw, m + hw, scale)  # never values the KPI cannot take
                a.fill_between(x, lo, hi, color=colour, alpha=0.2, lw=0)
                a.plot(x, m, marker="o", ls=dash, color=colour, ms=3.5, lw=1.2)
                if judged_on_quantile(tgt) and f"target.{n}.estimate" in sl:
                    # the target is judged on this quantile, not on the mean above it
                    q = sl[f"target.{n}.estimate"].to_numpy(dtype=float) * scale
                    a.plot(x, q, marker="o", mfc="white", ls=":", color=colour, ms=3.5, lw=1)
            if tgt is not None:
                a.axhline(tgt["threshold"] * scale, color=MARK_COLOURS["target"], lw=1, ls="--")
            _from_zero_if_near(a, catalogue.info(n).bounds[0])
            if i == len(names) - 1:
                a.set_xlabel(factor_label(f))
            if j == 0:
                a.set_ylabel(f"{_SHORT[n]} ({unit})")
            levels = np.unique(data.cells[f].to_numpy(dtype=float))
            a.set_xticks(levels, [data.level(f, v) for v in levels])
    targets = {n: data.target_of(n) for n in names if data.target_of(n) is not None}
    quantiles = {n: t for n, t in targets.items() if judged_on_quantile(t)}
    if targets and (handles or quantiles):
        from matplotlib.lines import Line2D

        if quantiles:
            colour = BLUE if len(handles) == 0 else "#555555"
            handles[:0] = [Line2D([], [], color=colour, marker="o", ms=3.5, lw=1.2),
                           Line2D([], [], color=colour, marker="o", mfc="white", ms=3.5, ls=":", lw=1)]
            labels[:0] = ["mean, with its 95% CI", " and ".join(f"{kpi_words(n)}: {statistic_words(t)} (what the target "
                                                                  f"judges)" for n, t in quantiles.items())]
        handles.append(Line2D([], [], color=MARK_COLOURS["target"], ls="--", lw=1))
        labels.append("; ".join(f"target: {target_words(t, n)}" for n, t in targets.items()))
    if handles:
        fig.legend(handles, [textwrap.shorten(t, 70) for t in labels], loc="outside lower center", ncol=1, fontsize=8)
    return fig


def _from_zero_if_near(a, lowest: float) -> None:
    """Start a panel's y axis at zero when the KPI cannot go below zero and its values
    span more than half the axis's top anyway (deferral from 20 to 115 kt): cut off there,
    a value a fifth of another would look a tenth of it.  A panel whose values sit in a
    narrow band far from zero (throughput, cost) keeps its zoom: the differences between
    designs are what it shows, and its ticks give the values."""
    lo, hi = a.get_ylim()
    if lowest == 0.0 and 0.0 < lo < 0.5 * hi:
        a.set_ylim(0.0, hi)


def _target_grid(data, kpi: str):
    f1, f2 = [f for f in data.design_factors if is_numeric(data, f)][:2]
    a = anchor(data)
    m = pd.Series(True, index=data.cells.index)
    for f in data.factors:
        if f not in (f1, f2):
            m &= data.cells[f] == a[f]
    sub = data.cells[m]
    sk = data.skipped
    if len(sk):
        keep = pd.Series(True, index=sk.index)
        for f in data.factors:
            if f not in (f1, f2):
                keep &= sk[f] == a[f]
        sk = sk[keep]
    lv1 = sorted(set(sub[f1]) | set(sk.get(f1, [])))
    lv2 = sorted(set(sub[f2]) | set(sk.get(f2, [])), reverse=True)
    est = pd.DataFrame(np.nan, index=lv2, columns=lv1)
    ver = pd.DataFrame("", index=lv2, columns=lv1, dtype=object)
    for _, r in sub.iterrows():
        est.loc[r[f2], r[f1]] = r[f"target.{kpi}.estimate"]
        verdict = VERDICT_WORDS.get(str(r[f"target.{kpi}.verdict"]), str(r[f"target.{kpi}.verdict"]))
        n = r.get("replications")
        ver.loc[r[f2], r[f1]] = verdict + (f" (n={int(n)})" if pd.notna(n) else "")
    for _, r in sk.iterrows():
        why = str(r.get("inferred", ""))
        # the square has room for the inference, not its reason (the caption gives that)
        ver.loc[r[f2], r[f1]] = "not run:\n" + ("inferred " + why.split(" (")[0] if why not in ("", "nan") else "skipped")
    return f1, f2, est, ver


@styled
def target_heatmap(data, ax=None):
    """The first target's estimate over the first two numeric design factors (others at the
    anchor), each square labelled with its verdict: met, missed or open."""
    fig, ax = new_axes(ax, (7.0, 4.2))
    kpi = target_kpi(data)
    if kpi is None or len([f for f in data.design_factors if is_numeric(data, f)]) < 2:
        ax.text(0.5, 0.5, "needs two numeric design factors and a target", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    f1, f2, est, ver = _target_grid(data, kpi)
    k = catalogue.info(kpi) if catalogue.known(kpi) else None
    scale = k.scale if k else 1.0
    v = est.to_numpy(dtype=float) * scale
    t = data.target_of(kpi)
    thr = t["threshold"] * scale if t else np.nanmedian(v)
    span = np.nanmax(np.abs(v - thr)) if np.isfinite(v).any() else 1.0
    im = ax.imshow(v, cmap="PuOr", vmin=thr - span, vmax=thr + span, aspect="auto")
    ax.set_xticks(range(est.shape[1]), [data.level(f1, x) for x in est.columns])
    ax.set_yticks(range(est.shape[0]), [data.level(f2, x) for x in est.index])
    for (r, c), val in np.ndenumerate(v):
        vd = ver.iat[r, c]
        if np.isfinite(val):
            dark = abs(val - thr) > 0.6 * span
            ax.text(c, r, f"{short_number(val)}\n{vd}", ha="center", va="center", fontsize=8,
                    color="white" if dark else "black", fontweight="bold" if vd.startswith("met") else "normal")
        elif vd:
            ax.text(c, r, vd.replace(" (", "\n("), ha="center", va="center", fontsize=7, color="#555555")
    ax.set_xlabel(factor_label(f1))
    ax.set_ylabel(factor_label(f2))
    ax.grid(False)
    unit = f" ({k.unit})" if k else ""
    fig.colorbar(im, ax=ax, label=f"{statistic_words(t)}{unit}")
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
    """Annual cost against throughput: feasible cells filled, the Pareto front, the choice.
    With conditions, each condition's cells and front in that condition's colour and line
    style (as Figure 1): a front joins designs that can be chosen between, so it never joins
    a cell of one disruption to a cell of another."""
    fig, ax = new_axes(ax, (8.0, 4.0 + 0.2 * len(data.conditions)))
    c = data.cells
    if "total_annual_cost_usd.mean" not in c or "delivered_mt_per_year.mean" not in c:
        ax.text(0.5, 0.5, "no costs in cells.csv", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    x = c["delivered_mt_per_year.mean"].to_numpy(dtype=float)
    y = c["total_annual_cost_usd.mean"].to_numpy(dtype=float) / 1e6
    ok = data.feasible().to_numpy()
    groups = condition_anchors(data)
    styles, handles, labels = condition_styles(data, [g for g, _ in groups])
    for (_, at), (colour, dash) in zip(groups, styles):
        mine = np.ones(len(c), dtype=bool)  # the cells of this condition (all, without conditions)
        for f in data.conditions:
            mine &= (c[f] == at[f]).to_numpy()
        i = np.flatnonzero(mine)
        ax.scatter(x[i[~ok[i]]], y[i[~ok[i]]], facecolors="none", edgecolors=colour, s=24, zorder=3)
        ax.scatter(x[i[ok[i]]], y[i[ok[i]]], color=colour, s=24, zorder=3)
        fr = i[pareto(x[i], y[i])]
        fr = fr[np.argsort(x[fr])]
        ax.plot(x[fr], y[fr], color=colour if data.conditions else "black", ls=dash, lw=1, zorder=2)
    from matplotlib.lines import Line2D

    grey = "#555555" if data.conditions else BLUE
    handles += [Line2D([], [], ls="", marker="o", color=grey, ms=5),
                Line2D([], [], ls="", marker="o", mfc="none", mec=grey, ms=5),
                Line2D([], [], color="#555555" if data.conditions else "black", lw=1)]
    labels += ["meets every target", "fails a target (or not shown to meet it)",
               "Pareto front" + (" of each condition" if data.conditions else "")]
    names = c["cell"].to_numpy()
    for n in sorted(data.chosen()):
        i = int(np.flatnonzero(names == n)[0])
        ax.plot(x[i], y[i], "*", color=MARK_COLOURS["target"], ms=15, mec="black", mew=0.5, zorder=4)
    if data.chosen():
        handles.append(Line2D([], [], ls="", marker="*", color=MARK_COLOURS["target"], mec="black", mew=0.5, ms=12))
        labels.append("recommended" + (" (one per condition)" if len(data.chosen()) > 1 else ""))
    t = data.target_of("delivered_mt_per_year")
    if t is not None and not judged_on_quantile(t):
        ax.axvline(t["threshold"], color=MARK_COLOURS["target"], lw=1, ls="--")
        handles.append(Line2D([], [], color=MARK_COLOURS["target"], lw=1, ls="--"))
        labels.append("throughput target")
    # a target judged on a quantile has no place on an axis of means: a cell right of it can
    # still miss it (filled or hollow says which)
    ax.set_xlabel("Delivered, mean (Mt/yr)")
    ax.set_ylabel("Total annual cost (million USD/yr)")
    fig.legend(handles, [textwrap.shorten(t, 70) for t in labels], loc="outside lower center",
               ncol=1 if data.conditions else 3, fontsize=8)
    return fig


@styled
def cost_breakdown(data, ax=None):
    """Annual cost by item of the cheapest cells that meet the targets (items that are zero
    in all of them left out)."""
    b = best_cells(data)
    labels = [textwrap.fill(cell_label(data, r), 34, break_on_hyphens=False)  # a long label would squeeze the bars
              for _, r in b.iterrows()]
    fig, ax = new_axes(ax, (8.0, max(3.6, 1.6 + 0.3 * sum(lb.count("\n") + 1 for lb in labels))))
    items = [it for it in cost_items(data) if (b[f"{it}.mean"].fillna(0).abs() > 0).any()]
    if not items or not len(b):
        ax.text(0.5, 0.5, "no cost items in cells.csv", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    left = np.zeros(len(b))
    neg = np.zeros(len(b))
    for k, it in enumerate(items):
        w = b[f"{it}.mean"].fillna(0).to_numpy(dtype=float) / 1e6
        base = np.where(w >= 0, left, neg)
        name = catalogue.info(it).label.replace("Cost: ", "") if catalogue.known(it) else it
        colour = COST_COLOURS.get(it[len("cost_"):-len("_usd_per_year")], OKABE_ITO[k % len(OKABE_ITO)])
        ax.barh(labels[::-1], w[::-1], left=base[::-1], color=colour, label=name,
                edgecolor="white")
        left += np.where(w >= 0, w, 0)
        neg += np.where(w < 0, w, 0)
    ax.axvline(0, color="black", lw=0.6)
    ax.set_xlabel("Annual cost (million USD/yr)")
    legend_below(ax, ncol=min(len(items), 4))
    ax.grid(axis="y", visible=False)
    return fig


