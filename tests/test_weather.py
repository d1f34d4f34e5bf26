"""Weather and outages against theory and hand calculations (VALIDATION.md)."""

import bisect
import csv
import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import shuttle_sim as ss
from shuttle_sim.components import outages
from shuttle_sim.components.weather import Weather
from shuttle_sim.config.weather import FailureSpec
from shuttle_sim.model import World
from shuttle_sim.rng import Streams

from .conftest import CONFIGS, build, cycle_dict, port


def ci99(x):
    x = np.asarray(x, float)
    return x.mean(), stats.t.ppf(0.995, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))


# -------------------------------------------------------------- renewal availability
RENEWAL = [  # (up, down, availability): VALIDATION.md, any distributions
    ({"dist": "exponential", "mean": "60 h"}, {"dist": "exponential", "mean": "12 h"}, 60 / 72),
    ({"dist": "lognormal", "mean": "48 h", "cv": 0.8}, {"dist": "uniform", "low": "12 h", "high": "36 h"}, 48 / 72),
    ({"dist": "gamma", "mean": "120 h", "cv": 0.5}, {"dist": "triangular", "low": "12 h", "mode": "36 h", "high": "60 h"},
     120 / 156),
]


@pytest.mark.parametrize("up,down,A", RENEWAL)
def test_weather_closures_availability(up, down, A):
    spec = ss.scenario_from_dict(cycle_dict(weather={"source": "closures", "sites": {"x": {"open": up, "closed": down}}}))
    H = 50_000.0
    fr = []
    for rep in range(12):
        w = Weather(spec.weather, dt.date(2025, 1, 1), H, Streams(11, rep))
        fr.append(w.availability("x", None, None).up_hours(0, H) / H)
    m, hw = ci99(fr)
    assert hw < 0.02
    assert abs(m - A) <= hw, (m, hw, A)


@pytest.mark.parametrize("up,down,A", RENEWAL)
def test_failure_processes_availability(up, down, A):
    """Berth, tanker, supply and offtake failures share one renewal generator; check it
    through an entity timeline and through the supply rate schedule of a real run."""
    from pydantic import TypeAdapter
    f = TypeAdapter(FailureSpec).validate_python({"mtbf": up, "mttr": down})
    H = 50_000.0
    fr = [outages.entity_availability(outages.failure_downs(f, Streams(3, r).get("tanker_failures", 0), H)).up_hours(0, H) / H
          for r in range(12)]
    m, hw = ci99(fr)
    assert abs(m - A) <= hw, (m, hw, A)
    d = cycle_dict(horizon=f"{H} h", supply={"rate": "100 t/h", "outages": {"mtbf": up, "mttr": down}})
    lost = [ss.simulate(build(d), seed=5, replication=r).kpis["supply_lost_to_outages_t"] / (100 * H) for r in range(6)]
    m, hw = ci99(lost)
    assert abs(m - (1 - A)) <= hw, (m, hw, 1 - A)


# --------------------------------------------- resumable and must-restart operations
U, D = 60.0, 12.0


def weather_case(berthing: str, cargo_t: float) -> dict:
    """One ship; the load port's weather alternates Exp(60 h) open / Exp(12 h) closed;
    everything else is instantaneous or a plain delay, so the load call shows the
    weather alone."""
    closures = {"source": "closures",
                "sites": {"aktau": {"open": {"dist": "exponential", "mean": f"{U} h"},
                                    "closed": {"dist": "exponential", "mean": f"{D} h"}}}}
    return cycle_dict(
        horizon="30000 h", weather=closures,
        load_port=port("L", 1, transfer_rate="1000 t/h", berthing=berthing, unberthing="0 h", weather_site="aktau"),
        discharge_port=port("D", 1, transfer_rate="1e9 t/h", berthing="0 h", unberthing="0 h"),
        fleet={"tankers": [{"name": "T", "count": 1, "cargo": f"{cargo_t} t", "laden_speed": "10 kn",
                            "ballast_speed": "10 kn"}]},
        route={"distance": "100 nmi"},
    )


def operation_times(d, start_key, end_key, reps=10):
    s = build(d)
    means = []
    for r in range(reps):
        w = World(s, seed=77, replication=r)
        w.run()
        gate = w.load.weather["transfer"]  # with closures every operation shares the site timeline
        times = [getattr(v, end_key) - gate.next_up(getattr(v, start_key)) for v in w.voyages]
        means.append(np.mean(times))
    return ci99(means)


def test_resumable_transfer_matches_formula():
    # loading 24,000 t at 1,000 t/h = L = 24 h of work, paused in every closure
    m, hw = operation_times(weather_case("0 h", 24_000), "load_start_h", "load_end_h")
    expected = 24 + (24 / U) * D  # 28.80 h
    assert hw < 0.05 * expected
    assert abs(m - expected) <= hw, (m, hw, expected)


def test_must_restart_berthing_matches_formula():
    # berthing needs 24 unbroken workable hours; cargo pumping is negligible
    # (from the arrival: the ship waits for the window at anchorage, the berth assigned when it opens)
    m, hw = operation_times(weather_case("24 h", 1), "load_arrive_h", "load_start_h")
    expected = (U + D) * (math.exp(24 / U) - 1)  # 35.41 h
    assert hw < 0.05 * expected
    assert abs(m - expected) <= hw, (m, hw, expected)


# ----------------------------------------------------------------------- hindcast
def write_hindcast(path, years=(2021, 2022, 2023)):
    t = dt.datetime(years[0], 1, 1)
    end = dt.datetime(years[-1] + 1, 1, 1)
    rows, i = [], 0
    while t < end:
        for s, k in (("aktau", 1), ("baku", 2)):
            rows.append([t.isoformat(), s, f"{(i * 7 * k) % 23}.5", f"{(i * k) % 5}.25"])
        t += dt.timedelta(hours=1)
        i += 1
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "site", "wind_m_per_s", "hs_m"])
        w.writerows(rows)
    return i  # hours in the file


def test_hindcast_replay_is_exact(tmp_path):
    n_file = write_hindcast(tmp_path / "hc.csv")
    d = cycle_dict(weather={"source": "hindcast", "file": str(tmp_path / "hc.csv")}, start_date="2025-03-01")
    s = build(d)
    starts = set()
    for rep in range(8):
        w = Weather(s.weather, s.start_date, 2000, Streams(1, rep))
        # find which year was drawn: the file index of 1 March 00:00 in 2021, 2022 or 2023
        anchors = [int((dt.datetime(y, 3, 1) - dt.datetime(2021, 1, 1)).total_seconds() // 3600) for y in (2021, 2022, 2023)]
        i0 = next(a for a in anchors if w.wind_m_per_s["aktau"][0] == f_wind(a, 1) and w.hs_m["baku"][0] == f_hs(a, 2))
        starts.add(i0)
        idx = (i0 + np.arange(w.n_hours)) % n_file
        assert np.array_equal(w.wind_m_per_s["aktau"], np.array([f_wind(i, 1) for i in idx]))
        assert np.array_equal(w.hs_m["baku"], np.array([f_hs(i, 2) for i in idx]))
    assert len(starts) > 1  # the start year is drawn per replication


def f_wind(i, k):
    return float(f"{(i * 7 * k) % 23}.5")


def f_hs(i, k):
    return float(f"{(i * k) % 5}.25")


def test_hindcast_errors_name_file_and_line(tmp_path):
    p = tmp_path / "hc.csv"
    p.write_text("time,site,wind_m_per_s,hs_m\n2025-01-01T00:00,aktau,5,0.5\n2025-01-01T01:00,aktau,x,0.5\n")
    d = cycle_dict(weather={"source": "hindcast", "file": str(p)})
    with pytest.raises(ss.ConfigError, match=r"hc.csv:3: expected an ISO time and two numbers"):
        build(d)


def test_weather_fit_round_trip(tmp_path):
    """CLI fit -> scenario -> generated series: the March mean of log wind at each site
    equals the fitted one within 4 standard errors of an AR(1) mean (derived from the
    fitted sd and lag-1 correlation and the hours averaged, not chosen)."""
    from shuttle_sim.components.weather import fit_synthetic, read_hindcast
    from shuttle_sim.cli import main

    write_hindcast(tmp_path / "hc.csv", years=(2022, 2023))
    out = tmp_path / "w.yaml"
    assert main(["weather", "fit", str(tmp_path / "hc.csv"), "-o", str(out)]) == 0
    import yaml
    spec = yaml.safe_load(out.read_text())
    fitted = fit_synthetic(read_hindcast(tmp_path / "hc.csv"))
    assert spec == fitted  # the file holds the fit
    s = build(cycle_dict(weather=spec))
    years = 8
    w = Weather(s.weather, s.start_date, years * 8760, Streams(2, 0))
    assert set(w.sites) == {"aktau", "baku"}
    start = dt.datetime.combine(s.start_date, dt.time())
    march = np.array([(start + dt.timedelta(hours=h)).month == 3 for h in range(w.n_hours)])
    sites = sorted(fitted["sites"])
    for i, site in enumerate(sites):
        for var, series, k in (("wind", w.wind_m_per_s[site], i), ("hs", w.hs_m[site], len(sites) + i)):
            mu, sd = fitted["sites"][site][f"log_{var}_mean"][2], fitted["sites"][site][f"log_{var}_sd"][2]
            phi = fitted["autocorrelation"][k]
            n = int(march.sum())
            tol = 4 * sd * math.sqrt((1 + phi) / ((1 - phi) * n))
            assert tol < 0.25 * max(sd, 1e-3)  # precise enough to catch a shifted or mis-scaled marginal
            x = np.log(series[march])
            assert abs(x.mean() - mu) <= tol, (site, var, x.mean(), mu, tol)


# ----------------------------------------------------- common random numbers
def test_adding_a_tanker_changes_no_one_elses_draws():
    s4 = ss.load_scenario(CONFIGS / "kcts_concept.yaml")
    from shuttle_sim.config.schema import resolved_dict
    d5 = resolved_dict(s4)
    d5["fleet"]["tankers"][0]["count"] = 5
    s5 = ss.scenario_from_dict(d5)
    a, b = World(s4, seed=9), World(s5, seed=9)
    for site in a.weather.sites:
        assert np.array_equal(a.weather.wind_m_per_s[site], b.weather.wind_m_per_s[site])
        assert np.array_equal(a.weather.hs_m[site], b.weather.hs_m[site])
    for ta, tb in zip(a.tankers, b.tankers):
        assert (ta.up.starts, ta.up.ends) == (tb.up.starts, tb.up.ends)
        assert [ta.rng.random() for _ in range(50)] == [tb.rng.random() for _ in range(50)]
    for pa, pb in ((a.load, b.load), (a.discharge, b.discharge)):
        for ba, bb in zip(pa.berth_list, pb.berth_list):
            assert (ba.up.starts, ba.up.ends) == (bb.up.starts, bb.up.ends)
    assert a.supply_schedule.times == b.supply_schedule.times


# ---------------------------------------------------- scripted stop backs up the chain
def btc_stop() -> dict:
    """test_scripted_offtake_stop_backs_up_the_chain_at_hand_computed_times's scenario."""
    return cycle_dict(
        horizon="300 h", start_date="2025-08-01",
        supply={"rate": "500 t/h"}, offtake={"rate": "500 t/h"},
        load_port=port("L", 1, capacity="100000 t", level="50000 t", berthing="0 h", unberthing="0 h"),
        discharge_port=port("D", 1, capacity="100000 t", level="50000 t", berthing="0 h", unberthing="0 h"),
        fleet={"tankers": [{"name": "T", "count": 1, "cargo": "20000 t", "laden_speed": "12.5 kn",
                            "ballast_speed": "12.5 kn"}]},
        disruptions=[{"target": "offtake", "start": "2025-08-01", "end": "2025-08-11", "factor": 0.0,
                      "note": "BTC stop"}],
    )


def test_scripted_offtake_stop_backs_up_the_chain_at_hand_computed_times():
    """Balanced deterministic system: supply = offtake = fleet = 500 t/h (one 20,000 t
    ship, 4 h loading and discharging at 5,000 t/h, 16 h each way: a 40 h cycle).
    Offtake stops for the first 10 days (240 h).  By hand:
      discharges at 20-24 h and 60-64 h lift the discharge farm 50,000 -> 90,000 t;
      the third discharge starts at 100 h and fills the farm at 102 h; the ship then
      waits for ullage until the offtake resumes at 240 h and finishes at 500 t/h at
      260 h (waiting: 138 h stopped + 0.9 x 20 h slowed = 156 h);
      the load farm, at 32,000 t after the third load (84 h), fills at 500 t/h and is
      full at 84 + 68,000 / 500 = 220 h: production is deferred from 220 h until the
      ship is back and loading at 260 + 16 = 276 h: 56 h x 500 t/h = 28,000 t."""
    r = ss.simulate(build(btc_stop()))
    v = r.voyages
    assert [x.discharge_start_h for x in v] == [20, 60, 100]
    assert v[2].discharge_end_h == pytest.approx(260, rel=1e-12)
    assert v[2].discharge_wait_ullage_h == pytest.approx(156, rel=1e-12)
    t, lvl = r.traces["discharge_tank"]
    assert t[np.argmax(lvl >= 100_000)] == pytest.approx(102, rel=1e-12)
    t, lvl = r.traces["load_tank"]
    assert t[np.argmax(lvl >= 100_000)] == pytest.approx(220, rel=1e-12)
    k = r.kpis
    assert k["deferred_t"] == pytest.approx(28_000, rel=1e-9)
    assert k["offtake_stopped_t"] == pytest.approx(500 * 240, rel=1e-12)
    assert k["offtake_shortfall_t"] == pytest.approx(0, abs=1e-6)
    assert k["discharge_berth_waiting_ullage_frac"] == pytest.approx(156 / 300, rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(downs=st.lists(st.tuples(st.integers(0, 50), st.integers(0, 8)).map(lambda p: (float(p[0]), float(p[0] + p[1]))),
                      max_size=12),
       scripted=st.lists(st.tuples(st.integers(0, 50), st.integers(1, 8), st.sampled_from([0.0, 0.5, 1.5]))
                         .map(lambda p: (float(p[0]), float(p[0] + p[1]), p[2])), max_size=3))
def test_factor_changes_follow_their_definition(downs, scripted):
    """At every hour (and half hour) the factor is 0 inside any down, else the product of
    the scripted factors in force; overlapping and empty downs included."""
    changes = outages.factor_changes(downs, scripted)
    assert changes[0][0] == 0.0 and all(a[1] != b[1] for a, b in zip(changes, changes[1:]))
    times = [t for t, _ in changes]
    for t in np.arange(0.0, 60.0, 0.5):
        f = 0.0 if any(a <= t < b for a, b in downs) else math.prod(fac for a, b, fac in scripted if a <= t < b)
        assert changes[bisect.bisect_right(times, t) - 1][1] == f


@settings(max_examples=60, deadline=None)
@given(st.floats(-0.99, 0.99), st.integers(1, 3000), st.integers(0, 2**32 - 1),
       st.lists(st.floats(-2.0, 2.0), min_size=0, max_size=2))
def test_the_weathers_filter_is_scipys_lfilter_to_the_bit(phi, n, seed, more_poles):
    """``shuttle_sim.linear_filter.lfilter`` (SciPy's kernel loaded without scipy.signal) gives
    exactly ``scipy.signal.lfilter``'s values: the AR(1) filter the weather uses, and any
    longer denominator."""
    import scipy.signal

    from shuttle_sim.linear_filter import lfilter

    x = np.random.default_rng(seed).standard_normal(n)
    for b, a in (([1.0], [1.0, -phi]), ([1.0, 0.5], [1.0, -phi, *more_poles])):
        assert np.array_equal(lfilter(b, a, x), scipy.signal.lfilter(b, a, x), equal_nan=True)


def test_drawing_weather_does_not_import_scipy_signal():
    """A run with storm weather costs no ``scipy.signal`` import (0.5-0.75 s at the start
    of every run and every study worker): only SciPy's filter kernel is loaded."""
    import subprocess
    import sys

    code = ("import sys, shuttle_sim as ss\n"
            f"s = ss.load_scenario({str(CONFIGS / 'kcts_concept.yaml')!r})\n"
            "ss.simulate(s, seed=1, horizon_h=s.warmup_h + 100.0)\n"
            "from shuttle_sim.linear_filter import kernel_source\n"
            "print(kernel_source(), 'scipy.signal' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["kernel", "False"]
