"""Shuttle tanker: one ship cycling between the load and the discharge terminal.

The cycle is: call at the load terminal (load a cargo from its tank farm) -> laden
passage -> call at the discharge terminal (discharge into its tank farm) -> ballast
passage -> repeat.  Sailing time is distance / speed; a passage pauses (the ship
shelters) whenever the sea exceeds the passage limits or the ship is broken down, and
continues after (:class:`~.passage.ShelteredPassage`, shared with the ferries).  A
dry-dock falls due every ``every`` hours (from a phase drawn per ship) and is taken at
the end of the voyage in progress (:class:`~.drydock.DryDockRule`, shared too).  Every hour of the ship's life is charged to one
state of its time budget (:data:`TANKER_STATES`), and each completed voyage becomes one
flat record.
"""

from __future__ import annotations

import math
from typing import Any, Generator

import numpy as np

from ..engine import Engine, Waitable
from ..processes import Driver, now as clock_now
from ..config.schema import TankerClass
from .availability import Availability
from .drydock import DryDockRule
from .passage import ShelteredPassage
from .records import Voyage
from .steps import BookedSteps
from .tank import Flow
from .terminal import PortCall, Terminal
from .timebudget import StateClock, budget

TANKER_STATES = (
    "positioning",
    "sailing_laden",
    "sailing_ballast",
    "arrival_formalities",
    "anchorage_cargo",
    "anchorage_ullage",
    "anchorage_weather",
    "anchorage_programme",
    "queueing",
    "berthing",
    "pre_transfer_formalities",
    "transferring",
    "waiting_cargo",
    "waiting_ullage",
    "post_transfer_formalities",
    "weather",
    "breakdown",
    "berth_failed",
    "off_hire",
)


class Tanker:
    """One shuttle tanker of class ``spec``.

    Parameters
    ----------
    env : Engine
    name : str
    spec : TankerClass
    load, discharge : Terminal
    distance_nmi : float
        Sea distance between the two terminals.
    rng : numpy.random.Generator
        This tanker's own stream (port-call durations), so that adding a ship does not
        change any other ship's draws.
    first_arrival_h : float
        Time of the first arrival at the load terminal (the fleet arrives staggered).
    voyages : list of Voyage
        Completed voyage records (:class:`~shuttle_sim.components.records.Voyage`) are
        appended here.
    up : Availability, optional
        When the ship is not broken down (always, when omitted).
    sea : Availability, optional
        When the sea allows the passage (always, when omitted).
    dry_dock_first_h : float, optional
        When the first dry-dock falls due (only with a ``dry_dock`` spec).
    depart_window : bool, optional
        Leave a berth only into a forecast window of the whole crossing
        (``route.departure: passage_window``); read by the terminal.
    forecast_h : float, optional
        How far ahead that forecast sees (``route.forecast_horizon``; default perfect):
        a crossing longer than it may meet a storm the ship could not foresee.

    Notes
    -----
    **Fields the terminal reads and writes.**  A port call
    (:meth:`~shuttle_sim.components.terminal.Terminal.call`) works on the ship directly:

    * reads ``rng`` (durations drawn in a fixed order), ``up`` (whether the ship can
      berth, unberth or transfer), ``leave_berth_after_h`` (when a breakdown at the
      berth has it towed off, :mod:`~shuttle_sim.components.towoff`); with ``depart_window``, ``passage.sea`` and
      ``depart_clear_laden_h`` / ``depart_clear_ballast_h`` (the clear sea it needs
      ahead to leave a berth);
    * drives ``clock``: every state change of the call is entered on it, and the berth's
      clock is coupled to it while the ship is alongside, so one entry charges both;
      ``clock.move`` re-labels the starved part of a transfer afterwards;
    * writes ``transfer``: the cargo :class:`~shuttle_sim.components.tank.Flow` while it
      runs, ``None`` otherwise (read by :attr:`cargo_on_board_t` and by
      ``Terminal.close`` at the horizon);
    * writes ``on_board_t``: booked the moment a transfer ends (+ loaded, - discharged);
    * writes ``steps``: the run of port steps the ship is sleeping through
      (:class:`~shuttle_sim.components.steps.BookedSteps`), ``None`` otherwise, so that
      :meth:`close` books a run the horizon falls inside.

    Nothing else writes these fields; the ship's own process reads ``on_board_t`` as the
    cargo to discharge.
    """

    def __init__(
        self,
        env: Engine,
        name: str,
        spec: TankerClass,
        load: Terminal,
        discharge: Terminal,
        distance_nmi: float,
        rng: np.random.Generator,
        first_arrival_h: float,
        voyages: list[Voyage],
        up: Availability | None = None,
        sea: Availability | None = None,
        dry_dock_first_h: float = math.inf,
        depart_window: bool = False,
        forecast_h: float = math.inf,
    ) -> None:
        self.env = env
        self.name = name
        self.spec = spec
        self.load = load
        self.discharge = discharge
        self.laden_h = distance_nmi / spec.laden_speed_kn
        self.ballast_h = distance_nmi / spec.ballast_speed_kn
        self.rng = rng
        self.budget_h = budget(TANKER_STATES)
        self.clock = StateClock(self.budget_h, "positioning", clock_now(env))
        self.on_board_t = 0.0  # after the last completed transfer, booked by the terminal
        self.transfer: Flow | None = None  # the cargo flow in progress, set by the terminal
        self.plan = BookedSteps(self.clock)  # reused by the terminal to plan each run of port steps
        self.steps: BookedSteps | None = None  # the run of port steps in progress, set by the terminal
        self._voyages = voyages
        self._first_arrival_h = first_arrival_h
        self.up = up or Availability.always()
        self.passage = ShelteredPassage(env, self.clock, sea or Availability.always(), self.up)
        self.dry_dock = DryDockRule(spec.dry_dock, dry_dock_first_h)
        # leave a berth only into a window of the whole crossing (route.departure)
        self.depart_window = depart_window and not self.passage.sea.always_up
        # the clear sea it needs ahead to leave: the crossing, or as far as the forecast sees
        self.depart_clear_laden_h = min(self.laden_h, forecast_h)
        self.depart_clear_ballast_h = min(self.ballast_h, forecast_h)
        # an operating-hour failure clock (components.wear), set by the model; None: calendar
        self.wear: Any = None
        # towed off a berth broken down for longer than this (breakdowns.leave_berth_after;
        # inf: keeps the berth), read by the terminal (components.towoff)
        b = spec.breakdowns
        limit = b.leave_berth_after_h if b is not None else None
        self.leave_berth_after_h: float = math.inf if limit is None else float(limit)
        self.process = Driver(env, self.run())  # env.process(self.run()), resumed natively

    def run(self) -> Generator[Waitable, Any, None]:
        env = self.env
        if self._first_arrival_h > 0:
            yield env.timeout(self._first_arrival_h)
        voyage = 0
        while True:
            load: PortCall = yield from self.load.call(self, self.spec.cargo_t, None)
            if self.wear is not None:
                self.wear.before_passage(clock_now(env), self.laden_h, self.budget_h["transferring"])
            yield self.passage.sail("sailing_laden", self.laden_h)
            dis: PortCall = yield from self.discharge.call(self, self.on_board_t, self.spec.discharge_pump_rate_t_per_h)
            self._voyages.append(self._record(voyage, load, dis))
            docked_h = self.dry_dock.take_if_due(self.clock, clock_now(env))
            if docked_h > 0:
                yield env.timeout(docked_h)
            if self.wear is not None:
                self.wear.before_passage(clock_now(env), self.ballast_h, self.budget_h["transferring"])
            yield self.passage.sail("sailing_ballast", self.ballast_h)
            voyage += 1

    def _record(self, voyage: int, load: PortCall, dis: PortCall) -> Voyage:
        # Voyage's fields in order, as one tuple made a Voyage by tuple.__new__ in C: a
        # NamedTuple called with 24 keywords binds them in a Python frame (2.6% of a
        # one-year aktau_current run's instructions), and Voyage._make is one more Python
        # call (test_voyage_records_have_exactly_the_declared_fields checks the count)
        return tuple.__new__(Voyage, (
            self.name, self.spec.name, voyage, load.amount_t,  # tanker, tanker_class, voyage, cargo_t
            load.arrive_h, load.berth_h, load.start_h, load.end_h, load.depart_h, load.queue_h,  # load_*
            dis.arrive_h, dis.berth_h, dis.start_h, dis.end_h, dis.depart_h, dis.queue_h,  # discharge_*
            load.starved_h, dis.starved_h,  # load_wait_cargo_h, discharge_wait_ullage_h
            load.weather_h, dis.weather_h,  # load_weather_h, discharge_weather_h
            load.berth, dis.berth,  # load_berth, discharge_berth
            load.anchorage_h, dis.anchorage_h,  # load_anchorage_cargo_h, discharge_anchorage_ullage_h
        ))

    @property
    def cargo_on_board_t(self) -> float:
        """Oil on board now, including a transfer in progress."""
        f = self.transfer
        if f is None:
            return self.on_board_t
        return self.on_board_t + (f.moved_t if not f.inflow else -f.moved_t)

    @property
    def sea_weather_h(self) -> float:
        """Hours sheltered from the sea on passages so far."""
        return self.passage.weather_h

    def close(self) -> None:
        """Charge the current state up to now (end of the horizon)."""
        steps = self.steps
        if steps is not None:  # inside a run of port steps: its changes before now, a hold up to now
            steps.book(clock_now(self.env))
            steps.refund(clock_now(self.env))
        self.clock.enter(self.clock.state, clock_now(self.env))
        self.passage.close()
