"""Towing a broken-down ship off a berth: the rule tankers and ferries share.

With ``breakdowns.leave_berth_after`` (:class:`~shuttle_sim.config.failures.ShipFailures`)
a ship broken down at a berth whose repair would keep it there longer than that limit
stays that long, is towed off (no unberthing time, no weather check: an ASSUMPTION, a tow
is not an unberthing under the ship's own power), frees the berth for the next ship,
waits for its repair off the berth (budget state ``breakdown``), queues for a berth again
through the port's normal path and does the work it had left.  The limit counts from the
moment the breakdown holds the ship at the berth: when the breakdown begins during the
work (a transfer, a ferry's handling), or when the ship is ready for the next step
(the work's start, the unberthing) and finds itself broken down.

Both questions are asked of the ship's up timeline
(:class:`~.availability.Availability`), whose repairs are known in advance:
:func:`tow_off_at` for a ship that is about to wait out a breakdown now, and
:func:`long_down_start` for a breakdown that will begin while work is under way.  The
ferry route (:mod:`.ferry`) and the tanker port call (:mod:`.terminal`, :mod:`.transfer`)
both decide by them.
"""

from __future__ import annotations

import math
from typing import Final

from .availability import Availability

__all__ = ["long_down_start", "tow_off_at"]

INF: Final = math.inf


def tow_off_at(up: Availability, t: float, limit_h: float) -> float:
    """When a ship ready for its next step at ``t`` is towed off: ``t + limit_h`` if it is
    broken down at ``t`` with its repair more than ``limit_h`` away, else ``inf``."""
    if limit_h == INF or up.always_up:
        return INF
    repaired = up.next_up(t)
    if repaired - t <= limit_h:
        return INF
    return t + limit_h


def long_down_start(up: Availability, t: float, end: float, limit_h: float) -> float:
    """Start of the first down spell of ``up`` in ``[t, end)`` that lasts longer than
    ``limit_h`` from its start (or from ``t``, for a spell already under way at ``t``);
    ``inf`` if none.  The ship is then towed off ``limit_h`` after it."""
    while t < end:
        s = up.up_until(t)  # next down start (t if down at t)
        if s >= end or s == INF:
            return INF
        e = up.next_up(s)
        if e - s > limit_h:
            return s
        t = e
    return INF
