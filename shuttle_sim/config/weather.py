"""Scenario objects for weather, operating limits, failures and scripted disruptions."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Literal, Optional, Union

from pathlib import Path

from pydantic import Field, NonNegativeInt, ValidationInfo, field_validator, model_validator

from ..distributions import Duration
from .types import Hours, PositiveHours, Spec, WaveMetres, WindMPerS

# ----------------------------------------------------------------------- weather


class CalmSpec(Spec):
    """Background conditions at a site between storms: mean and spread, hourly AR(1)."""

    wind_mean_m_per_s: WindMPerS = Field(alias="wind_mean")
    wind_sd_m_per_s: WindMPerS = Field(alias="wind_sd")
    hs_mean_m: WaveMetres = Field(alias="hs_mean")
    hs_sd_m: WaveMetres = Field(alias="hs_sd")


class WindRange(Spec):
    low_m_per_s: WindMPerS = Field(alias="low")
    high_m_per_s: WindMPerS = Field(alias="high")

    @model_validator(mode="after")
    def _order(self) -> "WindRange":
        if self.low_m_per_s > self.high_m_per_s:
            raise ValueError(f"expected low <= high, found {self.low_m_per_s:g} > {self.high_m_per_s:g} m/s")
        return self


class WaveRange(Spec):
    low_m: WaveMetres = Field(alias="low")
    high_m: WaveMetres = Field(alias="high")

    @model_validator(mode="after")
    def _order(self) -> "WaveRange":
        if self.low_m > self.high_m:
            raise ValueError(f"expected low <= high, found {self.low_m:g} > {self.high_m:g} m")
        return self


class StormReach(Spec):
    """A storm at the origin site reaches this site with a probability, after a lag."""

    probability: float = Field(ge=0, le=1)
    lag_h: Hours = Field(alias="lag")


class StormWeather(Spec):
    """Storm generator: Poisson storms by calendar month at the origin site.

    Each storm has a duration and a severity ``u ~ U(0, 1)`` that sets its peak wind and
    wave height within their ranges (both from the same ``u``); its profile is a
    trapezoid (a quarter of the duration rising, half at the peak, a quarter falling)
    on top of the calm background.  Other sites see the same storm with their
    ``reach`` probability and lag.
    """

    source: Literal["storms"]
    sites: dict[str, CalmSpec] = Field(min_length=1)
    calm_autocorrelation: float = Field(default=0.9, ge=0, lt=1, description="hourly lag-1 correlation")
    origin: str
    monthly_storms: list[float] = Field(min_length=12, max_length=12, description="storms per month, Jan..Dec")
    duration: Duration
    peak_wind: WindRange
    peak_hs: WaveRange
    reach: dict[str, StormReach] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sites(self) -> "StormWeather":
        if self.origin not in self.sites:
            raise ValueError(f"expected origin to be one of the sites {sorted(self.sites)}, found {self.origin!r}")
        for name in self.reach:
            if name not in self.sites or name == self.origin:
                raise ValueError(f"expected reach sites among {sorted(set(self.sites) - {self.origin})}, found {name!r}")
        if any(m < 0 for m in self.monthly_storms):
            raise ValueError(f"expected storms per month >= 0, found {self.monthly_storms}")
        return self


class HindcastWeather(Spec):
    """Replay of an hourly hindcast CSV (``time,site,wind_m_per_s,hs_m``).

    Each replication starts at the scenario's calendar day in a year drawn at random
    from those the file covers, and wraps around to the file's start if it runs out.
    """

    source: Literal["hindcast"]
    file: str = Field(description="path, relative to the scenario file")

    @field_validator("file")
    @classmethod
    def _resolve(cls, v: str, info: ValidationInfo) -> str:
        base = (info.context or {}).get("base_dir")
        p = Path(v)
        return str(p if p.is_absolute() or base is None else (Path(base) / p).resolve())


class SiteSynthetic(Spec):
    """Monthly mean and sd (Jan..Dec) of log wind (m/s) and log Hs (m) at one site."""

    log_wind_mean: list[float] = Field(min_length=12, max_length=12)
    log_wind_sd: list[float] = Field(min_length=12, max_length=12)
    log_hs_mean: list[float] = Field(min_length=12, max_length=12)
    log_hs_sd: list[float] = Field(min_length=12, max_length=12)


class SyntheticWeather(Spec):
    """Seasonal lognormal marginals with a Gaussian AR(1) copula across hours and sites.

    Fitted from a hindcast by ``shuttle-sim weather fit``.  Components are ordered
    ``wind@site`` for every site, then ``hs@site``; ``autocorrelation`` has one lag-1
    value per component and ``correlation`` is their innovations' correlation matrix.
    """

    source: Literal["synthetic"]
    sites: dict[str, SiteSynthetic] = Field(min_length=1)
    autocorrelation: list[float]
    correlation: list[list[float]]

    @model_validator(mode="after")
    def _shapes(self) -> "SyntheticWeather":
        n = 2 * len(self.sites)
        if len(self.autocorrelation) != n or any(not -1 < a < 1 for a in self.autocorrelation):
            raise ValueError(f"expected {n} autocorrelations in (-1, 1), found {self.autocorrelation}")
        if len(self.correlation) != n or any(len(r) != n for r in self.correlation):
            raise ValueError(f"expected a {n} x {n} correlation matrix")
        return self


class ClosureWeather(Spec):
    """Each site alternates open and closed spells (an alternating renewal process);
    every operation at a closed site stops, whatever its limits."""

    source: Literal["closures"]
    sites: dict[str, "ClosureSite"] = Field(min_length=1)


class ClosureSite(Spec):
    open: Duration
    closed: Duration


ClosureWeather.model_rebuild()

WeatherSpec = Annotated[
    Union[StormWeather, HindcastWeather, SyntheticWeather, ClosureWeather], Field(discriminator="source")
]


class OperationLimits(Spec):
    """Weather limits of one operation; ``window`` is the least unbroken workable time
    it needs before starting (its own duration is always needed, if longer)."""

    max_wind_m_per_s: Optional[WindMPerS] = Field(default=None, alias="max_wind")
    max_hs_m: Optional[WaveMetres] = Field(default=None, alias="max_hs")
    window_h: Hours = Field(default=0.0, alias="window")


class PortLimits(Spec):
    berthing: OperationLimits = OperationLimits()
    transfer: OperationLimits = OperationLimits()
    unberthing: OperationLimits = OperationLimits()


# ----------------------------------------------------------------------- outages


class FailureSpec(Spec):
    """Random failures: time between failures (up) and time to repair (down)."""

    mtbf: Duration
    mttr: Duration


class DryDock(Spec):
    """Planned off-hire: ``duration`` once every ``every``, taken at the end of the
    voyage in progress when it falls due; each vessel's first date is a random phase of its cycle."""

    every_h: PositiveHours = Field(alias="every")
    duration_h: Hours = Field(alias="duration")


class Disruption(Spec):
    """A scripted change by calendar date.

    ``target`` is ``supply`` or ``offtake`` (rate times ``factor``, which may exceed 1
    for extra supply), or ``load_berth`` / ``discharge_berth`` / ``tanker`` / ``ferry``
    with an ``index`` (out of service: ``factor`` must be 0).
    """

    target: Literal["supply", "offtake", "load_berth", "discharge_berth", "tanker", "ferry"]
    index: Optional[NonNegativeInt] = None
    start: _dt.date
    end: _dt.date
    factor: float = Field(default=0.0, ge=0)
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> "Disruption":
        if self.end <= self.start:
            raise ValueError(f"expected end after start, found {self.start} .. {self.end}")
        if self.target in ("supply", "offtake"):
            if self.index is not None:
                raise ValueError(f"expected no index for target {self.target!r}, found {self.index}")
        else:
            if self.index is None:
                raise ValueError(f"expected an index (which {self.target.replace('_', ' ')}) for target {self.target!r}")
            if self.factor != 0:
                raise ValueError(f"expected factor 0 (out of service) for target {self.target!r}, found {self.factor:g}")
        return self
