"""Samplers: the drawing half of the duration distributions, compiled with the hot modules.

A scenario's distributions (:mod:`shuttle_sim.distributions`) are validated, immutable
pydantic objects: they know their parameters, analytic mean and variance.  Each also has
a :class:`Sampler`, built once from its parameters, that draws a duration in hours from
a stream.  ``distribution.sample(rng)`` is ``distribution.sampler.sample(rng)``, so this
is the only code that draws durations; the port call keeps the samplers of its steps
and calls them directly (a compiled call, no attribute lookups on the scenario).

``rng`` is a :class:`shuttle_sim.rng.Stream` or anything with ``random``,
``standard_normal``, ``standard_exponential``, ``standard_gamma`` and ``integers``
(such as a ``numpy.random.Generator``).  All values are in hours.
"""

from __future__ import annotations

import math
from typing import Any


class Sampler:
    """Draws one duration (h) from ``rng``.  Built from ``params``, and pickled as them
    (a scenario that has drawn is sent to worker processes with its samplers)."""

    params: tuple[Any, ...]

    def sample(self, rng: Any) -> float:  # pragma: no cover - overridden
        raise NotImplementedError

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return type(self), self.params


class FixedSampler(Sampler):
    """Always ``value_h``; draws nothing."""

    def __init__(self, value_h: float) -> None:
        self.params = (value_h,)
        self.value_h = value_h

    def sample(self, rng: Any) -> float:
        return self.value_h


class UniformSampler(Sampler):
    def __init__(self, low_h: float, high_h: float) -> None:
        self.params = (low_h, high_h)
        self.low_h = low_h
        self.span_h = high_h - low_h

    def sample(self, rng: Any) -> float:
        return self.low_h + self.span_h * rng.random()


class TriangularSampler(Sampler):
    """Inverse CDF: one uniform per draw."""

    def __init__(self, low_h: float, mode_h: float, high_h: float) -> None:
        self.params = (low_h, mode_h, high_h)
        a, c, b = low_h, mode_h, high_h
        self.low_h = a
        self.high_h = b
        self.f = (c - a) / (b - a)  # the CDF at the mode
        self.left = (b - a) * (c - a)
        self.right = (b - a) * (b - c)

    def sample(self, rng: Any) -> float:
        u: float = rng.random()
        if u < self.f:
            return self.low_h + math.sqrt(u * self.left)
        return self.high_h - math.sqrt((1.0 - u) * self.right)


class LogNormalSampler(Sampler):
    """exp(mu + sigma * Z), with mu and sigma of the log given by the mean and cv."""

    def __init__(self, mean_h: float, cv: float) -> None:
        self.params = (mean_h, cv)
        s2 = math.log1p(cv**2)
        self.mu = math.log(mean_h) - 0.5 * s2
        self.sigma = math.sqrt(s2)

    def sample(self, rng: Any) -> float:
        return math.exp(self.mu + self.sigma * rng.standard_normal())


class ExponentialSampler(Sampler):
    def __init__(self, mean_h: float) -> None:
        self.params = (mean_h,)
        self.mean_h = mean_h

    def sample(self, rng: Any) -> float:
        return self.mean_h * rng.standard_exponential()


class GammaSampler(Sampler):
    """Shape 1/cv^2, scaled to the mean."""

    def __init__(self, mean_h: float, cv: float) -> None:
        self.params = (mean_h, cv)
        self.mean_h = mean_h
        self.shape = 1.0 / cv**2

    def sample(self, rng: Any) -> float:
        return float(rng.standard_gamma(self.shape)) * self.mean_h / self.shape


class WeibullSampler(Sampler):
    """scale * E ** (1 / shape), E standard exponential (inverse CDF): one draw."""

    def __init__(self, scale_h: float, shape: float) -> None:
        self.params = (scale_h, shape)
        self.scale_h = scale_h
        self.inv_shape = 1.0 / shape

    def sample(self, rng: Any) -> float:
        e: float = rng.standard_exponential()
        return self.scale_h * e**self.inv_shape


class EmpiricalSampler(Sampler):
    """One of ``values_h``, equally likely."""

    def __init__(self, values_h: tuple[float, ...]) -> None:
        self.params = (values_h,)
        self.values_h = values_h

    def sample(self, rng: Any) -> float:
        return self.values_h[rng.integers(len(self.values_h))]
