"""Outages: random failures, planned off-hire and scripted disruptions.

Failures of berths, tankers, supply and offtake are alternating renewal processes in
calendar time (up ~ ``mtbf``, down ~ ``mttr``), drawn once per replication from the
entity's own stream, so that they are the same whatever else the scenario contains.
Scripted disruptions are intervals of calendar dates.  Both become either an
:class:`~shuttle_sim.components.availability.Availability` (berths, tankers) or a
piecewise-constant rate factor (supply, offtake) that a :class:`RateSchedule` process
applies to the tank-farm flow.
"""

from __future__ import annotations

import datetime as _dt
from bisect import bisect_right


from ..engine import Engine
from ..processes import Driver
from .availability import Availability
from .tank import Flow, TankFarm


def failure_downs(spec, rng, until_h: float) -> list[tuple[float, float]]:
    """Down intervals of an alternating renewal process starting up at 0."""
    downs, t = [], 0.0
    if spec is None:
        return downs
    while True:
        t += spec.mtbf.sample(rng)
        if t >= until_h:
            return downs
        d = spec.mttr.sample(rng)
        downs.append((t, t + d))
        t += d


def hours_since(start: _dt.date, when: _dt.date) -> float:
    """Simulation hour of a calendar date (midnight) when hour 0 is ``start``."""
    return (when - start).days * 24.0


def scripted_downs(disruptions, start: _dt.date, target: str, index: int) -> list[tuple[float, float]]:
    return [
        (hours_since(start, d.start), hours_since(start, d.end))
        for d in disruptions
        if d.target == target and d.index == index
    ]


def factor_changes(
    downs: list[tuple[float, float]], scripted: list[tuple[float, float, float]]
) -> list[tuple[float, float]]:
    """Change points ``(t, factor)`` of a rate factor from random downs (factor 0) and
    scripted ``(start, end, factor)`` intervals (overlapping factors multiply)."""
    edges = {0.0}
    for a, b in downs:
        edges.update((max(a, 0.0), max(b, 0.0)))
    for a, b, _f in scripted:
        edges.update((max(a, 0.0), max(b, 0.0)))
    # downs in force at t: those begun by t less those ended by t (a sweep, not a scan
    # of every down at every edge: a long horizon has thousands of outages)
    starts, ends = sorted(a for a, _ in downs), sorted(b for _, b in downs)
    out: list[tuple[float, float]] = []
    for t in sorted(edges):
        f = 0.0 if bisect_right(starts, t) > bisect_right(ends, t) else 1.0
        for a, b, fac in scripted:
            if a <= t < b:
                f *= fac
        if not out or out[-1][1] != f:
            out.append((t, f))
    return out


class RateSchedule:
    """Applies a factor timeline to a flow's base rate and accounts for what it removed.

    ``lost_t`` is the base amount not requested because of a factor below 1 (a stopped
    pipeline, an upstream outage); ``extra_t`` is what a factor above 1 added.
    """

    def __init__(self, env: Engine, tank: TankFarm, flow: Flow, base_t_per_h: float,
                 changes: list[tuple[float, float]]) -> None:
        self.env, self.tank, self.flow, self.base = env, tank, flow, base_t_per_h
        self.flows = [flow]  # as the offtake controller's (shuttle_sim.components.offtake)
        self.times = [t for t, _ in changes]
        self.factors = [f for _, f in changes]
        if changes and changes[0][0] == 0.0:
            tank.set_rate(flow, base_t_per_h * changes[0][1])
        if len(changes) > 1 or (changes and changes[0][0] > 0):
            Driver(env, self._run())  # env.process(...): nothing waits for it

    def _run(self):
        for t, f in zip(self.times, self.factors):
            if t > self.env.now:
                yield self.env.timeout(t - self.env.now)
            self.tank.set_rate(self.flow, self.base * f)

    def factor_at(self, t: float) -> float:
        i = bisect_right(self.times, t) - 1
        return self.factors[i] if i >= 0 else 1.0

    def integral(self, horizon_h: float, below: bool) -> float:
        """Base-rate tonnes removed (``below``) or added by the factor up to the horizon."""
        total = 0.0
        bounds = self.times + [horizon_h]
        for i, f in enumerate(self.factors):
            a, b = min(bounds[i], horizon_h), min(bounds[i + 1], horizon_h)
            dt = max(b - a, 0.0)
            total += self.base * dt * (max(1.0 - f, 0.0) if below else max(f - 1.0, 0.0))
        return total


def entity_availability(downs: list[tuple[float, float]]) -> Availability:
    return Availability.from_downs(downs) if downs else Availability.always()
