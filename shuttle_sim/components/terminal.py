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
  failed or the ship is broken down, and resumes after (:mod:`.transfer`).  The tank farm slows it when it
  runs dry (loading: *waiting for cargo*) or full (discharging: *waiting for ullage*).

Berth-hours are charged to states (:data:`.berths.BERTH_STATES`); the remainder is idle.
Third-party calls that share the berths arrive as a Poisson stream.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable, Final, Generator


from ..engine import Engine, Waitable
from ..processes import Driver, now as clock_now
from ..config.schema import PortSpec
from ..sampling import Sampler
from .availability import Availability, operation_start
from .berths import BERTH_STATE_FOR_SHIP_STATE, BERTH_STATES, Berth, BerthPool, PortCall, berth_outages
from . import traffic
from .dispatch import Admission, ReadyDispatch
from .tank import TankFarm
from .transfer import CargoTransfer
from .timebudget import StateClock, budget
from .towoff import long_down_start, tow_off_at

if TYPE_CHECKING:  # only Tankers call at a terminal; typed so the compiled call reads its fields directly
    from .tanker import Tanker

OPERATIONS = ("berthing", "transfer", "unberthing")
#: the ship's budget state while it waits at anchorage for its cargo or ullage (dispatch)
ANCHORAGE_STATE = {"load": "anchorage_cargo", "discharge": "anchorage_ullage"}
INF: Final = math.inf
NAN: Final = math.nan


class Terminal:
    """A loading (``role='load'``) or discharge (``role='discharge'``) terminal.

    Parameters
    ----------
    env : Engine
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
    calendar : (list of float, list of int), optional
        The hours at which calendar months begin and their months (0..11), for a
        lifting programme (``dispatch.programme``).
    """

    def __init__(
        self,
        env: Engine,
        spec: PortSpec,
        role: str,
        tank: TankFarm,
        traffic_rng,
        weather: dict[str, Availability] | None = None,
        berth_up: list[Availability] | None = None,
        calendar: tuple[list[float], list[int]] | None = None,
    ) -> None:
        if role not in ("load", "discharge"):
            raise ValueError(f"role must be 'load' or 'discharge', found {role!r}")
        self.env = env
        self.spec = spec
        self.role = role
        self.tank = tank
        always = Availability.always()
        self.weather = {op: (weather or {}).get(op, always) for op in OPERATIONS}
        # when a ship may stay alongside (the leave-berth limit), and how long before a
        # storm above it the ship starts unberthing
        self.stay: Availability = (weather or {}).get("leave_berth", always)
        self.leave_lead_h = spec.leave_berth.lead_h
        self.storm_departures = 0  # ships that left the berth ahead of a storm
        self.left_berth_broken = 0  # ships towed off the berth broken down (components.towoff)
        ups = berth_up or [always] * spec.berths
        if len(ups) != spec.berths:
            raise ValueError(f"expected {spec.berths} berth timelines, found {len(ups)}")
        self.berth_list = [Berth(j, up, self.weather["transfer"]) for j, up in enumerate(ups)]
        self.berths = BerthPool(env, self.berth_list)
        self.occupancy_h = budget(BERTH_STATES)
        # weather holds by operation, charged when they begin (the rest of one in progress
        # taken back by close(): a horizon inside a hold counts it up to the horizon)
        self.hold_h = budget(OPERATIONS)
        # each ship's last wait charged in full as it began (at anchorage for a berthing window,
        # a transfer paused by weather): until when, its call, and the account ('anchorage' or
        # 'transfer'); what runs past the horizon is taken back by close()
        self._prepaid: dict[Tanker, tuple[float, PortCall, str]] = {}
        self.queue_waits_h: list[float] = []
        self.dispatch_waits_h: list[float] = []  # hours at anchorage for cargo or ullage (dispatch: ready)
        self.anchorage_weather_h = 0.0  # ship-hours at anchorage waiting for a berthing window
        self.other_calls = 0
        self.ship_calls = 0  # tanker calls completed (unberthed)
        # berth clocks still running -> the ship at the berth (None: other traffic, failed)
        self._active: dict[StateClock, Tanker | None] = {}
        self._loads = role == "load"
        # (tanker class, berth index, hour) -> cargo the draft allows; set by the model
        self.cargo_limit: Callable[[Any, int, float], float] | None = None
        self._rate_t_per_h = spec.transfer_rate_t_per_h
        self._window_h = {op: getattr(spec.limits, op).window_h for op in OPERATIONS}
        self._starved_state = "waiting_cargo" if role == "load" else "waiting_ullage"
        self._anchorage_state = ANCHORAGE_STATE[role]
        ds = spec.dispatch
        programme = ds.programme.cargoes if ds.programme is not None else None
        self.dispatch = None
        if ds.policy == "ready" or programme is not None:
            starts, months = calendar if calendar is not None else ([0.0, INF], [0, 0])
            self.dispatch = ReadyDispatch(env, tank, self._loads, ds.policy == "ready", programme, starts, months)
            self._anchorage_state = self.dispatch.state
        # the samplers of the call's steps, kept here: drawn at every call
        self._arrival_formalities: Sampler = spec.arrival_formalities.sampler
        self._berthing: Sampler = spec.berthing.sampler
        self._pre_transfer: Sampler = spec.pre_transfer.sampler
        self._post_transfer: Sampler = spec.post_transfer.sampler
        self._unberthing: Sampler = spec.unberthing.sampler
        for b in self.berth_list:
            if not b.up.always_up:
                Driver(env, berth_outages(env, b, self.berths, self.occupancy_h, self._active))
        if spec.other_traffic is not None:
            Driver(env, traffic.arrivals(self, traffic_rng))

    # ----------------------------------------------------------------- a ship's call
    def call(self, ship: Tanker, amount_t: float, pump_rate_t_per_h: float | None) -> Generator[Waitable, Any, PortCall]:
        """Process generator of one ship's call; returns its :class:`PortCall`.

        The steps, the states they charge and what can hold each (a hold charges
        ``weather`` or ``breakdown`` to the ship, the berth following as in
        :data:`.berths.BERTH_STATE_FOR_SHIP_STATE`):

        ====  ===========================  ==================  ==================  ==========================================
        step  what happens                 ship state          berth state         what can hold it
        ====  ===========================  ==================  ==================  ==========================================
        1     arrival formalities          arrival_formalities (no berth yet)      its drawn duration only
        2a    wait for cargo or ullage     anchorage_cargo,    (no berth yet)      ``dispatch: ready`` only: the farm cannot
              at anchorage                 anchorage_ullage                        serve the cargo yet (:mod:`.dispatch`)
        2b    wait for a berthing window   anchorage_weather,  (no berth yet)      berthing limits; the ship broken down
              at anchorage                 breakdown
        2c    queue for a berth            queueing            (no berth yet)      every berth busy or failed (a berth
                                                                                   handed over once the window has closed
                                                                                   is passed on: back to 2b)
        3     hold before berthing         weather, breakdown  weather, failed     berthing limits; the ship broken down
        4     berthing                     berthing            berthing            nothing (step 3 found an unbroken window)
        5     pre-transfer formalities     pre_transfer_       formalities         its drawn duration only
                                           formalities
        6     cargo transfer               transferring        transferring        paused: transfer limits, berth failed,
                                                                                   ship broken down; slowed: the tank farm
                                                                                   empty or full (re-labelled after as
                                                                                   waiting_cargo / waiting_ullage); left:
                                                                                   a storm above ``leave_berth`` ahead
        6'    storm departure: unberth,    berthing, then      berthing, then      (then 2c-6 again for the rest of the
              wait out the storm           anchorage_weather   released            cargo, new draws of steps 4 and 5)
        6"    towed off broken down (no    breakdown           released            ``leave_berth_after`` (:mod:`.towoff`), in
              unberthing), repair                                                  6 (then 2b-6) or as 8 begins (then sail)
        7     post-transfer formalities    post_transfer_      formalities         its drawn duration only
                                           formalities
        8     hold before unberthing       weather, breakdown  weather, failed     unberthing limits; the ship broken down;
                                                                                   with ``route.departure: passage_window``
                                                                                   the sea for the whole crossing
        9     unberthing                   berthing            berthing            nothing (step 8 found an unbroken window)
        ====  ===========================  ==================  ==================  ==========================================

        From step 3 to step 9 the berth's clock is coupled to the ship's
        (:meth:`StateClock.couple`): each ``ship_clock.enter`` charges both budgets.
        After step 9 the berth is released (idle, or failed if it failed meanwhile).

        ``ship`` is read for ``clock``, ``rng`` (its own stream: durations are drawn in a
        fixed order), ``up`` (its own up timeline); the call writes ``transfer`` and
        ``on_board_t`` on it (see :class:`~shuttle_sim.components.tanker.Tanker`).

        The call keeps the time in a local ``now``, never stale at a ``yield``
        (``tests/test_terminal.py`` checks ``now == env.now`` at every one): after a
        timeout of known delay ``now += delay``, the very sum SimPy scheduled it at, so
        equal to ``env.now`` to the bit without reading it; after an event whose time
        the call cannot know (a berth handed over, the cargo done), ``now = env.now``.
        This is the model's innermost loop: spec values are read once in ``__init__``,
        a step that needs no wait schedules nothing, and steps 3-5 and 7-9, which nothing
        can interrupt, are each planned as they begin and slept in one timeout (step by
        step if they contain a hold), their state changes booked at the times they
        happen (:class:`~.steps.BookedSteps`; identical results, a third fewer events
        per voyage).  Every decision is taken where a run begins, from timelines known
        in advance; the storm departure interrupts only step 6, never part of a run.
        """
        env = self.env
        ship_clock, rng = ship.clock, ship.rng
        now: float = clock_now(env)  # SimPy types its clock int | float; declared, it stays an unboxed float
        rec = PortCall(now)
        # 1 arrival formalities
        ship_clock.enter("arrival_formalities", now)
        d = self._arrival_formalities.sample(rng)
        if d > 0:
            yield env.timeout(d)
            now += d
        rate = self._rate_t_per_h  # the shore's; a discharge at most the ship's pumps
        if not self._loads and pump_rate_t_per_h is not None:
            rate = min(rate, pump_rate_t_per_h)
        # drawn here, in the same order as ever: the berthing window (step 2b) and the
        # dispatch (2a) need them
        berthing_h = self._berthing.sample(rng)
        pre_h = self._pre_transfer.sample(rng)
        # 2a anchorage: wait until the farm can serve the whole cargo (dispatch: ready)
        dispatch = self.dispatch
        adm: Admission | None = None
        if dispatch is not None:
            ship_clock.enter(self._anchorage_state, now)
            t_a = now
            adm = dispatch.request(amount_t, rate, berthing_h + pre_h, ship_clock)
            if not adm.event.triggered:
                yield adm.event
                now = clock_now(env)  # admitted when the farm allowed it: not known in advance
            rec.anchorage_h = now - t_a
            self.dispatch_waits_h.append(now - t_a)
        # 2b a berthing window and a berth; 3 hold before berthing, 4 berthing, 5
        # pre-transfer formalities: one run
        berth = yield from self._berth_when_open(ship, rec, max(berthing_h, self._window_h["berthing"]))
        berth_clock = self._moor(ship, rec, berth, berthing_h, pre_h)
        now = yield from ship.plan.run(env, ship)
        # 6 cargo transfer, left ahead of a storm above the leave-berth limit and resumed after
        rec.start_h = now
        if self.cargo_limit is not None:  # the draft this berth allows today (components/draft.py)
            amount_t = min(amount_t, self.cargo_limit(ship.spec, berth.index, now))
            if adm is not None:
                adm.amount_t = amount_t  # the reservation is the cargo the draft allows
        remaining_t = amount_t
        while True:
            flow = (self.tank.draw("ship_load", rate, remaining_t) if self._loads
                    else self.tank.fill("ship_discharge", rate, remaining_t))
            ship.transfer = flow
            if adm is not None and dispatch is not None:
                dispatch.started(adm, flow)
            transfer = CargoTransfer(self, ship, berth, flow, rate, rec)
            transfer.check()
            yield flow.done
            transfer.cancel()
            moved = flow.moved_t
            ship.on_board_t += moved if self._loads else -moved
            ship.transfer = None
            now = clock_now(env)  # the farm planned the end (or the storm did): not known in advance
            rec.amount_t += moved
            starved = flow.starved_h
            rec.starved_h += starved
            if not transfer.left:
                break
            # 6' or 6": off the berth ahead of the storm or towed off broken down, back
            # for the rest of the cargo (2b-5 again, with new draws of steps 4 and 5)
            remaining_t -= moved
            if adm is not None:
                adm.amount_t, adm.flow = remaining_t, None
            yield from self._leave_mid_transfer(ship, rec, berth, berth_clock, transfer, starved)
            # (only this call draws from the ship's stream: these are the values drawn before
            # the berth wait or after it alike)
            berthing_h = self._berthing.sample(rng)
            pre_h = self._pre_transfer.sample(rng)
            berth = yield from self._berth_when_open(ship, rec, max(berthing_h, self._window_h["berthing"]))
            berth_clock = self._moor(ship, rec, berth, berthing_h, pre_h)
            now = yield from ship.plan.run(env, ship)
        rec.end_h = now
        if adm is not None and dispatch is not None:
            dispatch.finished(adm)  # its reservation ends: the next ship may be admitted
        # 7 post-transfer formalities
        ship_clock.enter("post_transfer_formalities", now)
        if starved:  # (of the last part of the transfer: an earlier part's were moved as it ended)
            berth_clock.move(starved, "transferring", self._starved_state)
            ship_clock.move(starved, "transferring", self._starved_state)
        steps = ship.plan
        steps.begin(self.hold_h, rec, now)
        d = self._post_transfer.sample(rng)
        if d > 0:
            steps.wait(d)
        # 8 hold before unberthing, 9 unberthing: with 7, one run; or, broken down when
        # ready to unberth and to stay so longer than leave_berth_after, towed off after it
        unberthing_h = self._unberthing.sample(rng)
        limit_h = ship.leave_berth_after_h
        tow_h = tow_off_at(ship.up, steps.t, limit_h)
        if tow_h == INF:
            t = steps.t
            start, by_weather = self._manoeuvre_start(ship, "unberthing", t, unberthing_h)
            # held at the berth (by the weather, or a short breakdown) until `start`: a
            # breakdown longer than the limit beginning in that hold tows the ship off
            # `limit` after it begins, as one beginning during the transfer does
            s = long_down_start(ship.up, t, start, limit_h) if limit_h < INF and start > t else INF
            if s < INF:  # (s > t: a long breakdown under way at t is tow_off_at's)
                steps.hold("weather" if by_weather else "breakdown", "unberthing", s - t, by_weather)
                steps.enter("breakdown")
                steps.wait(limit_h)
                tow_h = s + limit_h
            else:
                steps.manoeuvre("unberthing", unberthing_h, start, by_weather)
        elif tow_h > steps.t:
            steps.hold("breakdown", "unberthing", tow_h - steps.t, False)
        now = yield from steps.run(env, ship)
        berth_clock.enter("berthing", now)
        ship_clock.uncouple()
        del self._active[berth_clock]
        self._release(berth)
        rec.depart_h = now  # off the berth: unberthed, or towed off
        if tow_h < INF:  # the repair at anchorage (it ends after the tow), then the passage
            self.left_berth_broken += 1
            ship_clock.enter("breakdown", now)
            yield env.timeout(ship.up.next_up(now) - now)
        self.ship_calls += 1
        # the call's whole wait for a berth, a return after a storm departure included
        # (recorded as the call ends, so the KPI and the voyage record's queue_h agree)
        self.queue_waits_h.append(rec.queue_h)
        return rec

    def _moor(self, ship: Tanker, rec: PortCall, berth: Berth, berthing_h: float, pre_h: float) -> StateClock:
        """Plan steps 3-5 at ``berth`` (just handed over) as one run of ``ship.plan``; couple
        a new berth clock to the ship's and return it.  A call's first berth is its
        record's.  (Not a generator: one more per port call cost 1.5% of the instructions.)"""
        now: float = clock_now(self.env)
        berth.busy = True
        if rec.berth < 0:
            rec.berth = berth.index
            rec.berth_h = now
        berth_clock = StateClock(self.occupancy_h, "berthing", now)
        ship.clock.couple(berth_clock, BERTH_STATE_FOR_SHIP_STATE)  # until unberthed, one call charges both
        self._active[berth_clock] = ship
        steps = ship.plan
        steps.begin(self.hold_h, rec, now)
        start, by_weather = self._manoeuvre_start(ship, "berthing", steps.t, berthing_h)
        steps.manoeuvre("berthing", berthing_h, start, by_weather)
        steps.enter("pre_transfer_formalities")
        if pre_h > 0:
            steps.wait(pre_h)
        return berth_clock

    def _leave_mid_transfer(self, ship: Tanker, rec: PortCall, berth: Berth, berth_clock: StateClock,
                            transfer: CargoTransfer, starved: float) -> Generator[Waitable, Any, None]:
        """Steps 6' (unberth at once, wait out the storm at anchorage) and 6" (towed off
        broken down, :mod:`.towoff`: the repair at anchorage); the berth released."""
        env = self.env
        ship_clock = ship.clock
        now: float = clock_now(env)
        towed = transfer.towed
        ship_clock.enter(ship_clock.state if towed else "berthing", now)
        if starved:
            berth_clock.move(starved, "transferring", self._starved_state)
            ship_clock.move(starved, "transferring", self._starved_state)
        if not towed:
            d = self._unberthing.sample(ship.rng)
            if d > 0:
                yield env.timeout(d)
                now += d
        berth_clock.enter("berthing", now)
        ship_clock.uncouple()
        del self._active[berth_clock]
        self._release(berth)
        if towed:
            self.left_berth_broken += 1
        else:
            self.storm_departures += 1
        back = ship.up.next_up(now) if towed else self.stay.next_up(transfer.storm_h)
        if back > now:
            if towed:  # its repair
                ship_clock.enter("breakdown", now)
            else:
                ship_clock.enter("anchorage_weather", now)
                self.prepay(ship, rec, "anchorage", now, back)
            yield env.timeout(back - now)

    def _berth_when_open(self, ship: Tanker, rec: PortCall, window_h: float) -> Generator[Waitable, Any, Berth]:
        """Steps 2b: wait at anchorage until the ship can start berthing (the berthing
        window of ``window_h`` open, the ship not broken down), then queue for a berth;
        a berth handed over when the window has closed again is passed on, and the ship
        waits for the next window.  Charges ``anchorage_weather`` (or ``breakdown``) and
        ``queueing`` to the ship, the weather to ``rec.weather_h`` and the queue to
        ``rec.queue_h``; returns the berth."""
        env = self.env
        clock = ship.clock
        weather = self.weather["berthing"]
        now: float = clock_now(env)
        while True:
            start, by_weather = operation_start(weather, ship.up, now, window_h)
            if start > now:
                d = start - now
                clock.enter("anchorage_weather" if by_weather else "breakdown", now)
                if by_weather:
                    self.prepay(ship, rec, "anchorage", now, start)
                yield env.timeout(d)
                now += d  # (an ulp short of the window at worst: step 3 holds that ulp)
            clock.enter("queueing", now)
            t_q = now
            berth = yield self.berths.get()
            now = clock_now(env)  # handed over when another ship left: not known in advance
            rec.queue_h += now - t_q
            if now == t_q or operation_start(weather, ship.up, now, window_h)[0] == now:
                return berth
            self._release(berth)  # the window closed meanwhile: the next in line may use it

    def _manoeuvre_start(self, ship: Tanker, op: str, t: float, duration_h: float) -> tuple[float, bool]:
        """When berthing or unberthing (``op``, steps 3-4 and 8-9) of ``duration_h`` can
        start at the earliest from ``t``, and whether the weather (rather than the ship's
        breakdown) is what holds it until then: an unbroken window for it (and, with
        ``route.departure: passage_window``, for the crossing after it); planned by
        :meth:`BookedSteps.manoeuvre`."""
        weather, up, length_h = self.weather[op], ship.up, max(duration_h, self._window_h[op])
        start, by_weather = operation_start(weather, up, t, length_h)
        if op == "unberthing" and ship.depart_window:
            # leave only into a window of the whole crossing (route.departure:
            # passage_window); the ship waits at the berth, charged as weather
            sea = ship.passage.sea
            sail_h = ship.depart_clear_laden_h if self._loads else ship.depart_clear_ballast_h
            while True:
                leave = start + duration_h
                open_at = sea.window(leave, sail_h)
                if not open_at > leave:
                    break
                by_weather = True
                later = open_at - duration_h
                if not later > start:  # round-off: within an ulp of the window
                    break
                start = operation_start(weather, up, later, length_h)[0]
        return start, by_weather

    @property
    def berthing_window_h(self) -> float:
        """The least unbroken workable time before a berthing may start (its limit's ``window``)."""
        return self._window_h["berthing"]

    def track(self, clock: StateClock, ship: Tanker | None) -> None:
        """A berth clock now running (``ship`` at the berth; None: third-party, failed),
        closed by :meth:`close` at the horizon."""
        self._active[clock] = ship

    def untrack(self, clock: StateClock) -> None:
        del self._active[clock]

    def release(self, b: Berth) -> None:
        """A berth given up: idle (to the next in line), or failed if it failed meanwhile."""
        self._release(b)

    def _release(self, b: Berth) -> None:
        b.busy = False
        if b.down:
            b.idle_clock = StateClock(self.occupancy_h, "failed", clock_now(self.env))
            self._active[b.idle_clock] = None
        else:
            self.berths.put(b)

    def prepay(self, ship: Tanker, rec: PortCall, account: str, now_h: float, until_h: float) -> None:
        """Charge a weather wait of ``ship`` from now to ``until_h`` in full as it begins:
        to its call's ``weather_h`` and to ``account``, the port's ``anchorage`` weather or
        its weather holds of the cargo ``transfer``.  A horizon inside it takes back the
        rest (:meth:`close`), so the accounts are exact over any window."""
        d = until_h - now_h
        rec.weather_h += d
        if account == "anchorage":
            self.anchorage_weather_h += d
        else:
            self.hold_h[account] += d
        self._prepaid[ship] = (until_h, rec, account)

    # ----------------------------------------------------------------- end of run
    def close(self) -> None:
        """Charge the berths' unfinished activities up to now (end of the horizon).

        Call after the ships' own clocks are closed: the starved part of a transfer in
        progress is re-labelled on both the berth's and the ship's budget.
        """
        now: float = clock_now(self.env)
        self.tank.sync()  # the transfer in progress: its starved hours up to now
        for clock, ship in list(self._active.items()):
            clock.enter(clock.state, now)
            if ship is not None and ship.transfer is not None:
                starved = ship.transfer.starved_h
                clock.move(starved, "transferring", self._starved_state)
                ship.clock.move(starved, "transferring", self._starved_state)
        self._active.clear()
        for until_h, rec, account in self._prepaid.values():  # waits charged in full, not over
            if until_h > now:
                rest = until_h - now
                rec.weather_h -= rest
                if account == "anchorage":
                    self.anchorage_weather_h -= rest
                else:
                    self.hold_h[account] -= rest
        self._prepaid.clear()
