"""Train-ferry route: rail tank cars from the field to Kuryk, across by ferry, on by rail.

Wagons are counted, never simulated one by one.  Empty wagons wait at the loading
station (a ``Container``); a rake of ``rake_wagons`` is filled from the station's tank
farm at the loading rate (slowed if the buffer runs dry), is sent to the port only while
the port's yard has room (:class:`~.yard.Yard`: it counts only wagons *at* the port;
while it is full rail shipments stop), travels to the port, and enters the yard (or
waits on the approach if the yard filled meanwhile).  Wagons of other shippers
(``other_cargo``) arrive as their own stream and compete for the same yard room and
ferry slots: ferries load the yard first come first served, whatever the cargo.

Each ferry cycles: berth at the yard port -> land its empties -> wait until it can take
a full load (``capacity_wagons``, or fewer where the draft limits it) or ``max_wait``
has passed -> handling -> unberth -> cross -> berth at the arrival port -> handling ->
land its loaded wagons (oil goes on by rail to the Black Sea, where it is *delivered*,
and comes back empty; other wagons leave the model, delivered) -> take empties waiting
there -> unberth -> cross back.  Handling takes a fixed part plus ``handling_per_wagon``
for every wagon moved, and pauses while the port's ``transfer`` limits are exceeded or
the ferry is broken down.  With ``breakdowns.leave_berth_after`` a ferry broken down at
a berth that long is towed off, frees the berth, and queues again once repaired (the
rule of :mod:`.towoff`, which the tankers' port call follows too).  Before berthing a
ferry waits at anchorage for a berthing window (and its own repair), then queues; a berth
handed over once the window has closed is passed on (a tanker's steps 2b-4), so no ferry
holds a berth through a storm or a breakdown it has not yet berthed in.

Every wagon is always in exactly one place (:meth:`FerryRoute.wagon_census`,
:meth:`FerryRoute.other_census`), which the tests check.  Ferries berth, unberth, sail
and dry-dock by the tankers' own routines (:func:`~.availability.operation_start`,
:class:`~.passage.ShelteredPassage`, :class:`~.drydock.DryDockRule`), and fail on
calendar or operating hours (:mod:`.wear`).
"""

from __future__ import annotations

import math
from collections import defaultdict

import simpy

from ..engine import Engine
from ..units import HOURS_PER_DAY
from .availability import Availability, operation_start
from .drydock import DryDockRule
from .ferrydraft import FerryDrafts
from .passage import ShelteredPassage
from .records import FerryTrip
from .tank import TankFarm
from .timebudget import StateClock, budget
from .towoff import long_down_start, tow_off_at
from .yard import Yard

NAN = math.nan
FERRY_STATES = ("positioning", "berthing", "handling", "waiting_wagons", "sailing", "queueing", "weather",
                "breakdown", "off_hire")
EPS_H = 1e-9


class _Ship:
    """One ferry's own state: its budget clock, up timeline (replaced by an operating-hour
    failure clock as failures are decided), passages at sea and handling at each port."""

    __slots__ = ("i", "clock", "up", "sea", "handling", "rng")

    def __init__(self, i: int, clock: StateClock, up: Availability, rng, sea: ShelteredPassage) -> None:
        self.i, self.clock, self.up, self.rng = i, clock, up, rng
        self.sea = sea
        self.handling: dict[str, ShelteredPassage] = {}


class FerryRoute:
    """All wagons, the yard and the ferries of one scenario's ferry route.

    Parameters
    ----------
    env : Engine
    spec : config.ferry.FerryRoute
    tank : TankFarm
        The loading station's buffer (fed by the field supply).
    streams : Streams
    weather : dict
        ``{'port': {op: Availability}, 'arrival_port': {...}, 'sea': Availability}``.
    ferry_ups : list of Availability
        Each ferry's up timeline (breakdowns, scripted outages).
    dry_dock_first_h : list of float
    wear : list of UseFailures, optional
        Each ferry's operating-hour failure clock (``breakdowns.clock: operating``).
    start_date : datetime.date, optional
        Calendar date of hour 0 (the datum of the ports' ``depth``).
    sea_trend_m_per_yr : float
        Sea-level change per year (moves the ports' allowed draft).
    """

    def __init__(self, env: Engine, spec, tank: TankFarm, streams, weather: dict,
                 ferry_ups: list[Availability], dry_dock_first_h: list[float], wear: list | None = None,
                 start_date=None, sea_trend_m_per_yr: float = 0.0) -> None:
        self.env = env
        self.spec = spec
        self.tank = tank
        self.q_t = spec.wagons.tonnes_per_wagon_t
        n = spec.wagons.count
        self.station_empty = simpy.Container(env, init=n)
        self.yard = Yard(env, spec.yard.capacity_wagons)
        self.arrival_empty = simpy.Container(env)  # empties back at the arrival port
        self.port_berths = simpy.Resource(env, spec.port.berths)
        self.arrival_berths = simpy.Resource(env, spec.arrival_port.berths)
        # wagons in motion, by place (the containers and the yard hold the rest)
        self.moving: defaultdict[str, int] = defaultdict(int)
        self.other: defaultdict[str, int] = defaultdict(int)  # other shippers' wagons, by place
        self.delivered_wagons = 0
        self.crossed_wagons = 0
        self.left_berth_broken = 0
        self.draft_limited_trips = 0
        self.trip_records: list[FerryTrip] = []  # one flat record per crossing from the yard port
        self._idle_since = env.now  # integral of empty wagons idle at the station
        self._idle_n = n
        self._idle_h = 0.0
        self.budget_h = budget(FERRY_STATES)
        self.ships: list[_Ship] = []
        self._on_board_loaded: set[str] = set()  # census places of loaded wagons on board a ferry
        self.weather = weather
        self._always = always = Availability.always()
        self._sea = weather.get("sea") or always
        self.wear = wear or []
        b = spec.ferries.breakdowns
        self.leave_after_h = b.leave_berth_after_h if b is not None else None
        self.drafts = FerryDrafts(spec, start_date, sea_trend_m_per_yr)
        self.rng_rail = streams.get("rail", 0)
        for k in range(spec.station.tracks):
            env.process(self._loading_track(k))
        if spec.other_cargo is not None:
            env.process(self._other_arrivals(streams.get("other_wagons", 0)))
        for i in range(spec.ferries.count):
            up = ferry_ups[i] if ferry_ups else always
            env.process(self._ferry(i, streams.get("ferry", i), up, dry_dock_first_h[i]))

    # --------------------------------------------------------------- rail side
    def _station_changed(self) -> None:
        now = self.env.now
        self._idle_h += self._idle_n * (now - self._idle_since)
        self._idle_since, self._idle_n = now, int(self.station_empty.level)

    def idle_wagon_hours(self) -> float:
        """Wagon-hours spent empty and idle at the loading station, up to now."""
        return self._idle_h + self._idle_n * (self.env.now - self._idle_since)

    def _loading_track(self, k: int):
        st = self.spec.station
        r = st.rake_wagons
        while True:
            yield self.station_empty.get(r)
            self._station_changed()
            self.moving["loading"] += r
            flow = self.tank.draw("rail_load", st.loading_rate_t_per_h, r * self.q_t)
            yield flow.done
            self.moving["loading"] -= r
            self.moving["loaded_at_station"] += r
            yield from self.yard.wait_room(r)  # rail shipments stop while the yard is full
            self.moving["loaded_at_station"] -= r
            self.env.process(self._rail_to_yard(self.moving, "oil", r, self.spec.rail_to_port))

    def _rail_to_yard(self, places: dict, kind: str, r: int, leg):
        """``r`` wagons of ``kind`` by rail to the port, into the yard (waiting on the
        approach while it is full)."""
        places["rail_to_port"] += r
        yield self.env.timeout(leg.sample(self.rng_rail))
        places["rail_to_port"] -= r
        wait = self.yard.admit(r)
        if wait is not None:
            places["rail_held"] += r
            yield wait
            places["rail_held"] -= r
        self.yard.enter(kind, r)

    def _rail_leg(self, r: int, leg: str):
        """``r`` wagons on rail leg ``leg`` (its duration is the spec's field of that name)."""
        self.moving[leg] += r
        yield self.env.timeout(getattr(self.spec, leg).sample(self.rng_rail))
        self.moving[leg] -= r

    def _rail_onward(self, r: int):
        yield from self._rail_leg(r, "rail_onward")
        self.delivered_wagons += r
        yield from self._rail_leg(r, "rail_return")
        yield self.arrival_empty.put(r)

    def _rail_back(self, r: int):
        yield from self._rail_leg(r, "rail_back")
        yield self.station_empty.put(r)
        self._station_changed()

    def _other_arrivals(self, rng):
        """Other shippers' trains: Poisson arrivals at their origin, sent to the port
        in arrival order while the yard has room."""
        oc = self.spec.other_cargo
        r = oc.train_wagons
        gap_h = HOURS_PER_DAY * r / oc.wagons_per_day
        held = simpy.Store(self.env)  # trains at the origin, in arrival order
        self.env.process(self._other_dispatch(held, r, oc.rail_to_port))
        while True:
            yield self.env.timeout(gap_h * rng.standard_exponential())
            self.other["arrived"] += r
            self.other["at_origin"] += r
            yield held.put(r)

    def _other_dispatch(self, held: simpy.Store, r: int, leg):
        while True:
            yield held.get()
            yield from self.yard.wait_room(r)
            self.other["at_origin"] -= r
            self.env.process(self._rail_to_yard(self.other, "other", r, leg))

    # --------------------------------------------------------------- ferries
    def _ferry(self, i: int, rng, up: Availability, dry_dock_h: float):
        env, sp = self.env, self.spec
        clock = StateClock(self.budget_h, "positioning", env.now)
        f = _Ship(i, clock, up, rng, ShelteredPassage(env, clock, self._sea, up))
        self.ships.append(f)
        for key in ("port", "arrival_port"):
            gate = (self.weather.get(key) or {}).get("transfer") or self._always
            f.handling[key] = ShelteredPassage(env, clock, gate, up)
        wear = self.wear[i] if self.wear else None
        if wear is not None:  # the sea passage first: the failure clock measures way on it
            wear.attach(f, (f.sea, *f.handling.values()))
        dock = DryDockRule(sp.ferries.dry_dock, dry_dock_h)
        per_wagon_h = (sp.port.handling_per_wagon_h, sp.arrival_port.handling_per_wagon_h)
        crossing_h = sp.crossing.distance_nmi / sp.ferries.speed_kn
        empties = 0  # carried back from the arrival port
        loaded_key, empty_key = f"ferry{i}_loaded", f"ferry{i}_empty"
        self._on_board_loaded.add(loaded_key)
        if sp.ferries.arrival_spacing_h * i > 0:
            yield env.timeout(sp.ferries.arrival_spacing_h * i)
        while True:
            # ---- yard port: land empties, load wagons
            req = yield from self._berth(f, "port")
            landed = empties
            if empties:
                self.moving[empty_key] -= empties
                env.process(self._rail_back(empties))
                empties = 0
            clock.enter("waiting_wagons", env.now)
            want = self.drafts.load_limit(env.now)
            if want < sp.ferries.capacity_wagons:
                self.draft_limited_trips += 1
            deadline = env.now + sp.ferries.max_wait_h
            while self.yard.total < want and env.now < deadline:
                yield self.yard.arrived | env.timeout(deadline - env.now)
            got = self.yard.take(want)  # full, or max wait reached: what there is, even nothing
            n, n_other = got["oil"], got["other"]
            self.moving[loaded_key] += n
            self.other[f"ferry{i}"] += n_other
            yield from self.yard.free(n + n_other)
            hours = sp.port.handling.sample(rng) + per_wagon_h[0] * (landed + n + n_other)
            req = yield from self._handle(f, "port", hours, req)
            left_h = yield from self._unberth(f, "port", req)
            trip = len(self.trip_records)  # recorded as it sails; completed on arrival
            self.trip_records.append(FerryTrip(i, trip, left_h, n, NAN, 0, n_other, want))
            if wear is not None:
                wear.before_passage(env.now, crossing_h)
            yield f.sea.sail("sailing", crossing_h)
            self.trip_records[trip] = self.trip_records[trip]._replace(arrive_h=env.now)
            # ---- arrival port: land loaded wagons, take empties back
            req = yield from self._berth(f, "arrival_port")
            empties = min(int(self.arrival_empty.level), sp.ferries.capacity_wagons)
            if empties:
                yield self.arrival_empty.get(empties)
                self.moving[empty_key] += empties
            hours = sp.arrival_port.handling.sample(rng) + per_wagon_h[1] * (n + n_other + empties)
            req = yield from self._handle(f, "arrival_port", hours, req)
            if n:
                self.moving[loaded_key] -= n
                self.crossed_wagons += n
                env.process(self._rail_onward(n))
            if n_other:
                self.other[f"ferry{i}"] -= n_other
                self.other["delivered"] += n_other
            self.trip_records[trip] = self.trip_records[trip]._replace(empties_back=empties)
            yield from self._unberth(f, "arrival_port", req)
            docked_h = dock.take_if_due(clock, env.now)
            if docked_h > 0:
                yield env.timeout(docked_h)
            if wear is not None:
                wear.before_passage(env.now, crossing_h)
            yield f.sea.sail("sailing", crossing_h)

    def _berths(self, key: str) -> simpy.Resource:
        return self.port_berths if key == "port" else self.arrival_berths

    def _berth(self, f: _Ship, key: str):
        """Berth at port ``key``; returns the berth request.  As a tanker does
        (:meth:`.terminal.Terminal._berth_when_open`, steps 2b-4): wait at anchorage until
        the berthing can start (the port's berthing limits open for its window and the
        ferry not broken down throughout: :func:`operation_start`), charged ``weather``
        or ``breakdown``; then queue for a berth; a berth handed over once that window
        has closed again is passed on and the ferry waits for the next one.  So a ferry
        never holds a berth through a storm or its own repair before berthing, while
        another could use it."""
        env, port = self.env, getattr(self.spec, key)
        gate = (self.weather.get(key) or {}).get("berthing") or self._always
        duration_h = port.berthing.sample(f.rng)
        length_h = max(duration_h, port.limits.berthing.window_h)
        berths = self._berths(key)
        while True:
            now = env.now
            start, by_weather = operation_start(gate, f.up, now, length_h)
            if start > now:
                f.clock.enter("weather" if by_weather else "breakdown", now)
                yield env.timeout(start - now)
            f.clock.enter("queueing", env.now)
            t_q = env.now
            req = berths.request()
            yield req
            now = env.now
            if now == t_q or operation_start(gate, f.up, now, length_h)[0] == now:
                break
            berths.release(req)  # the window closed meanwhile: the next in line may use it
        if duration_h > 0:
            f.clock.enter("berthing", now)
            yield env.timeout(duration_h)
        return req

    def _unberth(self, f: _Ship, key: str, req):
        """Unberth and free the berth (a ferry towed off broken down has freed it, and
        waited for its repair); returns the moment it left the berth: the end of
        unberthing, or the tow (a tanker's ``*_depart_h`` too)."""
        towed_h = yield from self._left_broken(f, key, req)
        if towed_h is not None:
            return towed_h
        towed_h = yield from self._window(f, key, "unberthing", getattr(self.spec, key).unberthing.sample(f.rng), req)
        if towed_h is not None:
            return towed_h
        self._berths(key).release(req)
        return self.env.now

    def _left_broken(self, f: _Ship, key: str, req):
        """With ``leave_berth_after``: if the ferry is broken down now, to be repaired
        later than that, it stays that long, is towed off (the berth freed) and waits for
        its repair; returns the moment of the tow if it left, else None."""
        limit, env = self.leave_after_h, self.env
        if limit is None:
            return None
        now = env.now
        if tow_off_at(f.up, now, limit) == math.inf:  # the rule tankers share (.towoff)
            return None
        repaired = f.up.next_up(now)
        f.clock.enter("breakdown", now)
        yield env.timeout(limit)
        towed_h = env.now
        self._berths(key).release(req)
        self.left_berth_broken += 1
        if repaired < math.inf:
            yield env.timeout(repaired - env.now)
        return towed_h

    def _handle(self, f: _Ship, key: str, hours: float, req):
        """Handling of ``hours`` of work at berth ``req``, paused by the port's transfer
        limits and the ferry's breakdowns; returns the berth request (a new one if the
        ferry left the berth broken down and came back)."""
        p = f.handling[key]
        limit = self.leave_after_h
        remaining = hours
        while remaining > EPS_H:
            now = self.env.now
            if limit is None:
                yield p.sail("handling", remaining)
                return req
            if (yield from self._left_broken(f, key, req)) is not None:
                req = yield from self._berth(f, key)
                continue
            end = p.sea_and_up.work_end(now, remaining)
            stop = long_down_start(f.up, now, end, limit)
            work = remaining if stop >= end else p.sea_and_up.up_hours(now, stop)
            yield p.sail("handling", work)
            remaining -= work
            if stop < end and remaining > EPS_H and self.env.now < stop:
                # the work is done up to the breakdown, but the port's transfer limits (or a
                # short breakdown) may stop it before that: sheltering, not handling
                yield p.sail_until("handling", stop)
        return req

    def _window(self, f: _Ship, key: str, op: str, duration_h: float, berth_req):
        """Unberth (``op``) for ``duration_h``, once the port's weather and the ferry allow
        it unbroken (:func:`operation_start`, the tankers' rule too).  Held at the berth
        ``berth_req`` before unberthing, a breakdown longer than
        ``leave_berth_after`` that begins in the hold tows the ferry off that long after
        it begins (as one during handling does): returns the moment of the tow, after
        the repair; else None."""
        env, port = self.env, getattr(self.spec, key)
        gate = (self.weather.get(key) or {}).get(op) or self._always
        now = env.now
        start, by_weather = operation_start(gate, f.up, now, max(duration_h, getattr(port.limits, op).window_h))
        if start > now:
            limit = self.leave_after_h
            s = long_down_start(f.up, now, start, limit) if limit is not None else math.inf
            f.clock.enter("weather" if by_weather else "breakdown", now)
            if s < math.inf:  # (s > now: a long breakdown under way now is _left_broken's)
                yield env.timeout(s - now)
                f.clock.enter("breakdown", env.now)
                yield env.timeout(limit)
                towed_h = env.now
                self._berths(key).release(berth_req)
                self.left_berth_broken += 1
                yield env.timeout(f.up.next_up(towed_h) - towed_h)  # its repair, off the berth
                return towed_h
            yield env.timeout(start - now)
        if duration_h > 0:
            f.clock.enter("berthing", env.now)
            yield env.timeout(duration_h)
        return None

    # --------------------------------------------------------------- accounts
    LOADED_PLACES = ("loaded_at_station", "rail_to_port", "rail_held", "yard_loaded", "rail_onward")

    def loaded_wagons(self) -> int:
        """Wagons full of oil not yet delivered (the rakes being filled excluded)."""
        return sum(v for p, v in self.wagon_census().items() if p in self.LOADED_PLACES or p in self._on_board_loaded)

    def wagon_census(self) -> dict[str, int]:
        """Where every oil wagon is now; the values always add up to the fleet."""
        out = {
            "station_empty": int(self.station_empty.level),
            "yard_loaded": self.yard.count["oil"],
            "arrival_empty": int(self.arrival_empty.level),
        }
        out.update(self.moving)
        return out

    def other_census(self) -> dict[str, int]:
        """Where every other shipper's wagon that has arrived is now (``arrived`` is
        their total; the other places add up to it)."""
        out = dict(self.other)
        out["yard"] = self.yard.count["other"]
        return out

    def yard_trace(self) -> tuple[list[float], list[int]]:
        """Wagons in the port yard (all cargo) over time, piecewise constant."""
        return self.yard.trace_t, self.yard.trace_n

    def handling_weather_h(self) -> float:
        """Ferry-hours of handling paused by the ports' transfer limits, so far."""
        return float(sum(p.weather_h for f in self.ships for p in f.handling.values()))

    def failures_before(self, t_h: float) -> int:
        """Operating-hour failures (``clock: operating``) begun before ``t_h``."""
        return sum(w.failures_before(t_h) for w in self.wear)

    def close(self) -> None:
        """Charge every ferry's current state up to now, splitting a crossing or a
        handling in progress."""
        for f in self.ships:
            f.clock.enter(f.clock.state, self.env.now)
            f.sea.close()
            for p in f.handling.values():
                p.close()
