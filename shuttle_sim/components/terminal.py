"""Oil terminal: a group of berths in front of a tank farm.

A terminal has ``N`` berths (a SimPy ``Resource``, first come first served).  A ship's
call is the sequence of :class:`~shuttle_sim.config.schema.PortSpec`: arrival
formalities at anchorage, queue, berthing, pre-transfer formalities, cargo transfer,
post-transfer formalities, unberthing.  The transfer runs through the tank farm at the
lower of the shore rate and the ship's pump rate, so it is slowed when the farm runs
dry (loading: *waiting for cargo*) or full (discharging: *waiting for ullage*).

Berth-hours are charged to states (``berthing``, ``formalities``, ``transferring``,
``waiting_cargo`` / ``waiting_ullage``, ``other_traffic``); the remainder is idle.
Third-party calls that share the berths arrive as a Poisson stream.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import simpy

from ..config.schema import PortSpec
from ..units import HOURS_PER_YEAR
from .tank import Flow, TankFarm
from .timebudget import StateClock

BERTH_STATES = ("berthing", "formalities", "transferring", "waiting_cargo", "waiting_ullage", "other_traffic")


@dataclass
class PortCall:
    """Times (h) and amounts of one ship's call, for the voyage record."""

    arrive_h: float = float("nan")
    berth_h: float = float("nan")
    start_h: float = float("nan")
    end_h: float = float("nan")
    depart_h: float = float("nan")
    queue_h: float = 0.0
    starved_h: float = 0.0
    amount_t: float = 0.0


class Terminal:
    """A loading (``role='load'``) or discharge (``role='discharge'``) terminal.

    Parameters
    ----------
    env : simpy.Environment
    spec : PortSpec
    role : {'load', 'discharge'}
    tank : TankFarm
        The farm the berths load from or discharge into.
    traffic_rng : numpy.random.Generator
        Stream for third-party calls (their arrivals and berth times).
    """

    def __init__(self, env: simpy.Environment, spec: PortSpec, role: str, tank: TankFarm, traffic_rng: np.random.Generator):
        if role not in ("load", "discharge"):
            raise ValueError(f"role must be 'load' or 'discharge', found {role!r}")
        self.env = env
        self.spec = spec
        self.role = role
        self.tank = tank
        self.berths = simpy.Resource(env, capacity=spec.berths)
        self.occupancy_h: defaultdict[str, float] = defaultdict(float)
        self.queue_waits_h: list[float] = []
        self.other_calls = 0
        self._active: dict[StateClock, tuple[Flow | None, StateClock | None]] = {}
        self._starved_state = "waiting_cargo" if role == "load" else "waiting_ullage"
        if spec.other_traffic is not None:
            env.process(self._other_traffic(traffic_rng))

    # ----------------------------------------------------------------- a ship's call
    def call(self, ship, amount_t: float, pump_rate_t_per_h: float | None):
        """Process generator of one ship's call; returns its :class:`PortCall`.

        ``ship`` provides ``clock`` (its time budget, charged in step with the berth's),
        ``rng`` (its own stream: durations are drawn in a fixed order), ``transfer``
        (set to the cargo flow while it runs) and ``on_board_t`` (booked the moment the
        transfer ends), so the oil on board is known at any instant.
        """
        env, spec = self.env, self.spec
        ship_clock, rng = ship.clock, ship.rng
        rec = PortCall(arrive_h=env.now)
        ship_clock.enter("formalities", env.now)
        d = spec.arrival_formalities.sample(rng)
        if d > 0:
            yield env.timeout(d)
        ship_clock.enter("queueing", env.now)
        t_q = env.now
        with self.berths.request() as req:
            yield req
            rec.berth_h = env.now
            rec.queue_h = env.now - t_q
            self.queue_waits_h.append(rec.queue_h)
            berth = StateClock(self.occupancy_h, "berthing", env.now)
            self._active[berth] = (None, ship_clock)
            try:
                d = spec.berthing.sample(rng)
                if d > 0:  # berth and ship clocks both start in "berthing"
                    ship_clock.enter("berthing", env.now)
                    yield env.timeout(d)
                d = spec.pre_transfer.sample(rng)
                ship_clock.enter("formalities", env.now)
                berth.enter("formalities", env.now)
                if d > 0:
                    yield env.timeout(d)
                now = rec.start_h = env.now
                ship_clock.enter("transferring", now)
                berth.enter("transferring", now)
                rate = spec.transfer_rate_t_per_h
                if pump_rate_t_per_h is not None and self.role == "discharge":
                    rate = min(rate, pump_rate_t_per_h)
                if self.role == "load":
                    flow = self.tank.draw("ship_load", rate, amount_t)
                else:
                    flow = self.tank.fill("ship_discharge", rate, amount_t)
                self._active[berth] = (flow, ship_clock)
                ship.transfer = flow
                yield flow.done
                ship.on_board_t += flow.moved_t if self.role == "load" else -flow.moved_t
                ship.transfer = None
                self._active[berth] = (None, ship_clock)
                now = rec.end_h = env.now
                rec.amount_t = flow.moved_t
                rec.starved_h = flow.starved_h
                berth.enter("formalities", now)
                berth.move(flow.starved_h, "transferring", self._starved_state)
                ship_clock.enter("formalities", now)
                ship_clock.move(flow.starved_h, "transferring", self._starved_state)
                d = spec.post_transfer.sample(rng)
                if d > 0:
                    yield env.timeout(d)
                d = spec.unberthing.sample(rng)
                ship_clock.enter("berthing", env.now)
                berth.enter("berthing", env.now)
                if d > 0:
                    yield env.timeout(d)
                berth.enter("berthing", env.now)
            finally:
                self._active.pop(berth, None)
        rec.depart_h = env.now
        return rec

    # --------------------------------------------------------------- other traffic
    def _other_traffic(self, rng: np.random.Generator):
        ot = self.spec.other_traffic
        mean_gap_h = HOURS_PER_YEAR / ot.calls_per_year
        while True:
            yield self.env.timeout(mean_gap_h * rng.standard_exponential())
            self.env.process(self._other_call(ot.berth_time.sample(rng)))

    def _other_call(self, hours: float):
        with self.berths.request() as req:
            yield req
            clock = StateClock(self.occupancy_h, "other_traffic", self.env.now)
            self._active[clock] = (None, None)
            yield self.env.timeout(hours)
            clock.enter("other_traffic", self.env.now)
            self._active.pop(clock, None)
            self.other_calls += 1

    # ----------------------------------------------------------------- end of run
    def close(self) -> None:
        """Charge the berths' unfinished activities up to now (end of the horizon).

        Call after the ships' own clocks are closed: the starved part of a transfer in
        progress is re-labelled on both the berth's and the ship's budget.
        """
        now = self.env.now
        self.tank.level_t  # bring the flows' accounts to now
        for clock, (flow, ship_clock) in list(self._active.items()):
            clock.enter(clock.state, now)
            if flow is not None:
                clock.move(flow.starved_h, "transferring", self._starved_state)
                ship_clock.move(flow.starved_h, "transferring", self._starved_state)
        self._active.clear()
