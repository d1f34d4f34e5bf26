"""Figures of one run: Gantt charts of berths and tankers, tank levels, cycle times."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..style import (FARM_COLOURS, MARK_COLOURS, STATE_COLOURS, VERMILLION, count_axis, date_axis,
                     finish_over_time, legend_below, new_axes, state_colour, styled)

FARM_LABEL = {"load_tank": "load", "discharge_tank": "discharge", "station_tank": "station"}


def berth_of_calls(v: pd.DataFrame, role: str, berths: int) -> tuple[np.ndarray, bool]:
    """The berth index (0-based) of each call at ``role``'s port, and whether it was recorded.

    Voyage records carry ``load_berth``/``discharge_berth`` when the run wrote them; older
    runs do not, and then each call takes the lowest-numbered berth free at its berthing
    time (the order a harbour master would fill them: a picture of occupancy, not a
    record of which berth)."""
    col = f"{role}_berth"
    if col in v.columns and v[col].notna().all():
        return v[col].to_numpy(dtype=int), True
    start, end = v[f"{role}_berth_h"].to_numpy(), v[f"{role}_depart_h"].to_numpy()
    free_at = np.full(max(berths, 1), -np.inf)
    out = np.zeros(len(v), dtype=int)
    for i in np.argsort(start, kind="stable"):
        free = np.flatnonzero(free_at <= start[i] + 1e-9)
        b = int(free[0]) if free.size else int(np.argmin(free_at))
        out[i] = b
        free_at[b] = end[i]
    return out, False


def _bars(ax, y: float, spans: list[tuple[float, float]], t0: pd.Timestamp, colour: str) -> None:
    if not spans:
        return
    base = mdates.date2num(t0)
    xr = [(base + a / 24.0, (b - a) / 24.0) for a, b in spans if b > a]
    ax.broken_barh(xr, (y - 0.35, 0.7), facecolors=colour, edgecolor="none", zorder=2)


def _shade_disruptions(ax, data, lo, hi, label=True) -> bool:
    shown = False
    for d in data.scenario.disruptions:
        a, b = max(d["start"], lo), min(d["end"], hi)
        if b > a:
            ax.axvspan(a, b, color=MARK_COLOURS["stop"], alpha=0.25, lw=0, zorder=0,
                       label=f"scripted {d['target']} stop" if label and not shown else None)
            shown = True
    return shown


#: How the berth Gantt shades a port closed by weather (tints of the weather colour).
CLOSURE_LOOK = {
    "berthing": {"facecolor": STATE_COLOURS["anchorage_weather"], "alpha": 0.35, "edgecolor": "none"},
    "transfer": {"facecolor": "none", "hatch": "////", "edgecolor": VERMILLION, "linewidth": 0.0, "alpha": 0.55},
}
CLOSURE_LABEL = {"berthing": "weather: port closed to berthing", "transfer": "weather: closed to cargo transfer"}


def closure_spans(data, role: str, operation: str) -> list[tuple[float, float]]:
    """Hours (from the start) ``role``'s port was closed to ``operation`` within the window."""
    c = data.closures
    if c is None or not len(c):
        return []
    lo_h, hi_h = _window_h(data)
    sel = c[(c["port"] == role) & (c["operation"] == operation)]
    return [(max(a, lo_h), min(b, hi_h)) for a, b in zip(sel["start_h"], sel["end_h"]) if b > lo_h and a < hi_h]


def _shade_closures(ax, data, role: str, y0: float, y1: float) -> set[str]:
    """Band the rows ``y0..y1`` of ``role``'s port where weather closed it; the operations shaded."""
    shown = set()
    base = mdates.date2num(data.scenario.start)
    for op, look in CLOSURE_LOOK.items():
        spans = closure_spans(data, role, op)
        if spans:
            ax.broken_barh([(base + a / 24.0, (b - a) / 24.0) for a, b in spans], (y0 - 0.45, y1 - y0 + 0.9),
                           zorder=1 if op == "berthing" else 3, gid=f"closure-{role}-{op}", **look)
            shown.add(op)
    return shown


def _window_h(data) -> tuple[float, float]:
    s = data.scenario
    return ((data.window[0] - s.start) / pd.Timedelta(hours=1), (data.window[1] - s.start) / pd.Timedelta(hours=1))


@styled
def berth_gantt(data, ax=None):
    """Each berth over the window: berthing and preparation, cargo transfer, unberthing."""
    v = data.voyages
    s = data.scenario
    rows: list[tuple[str, str, int]] = [(r, s.port_names.get(r, r), b) for r in ("load", "discharge") for b in range(s.berths.get(r, 0))]
    fig, ax = new_axes(ax, (8.0, 1.0 + 0.38 * max(len(rows), 2)))
    lo_h, hi_h = _window_h(data)
    y_of = {(r, b): len(rows) - 1 - i for i, (r, _, b) in enumerate(rows)}
    if v is not None and len(v):
        for role in ("load", "discharge"):
            if role not in s.berths:
                continue
            berth, _ = berth_of_calls(v, role, s.berths[role])
            cols = [(f"{role}_berth_h", f"{role}_start_h", "berthing"), (f"{role}_start_h", f"{role}_end_h", "transferring"),
                    (f"{role}_end_h", f"{role}_depart_h", "unberthing")]
            for b in range(s.berths[role]):
                sel = v[berth == b]
                for a, e, state in cols:
                    spans = [(max(x, lo_h), min(y, hi_h)) for x, y in zip(sel[a], sel[e]) if y > lo_h and x < hi_h]
                    _bars(ax, y_of[(role, b)], spans, s.start, state_colour(state))
    ax.set_yticks([y_of[(r, b)] for r, _, b in rows], [f"{n}, berth {b + 1}" for _, n, b in rows])
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(*data.window)
    ax.grid(axis="y", visible=False)
    closed: set[str] = set()
    for role in s.berths:
        ys = [y for (r, _), y in y_of.items() if r == role]
        if ys:
            closed |= _shade_closures(ax, data, role, min(ys), max(ys))
    stop = _shade_disruptions(ax, data, *data.window)
    date_axis(ax)
    ax.set_xlabel(f"Date ({data.window[0]:%d %b %Y} to {data.window[1]:%d %b %Y})")
    handles = [Patch(color=state_colour("berthing"), label="alongside, not pumping (berthing, formalities, waits, unberthing)"),
               Patch(color=state_colour("transferring"), label="cargo transfer")]
    handles += [Patch(label=CLOSURE_LABEL[op], **CLOSURE_LOOK[op]) for op in CLOSURE_LOOK if op in closed]
    if stop:
        handles.append(Patch(color=MARK_COLOURS["stop"], alpha=0.3, label="scripted stop"))
    legend_below(ax, handles, ncol=len(handles) if len(handles) < 3 else 2)
    ax.set_title("Berths: who is alongside, doing what")
    return fig


def tanker_spans(v: pd.DataFrame) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Per tanker, per state, the (start_h, end_h) spans its voyage records show."""
    out: dict[str, dict[str, list]] = {}
    for name, g in v.sort_values(["tanker", "voyage"]).groupby("tanker", sort=False):
        d: dict[str, list] = {}
        prev_depart = None
        for r in g.itertuples(index=False):
            if prev_depart is not None:
                d.setdefault("sailing_ballast", []).append((prev_depart, r.load_arrive_h))
            d.setdefault("queueing", []).append((r.load_arrive_h, r.load_berth_h))
            d.setdefault("berthing", []).append((r.load_berth_h, r.load_start_h))
            d.setdefault("transferring", []).append((r.load_start_h, r.load_end_h))
            d.setdefault("berthing", []).append((r.load_end_h, r.load_depart_h))
            d.setdefault("sailing_laden", []).append((r.load_depart_h, r.discharge_arrive_h))
            d.setdefault("queueing", []).append((r.discharge_arrive_h, r.discharge_berth_h))
            d.setdefault("berthing", []).append((r.discharge_berth_h, r.discharge_start_h))
            d.setdefault("transferring", []).append((r.discharge_start_h, r.discharge_end_h))
            d.setdefault("berthing", []).append((r.discharge_end_h, r.discharge_depart_h))
            prev_depart = r.discharge_depart_h
        out[str(name)] = d
    return out


@styled
def tanker_gantt(data, ax=None):
    """Each tanker over the window: sailing laden and in ballast, queueing, alongside."""
    v = data.voyages
    names = sorted(v["tanker"].astype(str).unique(), key=lambda x: (len(x), x)) if v is not None and len(v) else []
    fig, ax = new_axes(ax, (8.0, 1.2 + 0.32 * max(len(names), 2)))
    lo_h, hi_h = _window_h(data)
    spans = tanker_spans(v) if names else {}
    order = ["sailing_ballast", "queueing", "berthing", "transferring", "sailing_laden"]
    for i, n in enumerate(names):
        y = len(names) - 1 - i
        for state in order:
            sp = [(max(a, lo_h), min(b, hi_h)) for a, b in spans[n].get(state, []) if b > lo_h and a < hi_h]
            _bars(ax, y, sp, data.scenario.start, state_colour(state))
    ax.set_yticks(range(len(names))[::-1], names)
    ax.set_ylim(-0.6, max(len(names), 1) - 0.4)
    ax.set_xlim(*data.window)
    ax.grid(axis="y", visible=False)
    stop = _shade_disruptions(ax, data, *data.window)
    date_axis(ax)
    ax.set_xlabel(f"Date ({data.window[0]:%d %b %Y} to {data.window[1]:%d %b %Y})")
    labels = {"sailing_laden": "sailing laden", "sailing_ballast": "in ballast", "queueing": "waiting for a berth",
              "berthing": "alongside, not pumping", "transferring": "loading or discharging"}
    handles = [Patch(color=state_colour(s), label=labels[s]) for s in ["sailing_laden", "sailing_ballast", "queueing", "berthing", "transferring"]]
    if stop:
        handles.append(Patch(color=MARK_COLOURS["stop"], alpha=0.3, label="scripted stop"))
    legend_below(ax, handles, ncol=3 if len(handles) > 5 else len(handles))
    ax.set_title("Tankers: where each ship is")
    return fig


def full_spans(t_h: np.ndarray, level: np.ndarray, cap: float) -> list[tuple[float, float]]:
    """Spans of simulation hours during which a farm sat at capacity (inflow curtailed)."""
    tol = 1e-6 * cap
    full = (level[1:] >= cap - tol) & (level[:-1] >= cap - tol)
    spans, start = [], None
    for i, f in enumerate(full):
        if f and start is None:
            start = t_h[i]
        elif not f and start is not None:
            spans.append((start, t_h[i]))
            start = None
    if start is not None:
        spans.append((start, t_h[-1]))
    return spans


@styled
def tank_levels(data, ax=None):
    """Level of each tank farm over the run, capacity dashed, time full shaded (deferral)."""
    fig, ax = new_axes(ax, (8.0, 3.6))
    s = data.scenario
    lv = data.levels
    marked = False
    caps = {FARM_LABEL[t]: s.capacity_t.get(FARM_LABEL[t]) for t in lv["tank"].unique() if t in FARM_LABEL}
    same = len(set(caps.values())) == 1 and len(caps) > 1
    for tank, g in lv.groupby("tank", sort=False):
        role = FARM_LABEL.get(tank)
        if role is None:
            continue
        colour = FARM_COLOURS[role]
        t, y = g["t_h"].to_numpy(), g["level_t"].to_numpy()
        name = s.port_names.get(role, "rail loading station") if role != "station" else "rail loading station"
        ax.plot(g["time"], y / 1e3, color=colour, lw=1.0, label=f"{name} ({role} farm)")
        cap = s.capacity_t.get(role)
        if cap:
            line = MARK_COLOURS["capacity"] if same else colour
            if not (same and role != next(iter(caps))):  # one line when the farms share a capacity
                ax.axhline(cap / 1e3, color=line, ls="--", lw=0.9,
                           label=f"capacity {cap / 1e3:,.0f} kt" + (" (each farm)" if same else f" ({role} farm)"))
            if role in ("load", "station"):
                for a, b in full_spans(t, y, cap):
                    ax.axvspan(s.time(a), s.time(max(b, a + 6.0)), color=MARK_COLOURS["deferral"], alpha=0.25, lw=0,
                               label=None if marked else "full: production deferred")
                    marked = True
            else:  # the receiving farm at zero: the pipeline offtake goes short
                for k, (a, b) in enumerate(full_spans(t, cap - y, cap)):
                    ax.axvspan(s.time(a), s.time(max(b, a + 6.0)), ymax=0.05, color=MARK_COLOURS["shortfall"], lw=0,
                               label=None if k else "empty: offtake short")
    _shade_disruptions(ax, data, s.start, s.end)
    if s.has_tankers and (data.window[0], data.window[1]) != (s.start, s.end):
        ax.axvspan(*data.window, color="#56B4E9", alpha=0.08, lw=0, label="window of the Gantt charts")
    finish_over_time(ax, s.start, s.end, max(s.capacity_t.values(), default=1.0) / 1e3, "Tank farm level (kt)",
                     "Tank farm levels")
    return fig


def cycle_times_h(v: pd.DataFrame) -> np.ndarray:
    """Round-trip times (h): from one arrival at the load port to the same ship's next."""
    out = []
    for _, g in v.sort_values(["tanker", "voyage"]).groupby("tanker"):
        a = g["load_arrive_h"].to_numpy()
        out.append(np.diff(a))
    return np.concatenate(out) if out else np.zeros(0)


@styled
def cycle_time_histogram(data, ax=None):
    """Distribution of round-trip times over the run, mean and median marked."""
    fig, ax = new_axes(ax, (8.0, 3.2))
    c = cycle_times_h(data.voyages) / 24.0 if data.voyages is not None else np.zeros(0)
    if c.size:
        # the bulk of the trips sets the scale; the few held by dry dock or long repairs are counted, not drawn
        hi = float(np.percentile(c, 97)) * 1.15 if c.size >= 20 else float(c.max())
        long_ = int(np.sum(c > hi))
        ax.hist(c[c <= hi], bins=min(40, max(8, int(np.sqrt(c.size)) * 2)), color=state_colour("sailing_ballast"),
                edgecolor="white")
        if long_:
            ax.annotate(f"{long_} longer trip{'s' if long_ > 1 else ''} (up to {c.max():.0f} d: dry dock, repairs) not drawn",
                        (0.99, 0.74), xycoords="axes fraction", ha="right", fontsize=8, color="#555555")
        for x, lab, ls in ((c.mean(), f"mean {c.mean():.1f} d", "-"), (np.median(c), f"median {np.median(c):.1f} d", "--")):
            ax.axvline(x, color="black", ls=ls, lw=1, label=lab)
        ax.legend(loc="upper right")
    else:
        ax.text(0.5, 0.5, "no ship completed two voyages", transform=ax.transAxes, ha="center")
    ax.set_xlabel("Round trip, load-port arrival to next arrival (days)")
    count_axis(ax, "Round trips (count)")
    ax.set_title("Round-trip times")
    return fig
