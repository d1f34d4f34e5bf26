"""Offtake nomination: the level policy and the second outlet against hand calculations."""

from __future__ import annotations

import pytest

import shuttle_sim as ss
from shuttle_sim.components import offtake
from shuttle_sim.components.tank import TankFarm
from shuttle_sim.config.schema import OfftakeSpec
from shuttle_sim.engine import Engine

from .conftest import build, cycle_dict


def spec(**kw) -> OfftakeSpec:
    d = {"rate": "100 t/h", "policy": "level", "max_rate": "150 t/h", "catch_up": "100 h", "interval": "24 h"}
    d.update(kw)
    return OfftakeSpec.model_validate(d)


def farm(env, level=100_000.0, inflow=100.0):
    tank = TankFarm(env, "discharge_tank", 1e6, level)
    tank.source("supply", inflow)
    return tank


def test_backlog_after_a_stop_clears_at_max_rate_then_geometrically():
    """Stop 0-240 h with 100 t/h flowing in: 24,000 t above the working level.  The
    nomination is clipped at 150 t/h while the deviation is >= 5,000 t, so the backlog
    falls at 150 - 100 = 50 t/h: 1,200 t a day for 16 days (to 4,800 t at 624 h); from
    then on each nomination corrects 24/100 of the deviation: it shrinks by 0.76 a day."""
    env = Engine(0.0)
    tank = farm(env)
    c = offtake.OfftakeController(env, spec(), tank, 100_000.0, [(0.0, 0.0), (240.0, 1.0)], [], 2000.0)
    env.run(until=1200.0)
    noms = {t: n for t, n, _r1, _r2 in c.trace}
    assert tank.trace_level_t[0] == 100_000.0
    for k in range(0, 11):  # during the stop the nomination rises and is clipped at the maximum
        t = 24.0 * k
        dev = 100.0 * t
        assert noms[t] == pytest.approx(min(100.0 + dev / 100.0, 150.0), rel=1e-12)
    for k in range(0, 17):  # catch-up at 50 t/h
        t = 240.0 + 24.0 * k
        dev = 24_000.0 - 1_200.0 * k
        assert noms[t] == pytest.approx(min(100.0 + dev / 100.0, 150.0), rel=1e-12), t
    dev = 4_800.0
    for k in range(16, 40):  # proportional correction: x 0.76 a nomination
        t = 240.0 + 24.0 * k
        assert noms[t] == pytest.approx(100.0 + dev / 100.0, rel=1e-9), t
        dev *= 0.76
    # the stop took the base nomination (100 t/h for 240 h), not the risen one
    assert c.integral(1200.0, below=True) == pytest.approx(100.0 * 240.0, rel=1e-12)
    assert c.nominated_t(1200.0) > tank.totals()["offtake_offered_t"]
    # the nominated tonnes are the nomination integrated over time: a hand sum over the
    # recorded nominations, each held to the next change (the last one to the horizon)
    times = [t for t, *_ in c.trace] + [1200.0]
    by_hand = sum(n * (b - a) for (a, n, *_), b in zip(c.trace, times[1:]))
    assert times[-2] < 1200.0 and c.nominated_t(1200.0) == pytest.approx(by_hand, rel=1e-12)


@pytest.mark.parametrize("horizon_h", [5.0, 10.25, 30.0])
def test_the_stopped_tonnes_are_the_base_nomination_over_the_stop_however_short(horizon_h):
    """The pipeline stops for half an hour, 10-10.5 h (a factor timeline as outages make
    it): 100 t/h x 0.5 h = 50 t of the base nomination is lost; a horizon inside the stop
    counts it up to the horizon (25 t at 10.25 h); before it, nothing."""
    env = Engine(0.0)
    tank = farm(env)
    c = offtake.OfftakeController(env, spec(), tank, 100_000.0, [(0.0, 1.0), (10.0, 0.0), (10.5, 1.0)], [], 100.0)
    env.run(until=horizon_h)
    lost = 100.0 * min(max(horizon_h - 10.0, 0.0), 0.5)
    assert c.integral(horizon_h, below=True) == pytest.approx(lost, rel=1e-12, abs=1e-12)


def test_nomination_is_clipped_to_min_and_max():
    s = spec(min_rate="40 t/h")
    assert offtake.nomination(offtake.OfftakeRule(s), 0.0, 50_000.0) == 40.0
    assert offtake.nomination(offtake.OfftakeRule(s), 1e6, 50_000.0) == 150.0
    assert offtake.nomination(offtake.OfftakeRule(s), 52_000.0, 50_000.0) == pytest.approx(120.0)


def test_level_policy_needs_a_max_rate_and_an_ordered_range():
    with pytest.raises(ValueError, match="expected max_rate"):
        OfftakeSpec.model_validate({"rate": "100 t/h", "policy": "level"})
    with pytest.raises(ValueError, match="min_rate <= rate <= max_rate"):
        spec(max_rate="90 t/h")


@pytest.mark.parametrize("rule,share,n,cap1,cap2,expected", [
    ("priority", 0.0, 100.0, 150.0, 50.0, (100.0, 0.0)),
    ("priority", 0.0, 100.0, 0.0, 50.0, (0.0, 50.0)),     # BTC stopped: Supsa takes what it can
    ("priority", 0.0, 180.0, 150.0, 50.0, (150.0, 30.0)),  # BTC at its maximum: the rest to Supsa
    ("share", 0.25, 100.0, 150.0, 50.0, (75.0, 25.0)),
    ("share", 0.25, 100.0, 60.0, 50.0, (60.0, 40.0)),      # the first is short: the second takes more
    ("share", 0.6, 100.0, 150.0, 50.0, (50.0, 50.0)),      # the second is short: the first takes more
])
def test_split_between_outlets(rule, share, n, cap1, cap2, expected):
    s = spec(second={"max_rate": "50 t/h", "rule": rule, "share": share})
    assert offtake.split(offtake.OfftakeRule(s), n, cap1, cap2) == pytest.approx(expected)


def test_second_outlet_bypasses_a_stop_of_the_first():
    """Constant nomination 100 t/h, BTC stopped 100-300 h, Supsa up to 60 t/h: during the
    stop 60 t/h still leaves the farm and 40 t/h is unmet (8,000 t stopped)."""
    env = Engine(0.0)
    tank = farm(env, inflow=0.0)
    s = OfftakeSpec.model_validate({"rate": "100 t/h", "second": {"max_rate": "60 t/h"}})
    c = offtake.OfftakeController(env, s, tank, 50_000.0, [(0.0, 1.0), (100.0, 0.0), (300.0, 1.0)], [], 1000.0)
    env.run(until=400.0)
    t = tank.totals()
    assert t["offtake_moved_t"] == pytest.approx(100.0 * 200.0, rel=1e-12)
    assert t["second_offtake_moved_t"] == pytest.approx(60.0 * 200.0, rel=1e-12)
    assert c.integral(400.0, below=True) == pytest.approx(40.0 * 200.0, rel=1e-12)
    assert tank.level_t == pytest.approx(100_000.0 - 32_000.0, rel=1e-12)


def _stop_scenario(policy: dict) -> ss.Scenario:
    """The deterministic cycle (one 60 kt ship every 62 h, ~968 t/h) fed by a 900 t/h
    supply into a 300 kt load farm, into a 400 kt discharge farm with a working level of
    100 kt; the offtake stops for 10 days from day 20."""
    d = cycle_dict(
        horizon="2400 h",
        supply={"rate": "900 t/h"},
        load_port={"tank_farm": {"capacity": "300000 t", "initial_level": "150000 t"}},
        discharge_port={"tank_farm": {"capacity": "400000 t", "working_level": "100000 t", "initial_level": "100000 t"}},
        offtake={"rate": "900 t/h", **policy},
        disruptions=[{"target": "offtake", "start": "2025-01-21", "end": "2025-01-31"}],
    )
    return build(d)


def test_level_policy_returns_the_discharge_farm_to_its_working_level_after_a_stop():
    const = ss.simulate(_stop_scenario({}), seed=1)
    level = ss.simulate(_stop_scenario({"policy": "level", "max_rate": "1800 t/h", "catch_up": "48 h"}), seed=1)
    for r in (const, level):  # oil is conserved under either policy
        k = r.kpis
        assert k["supply_accepted_t"] == pytest.approx(
            k["offtake_t"] + k["load_stock_change_t"] + k["discharge_stock_change_t"] + k["on_board_end_t"], rel=1e-12)
    t, y = level.traces["discharge_tank"]
    # the stop backs up 216 kt (900 t/h for 240 h); with the constant rate it stays, with
    # the level policy the farm is back within a cargo (60 kt) of its working level
    t_c, y_c = const.traces["discharge_tank"]
    assert y_c[-1] > 250_000.0
    assert abs(y[-1] - 100_000.0) < 60_000.0
    assert level.kpis["offtake_t"] > const.kpis["offtake_t"] + 150_000.0


# ------------------------------------------------------------------ invariants with policies
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from .strategies import scenarios  # noqa: E402


@st.composite
def policy_scenarios(draw):
    """Random scenarios with the level policy, a second outlet with outages, a warm-up
    and stress events on supply and offtake."""
    d = draw(scenarios())
    H = float(d["horizon"].split()[0])
    rate = float(d["offtake"]["rate"].split()[0])
    d["offtake"].update(policy="level", max_rate=f"{rate * draw(st.floats(1.0, 3.0)) + 1.0!r} t/h",
                        catch_up=f"{draw(st.floats(1, 500))!r} h", interval=f"{draw(st.floats(1, 48))!r} h")
    if draw(st.booleans()):
        d["offtake"]["second"] = {"max_rate": f"{draw(st.floats(1, 3000))!r} t/h",
                                  "rule": draw(st.sampled_from(["priority", "share"])), "share": draw(st.floats(0, 1)),
                                  "outages": {"mtbf": {"dist": "exponential", "mean": "100 h"}, "mttr": "20 h"}}
    if draw(st.booleans()):
        d["warmup"] = f"{draw(st.one_of(st.just(0.0), st.floats(1.0, 0.9 * H)))!r} h"  # none, or at least 1 h (the schema's floor)
    d["stress"] = [{"target": draw(st.sampled_from(["supply", "offtake"])), "duration": f"{draw(st.floats(1, H))!r} h",
                    "factor": draw(st.sampled_from([0.0, 0.5, 1.5]))}]
    return d


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=policy_scenarios(), seed=st.integers(0, 2**32 - 1))
def test_oil_is_conserved_under_the_policies(d, seed):
    s = build(d)
    r = ss.simulate(s, seed=seed)
    k = r.kpis
    tol = 1e-9 * max(1.0, k["supply_offered_t"] + abs(k["supply_extra_t"]), k["offtake_nominated_t"], k["loaded_t"])
    start = k.get("on_board_start_t", 0.0)
    balance = k["offtake_t"] + k["load_stock_change_t"] + k["discharge_stock_change_t"] + k["on_board_end_t"] - start
    assert k["supply_accepted_t"] == pytest.approx(balance, abs=tol)
    assert k["supply_offered_t"] == pytest.approx(k["supply_accepted_t"] + k["deferred_t"], abs=tol)
    assert k["offtake_nominated_t"] == pytest.approx(k["offtake_t"] + k["offtake_shortfall_t"], abs=tol)
    assert min(k["deferred_t"], k["offtake_shortfall_t"], k["offtake_stopped_t"], k.get("second_offtake_t", 0.0)) >= -tol
    for role, spec in (("load", s.load_port), ("discharge", s.discharge_port)):
        t, y = r.traces[f"{role}_tank"]
        assert y.min() >= 0 and y.max() <= spec.tank_farm.capacity_t
    fr = sum(v for n, v in k.items() if n.startswith("tanker_") and n.endswith("_frac"))
    assert fr == pytest.approx(1.0, abs=1e-9)
