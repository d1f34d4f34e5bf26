"""Scenario objects for water depth, ship draft and sea level.

A port may state the greatest draft its berths and its approach allow (``depth``), as
of a date; a tanker class may state its draft as a function of cargo (``draft``, a
linear load line); the scenario may state a sea-level trend (``sea_level``), which
changes every stated draft by ``trend x years since its date``.  With no ``depth`` or
no ``draft`` nothing is limited: older scenarios run unchanged.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Annotated, Optional, Union

from pydantic import BeforeValidator, Field, model_validator

from .. import units
from .types import Spec, WaveMetres

if TYPE_CHECKING:
    SignedMetres = float
else:
    SignedMetres = Annotated[float, BeforeValidator(lambda v: units.height_m(units.parse_quantity(v, ("length",))))]


class PortDepth(Spec):
    """Greatest draft (m) allowed alongside each berth and in the approach, as of
    ``as_of`` (the sea level of that date; ``sea_level`` moves it).  ``berth_max_draft``
    is one value for every berth, or a list with one value per berth in the order berths
    are brought into service: the first ``berths`` of them are used, so a study can add
    berths that the list already describes (e.g. berths that could be restored)."""

    as_of: _dt.date
    berth_max_draft_m: Union[WaveMetres, tuple[WaveMetres, ...]] = Field(alias="berth_max_draft")
    approach_max_draft_m: Optional[WaveMetres] = Field(default=None, alias="approach_max_draft")

    def shallowest_m(self) -> float:
        """The controlling draft (shallowest berth, or the approach if shallower): a ferry,
        whose berth is handed out anonymously, plans its load for it."""
        d = self.berth_max_draft_m
        b = min(d) if isinstance(d, tuple) else d
        a = self.approach_max_draft_m
        return b if a is None else min(a, b)

    def berth_drafts_m(self, berths: int) -> list[float]:
        """Controlling draft (berth and approach) of each of ``berths`` berths, as of ``as_of``."""
        d = self.berth_max_draft_m
        per_berth = list(d)[:berths] if isinstance(d, tuple) else [d] * berths
        a = self.approach_max_draft_m
        return [min(x, a) if a is not None else x for x in per_berth]


class LoadLine(Spec):
    """A tanker's draft as a linear function of its cargo: ``light`` with no cargo,
    ``loaded`` with the class's full ``cargo`` (bunkers and stores included in both)."""

    light_m: WaveMetres = Field(alias="light")
    loaded_m: WaveMetres = Field(alias="loaded")

    @model_validator(mode="after")
    def _order(self) -> "LoadLine":
        if not self.loaded_m > self.light_m:
            raise ValueError(f"expected loaded > light draft, found {self.loaded_m:g} <= {self.light_m:g} m")
        return self


class SeaLevel(Spec):
    """Sea level changes linearly: ``trend_per_yr`` metres per year (negative: falling)."""

    trend_per_yr_m: SignedMetres = Field(alias="trend_per_yr", description="metres per year, e.g. '-0.14 m'")
