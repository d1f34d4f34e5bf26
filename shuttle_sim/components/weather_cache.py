"""A cache of drawn weathers, shared by scenarios that differ elsewhere.

A sweep runs the same replication numbers of one seed for each of its cells (common
random numbers), and each cell's weather is the same by design; a storage study runs each
replication three times, with each tank farm lifted.  A study's worker keeps the weathers
it drew here (``shuttle_sim.study.tasks``) so that each is drawn once (~2.3 ms of a ~16 ms
one-year ``kcts_concept`` replication).
"""

from __future__ import annotations

import datetime as _dt
import os
import threading

from ..rng import Streams
from .weather import Weather

__all__ = ["WeatherCache"]


class WeatherCache:
    """Weathers already drawn in this process, for scenarios that differ elsewhere (a
    sweep's cells, a storage study's lifted farms): at most ``recent + kept`` of them.

    A :class:`Weather` depends only on its spec, start date and horizon and on the
    replication's streams (seed, replication number); a run does not change it (its
    availabilities are built once, then only read), so one object serves every scenario
    with the same five.  The key holds the spec's JSON: equal specs match, whatever
    object carries them (and a hindcast file's version: an edited file does not).  The
    same results to the bit, with or without a cache.

    Two ways a study asks, so two parts (a segmented cache):

    * a grid goes batch by batch across its cells (``sweep._evaluate``): each weather is
      asked for again soon, and the ``recent`` part (least recently used out) holds it;
    * an adaptive search or a staged cell runs one cell's replications 0, 1, 2 ... and
      then the next cell's: a least-recently-used cache smaller than a cell would drop
      each weather just before it is asked for again.  What leaves ``recent`` moves to the
      ``kept`` part, which keeps the lowest replication numbers of the current (spec,
      start, horizon, seed), making room by dropping another's first: every cell then
      finds replications 0 to ``kept - 1`` there.
    """

    def __init__(self, recent: int = 32, kept: int = 32, max_mb: float = 64.0) -> None:
        self.recent_size, self.kept_size = recent, kept  # ~0.9 MB a weather (a year, three sites)
        #: memory for both parts: each holds at most half of it in weathers of the size stored
        #: (a 20-year horizon's weather is 20 times a year's), and at least one
        self.max_bytes = max_mb * 2**20
        self._recent: dict[tuple, Weather] = {}  # key -> weather, least recently used first
        self._kept: dict[tuple, Weather] = {}
        self._lock = threading.Lock()  # a Dask worker runs tasks in threads
        self.hits = self.misses = 0

    def get(self, spec, start_date: _dt.date, horizon_h: float, streams: Streams) -> Weather:
        """The weather of this spec, start and horizon for ``streams``'s replication."""
        key = (spec.model_dump_json(), _file_version(spec), start_date, float(horizon_h), streams.root_seed,
               streams.replication)
        with self._lock:
            w = self._recent.pop(key, None)
            if w is not None:
                self._recent[key] = w
            else:
                w = self._kept.get(key)
            if w is not None:
                self.hits += 1
                return w
            self.misses += 1
        w = Weather(spec, start_date, horizon_h, streams)  # (outside the lock: threads draw at once)
        fit = max(1, int(self.max_bytes / 2 // max(_nbytes(w), 1)))  # weathers of this size a part may hold
        with self._lock:
            if key not in self._recent and key not in self._kept:
                self._recent[key] = w
                while len(self._recent) > min(self.recent_size, fit):
                    old = next(iter(self._recent))
                    self._keep(old, self._recent.pop(old), min(self.kept_size, fit))
        return w

    def _keep(self, key: tuple, w: Weather, room: int) -> None:
        """Offer a weather that leaves ``recent`` to ``kept``, which may hold ``room``."""
        while len(self._kept) >= room:
            out = next((k for k in self._kept if k[:-1] != key[:-1]), None)  # another study's
            if out is None:
                out = max(self._kept, key=lambda k: k[-1], default=None)
                if out is None or out[-1] < key[-1]:
                    return
            del self._kept[out]
        self._kept[key] = w

    def clear(self) -> None:
        """Forget every weather (the counts stay)."""
        with self._lock:
            self._recent.clear()
            self._kept.clear()


def _nbytes(w: Weather) -> int:
    """Bytes of a weather's hourly series (its availabilities add about a tenth)."""
    return sum(a.nbytes for series in (w.wind_m_per_s, w.hs_m, w.visibility_m) for a in series.values())


def _file_version(spec) -> tuple:
    """A hindcast file's modification time and size: an edited file is another weather
    (a Dask worker outlives a sweep, and its cache with it)."""
    path = getattr(spec, "file", None)
    if path is None:
        return ()
    try:
        st = os.stat(path)
    except OSError:
        return ()  # (the draw reports it)
    return st.st_mtime_ns, st.st_size
