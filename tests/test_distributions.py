"""Distributions know their analytic mean and variance; sampling agrees with them."""

import math

import numpy as np
import pytest
from pydantic import TypeAdapter

from shuttle_sim.distributions import Duration

D = TypeAdapter(Duration)
CASES = [
    ("2 h", 2.0, 0.0),
    ({"dist": "uniform", "low": "1 h", "high": "4 h"}, 2.5, 9 / 12),
    ({"dist": "triangular", "low": "1 h", "mode": "2 h", "high": "6 h"}, 3.0, (1 + 4 + 36 - 2 - 6 - 12) / 18),
    ({"dist": "lognormal", "mean": "6 h", "cv": 0.5}, 6.0, 9.0),
    ({"dist": "exponential", "mean": "90 min"}, 1.5, 2.25),
    ({"dist": "gamma", "mean": "4 h", "cv": 0.5}, 4.0, 4.0),
    ({"dist": "empirical", "values": ["1 h", "2 h", "6 h"]}, 3.0, 14 / 3),
    # Weibull: mean scale*G(1+1/k), var scale^2 (G(1+2/k) - G(1+1/k)^2)
    ({"dist": "weibull", "scale": "10 h", "shape": 2.0}, 10 * math.sqrt(math.pi) / 2, 100 * (1 - math.pi / 4)),
    ({"dist": "weibull", "scale": "3 h", "shape": 0.5}, 3 * 2.0, 9 * (24 - 4)),  # G(3)=2, G(5)=24
]


@pytest.mark.parametrize("raw,mean,var", CASES)
def test_analytic_moments_and_sampling(raw, mean, var):
    d = D.validate_python(raw)
    assert d.mean_h == pytest.approx(mean, rel=1e-12)
    assert d.variance_h2 == pytest.approx(var, rel=1e-12)
    rng = np.random.default_rng(12345)
    n = 40_000
    x = np.array([d.sample(rng) for _ in range(n)])
    assert x.min() >= 0
    # the sample mean lies within 4 standard errors of the analytic mean
    assert abs(x.mean() - mean) <= 4 * math.sqrt(var / n) + 1e-12


def test_fixed_draws_nothing():
    rng = np.random.default_rng(1)
    before = rng.bit_generator.state
    assert D.validate_python("2 h").sample(rng) == 2.0
    assert rng.bit_generator.state == before


@pytest.mark.parametrize("raw,mean,var", CASES)
def test_pickled_distribution_draws_the_same(raw, mean, var):
    """Scenarios go to worker processes pickled, samplers included once they have drawn."""
    import copy
    import pickle

    d = D.validate_python(raw)
    d.sample(np.random.default_rng(0))  # builds and caches the sampler
    for twin in (pickle.loads(pickle.dumps(d)), copy.deepcopy(d)):
        assert twin == d
        a, b = np.random.default_rng(7), np.random.default_rng(7)
        assert [twin.sample(a) for _ in range(5)] == [d.sample(b) for _ in range(5)]


def test_weibull_tail_is_the_stated_survival_function():
    """P(X > x) = exp(-(x/scale)^k): heavy-tailed repair times put the right mass on long stops."""
    d = D.validate_python({"dist": "weibull", "scale": "48 h", "shape": 0.6})
    rng = np.random.default_rng(2024)
    n = 40_000
    x = np.array([d.sample(rng) for _ in range(n)])
    for at in (24.0, 240.0, 720.0):
        p = math.exp(-((at / 48.0) ** 0.6))
        assert abs(np.mean(x > at) - p) <= 4 * math.sqrt(p * (1 - p) / n)
