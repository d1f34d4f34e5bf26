"""Build the SimPy world of one scenario and run one replication.

``simulate(scenario, seed)`` is the single entry point every layer above uses
(experiments, sweeps, the CLI).  It wires the components together::

    supply --> [load tank farm] --> load Terminal --> Tankers --sea--> discharge Terminal
           --> [discharge tank farm] --> offtake

and returns a :class:`~shuttle_sim.results.Result` with flat KPIs, one record per
voyage and the exact level traces of both tank farms.
"""

from __future__ import annotations

import datetime as _dt
import gc
import math
import time

from .components import draft, offtake, outages, stress
from .components.availability import Availability
from .components.drydock import first_due_h
from .components.ferry import FerryRoute
from .components.split import OverflowSplit
from .components.records import Voyage
from .components.tank import TankFarm
from .components.tanker import Tanker
from .components.terminal import OPERATIONS, Terminal
from .components.wear import UseFailures
from .components.weather import Weather
from .components.weather_cache import WeatherCache
from .config.schema import Scenario
from .engine import Engine
from .results import Result, collect
from .rng import Streams
from . import window


def month_starts(start: _dt.date, until_h: float) -> tuple[list[float], list[int]]:
    """Hours (from ``start``, hour 0) at which calendar months begin, the first being the
    start's own month (at or before 0) and the last after ``until_h``; and each one's
    calendar month, 0..11."""
    first = _dt.date(start.year, start.month, 1)
    starts: list[float] = []
    months: list[int] = []
    y, m = first.year, first.month
    while True:
        h = (_dt.date(y, m, 1) - start).days * 24.0
        starts.append(h)
        months.append(m - 1)
        if h > until_h:
            return starts, months
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)


class World:
    """All components of one replication, wired together (exposed for tests).

    Timelines (weather, failures, scripted disruptions) are drawn for ``horizon_h``
    (default: the scenario's) plus a margin; :meth:`run` goes to ``horizon_h``.

    ``drawn`` is :attr:`drawn` of another world of the same scenario, seed, replication and
    horizon: its timelines are used instead of being drawn again.  They are the same values
    either way (each is drawn from its own freshly seeded stream, and nothing changes them
    during a run), so this only saves the drawing: the warm-up's second world
    (:func:`simulate`) costs its run, not its weather.

    ``weathers`` (a :class:`~shuttle_sim.components.weather_cache.WeatherCache`) gives the
    weather if it holds this replication's, and keeps it if it draws it: for scenarios
    that differ elsewhere (a study's worker).
    """

    def __init__(self, scenario: Scenario, seed: int = 0, replication: int = 0, horizon_h: float | None = None,
                 drawn: dict | None = None, weathers: WeatherCache | None = None) -> None:
        s = scenario
        self.scenario = s
        self.horizon_h = h = float(s.horizon_h if horizon_h is None else horizon_h)
        self.env = Engine(0.0)  # simpy.Environment with a native queue (shuttle_sim.engine); a float clock
        self.streams = streams = Streams(seed, replication)
        #: the timelines drawn for this world, by what they are (see ``drawn`` above)
        self.drawn: dict = {} if drawn is None else drawn
        until_h = h + 60 * 24
        make = weathers.get if weathers is not None else Weather
        self.weather = (self._memo(("weather",), lambda: make(s.weather, s.start_date, h, streams))
                        if s.weather is not None else None)
        self.load_tank = self.discharge_tank = self.load = self.discharge = None
        self.supply = self.offtake = self.supply_schedule = self.offtake_schedule = None
        self.voyages: list[Voyage] = []
        self.tankers: list[Tanker] = []
        self.ferry = None
        share = s.ferry_share
        #: (target, start h, end h, factor) of each design event, drawn for this replication
        self.stress_events = self._memo(("stress",), lambda: stress.draw(s.stress, streams, s.warmup_h, h))
        changes = self._factor_changes("supply", s.supply, until_h)
        if s.has_tankers:
            self._build_tankers(until_h, (1.0 - share) * s.supply.rate_t_per_h, changes)
        if s.ferry is not None:
            self._build_ferry(until_h, share * s.supply.rate_t_per_h, changes)

    def _memo(self, key: tuple, draw):
        """``draw()``, or what it returned for ``key`` in the world whose timelines these are."""
        got = self.drawn.get(key)
        if got is None:
            got = self.drawn[key] = draw()
        return got

    def _factor_changes(self, target: str, spec, until_h: float):
        """Rate-factor timeline of ``supply`` or ``offtake``: its random outages and
        its scripted disruptions."""
        return self._memo(("factors", target), lambda: self._draw_factor_changes(target, spec, until_h))

    def _draw_factor_changes(self, target: str, spec, until_h: float):
        s = self.scenario
        downs = outages.failure_downs(spec.outages, self.streams.get(f"{target}_failures", 0), until_h)
        scripted = [
            (outages.hours_since(s.start_date, d.start), outages.hours_since(s.start_date, d.end), d.factor)
            for d in s.disruptions
            if d.target == target
        ] + [(a, b, f) for tgt, a, b, f in self.stress_events if tgt == target]
        return outages.factor_changes(downs, scripted)

    def _build_tankers(self, until_h: float, supply_t_per_h: float, supply_changes) -> None:
        s, env, streams = self.scenario, self.env, self.streams
        lp, dp = s.load_port, s.discharge_port
        self.load_tank = TankFarm(env, "load_tank", lp.tank_farm.capacity_t, lp.tank_farm.initial_level_t)
        self.discharge_tank = TankFarm(
            env, "discharge_tank", dp.tank_farm.capacity_t, dp.tank_farm.initial_level_t
        )
        self.supply = self.load_tank.source("supply", supply_t_per_h)
        self.supply_schedule = outages.RateSchedule(env, self.load_tank, self.supply, supply_t_per_h, supply_changes)
        second = s.offtake.second
        self.offtake_schedule = offtake.build(
            env, s.offtake, self.discharge_tank, dp.tank_farm.working_level_t,
            self._factor_changes("offtake", s.offtake, until_h),
            self._factor_changes("second_offtake", second, until_h) if second is not None else [], until_h)
        self.offtake = self.offtake_schedule.flow
        calendar = month_starts(s.start_date, until_h)
        self.load = Terminal(env, lp, "load", self.load_tank, streams.get("other_traffic", 0),
                             self._port_weather(lp), self._berth_ups("load", lp, until_h), calendar)
        self.discharge = Terminal(env, dp, "discharge", self.discharge_tank, streams.get("other_traffic", 1),
                                  self._port_weather(dp), self._berth_ups("discharge", dp, until_h), calendar)
        self.load.cargo_limit = draft.cargo_limit(s)
        sea = self._availability(s.route.weather_site, s.route.passage_limits)
        spacing_h = s.fleet.arrival_spacing_h or 0.0
        k = 0  # fleet-wide number: arrival order and the index `disruptions` address
        for cls in s.fleet.tankers:
            for j in range(cls.count):
                # streams by class name and number within the class (common random numbers:
                # adding a ship of one class leaves every other ship's draws unchanged)
                name = f"{cls.name}-{j + 1}" if cls.count > 1 else cls.name
                up, wear = self._ship_up(cls.breakdowns, f"tanker_failures/{cls.name}", j, "tanker", k, until_h)
                phase = self._memo(("dry_dock", cls.name, j), lambda: streams.get(f"dry_dock/{cls.name}", j).random())
                ship = Tanker(env, name, cls, self.load, self.discharge, s.route.distance_nmi,
                              streams.get(f"tanker/{cls.name}", j), k * spacing_h, self.voyages,
                              up=None if up.always_up else up, sea=sea,
                              dry_dock_first_h=first_due_h(cls.dry_dock, phase),
                              depart_window=s.route.departure == "passage_window",
                              forecast_h=s.route.forecast_horizon_h or math.inf)
                if wear is not None:
                    ship.wear = wear
                    wear.attach(ship, (ship.passage,))
                self.tankers.append(ship)
                k += 1

    def _build_ferry(self, until_h: float, supply_t_per_h: float, supply_changes) -> None:
        s, env, streams = self.scenario, self.env, self.streams
        fr = s.ferry
        tf = fr.station.tank_farm
        self.station_tank = TankFarm(env, "station_tank", tf.capacity_t, tf.initial_level_t)
        self.ferry_supply = self.station_tank.source("supply", supply_t_per_h)
        self.ferry_supply_schedule = outages.RateSchedule(env, self.station_tank, self.ferry_supply, supply_t_per_h,
                                                          supply_changes)
        if s.has_tankers and s.split.rule == "overflow":
            OverflowSplit(self.supply, self.station_tank, self.ferry_supply).attach(self.load_tank)
        weather = {"port": self._port_weather(fr.port), "arrival_port": self._port_weather(fr.arrival_port),
                   "sea": self._availability(fr.crossing.weather_site, fr.crossing.passage_limits)}
        n = fr.ferries.count
        ups, wears = zip(*[self._ship_up(fr.ferries.breakdowns, "ferry_failures", i, "ferry", i, until_h)
                            for i in range(n)])
        first_dd = [first_due_h(fr.ferries.dry_dock,
                                self._memo(("dry_dock", "ferry", i), lambda: streams.get("dry_dock/ferry", i).random()))
                    for i in range(n)]
        sea_level = getattr(s, "sea_level", None)  # the tanker route's sea-level trend, where the scenario has one
        self.ferry = FerryRoute(env, fr, self.station_tank, streams, {k: v for k, v in weather.items() if v},
                                list(ups), first_dd, [w for w in wears if w is not None],
                                start_date=s.start_date,
                                sea_trend_m_per_yr=sea_level.trend_per_yr_m if sea_level is not None else 0.0)

    def _availability(self, site: str | None, limits, exposure=None) -> Availability | None:
        if self.weather is None or site is None:
            return None
        return self.weather.availability(site, limits.max_wind_m_per_s, limits.max_hs_m,
                                         limits.min_visibility_m, exposure)

    def _port_weather(self, port) -> dict[str, Availability] | None:
        if self.weather is None or port.weather_site is None:
            return None
        exposure = getattr(port, "berth_exposure", None)  # site sea-state -> berth sea-state
        out = {op: self._availability(port.weather_site, getattr(port.limits, op), exposure) for op in OPERATIONS}
        leave = getattr(port, "leave_berth", None)  # tanker ports only (a ferry port has none)
        # a limit on wind or waves: a closures source (open/closed spells) has neither
        if (leave is not None and leave.policy == "leave"
                and self.scenario.weather is not None and self.scenario.weather.source != "closures"):
            out["leave_berth"] = self._availability(port.weather_site, leave, exposure)
        return out

    def _berth_ups(self, role: str, port, until_h: float) -> list[Availability]:
        return [self._entity_up(port.berth_failures, f"{role}_berth_failures", j, f"{role}_berth", j, until_h)
                for j in range(port.berths)]

    def _ship_up(self, failures, stream: str, stream_index: int, target: str, index: int, until_h: float):
        """A ship's up timeline and, with ``breakdowns.clock: operating``, its failure
        clock (:class:`~.components.wear.UseFailures`, which adds the failures as the
        ship's use decides them); else ``(timeline, None)``."""
        if failures is None or getattr(failures, "clock", "calendar") == "calendar":
            return self._entity_up(failures, stream, stream_index, target, index, until_h), None
        scripted = outages.scripted_downs(self.scenario.disruptions, self.scenario.start_date, target, index)
        wear = UseFailures(failures, self.streams.get(stream, stream_index), scripted)
        return wear.up, wear

    def _entity_up(self, failures, stream: str, stream_index: int, target: str, index: int,
                   until_h: float) -> Availability:
        """Up timeline of one entity: its random failures (drawn from stream ``stream``,
        entity ``stream_index``) and the scripted disruptions aimed at ``target`` ``index``."""
        return self._memo(("up", stream, stream_index, target, index),
                          lambda: self._draw_entity_up(failures, stream, stream_index, target, index, until_h))

    def _draw_entity_up(self, failures, stream: str, stream_index: int, target: str, index: int,
                        until_h: float) -> Availability:
        downs = outages.failure_downs(failures, self.streams.get(stream, stream_index), until_h)
        downs += outages.scripted_downs(self.scenario.disruptions, self.scenario.start_date, target, index)
        return outages.entity_availability(downs)

    def run(self, horizon_h: float | None = None) -> None:
        """Advance to ``horizon_h`` (default: the one drawn for) and close every account."""
        horizon_h = self.horizon_h if horizon_h is None else horizon_h
        self.env.run(until=horizon_h)
        self.close()

    def close(self) -> None:
        """Charge every account up to now (:meth:`run` does, at its horizon)."""
        for t in self.tankers:
            t.close()
        if self.load is not None:
            self.load.close()
            self.discharge.close()
            self.load_tank.sync()
            self.discharge_tank.sync()
        if self.ferry is not None:
            self.ferry.close()
            self.station_tank.sync()


def simulate(scenario: Scenario | str, seed: int = 0, replication: int = 0, horizon_h: float | None = None,
             closures: bool = True, weathers: WeatherCache | None = None) -> Result:
    """Run one replication of ``scenario``.

    Parameters
    ----------
    scenario : Scenario, or a scenario file or a shipped scenario's name
    seed : int
        Root seed of the study; with ``replication`` it names every random stream.
    replication : int
        Index of this replication within the study.
    horizon_h : float, optional
        Simulated hours; defaults to the scenario's ``horizon``.
    closures : bool
        Also list the spells each port was closed by weather (``Result.weather_closures``,
        for a run's files and report); a study, which keeps KPIs and levels only, passes
        False and saves ~0.2 ms a replication.  Nothing else changes.
    weathers : WeatherCache, optional
        Take the replication's weather from here (drawn there if it is not yet): a study's
        worker shares one among scenarios that differ elsewhere.  Nothing else changes.

    Returns
    -------
    Result
        KPIs, voyage records and tank-level traces.  Same inputs, same bits.
    """
    if not isinstance(scenario, Scenario):
        from .config.loader import as_scenario  # (the file reader: not imported by a worker)

        scenario = as_scenario(scenario)
    horizon_h = scenario.horizon_h if horizon_h is None else float(horizon_h)
    if not horizon_h > 0:
        raise ValueError(f"horizon_h must be > 0, found {horizon_h}")
    # A replication allocates hundreds of thousands of short-lived objects (events,
    # records); the cyclic garbage collector would scan the live world again and again
    # while it runs (about a tenth of the run time).  Off for the run; after it, one
    # collection of the young generations frees the finished worlds (a web of reference
    # cycles: engine, processes, components) while they are still in the cache, and
    # before the automatic collections promote them to the oldest generation, which
    # CPython rarely collects.  That costs ~1.5 ms; leaving them to the automatic
    # collections and a full one now and then cost ~4 ms a replication (one-year
    # kcts_concept; benchmarks/bench_replication.py).  A caller who has the collector
    # off keeps it off, and frees the worlds when it chooses.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _simulate(scenario, seed, replication, horizon_h, closures, weathers)
    finally:
        if collecting:
            gc.enable()
            gc.collect(1)


def kpi_names(scenario: Scenario, seed: int = 0, weathers: WeatherCache | None = None) -> list[str]:
    """The KPIs a run of ``scenario`` reports, from a probe run of one hour after its
    warm-up: which there are depends on what the scenario holds (ferry KPIs with a ferry
    route, a tanker class's voyages with that class), not on the draws.  (``weathers``: as
    in :func:`simulate`, for the probes of a study's cells.)"""
    return list(simulate(scenario, seed=seed, horizon_h=scenario.warmup_h + 1.0, closures=False,
                         weathers=weathers).kpis)


def _simulate(scenario: Scenario, seed: int, replication: int, horizon_h: float, closures: bool,
              weathers: WeatherCache | None) -> Result:
    t0 = time.perf_counter()
    warmup_h = scenario.warmup_h
    early = None
    if warmup_h > 0.0:  # the same world run to the warm-up: its accounts there (shuttle_sim.window)
        window.check_warmup(warmup_h, horizon_h)
        early = World(scenario, seed, replication, horizon_h, weathers=weathers)
        early.run(warmup_h)
    world = World(scenario, seed, replication, horizon_h, drawn=early.drawn if early is not None else None,
                  weathers=weathers)
    world.run()
    result = collect(world, seed, replication, horizon_h, time.perf_counter() - t0, closures=closures)
    if early is None:
        return result
    result = window.measured(collect(early, seed, replication, warmup_h, 0.0, closures=False), result, early, world,
                            warmup_h)
    result.runtime_s = time.perf_counter() - t0
    return result
