"""Water depth and draft: how much cargo a tanker can carry at a berth on a date.

A port's berths allow a greatest draft as of a date (:class:`~shuttle_sim.config.seaway.PortDepth`);
the sea level moves it by ``trend x years`` (a year is 8,760 h, as everywhere); a
tanker's draft grows linearly with its cargo (:class:`~shuttle_sim.config.seaway.LoadLine`).
The cargo of a voyage is the least of the class's ``cargo`` and what the draft allows
at the load berth it got and at the shallowest discharge berth, on the day it loads::

    cargo = min(cargo_full, cargo_full * (max_draft - light) / (loaded - light))

The berths and approach of both ports are those stated; a class with no ``draft`` and a
port with no ``depth`` are never limited.  :func:`fit_problems` rejects a tanker class,
or the ferries (:mod:`.ferrydraft`), that could not float even empty at a port at some
time of the horizon: one rule for both routes.
"""

from __future__ import annotations

import datetime as _dt
from typing import Callable, Optional

from ..units import HOURS_PER_DAY, HOURS_PER_YEAR


def draft_cargo_t(cargo_full_t: float, light_m: float, loaded_m: float, max_draft_m: float) -> float:
    """Cargo a ship of this load line can carry with at most ``max_draft_m`` of draft
    (0 if it cannot float even empty, ``cargo_full_t`` if nothing limits it)."""
    allowed = cargo_full_t * (max_draft_m - light_m) / (loaded_m - light_m)
    return min(cargo_full_t, max(allowed, 0.0))


class PortDrafts:
    """Greatest draft of each berth of one port at any simulation hour.

    Parameters
    ----------
    depth : PortDepth
    berths : int
    start_date : datetime.date or None
        Calendar date of simulation hour 0 (None: the depths' own date).
    trend_m_per_yr : float
        Sea-level change per year (0: constant).
    """

    def __init__(self, depth, berths: int, start_date: Optional[_dt.date], trend_m_per_yr: float) -> None:
        self.at_datum_m = depth.berth_drafts_m(berths)
        self.trend_m_per_h = trend_m_per_yr / HOURS_PER_YEAR
        # simulation hour of the depths' date
        self.datum_h = (depth.as_of - start_date).days * HOURS_PER_DAY if start_date is not None else 0.0

    def offset_m(self, t_h: float) -> float:
        """Sea level at hour ``t_h`` above that of the depths' date."""
        return self.trend_m_per_h * (t_h - self.datum_h)

    def max_draft_m(self, berth: int, t_h: float) -> float:
        return self.at_datum_m[berth] + self.offset_m(t_h)

    def shallowest_m(self, t_h: float) -> float:
        return min(self.at_datum_m) + self.offset_m(t_h)


def _drafts(scenario, port) -> Optional[PortDrafts]:
    depth = getattr(port, "depth", None)
    if depth is None:
        return None
    sl = getattr(scenario, "sea_level", None)
    return PortDrafts(depth, port.berths, scenario.start_date, sl.trend_per_yr_m if sl is not None else 0.0)


def cargo_limit(scenario) -> Optional[Callable[[object, int, float], float]]:
    """``limit(tanker_class, load_berth, t_h) -> t``: what the draft lets a class load at
    that load berth at hour ``t_h`` (also bounded by the shallowest discharge berth);
    None when no depth or no load line is stated (nothing is limited)."""
    load, dis = _drafts(scenario, scenario.load_port), _drafts(scenario, scenario.discharge_port)
    if (load is None and dis is None) or not any(c.draft is not None for c in scenario.fleet.tankers):
        return None

    def limit(cls, berth: int, t_h: float) -> float:
        line = cls.draft
        if line is None:
            return cls.cargo_t
        d = load.max_draft_m(berth, t_h) if load is not None else float("inf")
        if dis is not None:
            d = min(d, dis.shallowest_m(t_h))
        return draft_cargo_t(cls.cargo_t, line.light_m, line.loaded_m, d)

    return limit


def _unfit(light_m: float, drafts: PortDrafts, horizon_h: float, berth: Optional[int] = None) -> Optional[float]:
    """The rule tankers and ferries share: a ship whose light draft exceeds the greatest
    draft a berth allows (``berth`` None: the port's shallowest) at some time in
    ``[0, horizon_h]`` cannot float there even empty.  The draft moves linearly (the
    sea level's trend), so its least is at one end or the other.  Returns that least if
    the ship does not fit, else None."""
    if berth is None:
        worst = min(drafts.shallowest_m(0.0), drafts.shallowest_m(horizon_h))
    else:
        worst = min(drafts.max_draft_m(berth, 0.0), drafts.max_draft_m(berth, horizon_h))
    return worst if worst < light_m else None


def fit_problems(scenario) -> list[tuple[tuple, str]]:
    """``(key path, message)`` for every berth list of the wrong length, every tanker
    class that cannot float, even empty, at a berth at some time of the horizon, and
    ferries that cannot float at a ferry port (its shallowest berth or approach: ferry
    berths are anonymous) at some time of the horizon."""
    return _tanker_fit_problems(scenario) + _ferry_fit_problems(scenario)


def _tanker_fit_problems(s) -> list[tuple[tuple, str]]:
    problems: list[tuple[tuple, str]] = []
    if s.fleet is None:
        return problems
    ports = []
    for key in ("load_port", "discharge_port"):
        p = getattr(s, key)
        depth = getattr(p, "depth", None) if p is not None else None
        if depth is None:
            continue
        d = depth.berth_max_draft_m
        if isinstance(d, tuple) and len(d) < p.berths:
            problems.append(((key, "depth", "berth_max_draft"), f"expected one draft for all berths or at least {p.berths}"
                             f" (one per berth in service, in order), found {len(d)}"))
            continue
        drafts = _drafts(s, p)
        assert drafts is not None  # the port states a depth
        ports.append((key, p, drafts))
    for i, c in enumerate(s.fleet.tankers):
        if c.draft is None:
            continue
        for key, p, drafts in ports:
            for j in range(p.berths):
                worst = _unfit(c.draft.light_m, drafts, s.horizon_h, j)
                if worst is not None:
                    problems.append((("fleet", "tankers", i, "draft", "light"),
                                     f"expected tanker class {c.name!r} to fit {p.name} berth {j + 1} (max draft "
                                     f"{worst:.2f} m in the horizon), found light draft {c.draft.light_m:g} m"))
                    break
    return problems


def _ferry_fit_problems(s) -> list[tuple[tuple, str]]:
    f = getattr(s, "ferry", None)
    if f is None or f.ferries.draft is None:
        return []
    line = f.ferries.draft
    problems: list[tuple[tuple, str]] = []
    for p in (f.port, f.arrival_port):
        drafts = _drafts(s, p)  # the berth list's length is checked with the route (config.ferry)
        if drafts is None:
            continue
        worst = _unfit(line.light_m, drafts, s.horizon_h)
        if worst is not None:
            problems.append((("ferry", "ferries", "draft", "light"),
                             f"expected the ferries to fit {p.name} (max draft {worst:.2f} m in the horizon), "
                             f"found light draft {line.light_m:g} m"))
    return problems
