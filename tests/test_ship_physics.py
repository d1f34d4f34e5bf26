"""The ship physics tankers and ferries share: the common window, the weather-window
hold before a port operation, the sheltered passage and the dry-dock rule, each
against hand calculations or a brute-force scan."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shuttle_sim.components.availability import Availability, common_window, operation_start
from shuttle_sim.components.drydock import DryDockRule, first_due_h
from shuttle_sim.components.passage import ShelteredPassage
from shuttle_sim.components.timebudget import StateClock, budget
from shuttle_sim.config.schema import DryDock
from shuttle_sim.engine import Engine

from .test_availability import brute_window, masks


@settings(max_examples=200, deadline=None)
@given(m1=masks, m2=masks, t=st.floats(0, 70), L=st.floats(0.01, 20))
def test_common_window_is_the_window_of_the_intersection(m1, m2, t, L):
    n = max(len(m1), len(m2))
    pad = lambda m: np.concatenate([m, np.ones(n - len(m), bool)])
    a, b = Availability.from_mask(m1), Availability.from_mask(m2)
    assert common_window((a, b), t, L) == brute_window(pad(m1) & pad(m2), t, L)
    start, by_weather = operation_start(a, b, t, L)
    assert start == brute_window(pad(m1) & pad(m2), t, L)
    assert by_weather == (brute_window(m1, t, L) > t)


def test_operation_start_names_what_holds_the_vessel():
    storm = Availability.from_downs([(10.0, 20.0)])
    broken = Availability.from_downs([(30.0, 35.0)])
    assert operation_start(storm, broken, 0.0, 4.0) == (0.0, False)  # nothing holds it
    assert operation_start(storm, broken, 8.0, 4.0) == (20.0, True)  # the storm would cut it: wait
    assert operation_start(storm, broken, 29.0, 2.0) == (35.0, False)  # the breakdown holds it
    assert operation_start(Availability.always(), Availability.always(), 3.0, 1e9) == (3.0, False)


def _sail(sea, up, sailing_h, horizon_h):
    env = Engine(0.0)
    totals = budget(("sailing", "weather", "breakdown", "moored"))
    clock = StateClock(totals, "sailing", 0.0)
    p = ShelteredPassage(env, clock, sea, up)
    ends = []

    def vessel():
        yield p.sail("sailing", sailing_h)
        ends.append(env.now)
        clock.enter("moored", env.now)

    env.process(vessel())
    env.run(until=horizon_h)
    clock.enter(clock.state, env.now)
    p.close()
    return ends, totals, p


def test_passage_shelters_from_the_sea_and_the_breakdown_by_hand():
    sea = Availability.from_downs([(10.0, 15.0)])
    up = Availability.from_downs([(2.0, 4.0), (12.0, 13.0)])  # the second inside the storm: weather
    ends, totals, p = _sail(sea, up, 20.0, 100.0)
    assert ends == [27.0]  # 20 h of way + 5 h of storm + 2 h broken down
    assert totals == {"sailing": 20.0, "weather": 5.0, "breakdown": 2.0, "moored": 73.0}
    assert p.weather_h == 5.0


def test_passage_cut_by_the_horizon_is_split_up_to_the_horizon():
    sea = Availability.from_downs([(10.0, 15.0)])
    ends, totals, p = _sail(sea, Availability.always(), 20.0, 12.0)
    assert ends == []
    assert totals == {"sailing": 10.0, "weather": 2.0, "breakdown": 0.0, "moored": 0.0}


def test_passage_nothing_stops_ends_at_the_exact_sum():
    sea = Availability.from_downs([(100.0, 110.0)])
    ends, totals, _ = _sail(sea, Availability.always(), 0.1 + 0.2, 50.0)
    assert ends == [0.1 + 0.2]  # not through the cumulative-hours sum
    assert totals["weather"] == totals["breakdown"] == 0.0


def test_dry_dock_rule_by_hand():
    spec = DryDock.model_validate({"every": "1000 h", "duration": "48 h"})
    assert [first_due_h(spec, u) for u in (0.0, 0.125, 0.5, 0.875)] == [0.0, 125.0, 500.0, 875.0]
    assert first_due_h(None, 0.5) == math.inf
    with pytest.raises(ValueError, match="phase"):
        first_due_h(spec, 1.0)
    clock = StateClock(budget(("sailing", "off_hire")), "sailing", 0.0)
    rule = DryDockRule(spec, 125.0)
    assert rule.take_if_due(clock, 124.0) == 0.0 and clock.state == "sailing"
    assert rule.take_if_due(clock, 300.0) == 48.0 and clock.state == "off_hire"
    assert rule.next_due_h == 1125.0  # one interval after it fell due, not after it was taken
    assert rule.take_if_due(clock, 400.0) == 0.0
    never = DryDockRule(None, 5.0)
    assert never.take_if_due(clock, 1e12) == 0.0


def test_zero_length_dock_takes_no_time_but_is_booked():
    spec = DryDock.model_validate({"every": "100 h", "duration": "0 h"})
    clock = StateClock(budget(("sailing", "off_hire")), "sailing", 0.0)
    rule = DryDockRule(spec, 50.0)
    assert rule.take_if_due(clock, 60.0) == 0.0
    assert clock.state == "off_hire" and rule.next_due_h == 150.0
