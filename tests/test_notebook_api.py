"""The notebook and terminal conveniences: shipped scenarios by name, short reprs,
DataFrames with calendar times, python -m shuttle_sim, and a --help that loads no engine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import shuttle_sim
from shuttle_sim import scenarios
from shuttle_sim.cli import main
from shuttle_sim.config.schema import resolved_dict

ROOT = Path(__file__).resolve().parents[1]


def test_shipped_scenarios_are_the_configs_directory():
    names = set(scenarios.shipped())
    on_disk = {p.stem for p in (ROOT / "configs").glob("*.yaml")} - {"costs"}
    assert names == on_disk and "kcts_concept" in names


def test_a_name_loads_the_shipped_file():
    by_name = shuttle_sim.load_scenario("kcts_concept")
    by_path = shuttle_sim.load_scenario(ROOT / "configs" / "kcts_concept.yaml")
    assert resolved_dict(by_name) == resolved_dict(by_path)
    assert resolved_dict(shuttle_sim.load_scenario("btc_stop_2025.yaml")) == resolved_dict(
        shuttle_sim.load_scenario(ROOT / "configs" / "btc_stop_2025.yaml"))  # extends: resolved beside it


def test_unknown_name_lists_the_shipped_ones(capsys):
    assert main(["run", "no_such_scenario"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("no_such_scenario: no such file")
    assert all(name in err[0] for name in scenarios.shipped())


def test_scenarios_command_lists_names_and_descriptions(capsys):
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    for name, text, _ in scenarios.describe_all():
        assert name in out and text.split()[0] in out


def test_shipped_studies_by_name(capsys):
    """A study is reachable by name as a scenario is (a wheel carries experiments/ as
    shuttle_sim/experiments/, whose ../configs/ is its copy of the scenarios and costs)."""
    studies = scenarios.shipped_studies()
    assert set(studies) == {p.stem for p in (ROOT / "experiments").glob("*.yaml")} and "aktau_expansion" in studies
    assert scenarios.resolve_study("aktau_expansion") == scenarios.resolve_study("aktau_expansion.yaml") == \
        ROOT / "experiments" / "aktau_expansion.yaml"
    assert main(["validate", "aktau_expansion"]) == 0
    assert capsys.readouterr().out.startswith("aktau_expansion: ok (study aktau_expansion: ")
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in studies) and "sweep one by name: shuttle-sim sweep" in out
    assert main(["sweep", "aktau_expansio"]) == 2  # misspelt: one line, with the name meant
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "nor a shipped study" in err and "did you mean 'aktau_expansion'?" in err
    assert main(["run", "aktau_expansion"]) == 2  # a study given to run: says how to sweep it
    assert "aktau_expansion is a shipped study: sweep it with `shuttle-sim sweep aktau_expansion`" in \
        capsys.readouterr().err


def test_a_shipped_study_finds_its_scenario_and_costs_in_a_wheel_layout(tmp_path):
    """The layout build_py writes: package/configs/*.yaml|md beside package/experiments/*.yaml."""
    import shutil

    from shuttle_sim.config.study import load_study

    pkg = tmp_path / "shuttle_sim"
    shutil.copytree(ROOT / "configs", pkg / "configs")
    (pkg / "experiments").mkdir()
    for f in (ROOT / "experiments").glob("*.yaml"):
        shutil.copy(f, pkg / "experiments" / f.name)
    for f in sorted((pkg / "experiments").glob("*.yaml")):
        st = load_study(f)
        assert st.base.name and st.costs is not None, f.name


def test_python_dash_m_and_a_help_without_the_engine():
    code = ("import sys, runpy\nsys.argv = ['shuttle_sim', '--help']\n"
            "try:\n    runpy.run_module('shuttle_sim', run_name='__main__')\nexcept SystemExit as e:\n"
            "    assert e.code == 0\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('simpy', 'numpy', 'scipy', 'pandas', 'pydantic'))\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT), "PATH": ""}).stdout
    assert "usage: shuttle-sim" in out and "HEAVY []" in out


def test_result_repr_is_short_and_frames_carry_calendar_times():
    s = shuttle_sim.load_scenario("aktau_current")
    r = shuttle_sim.simulate(s, seed=3, horizon_h=2000.0)
    assert len(repr(r)) < 500 and repr(r).startswith("Result('aktau_current'")
    assert len(repr(s)) < 500 and repr(s).startswith("Scenario('aktau_current'")
    v = r.voyages_frame()
    assert len(v) == len(r.voyages) > 0
    assert list(v["cargo_t"]) == [x.cargo_t for x in r.voyages]
    start = pd.Timestamp(s.start_date)
    h = r.voyages[0].load_arrive_h
    assert abs((v["load_arrive_at"].iloc[0] - start).total_seconds() - h * 3600) < 1e-3
    assert "load_queue_at" not in v.columns  # durations get no calendar column
    t = r.tankers_frame()
    assert list(t.index) == [x["tanker"] for x in r.tankers]
    lv = r.trace_frame("load_tank")
    assert list(lv["level_t"]) == list(r.traces["load_tank"][1])
    with pytest.raises(KeyError):
        r.trace_frame("no_such_trace")


def test_study_summary_frame_is_the_summary():
    s = shuttle_sim.load_scenario("aktau_current")
    e = shuttle_sim.run_experiment(s, 3, seed=2, horizon_h=2000.0)
    f = e.summary_frame()
    for name, st in e.summary["kpis"].items():
        for col in ("mean", "p10", "p50", "p90"):
            assert f.loc[name, col] == st[col]
    assert f.loc["delivered_mt_per_year", "unit"] == "Mt/yr" and len(repr(e)) < 500
    # the unit of the value in the frame: a share is a fraction there (the tables show %)
    assert f.loc["tanker_weather_frac", "unit"] == "fraction" and 0 <= f.loc["tanker_weather_frac", "mean"] <= 1


def test_study_repr_shows_the_delivered_mean_as_the_tables_do():
    """Its unit, the table's digits, and a CI cut at 0 where ± would reach below it."""
    from shuttle_sim.experiment import Experiment

    st = {"mean": 1.2334, "ci95_halfwidth": 6.6456, "p10": 0.81466, "p50": 1.2334, "p90": 1.65214}
    text = repr(Experiment("s", 0, summary={"kpis": {"delivered_mt_per_year": st}}))
    assert "delivered: mean 1.233 Mt/yr (0.000 to 7.879, 95% CI), P10 0.815, P50 1.233, P90 1.652" in text
    st["ci95_halfwidth"] = 0.01
    assert "(± 0.010, 95% CI)" in repr(Experiment("s", 0, summary={"kpis": {"delivered_mt_per_year": st}}))


def test_simulate_and_run_experiment_take_a_scenario_a_file_or_a_shipped_name():
    s = shuttle_sim.load_scenario("kcts_concept")
    a = shuttle_sim.simulate(s, seed=3, horizon_h=800.0).kpis
    assert shuttle_sim.simulate("kcts_concept", seed=3, horizon_h=800.0).kpis == a
    assert shuttle_sim.simulate(scenarios.shipped()["kcts_concept"], seed=3, horizon_h=800.0).kpis == a
    e = shuttle_sim.run_experiment("kcts_concept", 2, seed=3, horizon_h=800.0)
    assert e.records[0]["kpis"] == a
    with pytest.raises(TypeError, match="expected a Scenario, a scenario file or a shipped scenario's name, found int"):
        shuttle_sim.simulate(3)
    with pytest.raises(shuttle_sim.ConfigError, match="nor a shipped scenario"):
        shuttle_sim.run_experiment("no_such_scenario", 2)
    from shuttle_sim.study.records import StudyError

    with pytest.raises(StudyError, match="workers must be >= 1, found 0"):
        shuttle_sim.run_experiment(s, 2, workers=0)


def test_a_missing_scenario_suggests_the_shipped_one_meant(tmp_path):
    with pytest.raises(shuttle_sim.ConfigError, match=r"nor a shipped scenario of that name \(did you mean 'kcts_concept'\?"):
        shuttle_sim.load_scenario("kcts_concpt")
    with pytest.raises(shuttle_sim.ConfigError) as e:
        shuttle_sim.load_scenario("nothing_like_any")
    assert "did you mean" not in str(e.value)
    # extends: a misspelt name, and a path to a shipped file from a folder where it is not
    (tmp_path / "a.yaml").write_text("extends: kcts_concpt\nname: a\n")
    with pytest.raises(shuttle_sim.ConfigError, match=r"a.yaml:1: extends: kcts_concpt: .*did you mean 'kcts_concept'\?"):
        shuttle_sim.load_scenario(tmp_path / "a.yaml")
    (tmp_path / "b.yaml").write_text("extends: ../configs/kcts_concept.yaml\nname: b\n")
    with pytest.raises(shuttle_sim.ConfigError, match="kcts_concept is a shipped scenario: write its name alone"):
        shuttle_sim.load_scenario(tmp_path / "b.yaml")
    (tmp_path / "c.yaml").write_text("extends: kcts_concept\nname: c\n")
    assert shuttle_sim.load_scenario(tmp_path / "c.yaml").name == "c"  # as the hint says
