"""Cost inputs of a study: what each asset costs to own or hire and to run.

Every value is unit-checked money (``15 MUSD``, ``6.5 kUSD/d``, ``24 USD/t``,
``200 USD/m3``) parsed by :mod:`shuttle_sim.units`; Python attributes carry the canonical
unit in their names (``capex_usd``, ``opex_usd_per_day``, ``price_usd_per_t``).  The
cost model (:mod:`shuttle_sim.study.costs`) reads these objects and a finished study's
results only, so a study can be re-costed without simulating again.

A cost file looks like ``configs/costs.yaml``::

    fuel_price: 560 USD/t
    tankers:
      KCTS-shuttle:
        ownership: {capex: 44 MUSD, life: 20 yr, discount_rate: 0.08}
        opex: 6.5 kUSD/d
        fuel: {laden: 30 t/d, ballast: 26 t/d, in_port: 4 t/d}
        laytime: 72 h
        demurrage: 40 kUSD/d
    load_port:
      port_dues: 12500 USD
      berth: {capex: 40 MUSD, life: 30 yr, discount_rate: 0.08, opex_fraction: 0.02}
      tank_farm: {capex: 200 USD/m3, life: 30 yr, discount_rate: 0.08, opex_fraction: 0.02}
    tariffs: {tanker_route: 24 USD/t}
    deferred_production: {valuation: lost, lost: 590 USD/t, deferred: 12 USD/t}
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal, Optional

from pydantic import Field, model_validator

from .. import units
from .loader import ConfigError, ConfigProblem, parse_yaml, validate_model
from .reading import check_kind, read_text
from .types import FuelTPerH, Hours, PositiveHours, PriceOfCapacity, Spec, Usd, UsdPerDay, UsdPerT

__all__ = [
    "capital_recovery_factor",
    "Ownership",
    "StorageCapital",
    "VesselCosts",
    "PortCosts",
    "WagonCosts",
    "Tariffs",
    "DeferredProduction",
    "CostSpec",
    "costs_from_dict",
    "load_costs",
    "costs_hash",
]


def capital_recovery_factor(rate_per_year: float, life_years: float) -> float:
    """Share of a capital sum paid each year to repay it with interest over its life.

    ``r (1 + r)^n / ((1 + r)^n - 1)``, and ``1 / n`` at ``r = 0``; 8% over 20 years
    gives 0.10185 (COSTS.md).
    """
    if life_years <= 0:
        raise ValueError(f"expected a life > 0 years, found {life_years:g}")
    if rate_per_year == 0:
        return 1.0 / life_years
    g = (1.0 + rate_per_year) ** life_years
    return rate_per_year * g / (g - 1.0)


class _Annualised(Spec):
    life_h: PositiveHours = Field(alias="life", description="economic life, e.g. '20 yr'")
    discount_rate: float = Field(ge=0, le=1, description="per year, e.g. 0.08")
    opex_fraction: float = Field(default=0.0, ge=0, le=1, description="maintenance and insurance per year, share of capex")

    @property
    def crf_per_year(self) -> float:
        """Capital recovery factor (per year) of this life and discount rate."""
        return capital_recovery_factor(self.discount_rate, self.life_h / units.HOURS_PER_YEAR)


class Ownership(_Annualised):
    """An asset bought for ``capex`` (per unit): annual cost ``capex x (CRF + opex_fraction)``."""

    capex_usd: Usd = Field(alias="capex")

    def annual_usd(self) -> float:
        return self.capex_usd * (self.crf_per_year + self.opex_fraction)


class StorageCapital(_Annualised):
    """Tankage priced per tonne or per m3 (bbl) of capacity."""

    capex: PriceOfCapacity

    def annual_usd_per_t(self, density_t_per_m3: float) -> float:
        """Annual cost of one tonne of capacity, for crude of this density."""
        return units.price_usd_per_t(self.capex, density_t_per_m3) * (self.crf_per_year + self.opex_fraction)


class FuelUse(Spec):
    """Fuel burnt per ship by state: at sea laden, at sea in ballast, otherwise (port, anchorage)."""

    laden_t_per_h: FuelTPerH = Field(alias="laden")
    ballast_t_per_h: FuelTPerH = Field(alias="ballast")
    in_port_t_per_h: FuelTPerH = Field(alias="in_port")


class VesselCosts(Spec):
    """One ship class: owned (``ownership``) or hired (``time_charter``), plus running costs.

    ``opex`` is paid per ship-day whatever the ship does (for a time-chartered ship it
    is usually in the hire: write 0).  ``laytime`` is the port time per voyage (loading
    and discharging together) included in the freight; ``demurrage`` is paid per day
    of port time beyond it.
    """

    ownership: Optional[Ownership] = None
    time_charter_usd_per_day: Optional[UsdPerDay] = Field(default=None, alias="time_charter")
    opex_usd_per_day: UsdPerDay = Field(alias="opex")
    fuel: FuelUse
    laytime_h: Hours = Field(default=0.0, alias="laytime")
    demurrage_usd_per_day: UsdPerDay = Field(default=0.0, alias="demurrage")

    @model_validator(mode="after")
    def _one_way_to_have_ships(self) -> "VesselCosts":
        if (self.ownership is None) == (self.time_charter_usd_per_day is None):
            raise ValueError("expected exactly one of 'ownership' or 'time_charter'")
        return self


class PortCosts(Spec):
    """A terminal: dues per ship call, each berth, and the tank farm per unit of capacity."""

    port_dues_usd: Usd = Field(default=0.0, alias="port_dues", description="per call")
    berth: Optional[Ownership] = Field(default=None, description="per berth")
    tank_farm: Optional[StorageCapital] = None


class WagonCosts(Spec):
    """Rail tank cars: owned (per wagon) or leased per wagon-day."""

    ownership: Optional[Ownership] = None
    lease_usd_per_day: Optional[UsdPerDay] = Field(default=None, alias="lease")

    @model_validator(mode="after")
    def _one(self) -> "WagonCosts":
        if (self.ownership is None) == (self.lease_usd_per_day is None):
            raise ValueError("expected exactly one of 'ownership' or 'lease'")
        return self


class Tariffs(Spec):
    """Charges per tonne delivered by each route (pipeline, ferry, rail, loading fees)."""

    tanker_route_usd_per_t: UsdPerT = Field(default=0.0, alias="tanker_route")
    ferry_route_usd_per_t: UsdPerT = Field(default=0.0, alias="ferry_route")


class DeferredProduction(Spec):
    """What a tonne of production that the network could not take costs.

    ``valuation: lost`` charges ``lost`` (the netback of oil never produced);
    ``valuation: deferred`` charges ``deferred`` (the carrying cost of producing it
    later).  COSTS.md: deferred is usually right, and the choice dominates the optimum
    storage, so a study must make it explicitly.
    """

    valuation: Literal["lost", "deferred"]
    lost_usd_per_t: UsdPerT = Field(alias="lost")
    deferred_usd_per_t: UsdPerT = Field(alias="deferred")

    @property
    def price_usd_per_t(self) -> float:
        return self.lost_usd_per_t if self.valuation == "lost" else self.deferred_usd_per_t


class CostSpec(Spec):
    """Every cost input of a study.  ``tankers`` is keyed by the scenario's tanker class names."""

    currency_year: Optional[int] = Field(default=None, description="year of the money, e.g. 2025")
    fuel_price_usd_per_t: UsdPerT = Field(alias="fuel_price")
    tankers: dict[str, VesselCosts] = Field(default_factory=dict)
    load_port: PortCosts = PortCosts()
    discharge_port: PortCosts = PortCosts()
    ferries: Optional[VesselCosts] = None
    ferry_port_dues_usd: Usd = Field(default=0.0, alias="ferry_port_dues", description="per ferry call at each end")
    wagons: Optional[WagonCosts] = None
    tariffs: Tariffs = Tariffs()
    deferred_production: DeferredProduction


def costs_from_dict(data: object, source: str = "<costs>", lines: dict | None = None, prefix: tuple = ()) -> CostSpec:
    """Validate plain data into a :class:`CostSpec`, or raise :class:`ConfigError`."""
    if not isinstance(data, dict):
        line = (lines or {}).get(tuple(prefix))
        raise ConfigError([ConfigProblem(source, line, tuple(prefix), f"expected a mapping of cost inputs, found {data!r}")])
    return validate_model(CostSpec, data, source, lines, prefix=tuple(prefix))


def load_costs(path: str | Path) -> CostSpec:
    """Read and validate a cost file (``configs/costs.yaml``).

    Raises
    ------
    ConfigError
        One line per problem: ``FILE:LINE: key.path: expected ..., found ...``.
    """
    source = str(path)
    data, lines = parse_yaml(read_text(path, "cost file"), source)  # bounded, as scenario files are
    check_kind(data, source, "costs")
    return costs_from_dict(data, source, lines)


def costs_hash(data: object) -> str:
    """SHA-256 of cost inputs as read (the mapping of a cost file, or a study's inline
    ``costs:``): a sweep's manifest records it, and its report quotes the cost file only
    if the file still gives it."""
    text = json.dumps(data, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
