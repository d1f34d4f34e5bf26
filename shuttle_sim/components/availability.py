"""Availability timelines: when a port's weather, a berth or a ship can work.

An :class:`Availability` is a sorted list of disjoint *up* intervals ``[start, end)`` in
hours; everything else is down.  It is built once per replication (from an hourly
weather mask, a failure history, a scripted outage) and then answers, each in
O(log n) in the number of intervals:

* ``is_up(t)``, ``next_up(t)``, ``up_until(t)``: the state at ``t`` and its next change;
* ``window(t, L)``: the first time ``s >= t`` with ``[s, s + L)`` entirely up (the start
  of a berthing that must not be interrupted), by binary lifting over a sparse table of
  interval lengths, never a scan;
* ``work_end(t, L)``: when ``L`` up-hours have accumulated from ``t`` (a passage that
  pauses in a storm and continues), by bisection on cumulative up-hours.

:func:`common_window` finds the first window in which several timelines are all up at
once (the port's weather and the ship's own for a berthing; weather, berth and ship for
a transfer to resume): tankers and ferries both use it.

Timelines live on ``[0, inf)``: simulation time starts at 0.  Generators cover the
horizon plus a margin and end with an open-ended up interval, so the model never runs
out of timeline.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from typing import Final, Iterable, Sequence

import numpy as np

INF: Final = math.inf


def _probe() -> None:
    """Compiled by mypyc, a function is native code and has no ``__code__``."""


# compiled rather than run as Python source: chooses how to search a timeline
_COMPILED: Final = not hasattr(_probe, "__code__")


def _last_at_or_before(xs: list[float], t: float) -> int:
    """Index of the last element of sorted ``xs`` that is <= ``t`` (-1 if none), that
    is ``bisect_right(xs, t) - 1``.  Compiled, a native binary search on the unboxed
    floats (the C ``bisect`` compares Python floats through the generic comparison, at
    several times the cost); as Python source, the C ``bisect`` is the faster."""
    if not _COMPILED:
        return bisect_right(xs, t) - 1
    lo = 0
    hi = len(xs)
    while lo < hi:
        mid = (lo + hi) >> 1
        if t < xs[mid]:
            hi = mid
        else:
            lo = mid + 1
    return lo - 1


class Availability:
    """Up intervals ``[starts[i], ends[i])``, sorted, disjoint, non-empty."""

    __slots__ = ("starts", "ends", "_cum", "_table", "always_up")

    def __init__(self, starts: Sequence[float], ends: Sequence[float]) -> None:
        starts, ends = [float(s) for s in starts], [float(e) for e in ends]
        if len(starts) != len(ends):
            raise ValueError("starts and ends differ in length")
        for i, (s, e) in enumerate(zip(starts, ends)):
            if not s < e or (i and not ends[i - 1] < s):
                raise ValueError(f"intervals must be sorted, disjoint and non-empty; interval {i} is [{s}, {e})")
        self.starts = starts
        self.ends = ends
        # up for all time: callers skip their timeline logic altogether
        self.always_up = starts == [0.0] and ends == [INF]
        lengths = np.array(ends) - np.array(starts) if starts else np.zeros(0)
        # cumulative up-hours before interval i (inf lengths only ever at the end)
        cum = np.concatenate(([0.0], np.cumsum(lengths)[:-1])) if starts else np.zeros(0)
        self._cum = cum.tolist()
        # sparse table: _table[k][i] = max length of intervals i .. i + 2**k - 1
        table = [lengths]
        k = 1
        while (1 << k) <= len(lengths):
            prev = table[-1]
            half = 1 << (k - 1)
            table.append(np.maximum(prev[:-half], prev[half:]))
            k += 1
        self._table = [t.tolist() for t in table]

    # ------------------------------------------------------------------ builders
    @classmethod
    def always(cls) -> "Availability":
        return cls([0.0], [INF])

    @classmethod
    def from_mask(cls, up: np.ndarray, step_h: float = 1.0) -> "Availability":
        """From a boolean series on a regular grid: ``up[i]`` holds on
        ``[i * step_h, (i + 1) * step_h)``; after the series the timeline is up."""
        up = np.asarray(up, dtype=bool)
        n = up.size
        edges = np.flatnonzero(up[1:] != up[:-1]) + 1  # where the series changes (one pass)
        rising = up[edges]
        starts = edges[rising]
        if n and up[0]:
            starts = np.concatenate(([0], starts))
        if not n or not up[-1]:
            starts = np.concatenate((starts, [n]))  # up after the series
        return cls((starts * step_h).tolist(), (edges[~rising] * step_h).tolist() + [INF])

    @classmethod
    def from_downs(cls, downs: Iterable[tuple[float, float]]) -> "Availability":
        """Up everywhere except the given down intervals (merged if they overlap)."""
        merged: list[list[float]] = []
        for a, b in sorted(downs):
            if b <= a:
                continue
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        starts, ends, t = [], [], 0.0
        for a, b in merged:
            a, b = max(a, 0.0), max(b, 0.0)
            if a > t:
                starts.append(t)
                ends.append(a)
            t = max(t, b)
        if t < INF:
            starts.append(t)
            ends.append(INF)
        return cls(starts, ends)

    def __and__(self, other: "Availability") -> "Availability":
        """Up when both are up (linear merge, done once per replication)."""
        i = j = 0
        starts: list[float] = []
        ends: list[float] = []
        a, b = self, other
        while i < len(a.starts) and j < len(b.starts):
            s = max(a.starts[i], b.starts[j])
            e = min(a.ends[i], b.ends[j])
            if s < e:
                if ends and ends[-1] == s:
                    ends[-1] = e
                else:
                    starts.append(s)
                    ends.append(e)
            if a.ends[i] < b.ends[j]:
                i += 1
            else:
                j += 1
        return Availability(starts, ends)

    # ------------------------------------------------------------------ queries
    def is_up(self, t: float) -> bool:
        i = _last_at_or_before(self.starts, t)  # last interval starting at or before t
        return i >= 0 and t < self.ends[i]

    def next_up(self, t: float) -> float:
        """``t`` if up at ``t``, else the start of the next up interval (inf if none)."""
        i = _last_at_or_before(self.starts, t)  # last interval starting at or before t
        if i >= 0 and t < self.ends[i]:
            return t
        return self.starts[i + 1] if i + 1 < len(self.starts) else INF

    def up_until(self, t: float) -> float:
        """End of the up interval containing ``t``; ``t`` itself if down at ``t``."""
        i = _last_at_or_before(self.starts, t)  # last interval starting at or before t
        if i >= 0 and t < self.ends[i]:
            return self.ends[i]
        return t

    def window(self, t: float, length_h: float) -> float:
        """First ``s >= t`` such that ``[s, s + length_h)`` is up (inf if none)."""
        i = _last_at_or_before(self.starts, t)  # last interval starting at or before t
        if i >= 0 and self.ends[i] - t >= length_h:  # up from t (starts[i] <= t) long enough
            return t
        j = i + 1  # first interval starting after t: find the first with length >= L
        n = len(self.starts)
        if j >= n:
            return INF
        table = self._table
        for k in range(len(table) - 1, -1, -1):
            # skip a block of 2**k intervals if none is long enough
            if j + (1 << k) <= n and table[k][j] < length_h:
                j += 1 << k
        return self.starts[j] if j < n else INF

    def work_end(self, t: float, work_h: float) -> float:
        """Time at which ``work_h`` up-hours have accumulated from ``t``."""
        if work_h <= 0:
            return t
        target = self._up_before(t) + work_h
        # the interval in which the target is reached: work that ends exactly at an
        # interval's end finishes there, not at the next interval's start
        j = bisect_left(self._cum, target) - 1
        return self.starts[j] + (target - self._cum[j])

    def _up_before(self, t: float) -> float:
        """Up-hours in ``[0, t)``."""
        i = _last_at_or_before(self.starts, t)  # last interval starting at or before t
        if i < 0:
            return 0.0
        return self._cum[i] + min(t, self.ends[i]) - self.starts[i]

    def shelter_split(self, sea_and_up: "Availability", start: float, now: float) -> tuple[float, float]:
        """Hours a passage begun at ``start`` has spent stopped by ``now``: (weather, other).

        ``self`` is the sea's timeline and ``sea_and_up`` the sea combined with the ship's
        own; the time stopped is charged to weather as far as the sea alone explains it.
        Exact for any ``now``, so a horizon inside a passage splits it correctly.
        """
        elapsed = now - start
        held = max(elapsed - sea_and_up.up_hours(start, now), 0.0)
        weather_h = min(max(elapsed - self.up_hours(start, now), 0.0), held)
        return weather_h, held - weather_h

    def up_hours(self, t0: float, t1: float) -> float:
        """Up-hours inside ``[t0, t1)``."""
        return self._up_before(t1) - self._up_before(t0)


def common_window(gates: tuple[Availability, ...], t: float, length_h: float) -> float:
    """First ``s >= t`` at which every timeline in ``gates`` is up for ``length_h``
    (with ``length_h <= 0``: merely up at ``s``); inf if never.

    Each gate's own window is searched from the latest candidate in turn until all
    agree, without building the intersection of the timelines.
    """
    s = t
    while True:
        s2 = s
        for g in gates:
            s2 = g.window(s2, length_h) if length_h > 0 else g.next_up(s2)
        if s2 == s or s2 == INF:
            return s2
        s = s2


def operation_start(weather: Availability, up: Availability, t: float, length_h: float) -> tuple[float, bool]:
    """When a vessel's operation of ``length_h`` hours that must not be interrupted
    (berthing, unberthing) may start from ``t``: the first moment the weather and the
    vessel's own up timeline are both up for that long.  Also says whether the weather
    holds it (``True``: the weather alone would not allow it at ``t``; ``False``: the
    vessel's breakdown holds it, or nothing does).

    Tankers and ferries both start their port operations by this rule; the caller
    charges the hold to the vessel's budget (``weather`` or ``breakdown``) and waits.
    """
    start = weather_start = weather.window(t, length_h)
    if start == t and (up.always_up or up.window(t, length_h) == t):
        return t, False  # the usual case: nothing holds the vessel
    if not up.always_up:
        start = common_window((weather, up), t, length_h)
    return start, weather_start > t
