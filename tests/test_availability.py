"""Availability timelines: O(log n) queries equal brute-force scans of the same mask."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shuttle_sim.components.availability import Availability

masks = st.lists(st.booleans(), min_size=1, max_size=60).map(np.array)


def brute_window(mask, t, L):
    """Earliest s >= t with [s, s + L) up; candidates are t and the hour marks after it."""
    def up(x):  # mask holds on [i, i+1); beyond it is up
        i = int(math.floor(x))
        return True if i >= len(mask) else bool(mask[i])

    def covered(s):
        x = s
        while x < s + L:
            if not up(x):
                return False
            x = math.floor(x) + 1
        return True

    for s in [t] + [float(i) for i in range(int(math.floor(t)) + 1, len(mask) + 1)]:
        if covered(s):
            return s
    return math.inf


def brute_work_end(mask, t, work):
    x, left = t, work
    while True:
        i = int(math.floor(x))
        if i >= len(mask):
            return x + left
        nxt = i + 1
        if mask[i]:
            if nxt - x >= left:
                return x + left
            left -= nxt - x
        x = nxt


M = np.array  # boundaries Hypothesis rarely draws: a window exactly as long as an up
# interval, a query exactly at an interval's start or end, the end of the mask


@settings(max_examples=300, deadline=None)
@given(mask=masks, t=st.floats(0, 70), L=st.floats(0.01, 20))
@example(mask=M([False, True, True, False]), t=1.0, L=2.0)  # fits exactly: starts at 1
@example(mask=M([False, True, True, False]), t=1.0, L=2.000001)  # one hair too long: after the mask
@example(mask=M([True, True, False, True]), t=0.5, L=1.5)  # fits exactly from t inside an interval
@example(mask=M([True, True, False, True]), t=2.0, L=1.0)  # at a down hour's start
@example(mask=M([True, False, True, True]), t=1.0, L=2.0)  # at an up interval's start
@example(mask=M([True, False, True, False, True]), t=0.0, L=1.0)  # the first interval is long enough
@example(mask=M([False, True, False, True, True]), t=0.0, L=2.0)  # skips a short interval
@example(mask=M([False] * 5), t=5.0, L=3.0)  # past the mask: up for ever
def test_window_equals_brute_force(mask, t, L):
    a = Availability.from_mask(mask)
    assert a.window(t, L) == brute_window(mask, t, L)


@settings(max_examples=300, deadline=None)
@given(mask=masks, t=st.floats(0, 70), work=st.floats(0.01, 30))
@example(mask=M([True, True, False, True]), t=0.0, work=2.0)  # ends exactly at an interval's end: 2, not 3
@example(mask=M([True, True, False, True]), t=2.0, work=1.0)  # starts in a down hour
@example(mask=M([False, True]), t=0.0, work=1.0)  # ends at the end of the mask
@example(mask=M([True, False, False]), t=0.5, work=0.5)  # exactly the rest of an interval
def test_work_end_equals_brute_force(mask, t, work):
    a = Availability.from_mask(mask)
    assert a.work_end(t, work) == pytest.approx(brute_work_end(mask, t, work), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(m1=masks, m2=masks, t=st.floats(0, 70))
def test_intersection_and_state_queries(m1, m2, t):
    n = max(len(m1), len(m2))
    pad = lambda m: np.concatenate([m, np.ones(n - len(m), bool)])
    both = Availability.from_mask(pad(m1) & pad(m2))
    inter = Availability.from_mask(m1) & Availability.from_mask(m2)
    assert (inter.starts, inter.ends) == (both.starts, both.ends)
    i = int(t)
    up = True if i >= n else bool(pad(m1)[i] & pad(m2)[i])
    assert inter.is_up(t) == up
    assert inter.next_up(t) == brute_window(pad(m1) & pad(m2), t, 1e-12)


def test_from_downs_merges_overlaps():
    a = Availability.from_downs([(5, 8), (7, 9), (20, 21), (30, 30)])
    assert (a.starts, a.ends) == ([0.0, 9.0, 21.0], [5.0, 20.0, math.inf])
    assert a.up_hours(0, 25) == 5 + 11 + 4
    assert a.up_until(10) == 20 and a.up_until(6) == 6


@pytest.mark.parametrize("native_loop", [False, True])
def test_timeline_search_equals_bisect(native_loop, monkeypatch):
    """The search behind every query (a native loop when compiled) is bisect_right - 1,
    duplicates and exact hits included.  The loop compiled code runs is also run here as
    Python (where the module allows the switch), so it is tested without a compiler."""
    from bisect import bisect_right

    from shuttle_sim.components import availability

    if native_loop:
        if not hasattr(availability._probe, "__code__"):
            pytest.skip("compiled: the native loop is what runs anyway")
        monkeypatch.setattr(availability, "_COMPILED", True)

    @settings(max_examples=300, deadline=None)
    @given(xs=st.lists(st.integers(0, 40).map(float), max_size=30).map(sorted), t=st.floats(-1, 41))
    @example(xs=[1.0, 1.0, 2.0], t=1.0)
    @example(xs=[], t=0.0)
    def check(xs, t):
        assert availability._last_at_or_before(xs, t) == bisect_right(xs, t) - 1
        if xs:
            assert availability._last_at_or_before(xs, xs[-1]) == len(xs) - 1

    check()


@pytest.mark.parametrize("mask,t,L,start", [
    ([False, True, True, False], 1.0, 2.0, 1.0),
    ([False, True, True, False], 0.0, 2.0, 1.0),
    ([False, True, True, False], 1.0, 2.000001, 4.0),
    ([True, True, False, True], 0.5, 1.5, 0.5),
    ([True, True, False, True], 0.5, 1.6, 3.0),
    ([False, True, False, True, True], 0.0, 2.0, 3.0),
])
def test_window_by_hand(mask, t, L, start):
    assert Availability.from_mask(np.array(mask)).window(t, L) == start


@pytest.mark.parametrize("mask,t,work,end", [
    ([True, True, False, True], 0.0, 2.0, 2.0),
    ([True, True, False, True], 0.0, 2.5, 3.5),
    ([True, True, False, True], 2.0, 1.0, 4.0),
    ([False, True], 0.0, 1.5, 2.5),
])
def test_work_end_by_hand(mask, t, work, end):
    assert Availability.from_mask(np.array(mask)).work_end(t, work) == end


@settings(max_examples=300, deadline=None)
@given(mask=st.lists(st.booleans(), min_size=0, max_size=40), step=st.sampled_from([1.0, 0.5, 3.0]))
def test_from_mask_is_the_masks_runs_of_up_hours(mask, step):
    """Up intervals are the runs of True, each ``[i, j) * step``; the time after the series
    is up (joined to a final run of True).  Brute force, hour by hour."""
    starts, ends = [], []
    for i, ok in enumerate(mask + [True]):
        if ok and (i == 0 or not mask[i - 1]):
            starts.append(i * step)
        if not ok and i > 0 and mask[i - 1]:
            ends.append(i * step)
    a = Availability.from_mask(np.array(mask, dtype=bool), step)
    assert (a.starts, a.ends) == (starts, ends + [math.inf])
