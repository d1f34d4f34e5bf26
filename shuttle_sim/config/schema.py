"""Scenario objects: what a YAML scenario file may contain.

The YAML keys carry no unit (``laden_speed: 13 kn``); the Python attributes carry the
canonical unit in their names (``laden_speed_kn``).  Objects are immutable; derive a
variant with ``scenario.with_changes({"load_port.berths": 4})``, which re-validates
everything (:mod:`shuttle_sim.config.overrides`).
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import Literal, Optional

from pydantic import Field, model_validator

from ..distributions import ZERO, Duration
from .failures import ShipFailures
from .ferry import FerryRoute, SplitSpec
from .policies import DispatchSpec, LeaveBerthSpec, SecondOfftakeSpec, StressEvent
from .seaway import LoadLine, PortDepth, SeaLevel
from .weather import BerthExposure, DryDock, Disruption, FailureSpec, OperationLimits, PortLimits, WeatherSpec
from .types import (
    Count100,
    Count1000,
    DensityTPerM3,
    Hours,
    HorizonHours,
    Name,
    Knots,
    Nmi,
    PositiveHours,
    PositiveTonnes,
    PositiveTonnesPerHour,
    Spec,
    Tonnes,
    TonnesPerHour,
)

__all__ = [
    "Crude",
    "TankFarmSpec",
    "OtherTraffic",
    "PortSpec",
    "SupplySpec",
    "OfftakeSpec",
    "RouteSpec",
    "TankerClass",
    "FleetSpec",
    "Scenario",
    "cross_checks",
    "resolved_dict",
]


MIN_WARMUP_H = 1.0  # a warm-up is 0 or at least an hour: KPIs of the run to it are rates over it


class Crude(Spec):
    """The crude carried; its density turns barrels and m3 into tonnes."""

    density_t_per_m3: DensityTPerM3 = Field(alias="density", description="e.g. '0.80 t/m3'")


class TankFarmSpec(Spec):
    """Shore storage at a port.

    ``working_level`` is the stock the terminal aims to hold (the offtake nomination's
    target, ``policy: level``); it defaults to half the capacity.  The farm starts at
    ``initial_level``, which defaults to the working level.  Both defaults are filled in
    when the scenario is read, so a resolved scenario states them.
    """

    capacity_t: PositiveTonnes = Field(alias="capacity")
    working_level_t: Optional[Tonnes] = Field(default=None, alias="working_level", description="default: half the capacity")
    initial_level_t: Optional[Tonnes] = Field(default=None, alias="initial_level", description="default: the working level")

    @model_validator(mode="after")
    def _defaults(self) -> "TankFarmSpec":
        if self.working_level_t is None:
            object.__setattr__(self, "working_level_t", 0.5 * self.capacity_t)
        elif self.working_level_t > self.capacity_t:
            raise ValueError(f"expected working_level <= capacity {self.capacity_t:g} t, found {self.working_level_t:g} t")
        if self.initial_level_t is None:
            object.__setattr__(self, "initial_level_t", self.working_level_t)
        return self


class OtherTraffic(Spec):
    """Third-party calls that share the berths (Poisson arrivals), e.g. other trades."""

    calls_per_year: float = Field(gt=0, le=10_000, description="at most 10,000 (more than one an hour)")
    berth_time: Duration


class PortSpec(Spec):
    """A terminal: its berths, the steps of a port call, and its tank farm.

    A call goes: arrival formalities at anchorage (pilot, free pratique, notice of
    readiness; no berth held) -> queue for a berth -> berthing -> pre-transfer
    formalities (hose connection, ullage survey, sampling) -> cargo transfer ->
    post-transfer formalities (disconnection, cargo documents, customs) -> unberthing.
    """

    name: Name
    berths: Count100
    tank_farm: TankFarmSpec
    transfer_rate_t_per_h: PositiveTonnesPerHour = Field(alias="transfer_rate", description="shore rate per berth")
    arrival_formalities: Duration = ZERO
    berthing: Duration = ZERO
    pre_transfer: Duration = ZERO
    post_transfer: Duration = ZERO
    unberthing: Duration = ZERO
    other_traffic: Optional[OtherTraffic] = None
    weather_site: Optional[str] = Field(default=None, description="site of the scenario's weather")
    limits: PortLimits = PortLimits()
    berth_failures: Optional[FailureSpec] = Field(default=None, description="per berth; pauses cargo transfer")
    berth_exposure: Optional[BerthExposure] = Field(default=None, description="site sea-state -> berth; none: 1 to 1")
    depth: Optional[PortDepth] = Field(default=None, description="greatest draft of berths and approach; none: no limit")
    dispatch: DispatchSpec = DispatchSpec()
    leave_berth: LeaveBerthSpec = LeaveBerthSpec()


class SupplySpec(Spec):
    """Field production offered to the load-port tank farm."""

    rate_t_per_h: TonnesPerHour = Field(alias="rate")
    outages: Optional[FailureSpec] = Field(default=None, description="upstream stops: nothing offered while down")


class OfftakeSpec(Spec):
    """Nominated pipeline draw from the discharge tank farm (BTC injection).

    ``policy: constant`` (the default) draws ``rate`` all the time.  ``policy: level``
    re-nominates every ``interval`` to hold the discharge farm near its working level::

        nomination = clip(rate + (level - working_level) / catch_up, min_rate, max_rate)

    (with a ``second`` offtake, the upper bound is ``max_rate + second.max_rate``).
    Outages and scripted factors multiply what each outlet is asked to take.
    """

    rate_t_per_h: TonnesPerHour = Field(alias="rate")
    outages: Optional[FailureSpec] = Field(default=None, description="pipeline stops: nothing drawn while down")
    policy: Literal["constant", "level"] = "constant"
    min_rate_t_per_h: TonnesPerHour = Field(default=0.0, alias="min_rate", description="policy level: lowest nomination")
    max_rate_t_per_h: Optional[PositiveTonnesPerHour] = Field(
        default=None, alias="max_rate", description="the first outlet's capacity (default: rate); policy level: highest nomination"
    )
    catch_up_h: PositiveHours = Field(default=240.0, alias="catch_up", description="policy level: hours to correct a deviation")
    interval_h: PositiveHours = Field(default=24.0, alias="interval", description="policy level: time between nominations")
    second: Optional[SecondOfftakeSpec] = None

    @model_validator(mode="after")
    def _rates(self) -> "OfftakeSpec":
        top = self.max_rate_t_per_h
        if self.policy == "level" and top is None:
            raise ValueError("expected max_rate with policy: level (the pipeline's highest rate, to catch up)")
        if top is not None and not self.min_rate_t_per_h <= self.rate_t_per_h <= top:
            raise ValueError(
                f"expected min_rate <= rate <= max_rate, found {self.min_rate_t_per_h:g} <= {self.rate_t_per_h:g} "
                f"<= {top:g} t/h"
            )
        return self

    @property
    def first_max_t_per_h(self) -> float:
        """The first outlet's capacity."""
        return self.rate_t_per_h if self.max_rate_t_per_h is None else self.max_rate_t_per_h


class RouteSpec(Spec):
    """The sea crossing between the two ports."""

    distance_nmi: Nmi = Field(alias="distance")
    weather_site: Optional[str] = Field(default=None, description="site whose weather the passage meets")
    passage_limits: OperationLimits = OperationLimits()
    departure: Literal["any", "passage_window"] = Field(
        default="any",
        description="passage_window: a ship leaves the berth only into a forecast window of its whole crossing",
    )
    forecast_horizon_h: Optional[PositiveHours] = Field(
        default=None, alias="forecast_horizon",
        description="departure: passage_window looks this far ahead (default: the whole crossing, a perfect forecast)",
    )


class TankerClass(Spec):
    """``count`` identical shuttle tankers."""

    name: Name
    count: Count1000
    cargo_t: PositiveTonnes = Field(alias="cargo", description="cargo per voyage, after any draft restriction")
    laden_speed_kn: Knots = Field(alias="laden_speed")
    ballast_speed_kn: Knots = Field(alias="ballast_speed")
    discharge_pump_rate_t_per_h: Optional[PositiveTonnesPerHour] = Field(
        default=None, alias="discharge_pump_rate", description="ship's cargo pumps; caps the discharge rate"
    )
    breakdowns: Optional[ShipFailures] = Field(default=None, description="pause passages and transfers")
    dry_dock: Optional[DryDock] = None
    draft: Optional[LoadLine] = Field(default=None, description="draft by cargo; none: never draft-limited")


class FleetSpec(Spec):
    """The shuttle fleet; tanker k first reaches the load port at k x arrival_spacing."""

    tankers: list[TankerClass] = Field(min_length=1, max_length=100)
    arrival_spacing_h: Optional[PositiveHours] = Field(default=None, alias="arrival_spacing")


class Scenario(Spec):
    """One trans-Caspian export network fed by one field supply: the tanker route
    (load port, route, fleet, discharge port, offtake), the train-ferry route
    (``ferry``), or both with a ``split`` rule."""

    name: Name
    description: str = ""
    start_date: _dt.date = _dt.date(2025, 1, 1)
    horizon_h: HorizonHours = Field(default=8760.0, alias="horizon", description="simulated time, e.g. '1 yr'")
    crude: Crude
    supply: SupplySpec
    load_port: Optional[PortSpec] = None
    route: Optional[RouteSpec] = None
    fleet: Optional[FleetSpec] = None
    discharge_port: Optional[PortSpec] = None
    offtake: Optional[OfftakeSpec] = None
    ferry: Optional[FerryRoute] = None
    split: Optional[SplitSpec] = None
    weather: Optional[WeatherSpec] = None
    sea_level: Optional[SeaLevel] = Field(default=None, description="trend of the sea level; none: constant")
    disruptions: list[Disruption] = Field(default_factory=list)
    warmup_h: Hours = Field(default=0.0, alias="warmup", description="initial period left out of every KPI, e.g. '60 d'")
    stress: list[StressEvent] = Field(default_factory=list, description="design events at a random date per replication")

    @property
    def has_tankers(self) -> bool:
        return self.fleet is not None

    @property
    def n_tankers(self) -> int:
        return sum(c.count for c in self.fleet.tankers) if self.fleet is not None else 0

    @property
    def ferry_share(self) -> float:
        """Share of field supply sent to the ferry route under a fixed split."""
        if self.ferry is None:
            return 0.0
        if self.fleet is None:
            return 1.0
        return self.split.ferry_share if self.split.rule == "fixed" else 0.0

    def describe(self) -> str:
        """The routes in a few words, e.g. '2 tankers, 3 + 2 berths; 4 ferries, 1500 wagons'."""
        parts = []
        if self.has_tankers:
            parts.append(f"{self.n_tankers} tankers, {self.load_port.berths} + {self.discharge_port.berths} berths")
        if self.ferry is not None:
            parts.append(f"{self.ferry.ferries.count} ferries, {self.ferry.wagons.count} wagons")
        return "; ".join(parts)

    def __repr__(self) -> str:
        """A few lines, not every field (``resolved_dict(s)`` or ``s.model_dump()`` has them)."""
        from ..units import HOURS_PER_YEAR

        extras = [w for w, on in (("weather", self.weather is not None), ("stress events", bool(self.stress)),
                                  ("disruptions", bool(self.disruptions))) if on]
        warmup = f" (the first {self.warmup_h / 24:g} d a warm-up)" if self.warmup_h else ""
        text = (f"Scenario({self.name!r}: {self.describe()}; {self.horizon_h / HOURS_PER_YEAR:.3g} yr from"
                f" {self.start_date.isoformat()}{warmup}{', with ' + ', '.join(extras) if extras else ''})")
        return text + (f"\n  {self.description.strip().splitlines()[0]}" if self.description.strip() else "")

    __str__ = __repr__

    def _repr_pretty_(self, p, cycle) -> None:  # IPython: the short form
        p.text(repr(self))

    def with_changes(self, changes: "Mapping[str, object]", source: str = "<overrides>") -> "Scenario":
        """A new scenario with ``{"key.path": value}`` changes, validated as a file would be,
        e.g. ``s.with_changes({"fleet.tankers[Astana-class].count": 3, "load_port.berths": 4})``
        (see :mod:`shuttle_sim.config.overrides`)."""
        from .overrides import with_changes

        return with_changes(self, changes, source)

    def to_dict(self) -> dict:
        """Plain data (canonical units in every name), e.g. for writing the resolved scenario."""
        return self.model_dump(mode="json")


def weather_sites(s: Scenario) -> set[str]:
    """Names of the sites the scenario's weather source provides."""
    w = s.weather
    if w is None:
        return set()
    if w.source == "hindcast":
        from ..components.weather import read_hindcast

        return set(read_hindcast(w.file).sites)
    return set(w.sites)


def cross_checks(s: Scenario) -> list[tuple[tuple, str]]:
    """Combinations that are each valid alone but impossible together.

    Returns ``(key path, message)`` pairs; an empty list means the scenario is coherent.
    """
    problems: list[tuple[tuple, str]] = []
    tanker_parts = ("load_port", "route", "fleet", "discharge_port", "offtake")
    present = [k for k in tanker_parts if getattr(s, k) is not None]
    if present and len(present) < len(tanker_parts):
        for k in tanker_parts:
            if getattr(s, k) is None:
                problems.append(((k,), f"missing required key (the tanker route needs all of {', '.join(tanker_parts)})"))
        return problems
    if not present and s.ferry is None:
        return [((), "expected a tanker route (load_port, route, fleet, discharge_port, offtake), a ferry route, or both")]
    if present and s.ferry is not None and s.split is None:
        problems.append((("split",), "missing required key (both routes run: say how supply is split, e.g. {rule: fixed, ferry_share: 0.3})"))
    if s.split is not None and not (present and s.ferry is not None):
        problems.append((("split",), "expected no split: only one route runs"))
    if s.ferry is not None and s.ferry.station.tank_farm.initial_level_t > s.ferry.station.tank_farm.capacity_t:
        problems.append((("ferry", "station", "tank_farm", "initial_level"), "expected an initial level <= capacity"))
    ports = [k for k in ("load_port", "discharge_port") if getattr(s, k) is not None]
    for port_key in ports:
        tf = getattr(s, port_key).tank_farm
        if tf.initial_level_t > tf.capacity_t:
            problems.append(
                (
                    (port_key, "tank_farm", "initial_level"),
                    f"expected an initial level <= capacity {tf.capacity_t:g} t, found {tf.initial_level_t:g} t",
                )
            )
    try:
        sites = weather_sites(s)
    except ValueError as e:  # an unreadable or malformed hindcast file
        return problems + [(("weather", "file"), str(e))]
    named = [((k,), getattr(s, k).weather_site) for k in ("load_port", "discharge_port", "route") if getattr(s, k) is not None]
    if s.ferry is not None:
        named += [(("ferry", "port"), s.ferry.port.weather_site), (("ferry", "arrival_port"), s.ferry.arrival_port.weather_site),
                  (("ferry", "crossing"), s.ferry.crossing.weather_site)]
    for key, site in named:
        if site is not None and site not in sites:
            expected = f"one of {sorted(sites)}" if sites else "no weather_site (the scenario has no weather)"
            problems.append((key + ("weather_site",), f"expected {expected}, found {site!r}"))
    if s.warmup_h >= s.horizon_h:
        problems.append((("warmup",), f"expected a warm-up shorter than the horizon ({s.horizon_h:g} h), found {s.warmup_h:g} h"))
    elif 0 < s.warmup_h < MIN_WARMUP_H:  # the run to the warm-up would annualise over no time at all
        problems.append((("warmup",), f"expected 0 h (none) or a warm-up of at least {MIN_WARMUP_H:g} h, found {s.warmup_h:g} h"))
    if s.stress and not s.has_tankers:
        problems.append((("stress",), "expected no stress events: they act on the tanker route's supply and offtake"))
    for i, d in enumerate(s.disruptions):
        n = {"load_berth": s.load_port.berths if s.load_port else 0,
             "discharge_berth": s.discharge_port.berths if s.discharge_port else 0,
             "tanker": s.n_tankers, "ferry": s.ferry.ferries.count if s.ferry else 0}.get(d.target)
        if n is not None and d.index is not None and d.index >= n:
            problems.append((("disruptions", i, "index"), f"expected an index below {n} ({d.target}), found {d.index}"))
    problems += _cycle_checks(s)
    from ..components.draft import fit_problems

    problems += fit_problems(s)
    cap = s.load_port.tank_farm.capacity_t if s.load_port else 0.0
    for i, c in enumerate(s.fleet.tankers if s.fleet else []):
        if c.cargo_t > cap:
            problems.append(
                (
                    ("fleet", "tankers", i, "cargo"),
                    f"expected a cargo no larger than the load-port tank farm ({cap:g} t), found {c.cargo_t:g} t",
                )
            )
    return problems


MIN_ROUND_TRIP_H = 1.0
"""Least mean round trip of a tanker or ferry (sailing, port steps, transfers): a
vessel that could go round in no time would loop without end."""


def _port_steps_h(port) -> float:
    steps = ("arrival_formalities", "berthing", "pre_transfer", "post_transfer", "unberthing", "handling")
    return sum(getattr(port, k).mean_h for k in steps if hasattr(port, k))


def _cycle_checks(s: Scenario) -> list[tuple[tuple, str]]:
    """Vessels whose round trip could take (almost) no time."""
    problems: list[tuple[tuple, str]] = []
    for i, c in enumerate(s.fleet.tankers if s.fleet and s.route and s.load_port and s.discharge_port else []):
        discharge = min(s.discharge_port.transfer_rate_t_per_h, c.discharge_pump_rate_t_per_h or float("inf"))
        trip = (s.route.distance_nmi / c.laden_speed_kn + s.route.distance_nmi / c.ballast_speed_kn
                + _port_steps_h(s.load_port) + _port_steps_h(s.discharge_port)
                + c.cargo_t / s.load_port.transfer_rate_t_per_h + c.cargo_t / discharge)
        if not trip >= MIN_ROUND_TRIP_H:
            problems.append((("fleet", "tankers", i), f"expected a round trip (sailing, port steps and transfers) of at "
                             f"least {MIN_ROUND_TRIP_H:g} h, found {trip:.3g} h"))
    if s.ferry is not None:
        f = s.ferry
        trip = 2 * f.crossing.distance_nmi / f.ferries.speed_kn + _port_steps_h(f.port) + _port_steps_h(f.arrival_port)
        if not trip >= MIN_ROUND_TRIP_H:
            problems.append((("ferry", "crossing"), f"expected a ferry round trip (crossings and port steps) of at "
                             f"least {MIN_ROUND_TRIP_H:g} h, found {trip:.3g} h"))
    return problems


_SUFFIX_UNITS = (
    ("_t_per_h", "t/h"), ("_t_per_m3", "t/m3"), ("_m_per_s", "m/s"), ("_nmi", "nmi"), ("_kn", "kn"),
    ("_h", "h"), ("_t", "t"), ("_m", "m"),
)


def _resolved(value):
    from pydantic import BaseModel

    if isinstance(value, BaseModel):
        out = {}
        for name, f in type(value).model_fields.items():
            v = getattr(value, name)
            if v is None:
                continue
            unit = next((u for suf, u in _SUFFIX_UNITS if name.endswith(suf)), None)
            if unit is not None and isinstance(v, float):
                out[f.alias or name] = f"{v!r} {unit}"
            elif unit is not None and isinstance(v, tuple):
                out[f.alias or name] = [f"{x!r} {unit}" for x in v]
            else:
                out[f.alias or name] = _resolved(v)
        return out
    if isinstance(value, (list, tuple)):
        return [_resolved(v) for v in value]
    if isinstance(value, dict):
        return {k: _resolved(v) for k, v in value.items()}
    if isinstance(value, _dt.date):
        return value.isoformat()
    return value


def resolved_dict(scenario: Scenario) -> dict:
    """The scenario as scenario-file data with every value explicit, in canonical units.

    Loading it again gives an equal scenario, so a run's output directory can always be
    re-run exactly.
    """
    return _resolved(scenario)


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the resolved scenario: equal scenarios, equal hashes."""
    import hashlib
    import json

    text = json.dumps(resolved_dict(scenario), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
