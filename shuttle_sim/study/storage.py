"""Storage sizing: how much tankage each farm needs, from runs with that farm unbounded.

For each replication the scenario is run twice more, once with the load-port farm and
once with the discharge-port farm "lifted": given a capacity it can never fill (its
initial level plus twice the most that could flow in over the horizon, plus its own
capacity).  The lifted farm's peak stock is the storage that replication needed; the
deferral left with it lifted says whether any capacity there would have been enough.
The lifted scenario is the original with one change, made through
:func:`shuttle_sim.config.overrides.with_changes` like any other variant.
"""

from __future__ import annotations

import math

import numpy as np

from ..components.weather_cache import WeatherCache
from ..config.schema import Scenario
from ..model import simulate
from ..stats import summarize
from .records import ResultTable

__all__ = ["STORAGE_KPIS", "lifted", "storage_kpis", "storage_summary"]

STORAGE_KPIS = ("load_tank_peak_needed_t", "load_tank_peak_deferred_t", "discharge_tank_peak_needed_t",
                "discharge_tank_peak_deferred_t")
ROLES = ("load", "discharge")
_NO_DEFERRAL_T = 1e-6


def lifted(scenario: Scenario, role: str, horizon_h: float) -> Scenario:
    """The scenario with the ``role`` port's tank farm too large ever to fill."""
    port = scenario.load_port if role == "load" else scenario.discharge_port
    if role == "load":
        boost = max([1.0] + [x.factor for x in [*scenario.disruptions, *scenario.stress] if x.target == "supply"])
        inflow_t_per_h = scenario.supply.rate_t_per_h * boost
    else:
        inflow_t_per_h = port.berths * port.transfer_rate_t_per_h
    cap_t = port.tank_farm.initial_level_t + horizon_h * inflow_t_per_h * 2.0 + port.tank_farm.capacity_t
    return scenario.with_changes({f"{role}_port.tank_farm.capacity": f"{cap_t!r} t"}, source="storage sizing")


def storage_kpis(scenario: Scenario, lifted_by_role: dict[str, Scenario], seed: int, replication: int,
                 horizon_h: float, weathers: WeatherCache | None = None) -> dict[str, float]:
    """Peak stock and remaining deferral of one replication with each farm lifted (its
    weather from ``weathers``, where the replication's own run left it)."""
    out = {}
    for role in ROLES:
        res = simulate(lifted_by_role[role], seed=seed, replication=replication, horizon_h=horizon_h, closures=False,
                       weathers=weathers)
        out[f"{role}_tank_peak_needed_t"] = res.kpis[f"{role}_tank_level_max_t"]
        out[f"{role}_tank_peak_deferred_t"] = res.kpis["deferred_t"]
    return out


def storage_summary(records: ResultTable) -> dict:
    """Per farm: peak stock over the replications, and the capacity that keeps deferral at
    zero in 90% of years (``None`` when deferral persists however large the farm)."""
    out = {}
    for role in ROLES:
        peaks = records.column(f"{role}_tank_peak_needed_t")
        deferred = records.column(f"{role}_tank_peak_deferred_t")
        # capacity that keeps deferral at zero in a year: that year's peak, if lifting this
        # farm removed all deferral; otherwise no capacity here is enough
        need = np.where(deferred <= _NO_DEFERRAL_T, peaks, np.inf)
        q90 = float(np.quantile(need, 0.9, method="inverted_cdf"))
        out[f"{role}_tank"] = {
            "peak_stock_t": summarize(peaks),
            "capacity_for_zero_deferral_in_90pct_of_years_t": q90 if math.isfinite(q90) else None,
            "years_with_deferral_even_unbounded": int(np.sum(deferred > _NO_DEFERRAL_T)),
        }
    return out
