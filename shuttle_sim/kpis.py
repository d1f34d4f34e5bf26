"""The KPI catalogue: what every measure is called, what it means, its unit and format.

Every KPI a replication, a study or a cost model produces has a flat name that carries its
unit (``deferred_t``, ``load_queue_wait_mean_h``, ``tanker_weather_frac``).  This module is
the one place that knows what those names mean: each entry is a name *pattern* with its
group (throughput, deferral, tanks, berths, fleet, ferries, weather, storage, costs), a
label a decision maker can read, a display unit and a number format.  The CLI summary, the
report and the cost model look names up here; nothing else takes a KPI name apart by its
prefix or suffix.

Fractions (``_frac``) are shown as percentages.  A KPI the catalogue does not know raises
``KeyError`` from :func:`info`; ``tests/test_kpis.py`` checks that every KPI every shipped
scenario produces is known, so a new measure is added here in the same change.

This module imports nothing from the engine (no SimPy): the report layer reads it.

Examples
--------
>>> info("load_berth_waiting_cargo_frac").label
'Load port berths: waiting for cargo'
>>> info("deferred_t").format(12345.678)
'12,346 t'
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache

__all__ = ["GROUPS", "Kpi", "info", "known", "group_of", "by_group", "UNIT_FORMATS", "WINDOW_KINDS", "window_kind"]

#: Groups in the order tables and reports show them.
GROUPS = ("throughput", "deferral", "tanks", "berths", "fleet", "ferries", "weather", "storage", "costs")

#: Display unit -> (multiplier applied to the stored value, format of the scaled number).
UNIT_FORMATS: dict[str, tuple[float, str]] = {
    "t": (1.0, "{:,.0f}"),
    "Mt/yr": (1.0, "{:,.3f}"),
    "kbpd": (1.0, "{:,.1f}"),
    "h": (1.0, "{:,.1f}"),
    "%": (100.0, "{:,.1f}"),
    "voyages": (1.0, "{:,.1f}"),
    "calls": (1.0, "{:,.1f}"),
    "trips": (1.0, "{:,.1f}"),
    "wagons": (1.0, "{:,.0f}"),
    "MUSD/yr": (1e-6, "{:,.2f}"),  # an annual cost: stored in USD/yr, read in millions
    "USD/t": (1.0, "{:,.2f}"),
    "USD": (1.0, "{:,.0f}"),
}

#: display unit -> the unit the value is stored in, where they differ (by UNIT_FORMATS' multiplier)
_STORED = {"%": "fraction", "MUSD/yr": "USD/yr"}

_ROLE = {"load": "Load port", "discharge": "Discharge port"}
_STATE = {
    "waiting_cargo": "waiting for cargo",
    "waiting_ullage": "waiting for ullage",
    "waiting_wagons": "waiting for wagons",
    "berth_failed": "berth failed",
    "off_hire": "off hire (dry dock)",
    "other_traffic": "other traffic",
    "sailing_laden": "sailing laden",
    "sailing_ballast": "sailing in ballast",
    "weather": "weather hold",
    "anchorage_cargo": "at anchorage waiting for cargo",
    "anchorage_ullage": "at anchorage waiting for ullage",
    "anchorage_weather": "at anchorage waiting for a berthing window",
    "anchorage_programme": "at anchorage waiting for the lifting programme",
    "queueing": "at anchorage waiting for a berth",
    "arrival_formalities": "arrival formalities (at anchorage)",
    "pre_transfer_formalities": "pre-transfer formalities (alongside)",
    "post_transfer_formalities": "post-transfer formalities (alongside)",
}
_OP = {"berthing": "berthing", "transfer": "cargo transfer", "unberthing": "unberthing"}
_STAT = {"mean": "mean", "min": "lowest", "max": "highest"}


def _words(value: str, table: dict[str, str] | None = None) -> str:
    return (table or {}).get(value, value.replace("_", " "))


@dataclass(frozen=True)
class Kpi:
    """One catalogued KPI, resolved for a concrete name.

    Attributes
    ----------
    name : str
        The flat name as it appears in results (``load_tank_level_max_t``).
    pattern : str
        The catalogue entry it matched (``{role}_tank_level_{stat}_t``).
    group : str
        One of :data:`GROUPS`.
    label : str
        Words for tables and figure axes (``Load port tank farm: highest level``).
    unit : str
        Display unit, a key of :data:`UNIT_FORMATS` (fractions display as ``%``).
    headline : bool
        Shown in the short summary table.
    params : dict
        The pattern's placeholders as found in the name (``{"role": "load", "stat": "max"}``).
    """

    name: str
    pattern: str
    group: str
    label: str
    unit: str
    headline: bool = False
    params: dict = field(default_factory=dict, compare=False)

    @property
    def bounds(self) -> tuple[float, float]:
        """The values the KPI can take, by what it measures: a share (shown in %: of time,
        or the ferries' load factor) in [0, 1]; a stock change or a cost (items may be
        credits) any real; every other KPI (an amount, a count, hours, a level, a rate)
        >= 0.  A confidence bound on a mean is clipped to them
        (:mod:`shuttle_sim.study.targets`): a mean deferral is never below 0 t, whatever a
        t interval says; a study's threshold outside them is refused."""
        if self.pattern in _SIGNED or self.group == "costs":
            return -math.inf, math.inf
        if self.unit == "%":
            return 0.0, 1.0
        return 0.0, math.inf

    @property
    def stored_unit(self) -> str:
        """The unit of the value as results store it (JSON, CSV, DataFrames): the display
        unit but for shares, stored as a ``fraction`` (0.05) and shown in ``%`` (5.0), and
        annual costs, stored in ``USD/yr`` and shown in ``MUSD/yr``."""
        return _STORED.get(self.unit, self.unit)

    @property
    def scale(self) -> float:
        """Multiplier from the stored value to the display unit (100 for fractions)."""
        return UNIT_FORMATS[self.unit][0]

    def number(self, value: float | None) -> str:
        """The value in display units and format, without the unit (``''`` for None or
        NaN); a value that rounds to zero shows as ``0``, never ``-0``."""
        if value is None or value != value:  # None or NaN
            return ""
        s = UNIT_FORMATS[self.unit][1].format(value * self.scale)
        if s.startswith("-") and not any(c in "123456789" for c in s):
            s = s[1:]  # float noise below the format's last digit: 0, never -0
        return s

    def clip(self, low, high, scale: float = 1.0):
        """An interval's ends cut to the values the KPI can take (:attr:`bounds`, times
        ``scale`` for display units): the one rule for a mean's confidence bounds in the
        targets, the tables and the figures.  Each one-sided bound keeps its confidence:
        the mean lies in the KPI's range for certain, so ``P(max(low, a) <= mu) =
        P(low <= mu)``.  Numbers give floats; arrays (a figure's band) give arrays."""
        import numpy as np  # here, not at the top: `--help` and `validate` import no NumPy

        a, b = self.bounds
        a, b = a * scale, b * scale
        lo = np.minimum(np.maximum(low, a), b)
        hi = np.maximum(np.minimum(high, b), a)
        return (float(lo), float(hi)) if np.ndim(lo) == 0 and np.ndim(hi) == 0 else (lo, hi)

    def ci(self, mean: float | None, halfwidth: float | None) -> str:
        """A mean's 95% confidence interval for a table, in display units: ``'± 4,722'``;
        or, where the symmetric t interval would leave the values the KPI can take
        (:attr:`bounds`: a deferral of ``2,256 ± 4,722`` t would reach -2,466 t), the
        interval clipped to them, ``'0 to 6,978'`` (each end keeps its one-sided
        confidence: the mean lies in the KPI's range for certain).  Cut only where the cut
        shows: ``0.0 ± 0.0`` h stays, not ``0.0 to 0.0``.  ``''`` when either is missing."""
        if mean is None or halfwidth is None or mean != mean or halfwidth != halfwidth:
            return ""
        low, high = mean - halfwidth, mean + halfwidth
        ends = tuple(self.number(x) for x in self.clip(low, high))
        if (self.number(low), self.number(high)) == ends:  # inside, as far as the display shows
            return f"± {self.number(halfwidth)}"
        return f"{ends[0]} to {ends[1]}"

    def format(self, value: float | None) -> str:
        """The value with its unit: ``'12,346 t'``, ``'12.3 %'``, ``'1.433 Mt/yr'``."""
        s = self.number(value)
        return f"{s} {self.unit}" if s else ""


# pattern, group, label template, unit, headline.  Placeholders: {role} (load|discharge),
# {state}, {op}, {stat}, {cls} (a tanker class name, any text without brackets), {item}.
_ENTRIES: tuple[tuple[str, str, str, str, bool], ...] = (
    # throughput
    ("delivered_mt_per_year", "throughput", "Delivered, all routes", "Mt/yr", True),
    ("delivered_kbpd", "throughput", "Delivered, all routes", "kbpd", True),
    ("delivered_t", "throughput", "Delivered, all routes", "t", False),
    ("tanker_delivered_t", "throughput", "Delivered by tanker", "t", False),
    ("voyages", "throughput", "Tanker voyages completed", "voyages", True),
    ("loaded_t", "throughput", "Loaded onto tankers", "t", False),
    ("offtake_nominated_t", "throughput", "Offtake nominated", "t", False),
    ("offtake_t", "throughput", "Offtake into the pipeline", "t", False),
    ("second_offtake_t", "throughput", "Offtake into the second outlet", "t", False),
    ("on_board_end_t", "throughput", "Cargo on board at the end", "t", False),
    ("on_board_start_t", "throughput", "Cargo on board after the warm-up", "t", False),
    ("{role}_calls", "throughput", "{Role} tanker calls", "calls", False),
    # deferral and shortfall
    ("supply_offered_t", "deferral", "Supply offered", "t", False),
    ("supply_accepted_t", "deferral", "Supply accepted", "t", False),
    ("deferred_t", "deferral", "Deferred production (tank farm full)", "t", True),
    ("supply_lost_to_outages_t", "deferral", "Supply lost to upstream outages", "t", False),
    ("supply_extra_t", "deferral", "Extra supply (surges)", "t", False),
    ("offtake_shortfall_t", "deferral", "Offtake shortfall (tank farm empty)", "t", True),
    ("offtake_stopped_t", "deferral", "Offtake lost to pipeline stops", "t", False),
    ("stress_{n}_start_h", "deferral", "Stress event {n}: start (hours into the run)", "h", False),
    ("stress_{n}_duration_h", "deferral", "Stress event {n}: duration", "h", False),
    ("rail_supply_offered_t", "deferral", "Rail supply offered", "t", False),
    ("rail_supply_accepted_t", "deferral", "Rail supply accepted", "t", False),
    ("rail_deferred_t", "deferral", "Deferred production, rail route", "t", True),
    # tank farms
    ("{role}_tank_level_{stat}_t", "tanks", "{Role} tank farm: {stat} level", "t", False),
    ("{role}_tank_full_frac", "tanks", "{Role} tank farm: time full", "%", False),
    ("{role}_tank_empty_frac", "tanks", "{Role} tank farm: time empty", "%", False),
    ("{role}_stock_change_t", "tanks", "{Role} tank farm: stock change", "t", False),
    ("station_stock_change_t", "tanks", "Rail loading station: stock change", "t", False),
    # berths
    ("{role}_berth_{state}_frac", "berths", "{Role} berths: {state}", "%", False),
    ("{role}_queue_wait_mean_h", "berths", "{Role}: mean wait for a berth", "h", True),
    ("{role}_queue_wait_max_h", "berths", "{Role}: longest wait for a berth", "h", False),
    ("{role}_other_traffic_calls", "berths", "{Role}: other-traffic calls", "calls", False),
    ("{role}_anchorage_wait_mean_h", "berths", "{Role}: mean wait at anchorage for cargo, ullage or the programme", "h", False),
    ("{role}_anchorage_wait_max_h", "berths", "{Role}: longest wait at anchorage for cargo, ullage or the programme", "h", False),
    ("{role}_left_berth_broken", "berths", "{Role}: ships towed off the berth broken down", "calls", False),
    ("{role}_storm_departures", "weather", "{Role}: ships that left the berth ahead of a storm", "calls", False),
    ("{role}_anchorage_weather_h", "weather", "{Role}: ship-hours at anchorage waiting for a berthing window", "h", False),
    # fleet
    ("tanker_failures", "fleet", "Tanker failures (operating-hour clock)", "calls", False),
    ("tanker_{state}_frac", "fleet", "Tanker time: {state}", "%", False),
    ("class[{cls}]_voyages", "fleet", "{cls}: voyages", "voyages", False),
    ("class[{cls}]_{state}_h", "fleet", "{cls}: ship-hours {state}", "h", False),
    # ferries and rail
    ("ferry_delivered_t", "ferries", "Delivered by train ferry", "t", False),
    ("ferry_crossed_t", "ferries", "Crossed by train ferry", "t", False),
    ("wagons_delivered", "ferries", "Rail tank cars delivered", "wagons", False),
    ("wagons_loaded_undelivered", "ferries", "Loaded tank cars not yet delivered", "wagons", False),
    ("ferry_trips", "ferries", "Ferry crossings", "trips", False),
    ("ferry_load_factor", "ferries", "Ferry load factor", "%", False),
    ("rail_loaded_t", "ferries", "Loaded into rail tank cars", "t", False),
    ("yard_wagons_mean", "ferries", "Wagons in the port yard (all cargo): mean", "wagons", False),
    ("yard_wagons_max", "ferries", "Wagons in the port yard (all cargo): most", "wagons", False),
    ("wagon_fleet_utilisation_frac", "ferries", "Tank-car fleet utilisation", "%", False),
    ("ferry_{state}_frac", "ferries", "Ferry time: {state}", "%", False),
    ("ferry_handling_weather_hold_h", "ferries", "Ferry handling held by the transfer limit", "h", False),
    ("ferry_draft_limited_trips", "ferries", "Ferry loads limited by draft", "trips", False),
    ("ferry_left_berth_broken", "ferries", "Ferries towed off a berth broken down", "calls", False),
    ("ferry_failures", "ferries", "Ferry failures (operating-hour clock)", "calls", False),
    ("other_wagons_arrived", "ferries", "Other shippers' wagons arrived", "wagons", False),
    ("other_wagons_delivered", "ferries", "Other shippers' wagons delivered", "wagons", False),
    ("other_wagons_undelivered", "ferries", "Other shippers' wagons not yet delivered", "wagons", False),
    # weather
    ("{role}_weather_hold_{op}_h", "weather", "{Role}: weather hold before {op}", "h", False),
    ("{role}_closed_{op}_frac", "weather", "{Role}: closed to {op}", "%", False),
    ("{role}_weather_hold_h", "weather", "{Role}: berth-hours held by weather", "h", False),
    ("sea_weather_hold_h", "weather", "Ship-hours sheltering at sea", "h", False),
    ("weather_hold_h", "weather", "Weather holds, all", "h", True),
    # storage sizing (studies with --storage)
    ("{role}_tank_peak_needed_t", "storage", "{Role} tank farm: peak stock if unbounded", "t", False),
    ("{role}_tank_peak_deferred_t", "storage", "{Role} tank farm: deferral left if unbounded", "t", False),
    # costs (cost model)
    ("total_annual_cost_usd", "costs", "Total annual cost", "MUSD/yr", True),
    ("cost_per_tonne_usd", "costs", "Cost per tonne delivered", "USD/t", True),
    ("cost_{item}_usd_per_year", "costs", "Cost: {item}", "MUSD/yr", False),
)

#: Patterns whose KPI can be negative (the catalogue's other KPIs, costs aside, cannot).
_SIGNED = frozenset({"{role}_stock_change_t", "station_stock_change_t"})

_PLACEHOLDER = {
    "role": "(?P<role>load|discharge)",
    "stat": "(?P<stat>mean|min|max)",
    "state": "(?P<state>[a-z][a-z_]*?)",
    "op": "(?P<op>berthing|transfer|unberthing)",
    "cls": r"(?P<cls>[^\[\]]+)",
    "item": "(?P<item>[a-z][a-z0-9_]*?)",
    "n": "(?P<n>[0-9]+)",
}


def _regex(pattern: str) -> re.Pattern:
    out, pos = "", 0
    for m in re.finditer(r"\{(\w+)\}", pattern):
        out += re.escape(pattern[pos:m.start()]) + _PLACEHOLDER[m.group(1)]
        pos = m.end()
    return re.compile(out + re.escape(pattern[pos:]) + r"\Z")


_COMPILED = tuple((_regex(p), p, g, label, unit, head) for p, g, label, unit, head in _ENTRIES)


@lru_cache(maxsize=4096)
def info(name: str) -> Kpi:
    """The catalogue entry of KPI ``name``; ``KeyError`` if the catalogue does not know it.

    Entries are tried in catalogue order; exact names come before the patterns that could
    also match them (``delivered_t`` before ``{role}_...``)."""
    for rx, pattern, group, label, unit, headline in _COMPILED:
        m = rx.match(name)
        if m is None:
            continue
        params = m.groupdict()
        words = {
            "Role": _ROLE.get(params.get("role", ""), ""),
            "state": _words(params.get("state", ""), _STATE),
            "op": _OP.get(params.get("op", ""), ""),
            "stat": _STAT.get(params.get("stat", ""), ""),
            "cls": params.get("cls", ""),
            "item": _words(params.get("item", "")),
            "n": params.get("n", ""),
        }
        return Kpi(name, pattern, group, label.format(**words), unit, headline, params)
    raise KeyError(f"{name!r} is not in the KPI catalogue (shuttle_sim/kpis.py)")


def known(name: str) -> bool:
    """Whether the catalogue knows ``name``."""
    try:
        info(name)
    except KeyError:
        return False
    return True


def group_of(name: str) -> str:
    """The group of KPI ``name`` (one of :data:`GROUPS`)."""
    return info(name).group


def by_group(names) -> dict[str, list[Kpi]]:
    """``names`` as catalogue entries grouped in :data:`GROUPS` order, keeping the given
    order within a group; names the catalogue does not know raise ``KeyError``."""
    out: dict[str, list[Kpi]] = {g: [] for g in GROUPS}
    for n in names:
        k = info(n)
        out[k.group].append(k)
    return {g: ks for g, ks in out.items() if ks}


# ----------------------------------------------------------------------- warm-up windows
#: How each kind of KPI is measured over [warm-up, horizon] (``warmup:`` in a scenario):
#:
#: * ``total``: an amount or a count (t, h, voyages, calls): what accrued in the window,
#:   the value at the horizon less the value at the end of the warm-up.
#: * ``time_mean``: a time-weighted mean over the run (fractions of time, annualised
#:   rates, mean levels): the mean over the window, (v_H x H - v_W x W) / (H - W), so
#:   annualised KPIs divide by the measured period.
#: * ``extreme``: a maximum or minimum (tank levels, yard wagons, longest wait): taken
#:   over the window only, from the level traces and the records.
#: * ``event_mean``: a mean over events (waits for a berth, wagons per crossing): over
#:   the events of the window.
#: * ``state``: a value at one instant (oil on board at the end, a stress event's date):
#:   as at the horizon.
WINDOW_KINDS = ("total", "time_mean", "extreme", "event_mean", "state")

_WINDOW: dict[str, str] = {
    "{role}_queue_wait_mean_h": "event_mean",
    "{role}_queue_wait_max_h": "extreme",
    "{role}_anchorage_wait_mean_h": "event_mean",
    "{role}_anchorage_wait_max_h": "extreme",
    "ferry_load_factor": "event_mean",
    "yard_wagons_mean": "time_mean",
    "yard_wagons_max": "extreme",
    "on_board_end_t": "state",
    "on_board_start_t": "state",
    "wagons_loaded_undelivered": "state",
    "other_wagons_undelivered": "state",
    "stress_{n}_start_h": "state",
    "stress_{n}_duration_h": "state",
    "{role}_tank_peak_needed_t": "state",
    "{role}_tank_peak_deferred_t": "state",
}


def window_kind(name: str) -> str:
    """How KPI ``name`` is measured over a warm-up window: one of :data:`WINDOW_KINDS`."""
    k = info(name)
    if k.pattern == "{role}_tank_level_{stat}_t":
        return "time_mean" if k.params["stat"] == "mean" else "extreme"
    if k.pattern in _WINDOW:
        return _WINDOW[k.pattern]
    if k.group == "costs":
        return "state"
    return "time_mean" if k.unit in ("%", "Mt/yr", "kbpd") else "total"
