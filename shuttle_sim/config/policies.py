"""Scenario objects for operating policies: offtake nomination, a second offtake,
design (stress) events and load-port dispatch.

The engine side is :mod:`shuttle_sim.components.offtake` (nomination),
:mod:`shuttle_sim.components.stress` (design events) and
:mod:`shuttle_sim.components.dispatch` (dispatch).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from ..distributions import Duration
from .types import Hours, PositiveTonnesPerHour, Spec, WaveMetres, WindMPerS
from .weather import FailureSpec


class SecondOfftakeSpec(Spec):
    """A second outlet from the discharge tank farm (Baku-Supsa, rail from the
    discharge area) with its own capacity and outages.

    ``rule: priority``: it takes what the first offtake cannot (stopped, or at its
    maximum rate).  ``rule: share``: it is nominated ``share`` of the total, the first
    the rest; what one outlet cannot take goes to the other if it has room.
    """

    name: str = "second"
    max_rate_t_per_h: PositiveTonnesPerHour = Field(alias="max_rate")
    rule: Literal["priority", "share"] = "priority"
    share: float = Field(default=0.0, ge=0, le=1, description="with rule: share, the share nominated here")
    outages: Optional[FailureSpec] = Field(default=None, description="stops of this outlet: nothing drawn while down")


class StressEvent(Spec):
    """A scripted design event: ``target``'s rate times ``factor`` for ``duration``,
    starting at a random hour ``at`` drawn per replication from its own stream
    (``stress``, event index), so replication r has the same event in every cell of a
    study (common random numbers).

    ``at`` defaults to uniform over the measured period, [warm-up, horizon - duration];
    give it as a duration (``at: 200 d``) for a fixed date, or as a distribution.
    ``duration`` is drawn first, then ``at``.  A stop of the offtake is ``factor: 0``;
    a CPC stop that pushes extra supply to the Caspian is ``target: supply`` with a
    ``factor`` above 1.
    """

    target: Literal["supply", "offtake"]
    duration: Duration
    factor: float = Field(default=0.0, ge=0)
    at: Optional[Duration] = Field(default=None, description="hours after the start of the run; default uniform")
    note: str = ""


class DispatchSpec(Spec):
    """When a ship arriving at a terminal may go alongside (``port.dispatch``).

    ``policy: free`` (the default): it takes a berth as soon as one is free and the
    tank farm slows its transfer when it runs dry (loading) or full (discharging).
    ``policy: ready``: it waits at anchorage until the farm can serve its whole cargo
    (:mod:`shuttle_sim.components.dispatch`); ships are admitted in ``order: fcfs``
    (first come, first served, the only order so far).  With a ``programme``, ships are
    also admitted only within their month's nominated liftings (with either policy).
    """

    policy: Literal["free", "ready"] = "free"
    order: Literal["fcfs"] = "fcfs"
    programme: Optional["LiftingProgramme"] = Field(default=None, description="cargoes nominated by calendar month")


class LiftingProgramme(Spec):
    """The shipper's monthly programme (``port.dispatch.programme``): ``cargoes[m]``
    liftings are nominated in calendar month m (January first).  A ship is admitted
    only while its month's nominations are not used up; otherwise it waits at anchorage
    (ship state ``anchorage_programme``) until the next month opens."""

    cargoes: list[int] = Field(min_length=12, max_length=12, description="cargoes per month, Jan..Dec")

    @model_validator(mode="after")
    def _counts(self) -> "LiftingProgramme":
        if any(c < 0 for c in self.cargoes):
            raise ValueError(f"expected cargoes >= 0 per month, found {self.cargoes}")
        return self


class LeaveBerthSpec(Spec):
    """When a ship alongside leaves the berth ahead of a storm (``port.leave_berth``).

    A ship working cargo stops, unberths and waits at anchorage when the forecast shows
    the port's wind above ``max_wind`` (or Hs above ``max_hs``) within ``lead`` hours;
    it comes back (berthing window permitting) once the storm has fallen below them,
    and finishes its cargo.  The default, 26 m/s, is the generic limit of DOMAIN.md
    [64] ("leave the berth if more than 26 m/s is forecast"); ``lead`` (default 3 h,
    an ASSUMPTION: about the longest unberthing plus a margin) is how long before the
    storm it starts unberthing.  ``policy: stay`` never leaves (ships pause and stay
    alongside, the behaviour before this rule).
    Acts only where the port has a ``weather_site`` and the weather has wind and waves
    (not the ``closures`` source).
    """

    policy: Literal["leave", "stay"] = "leave"
    max_wind_m_per_s: WindMPerS = Field(default=26.0, alias="max_wind")
    max_hs_m: Optional[WaveMetres] = Field(default=None, alias="max_hs")
    lead_h: Hours = Field(default=3.0, alias="lead")

    @property
    def min_visibility_m(self) -> None:
        """No visibility limit: fog does not send a ship off the berth."""
        return None


DispatchSpec.model_rebuild()
