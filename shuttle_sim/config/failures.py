"""Scenario objects for the failures of ships (shuttle tankers, train ferries).

``breakdowns`` of a tanker class or of the ferry fleet: the time between failures
(``mtbf``), the time to repair (``mttr``) and which clock the time between failures
runs on (``clock``):

* ``calendar`` (the default, and the model's behaviour before the choice existed): a
  ship fails every ``mtbf`` hours of its life, whatever it does;
* ``operating``: every ``mtbf`` hours of *use*: hours of way under sail, and for a
  tanker also hours of cargo pumping; a ship that waits, queues or shelters does not
  wear (:mod:`shuttle_sim.components.wear`).

Repairs always run in calendar hours.  Tankers and ferries may also state
``leave_berth_after``: a ship broken down at a berth whose repair would keep it there
longer than that stays that long, is towed off (the berth freed for the next ship), and
queues for a berth again once repaired (:mod:`shuttle_sim.components.towoff`).
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field, model_validator

from .types import Hours
from .weather import FailureSpec

__all__ = ["ShipFailures", "FerryFailures"]


class ShipFailures(FailureSpec):
    """Random failures of a ship, on a calendar or an operating-hour clock; with
    ``leave_berth_after``, a ship broken down at a berth for that long leaves it and
    queues again after its repair."""

    clock: Literal["calendar", "operating"] = Field(
        default="calendar", description="what the time between failures counts: calendar hours or hours of use"
    )
    leave_berth_after_h: Optional[Hours] = Field(
        default=None, alias="leave_berth_after", description="none: a broken-down ship keeps its berth"
    )

    @model_validator(mode="after")
    def _positive_mtbf(self) -> "ShipFailures":
        if not self.mtbf.mean_h > 0:
            raise ValueError(f"expected an mtbf with a mean > 0, found {self.mtbf.mean_h:g} h")
        return self


#: a ferry's failures: the same fields as a tanker's (kept as a name for the ferry schema)
FerryFailures = ShipFailures
