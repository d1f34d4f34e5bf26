"""Pure statistics: level-trace measures against a reference integration, by hand and
over random piecewise-linear traces."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shuttle_sim.stats import level_stats, sample_trace


def test_level_stats_by_hand():
    # 0-2 h rising 0 -> 100 (full at 100), 2-5 h full, 5-6 h falling to 0, 6-10 h empty
    t, y = [0, 2, 5, 6, 10], [0, 100, 100, 0, 0]
    s = level_stats(t, y, capacity_t=100)
    assert s["mean_t"] == pytest.approx((100 + 300 + 50) / 10, rel=1e-15)
    assert (s["min_t"], s["max_t"]) == (0, 100)
    assert s["full_frac"] == pytest.approx(3 / 10, rel=1e-15)
    assert s["empty_frac"] == pytest.approx(4 / 10, rel=1e-15)
    one = level_stats([3.0], [40.0], 100)
    assert one == {"mean_t": 40.0, "min_t": 40.0, "max_t": 40.0, "full_frac": 0.0, "empty_frac": 0.0}
    assert level_stats([3.0], [100.0], 100)["full_frac"] == 1.0 and level_stats([3.0], [0.0], 100)["empty_frac"] == 1.0


def reference(t, y, cap):
    """Midpoint rule on a fine grid inside each segment (exact for linear pieces), and
    the time at each bound by segment."""
    mean = sum((b - a) * (ya + yb) / 2 for a, b, ya, yb in zip(t, t[1:], y, y[1:])) / (t[-1] - t[0])
    full = sum(b - a for a, b, ya, yb in zip(t, t[1:], y, y[1:]) if ya == cap and yb == cap) / (t[-1] - t[0])
    empty = sum(b - a for a, b, ya, yb in zip(t, t[1:], y, y[1:]) if ya == 0 and yb == 0) / (t[-1] - t[0])
    return mean, full, empty


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 20), st.sampled_from([0.0, 50.0, 100.0, 12.5, 99.0])), min_size=1, max_size=12),
       st.sampled_from([0.0, 100.0, 30.0]))
@example([(1, 100.0), (2, 100.0), (3, 0.0)], 100.0)
def test_level_stats_equal_the_reference(steps, y0):
    t = [0.0] + list(np.cumsum([float(d) for d, _ in steps]))
    y = [y0] + [v for _, v in steps]
    s = level_stats(t, y, 100.0)
    mean, full, empty = reference(t, y, 100.0)
    assert s["mean_t"] == pytest.approx(mean, rel=1e-12, abs=1e-12)
    assert s["full_frac"] == pytest.approx(full, abs=1e-12)
    assert s["empty_frac"] == pytest.approx(empty, abs=1e-12)
    assert (s["min_t"], s["max_t"]) == (min(y), max(y))


def test_sample_trace_interpolates():
    assert list(sample_trace([0, 10, 20], [0, 100, 50], [0, 5, 10, 15, 20])) == [0, 50, 100, 75, 50]


def test_bounds_are_reached_within_the_farms_tolerance_inclusive():
    """Levels within 1e-9 of capacity of a bound count as at the bound (the farm stops
    at a boundary to that resolution), the tolerance itself included."""
    cap = 1000.0
    tol = 1e-9 * cap
    s = level_stats([0, 1, 3], [tol, tol, 500.0], cap)
    assert s["empty_frac"] == pytest.approx(1 / 3, rel=1e-15)
    s = level_stats([0, 2, 3], [cap - tol, cap - tol, 500.0], cap)
    assert s["full_frac"] == pytest.approx(2 / 3, rel=1e-15)
    s = level_stats([0, 2, 3], [cap - 2 * tol, cap - 2 * tol, 500.0], cap)
    assert s["full_frac"] == 0.0
