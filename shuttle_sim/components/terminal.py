"""Oil terminal: a group of berths in front of a tank farm.

A terminal has ``N`` berths, handed out first come first served (a :class:`BerthPool`
of :class:`Berth` objects, so that a failed berth is not handed out and the ship at a
failed berth knows it).  A ship's call follows
:class:`~shuttle_sim.config.schema.PortSpec`: arrival formalities at anchorage, queue,
berthing, pre-transfer formalities, cargo transfer, post-transfer formalities,
unberthing.

* **Berthing and unberthing** start only when the forecast shows an unbroken workable
  window (the operation's limits at the port's weather site, and the ship not broken
  down) as long as the operation, or as the limit's ``window`` if longer.  Finding it
  costs O(log n) (:meth:`Availability.window`).
* **Cargo transfer** runs through the tank farm at the lower of the shore rate and the
  ship's pump rate.  It pauses while the transfer limits are exceeded, the berth is
  failed or the ship is broken down, and resumes after.  The tank farm slows it when it
  runs dry (loading: *waiting for cargo*) or full (discharging: *waiting for ullage*).

Berth-hours are charged to states (:data:`BERTH_STATES`); the remainder is idle.
Third-party calls that share the berths arrive as a Poisson stream.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING, Any, Callable, Final, Generator

import simpy

from ..config.schema import PortSpec
from ..sampling import Sampler
from ..units import HOURS_PER_YEAR
from .availability import Availability
from .tank import Flow, TankFarm
from .timebudget import StateClock, budget

if TYPE_CHECKING:  # only Tankers call at a terminal; typed so the compiled call reads its fields directly
    from .tanker import Tanker

BERTH_STATES = (
    "berthing",
    "formalities",
    "transferring",
    "waiting_cargo",
    "waiting_ullage",
    "weather",
    "failed",
    "other_traffic",
)
OPERATIONS = ("berthing", "transfer", "unberthing")
# the berth's state while the ship alongside is in a given state of its own budget
BERTH_STATE_OF_SHIP = {
    "queueing": "berthing",  # berth assigned, ship on its way in
    "berthing": "berthing",
    "formalities": "formalities",
    "transferring": "transferring",
    "weather": "weather",
    "breakdown": "failed",
    "berth_failed": "failed",
}
INF: Final = math.inf
NAN: Final = math.nan
RECHECK_MARGIN_H: Final = 1e-6  # a transfer check falls this long after the cargo's expected end


class PortCall:
    """Times (h) and amounts of one ship's call, for the voyage record."""

    __slots__ = ("arrive_h", "berth_h", "start_h", "end_h", "depart_h", "queue_h", "starved_h", "weather_h",
                 "amount_t")

    def __init__(self, arrive_h: float) -> None:
        self.arrive_h = arrive_h
        self.berth_h = self.start_h = self.end_h = self.depart_h = NAN
        self.queue_h = self.starved_h = self.weather_h = self.amount_t = 0.0


class Berth:
    """One berth: its own up/down timeline (failures, scripted outages)."""

    __slots__ = ("index", "up", "busy", "down", "idle_clock", "transfer_gates")

    def __init__(self, index: int, up: Availability, transfer_weather: Availability) -> None:
        self.index = index
        self.up = up
        # what can stop a transfer here, besides the ship: the port's weather, the berth
        self.transfer_gates: tuple[Availability, ...] = tuple(g for g in (transfer_weather, up) if not g.always_up)
        self.busy = False
        self.down = False
        self.idle_clock: StateClock | None = None


class BerthPool:
    """Free berths, handed out first come first served.

    ``get()`` returns an event that fires with a berth: at once if one is free, else
    when one is released to it.  ``put(berth)`` gives a released berth straight to the
    longest-waiting request, or back to the free list.  (A ``simpy.Store`` would do the
    same with an extra event per release and a dozen Python calls per hand-over: a
    release never waits, so it needs no event.)
    """

    __slots__ = ("env", "items", "_waiting")

    def __init__(self, env: simpy.Environment, berths) -> None:
        self.env = env
        self.items: list[Berth] = list(berths)  # free berths, in the order they were freed
        self._waiting: deque[simpy.Event] = deque()

    def get(self) -> simpy.Event:
        ev = simpy.Event(self.env)
        if self.items:
            ev.succeed(self.items.pop(0))
        else:
            self._waiting.append(ev)
        return ev

    def put(self, berth: Berth) -> None:
        if self._waiting:
            self._waiting.popleft().succeed(berth)
        else:
            self.items.append(berth)


class Terminal:
    """A loading (``role='load'``) or discharge (``role='discharge'``) terminal.

    Parameters
    ----------
    env : simpy.Environment
    spec : PortSpec
    role : {'load', 'discharge'}
    tank : TankFarm
        The farm the berths load from or discharge into.
    traffic_rng
        Stream for third-party calls (their arrivals and berth times).
    weather : dict, optional
        ``{operation: Availability}`` for ``berthing``, ``transfer``, ``unberthing`` at
        this port's weather site; always workable when omitted.
    berth_up : list of Availability, optional
        Each berth's up timeline; always up when omitted.
    """

    def __init__(
        self,
        env: simpy.Environment,
        spec: PortSpec,
        role: str,
        tank: TankFarm,
        traffic_rng,
        weather: dict[str, Availability] | None = None,
        berth_up: list[Availability] | None = None,
    ) -> None:
        if role not in ("load", "discharge"):
            raise ValueError(f"role must be 'load' or 'discharge', found {role!r}")
        self.env = env
        self.spec = spec
        self.role = role
        self.tank = tank
        always = Availability.always()
        self.weather = {op: (weather or {}).get(op, always) for op in OPERATIONS}
        ups = berth_up or [always] * spec.berths
        if len(ups) != spec.berths:
            raise ValueError(f"expected {spec.berths} berth timelines, found {len(ups)}")
        self.berth_list = [Berth(j, up, self.weather["transfer"]) for j, up in enumerate(ups)]
        self.berths = BerthPool(env, self.berth_list)
        self.occupancy_h = budget(BERTH_STATES)
        self.hold_h = budget(OPERATIONS)  # weather holds by operation, charged when they begin
        self.queue_waits_h: list[float] = []
        self.other_calls = 0
        # berth clocks still running -> the ship at the berth (None: other traffic, failed)
        self._active: dict[StateClock, Tanker | None] = {}
        self._loads = role == "load"
        # (tanker class, berth index, hour) -> cargo the draft allows; set by the model
        self.cargo_limit: Callable[[Any, int, float], float] | None = None
        self._rate_t_per_h = spec.transfer_rate_t_per_h
        self._window_h = {op: getattr(spec.limits, op).window_h for op in OPERATIONS}
        self._starved_state = "waiting_cargo" if role == "load" else "waiting_ullage"
        # the samplers of the call's steps, kept here: drawn at every call
        self._arrival_formalities: Sampler = spec.arrival_formalities.sampler
        self._berthing: Sampler = spec.berthing.sampler
        self._pre_transfer: Sampler = spec.pre_transfer.sampler
        self._post_transfer: Sampler = spec.post_transfer.sampler
        self._unberthing: Sampler = spec.unberthing.sampler
        for b in self.berth_list:
            if not b.up.always_up:
                env.process(self._berth_outages(b))
        if spec.other_traffic is not None:
            env.process(self._other_traffic(traffic_rng))

    # ----------------------------------------------------------------- a ship's call
    def call(self, ship: Tanker, amount_t: float, pump_rate_t_per_h: float | None) -> Generator[simpy.Event, Any, PortCall]:
        """Process generator of one ship's call; returns its :class:`PortCall`.

        ``ship`` provides ``clock`` (its time budget, charged in step with the berth's),
        ``rng`` (its own stream: durations are drawn in a fixed order), ``up`` (its own
        up timeline), ``transfer`` (set to the cargo flow while it runs) and
        ``on_board_t`` (booked the moment the transfer ends), so the oil on board is
        known at any instant.

        This is the model's innermost loop (a few port calls per simulated day per
        ship): spec values are read once in ``__init__``, a step that needs no wait
        schedules nothing, and after ``yield env.timeout(x)`` the clock is advanced as
        ``now += x``, the very sum SimPy scheduled the timeout at, so it equals
        ``env.now`` to the bit without reading it.
        """
        env = self.env
        ship_clock, rng = ship.clock, ship.rng
        now: float = env.now  # SimPy types its clock int | float; declared, it stays an unboxed float
        rec = PortCall(now)
        ship_clock.enter("formalities", now)
        d = self._arrival_formalities.sample(rng)
        if d > 0:
            yield env.timeout(d)
            now += d
        ship_clock.enter("queueing", now)
        t_q = now
        berth_obj = yield self.berths.get()
        now = env.now
        berth_obj.busy = True
        rec.berth_h = now
        rec.queue_h = now - t_q
        self.queue_waits_h.append(now - t_q)
        berth = StateClock(self.occupancy_h, "berthing", now)
        ship_clock.lead(berth, BERTH_STATE_OF_SHIP)  # until unberthed, one call keeps both
        self._active[berth] = ship
        d = self._berthing.sample(rng)
        start = self._hold(ship, rec, "berthing", d, now)
        if start > now:
            wait = start - now
            yield env.timeout(wait)
            now += wait
        if d > 0:
            ship_clock.enter("berthing", now)
            yield env.timeout(d)
            now += d
        d = self._pre_transfer.sample(rng)
        ship_clock.enter("formalities", now)
        if d > 0:
            yield env.timeout(d)
            now += d
        rec.start_h = now
        if self.cargo_limit is not None:  # the draft this berth allows today (components/draft.py)
            amount_t = min(amount_t, self.cargo_limit(ship.spec, berth_obj.index, now))
        if self._loads:
            rate = self._rate_t_per_h
            flow = self.tank.draw("ship_load", rate, amount_t)
        else:
            rate = self._rate_t_per_h if pump_rate_t_per_h is None else min(self._rate_t_per_h, pump_rate_t_per_h)
            flow = self.tank.fill("ship_discharge", rate, amount_t)
        ship.transfer = flow
        transfer = _Transfer(self, ship, berth_obj, flow, rate, rec)
        transfer.check()
        yield flow.done
        transfer.cancel()
        moved = flow.moved_t
        ship.on_board_t += moved if self._loads else -moved
        ship.transfer = None
        now = rec.end_h = env.now
        rec.amount_t = moved
        rec.starved_h = starved = flow.starved_h
        ship_clock.enter("formalities", now)
        if starved:
            berth.move(starved, "transferring", self._starved_state)
            ship_clock.move(starved, "transferring", self._starved_state)
        d = self._post_transfer.sample(rng)
        if d > 0:
            yield env.timeout(d)
            now += d
        d = self._unberthing.sample(rng)
        start = self._hold(ship, rec, "unberthing", d, now)
        if start > now:
            wait = start - now
            yield env.timeout(wait)
            now += wait
        ship_clock.enter("berthing", now)
        if d > 0:
            yield env.timeout(d)
            now += d
        berth.enter("berthing", now)
        ship_clock.lead(None)
        del self._active[berth]
        self._release(berth_obj)
        rec.depart_h = now
        return rec

    def _hold(self, ship: Tanker, rec: PortCall, op: str, duration_h: float, now: float) -> float:
        """When ``op`` may start: the first moment from ``now`` at which the weather and
        the ship allow it unbroken for its duration (or the limit's window, if longer).
        A hold is charged to the ship's clock (and so the berth's) here; the caller
        waits until the returned time."""
        weather = self.weather[op]
        length = max(duration_h, self._window_h[op])
        start = weather_start = weather.window(now, length)
        up = ship.up
        if start == now and (up.always_up or up.window(now, length) == now):
            return now  # the usual case: nothing holds the ship
        if not up.always_up:
            start = _common_window((weather, up), now, length)
        if start > now:
            cause = "weather" if weather_start > now else "breakdown"
            ship.clock.enter(cause, now)  # the berth follows
            self.hold_h[op] += start - now
            if cause == "weather":
                rec.weather_h += start - now
        return start

    def _release(self, b: Berth) -> None:
        b.busy = False
        if b.down:
            b.idle_clock = StateClock(self.occupancy_h, "failed", self.env.now)
            self._active[b.idle_clock] = None
        else:
            self.berths.put(b)

    # ------------------------------------------------------------- berth outages
    def _berth_outages(self, b: Berth):
        env = self.env
        while True:
            down_at = b.up.up_until(env.now)
            if down_at == INF:
                return
            if down_at > env.now:
                yield env.timeout(down_at - env.now)
            b.down = True
            if not b.busy:
                self.berths.items.remove(b)
                b.idle_clock = StateClock(self.occupancy_h, "failed", env.now)
                self._active[b.idle_clock] = None
            up_at = b.up.next_up(env.now)
            if up_at == INF:
                return
            yield env.timeout(up_at - env.now)
            b.down = False
            if b.idle_clock is not None:
                b.idle_clock.enter("failed", env.now)
                del self._active[b.idle_clock]
                b.idle_clock = None
            if not b.busy:
                self.berths.put(b)

    # --------------------------------------------------------------- other traffic
    def _other_traffic(self, rng: Any) -> Generator[simpy.Event, Any, None]:
        ot = self.spec.other_traffic
        assert ot is not None  # started only when there is other traffic
        mean_gap_h = HOURS_PER_YEAR / ot.calls_per_year
        berth_time: Sampler = ot.berth_time.sampler
        env = self.env
        while True:
            yield env.timeout(mean_gap_h * rng.standard_exponential())
            env.process(self._other_call(berth_time.sample(rng)))

    def _other_call(self, hours: float):
        b = yield self.berths.get()
        b.busy = True
        clock = StateClock(self.occupancy_h, "other_traffic", self.env.now)
        self._active[clock] = None
        yield self.env.timeout(hours)
        clock.enter("other_traffic", self.env.now)
        del self._active[clock]
        self.other_calls += 1
        self._release(b)

    # ----------------------------------------------------------------- end of run
    def close(self) -> None:
        """Charge the berths' unfinished activities up to now (end of the horizon).

        Call after the ships' own clocks are closed: the starved part of a transfer in
        progress is re-labelled on both the berth's and the ship's budget.
        """
        now: float = self.env.now
        self.tank.level_t  # bring the flows' accounts to now
        for clock, ship in list(self._active.items()):
            clock.enter(clock.state, now)
            if ship is not None and ship.transfer is not None:
                starved = ship.transfer.starved_h
                clock.move(starved, "transferring", self._starved_state)
                ship.clock.move(starved, "transferring", self._starved_state)
        self._active.clear()


class _Transfer:
    """A cargo transfer at a berth, run while every gate is up and paused while one is down.

    The gates are the timelines that can stop it (the port's transfer weather, the
    berth's and the ship's own up timelines; never-down ones are left out).  The pauses
    are driven by timeout callbacks (no extra process, no condition events): at each
    stop the rate goes to 0 and the hold is charged; at the next moment all gates are
    up again, the rate is restored.  When the cargo is done, a check still pending is
    cancelled.
    """

    __slots__ = ("terminal", "ship", "berth_obj", "flow", "rate", "rec", "gates", "pending")

    def __init__(self, terminal: Terminal, ship: Tanker, berth_obj: Berth, flow: Flow, rate: float, rec: PortCall) -> None:
        self.terminal = terminal
        self.ship = ship
        self.berth_obj = berth_obj
        self.flow = flow
        self.rate = rate
        self.rec = rec
        self.gates: tuple[Availability, ...] = berth_obj.transfer_gates if ship.up.always_up else berth_obj.transfer_gates + (ship.up,)
        self.pending: simpy.Event | None = None  # the scheduled next check

    def check(self, _event=None) -> None:
        term, flow = self.terminal, self.flow
        if flow.done.triggered:  # finished at this instant, its ship not yet resumed
            return
        env = term.env
        now: float = env.now
        stop = INF
        for g in self.gates:
            u = g.up_until(now)
            if u < stop:
                stop = u
        if stop > now:  # all up: work until the first of them stops
            self.ship.clock.enter("transferring", now)  # the berth follows
            if flow.requested_t_per_h != self.rate:
                term.tank.set_rate(flow, self.rate)
            if stop == INF:
                return  # nothing will stop it
            # Look no further than just past the end of the cargo at the present rate:
            # a check left pending far beyond it would sit in the event queue for days
            # and slow every other event.  Just past, so that the farm has closed the
            # cargo and the ship has cancelled this check by then; if the farm slowed
            # the cargo instead, the check re-arms.
            due = now + term.tank.eta_h(flow) + RECHECK_MARGIN_H
            if due > stop:
                due = stop
        else:
            term.tank.set_rate(flow, 0.0)
            due = _common_window(self.gates, now, 0.0)  # all gates up again
            if not term.weather["transfer"].is_up(now):
                cause = "weather"
                self.rec.weather_h += due - now
                term.hold_h["transfer"] += due - now
            elif not self.berth_obj.up.is_up(now):
                cause = "berth_failed"
            else:
                cause = "breakdown"
            self.ship.clock.enter(cause, now)  # the berth follows: weather or failed
        self.pending = env.timeout(due - now)
        self.pending.callbacks.append(self.check)

    def cancel(self) -> None:
        """The cargo is done: the next check, if still to come, has nothing to do."""
        if self.pending is not None and self.pending.callbacks:
            self.pending.callbacks.clear()


def _common_window(gates: tuple[Availability, ...], t: float, length_h: float) -> float:
    """First ``s >= t`` at which every timeline in ``gates`` is up for ``length_h``."""
    s = t
    while True:
        s2 = s
        for g in gates:
            s2 = g.window(s2, length_h) if length_h > 0 else g.next_up(s2)
        if s2 == s or s2 == INF:
            return s2
        s = s2
