"""The cost model: annual cost of one design, per replication, from its results only.

Inputs are a cell's scenario (the validated object or its resolved dict), its
replication table (one row per replication, KPI columns as
:attr:`shuttle_sim.Result.kpis` names them) and the cost inputs
(:class:`shuttle_sim.config.costs.CostSpec`).  Nothing is simulated, so a finished study
can be re-costed with other prices.

Every item is in USD per year.  Quantities measured over the simulated horizon
(fuel, calls, tonnes) are annualised by ``8760 h`` over the measured hours (the horizon
less the warm-up); capital is annualised
with the capital recovery factor of its life and discount rate.

========================  ==============================================================
item                      how
========================  ==============================================================
``ships_capital``         owned: count x capex x CRF; chartered: hire per day for the
                          ship-hours not off hire or broken down
``ships_opex``            count x opex per ship-day x 365
``fuel``                  (laden h x laden rate + ballast h x ballast rate + other hours
                          not off hire x in-port rate) x fuel price
``port_dues``             load calls x load-port dues + discharge calls x discharge dues
``demurrage``             hours of port time beyond laytime x demurrage rate (see below)
``berths``                berths x capex x (CRF + opex fraction), both ports
``tank_farms``            capacity t x price per t (per m3 / density) x (CRF + opex frac)
``ferries``               as ships; plus ferry-port dues per trip at each end
``wagons``                owned: count x capex x (CRF + opex fraction); leased: per day
``tariffs``               tanker-route t x its tariff + ferry-route t x its tariff
``deferred_production``   deferred t x the study's chosen value (lost or deferred)
========================  ==============================================================

Ship-hours by state come from ``class[<class>]_<state>_h`` and voyages from
``class[<class>]_voyages``.  Where a table lacks them (results from before those KPIs),
the fleet-wide ``tanker_<state>_frac`` and ``voyages`` are shared among classes in
proportion to their ship counts: exact for one class, an approximation for several.

Demurrage is approximated from totals, because the results hold no per-call laytime
clock: port time per class is queueing + berthing + formalities (arrival, pre- and
post-transfer) + transferring + waiting for cargo or ullage (alongside or at anchorage) +
berth failures, and the excess is
``max(0, port time - laytime x voyages)``.  Since ``sum max(0, w_i - L) >=
max(0, sum(w_i - L))`` this is a lower bound on the demurrage of individual calls
(exact when every call overruns, or none does).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np
import pandas as pd

from .. import units
from ..config.costs import CostSpec, VesselCosts
from ..config.loader import scenario_from_dict
from ..config.schema import Scenario

__all__ = ["COST_ITEMS", "PORT_STATES", "cost_table", "cost_inputs_used", "summarise_costs"]

COST_ITEMS = (
    "ships_capital", "ships_opex", "fuel", "port_dues", "demurrage", "berths", "tank_farms",
    "ferries", "wagons", "tariffs", "deferred_production",
)
#: tanker time-budget states that count against laytime.  Left out, as ASSUMPTIONS of
#: the usual charter terms (COSTS.md has no charter party): the wait for the lifting
#: programme's month (``anchorage_programme``: the ship came before its laycan, and laytime
#: does not run before the laycan opens), weather (``weather``, ``anchorage_weather``:
#: laytime in weather working days) and the ship's own breakdowns (the owner's time).
PORT_STATES = ("queueing", "berthing", "arrival_formalities", "pre_transfer_formalities", "post_transfer_formalities",
               "transferring", "waiting_cargo", "waiting_ullage", "berth_failed",
               "anchorage_cargo", "anchorage_ullage",  # (dispatch: ready moves the cargo waits to anchorage)
               "formalities")  # the three formalities as one state, in tables written before they were split
DAYS_PER_YEAR = units.HOURS_PER_YEAR / units.HOURS_PER_DAY


def _scenario(scenario: Scenario | Mapping) -> Scenario:
    return scenario if isinstance(scenario, Scenario) else scenario_from_dict(dict(scenario), "<resolved scenario>")


def _col(df: pd.DataFrame, name: str, default: float | None = None) -> np.ndarray:
    if name in df.columns:
        return df[name].to_numpy(dtype=float)
    if default is None:
        raise KeyError(f"the replication table has no KPI {name!r}, which the cost model needs")
    return np.full(len(df), float(default))


class _Fleet:
    """Per-class ship-hours and voyages over the horizon, from the table."""

    def __init__(self, df: pd.DataFrame, scenario: Scenario, horizon_h: float) -> None:
        self.df, self.s, self.horizon_h = df, scenario, horizon_h

    def hours(self, cls, state: str) -> np.ndarray:
        col = f"class[{cls.name}]_{state}_h"
        if col in self.df.columns:
            return self.df[col].to_numpy(dtype=float)
        return _col(self.df, f"tanker_{state}_frac", 0.0) * cls.count * self.horizon_h

    def voyages(self, cls) -> np.ndarray:
        col = f"class[{cls.name}]_voyages"
        if col in self.df.columns:
            return self.df[col].to_numpy(dtype=float)
        return _col(self.df, "voyages") * cls.count / self.s.n_tankers


def _vessel(vc: VesselCosts, count: int, horizon_h: float, idle_h: np.ndarray) -> tuple[np.ndarray, float]:
    """(capital or hire per year by replication, opex per year) for ``count`` ships."""
    if vc.ownership is not None:
        capital = np.full(idle_h.shape, count * vc.ownership.annual_usd())
    else:
        on_hire_h = count * horizon_h - idle_h
        capital = on_hire_h / units.HOURS_PER_DAY * vc.time_charter_usd_per_day * (units.HOURS_PER_YEAR / horizon_h)
    return capital, count * vc.opex_usd_per_day * DAYS_PER_YEAR


def cost_table(
    scenario: Scenario | Mapping, table: pd.DataFrame, costs: CostSpec, horizon_h: float | None = None
) -> pd.DataFrame:
    """Annual cost of one cell, by item, for each replication.

    Parameters
    ----------
    scenario : Scenario or dict
        The cell's scenario (a resolved dict is validated again; nothing is simulated).
    table : pandas.DataFrame
        One row per replication with the KPI columns of :class:`shuttle_sim.Result`.
    costs : CostSpec
        Cost inputs; every tanker class of the scenario must have an entry.
    horizon_h : float, optional
        The simulated horizon, warm-up included; the scenario's by default.  KPIs are
        measured over the horizon less the scenario's ``warmup``, and so are annualised.

    Returns
    -------
    pandas.DataFrame
        Same index as ``table``; columns ``cost_<item>_usd_per_year`` (one per
        :data:`COST_ITEMS`), ``total_annual_cost_usd`` and ``cost_per_tonne_usd`` (total
        over tonnes delivered per year; inf when none), as the KPI catalogue names them.
    """
    s = _scenario(scenario)
    # the hours the KPIs measure: the horizon after the warm-up (window.py)
    h = float(horizon_h if horizon_h is not None else s.horizon_h) - s.warmup_h
    per_year = units.HOURS_PER_YEAR / h
    n = len(table)
    zero = np.zeros(n)
    item = {k: zero.copy() for k in COST_ITEMS}
    fuel_price = costs.fuel_price_usd_per_t

    if s.fleet is not None:
        fleet = _Fleet(table, s, h)
        for cls in s.fleet.tankers:
            vc = costs.tankers.get(cls.name)
            if vc is None:
                raise KeyError(f"costs.tankers has no entry for tanker class {cls.name!r}")
            off_h = fleet.hours(cls, "off_hire") + fleet.hours(cls, "breakdown")
            capital, opex = _vessel(vc, cls.count, h, off_h)
            item["ships_capital"] += capital
            item["ships_opex"] += opex
            laden, ballast = fleet.hours(cls, "sailing_laden"), fleet.hours(cls, "sailing_ballast")
            other = cls.count * h - laden - ballast - fleet.hours(cls, "off_hire")
            f = vc.fuel
            fuel_t = laden * f.laden_t_per_h + ballast * f.ballast_t_per_h + other * f.in_port_t_per_h
            item["fuel"] += fuel_t * fuel_price * per_year
            port_h = sum(fleet.hours(cls, st) for st in PORT_STATES)
            excess_h = np.maximum(0.0, port_h - vc.laytime_h * fleet.voyages(cls))
            item["demurrage"] += excess_h / units.HOURS_PER_DAY * vc.demurrage_usd_per_day * per_year
        voyages = _col(table, "voyages")
        load_calls = _col(table, "load_calls") if "load_calls" in table.columns else voyages
        dis_calls = _col(table, "discharge_calls") if "discharge_calls" in table.columns else voyages
        item["port_dues"] += (load_calls * costs.load_port.port_dues_usd + dis_calls * costs.discharge_port.port_dues_usd) * per_year
        density = s.crude.density_t_per_m3
        for port, pc in ((s.load_port, costs.load_port), (s.discharge_port, costs.discharge_port)):
            if pc.berth is not None:
                item["berths"] += port.berths * pc.berth.annual_usd()
            if pc.tank_farm is not None:
                item["tank_farms"] += port.tank_farm.capacity_t * pc.tank_farm.annual_usd_per_t(density)
        tanker_t = _col(table, "tanker_delivered_t") if "tanker_delivered_t" in table.columns else (
            _col(table, "delivered_t") if s.ferry is None else zero)
        item["tariffs"] += tanker_t * costs.tariffs.tanker_route_usd_per_t * per_year

    if s.ferry is not None:
        fr = s.ferry
        if costs.ferries is not None:
            off_h = (_col(table, "ferry_off_hire_frac", 0.0) + _col(table, "ferry_breakdown_frac", 0.0)) * fr.ferries.count * h
            capital, opex = _vessel(costs.ferries, fr.ferries.count, h, off_h)
            sailing_h = _col(table, "ferry_sailing_frac", 0.0) * fr.ferries.count * h
            other_h = fr.ferries.count * h - sailing_h - _col(table, "ferry_off_hire_frac", 0.0) * fr.ferries.count * h
            f = costs.ferries.fuel
            fuel_t = sailing_h * f.laden_t_per_h + other_h * f.in_port_t_per_h
            item["ferries"] += capital + opex + fuel_t * fuel_price * per_year
        item["ferries"] += 2 * _col(table, "ferry_trips", 0.0) * costs.ferry_port_dues_usd * per_year
        w = costs.wagons
        if w is not None:
            item["wagons"] += fr.wagons.count * (w.ownership.annual_usd() if w.ownership is not None
                                                 else w.lease_usd_per_day * DAYS_PER_YEAR)
        ferry_t = _col(table, "ferry_delivered_t", 0.0)
        item["tariffs"] += ferry_t * costs.tariffs.ferry_route_usd_per_t * per_year

    deferred_t = _col(table, "deferred_t", 0.0) + _col(table, "rail_deferred_t", 0.0)
    item["deferred_production"] += deferred_t * costs.deferred_production.price_usd_per_t * per_year

    out = pd.DataFrame({f"cost_{k}_usd_per_year": v for k, v in item.items()}, index=table.index)
    total = out.sum(axis=1).to_numpy()
    delivered = _col(table, "delivered_t") * per_year
    out["total_annual_cost_usd"] = total
    out["cost_per_tonne_usd"] = np.where(delivered > 0, total / np.where(delivered > 0, delivered, 1.0), np.inf)
    return out


def cost_inputs_used(scenario: Scenario | Mapping, costs: CostSpec) -> set[str]:
    """The cost inputs :func:`cost_table` prices ``scenario`` with, as key paths of the
    cost file as written (``tankers.Astana-class.opex``, ``load_port.berth``,
    ``deferred_production.lost``); ``currency_year``, the year of all of them, always.

    A path names everything under it (``load_port.berth`` is its capex, life, discount rate
    and opex fraction).  Left out: the classes the scenario has no ship of, the ferry side
    of a scenario without a ferry route (and the tanker side of one without tankers), the
    valuation of deferred production not chosen, and the inputs of a ship class the
    formulas above never read (a ferry's ballast fuel, laytime and demurrage: the model
    charges a ferry its laden rate for all its sailing, and no demurrage).  ``tests/test_costs.py``
    checks it against :func:`cost_table` itself: changing an input listed here changes
    some cell's cost, and changing any other changes none.
    """
    s = _scenario(scenario)
    used = {"currency_year"}

    def ship(path: str, vc: VesselCosts, fuel: tuple[str, ...], port_time: bool) -> None:
        used.update({f"{path}.{'ownership' if vc.ownership is not None else 'time_charter'}", f"{path}.opex",
                     "fuel_price", *(f"{path}.fuel.{f}" for f in fuel)})
        if port_time:
            used.update({f"{path}.laytime", f"{path}.demurrage"})

    if s.fleet is not None:
        for cls in s.fleet.tankers:
            if cls.count > 0:
                ship(f"tankers.{cls.name}", costs.tankers[cls.name], ("laden", "ballast", "in_port"), True)
        used.update({"load_port.port_dues", "discharge_port.port_dues", "tariffs.tanker_route"})
        for role, port, pc in (("load_port", s.load_port, costs.load_port),
                               ("discharge_port", s.discharge_port, costs.discharge_port)):
            if pc.berth is not None and port.berths > 0:
                used.add(f"{role}.berth")
            if pc.tank_farm is not None and port.tank_farm.capacity_t > 0:
                used.add(f"{role}.tank_farm")
    if s.ferry is not None:
        if costs.ferries is not None and s.ferry.ferries.count > 0:
            ship("ferries", costs.ferries, ("laden", "in_port"), False)
        used.update({"ferry_port_dues", "tariffs.ferry_route"})
        w = costs.wagons
        if w is not None and s.ferry.wagons.count > 0:
            used.add("wagons.ownership" if w.ownership is not None else "wagons.lease")
    dp = costs.deferred_production
    used.update({"deferred_production.valuation", f"deferred_production.{dp.valuation}"})
    return used


def summarise_costs(costs_by_replication: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Mean of every cost column over replications; cost per tonne as the ratio of the
    mean annual cost to the mean tonnes delivered per year (``delivered_mt_per_year``)."""
    m = costs_by_replication.mean(axis=0)
    d = float(table["delivered_mt_per_year"].mean()) * 1e6
    m["cost_per_tonne_usd"] = m["total_annual_cost_usd"] / d if d > 0 else np.inf
    return m
