"""Sweeps end to end: the hand-calculated answer, the sweep directory's files, CRN,
adaptive against the grid, any worker count, resume after kill -9, bad study files."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from shuttle_sim.cli import main
from shuttle_sim.config.study import load_study
from shuttle_sim.study import studydir
from shuttle_sim.study.sweep import run_sweep

from .conftest import ROOT, cycle_dict, port
from .test_study_files import BAD, COSTS_INLINE, STUDY, line_of

BEST = {"fleet.tankers[T].count": 2, "load_port.berths": 1}  # test_study_files: 2 ships, 1 berth, by hand
FILES = ["cells.csv", "replications.csv", "answer.json"]


def toy(tmp_path: Path, text: str = STUDY, scenario: dict | None = None) -> Path:
    (tmp_path / "cycle.yaml").write_text(yaml.safe_dump(scenario or cycle_dict()))
    p = tmp_path / "study.yaml"
    p.write_text(text)
    return p


def files(out: Path) -> dict:
    """Every file of a sweep directory but the manifests (which record how it ran)."""
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and p.name != "manifest.json"}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The deterministic toy study swept in this process: its directory and result."""
    d = tmp_path_factory.mktemp("toy")
    out = d / "out"
    return toy(d), out, run_sweep(toy(d), out, workers=1)


def test_deterministic_sweep_finds_the_hand_calculated_cell_and_writes_its_files(reference):
    path, out, sw = reference
    a = sw.answers[0]
    assert a["feasible"] and a["best"]["overrides"] == BEST
    # 2 ships x 141 voyages x 60 kt: 16.92 Mt/yr in every replication; 1 ship 8.46 Mt/yr
    assert [t["estimate"] for t in a["best"]["assessments"]] == [pytest.approx(16.92)]
    assert {c["name"]: c["fails"] for c in a["cheaper"]} == {
        c: "with confidence" for c in sw.cells.loc[sw.cells["fleet.tankers[T].count"] == 1, "cell"]}
    # paired differences: deterministic cells differ by exactly one ship's 8.46 Mt/yr in every replication
    for c in a["cheaper"]:
        d = c["paired"]["delivered_mt_per_year"]
        assert d["n"] == 3 and d["mean"] == pytest.approx(-8.46) and d["sign"] == "-"
    assert sw.answer.loc[0, "cell"] == a["best"]["name"] and bool(sw.answer.loc[0, "feasible"])
    m = json.loads((out / "manifest.json").read_text())
    assert m["kind"] == "sweep" and m["status"] == "complete" and len(m["cells"]) == 6
    cells = pd.read_csv(out / "cells.csv")
    assert list(cells.columns[:4]) == ["cell", "run", "fleet.tankers[T].count", "load_port.berths"]
    assert len(cells) == 6 and set(cells["status"]) == {"evaluated"} and (cells["replications"] == 3).all()
    for col in ("delivered_mt_per_year.mean", "delivered_mt_per_year.ci95", "delivered_mt_per_year.p10",
                "total_annual_cost_usd.mean", "cost_per_tonne_usd.p90", "target.delivered_mt_per_year.verdict"):
        assert col in cells.columns, col
    reps = pd.read_csv(out / "replications.csv", keep_default_na=False)
    assert list(reps.columns[:7]) == ["cell", "run", "fleet.tankers[T].count", "load_port.berths", "replication",
                                      "seed", "error"]
    assert len(reps) == 18 and "total_annual_cost_usd" in reps.columns
    assert reps.groupby("cell")["replication"].apply(list).tolist() == [[0, 1, 2]] * 6
    # nothing failed: no cell counts a failure, no replication carries an error
    assert (cells["failed"] == 0).all() and (reps["error"] == "").all()
    for cell in cells["cell"]:  # each run is a study directory of its own
        assert (out / "runs" / cell / "summary.json").exists()
    assert json.loads((out / "answer.json").read_text())["answers"][0]["best"]["name"] == a["best"]["name"]
    assert list(sw.cells.columns) == list(cells.columns) and len(sw.replications) == 18


def test_the_cli_prints_the_answer_first_and_json_is_answer_json(reference, tmp_path, capsys):
    path, out_ref, _ = reference
    out = tmp_path / "cli"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert text.startswith("ANSWER: fleet.tankers[T].count=2, load_port.berths=1 ")
    assert "    fails with confidence" in text and "paired differences from the answer" in text
    for f in FILES:
        assert (out / f).read_bytes() == (out_ref / f).read_bytes(), f
    assert main(["sweep", str(path), "--out", str(out), "--json"]) == 0  # a complete directory: nothing to run
    assert json.loads(capsys.readouterr().out) == json.loads((out_ref / "answer.json").read_text())


def test_two_workers_give_identical_files(reference, tmp_path):
    path, out_ref, _ = reference
    out = tmp_path / "w2"
    run_sweep(path, out, workers=2, batch=1)
    assert files(out) == files(out_ref)


def test_validate_and_schema_accept_study_files(reference, capsys):
    path, _, _ = reference
    assert main(["validate", str(path), str(ROOT / "configs" / "kcts_concept.yaml")]) == 0
    out = capsys.readouterr().out
    assert f"{path}: ok (study toy: 6 cells" in out and "kcts_concept.yaml: ok" in out
    assert main(["schema", "--study"]) == 0
    assert "factors" in json.loads(capsys.readouterr().out)["properties"]


@pytest.mark.parametrize("case", list(BAD), ids=list(BAD))
def test_every_bad_study_file_through_sweep_is_one_line_exit_2_nothing_written(tmp_path, capsys, case):
    (old, new), needle, key, words = BAD[case]
    text = STUDY.replace(old, new, 1)
    p = toy(tmp_path, text)
    out = tmp_path / "out"
    assert main(["sweep", str(p), "--out", str(out), "--workers", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"{p}:{line_of(text, needle)}: {key}: ") and words in err, err
    assert not out.exists()


@pytest.mark.parametrize("args, words", [
    (["--adaptive"], "--adaptive needs search.monotone"),
    (["--out", "FILE"], "expected a directory, found a file"),
    (["--out", "RUN"], "holds a study of one scenario; a sweep needs another --out directory"),
    (["--scheduler", "tcp://127.0.0.1:1"], "Dask"),
])
def test_bad_options_are_one_line_exit_2_nothing_written(tmp_path, capsys, args, words):
    p = toy(tmp_path)
    (tmp_path / "FILE").write_text("x")
    assert main(["run", str(tmp_path / "cycle.yaml"), "-n", "2", "--workers", "1", "--quiet",
                 "--out", str(tmp_path / "RUN")]) == 0
    before = sorted(str(q) for q in tmp_path.rglob("*"))
    capsys.readouterr()
    args = [str(tmp_path / a) if a in ("FILE", "RUN") else a for a in args]
    assert main(["sweep", str(p), "--workers", "1", "--quiet", *args]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and words in err, err
    assert sorted(str(q) for q in tmp_path.rglob("*")) == before


# ----------------------------------------------------------------- common random numbers
def test_weather_series_identical_across_the_cells_of_a_shipped_study():
    from shuttle_sim.model import World

    s = load_study(ROOT / "experiments" / "kcts_fleet_sizing.yaml")
    worlds = [World(s.scenario_for(c), s.spec.seed, 3, 24 * 60.0) for c in s.cells[::3]]
    ref = worlds[0].weather
    assert ref.wind_m_per_s
    for w in worlds[1:]:
        for site in ref.sites:
            assert np.array_equal(w.weather.wind_m_per_s[site], ref.wind_m_per_s[site])
            assert np.array_equal(w.weather.hs_m[site], ref.hs_m[site])


NOISY = cycle_dict(load_port=port("L", 1, berthing={"dist": "exponential", "mean": "4 h"}))
STOCHASTIC = (STUDY.replace("[1, 2, 3]", "[1, 2, 3, 4]").replace("replications: 3", "replications: 12")
              .replace("{mean_at_least: 12}", "{mean_at_least: 24}")
              + "search:\n  method: adaptive\n  monotone: fleet.tankers[T].count\n")


def test_a_cells_replications_are_the_same_alone_or_inside_a_sweep(tmp_path):
    from shuttle_sim import run_experiment

    s = load_study(toy(tmp_path, STOCHASTIC, NOISY))
    sw = run_sweep(s, adaptive=False)
    for cell in s.cells[2:4]:
        alone = run_experiment(s.scenario_for(cell), 12, s.spec.seed).replications
        mine = sw.replications[sw.replications["cell"] == cell.name].set_index("replication")
        assert alone.columns[3:].tolist() == [c for c in mine.columns if c in alone.columns[3:]]
        for k in alone.columns[3:]:
            assert mine[k].tolist() == alone[k].tolist(), k


def test_adaptive_and_full_grid_agree_on_a_small_stochastic_study(tmp_path):
    s = load_study(toy(tmp_path, STOCHASTIC, NOISY))
    grid = run_sweep(s, workers=1, adaptive=False)
    ada = run_sweep(s, tmp_path / "ada", workers=2)
    g, a = grid.answers[0], ada.answers[0]
    assert g["feasible"] and a["feasible"] and a["best"]["name"] == g["best"]["name"]
    assert ada.info["replications"] < grid.info["replications"] == 8 * 12
    # the random draws are shared: a cell's replications are the same rows in both
    best = g["best"]["name"]
    pick = lambda sw: sw.replications[sw.replications["cell"] == best].drop(columns="error").reset_index(drop=True)
    n = len(pick(ada))
    pd.testing.assert_frame_equal(pick(ada), pick(grid).iloc[:n])
    skipped = ada.cells[ada.cells["status"] == "skipped"]
    assert (skipped["inferred"] != "").all() and len(skipped) + ada.info["cells_evaluated"] == 8
    # paired differences shrink the variance under CRN
    ratios = [c["paired"]["delivered_mt_per_year"]["variance_ratio"] for c in g["cheaper"]
              if c["paired"]["delivered_mt_per_year"]["variance_ratio"] is not None]
    assert ratios and max(ratios) > 1


CONDITIONS = """name: order
scenario: cycle.yaml
factors:
  fleet.tankers[T].count: [1, 2, 3]
  route.distance: [600 nmi, 50 nmi]
conditions: [route.distance]
replications: 3
years: 1
seed: 1
targets:
  delivered_mt_per_year: {mean_at_least: 12}
objective: {minimise: total_annual_cost_usd}
search:
  method: adaptive
  monotone: fleet.tankers[T].count
""" + COSTS_INLINE


def test_answers_follow_the_study_files_order_of_conditions_whatever_the_search(tmp_path):
    """By hand (conftest's cycle): a ship moves 60,000 t every 35 h over 50 nmi (15.0 Mt/yr)
    and every 126 h over 600 nmi (4.2 Mt/yr), so 12 Mt/yr needs 1 and 3 ships.  The
    bisection starts at 2 ships: over 600 nmi it goes up (cells 2 and 3 ships), over
    50 nmi down (1 and 2), so it reaches a 50 nmi cell first in the grid's order; the
    answers still come as the study file lists the distances, as the grid's do."""
    s = load_study(toy(tmp_path, CONDITIONS))
    for adaptive in (False, True):
        sw = run_sweep(s, workers=1, adaptive=adaptive)
        got = [(a["condition"]["route.distance"], a["best"]["overrides"]["fleet.tankers[T].count"]) for a in sw.answers]
        assert got == [("600 nmi", 3), ("50 nmi", 1)], adaptive
        assert sw.answer["route.distance"].tolist() == ["600 nmi", "50 nmi"]


# ----------------------------------------------------------------- resume after a kill
def _rows(out: Path) -> int:
    return sum(max(0, len(p.read_bytes().splitlines()) - 1) for p in out.glob("runs/*/replications.csv"))


def killed_at(k: int, path: Path, out: Path, **kw) -> int:
    """Sweep in a forked child that writes half of its k-th write and dies as by kill -9."""
    real, calls = studydir._write_all, [0]

    def write(f, data):
        calls[0] += 1
        if calls[0] == k:
            real(f, data[: len(data) // 2])
            os._exit(9)  # as kill -9: no cleanup of any kind
        real(f, data)

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            studydir._write_all = write
            run_sweep(path, out, **kw)
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.parametrize("k", [1, 7, 20])
def test_killed_at_a_write_then_resumed_gives_identical_files(reference, tmp_path, k):
    path, out_ref, _ = reference
    out = tmp_path / "out"
    assert killed_at(k, path, out, workers=1) == 9
    assert not (out / "answer.json").exists()
    run_sweep(path, out, workers=1)
    assert files(out) == files(out_ref)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_an_adaptive_sweep_killed_twice_resumes_to_identical_files(tmp_path):
    p = toy(tmp_path, STOCHASTIC.replace("replications: 12", "replications: 10"), NOISY)
    run_sweep(p, tmp_path / "ref", workers=1)
    out = tmp_path / "out"
    assert killed_at(9, p, out, workers=1) == 9
    assert killed_at(14, p, out, workers=1) == 9
    run_sweep(p, out, workers=2)
    assert files(out) == files(tmp_path / "ref")


def test_kill_9_mid_sweep_then_rerun_gives_identical_files(reference, tmp_path):
    path, out_ref, _ = reference
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "shuttle_sim.cli", "sweep", str(path), "--out", str(out), "--workers", "2", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while _rows(out) < 4 and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    assert p.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    assert not (out / "answer.json").exists() and 4 <= _rows(out) < 18
    assert subprocess.run(cmd, env=env, capture_output=True).returncode == 0
    assert files(out) == files(out_ref)


def test_a_precision_rule_stages_each_cell_and_a_dask_cluster_gives_the_same_files(reference, tmp_path):
    path, out_ref, _ = reference
    text = STUDY.replace("replications: 3", "replications: {precision: 0.01, kpi: delivered_mt_per_year, min: 10, max: 20}")
    sw = run_sweep(toy(tmp_path, text), workers=1)
    assert (sw.cells["replications"] == 10).all()  # no variance: the first stage settles every cell
    assert sw.answers[0]["best"]["overrides"] == BEST
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as cluster:
        run_sweep(path, tmp_path / "dask", scheduler=cluster.scheduler_address, batch=2)
    assert files(tmp_path / "dask") == files(out_ref)


def test_when_no_cell_is_feasible_the_cli_names_the_nearest_cell_and_binding_target(tmp_path, capsys):
    """30 Mt/yr is below the supply but above what 3 ships can move (3 x 8.46 = 25.38 Mt/yr)."""
    p = toy(tmp_path, STUDY.replace("{mean_at_least: 12}", "{mean_at_least: 30}"))
    assert main(["sweep", str(p), "--workers", "1", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "NO CELL meets every target."
    assert lines[1].startswith("  nearest: fleet.tankers[T].count=3, load_port.berths=1 ")
    assert lines[2].startswith("  binding: delivered_mt_per_year 25.380 Mt/yr against 30.000 Mt/yr (missed); limited by ")


def test_a_cells_statistics_by_hand():
    """cells.csv's ``mean, ci95, p10, p50, p90`` of a column, by hand: 1, 2, 3, 4 (a NaN,
    a failed replication, left out) have mean 2.5, sd sqrt(5/3) = 1.2910, 95% half-width
    t(0.975, 3) 1.2910 / 2 = 3.1824 x 0.6455 = 2.0543, and percentiles by linear
    interpolation 1.3, 2.5, 3.7; one value has no interval; none, nothing.  (The shipped
    toy delivers the same every year, so its half-widths were all 0 whatever the formula.)"""
    import math

    from scipy import stats

    from shuttle_sim.study.sweepfiles import _stats

    t = pd.DataFrame({"a": [1.0, 2.0, float("nan"), 3.0, 4.0], "b": [5.0] + [float("nan")] * 4,
                      "c": [float("nan")] * 5})
    a, b, c = _stats(t, ["a", "b", "c"])[0:5], _stats(t, ["a", "b", "c"])[5:10], _stats(t, ["a", "b", "c"])[10:15]
    hw = stats.t.ppf(0.975, 3) * math.sqrt(5 / 3) / 2
    assert hw == pytest.approx(2.0543, abs=1e-4)
    assert a == pytest.approx([2.5, hw, 1.3, 2.5, 3.7], rel=1e-12)
    assert b == [5.0, None, 5.0, 5.0, 5.0] and c == [None] * 5


def test_a_rerun_keeps_when_the_sweep_started_and_the_report_says_when_it_resumed(tmp_path):
    from shuttle_sim.report import load
    from shuttle_sim.report.build import _facts

    path, out = toy(tmp_path), tmp_path / "out"
    run_sweep(path, out, workers=1)
    m = json.loads((out / "manifest.json").read_text())
    assert m["started"] <= m["finished"] and "resumed" not in m
    m["started"] = "2000-01-01T00:00:00+00:00"
    (out / "manifest.json").write_text(json.dumps(m))
    run_sweep(path, out, workers=1)  # nothing left to run: the files are derived again
    m = json.loads((out / "manifest.json").read_text())
    assert m["started"] == "2000-01-01T00:00:00+00:00" and "2000" < m["resumed"] <= m["finished"]
    cells = sorted((out / "runs").glob("*/manifest.json"))  # each cell's study directory says when it ran, too
    assert cells
    for cell in cells:
        c = json.loads(cell.read_text())
        assert c["status"] == "complete" and c["started"] <= c["finished"]
    facts = dict(_facts(load(out)))  # the report's Assumptions rows
    assert facts["Started"] == m["started"] and facts["Resumed"] == m["resumed"] and facts["Finished"] == m["finished"]
