"""Paired differences between two cells' replications (``study/paired.py``), by hand."""

import math

import pytest
from scipy import stats

from shuttle_sim.study.paired import paired_difference


def test_paired_difference_by_hand():
    """x = 1, 2, 3, 4 and y = 2, 2, 5, 5: d = y - x = 1, 0, 2, 1, mean 1, variance 2/3;
    one-sided 90% bounds 1 -+ t(0.9, 3) sqrt(2/3 / 4) = 1 -+ 0.6686: the lower above 0,
    so the difference shows as "+".  Variance ratio (var x + var y) / var d =
    (5/3 + 3) / (2/3) = 7 (what pairing gains over independent samples)."""
    out = paired_difference([1.0, 2.0, 3.0, 4.0], [2.0, 2.0, 5.0, 5.0], 0.9)
    hw = stats.t.ppf(0.9, 3) * math.sqrt((2 / 3) / 4)
    assert hw == pytest.approx(0.6686, abs=1e-4)
    assert out == {"n": 4, "mean": 1.0, "low": pytest.approx(1 - hw, rel=1e-12),
                   "high": pytest.approx(1 + hw, rel=1e-12), "variance_ratio": pytest.approx(7.0, rel=1e-12),
                   "sign": "+"}
    # the other way round: the same bounds negated, "-"
    back = paired_difference([2.0, 2.0, 5.0, 5.0], [1.0, 2.0, 3.0, 4.0], 0.9)
    assert (back["low"], back["high"], back["sign"]) == (pytest.approx(-1 - hw), pytest.approx(-1 + hw), "-")
    # a half-width that reaches 0: undecided, "?"
    assert paired_difference([0.0, 0.0, 0.0], [0.1, -0.1, 0.3], 0.9)["sign"] == "?"


def test_paired_difference_at_its_edges():
    """No pair, one pair (no variance: unbounded), a NaN dropped with its pair, unequal
    lengths cut to the shorter; every difference zero is "0" with no ratio; a constant
    non-zero difference is shown exactly, with an infinite ratio."""
    none = paired_difference([], [], 0.9)
    assert none == {"n": 0, "mean": None, "low": -math.inf, "high": math.inf, "variance_ratio": None, "sign": "?"}
    one = paired_difference([1.0, math.nan], [3.0, 5.0, 7.0], 0.9)
    assert one == {"n": 1, "mean": 2.0, "low": -math.inf, "high": math.inf, "variance_ratio": None, "sign": "?"}
    same = paired_difference([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], 0.9)
    assert (same["mean"], same["low"], same["high"], same["variance_ratio"], same["sign"]) == (0.0, 0.0, 0.0, math.inf, "0")
    flat = paired_difference([4.0, 4.0], [4.0, 4.0], 0.9)
    assert (flat["variance_ratio"], flat["sign"]) == (None, "0")
    shift = paired_difference([1.0, 2.0, 3.0], [1.5, 2.5, 3.5], 0.9)
    assert (shift["mean"], shift["low"], shift["high"], shift["variance_ratio"], shift["sign"]) == (0.5, 0.5, 0.5, math.inf, "+")
