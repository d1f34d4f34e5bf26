"""Warm-up: KPIs measured over [warm-up, horizon] instead of [0, horizon].

A scenario with ``warmup: W`` is simulated twice from the same streams: one world run to
W and one to the horizon H.  Both draw the same timelines (they are built for the same
horizon) and the simulation is deterministic, so the first is exactly the second's state
at W, with every account closed there by the components' own ``close``: nothing has to
read a ship's or a berth's half-charged clock.  This costs W / H more run time.

Each KPI is then combined by its kind (:func:`shuttle_sim.kpis.window_kind`): totals are
differences, time-weighted means are re-weighted to the window (so KPIs that annualise
divide by H - W), extremes and per-event means are recomputed from the later run's
traces and records of the window, and states are the later run's.  Oil balance over the
window::

    supply_accepted_t = offtake_t + load_stock_change_t + discharge_stock_change_t
                        + on_board_end_t - on_board_start_t
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np

from . import kpis as _kpis
from .results import Result

if TYPE_CHECKING:  # pragma: no cover
    from .model import World


def measured(early: Result, late: Result, w_early: "World", w_late: "World", warmup_h: float) -> Result:
    """``late``'s result with every KPI and tanker budget measured over [warmup_h, horizon],
    and the voyages and ferry crossings completed (or begun) in that window; the level
    traces still cover the whole run.

    Parameters
    ----------
    early, late : Result
        The results of the worlds run to ``warmup_h`` and to the horizon.
    w_early, w_late : World
        Those worlds (for the records a window is cut from: waits, crossings).
    warmup_h : float
    """
    H, W = late.horizon_h, warmup_h
    span = H - W
    out: dict[str, float] = {}
    for name, v in late.kpis.items():
        kind = _kpis.window_kind(name)
        a = early.kpis.get(name, 0.0)
        if kind == "total":
            out[name] = v - a
        elif kind == "time_mean":
            out[name] = (v * H - a * W) / span
        elif kind == "state":
            out[name] = v
        else:
            out[name] = _recomputed(name, late, w_early, w_late, W)
        if name == "on_board_end_t":
            out["on_board_start_t"] = early.kpis["on_board_end_t"]
    tankers = [
        {k: (x - e[k] if isinstance(x, (int, float)) and not isinstance(x, bool) else x) for k, x in rec.items()}
        for rec, e in zip(late.tankers, early.tankers)
    ]
    return dataclasses.replace(late, kpis=out, tankers=tankers, warmup_h=W, voyages=late.voyages[len(early.voyages):],
                               ferry_trips=late.ferry_trips[len(early.ferry_trips):])


def _recomputed(name: str, late: Result, w_early: "World", w_late: "World", W: float) -> float:
    """An extreme or a per-event mean over the window, from ``late``'s own records."""
    k = _kpis.info(name)
    p = k.pattern
    if p == "{role}_tank_level_{stat}_t":
        t, y = late.traces[f"{k.params['role']}_tank"]
        inside = y[t > W]
        window = np.concatenate(([np.interp(W, t, y)], inside))
        return float(window.min() if k.params["stat"] == "min" else window.max())
    if p in ("{role}_queue_wait_mean_h", "{role}_queue_wait_max_h", "{role}_anchorage_wait_mean_h",
             "{role}_anchorage_wait_max_h"):
        role = k.params["role"]
        attr = "queue_waits_h" if "queue" in p else "dispatch_waits_h"
        n0 = len(getattr(getattr(w_early, role), attr))
        waits = getattr(getattr(w_late, role), attr)[n0:]
        if not waits:
            return 0.0
        return float(np.mean(waits) if p.endswith("mean_h") else np.max(waits))
    if p == "yard_wagons_max":
        t, n = late.traces["yard_wagons"]
        before = n[t <= W]
        window = np.concatenate((before[-1:], n[t > W]))
        return float(window.max())
    if p == "ferry_load_factor":
        trips = late.ferry_trips[len(w_early.ferry.trip_records):]
        cap = w_late.scenario.ferry.ferries.capacity_wagons
        return float(np.mean([r.wagons + r.other_wagons for r in trips])) / cap if trips else 0.0
    raise KeyError(f"{name!r}: no window rule for its kind {_kpis.window_kind(name)!r} (shuttle_sim/window.py)")


def check_warmup(warmup_h: float, horizon_h: float) -> None:
    """A warm-up must leave a measured period."""
    if not (0.0 <= warmup_h < horizon_h) or math.isnan(warmup_h):
        raise ValueError(f"expected a warm-up in [0, horizon {horizon_h:g} h), found {warmup_h:g} h")


def suggest_warmup(scenario, replications: int = 10, seed: int = 0, horizon_h: float | None = None) -> dict[str, float]:
    """MSER-5 warm-up (hours) for a study of ``scenario``.

    Runs ``replications`` pilot replications without warm-up, averages each daily series
    across them (every tank farm's level at 00:00; tanker deliveries per day), and
    truncates each by MSER-5 (:func:`shuttle_sim.stats.mser`, capped at half the run).
    Returns the truncation of each series and their largest, ``warmup_h``: a value to
    write as the scenario's ``warmup:``.  Averaging over replications first is the usual
    way to use MSER with replications: it removes most of the noise that would otherwise
    hide the transient.
    """
    from .config.loader import scenario_from_dict
    from .config.schema import resolved_dict
    from .model import simulate
    from .stats import mser, sample_trace

    d = resolved_dict(scenario)
    d["warmup"] = "0 h"
    pilot = scenario_from_dict(d)
    h = pilot.horizon_h if horizon_h is None else float(horizon_h)
    days = np.arange(0.0, h, 24.0)
    series: dict[str, list[np.ndarray]] = {}
    for r in range(replications):
        res = simulate(pilot, seed=seed, replication=r, horizon_h=h)
        for key, (t, y) in res.traces.items():
            if key.endswith("_tank"):
                series.setdefault(key, []).append(sample_trace(t, y, days))
        if res.voyages:
            per_day = np.zeros(days.size)
            for v in res.voyages:
                i = int(v.discharge_end_h // 24.0)
                if i < per_day.size:
                    per_day[i] += v.cargo_t
            series.setdefault("delivered", []).append(per_day)
    out = {k: 24.0 * mser(np.mean(v, axis=0)) for k, v in series.items()}
    out["warmup_h"] = max(out.values(), default=0.0)
    return out


def with_warmup(scenario, warmup_h: float, horizon_h: float | None = None, source: str = "--warmup"):
    """``scenario`` with its ``warmup`` set to ``warmup_h`` (and its horizon to
    ``horizon_h``, if given), re-validated; a problem names ``source``."""
    from .config.overrides import with_changes  # (which also records the change: config/provenance.py)

    changes = {"warmup": f"{float(warmup_h)!r} h"}
    if horizon_h is not None:
        changes["horizon"] = f"{float(horizon_h)!r} h"
    return with_changes(scenario, changes, source)
