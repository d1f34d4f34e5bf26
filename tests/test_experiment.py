"""Monte Carlo layer: reproducible across executors, resumable, honest CIs."""

import json
import math
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy import stats

import shuttle_sim as ss
from shuttle_sim.study import InProcessExecutor, StudyError, read_levels, run_experiment

from .conftest import CONFIGS, build, cycle_dict, port

KPIS = ["delivered_t", "voyages", "load_queue_wait_mean_h", "deferred_t"]


def noisy() -> ss.Scenario:
    """Small and quick, but random: exponential berthing, 3 ships, one load berth."""
    return build(cycle_dict(
        horizon="800 h",
        load_port=port("L", 1, berthing={"dist": "exponential", "mean": "4 h"}),
        fleet={"tankers": [{"name": "T", "count": 3, "cargo": "60000 t", "laden_speed": "12.5 kn",
                            "ballast_speed": "12.5 kn"}]},
    ))


def kpis_of(exp):
    return {r: rec["kpis"] for r, rec in exp.records.items()}


def test_serial_processes_and_dask_give_identical_results():
    s = noisy()
    serial = run_experiment(s, 12, seed=3, workers=1)
    procs = run_experiment(s, 12, seed=3, workers=2, batch=2)
    assert kpis_of(serial) == kpis_of(procs)
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as cluster:
        dask = run_experiment(s, 12, seed=3, scheduler=cluster.scheduler_address, batch=3)
    assert kpis_of(serial) == kpis_of(dask)
    assert serial.summary == procs.summary == dask.summary


class InterruptAfter(InProcessExecutor):
    def __init__(self, tasks):
        self.left = tasks

    def submit(self, fn, /, *args, **kwargs):
        if self.left == 0:
            raise KeyboardInterrupt
        self.left -= 1
        return super().submit(fn, *args, **kwargs)


def test_resume_after_interrupt_gives_identical_files(tmp_path):
    s = noisy()
    run_experiment(s, 10, seed=4, out=tmp_path / "full", batch=1)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(s, 10, seed=4, out=tmp_path / "cut", batch=1, executor=InterruptAfter(4))
    manifest = json.loads((tmp_path / "cut" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["replications_finished"] == 4
    assert not (tmp_path / "cut" / "summary.json").exists()  # nothing looks complete
    exp = run_experiment(s, 10, seed=4, out=tmp_path / "cut", batch=1, executor=InterruptAfter(6))
    assert exp.summary["replications"] == 10  # only the 6 missing ones ran
    for f in ("replications.csv", "summary.json"):
        assert (tmp_path / "cut" / f).read_bytes() == (tmp_path / "full" / f).read_bytes()
    a, b = read_levels(tmp_path / "full"), read_levels(tmp_path / "cut")
    assert sorted(a) == sorted(b) == list(range(10))
    assert all(np.array_equal(a[r], b[r]) for r in a)
    assert a[0].shape == (2, 800 // 24 + 1)


def test_resume_after_a_killed_process(tmp_path):
    cmd = [sys.executable, "-m", "shuttle_sim.cli", "run", str(CONFIGS / "aktau_current.yaml"), "-n", "40",
           "--seed", "2", "--years", "0.3", "--workers", "1", "--quiet", "--out", str(tmp_path / "k")]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    csv_path = tmp_path / "k" / "replications.csv"
    deadline = time.time() + 60
    while time.time() < deadline and (not csv_path.exists() or csv_path.read_text().count("\n") < 4):
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    kept = csv_path.read_text().count("\n") - 1
    assert 3 <= kept < 40
    assert subprocess.run(cmd, capture_output=True).returncode == 0
    ref = [c if c != str(tmp_path / "k") else str(tmp_path / "ref") for c in cmd]
    assert subprocess.run(ref, capture_output=True).returncode == 0
    for f in ("replications.csv", "summary.json"):
        assert (tmp_path / "k" / f).read_bytes() == (tmp_path / "ref" / f).read_bytes()


def test_a_different_study_in_the_same_directory_is_refused(tmp_path):
    """Refused, saying what differs: the seed, the horizon, the scenario's name, or the
    key paths of the scenario whose values differ (from the directory's resolved copy)."""
    s = noisy()
    run_experiment(s, 2, seed=1, out=tmp_path)
    before = (tmp_path / "replications.csv").read_bytes()
    cases = [
        (dict(scenario=s, seed=2), r"\(seed 1, this one 2\)"),
        (dict(scenario=s, seed=1, horizon_h=s.horizon_h / 2), rf"\(horizon {s.horizon_h!r} h, this one {s.horizon_h / 2!r} h\)"),
        (dict(scenario=s.with_changes({"name": "other"}), seed=1), r"\(scenario 'cycle', this one 'other'\)"),
        (dict(scenario=s.with_changes({"load_port.berths": 2, "fleet.tankers[0].count": 2}), seed=1),
         r"\(scenario 'cycle' with load_port\.berths: 1, this one 2; fleet\.tankers\[0\]\.count: 3, this one 2\)"),
    ]
    for kw, words in cases:
        with pytest.raises(StudyError, match=words):
            run_experiment(kw.pop("scenario"), 2, out=tmp_path, **kw)
    assert (tmp_path / "replications.csv").read_bytes() == before


def t_halfwidth(x) -> float:
    """scipy's 95% t-interval half-width: the independent reference for every CI here."""
    x = np.asarray(x, float)
    lo, hi = stats.t.interval(0.95, x.size - 1, loc=x.mean(), scale=stats.sem(x))
    return (hi - lo) / 2


def test_sequential_stopping_meets_its_precision_whatever_the_workers():
    """The stopping rule replayed independently on the study's own replications (each
    replication's result does not depend on the study): start at 10; while scipy's
    half-width exceeds 1% of the mean, grow to the size the variance asks for, at least
    10 more.  The study must stop exactly where the replay does."""
    s = noisy()
    a = run_experiment(s, 10, seed=8, precision=0.01, kpi="delivered_t", max_replications=400)
    b = run_experiment(s, 10, seed=8, workers=2, precision=0.01, kpi="delivered_t", max_replications=400)
    n = a.summary["replications"]
    x = np.array([a.records[r]["kpis"]["delivered_t"] for r in range(n)])
    target = 10
    while t_halfwidth(x[:target]) > 0.01 * abs(x[:target].mean()):
        need = math.ceil(target * (t_halfwidth(x[:target]) / (0.01 * abs(x[:target].mean()))) ** 2)
        target = min(max(need, target + 10), 400)
        assert target <= n, "the study stopped before reaching its precision"
    assert n == target > 10  # the pilot alone was not enough: the rule was exercised
    assert t_halfwidth(x) <= 0.01 * x.mean()
    assert a.summary["kpis"]["delivered_t"]["ci95_halfwidth"] == pytest.approx(t_halfwidth(x), rel=1e-12)
    assert a.summary["precision"]["reached"]
    assert a.summary == b.summary


def test_failed_replication_is_recorded_and_the_study_goes_on(monkeypatch):
    import shuttle_sim.study.tasks as ex

    real = ex.simulate

    def flaky(scenario, seed, replication, horizon_h, **kw):
        if replication == 2:
            raise RuntimeError("boom")
        return real(scenario, seed=seed, replication=replication, horizon_h=horizon_h, **kw)

    monkeypatch.setattr(ex, "simulate", flaky)
    exp = run_experiment(noisy(), 5, seed=1)
    assert exp.summary["failed"] == 1 and exp.summary["replications"] == 5
    assert "RuntimeError: boom" in exp.records[2]["error"] and exp.records[2]["seed"] == 1
    assert exp.summary["kpis"]["voyages"]["mean"] == np.mean([exp.records[r]["kpis"]["voyages"] for r in (0, 1, 3, 4)])


def test_notebook_api_dataframe_and_storage():
    """Storage sizing on the hand-computed BTC stop of test_weather (offtake stopped
    0-240 h, supply = offtake = fleet = 500 t/h, 300 h): with the load farm unbounded its
    stock peaks when the ship is back to load at 276 h: 32,000 t after the third load at
    84 h plus 192 h x 500 t/h = 128,000 t (the bounded farm deferred 28,000 t).  With the
    discharge farm unbounded, nothing waits for ullage: discharges of 20,000 t at 20, 60,
    ..., 220 h take it from 50,000 t to 170,000 t; offtake resumes at 240 h; the
    discharge at 260-264 h (+4,500 t/h net, from 160,000 t) peaks at 178,000 t."""
    from .test_weather import btc_stop

    exp = ss.run_experiment(build(btc_stop()), replications=3, seed=5, workers=1, storage=True)
    df = exp.replications
    assert list(df.index) == [0, 1, 2] and "delivered_t" in df.columns
    assert list(df["deferred_t"]) == pytest.approx([28_000] * 3, rel=1e-9)
    st = exp.summary["storage"]
    assert st["load_tank"]["capacity_for_zero_deferral_in_90pct_of_years_t"] == pytest.approx(128_000, rel=1e-9)
    assert st["discharge_tank"]["capacity_for_zero_deferral_in_90pct_of_years_t"] == pytest.approx(178_000, rel=1e-9)
    assert (df["load_tank_peak_deferred_t"] == 0).all() and (df["discharge_tank_peak_deferred_t"] == 0).all()


def test_storage_quantile_is_the_90pct_empirical_quantile_of_the_needs():
    """Random years, some of which defer even with a farm unbounded (a breakdown-prone
    tanker): the capacity for zero deferral in 90% of years is the smallest capacity at
    least as large as the need of 90% of the years (need = the unbounded peak, or
    infinite where deferral persists), computed here from the replications."""
    d = cycle_dict(horizon="1500 h", supply={"rate": "850 t/h"},
                   offtake={"rate": "1000 t/h", "outages": {"mtbf": {"dist": "exponential", "mean": "400 h"},
                                                            "mttr": {"dist": "exponential", "mean": "60 h"}}},
                   load_port=port("L", 1, capacity="120000 t", level="30000 t"),
                   discharge_port=port("D", 1, capacity="120000 t", level="60000 t"))
    d["fleet"]["tankers"][0]["breakdowns"] = {"mtbf": {"dist": "exponential", "mean": "300 h"},
                                               "mttr": {"dist": "exponential", "mean": "40 h"}}
    exp = ss.run_experiment(build(d), replications=20, seed=2, storage=True)
    df = exp.replications
    assert (df["deferred_t"] > 0).sum() >= 5  # the bounded farms do defer
    for role in ("load", "discharge"):
        need = np.where(df[f"{role}_tank_peak_deferred_t"] <= 1e-6, df[f"{role}_tank_peak_needed_t"], np.inf)
        k = -(-9 * len(need) // 10)  # ceil(0.9 n) years must be covered
        want = np.sort(need)[k - 1]
        st = exp.summary["storage"][f"{role}_tank"]
        got = st["capacity_for_zero_deferral_in_90pct_of_years_t"]
        assert got == (want if np.isfinite(want) else None), (role, got, want)
        assert st["years_with_deferral_even_unbounded"] == int(np.sum(np.isinf(need)))
        assert st["peak_stock_t"]["mean"] == pytest.approx(df[f"{role}_tank_peak_needed_t"].mean(), rel=1e-12)
    assert exp.summary["storage"]["load_tank"]["capacity_for_zero_deferral_in_90pct_of_years_t"] is not None
    assert exp.summary["storage"]["discharge_tank"]["years_with_deferral_even_unbounded"] > 2


@pytest.mark.parametrize("x", [[1.0, 2.0], [3.0, 1.0, 4.0], [2.5, 2.5, 2.6, 9.0, 1.0], list(np.linspace(0, 1, 30)) + [7.0]])
def test_summarize_is_scipys_t_interval(x):
    from shuttle_sim.stats import summarize

    s = summarize(x)
    assert s["mean"] == pytest.approx(np.mean(x), rel=1e-12)
    assert s["ci95_halfwidth"] == pytest.approx(t_halfwidth(x), rel=1e-12)
    z = stats.norm.ppf(0.975) * stats.sem(x)
    assert s["ci95_halfwidth"] > 1.03 * z  # a z-interval is too narrow for these sizes
    assert summarize([4.0])["ci95_halfwidth"] is None
    assert summarize([1.0, float("nan"), 3.0])["mean"] == 2.0


@pytest.mark.slow
def test_ci_covers_the_closed_cycle_truth():
    """VALIDATION.md closed cycle, N = 2 tankers, one exponential berth, Z = 5 h:
    X = 0.32432 loads/h.  1,000 replications, cut into experiments of 10 and of 3; the
    package's summarize must cover X in 90-99% of them.  At 3 replications a z-interval
    would cover only about 81% (P(|T_2| <= 1.96)), a t-interval 95%: with 333
    experiments (binomial sd 1.2%) the band 0.91-0.99 tells them apart."""
    from shuttle_sim.stats import summarize

    from .test_closed_cycle import closed_cycle

    H = 2000.0
    s = build(closed_cycle(2, 1) | {"horizon": f"{H} h"})
    exp = run_experiment(s, 1000, seed=99, workers=2)
    x = np.array([exp.records[r]["kpis"]["voyages"] / H for r in range(1000)])
    assert exp.summary["kpis"]["voyages"]["ci95_halfwidth"] == pytest.approx(H * t_halfwidth(x), rel=1e-9)
    for size, lo in ((10, 0.90), (3, 0.91)):
        groups = x[: len(x) // size * size].reshape(-1, size)
        covered = np.mean([abs(g["mean"] - 0.32432) <= g["ci95_halfwidth"] for g in map(summarize, groups)])
        assert lo <= covered <= 0.99, (size, covered)


@pytest.mark.parametrize("factor", [1.0, 3.0])
def test_storage_unbounded_farm_holds_everything_supplied(factor):
    """A ship loading at 1 t/h takes almost nothing: with the load farm unbounded its
    peak is the initial 2,000 t plus 1,000 t/h x 500 h less the 498 t loaded after the
    2 h berthing, and nothing is deferred (the unbounded farm must be large enough for
    every tonne the supply could bring)."""
    d = cycle_dict(horizon="500 h", supply={"rate": "1000 t/h"}, start_date="2025-01-01",
                   load_port=port("L", 1, capacity="10000 t", level="2000 t", transfer_rate="1 t/h"))
    d["fleet"]["tankers"][0]["cargo"] = "10000 t"
    d["offtake"] = {"rate": "10 t/h"}  # far below the supply: the load farm's bound is the supply's, not this
    if factor != 1:  # scripted extra supply for the whole horizon (21 days)
        d["disruptions"] = [{"target": "supply", "start": "2025-01-01", "end": "2025-01-22", "factor": factor}]
    exp = ss.run_experiment(build(d), replications=1, seed=1, storage=True)
    k = exp.records[0]["kpis"]
    peak = 2000 + factor * 1000 * 500 - 498
    assert k["load_tank_peak_needed_t"] == pytest.approx(peak, rel=1e-12)
    assert k["load_tank_peak_deferred_t"] == 0
    assert exp.summary["storage"]["load_tank"]["capacity_for_zero_deferral_in_90pct_of_years_t"] == pytest.approx(
        peak, rel=1e-12)


def test_replications_must_be_at_least_one():
    assert run_experiment(noisy(), 1, seed=1).summary["replications"] == 1
    with pytest.raises(StudyError, match="replications must be >= 1"):
        run_experiment(noisy(), 0, seed=1)
    for bad in (0.0, -0.01, math.nan, math.inf):  # a finite number > 0 (a NaN compares False)
        with pytest.raises(StudyError, match=rf"precision must be a finite number > 0, found {bad}$"):
            run_experiment(noisy(), 10, seed=1, precision=bad)


def test_resume_drops_a_torn_last_line(tmp_path):
    """A process killed in the middle of writing a row leaves a line without its end:
    the resumed study drops it and reruns that replication (the file, not only the
    final rewrite, must lose it: a second interruption keeps what was appended after),
    ending identical to an uninterrupted study.  (InterruptAfter(4): four tasks are in
    flight at a time, so four finish and are written before the fifth is refused.)"""
    s = noisy()
    run_experiment(s, 10, seed=4, out=tmp_path / "full", batch=1)
    with pytest.raises(KeyboardInterrupt):
        run_experiment(s, 10, seed=4, out=tmp_path / "cut", batch=1, executor=InterruptAfter(4))
    csv_path = tmp_path / "cut" / "replications.csv"
    with open(csv_path, "a") as f:
        f.write("4,4,,123.0,4")  # torn: no newline, too few fields
    with pytest.raises(KeyboardInterrupt):
        run_experiment(s, 10, seed=4, out=tmp_path / "cut", batch=1, executor=InterruptAfter(4))
    assert csv_path.read_text().count("\n") == 1 + 8  # header and eight whole rows, nothing torn
    run_experiment(s, 10, seed=4, out=tmp_path / "cut", batch=1)
    for f in ("replications.csv", "summary.json"):
        assert (tmp_path / "cut" / f).read_bytes() == (tmp_path / "full" / f).read_bytes()


def test_simulate_frees_its_worlds_before_it_returns():
    """A finished world is a web of reference cycles.  ``simulate`` collects it before it
    returns (with the collector on, as a study's worker has it): left to the automatic
    collections, worlds were promoted to the oldest generation and piled up between the
    full collections a study had to force, at ~4 ms a replication.  With the collector off
    the caller's choice stands: the worlds wait for the caller's collection."""
    import gc

    from shuttle_sim.engine import Engine

    def worlds() -> int:  # each world runs on its own engine, which its components hold
        return sum(isinstance(o, Engine) for o in gc.get_objects())

    s = build(cycle_dict(warmup="100 h", horizon="800 h"))  # a warm-up: two worlds a replication
    gc.collect()
    assert gc.isenabled()
    thresholds = gc.get_threshold()
    gc.set_threshold(0)  # the collector on, but no automatic collection: only simulate's own
    try:
        ss.simulate(s, seed=1)
        assert worlds() == 0
    finally:
        gc.set_threshold(*thresholds)
    gc.disable()
    try:
        ss.simulate(s, seed=1)
        assert worlds() == 2  # the warm-up's world and the measured one
    finally:
        gc.enable()
    gc.collect()
    assert worlds() == 0


def test_a_study_skips_the_closure_spells_and_nothing_else():
    """``simulate(closures=False)`` (what a study's worker runs) leaves out only the list of
    weather-closure spells: KPIs, voyages and traces are the same to the bit."""
    s = ss.load_scenario(CONFIGS / "kcts_concept.yaml")
    full = ss.simulate(s, seed=3, horizon_h=s.warmup_h + 2000.0)
    lean = ss.simulate(s, seed=3, horizon_h=s.warmup_h + 2000.0, closures=False)
    assert full.weather_closures and not lean.weather_closures
    assert lean.kpis == full.kpis and lean.voyages == full.voyages and lean.tankers == full.tankers
    assert all(np.array_equal(lean.traces[k][i], full.traces[k][i]) for k in full.traces for i in (0, 1))


def test_a_rerun_keeps_when_the_study_started_and_records_when_it_resumed(tmp_path):
    """A rerun that finishes a study (or finds it whole) must not claim the replications
    all ran since it began: ``started`` stays, ``resumed`` says when the rerun began."""
    run_experiment(noisy(), 2, seed=1, out=tmp_path)
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["started"] <= m["finished"] and "resumed" not in m
    m["started"] = "2000-01-01T00:00:00+00:00"  # the first run's start, told apart from the rerun's
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    run_experiment(noisy(), 3, seed=1, out=tmp_path)
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["started"] == "2000-01-01T00:00:00+00:00" and m["status"] == "complete"
    assert "2000" < m["resumed"] <= m["finished"]
