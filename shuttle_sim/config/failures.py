"""Scenario objects for the failures of ships (shuttle tankers, train ferries).

``breakdowns`` of a tanker class or of the ferry fleet: the time between failures
(``mtbf``), the time to repair (``mttr``) and which clock the time between failures
runs on (``clock``):

* ``calendar`` (the default, and the model's behaviour before the choice existed): a
  ship fails every ``mtbf`` hours of its life, whatever it does;
* ``operating``: every ``mtbf`` hours of *use*: hours of way under sail, and for a
  tanker also hours of cargo pumping; a ship that waits, queues or shelters does not
  wear (:mod:`shuttle_sim.components.wear`).

Repairs always run in calendar hours.  Ferries may also state ``leave_berth_after``:
a ferry that has been broken down at a berth that long leaves it (is towed off), frees
the berth, and queues for one again once repaired.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from .types import Hours
from .weather import FailureSpec

__all__ = ["ShipFailures", "FerryFailures"]


class ShipFailures(FailureSpec):
    """Random failures of a ship, on a calendar or an operating-hour clock."""

    clock: Literal["calendar", "operating"] = Field(
        default="calendar", description="what the time between failures counts: calendar hours or hours of use"
    )

    @model_validator(mode="after")
    def _positive_mtbf(self) -> "ShipFailures":
        if not self.mtbf.mean_h > 0:
            raise ValueError(f"expected an mtbf with a mean > 0, found {self.mtbf.mean_h:g} h")
        return self


class FerryFailures(ShipFailures):
    """A ferry's failures; with ``leave_berth_after``, a ferry broken down at a berth
    for that long leaves it and queues again after its repair."""

    leave_berth_after_h: Optional[Hours] = Field(
        default=None, alias="leave_berth_after", description="none: a broken-down ferry keeps its berth"
    )
