"""Scenario objects for the Kuryk train-ferry route and the supply split between routes.

Water depth and a ferry's draft use the names the tanker route uses for the same ideas
(``depth: {as_of, berth_max_draft, approach_max_draft}`` on a port, ``draft: {light,
loaded}`` on the ships): :class:`PortDepth` and :class:`LoadLine` here are defined to
the same fields so that one definition can serve both routes.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union


from pydantic import Field, model_validator

from ..distributions import ZERO, Duration
from .failures import FerryFailures
from .seaway import LoadLine, PortDepth
from .types import (Count100, Count1000, Count100k, FieldError, Hours, Knots, Nmi, PositiveTonnes,
                    PositiveTonnesPerHour, Spec, Tonnes)
from .weather import DryDock, OperationLimits, PortLimits


class LoadingStation(Spec):
    """Where field crude is filled into rail tank cars, a rake at a time, from a buffer."""

    name: str
    tank_farm: "StationTank"
    rake_wagons: Count1000 = Field(description="wagons filled and dispatched together")
    loading_rate_t_per_h: PositiveTonnesPerHour = Field(alias="loading_rate", description="per rake")
    tracks: Count100 = Field(default=1, description="rakes that can load at once")


class StationTank(Spec):
    capacity_t: PositiveTonnes = Field(alias="capacity")
    initial_level_t: Tonnes = Field(default=0.0, alias="initial_level")


class WagonFleet(Spec):
    count: Count100k
    tonnes_per_wagon_t: PositiveTonnes = Field(alias="tonnes_per_wagon")


class Yard(Spec):
    """The port's rail yard: loaded wagons waiting for a ferry.  A rake is sent from the
    loading station only when its wagons have room in the yard (rail shipments to the
    port stop while it is full)."""

    name: str
    capacity_wagons: Count100k


class FerryPort(Spec):
    """A ferry terminal: berths, handling time per call, weather, water depth.

    Handling a call takes ``handling`` (the fixed part: making fast the link span,
    shunting in and out) plus ``handling_per_wagon`` for every wagon moved (landed and
    taken on).  It pauses while the port's ``transfer`` limits are exceeded (and while
    the ferry is broken down)."""

    name: str
    berths: Count100
    handling: Duration
    handling_per_wagon_h: Hours = Field(default=0.0, alias="handling_per_wagon", description="per wagon off or on")
    depth: Optional[PortDepth] = Field(default=None, description="greatest draft of berths and approach; none: no limit")
    berthing: Duration = ZERO
    unberthing: Duration = ZERO
    weather_site: Optional[str] = None
    limits: PortLimits = PortLimits()


class FerryFleet(Spec):
    """Train ferries: capacity in wagons; they leave the yard port when full or after
    ``max_wait`` at the berth, whichever comes first (no timetable)."""

    count: Count100
    capacity_wagons: Count1000
    speed_kn: Knots = Field(alias="speed")
    max_wait_h: Hours = Field(alias="max_wait")
    arrival_spacing_h: Hours = Field(default=0.0, alias="arrival_spacing")
    breakdowns: Optional[FerryFailures] = None
    dry_dock: Optional[DryDock] = None
    draft: Optional[LoadLine] = Field(default=None, description="draft by loaded wagons aboard; none: never draft-limited")


class OtherCargo(Spec):
    """Wagons of other shippers (dry cargo, other liquids) bound for the same ferries.

    Trains of ``train_wagons`` wagons arrive at their origin as a Poisson stream of
    ``wagons_per_day / train_wagons`` trains a day (their own random stream,
    ``other_wagons``); like the oil rakes they are sent on to the port only while its
    yard has room, take ``rail_to_port`` to reach it, and then compete for yard space
    and ferry slots: ferries load the yard first come first served (by arrival in the
    yard, oil or not).  Landed at the arrival port they leave the model (delivered)."""

    wagons_per_day: float = Field(gt=0, le=100_000, description="wagons a day arriving at their origin")
    train_wagons: Count1000 = Field(default=1, description="wagons per arriving train")
    rail_to_port: Duration = Field(description="origin to the yard")


class Crossing(Spec):
    distance_nmi: Nmi = Field(alias="distance")
    weather_site: Optional[str] = None
    passage_limits: OperationLimits = OperationLimits()


class FerryRoute(Spec):
    """Field -> loading station -> rail -> yard -> ferry -> sea -> ferry port -> rail
    onward to the Black Sea; empty wagons come back the same way."""

    station: LoadingStation
    wagons: WagonFleet
    rail_to_port: Duration = Field(description="loaded rake, station to yard")
    yard: Yard
    port: FerryPort
    ferries: FerryFleet
    crossing: Crossing
    arrival_port: FerryPort
    rail_onward: Duration = Field(description="loaded wagons, arrival port to the Black Sea, unloading included")
    rail_return: Duration = Field(description="empty wagons, Black Sea back to the arrival port")
    rail_back: Duration = Field(description="empty wagons, yard port back to the loading station")
    other_cargo: Optional[OtherCargo] = Field(default=None, description="other wagons sharing yard and ferries")

    @model_validator(mode="after")
    def _fits(self) -> "FerryRoute":
        if self.station.rake_wagons > self.yard.capacity_wagons:
            raise FieldError(
                ("station", "rake_wagons"), f"expected a rake ({self.station.rake_wagons} wagons) no longer than the yard "
                f"({self.yard.capacity_wagons} wagons)"
            )
        oc = self.other_cargo
        if oc is not None and oc.train_wagons > self.yard.capacity_wagons:
            raise ValueError(
                f"expected other_cargo trains ({oc.train_wagons} wagons) no longer than the yard "
                f"({self.yard.capacity_wagons} wagons)"
            )
        for key in ("port", "arrival_port"):
            depth = getattr(self, key).depth
            d = depth.berth_max_draft_m if depth is not None else None
            if isinstance(d, tuple) and len(d) != getattr(self, key).berths:
                raise ValueError(f"expected 1 or {getattr(self, key).berths} drafts in {key}.depth.berth_max_draft, "
                                 f"found {len(d)}")
            # ferries too deep for the port at some time of the horizon: a scenario check
            # (components.draft.fit_problems, the tankers' rule), as it needs the sea level
        if self.station.rake_wagons > self.wagons.count:
            raise FieldError(("station", "rake_wagons"),
                             f"expected a rake no longer than the wagon fleet ({self.wagons.count}), found {self.station.rake_wagons}")
        return self


class FixedSplit(Spec):
    """A fixed share of field supply goes to the ferry route, the rest to the tankers."""

    rule: Literal["fixed"]
    ferry_share: float = Field(ge=0, le=1)


class OverflowSplit(Spec):
    """All supply goes to the tanker route; what its load-port tank farm cannot take
    (what would be deferred) goes to the ferry route instead."""

    rule: Literal["overflow"]


SplitSpec = Annotated[Union[FixedSplit, OverflowSplit], Field(discriminator="rule")]


LoadingStation.model_rebuild()
