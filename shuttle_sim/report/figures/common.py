"""Figures shared by runs and studies: time budgets and berth occupancy from KPI means."""

from __future__ import annotations

import numpy as np

from ... import kpis as catalogue
from ..style import legend_below, new_axes, state_colour, styled


def shares(kpi_means: dict[str, float], pattern: str, **params) -> dict[str, float]:
    """``{state: mean fraction}`` of the KPIs matching a catalogue ``pattern`` (e.g.
    ``'tanker_{state}_frac'``) and ``params`` (e.g. ``role='load'``), in the given order.
    Each state's words (the catalogue label after its ``'Subject: '``) are kept for legends."""
    out = {}
    for name, v in kpi_means.items():
        if not catalogue.known(name):
            continue
        k = catalogue.info(name)
        if k.pattern == pattern and all(k.params.get(a) == b for a, b in params.items()) and v is not None:
            out[k.params["state"]] = float(v)
            _WORDS.setdefault(k.params["state"], k.label.split(": ", 1)[-1])
    return out


_WORDS: dict[str, str] = {}  # state -> its words in the catalogue's labels (the same for every subject)


def _words(state: str) -> str:
    return _WORDS.get(state, state.replace("_", " "))


def stacked_bars(ax, rows: dict[str, dict[str, float]], xlabel: str = "Share of time (%)") -> None:
    """Horizontal 100% bars, one per row label, states in fixed colours, a legend below."""
    labels = list(rows)
    states: list[str] = []
    for r in rows.values():
        states += [s for s in r if s not in states]
    y = np.arange(len(labels))[::-1]
    left = np.zeros(len(labels))
    for s in states:
        w = np.array([100.0 * rows[lab].get(s, 0.0) for lab in labels])
        if not np.any(w > 0.05):
            continue
        ax.barh(y, w, left=left, color=state_colour(s), edgecolor="white", linewidth=0.5, label=_words(s), height=0.6)
        for yi, li, wi in zip(y, left, w):
            if wi >= 6:
                dark = state_colour(s) in ("#000000", "#0072B2", "#555555", "#D55E00", "#009E73")
                ax.text(li + wi / 2, yi, f"{wi:.0f}%", ha="center", va="center", fontsize=8,
                        color="white" if dark else "black")
        left += w
    ax.set_yticks(y, labels)
    ax.set_xlim(0, 100)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", visible=False)
    n = len([s for s in states if any(rows[lab].get(s, 0) * 100 > 0.05 for lab in labels)])
    long_words = max((len(_words(s)) for s in states), default=0) > 24  # five long labels overflow the figure
    legend_below(ax, ncol=min(n, 3 if long_words else 5))


@styled
def tanker_budget(data, ax=None):
    """Where the fleet's time goes: the tanker time budget (mean over replications)."""
    k = _means(data)
    fig, ax = new_axes(ax, (8.0, 2.6))
    rows = {"All tankers": shares(k, "tanker_{state}_frac")}
    stacked_bars(ax, rows, "Share of fleet time (%)")
    ax.set_title("Tanker time budget")
    return fig


@styled
def berth_occupancy(data, ax=None):
    """Berth time by state at each port (mean over replications)."""
    k = _means(data)
    fig, ax = new_axes(ax, (8.0, 3.0))
    names = data.scenario.port_names
    rows = {}
    for role in ("load", "discharge"):
        s = shares(k, "{role}_berth_{state}_frac", role=role)
        if s:
            rows[f"{names.get(role, role)}\n({data.scenario.berths.get(role, '?')} berths)"] = s
    stacked_bars(ax, rows, "Share of berth time (%)")
    ax.set_title("Berth occupancy by state")
    return fig


@styled
def ferry_budget(data, ax=None):
    """Where the ferries' time goes (mean over replications)."""
    k = _means(data)
    fig, ax = new_axes(ax, (8.0, 2.6))
    stacked_bars(ax, {"All ferries": shares(k, "ferry_{state}_frac")}, "Share of ferry time (%)")
    ax.set_title("Ferry time budget")
    return fig


def _means(data) -> dict[str, float]:
    """KPI means: a run's values, a study's means over replications that ran."""
    if data.kind == "run":
        return data.kpis
    ok = data.ok
    return {n: float(ok[n].mean()) for n in data.kpi_names if len(ok)}
