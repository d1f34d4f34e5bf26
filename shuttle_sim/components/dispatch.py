"""Dispatch: a ship goes alongside only when the tank farm can serve its whole cargo.

``dispatch: {policy: ready}`` on a port (:class:`~shuttle_sim.config.policies.DispatchSpec`).
A ship that has finished its arrival formalities waits at anchorage (budget state
``anchorage_cargo`` at a load port, ``anchorage_ullage`` at a discharge port) until it
is *admitted*; only then does it queue for a berth.  Ships are admitted first come,
first served: a later ship never overtakes the one at the head of the anchorage.

The rule, for the ship at the head with cargo ``A`` moved at rate ``r`` (the shore
rate, or the ship's pumps if lower), ``T = A / r``, with ``S`` the farm's stock (load)
or ullage (discharge), ``R`` the cargo still to move of the ships already admitted and
``n`` the standing net flow of the farm (supply less offtake: what moves the stock with
no ship working; its sign reversed at a discharge port)::

    no ship admitted:   S + max(n, 0) x (L + T) >= A   (stock plus expected inflow covers it)
    otherwise:          S - R >= A                      (the stock alone covers every ship)

where ``L`` is the ship's own berthing and pre-transfer time (its drawn durations): the
farm keeps filling while the ship comes alongside.

Consequence (the invariant ``tests/test_dispatch.py`` checks): while two or more ships
are admitted, ``S - R`` never falls (the ships' own flows move ``S`` and ``R`` alike, and
the standing flow is supply at a load farm, offtake at a discharge farm), so the farm
never reaches its limit with two ships on it: one ship at a time works a farm that is
empty or full.  A lone ship admitted on the expected inflow may still be slowed (a
supply stop); it then works alone until the stock recovers.

The head is re-examined when a ship arrives, when an admitted ship's transfer ends, when
the farm's rates change (``TankFarm.on_replan``) and at the moment the present rates make
it ready.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import deque
from typing import Final


from ..engine import Engine, Event
from ..processes import now as clock_now
from .tank import Flow, TankFarm
from .timebudget import StateClock

__all__ = ["Admission", "ReadyDispatch"]

INF: Final = math.inf
REL_TOL: Final = 1e-9  # a cargo covered to this fraction counts as covered (round-off)


class Admission:
    """One ship's cargo at a terminal under dispatch: waiting, then admitted."""

    __slots__ = ("amount_t", "hours", "flow", "event", "clock")

    def __init__(self, amount_t: float, hours: float, event: Event, clock: StateClock | None = None) -> None:
        self.clock = clock  # the ship's, to charge its wait to what holds it
        self.amount_t = amount_t
        self.hours = hours  # from admission to the end of the transfer at full rate, at the earliest
        self.flow: Flow | None = None  # the transfer, once begun
        self.event = event  # fires when admitted

    def remaining_t(self) -> float:
        f = self.flow
        return self.amount_t if f is None else self.amount_t - f.moved_t


class ReadyDispatch:
    """First-come-first-served admission of ships to one terminal's tank farm.

    Parameters
    ----------
    env : Engine
    tank : TankFarm
    loads : bool
        True at a load port (stock must cover the cargo), False at a discharge port
        (ullage must).
    cover : bool
        Whether the farm must cover the cargo (``policy: ready``); without it only the
        programme holds ships.
    programme : list of int, optional
        Cargoes nominated per calendar month (Jan..Dec).
    month_starts_h : list of float
        With a programme: the hours at which calendar months begin, the first at or
        before 0, and ``months`` the calendar month (0..11) of each.
    """

    def __init__(self, env: Engine, tank: TankFarm, loads: bool, cover: bool = True,
                 programme: list[int] | None = None, month_starts_h: list[float] | None = None,
                 months: list[int] | None = None) -> None:
        self.env = env
        self.tank = tank
        self.loads = loads
        self.cover = cover
        self.programme = programme
        self.month_starts_h: list[float] = month_starts_h or []
        self.months: list[int] = months or []
        self.lifted: dict[int, int] = {}  # admissions by month (index into month_starts_h)
        self.waiting: deque[Admission] = deque()
        self.admitted: list[Admission] = []
        self._timer: Event | None = None
        tank.on_replan.append(self.examine)

    def request(self, amount_t: float, rate_t_per_h: float, lead_h: float = 0.0,
                clock: StateClock | None = None) -> Admission:
        """A ship at anchorage asks to work ``amount_t`` at ``rate_t_per_h``, its
        transfer beginning ``lead_h`` after admission at the earliest (berthing and
        pre-transfer formalities); wait on the returned admission's ``event``."""
        a = Admission(amount_t, lead_h + amount_t / rate_t_per_h, Event(self.env), clock)
        self.waiting.append(a)
        self.examine()
        return a

    def started(self, a: Admission, flow: Flow) -> None:
        """The admitted ship's transfer has begun as ``flow``."""
        a.flow = flow

    def finished(self, a: Admission) -> None:
        """The admitted ship's transfer is over: its reservation ends."""
        self.admitted.remove(a)
        self.examine()

    def _deficit_t(self, a: Admission) -> tuple[float, float]:
        """Tonnes still missing for ``a`` to be admitted now, and the rate at which the
        present flows close that gap (t/h)."""
        tank = self.tank
        level = tank.level_t
        net = tank.standing_net_t_per_h()
        if not self.loads:
            level = tank.capacity_t - level  # ullage
            net = -net
        if not self.admitted:
            grow = net if net > 0.0 else 0.0
            return a.amount_t - level - grow * a.hours, grow
        reserved = 0.0
        for b in self.admitted:
            reserved += b.remaining_t()
        return a.amount_t - (level - reserved), net

    def examine(self) -> None:
        """Admit the head of the anchorage while the farm covers it; otherwise set a
        check for the moment the present rates make it ready."""
        waiting = self.waiting
        while waiting:
            a = waiting[0]
            if self.programme is not None:
                month = self._month_now()
                if self.lifted.get(month, 0) >= self.programme[self.months[month]]:
                    self._charge("anchorage_programme")
                    self._set_timer(self.month_starts_h[month + 1] - clock_now(self.env))
                    return
                self._charge(self.state)
            if not self.cover:
                short, rate = 0.0, 0.0
            else:
                short, rate = self._deficit_t(a)
            if short > REL_TOL * a.amount_t:
                now: float = clock_now(self.env)
                dt = short / rate if rate > 0.0 else INF
                if dt < INF and now + dt == now:
                    dt = 0.0  # closer than the clock resolves: ready now (no Zeno loop)
                else:
                    if dt < INF:
                        self._set_timer(dt)
                    return
            waiting.popleft()
            self.admitted.append(a)
            if self.programme is not None:
                month = self._month_now()
                self.lifted[month] = self.lifted.get(month, 0) + 1
            a.event.succeed()  # no value: as its value the admission and its event would be a reference cycle
        self._drop_timer()

    @property
    def state(self) -> str:
        """The ship state of a wait for the farm (or, with no cover rule, for a berth)."""
        if not self.cover:
            return "queueing"
        return "anchorage_cargo" if self.loads else "anchorage_ullage"

    def _month_now(self) -> int:
        now: float = clock_now(self.env)
        return bisect_right(self.month_starts_h, now) - 1

    def _charge(self, state: str) -> None:
        """The ships waiting are held by ``state`` from now on."""
        now: float = clock_now(self.env)
        for a in self.waiting:
            clock = a.clock
            if clock is not None and clock.state != state:
                clock.enter(state, now)

    def _set_timer(self, dt: float) -> None:
        self._drop_timer()
        ev = self._timer = self.env.timeout(dt)
        ev.callbacks.append(self._on_timer)

    def _drop_timer(self) -> None:
        """The pending check, if any, is superseded: off the queue."""
        old = self._timer
        if old is not None:
            self.env.cancel(old)
            self._timer = None

    def _on_timer(self, ev: Event) -> None:
        if ev is self._timer:
            self.examine()
