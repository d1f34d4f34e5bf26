"""Scenario objects for weather, operating limits, failures and scripted disruptions."""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Literal, Optional, Union

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator, model_validator

from ..distributions import Duration
from .types import FieldError, Hours, PositiveHours, Spec, VisibilityMetres, WaveMetres, WindMPerS

# ----------------------------------------------------------------------- weather

StormsPerMonth = Annotated[float, Field(ge=0, le=100)]
LogMean = Annotated[float, Field(ge=-10, le=6, description="mean of the log (m/s or m)")]
LogSd = Annotated[float, Field(ge=0, le=3, description="sd of the log")]
MIN_CYCLE_H = 1.0
"""Least mean length of an up-and-down cycle (open + closed, mtbf + mttr): shorter
cycles would make a run draw an unbounded number of events."""


def _check_cycle(up, down, up_key: str, down_key: str) -> None:
    if not up.mean_h + down.mean_h >= MIN_CYCLE_H:
        raise FieldError(up_key, f"expected mean {up_key} + mean {down_key} >= {MIN_CYCLE_H:g} h, "
                         f"found {up.mean_h:.6g} h + {down.mean_h:.6g} h")



class WindWave(Spec):
    """Background wave height from the local wind (a fetch- and duration-limited sea
    grows roughly with the square of the wind, as in the Pierson-Moskowitz relation
    ``Hs ~ 0.21 U^2 / g``)::

        Hs = max(base + (ref_hs - base) * (wind / ref_wind)**2 + noise_sd * z, 0)

    with ``z`` its own standard-normal AR(1) series (the site's ``calm_autocorrelation``).
    """

    base_m: WaveMetres = Field(alias="base", description="Hs in a flat calm")
    ref_wind_m_per_s: WindMPerS = Field(alias="ref_wind")
    ref_hs_m: WaveMetres = Field(alias="ref_hs", description="Hs at ref_wind")
    noise_sd_m: WaveMetres = Field(default=0.0, alias="noise_sd")

    @model_validator(mode="after")
    def _ref(self) -> "WindWave":
        if not self.ref_wind_m_per_s > 0:
            raise ValueError(f"expected ref_wind > 0, found {self.ref_wind_m_per_s:g} m/s")
        return self

    @property
    def per_wind2(self) -> float:
        """Coefficient of wind**2, m per (m/s)**2."""
        return (self.ref_hs_m - self.base_m) / self.ref_wind_m_per_s**2


class CalmSpec(Spec):
    """Background conditions at a site between storms: hourly AR(1) wind, and either an
    independent AR(1) Hs (``hs_mean``, ``hs_sd``) or Hs from the wind (``wind_wave``)."""

    wind_mean_m_per_s: WindMPerS = Field(alias="wind_mean")
    wind_sd_m_per_s: WindMPerS = Field(alias="wind_sd")
    hs_mean_m: Optional[WaveMetres] = Field(default=None, alias="hs_mean")
    hs_sd_m: Optional[WaveMetres] = Field(default=None, alias="hs_sd")
    wind_wave: Optional[WindWave] = None

    @model_validator(mode="after")
    def _hs(self) -> "CalmSpec":
        independent = self.hs_mean_m is not None and self.hs_sd_m is not None
        if independent == (self.wind_wave is not None) or (self.hs_mean_m is None) != (self.hs_sd_m is None):
            raise ValueError("expected either hs_mean and hs_sd, or wind_wave, found "
                             f"{'both' if self.wind_wave is not None else 'neither or only one of hs_mean, hs_sd'}")
        return self


class WindRange(Spec):
    low_m_per_s: WindMPerS = Field(alias="low")
    high_m_per_s: WindMPerS = Field(alias="high")

    @model_validator(mode="after")
    def _order(self) -> "WindRange":
        if self.low_m_per_s > self.high_m_per_s:
            raise FieldError("high", f"expected high >= low ({self.low_m_per_s:g} m/s), found {self.high_m_per_s:g} m/s")
        return self


class WaveRange(Spec):
    low_m: WaveMetres = Field(alias="low")
    high_m: WaveMetres = Field(alias="high")

    @model_validator(mode="after")
    def _order(self) -> "WaveRange":
        if self.low_m > self.high_m:
            raise FieldError("high", f"expected high >= low ({self.low_m:g} m), found {self.high_m:g} m")
        return self


class StormReach(Spec):
    """A storm at the origin site reaches this site with a probability, after a lag.

    Its strength here is the site's own: the site's severity ``u_site`` is drawn from a
    Gaussian copula with the origin's (``correlation`` 1: the same severity), and the
    peaks are ``wind_factor`` and ``hs_factor`` times those the severity gives in the
    origin's ranges (a coast in the lee of the storm sees less; defaults: 1).
    """

    probability: float = Field(ge=0, le=1)
    lag_h: Hours = Field(alias="lag")
    wind_factor: float = Field(default=1.0, gt=0)
    hs_factor: float = Field(default=1.0, gt=0)
    correlation: float = Field(default=1.0, ge=0, le=1, description="of the site's severity with the origin's")


class VisibilityRange(Spec):
    low_m: VisibilityMetres = Field(alias="low")
    high_m: VisibilityMetres = Field(alias="high")

    @model_validator(mode="after")
    def _order(self) -> "VisibilityRange":
        if self.low_m > self.high_m:
            raise ValueError(f"expected low <= high, found {self.low_m:g} > {self.high_m:g} m")
        return self


class FogSite(Spec):
    """Fog at a site: Poisson episodes with a rate per calendar month, each lasting a
    drawn ``duration`` with a visibility drawn uniformly in ``visibility`` (constant
    through the episode); visibility is unlimited between episodes."""

    monthly_episodes: list[float] = Field(min_length=12, max_length=12, description="episodes per month, Jan..Dec")
    duration: Duration
    visibility: VisibilityRange

    @model_validator(mode="after")
    def _rates(self) -> "FogSite":
        if any(m < 0 for m in self.monthly_episodes):
            raise ValueError(f"expected episodes per month >= 0, found {self.monthly_episodes}")
        return self


def _check_fog_sites(fog: dict, sites) -> None:
    for name in fog:
        if name not in sites:
            raise ValueError(f"expected fog sites among {sorted(sites)}, found {name!r}")


class StormWeather(Spec):
    """Storm generator: Poisson storms by calendar month at the origin site.

    Each storm has a duration and a severity ``u ~ U(0, 1)`` that sets its peak wind and
    wave height within their ranges (both from the same ``u``); its profile is a
    trapezoid (a quarter of the duration rising, half at the peak, a quarter falling)
    on top of the calm background.  Other sites see the same storm with their
    ``reach`` probability and lag, at their own strength (:class:`StormReach`).
    Monthly rates are per calendar month of its real length (28 to 31 days).
    ``fog`` adds a visibility process per site (:class:`FogSite`).
    """

    source: Literal["storms"]
    sites: dict[str, CalmSpec] = Field(min_length=1)
    calm_autocorrelation: float = Field(default=0.9, ge=0, lt=1, description="hourly lag-1 correlation")
    origin: str
    monthly_storms: list[StormsPerMonth] = Field(min_length=12, max_length=12, description="storms per month, Jan..Dec")
    duration: Duration
    peak_wind: WindRange
    peak_hs: WaveRange
    reach: dict[str, StormReach] = Field(default_factory=dict)
    fog: dict[str, FogSite] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _sites(self) -> "StormWeather":
        _check_fog_sites(self.fog, self.sites)
        if self.origin not in self.sites:
            raise FieldError("origin", f"expected one of the sites {sorted(self.sites)}, found {self.origin!r}")
        for name in self.reach:
            if name not in self.sites or name == self.origin:
                raise FieldError(("reach", name), f"expected a site among {sorted(set(self.sites) - {self.origin})}, found {name!r}")
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

    log_wind_mean: list[LogMean] = Field(min_length=12, max_length=12)
    log_wind_sd: list[LogSd] = Field(min_length=12, max_length=12)
    log_hs_mean: list[LogMean] = Field(min_length=12, max_length=12)
    log_hs_sd: list[LogSd] = Field(min_length=12, max_length=12)


class SyntheticWeather(Spec):
    """Seasonal lognormal marginals with a Gaussian AR(1) copula across hours and sites.

    Fitted from a hindcast by ``shuttle-sim weather fit``.  Components are ordered
    ``wind@site`` for every site, then ``hs@site``; ``autocorrelation`` has one lag-1
    value per component and ``correlation`` is their innovations' correlation matrix.
    """

    source: Literal["synthetic"]
    sites: dict[str, SiteSynthetic] = Field(min_length=1)
    autocorrelation: list[Annotated[float, Field(gt=-1, lt=1)]]
    correlation: list[list[Annotated[float, Field(ge=-1, le=1)]]] = Field(
        description="symmetric, unit diagonal, positive definite")
    fog: dict[str, FogSite] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _shapes(self) -> "SyntheticWeather":
        _check_fog_sites(self.fog, self.sites)
        n = 2 * len(self.sites)
        if len(self.autocorrelation) != n:
            raise FieldError("autocorrelation", f"expected {n} values (wind and Hs at {len(self.sites)} sites), "
                             f"found {len(self.autocorrelation)}")
        if len(self.correlation) != n or any(len(r) != n for r in self.correlation):
            rows = {len(r) for r in self.correlation}
            raise FieldError("correlation", f"expected a {n} x {n} matrix, found {len(self.correlation)} rows of "
                             f"{' or '.join(map(str, sorted(rows))) or 0} values")
        import numpy as np  # here, not at the top: `validate` of any other scenario never loads NumPy

        c = np.array(self.correlation)
        if not np.array_equal(c, c.T) or not np.all(np.diag(c) == 1.0):
            raise FieldError("correlation", "expected a symmetric matrix with 1 on the diagonal")
        if np.linalg.eigvalsh(c).min() <= 1e-10:
            raise FieldError("correlation", "expected a positive definite matrix, found one that is not "
                             f"(smallest eigenvalue {np.linalg.eigvalsh(c).min():.3g})")
        return self


class ClosureWeather(Spec):
    """Each site alternates open and closed spells (an alternating renewal process);
    every operation at a closed site stops, whatever its limits."""

    source: Literal["closures"]
    sites: dict[str, "ClosureSite"] = Field(min_length=1)


class ClosureSite(Spec):
    open: Duration
    closed: Duration

    @model_validator(mode="after")
    def _cycle(self) -> "ClosureSite":
        _check_cycle(self.open, self.closed, "open", "closed")
        return self


ClosureWeather.model_rebuild()

WeatherSpec = Annotated[
    Union[StormWeather, HindcastWeather, SyntheticWeather, ClosureWeather], Field(discriminator="source")
]


class OperationLimits(Spec):
    """Weather limits of one operation; ``window`` is the least unbroken workable time
    it needs before starting (its own duration is always needed, if longer)."""

    max_wind_m_per_s: Optional[WindMPerS] = Field(default=None, alias="max_wind")
    max_hs_m: Optional[WaveMetres] = Field(default=None, alias="max_hs")
    min_visibility_m: Optional[VisibilityMetres] = Field(default=None, alias="min_visibility")
    window_h: Hours = Field(default=0.0, alias="window")


class BerthExposure(Spec):
    """How much of the sea-state at the port's weather site reaches its berths (a
    linear transfer function: a breakwater or a sheltered bay cuts ``hs``, the wind
    is much the same): berth wind = ``wind`` x site wind, berth Hs = ``hs`` x site Hs.
    The port's berthing, transfer and unberthing limits apply to the berth values."""

    wind: float = Field(default=1.0, gt=0)
    hs: float = Field(default=1.0, gt=0)


class PortLimits(Spec):
    berthing: OperationLimits = OperationLimits()
    transfer: OperationLimits = OperationLimits()
    unberthing: OperationLimits = OperationLimits()


# ----------------------------------------------------------------------- outages


class FailureSpec(Spec):
    """Random failures: time between failures (up) and time to repair (down)."""

    mtbf: Duration
    mttr: Duration

    @model_validator(mode="after")
    def _cycle(self) -> "FailureSpec":
        _check_cycle(self.mtbf, self.mttr, "mtbf", "mttr")
        return self


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
    index: Optional[Annotated[int, Field(ge=0, le=100_000)]] = None
    start: _dt.date
    end: _dt.date
    factor: float = Field(default=0.0, ge=0, le=100, description="rate multiplier, at most 100")
    note: str = ""

    @model_validator(mode="after")
    def _check(self) -> "Disruption":
        if self.end <= self.start:
            raise FieldError("end", f"expected a date after start ({self.start}), found {self.end}")
        if self.target in ("supply", "offtake"):
            if self.index is not None:
                raise FieldError("index", f"expected no index for target {self.target!r}, found {self.index}")
        else:
            if self.index is None:
                raise FieldError("index", f"missing required key (which {self.target.replace('_', ' ')}, for target {self.target!r})")
            if self.factor != 0:
                raise FieldError("factor", f"expected 0 (out of service) for target {self.target!r}, found {self.factor:g}")
        return self
