"""Failures by use: a ship's failure clock in operating hours instead of calendar hours.

With ``breakdowns: {clock: operating}`` (:class:`~shuttle_sim.config.failures.ShipFailures`)
a ship fails after ``mtbf`` hours of *use*: hours of way on its passages (the hours it
shelters from the sea do not count), and for a tanker also its hours of cargo pumping
(its ``transferring`` hours: pauses and a starved tank farm do not count).  Repairs
take ``mttr`` calendar hours.  The draws alternate mtbf, mttr, mtbf, ... from the
ship's own failure stream, as the calendar clock's do.

The ship's up timeline is still an :class:`~.availability.Availability` that everything
else queries as before (passages, berthing windows, transfers); this object only adds a
down interval to it when a failure becomes certain, which is when a passage begins:

* if the ship's use has already reached the next failure (the threshold was crossed
  while pumping), it fails at once, as it sets out (the hours beyond the threshold
  count towards the next failure, so the count of failures per operating hour is
  exact);
* if the passage's ``sailing_h`` hours of way reach it, the failure falls at the
  moment they do (:meth:`Availability.work_end` of the sea and the ship's timeline:
  exact, sheltering excluded), and the passage pauses for the repair.

A failure is therefore never decided during a port call, so the terminal and the ferry
port need no change: they read the ship's ``up`` when each step begins.
"""

from __future__ import annotations

from typing import Any

from .availability import Availability

__all__ = ["UseFailures"]


class UseFailures:
    """The operating-hour failure clock of one ship.

    Parameters
    ----------
    spec : ShipFailures
        ``mtbf`` (operating hours) and ``mttr`` (calendar hours).
    rng
        The ship's own failure stream.
    base_downs : list of (float, float)
        Down intervals that are not failures (scripted outages, calendar hours).

    Attributes
    ----------
    up : Availability
        The ship's up timeline: the base downs and the failures decided so far.
    downs : list of (float, float)
        The failures decided so far (start, end), in calendar hours.
    sailed_h : float
        Hours of way of the passages begun so far.
    """

    def __init__(self, spec: Any, rng: Any, base_downs: list[tuple[float, float]]) -> None:
        self.mtbf = spec.mtbf
        self.mttr = spec.mttr
        self.rng = rng
        self.base = list(base_downs)
        self.downs: list[tuple[float, float]] = []
        self.sailed_h = 0.0
        self.next_at_h = self.mtbf.sample(rng)  # operating hours at which the next failure falls
        self.up = Availability.from_downs(self.base) if self.base else Availability.always()
        self._holders: list[Any] = []  # objects with an ``up`` attribute that follows ours
        self._passages: list[Any] = []  # ShelteredPassages whose sea_and_up follows ours

    def attach(self, holder: Any = None, passages: tuple = ()) -> None:
        """Keep ``holder.up`` and each passage's combined timeline equal to :attr:`up`."""
        if holder is not None:
            self._holders.append(holder)
        self._passages.extend(passages)
        self._publish()

    def before_passage(self, now: float, sailing_h: float, pumped_h: float = 0.0) -> None:
        """A passage of ``sailing_h`` hours of way begins at ``now``; ``pumped_h`` is the
        ship's cargo pumping hours so far (0 for a ferry).  Decides the failures that
        fall at its start or inside it."""
        used = self.sailed_h + pumped_h
        while used >= self.next_at_h:  # reached while pumping: it fails as it sets out
            self._fail(now)
        while self.next_at_h - used <= sailing_h:
            gate = self._passages[0].sea_and_up if self._passages else self.up
            self._fail(gate.work_end(now, self.next_at_h - used))
        self.sailed_h += sailing_h

    def failures_before(self, t_h: float) -> int:
        """Failures begun before ``t_h``."""
        return sum(1 for a, _ in self.downs if a < t_h)

    def _fail(self, t: float) -> None:
        self.downs.append((t, t + self.mttr.sample(self.rng)))
        self.next_at_h += self.mtbf.sample(self.rng)
        self.up = Availability.from_downs(self.base + self.downs)
        self._publish()

    def _publish(self) -> None:
        up = self.up
        for h in self._holders:
            h.up = up
        for p in self._passages:
            p.sea_and_up = p.sea if up.always_up else p.sea & up
            p.simple = p.sea_and_up.always_up
