"""Results of one replication: flat KPIs, voyage records, level traces.

KPI names carry their unit (``_t``, ``_h``, ``_frac``, ``_mt_per_year``, ``_kbpd``).
The set of names is the same for every replication of a scenario (tanker-route KPIs
appear when the scenario has the tanker route, ferry-route KPIs when it has ferries),
so replications stack into one table.  ``delivered_*`` is the total of both routes.

``delivered_t`` is the oil discharged at the destination terminal (what crossed the
sea); ``offtake_t`` is what went on into the pipeline.  Oil is conserved exactly::

    supply_accepted_t = offtake_t + load_stock_change_t + discharge_stock_change_t
                        + on_board_end_t
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import units
from .components import offtake, stress
from .components.ferry import FERRY_STATES
from .components.records import FerryTrip, Voyage, WeatherClosure
from .components.tanker import TANKER_STATES
from .components.berths import BERTH_STATES
from .components.terminal import OPERATIONS
from .stats import level_stats

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .model import World

#: The traces in ``Result.traces`` that are tank-farm levels in t (``tank_levels.csv``);
#: the others (``yard_wagons``) are counts.
TANK_TRACES = ("load_tank", "discharge_tank", "station_tank")

#: Record fields that are moments (hours from the start of the run), not durations: each
#: gets a calendar column beside it in a DataFrame, ``load_arrive_h`` -> ``load_arrive_at``.
MOMENT_SUFFIXES = ("_arrive_h", "_berth_h", "_start_h", "_end_h", "_depart_h", "leave_port_h", "arrive_h")
#: Record fields that are moments by their whole name (a weather closure's ``start_h``, ``end_h``).
MOMENT_NAMES = ("start_h", "end_h")


def calendar(hours, start_date: _dt.date | None):
    """Hours from the start of the run as ``datetime64`` (NaN -> NaT), from 00:00 of
    ``start_date``; None without a start date."""
    if start_date is None:
        return None
    import pandas as pd

    # to the microsecond: the hours' float noise below it reads as a wrong clock
    return (pd.Timestamp(start_date) + pd.to_timedelta(np.asarray(hours, dtype=float), unit="h")).round("us")


def records_frame(records: list, fields: tuple[str, ...], start_date: _dt.date | None) -> "pd.DataFrame":
    """Flat records (NamedTuples or dicts) as a DataFrame whose columns are ``fields``;
    each moment column (``*_h`` in :data:`MOMENT_SUFFIXES`) has its calendar time beside it
    as ``*_at``."""
    import pandas as pd

    df = pd.DataFrame.from_records(records, columns=list(fields))
    if start_date is not None:
        for name in [c for c in fields if c.endswith(MOMENT_SUFFIXES) or c in MOMENT_NAMES]:
            df.insert(df.columns.get_loc(name) + 1, name[:-2] + "_at", calendar(df[name], start_date))
    return df


@dataclass(repr=False)
class Result:
    """One replication's outcome.

    Attributes
    ----------
    scenario_name : str
    seed, replication : int
    horizon_h : float
    kpis : dict[str, float]
        Flat measures, see the module docstring.
    voyages : list[Voyage]
        One record per completed voyage (:class:`~shuttle_sim.components.records.Voyage`,
        whose fields are the columns of ``voyages.csv``).
    traces : dict[str, tuple[numpy.ndarray, numpy.ndarray]]
        ``{'load_tank': (t_h, level_t), 'discharge_tank': ...}``, exact breakpoints of
        the piecewise-linear level.
    ferry_trips : list[FerryTrip]
        One record per ferry crossing from the yard port
        (:class:`~shuttle_sim.components.records.FerryTrip`).
    tankers : list[dict]
        One record per tanker: its name, class, voyages and hours in each state of its
        time budget (what each ship lost to weather, breakdowns and off-hire).
    runtime_s : float
        Wall-clock time of the run.
    warmup_h : float
        KPIs, tanker budgets, voyages and crossings are of the window [warmup_h,
        horizon_h] (:mod:`shuttle_sim.window`); the traces cover the whole run.
    start_date : datetime.date, optional
        The scenario's ``start_date``: hour 0 is its 00:00.  The ``*_frame()`` methods
        put calendar times (``*_at``) beside the hours.
    weather_closures : list[WeatherClosure]
        Every spell a port was closed to an operation by weather
        (:class:`~shuttle_sim.components.records.WeatherClosure`), over the whole run
        like the traces: the timelines the ``*_closed_*_frac`` KPIs total.

    In a notebook, ``voyages_frame()``, ``tankers_frame()``, ``ferry_trips_frame()``,
    ``weather_closures_frame()`` and ``trace_frame(name)`` give the same records as
    pandas DataFrames.
    """

    scenario_name: str
    seed: int
    replication: int
    horizon_h: float
    kpis: dict[str, float]
    voyages: list[Voyage] = field(default_factory=list)
    traces: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    tankers: list[dict] = field(default_factory=list)
    runtime_s: float = 0.0
    ferry_trips: list[FerryTrip] = field(default_factory=list)
    warmup_h: float = 0.0
    start_date: _dt.date | None = None
    weather_closures: list[WeatherClosure] = field(default_factory=list)

    def __repr__(self) -> str:
        head = (f"Result({self.scenario_name!r}, seed={self.seed}, replication={self.replication},"
                f" {self.horizon_h / units.HOURS_PER_YEAR:g} yr")
        if self.start_date is not None:
            head += f" from {self.start_date.isoformat()}"
        if self.warmup_h:
            head += f", KPIs after a {self.warmup_h / 24:g}-day warm-up"
        counts = [f"{len(self.voyages):,} voyages"] if self.tankers else []
        if self.ferry_trips:
            counts.append(f"{len(self.ferry_trips):,} ferry trips")
        kpis = "".join(f"\n  {k} = {self.kpis[k]:,.6g}" for k in _REPR_KPIS if k in self.kpis)
        return f"{head}: {', '.join(counts + [f'{len(self.kpis)} KPIs'])}){kpis}"

    def _repr_pretty_(self, p, cycle) -> None:  # IPython: the short form, not the fields
        p.text(repr(self))

    def voyages_frame(self) -> "pd.DataFrame":
        """One row per voyage (:class:`~shuttle_sim.components.records.Voyage`'s fields),
        with calendar times ``*_at`` beside the moments ``*_h``."""
        return records_frame(self.voyages, Voyage._fields, self.start_date)

    def ferry_trips_frame(self) -> "pd.DataFrame":
        """One row per ferry crossing (:class:`~shuttle_sim.components.records.FerryTrip`),
        with ``leave_port_at`` and ``arrive_at`` beside the hours."""
        return records_frame(self.ferry_trips, FerryTrip._fields, self.start_date)

    def weather_closures_frame(self) -> "pd.DataFrame":
        """One row per weather closure of a port to an operation
        (:class:`~shuttle_sim.components.records.WeatherClosure`), with ``start_at`` and
        ``end_at`` beside the hours."""
        return records_frame(self.weather_closures, WeatherClosure._fields, self.start_date)

    def tankers_frame(self) -> "pd.DataFrame":
        """One row per tanker, indexed by name: class, voyages, hours in each state."""
        import pandas as pd

        return pd.DataFrame.from_records(self.tankers).set_index("tanker") if self.tankers else pd.DataFrame()

    def trace_frame(self, name: str = "load_tank") -> "pd.DataFrame":
        """A trace of :attr:`traces` (``load_tank``, ``discharge_tank``, ``station_tank``,
        ``yard_wagons``): its breakpoints ``t_h``, their calendar time ``at`` and the value
        (``level_t`` for tanks, ``wagons`` for the yard)."""
        import pandas as pd

        if name not in self.traces:
            raise KeyError(f"no trace {name!r}; this result has {', '.join(self.traces) or 'none'}")
        t_h, v = self.traces[name]
        df = pd.DataFrame({"t_h": t_h, "level_t" if name in TANK_TRACES else "wagons": v})
        if self.start_date is not None:
            df.insert(1, "at", calendar(t_h, self.start_date))
        return df


#: The KPIs a Result's repr shows, when the scenario has them.
_REPR_KPIS = ("delivered_mt_per_year", "delivered_kbpd", "deferred_t", "offtake_shortfall_t")


def _queue_stats(waits: list[float]) -> tuple[float, float]:
    if not waits:
        return 0.0, 0.0
    return float(np.mean(waits)), float(np.max(waits))


def collect(world: "World", seed: int, replication: int, horizon_h: float, runtime_s: float,
            closures: bool = True) -> Result:
    """Turn a finished :class:`~shuttle_sim.model.World` into a :class:`Result` (without
    its weather closures if not ``closures``: the warm-up's own world, whose result only
    lends its accounts at the warm-up's end)."""
    s = world.scenario
    years = horizon_h / units.HOURS_PER_YEAR
    density = s.crude.density_t_per_m3
    k: dict[str, float] = {}
    traces: dict = {}
    tankers: list[dict] = []
    if world.load is not None:
        tankers = _tanker_route(world, horizon_h, k, traces)
    if world.ferry is not None:
        _ferry_route(world, horizon_h, k, traces)
    total = k.get("tanker_delivered_t", 0.0) + k.get("ferry_delivered_t", 0.0)
    head = {
        "delivered_t": total,
        "delivered_mt_per_year": total / 1e6 / years,
        "delivered_kbpd": units.t_per_year_to_kbpd(total / years, density),
    }
    k = {**head, **k}
    trips = list(world.ferry.trip_records) if world.ferry is not None else []
    return Result(s.name, seed, replication, horizon_h, k, list(world.voyages), traces, tankers, runtime_s, trips,
                  start_date=s.start_date,
                  weather_closures=weather_closures(world, horizon_h) if closures else [])


def closed_spans(timeline, t0: float, t1: float) -> tuple[np.ndarray, np.ndarray]:
    """The spans inside ``[t0, t1)`` when an :class:`~.components.availability.Availability`
    is down: ``(starts, ends)``, sorted and disjoint; their total is
    ``(t1 - t0) - timeline.up_hours(t0, t1)``."""
    st, en = np.asarray(timeline.starts, dtype=float), np.asarray(timeline.ends, dtype=float)
    lo = np.clip(np.concatenate(([-np.inf], en)), t0, t1)  # down from each up interval's end ...
    hi = np.clip(np.concatenate((st, [np.inf])), t0, t1)   # ... to the next one's start
    keep = hi > lo
    return lo[keep], hi[keep]


def weather_closures(world: "World", horizon_h: float) -> list[WeatherClosure]:
    """The spells each port of ``world`` was closed to each operation, from the same
    weather timelines its terminals (and ferry ports) work to and the closure KPIs total."""
    s = world.scenario
    ports = []
    if world.load is not None:
        ports += [("load", s.load_port, world.load.weather), ("discharge", s.discharge_port, world.discharge.weather)]
    if world.ferry is not None:
        ports += [("ferry_port", s.ferry.port, world.ferry.weather.get("port") or {}),
                  ("ferry_arrival_port", s.ferry.arrival_port, world.ferry.weather.get("arrival_port") or {})]
    out: list[WeatherClosure] = []
    for role, spec, timelines in ports:
        for op in OPERATIONS:
            timeline = timelines.get(op)
            if timeline is None or timeline.always_up:
                continue
            for a, b in zip(*closed_spans(timeline, 0.0, horizon_h)):
                out.append(WeatherClosure(role, spec.name, spec.weather_site or "", op, float(a), float(b)))
    return out


def _tanker_route(world: "World", horizon_h: float, k: dict, traces: dict) -> list[dict]:
    lt, dt_ = world.load_tank.totals(), world.discharge_tank.totals()
    delivered_t = dt_.get("ship_discharge_moved_t", 0.0)
    k.update({
        "tanker_delivered_t": delivered_t,
        "voyages": float(len(world.voyages)),
        "loaded_t": lt.get("ship_load_moved_t", 0.0),
        "supply_offered_t": lt["supply_offered_t"],
        "supply_accepted_t": lt["supply_moved_t"],
        "deferred_t": lt["supply_offered_t"] - lt["supply_moved_t"],
        **offtake.kpis(dt_),
        "on_board_end_t": float(sum(t.cargo_on_board_t for t in world.tankers)),
        "supply_lost_to_outages_t": world.supply_schedule.integral(horizon_h, below=True),
        "supply_extra_t": world.supply_schedule.integral(horizon_h, below=False),
        "offtake_stopped_t": world.offtake_schedule.integral(horizon_h, below=True),
        **stress.kpis(world.stress_events),
    })
    for role, tank in (("load", world.load_tank), ("discharge", world.discharge_tank)):
        t_h, lvl = np.asarray(tank.trace_t_h), np.asarray(tank.trace_level_t)
        traces[f"{role}_tank"] = (t_h, lvl)
        ls = level_stats(t_h, lvl, tank.capacity_t)
        k[f"{role}_stock_change_t"] = float(lvl[-1] - tank.initial_t)
        k[f"{role}_tank_level_mean_t"] = ls["mean_t"]
        k[f"{role}_tank_level_min_t"] = ls["min_t"]
        k[f"{role}_tank_level_max_t"] = ls["max_t"]
        k[f"{role}_tank_full_frac"] = ls["full_frac"]
        k[f"{role}_tank_empty_frac"] = ls["empty_frac"]
    tows = any(t.leave_berth_after_h < math.inf for t in world.tankers)  # breakdowns.leave_berth_after
    for role, term in (("load", world.load), ("discharge", world.discharge)):
        berth_h = term.spec.berths * horizon_h
        busy = 0.0
        for state in BERTH_STATES:
            h = term.occupancy_h.get(state, 0.0)
            busy += h
            k[f"{role}_berth_{state}_frac"] = h / berth_h
        k[f"{role}_berth_idle_frac"] = 1.0 - busy / berth_h
        mean_w, max_w = _queue_stats(term.queue_waits_h)
        k[f"{role}_queue_wait_mean_h"] = mean_w
        k[f"{role}_queue_wait_max_h"] = max_w
        k[f"{role}_other_traffic_calls"] = float(term.other_calls)
        mean_a, max_a = _queue_stats(term.dispatch_waits_h)
        k[f"{role}_anchorage_wait_mean_h"] = mean_a
        k[f"{role}_anchorage_wait_max_h"] = max_a
        k[f"{role}_anchorage_weather_h"] = term.anchorage_weather_h
        k[f"{role}_storm_departures"] = float(term.storm_departures)
        if tows:
            k[f"{role}_left_berth_broken"] = float(term.left_berth_broken)
        for op in OPERATIONS:
            k[f"{role}_weather_hold_{op}_h"] = term.hold_h.get(op, 0.0)
            closed = horizon_h - term.weather[op].up_hours(0.0, horizon_h)
            k[f"{role}_closed_{op}_frac"] = closed / horizon_h
        # berth-hours held by weather: exact to the horizon (the per-operation split
        # above charges each hold when it begins)
        k[f"{role}_weather_hold_h"] = term.occupancy_h.get("weather", 0.0)
    k["sea_weather_hold_h"] = float(sum(t.sea_weather_h for t in world.tankers))
    if any(t.wear is not None for t in world.tankers):
        k["tanker_failures"] = float(sum(t.wear.failures_before(horizon_h) for t in world.tankers if t.wear is not None))
    k["weather_hold_h"] = k["load_weather_hold_h"] + k["discharge_weather_hold_h"] + k["sea_weather_hold_h"]
    fleet_h = len(world.tankers) * horizon_h
    for state in TANKER_STATES:
        k[f"tanker_{state}_frac"] = sum(t.budget_h.get(state, 0.0) for t in world.tankers) / fleet_h
    k["load_calls"] = float(world.load.ship_calls)
    k["discharge_calls"] = float(world.discharge.ship_calls)
    voyages_by_tanker: dict[str, int] = {}
    for v in world.voyages:
        voyages_by_tanker[v.tanker] = voyages_by_tanker.get(v.tanker, 0) + 1
    # ship-hours and voyages by tanker class (classes of the same name are one class)
    by_class: dict[str, list] = {}
    for t in world.tankers:
        by_class.setdefault(t.spec.name, []).append(t)
    for name, ships in by_class.items():
        k[f"class[{name}]_voyages"] = float(sum(voyages_by_tanker.get(t.name, 0) for t in ships))
        for state in TANKER_STATES:
            k[f"class[{name}]_{state}_h"] = float(sum(t.budget_h.get(state, 0.0) for t in ships))
    return [
        {"tanker": t.name, "tanker_class": t.spec.name, "voyages": voyages_by_tanker.get(t.name, 0),
         **{f"{state}_h": t.budget_h.get(state, 0.0) for state in TANKER_STATES}}
        for t in world.tankers
    ]


def _ferry_route(world: "World", horizon_h: float, k: dict, traces: dict) -> None:
    fr, spec = world.ferry, world.scenario.ferry
    q = fr.q_t
    st = world.station_tank.totals()
    k["ferry_delivered_t"] = fr.delivered_wagons * q
    k["ferry_crossed_t"] = fr.crossed_wagons * q
    k["wagons_delivered"] = float(fr.delivered_wagons)
    wagons_per_trip = [t.wagons + t.other_wagons for t in fr.trip_records]
    k["ferry_trips"] = float(len(wagons_per_trip))
    k["ferry_load_factor"] = (float(np.mean(wagons_per_trip)) / spec.ferries.capacity_wagons
                              if wagons_per_trip else 0.0)
    k["rail_supply_offered_t"] = st["supply_offered_t"]
    k["rail_supply_accepted_t"] = st["supply_moved_t"]
    k["rail_deferred_t"] = st["supply_offered_t"] - st["supply_moved_t"]
    k["rail_loaded_t"] = st.get("rail_load_moved_t", 0.0)
    t, n = fr.yard_trace()
    t_arr = np.asarray(t + [horizon_h])
    n_arr = np.asarray(n, dtype=float)
    dt = np.diff(t_arr)
    k["yard_wagons_mean"] = float(np.sum(n_arr * dt) / horizon_h)
    k["yard_wagons_max"] = float(n_arr.max())
    idle_h = fr.idle_wagon_hours()
    k["wagon_fleet_utilisation_frac"] = 1.0 - idle_h / (spec.wagons.count * horizon_h)
    t_h, lvl = np.asarray(world.station_tank.trace_t_h), np.asarray(world.station_tank.trace_level_t)
    traces["station_tank"] = (t_h, lvl)
    traces["yard_wagons"] = (np.asarray(t, dtype=float), n_arr)
    k["station_stock_change_t"] = float(lvl[-1] - world.station_tank.initial_t)
    k["wagons_loaded_undelivered"] = float(fr.loaded_wagons())
    fleet_h = spec.ferries.count * horizon_h
    for state in FERRY_STATES:
        k[f"ferry_{state}_frac"] = fr.budget_h.get(state, 0.0) / fleet_h
    k["ferry_handling_weather_hold_h"] = fr.handling_weather_h()
    k["ferry_draft_limited_trips"] = float(fr.draft_limited_trips)
    if spec.ferries.breakdowns is not None:
        k["ferry_left_berth_broken"] = float(fr.left_berth_broken)
        if spec.ferries.breakdowns.clock == "operating":
            k["ferry_failures"] = float(fr.failures_before(horizon_h))
    if spec.other_cargo is not None:
        oc = fr.other_census()
        k["other_wagons_arrived"] = float(oc.get("arrived", 0))
        k["other_wagons_delivered"] = float(oc.get("delivered", 0))
        k["other_wagons_undelivered"] = float(oc.get("arrived", 0) - oc.get("delivered", 0))
