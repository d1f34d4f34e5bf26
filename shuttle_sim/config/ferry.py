"""Scenario objects for the Kuryk train-ferry route and the supply split between routes."""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union

from pydantic import Field, model_validator

from ..distributions import ZERO, Duration
from .types import Count100, Count1000, Count100k, FieldError, Hours, Knots, Nmi, PositiveTonnes, PositiveTonnesPerHour, Spec, Tonnes
from .weather import DryDock, FailureSpec, OperationLimits, PortLimits


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
    """A ferry terminal: berths, handling time per call (wagons off and on), weather."""

    name: str
    berths: Count100
    handling: Duration
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
    breakdowns: Optional[FailureSpec] = None
    dry_dock: Optional[DryDock] = None


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

    @model_validator(mode="after")
    def _fits(self) -> "FerryRoute":
        if self.station.rake_wagons > self.yard.capacity_wagons:
            raise FieldError(
                ("station", "rake_wagons"), f"expected a rake ({self.station.rake_wagons} wagons) no longer than the yard "
                f"({self.yard.capacity_wagons} wagons)"
            )
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
