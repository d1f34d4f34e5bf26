"""Offtake from the discharge tank farm: how the pipelines are nominated.

Two policies (``offtake.policy`` in a scenario):

* ``constant``: the pipeline draws its nominated ``rate`` all the time, times the
  factor of its outages and scripted disruptions (a :class:`~.outages.RateSchedule`).
  This is the model's behaviour before policies existed, kept to the bit.
* ``level``: every ``interval`` hours (hour 0, interval, 2 x interval, ...) the shipper
  nominates, from the farm's level L at that moment::

      N = clip(rate + (L - working_level) / catch_up, min_rate, max_rate)

  and the rate stays until the next nomination.  After a stop the level is high, so the
  nomination rises to the maximum and the backlog clears at max_rate minus the inflow
  (the catch-up BTC's spare capacity allows); near the working level it returns to the
  base rate.  Ships then wait for ullage only when the pipeline cannot take more.

A ``second`` outlet (Baku-Supsa, rail) shares the nomination N with the first:
``priority`` (it takes what the first cannot: the first's capacity is max_rate times its
availability factor) or ``share``.  With a second outlet the nomination's upper bound is
the sum of both maxima.  The split is recomputed at every nomination and at every change
of either outlet's factor (a BTC stop is bypassed from the moment it starts).

Accounts (tonnes, up to a horizon): ``nominated`` is the integral of N; what each outlet
was asked to take is its flow's ``offered_t``; what the outlets' stops (or capacity) kept
from the base nomination, min(N, rate), is :meth:`OfftakeController.integral`
``(h, below=True)``, the ``offtake_stopped_t`` KPI, as for a
:class:`~.outages.RateSchedule` (for which N = rate).  The base, not N: during a stop
the level rises and so does N, and rate x stop length is what a stop takes away.
"""

from __future__ import annotations

import math

from ..engine import Engine
from ..processes import Driver, now as clock_now
from .outages import RateSchedule
from .tank import Flow, TankFarm


class OfftakeRule:
    """The numbers of an offtake spec that nominate and split, read once: a model
    field read from compiled code goes through pydantic's attribute hook (~600
    instructions), and the controller used a dozen at every nomination."""

    def __init__(self, spec) -> None:
        sec = spec.second
        self.rate_t_per_h: float = spec.rate_t_per_h
        self.min_rate_t_per_h: float = spec.min_rate_t_per_h
        self.catch_up_h: float = spec.catch_up_h
        self.first_max_t_per_h: float = spec.first_max_t_per_h
        self.has_second = sec is not None
        self.second_max_t_per_h: float = sec.max_rate_t_per_h if sec is not None else 0.0
        self.priority = sec is None or sec.rule == "priority"
        self.share: float = sec.share if sec is not None else 0.0


def nomination(rule: OfftakeRule, level_t: float, working_level_t: float) -> float:
    """The ``level`` policy's nominated rate (t/h) at level ``level_t``."""
    top = rule.first_max_t_per_h + rule.second_max_t_per_h
    want = rule.rate_t_per_h + (level_t - working_level_t) / rule.catch_up_h
    return min(max(want, rule.min_rate_t_per_h), top)


def split(rule: OfftakeRule, n: float, cap1: float, cap2: float) -> tuple[float, float]:
    """Rates asked of the first and second outlet for a nomination ``n`` when they can
    take at most ``cap1`` and ``cap2`` now."""
    if not rule.has_second:
        return min(n, cap1), 0.0
    if rule.priority:
        r1 = min(n, cap1)
        return r1, min(n - r1, cap2)
    r2 = min(rule.share * n, cap2)
    r1 = min(n - r2, cap1)
    r2 = min(n - r1, cap2)  # what the first cannot take goes back to the second
    return r1, r2


def build(env: Engine, spec, tank: TankFarm, working_level_t: float,
          changes1: list[tuple[float, float]], changes2: list[tuple[float, float]], until_h: float):
    """The offtake of a scenario: a :class:`RateSchedule` for a constant nomination
    with one outlet (as before policies), an :class:`OfftakeController` otherwise.
    Both expose ``flow``, ``flows`` and ``integral(horizon_h, below)``."""
    if spec.policy == "constant" and spec.second is None:
        return RateSchedule(env, tank, tank.sink("offtake", spec.rate_t_per_h), spec.rate_t_per_h, changes1)
    return OfftakeController(env, spec, tank, working_level_t, changes1, changes2, until_h)


class OfftakeController:
    """Nominates the offtake and splits it between the outlets (see the module doc).

    Parameters
    ----------
    env : Engine
    spec : OfftakeSpec
    tank : TankFarm
        The discharge farm it draws from.
    working_level_t : float
        The level the ``level`` policy aims at.
    changes1, changes2 : list of (hour, factor)
        Availability-factor timelines of the first and the second outlet
        (:func:`~.outages.factor_changes`).
    until_h : float
        Nominations are scheduled up to this hour.
    """

    def __init__(self, env: Engine, spec, tank: TankFarm, working_level_t: float,
                 changes1: list[tuple[float, float]], changes2: list[tuple[float, float]], until_h: float) -> None:
        self.env, self.spec, self.tank, self.working_level_t = env, spec, tank, working_level_t
        self.rule = OfftakeRule(spec)
        self.flow: Flow = tank.sink("offtake", 0.0)
        self.flows = [self.flow]
        self.second: Flow | None = None
        if spec.second is not None:
            self.second = tank.sink("second_offtake", 0.0)
            self.flows.append(self.second)
        self.f1, self.f2 = 1.0, 1.0
        self.n = spec.rate_t_per_h
        self._since_h = 0.0
        self._nominated_t = 0.0
        self._unmet_t = 0.0
        self._unmet_rate = 0.0
        #: (hour, nomination, first rate, second rate) at every change, kept as four flat
        #: lists (:attr:`trace` zips them): a tuple a day is a tracked object that the
        #: collector walks when the world is freed
        self._trace_h: list[float] = []
        self._trace_n: list[float] = []
        self._trace_r1: list[float] = []
        self._trace_r2: list[float] = []
        # The changes, merged as the run goes: nominations at k x interval (k = 0, 1, ...)
        # below ``until_h`` (``level`` policy), and each outlet's factor timeline (sorted,
        # one change per time); changes at the same hour act together.  Not a merged list
        # built up front: a year of daily nominations is ~400 entries, built twice a
        # replication (warm-up and measured worlds) and walked again by the collector.
        self._level = spec.policy == "level"
        self._interval_h: float = spec.interval_h if self._level else 0.0  # read once: a model field is a slow read
        self._until_h = until_h
        self._k = 0
        self._changes1, self._changes2 = changes1, changes2
        self._i1 = self._i2 = 0
        t = self._next_h()
        if t <= 0.0:
            self._act_at(t)
        Driver(env, self._run())  # env.process(...): nothing waits for it

    @property
    def trace(self) -> list[tuple[float, float, float, float]]:
        """(hour, nomination, first rate, second rate) at every change."""
        return list(zip(self._trace_h, self._trace_n, self._trace_r1, self._trace_r2))

    def _next_h(self) -> float:
        """Hour of the next change of any kind; infinity when none is left."""
        t = math.inf
        if self._level:
            tn = self._k * self._interval_h
            if tn < self._until_h:
                t = tn
        if self._i1 < len(self._changes1):
            t = min(t, self._changes1[self._i1][0])
        if self._i2 < len(self._changes2):
            t = min(t, self._changes2[self._i2][0])
        return t

    def _act_at(self, t: float) -> None:
        """Apply every change due at ``t``, the next change's hour."""
        self._settle(clock_now(self.env))  # the nomination so far, before it changes
        nominate = False
        if self._level and self._k * self._interval_h == t and t < self._until_h:
            nominate = True
            self._k += 1
        if self._i1 < len(self._changes1) and self._changes1[self._i1][0] == t:
            self.f1 = self._changes1[self._i1][1]
            self._i1 += 1
        if self._i2 < len(self._changes2) and self._changes2[self._i2][0] == t:
            self.f2 = self._changes2[self._i2][1]
            self._i2 += 1
        if nominate:
            self.n = nomination(self.rule, self.tank.level_t, self.working_level_t)
        self._set_rates()

    def _set_rates(self) -> None:
        now: float = clock_now(self.env)
        self._settle(now)
        rule = self.rule
        cap2 = rule.second_max_t_per_h * self.f2 if rule.has_second else 0.0
        r1, r2 = split(rule, self.n, rule.first_max_t_per_h * self.f1, cap2)
        self.tank.set_rate(self.flow, r1)
        if self.second is not None:
            self.tank.set_rate(self.second, r2)
        self._unmet_rate = max(min(self.n, rule.rate_t_per_h) - r1 - r2, 0.0)
        self._trace_h.append(now)
        self._trace_n.append(self.n)
        self._trace_r1.append(r1)
        self._trace_r2.append(r2)

    def _settle(self, now: float) -> None:
        dt = now - self._since_h
        if dt > 0.0:
            self._nominated_t += self.n * dt
            self._unmet_t += self._unmet_rate * dt
            self._since_h = now

    def _run(self):
        env = self.env
        while True:
            t = self._next_h()
            if t == math.inf:
                return
            if t > clock_now(env):
                yield env.timeout(t - clock_now(env))
            self._act_at(t)

    def nominated_t(self, horizon_h: float) -> float:
        """Integral of the nomination up to ``horizon_h`` (at or before now)."""
        return self._nominated_t + self.n * max(horizon_h - self._since_h, 0.0)

    def integral(self, horizon_h: float, below: bool) -> float:
        """Tonnes of the base nomination that no outlet could take (``below``), up to ``horizon_h``;
        0 for ``below=False`` (a nomination has no surge above itself)."""
        if not below:
            return 0.0
        return self._unmet_t + self._unmet_rate * max(horizon_h - self._since_h, 0.0)


def kpis(totals: dict[str, float]) -> dict[str, float]:
    """Offtake KPIs from the discharge farm's flow totals (both outlets together in
    ``offtake_*``; the second outlet alone in ``second_offtake_t``)."""
    offered = totals["offtake_offered_t"] + totals.get("second_offtake_offered_t", 0.0)
    moved = totals["offtake_moved_t"] + totals.get("second_offtake_moved_t", 0.0)
    out = {"offtake_nominated_t": offered, "offtake_t": moved, "offtake_shortfall_t": offered - moved}
    if "second_offtake_offered_t" in totals:
        out["second_offtake_t"] = totals["second_offtake_moved_t"]
    return out

