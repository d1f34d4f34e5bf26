"""Dry-docking: a vessel off hire for ``duration`` every ``every`` hours.

One rule for shuttle tankers and train ferries.  A dock falls due every ``every`` hours
from a first due time drawn from the vessel's own stream (:func:`first_due_h`); a vessel takes it
at the end of the round trip in progress (a tanker after its discharge call, a ferry
after its call at the arrival port), and the next one falls due ``every`` hours after
the last one *fell due*, not after it was taken, so docks do not drift later.  While
docked the vessel's budget is ``off_hire``.  A zero-length dock takes no time and
schedules nothing: the vessel enters ``off_hire`` and leaves it at the same instant.
"""

from __future__ import annotations

import math

from ..config.schema import DryDock

__all__ = ["DryDockRule", "first_due_h"]


def first_due_h(spec: DryDock | None, phase: float) -> float:
    """When a vessel first falls due: ``phase`` (in [0, 1), drawn from the vessel's own
    stream) of the way through its first interval, so each ship's survey cycle has its
    own phase and a ship docks within a horizon H with probability H / every, whatever the
    size of the fleet; never without a dry-dock spec.  (A phase staggered by the fleet
    size, (k + 1/2) / n, gave fleets of 1-8 ships 0, 1, 1, 2, 2, 2, 3, 3 dockings in a year
    against an expected 0.4 per ship, and moved every ship's dates when one was added.)"""
    if not 0.0 <= phase < 1.0:
        raise ValueError(f"phase must be in [0, 1), found {phase}")
    return phase * spec.every_h if spec is not None else math.inf


class DryDockRule:
    """When one vessel docks, and for how long.

    Parameters
    ----------
    spec : DryDock or None
        ``every_h`` and ``duration_h``; ``None``: the vessel never docks.
    first_due_h : float
        When the first dock falls due (:func:`first_due_h`).
    """

    __slots__ = ("every_h", "duration_h", "next_due_h")

    def __init__(self, spec: DryDock | None, first_due_h: float) -> None:
        self.every_h = spec.every_h if spec is not None else math.inf
        self.duration_h = spec.duration_h if spec is not None else 0.0
        self.next_due_h = first_due_h if spec is not None else math.inf

    def take_if_due(self, clock, now: float) -> float:
        """At the end of a round trip: if a dock is due at ``now``, put the vessel off
        hire (``clock`` enters ``off_hire``), let the next dock fall due one interval
        later and return how long to wait; else (or for a zero-length dock) 0."""
        if now < self.next_due_h:
            return 0.0
        clock.enter("off_hire", now)
        self.next_due_h += self.every_h
        return self.duration_h
