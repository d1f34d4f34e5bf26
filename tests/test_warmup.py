"""Initial conditions and warm-up: defaults, the window rules, MSER-5 on hand series."""

from __future__ import annotations

import numpy as np
import pytest

import shuttle_sim as ss
from shuttle_sim import kpis
from shuttle_sim.config.loader import ConfigError
from shuttle_sim.config.schema import TankFarmSpec, resolved_dict
from shuttle_sim.stats import mser, summarize

from .conftest import CONFIGS, build, cycle_dict


# ------------------------------------------------------------------ MSER-5
def _batches(means: list[float]) -> list[float]:
    """Five observations per batch, spread symmetrically around each batch mean."""
    return [z + e for z in means for e in (-2.0, -1.0, 0.0, 1.0, 2.0)]


def test_mser5_truncates_the_transient_of_a_hand_series():
    """Batch means 10, 4, then six 1s (k = 8, d <= 4): MSER(0) = 72/64, MSER(1) =
    (2.5714^2 + 6 x 0.4286^2)/49 = 0.157, MSER(2..4) = 0: the first minimum is d = 2,
    ten observations."""
    assert mser(_batches([10, 4, 1, 1, 1, 1, 1, 1])) == 10


def test_mser5_keeps_a_stationary_hand_series():
    """Batch means 1, 3, 1, 3, 1, 3 (d <= 3): MSER = 6/36, 4.8/25, 4/16, (24/9)/9, least at d = 0."""
    assert mser(_batches([1, 3, 1, 3, 1, 3])) == 0


def test_mser_is_capped_at_half_the_run():
    # a series that only falls: the least MSER would be at the very end, the cap stops it
    x = np.linspace(100.0, 0.0, 100) ** 2
    assert mser(x) <= 50
    assert mser(x, batch=1) <= 50
    assert mser([1.0, 2.0, 3.0]) == 0  # fewer than two batches: nothing to compare


# ------------------------------------------------------------------ initial levels
def test_tank_farm_starts_at_its_working_level_by_default():
    tf = TankFarmSpec.model_validate({"capacity": "100000 t"})
    assert (tf.working_level_t, tf.initial_level_t) == (50_000.0, 50_000.0)
    tf = TankFarmSpec.model_validate({"capacity": "100000 t", "working_level": "20000 t"})
    assert tf.initial_level_t == 20_000.0
    tf = TankFarmSpec.model_validate({"capacity": "100000 t", "working_level": "20000 t", "initial_level": "0 t"})
    assert tf.initial_level_t == 0.0
    with pytest.raises(ValueError, match="working_level <= capacity"):
        TankFarmSpec.model_validate({"capacity": "100 t", "working_level": "200 t"})


def test_resolved_scenario_states_the_defaults_and_reloads_equal():
    s = ss.load_scenario(CONFIGS / "aktau_current.yaml")
    d = resolved_dict(s)
    assert "working_level" in d["discharge_port"]["tank_farm"]
    assert ss.scenario_from_dict(d) == s


# ------------------------------------------------------------------ the window
def _cycle(**top) -> ss.Scenario:
    return build(cycle_dict(**top))


def test_warmup_window_of_the_deterministic_cycle_is_exact():
    """The 62 h cycle (tests/test_cycle.py) over 620 h: voyages complete at 62 k h
    (k = 1..10).  With a 124 h warm-up, 8 voyages (3..10) fall in the window and the
    annualised delivery divides by the 496 h measured."""
    full = ss.simulate(_cycle(), seed=0)
    win = ss.simulate(_cycle(warmup="124 h"), seed=0)
    assert full.kpis["voyages"] == 10.0
    assert win.kpis["voyages"] == 8.0
    assert win.kpis["delivered_t"] == 8 * 60_000.0
    assert win.kpis["delivered_mt_per_year"] == pytest.approx(8 * 60_000.0 / 1e6 / (496.0 / 8760.0), rel=1e-12)
    assert win.warmup_h == 124.0
    assert [v.voyage for v in win.voyages] == [v.voyage for v in full.voyages][2:]
    # the time budget of the window adds up to one, ship by ship to H - W
    fr = sum(v for n, v in win.kpis.items() if n.startswith("tanker_") and n.endswith("_frac"))
    assert fr == pytest.approx(1.0, abs=1e-12)
    assert sum(v for n, v in win.tankers[0].items() if n.endswith("_h")) == pytest.approx(496.0, rel=1e-12)
    # one berth, busy 15 h of each 62 h cycle: berthing 2, loading 12, unberthing 1
    assert win.kpis["load_berth_idle_frac"] == pytest.approx(1 - 8 * 15 / 496.0, rel=1e-12)


@pytest.mark.parametrize("name", ["aktau_current", "kcts_concept", "caspian_network"])
def test_every_kpi_has_a_window_rule_and_oil_balances_over_the_window(name):
    d = resolved_dict(ss.load_scenario(CONFIGS / f"{name}.yaml"))
    d["warmup"] = "30 d"
    r = ss.simulate(ss.scenario_from_dict(d), seed=2, horizon_h=24 * 120)
    for n in r.kpis:
        assert kpis.window_kind(n) in kpis.WINDOW_KINDS
    k = r.kpis
    if "supply_accepted_t" in k:
        balance = (k["offtake_t"] + k["load_stock_change_t"] + k["discharge_stock_change_t"]
                   + k["on_board_end_t"] - k["on_board_start_t"])
        assert k["supply_accepted_t"] == pytest.approx(balance, rel=1e-12, abs=1e-6)
        t, y = r.traces["discharge_tank"]
        sel = y[t >= 30 * 24]
        assert k["discharge_tank_level_max_t"] >= sel.max() - 1e-6
        assert k["discharge_tank_level_min_t"] <= sel.min() + 1e-6


@pytest.mark.parametrize("name", ["aktau_current", "kcts_concept"])
def test_weather_holds_by_operation_add_up_to_the_berths_weather_over_any_window(name):
    """The holds by operation are charged as each hold begins, the berths' weather hours as
    they pass; a warm-up's end or a horizon inside a hold takes back the rest of it, so the
    two agree over the window whatever moment the warm-up ends.  (They did not: a hold
    begun before the warm-up's end was left out of the window whole, one begun before the
    horizon counted whole.)"""
    d = resolved_dict(ss.load_scenario(CONFIGS / f"{name}.yaml"))
    rng = np.random.default_rng(5)
    for i in range(12):
        d["warmup"] = f"{float(rng.uniform(5, 60) * 24)!r} h"
        r = ss.simulate(ss.scenario_from_dict(d), seed=i, horizon_h=float(rng.uniform(90, 150) * 24))
        for role in ("load", "discharge"):
            by_op = sum(r.kpis[f"{role}_weather_hold_{op}_h"] for op in ("berthing", "transfer", "unberthing"))
            assert by_op == pytest.approx(r.kpis[f"{role}_weather_hold_h"], abs=1e-6), (i, role)


def test_warmup_must_leave_a_measured_period():
    d = cycle_dict(warmup="700 h")
    with pytest.raises(ConfigError, match="warm-up shorter than the horizon"):
        build(d)
    for horizon_h in (100.0, 124.0):  # longer than the horizon, or as long: nothing left to measure
        with pytest.raises(ValueError, match="warm-up"):
            ss.simulate(_cycle(warmup="124 h"), seed=0, horizon_h=horizon_h)


def test_a_window_without_a_completed_call_has_no_wait_to_average():
    """The 62 h cycle with a 124 h warm-up, measured to 130 h: the third load call (berths
    at 124 h) is still under way, so no call's wait falls in the window: the mean and the
    longest wait for a berth are 0 h, not carried over from the warm-up."""
    r = ss.simulate(_cycle(warmup="124 h"), seed=0, horizon_h=130.0)
    for role in ("load", "discharge"):
        assert r.kpis[f"{role}_queue_wait_mean_h"] == 0.0 and r.kpis[f"{role}_queue_wait_max_h"] == 0.0
    assert r.voyages == []


def test_the_yard_s_most_wagons_are_over_the_window_from_the_level_at_its_start():
    """kuryk_ferry with warm-ups ending at random moments: the most wagons in the yard over
    the window are the largest value the (step) trace takes on [warm-up, horizon]: the
    value it holds at the warm-up's end, then every value it steps to after."""
    base = resolved_dict(ss.load_scenario(CONFIGS / "kuryk_ferry.yaml"))
    rng = np.random.default_rng(11)
    for i in range(20):  # short windows, so that the yard often empties from a level it held before
        d = dict(base, warmup=f"{float(rng.uniform(2, 20) * 24)!r} h")
        w_h = ss.scenario_from_dict(d).warmup_h
        r = ss.simulate(ss.scenario_from_dict(d), seed=i, horizon_h=w_h + float(rng.uniform(1, 12)))
        t, n = r.traces["yard_wagons"]
        held = [n[j] for j in range(len(t)) if t[j] <= w_h][-1]  # the step the trace is on at the warm-up's end
        assert r.kpis["yard_wagons_max"] == max([held] + [n[j] for j in range(len(t)) if t[j] > w_h]), i


@pytest.mark.slow
def test_starting_levels_far_from_the_target_do_not_change_post_warmup_kpis():
    """aktau_current started with the discharge farm (offtake policy level) nearly empty
    or nearly full, the load farm empty or at twice its working level.  The warm-up
    follows docs/model.md's rule for a start far from the target: the clipped phase
    (40 kt above target at 251 - 160 t/h: about 8 days) plus five catch-up times
    (5 x 10 d, leaving e^-5 of the deviation): 60 days.  After it the deliveries,
    offtake and mean levels agree within their CIs (common random numbers)."""
    base = ss.load_scenario(CONFIGS / "aktau_current.yaml")
    runs = {}
    for label, (load_t, dis_frac) in {"low": (0.0, 0.05), "high": (20_000.0, 0.9)}.items():
        d = resolved_dict(base)
        d["warmup"] = "60 d"
        d["load_port"]["tank_farm"]["initial_level"] = f"{load_t} t"
        d["discharge_port"]["tank_farm"]["initial_level"] = f"{dis_frac * base.discharge_port.tank_farm.capacity_t} t"
        s = ss.scenario_from_dict(d)
        runs[label] = [ss.simulate(s, seed=11, replication=r).kpis for r in range(12)]
    for kpi in ("delivered_mt_per_year", "discharge_tank_level_mean_t", "load_tank_level_mean_t", "offtake_t"):
        lo = np.array([k[kpi] for k in runs["low"]])
        hi = np.array([k[kpi] for k in runs["high"]])
        ci = summarize(lo)["ci95_halfwidth"]
        assert abs(lo.mean() - hi.mean()) < ci, (kpi, lo.mean(), hi.mean(), ci)


def test_suggested_warmup_sees_a_start_far_from_the_steady_state():
    """MSER-5 over pilot replications: aktau_current started at its working levels needs
    little warm-up; started with 110 kt in the load farm (which only the fleet's spare
    capacity, ~30 t/h, drains: ~100 kt over ~140 days) it needs months."""
    from shuttle_sim.window import suggest_warmup

    base = ss.load_scenario(CONFIGS / "aktau_current.yaml")
    near = suggest_warmup(base, replications=6, seed=3)
    d = resolved_dict(base)
    d["load_port"]["tank_farm"]["initial_level"] = "110000 t"
    far = suggest_warmup(ss.scenario_from_dict(d), replications=6, seed=3)
    assert near["load_tank"] <= 30 * 24.0
    assert far["load_tank"] >= 90 * 24.0
    assert far["warmup_h"] >= far["load_tank"]


def test_suggested_warmup_truncates_the_daily_levels_in_hours(monkeypatch):
    """What ``suggest_warmup`` hands MSER-5 and how it reads the answer: for each tank farm,
    the level at 00:00 of each day (the trace interpolated, averaged over the pilot
    replications) and the deliveries per day; a truncation of d observations is d days,
    24 d hours.  MSER itself is tested on hand series above."""
    from shuttle_sim import stats, window

    s = ss.load_scenario(CONFIGS / "aktau_current.yaml")
    seen = {}

    def fake_mser(x):
        seen[len(seen)] = np.asarray(x)
        return 7  # days, whatever the series

    monkeypatch.setattr(stats, "mser", fake_mser)
    out = window.suggest_warmup(s, replications=2, seed=1, horizon_h=40 * 24.0)
    assert out == {"load_tank": 168.0, "discharge_tank": 168.0, "delivered": 168.0, "warmup_h": 168.0}
    pilot = window.with_warmup(s, 0.0)
    runs = [ss.simulate(pilot, seed=1, replication=r, horizon_h=40 * 24.0) for r in range(2)]
    days = np.arange(40) * 24.0
    for i, key in enumerate(("load_tank", "discharge_tank")):
        by_hand = np.mean([np.interp(days, *r.traces[key]) for r in runs], axis=0)
        assert seen[i] == pytest.approx(by_hand, rel=1e-12)


def test_cli_years_are_measured_after_the_warmup(capsys, tmp_path):
    """--years is the measured period: the scenario's 30-day warm-up runs before it; a
    warm-up as long as the scenario's own horizon (no --years) is refused in one line."""
    import json

    from shuttle_sim.cli import main

    assert main(["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.05", "--out", str(tmp_path / "r")]) == 0
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["warmup_h"] == 720.0 and manifest["horizon_h"] == 720.0 + 0.05 * 8760.0
    capsys.readouterr()
    assert main(["run", str(CONFIGS / "aktau_current.yaml"), "--warmup", "400 d"]) == 2
    err = capsys.readouterr().err
    assert "shorter than the horizon" in err and "Traceback" not in err and err.count("\n") == 1


def test_cli_warmup_override_and_mser5(capsys, tmp_path):
    import json

    from shuttle_sim.cli import main

    path = str(CONFIGS / "aktau_current.yaml")
    assert main(["run", path, "--years", "0.3", "--warmup", "mser5", "-n", "2", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "s")]) == 0
    err = capsys.readouterr().err
    assert "warm-up by MSER-5 over 10 pilot replications:" in err
    resolved = (tmp_path / "s" / "scenario.resolved.yaml").read_text()
    assert "warmup:" in resolved  # the study directory states the warm-up it used
    assert main(["run", path, "--years", "0.3", "--warmup", "10 d", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["scenario"] == "aktau_current"
    for bad, msg in (("3", "expected a time like"),):
        assert main(["run", path, "--years", "0.3", "--warmup", bad]) == 2
        err = capsys.readouterr().err
        assert msg in err and "Traceback" not in err and err.count("\n") == 1


def test_the_measured_world_reusing_the_warmups_timelines_changes_nothing(monkeypatch):
    """The second world of a warm-up takes the first one's drawn timelines
    (``World(drawn=...)``); drawing them again gives the same result to the bit, for a
    scenario with weather, random and scripted failures, use-clock ferries and both routes."""
    from shuttle_sim import load_scenario
    from shuttle_sim.model import World, simulate
    from shuttle_sim.scenarios import resolve

    s = load_scenario(resolve("caspian_network"))
    assert s.warmup_h > 0
    shared = simulate(s, seed=5, replication=2, horizon_h=3000.0)
    monkeypatch.setattr(World, "_memo", lambda self, key, draw: draw())  # every world draws its own
    redrawn = simulate(s, seed=5, replication=2, horizon_h=3000.0)
    assert shared.kpis == redrawn.kpis
    assert shared.voyages == redrawn.voyages and shared.ferry_trips == redrawn.ferry_trips
    for name, (t, y) in shared.traces.items():
        assert t.tolist() == redrawn.traces[name][0].tolist() and y.tolist() == redrawn.traces[name][1].tolist()
