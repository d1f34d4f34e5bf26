"""Duration distributions: berthing, formalities, repairs and the like.

A duration in a scenario is either a fixed quantity (``berthing: 2 h``) or a mapping
with a ``dist`` key::

    berthing: {dist: lognormal, mean: 2 h, cv: 0.4}
    pre_transfer: {dist: triangular, low: 1 h, mode: 2 h, high: 5 h}

Each distribution knows its analytic mean and variance (so tests and sanity checks are
one line) and samples from a stream the caller passes in (a
:class:`shuttle_sim.rng.Stream`, or anything with ``random``, ``standard_normal``,
``standard_exponential``, ``standard_gamma`` and ``integers`` such as a
``numpy.random.Generator``): there is no random state here.  All values are in hours.
The drawing itself is the distribution's :attr:`~_Dist.sampler`
(:mod:`shuttle_sim.sampling`, compiled with the model's hot modules).
"""

from __future__ import annotations

import math
from functools import cached_property
from typing import Annotated, Any, Literal, Union

import numpy as np
from pydantic import BeforeValidator, Field, model_validator

from . import sampling
from .config.types import Hours, PositiveHours, Spec

__all__ = ["Fixed", "Uniform", "Triangular", "LogNormal", "Exponential", "Gamma", "Weibull", "Empirical", "Duration"]


class _Dist(Spec):
    @property
    def mean_h(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def variance_h2(self) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def is_fixed(self) -> bool:
        return self.variance_h2 == 0.0

    @cached_property
    def sampler(self) -> sampling.Sampler:
        """Draws this distribution's durations (built once, from its parameters)."""
        return self._sampler()

    def _sampler(self) -> sampling.Sampler:  # pragma: no cover - overridden
        raise NotImplementedError

    def sample(self, rng) -> float:
        """One duration in hours, drawn from ``rng``."""
        return self.sampler.sample(rng)


class Fixed(_Dist):
    """Always the same duration; draws nothing from the stream."""

    dist: Literal["fixed"] = "fixed"
    value_h: Hours = Field(alias="value")

    @property
    def mean_h(self) -> float:
        return self.value_h

    @property
    def variance_h2(self) -> float:
        return 0.0

    def _sampler(self) -> sampling.Sampler:
        return sampling.FixedSampler(self.value_h)


class Uniform(_Dist):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low_h: Hours = Field(alias="low")
    high_h: Hours = Field(alias="high")

    @model_validator(mode="after")
    def _order(self) -> "Uniform":
        if not self.low_h <= self.high_h:
            raise ValueError(f"expected low <= high, found low {self.low_h:g} h > high {self.high_h:g} h")
        return self

    @property
    def mean_h(self) -> float:
        return 0.5 * (self.low_h + self.high_h)

    @property
    def variance_h2(self) -> float:
        return (self.high_h - self.low_h) ** 2 / 12.0

    def _sampler(self) -> sampling.Sampler:
        return sampling.UniformSampler(self.low_h, self.high_h)


class Triangular(_Dist):
    """Triangular with ``low <= mode <= high``."""

    dist: Literal["triangular"]
    low_h: Hours = Field(alias="low")
    mode_h: Hours = Field(alias="mode")
    high_h: Hours = Field(alias="high")

    @model_validator(mode="after")
    def _order(self) -> "Triangular":
        if not self.low_h <= self.mode_h <= self.high_h or self.low_h == self.high_h:
            raise ValueError(
                "expected low <= mode <= high with low < high, "
                f"found {self.low_h:g} h, {self.mode_h:g} h, {self.high_h:g} h"
            )
        return self

    @property
    def mean_h(self) -> float:
        return (self.low_h + self.mode_h + self.high_h) / 3.0

    @property
    def variance_h2(self) -> float:
        a, c, b = self.low_h, self.mode_h, self.high_h
        return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0

    def _sampler(self) -> sampling.Sampler:
        return sampling.TriangularSampler(self.low_h, self.mode_h, self.high_h)


class _ByMeanCV(_Dist):
    """A distribution given by its own mean and coefficient of variation."""

    mean_value_h: PositiveHours = Field(alias="mean")
    cv: float = Field(gt=0, le=10, description="coefficient of variation, at most 10")

    @property
    def mean_h(self) -> float:
        return self.mean_value_h

    @property
    def variance_h2(self) -> float:
        return (self.cv * self.mean_value_h) ** 2


class LogNormal(_ByMeanCV):
    """Lognormal given by its own mean and coefficient of variation (not log-space)."""

    dist: Literal["lognormal"]

    def _sampler(self) -> sampling.Sampler:
        return sampling.LogNormalSampler(self.mean_value_h, self.cv)


class Exponential(_Dist):
    """Exponential with the given mean (memoryless: repairs, Poisson arrivals)."""

    dist: Literal["exponential"]
    mean_value_h: PositiveHours = Field(alias="mean")

    @property
    def mean_h(self) -> float:
        return self.mean_value_h

    @property
    def variance_h2(self) -> float:
        return self.mean_value_h**2

    def _sampler(self) -> sampling.Sampler:
        return sampling.ExponentialSampler(self.mean_value_h)


class Gamma(_ByMeanCV):
    """Gamma given by mean and coefficient of variation (cv = 1/sqrt(k); Erlang-k)."""

    dist: Literal["gamma"]

    def _sampler(self) -> sampling.Sampler:
        return sampling.GammaSampler(self.mean_value_h, self.cv)


class Weibull(_Dist):
    """Weibull with ``scale`` (h) and ``shape`` k: heavy-tailed for k < 1 (repair times
    with rare long stops), exponential for k = 1.  P(X > x) = exp(-(x/scale)^k)."""

    dist: Literal["weibull"]
    scale_h: PositiveHours = Field(alias="scale")
    shape: float = Field(gt=0)

    @property
    def mean_h(self) -> float:
        return self.scale_h * math.gamma(1.0 + 1.0 / self.shape)

    @property
    def variance_h2(self) -> float:
        g1 = math.gamma(1.0 + 1.0 / self.shape)
        return self.scale_h**2 * (math.gamma(1.0 + 2.0 / self.shape) - g1 * g1)

    def _sampler(self) -> sampling.Sampler:
        return sampling.WeibullSampler(self.scale_h, self.shape)


class Empirical(_Dist):
    """Equally likely observed values (resampled with replacement)."""

    dist: Literal["empirical"]
    values_h: tuple[Hours, ...] = Field(alias="values", min_length=1)

    @property
    def mean_h(self) -> float:
        return float(np.mean(self.values_h))

    @property
    def variance_h2(self) -> float:
        return float(np.var(self.values_h))

    def _sampler(self) -> sampling.Sampler:
        return sampling.EmpiricalSampler(tuple(self.values_h))


def _shorthand(v: object) -> object:
    """``'2 h'`` is short for ``{dist: fixed, value: 2 h}``."""
    if isinstance(v, (str, int, float)) and not isinstance(v, bool):
        return {"dist": "fixed", "value": v}
    return v


def _with_string_form(schema: dict[str, Any]) -> None:
    inner = dict(schema)
    schema.clear()
    schema["anyOf"] = [{"type": "string", "description": "fixed duration, e.g. '2 h'"}, inner]


Duration = Annotated[
    Union[Fixed, Uniform, Triangular, LogNormal, Exponential, Gamma, Weibull, Empirical],
    Field(discriminator="dist", json_schema_extra=_with_string_form),
    BeforeValidator(_shorthand),
]
"""A duration field: a fixed quantity such as ``'2 h'`` or a distribution mapping."""

ZERO = Fixed(value="0 h")
