"""Monte Carlo layer: reproducible across executors, resumable, honest CIs."""

import json
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import shuttle_sim as ss
from shuttle_sim.experiment import InProcessExecutor, read_levels, run_experiment

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
    run_experiment(noisy(), 2, seed=1, out=tmp_path)
    with pytest.raises(ss.experiment.StudyError, match="holds a different study"):
        run_experiment(noisy(), 2, seed=2, out=tmp_path)


def test_sequential_stopping_meets_its_precision_whatever_the_workers():
    s = noisy()
    a = run_experiment(s, 10, seed=8, precision=0.01, kpi="delivered_t", max_replications=400)
    b = run_experiment(s, 10, seed=8, workers=2, precision=0.01, kpi="delivered_t", max_replications=400)
    k = a.summary["kpis"]["delivered_t"]
    assert a.summary["precision"]["reached"]
    assert k["ci95_halfwidth"] <= 0.01 * k["mean"]
    assert a.summary["replications"] >= 10
    assert a.summary == b.summary


def test_failed_replication_is_recorded_and_the_study_goes_on(monkeypatch):
    import shuttle_sim.study.tasks as ex

    real = ex.simulate

    def flaky(scenario, seed, replication, horizon_h):
        if replication == 2:
            raise RuntimeError("boom")
        return real(scenario, seed=seed, replication=replication, horizon_h=horizon_h)

    monkeypatch.setattr(ex, "simulate", flaky)
    exp = run_experiment(noisy(), 5, seed=1)
    assert exp.summary["failed"] == 1 and exp.summary["replications"] == 5
    assert "RuntimeError: boom" in exp.records[2]["error"] and exp.records[2]["seed"] == 1
    assert exp.summary["kpis"]["voyages"]["mean"] == np.mean([exp.records[r]["kpis"]["voyages"] for r in (0, 1, 3, 4)])


def test_notebook_api_dataframe_and_storage():
    exp = ss.run_experiment(noisy(), replications=4, seed=5, workers=1, storage=True)
    df = exp.replications
    assert list(df.index) == [0, 1, 2, 3] and "delivered_t" in df.columns
    st = exp.summary["storage"]["load_tank"]
    assert st["capacity_for_zero_deferral_in_90pct_of_years_t"] == df["load_tank_peak_needed_t"].max()


def test_ci_covers_the_closed_cycle_truth():
    """VALIDATION.md closed cycle, N = 2 tankers, one exponential berth, Z = 5 h:
    X = 0.32432 loads/h.  100 independent experiments of 10 replications each; the
    95% t-interval of voyages per hour should cover X in 90-99% of them."""
    from .test_closed_cycle import closed_cycle

    H = 2000.0
    s = build(closed_cycle(2, 1) | {"horizon": f"{H} h"})
    exp = run_experiment(s, 1000, seed=99, workers=2)
    x = np.array([exp.records[r]["kpis"]["voyages"] / H for r in range(1000)]).reshape(100, 10)
    from scipy import stats
    m = x.mean(axis=1)
    hw = stats.t.ppf(0.975, 9) * x.std(axis=1, ddof=1) / np.sqrt(10)
    covered = np.mean(np.abs(m - 0.32432) <= hw)
    assert 0.90 <= covered <= 0.99, covered
