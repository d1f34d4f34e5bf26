"""Train-ferry route: rail tank cars from the field to Kuryk, across by ferry, on by rail.

Wagons are counted, never simulated one by one.  Empty wagons wait at the loading
station (a ``Container``); a rake of ``rake_wagons`` is filled from the station's tank
farm at the loading rate (slowed if the buffer runs dry), then takes room for itself in
the port yard (``yard_space``, a ``Container`` of free slots: while the yard is full,
rail shipments to the port stop) and travels to the yard.  Each ferry cycles: berth at
the yard port -> hand over its empties -> wait until it can take a full load or
``max_wait`` has passed -> handling -> unberth -> cross -> berth at the arrival port ->
hand over its loaded wagons, which go on by rail to the Black Sea (where their oil is
*delivered*) and come back empty -> take empties waiting there -> handling -> cross back.
A ferry that has waited ``max_wait`` leaves with whatever is in the yard, even nothing:
it must still fetch the empties from the other side.
Empties landed at the yard port go back to the station by rail.

Every wagon is always in exactly one place (:meth:`FerryRoute.wagon_census`), which the
tests check.  Ferries berth, unberth, sail and dry-dock by the tankers' own routines
(:func:`~.availability.operation_start`, :class:`~.passage.ShelteredPassage`,
:class:`~.drydock.DryDockRule`); where ferries differ from tankers (hold bookkeeping,
anonymous berths) is set out in docs/model.md, "Tankers and ferries: one ship physics".
"""

from __future__ import annotations

import math
from collections import defaultdict

import simpy

from .availability import Availability, operation_start
from .drydock import DryDockRule
from .passage import ShelteredPassage
from .records import FerryTrip
from .tank import TankFarm
from .timebudget import StateClock, budget

NAN = math.nan
FERRY_STATES = ("positioning", "berthing", "handling", "waiting_wagons", "sailing", "queueing", "weather",
                "breakdown", "off_hire")


class FerryRoute:
    """All wagons, the yard and the ferries of one scenario's ferry route.

    Parameters
    ----------
    env : simpy.Environment
    spec : config.ferry.FerryRoute
    tank : TankFarm
        The loading station's buffer (fed by the field supply).
    streams : Streams
    weather : dict
        ``{'port': {op: Availability}, 'arrival_port': {...}, 'sea': Availability}``.
    ferry_ups : list of Availability
        Each ferry's up timeline (breakdowns, scripted outages).
    dry_dock_first_h : list of float
    """

    def __init__(self, env: simpy.Environment, spec, tank: TankFarm, streams, weather: dict,
                 ferry_ups: list[Availability], dry_dock_first_h: list[float]) -> None:
        self.env = env
        self.spec = spec
        self.tank = tank
        self.q_t = spec.wagons.tonnes_per_wagon_t
        n = spec.wagons.count
        self.station_empty = simpy.Container(env, init=n)
        self.yard_space = simpy.Container(env, capacity=spec.yard.capacity_wagons, init=spec.yard.capacity_wagons)
        self.yard_loaded = simpy.Container(env)  # loaded wagons in the yard, waiting for a ferry
        self.arrival_empty = simpy.Container(env)  # empties back at the arrival port
        self.port_berths = simpy.Resource(env, spec.port.berths)
        self.arrival_berths = simpy.Resource(env, spec.arrival_port.berths)
        # wagons in motion, by place (the containers hold the rest)
        self.moving = defaultdict(int)
        self.delivered_wagons = 0
        self.crossed_wagons = 0
        self.trip_records: list[FerryTrip] = []  # one flat record per crossing from the yard port
        self._yard_t = [0.0]  # trace of wagons queued in the yard (piecewise constant)
        self._yard_n = [0]
        self._idle_since = env.now  # integral of empty wagons idle at the station
        self._idle_n = n
        self._idle_h = 0.0
        self.budget_h = budget(FERRY_STATES)
        self._clocks: list[StateClock] = []
        self._passages: list[ShelteredPassage] = []
        self._on_board_loaded: set[str] = set()  # census places of loaded wagons on board a ferry
        self.weather = weather
        self._always = always = Availability.always()
        self._sea = weather.get("sea") or always
        self.rng_rail = streams.get("rail", 0)
        for k in range(spec.station.tracks):
            env.process(self._loading_track(k))
        for i in range(spec.ferries.count):
            up = ferry_ups[i] if ferry_ups else always
            env.process(self._ferry(i, streams.get("ferry", i), up, dry_dock_first_h[i]))

    # --------------------------------------------------------------- rail side
    def _yard_changed(self) -> None:
        t, n = self.env.now, int(self.yard_loaded.level)
        if self._yard_t[-1] == t:
            self._yard_n[-1] = n
        else:
            self._yard_t.append(t)
            self._yard_n.append(n)

    def _station_changed(self) -> None:
        now = self.env.now
        self._idle_h += self._idle_n * (now - self._idle_since)
        self._idle_since, self._idle_n = now, int(self.station_empty.level)

    def idle_wagon_hours(self) -> float:
        """Wagon-hours spent empty and idle at the loading station, up to now."""
        return self._idle_h + self._idle_n * (self.env.now - self._idle_since)

    def _loading_track(self, k: int):
        env, st = self.env, self.spec.station
        r = st.rake_wagons
        while True:
            yield self.station_empty.get(r)
            self._station_changed()
            self.moving["loading"] += r
            flow = self.tank.draw("rail_load", st.loading_rate_t_per_h, r * self.q_t)
            yield flow.done
            self.moving["loading"] -= r
            self.moving["loaded_at_station"] += r
            yield self.yard_space.get(r)  # rail shipments stop while the yard is full
            self.moving["loaded_at_station"] -= r
            env.process(self._rail_to_yard(r))

    def _rail_leg(self, r: int, leg: str):
        """``r`` wagons on rail leg ``leg`` (its duration is the spec's field of that name)."""
        self.moving[leg] += r
        yield self.env.timeout(getattr(self.spec, leg).sample(self.rng_rail))
        self.moving[leg] -= r

    def _rail_to_yard(self, r: int):
        yield from self._rail_leg(r, "rail_to_port")
        yield self.yard_loaded.put(r)
        self._yard_changed()

    def _rail_onward(self, r: int):
        yield from self._rail_leg(r, "rail_onward")
        self.delivered_wagons += r
        yield from self._rail_leg(r, "rail_return")
        yield self.arrival_empty.put(r)

    def _rail_back(self, r: int):
        yield from self._rail_leg(r, "rail_back")
        yield self.station_empty.put(r)
        self._station_changed()

    # --------------------------------------------------------------- ferries
    def _ferry(self, i: int, rng, up: Availability, dry_dock_h: float):
        env, sp = self.env, self.spec
        clock = StateClock(self.budget_h, "positioning", env.now)
        self._clocks.append(clock)
        passage = ShelteredPassage(env, clock, self._sea, up)
        self._passages.append(passage)
        dock = DryDockRule(sp.ferries.dry_dock, dry_dock_h)
        cap = sp.ferries.capacity_wagons
        crossing_h = sp.crossing.distance_nmi / sp.ferries.speed_kn
        empties = 0  # carried back from the arrival port
        loaded_key, empty_key = f"ferry{i}_loaded", f"ferry{i}_empty"
        self._on_board_loaded.add(loaded_key)
        if sp.ferries.arrival_spacing_h * i > 0:
            yield env.timeout(sp.ferries.arrival_spacing_h * i)
        while True:
            # ---- yard port: land empties, load wagons
            clock.enter("queueing", env.now)
            with self.port_berths.request() as req:
                yield req
                yield from self._window(clock, up, self.weather.get("port"), "berthing", sp.port.berthing.sample(rng), sp.port)
                if empties:
                    self.moving[empty_key] -= empties
                    env.process(self._rail_back(empties))
                    empties = 0
                clock.enter("waiting_wagons", env.now)
                get = self.yard_loaded.get(cap)
                yield get | env.timeout(sp.ferries.max_wait_h)
                if get.triggered:  # not `get in <condition value>`: a get that succeeded at
                    n = cap  # the very instant of the timeout has taken its wagons already
                else:  # max wait reached: leave with what there is, even nothing
                    get.cancel()
                    n = int(self.yard_loaded.level)
                    if n:
                        yield self.yard_loaded.get(n)
                if n:
                    self.moving[loaded_key] += n
                    self._yard_changed()
                    yield self.yard_space.put(n)
                clock.enter("handling", env.now)
                yield env.timeout(sp.port.handling.sample(rng))
                yield from self._window(clock, up, self.weather.get("port"), "unberthing", sp.port.unberthing.sample(rng), sp.port)
            trip = len(self.trip_records)  # recorded as it leaves; completed on arrival
            self.trip_records.append(FerryTrip(i, trip, env.now, n, NAN, 0))
            yield passage.sail("sailing", crossing_h)
            self.trip_records[trip] = self.trip_records[trip]._replace(arrive_h=env.now)
            # ---- arrival port: land loaded wagons, take empties back
            clock.enter("queueing", env.now)
            with self.arrival_berths.request() as req:
                yield req
                yield from self._window(clock, up, self.weather.get("arrival_port"), "berthing",
                                        sp.arrival_port.berthing.sample(rng), sp.arrival_port)
                clock.enter("handling", env.now)
                yield env.timeout(sp.arrival_port.handling.sample(rng))
                if n:
                    self.moving[loaded_key] -= n
                    self.crossed_wagons += n
                    env.process(self._rail_onward(n))
                empties = min(int(self.arrival_empty.level), cap)
                self.trip_records[trip] = self.trip_records[trip]._replace(empties_back=empties)
                if empties:
                    yield self.arrival_empty.get(empties)
                    self.moving[empty_key] += empties
                yield from self._window(clock, up, self.weather.get("arrival_port"), "unberthing",
                                        sp.arrival_port.unberthing.sample(rng), sp.arrival_port)
            docked_h = dock.take_if_due(clock, env.now)
            if docked_h > 0:
                yield env.timeout(docked_h)
            yield passage.sail("sailing", crossing_h)

    def _window(self, clock: StateClock, up: Availability, weather: dict | None, op: str, duration_h: float, port):
        """Berth or unberth (``op``) for ``duration_h``, once the port's weather and the
        ferry allow it unbroken (:func:`operation_start`, the tankers' rule too)."""
        env = self.env
        gate = (weather or {}).get(op) or self._always
        now = env.now
        start, by_weather = operation_start(gate, up, now, max(duration_h, getattr(port.limits, op).window_h))
        if start > now:
            clock.enter("weather" if by_weather else "breakdown", now)
            yield env.timeout(start - now)
        if duration_h > 0:
            clock.enter("berthing", env.now)
            yield env.timeout(duration_h)

    # --------------------------------------------------------------- accounts
    LOADED_PLACES = ("loaded_at_station", "rail_to_port", "yard_loaded", "rail_onward")

    def loaded_wagons(self) -> int:
        """Wagons full of oil not yet delivered (the rakes being filled excluded)."""
        return sum(v for p, v in self.wagon_census().items() if p in self.LOADED_PLACES or p in self._on_board_loaded)

    def wagon_census(self) -> dict[str, int]:
        """Where every wagon is now; the values always add up to the fleet."""
        out = {
            "station_empty": int(self.station_empty.level),
            "yard_loaded": int(self.yard_loaded.level),
            "arrival_empty": int(self.arrival_empty.level),
        }
        out.update(self.moving)
        return out

    def yard_trace(self) -> tuple[list[float], list[int]]:
        return self._yard_t, self._yard_n

    def close(self) -> None:
        """Charge every ferry's current state up to now, splitting a crossing in progress."""
        for c in self._clocks:
            c.enter(c.state, self.env.now)
        for p in self._passages:
            p.close()
