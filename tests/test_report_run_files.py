"""A run's weather closures and ferry yard count: written exactly (against a hand-built
weather series), read back by the report, drawn on the berth Gantt and the yard figure."""

from __future__ import annotations

import csv
import datetime as dt
import json

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

import shuttle_sim as ss
from shuttle_sim.cli import main
from shuttle_sim.components.records import WeatherClosure
from shuttle_sim.output import write_run
from shuttle_sim.report import build_report, data as rdata
from shuttle_sim.report.figures import ferry, run as runfig

from .conftest import CONFIGS, build, cycle_dict, port
from .test_dispatch import _hindcast
from .test_report import _check_page

LIMITS = {"berthing": {"max_wind": "15 m/s"}, "transfer": {"max_wind": "20 m/s"}, "unberthing": {"max_wind": "20 m/s"}}
# at the load port's site: 17 m/s closes berthing only (hours 10-19), 22 m/s closes all three (hours 50-53)
STORMS = {"port": [(10, 20, 17.0), (50, 54, 22.0)]}
EXPECTED = [("berthing", 10.0, 20.0), ("berthing", 50.0, 54.0), ("transfer", 50.0, 54.0), ("unberthing", 50.0, 54.0)]


def _storm_scenario(tmp_path) -> ss.Scenario:
    return build(cycle_dict(start_date="2025-01-01", horizon="200 h",
                            weather={"source": "hindcast", "file": _hindcast(tmp_path / "hc.csv", STORMS)},
                            load_port=port("L", weather_site="port", limits=LIMITS)))


@pytest.fixture(scope="module")
def storm_run(tmp_path_factory):
    """The hand-built storm scenario's run directory and its Result."""
    base = tmp_path_factory.mktemp("storm")
    s = _storm_scenario(base)
    r = ss.simulate(s, seed=1)
    write_run(base / "run", s, r, dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
    return base / "run", r


def test_a_run_writes_exactly_the_hand_expected_closures(storm_run):
    out, r = storm_run
    assert r.weather_closures == [WeatherClosure("load", "L", "port", op, a, b) for op, a, b in EXPECTED]
    rows = list(csv.DictReader((out / "weather_closures.csv").open()))
    assert tuple(rows[0]) == WeatherClosure._fields
    assert [(x["port"], x["operation"], float(x["start_h"]), float(x["end_h"])) for x in rows] == \
        [("load", op, a, b) for op, a, b in EXPECTED]
    assert "weather_closures.csv" in json.loads((out / "manifest.json").read_text())["files"]
    # the same timelines the closed-fraction KPIs total (no warm-up here: both cover the run)
    for op in ("berthing", "transfer", "unberthing"):
        hours = sum(c.end_h - c.start_h for c in r.weather_closures if c.operation == op)
        assert hours == pytest.approx(r.kpis[f"load_closed_{op}_frac"] * r.horizon_h, abs=1e-9)
        assert r.kpis[f"discharge_closed_{op}_frac"] == 0.0  # the discharge port has no weather site
    # with a warm-up the KPIs measure [warm-up, horizon]; the closures, like the traces, stay the whole run's
    warm = ss.simulate(_storm_scenario(out.parent).with_changes({"warmup": "30 h"}), seed=1)
    assert warm.warmup_h == 30.0 and warm.weather_closures == r.weather_closures
    frame = r.weather_closures_frame()
    assert frame["start_at"].iloc[0] == pd.Timestamp("2025-01-01 10:00")
    assert len(repr(r)) < 500 and "closure" not in repr(r)


def test_a_run_without_weather_writes_a_header_only(tmp_path):
    s = build(cycle_dict(horizon="100 h"))
    r = ss.simulate(s)
    write_run(tmp_path / "run", s, r, dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc))
    assert r.weather_closures == []
    assert (tmp_path / "run" / "weather_closures.csv").read_text() == ",".join(WeatherClosure._fields) + "\n"
    d = rdata.load(tmp_path / "run")
    assert d.closures is not None and d.closures.empty


def _closure_bars(fig) -> dict[str, list[tuple[float, float]]]:
    """The Gantt's closure bands: gid -> [(x0, width)] in Matplotlib date numbers."""
    out = {}
    for coll in fig.axes[0].collections:
        gid = coll.get_gid() or ""
        if gid.startswith("closure-"):
            out[gid] = sorted((round(float(p.vertices[:, 0].min()), 9), round(float(np.ptp(p.vertices[:, 0])), 9))
                              for p in coll.get_paths())
    return out


def test_the_berth_gantt_shades_the_closures_within_the_window(storm_run):
    out, _ = storm_run
    d = rdata.load(out, window="2025-01-01:2025-01-03")  # hours 0-48: the first storm only
    fig = runfig.berth_gantt(d)
    base = mdates.date2num(pd.Timestamp("2025-01-01"))
    assert _closure_bars(fig) == {"closure-load-berthing": [(round(base + 10 / 24, 9), round(10 / 24, 9))]}
    labels = [t.get_text() for lg in fig.legends for t in lg.get_texts()]
    assert runfig.CLOSURE_LABEL["berthing"] in labels and runfig.CLOSURE_LABEL["transfer"] not in labels
    d = rdata.load(out, window="2025-01-02:2025-01-04")  # hours 24-72: the second storm, all operations closed
    bars = _closure_bars(runfig.berth_gantt(d))
    assert set(bars) == {"closure-load-berthing", "closure-load-transfer"}
    assert bars["closure-load-transfer"] == [(round(base + 50 / 24, 9), round(4 / 24, 9))]


def test_a_run_without_the_closures_file_still_reports(storm_run, tmp_path):
    import shutil

    src, _ = storm_run
    old = tmp_path / "old"
    shutil.copytree(src, old)
    (old / "weather_closures.csv").unlink()  # as a run written before closures were recorded
    d = rdata.load(old, window="2025-01-01:2025-01-03")
    assert d.closures is None
    assert _closure_bars(runfig.berth_gantt(d)) == {}
    text = _check_page(build_report(old, out=tmp_path / "rep", window="2025-01-01:2025-01-03"))
    assert "hold no weather closures" in text
    text = _check_page(build_report(src, out=tmp_path / "new", window="2025-01-01:2025-01-03"))
    assert "waits at anchor (L 10 h, D 0 h in the window); hatched" in text


@pytest.fixture(scope="module")
def ferry_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ferry") / "run"
    assert main(["run", str(CONFIGS / "kuryk_ferry.yaml"), "--years", "0.1", "--seed", "3", "--out", str(out),
                 "--quiet"]) == 0
    return out


def test_a_ferry_run_writes_the_yard_and_keeps_levels_to_tanks(ferry_run):
    s = ss.load_scenario(ferry_run / "scenario.resolved.yaml")
    m = json.loads((ferry_run / "manifest.json").read_text())
    r = ss.simulate(s, seed=3, horizon_h=m["horizon_h"])
    y = pd.read_csv(ferry_run / "yard_wagons.csv")
    t, n = r.traces["yard_wagons"]
    assert list(y.columns) == ["t_h", "wagons"] and y["t_h"].tolist() == t.tolist() and y["wagons"].tolist() == n.tolist()
    assert "yard_wagons.csv" in m["files"]
    assert (m["replications"], m["seed"], m["executor"]) == (1, 3, "in-process")  # one run, as the manifest says
    assert set(pd.read_csv(ferry_run / "tank_levels.csv")["tank"]) == {"station_tank"}
    ports = {c.port for c in r.weather_closures}
    assert ports <= {"ferry_port", "ferry_arrival_port"}


def test_a_ferry_run_report_draws_the_yard_over_time(ferry_run, tmp_path):
    text = _check_page(build_report(ferry_run, out=tmp_path / "rep"))
    assert "Port yard wagons over time." in text and "capacity dashed" in text
    d = rdata.load(ferry_run)
    fig = ferry.yard_wagons(d)
    ax = fig.axes[0]
    step = next(line for line in ax.get_lines() if line.get_label() == "wagons in the yard")
    assert np.array_equal(np.asarray(step.get_ydata(), float)[:-1], d.yard["wagons"].to_numpy(float))
    cap = [line for line in ax.get_lines() if line.get_label().startswith("yard capacity")]
    assert cap and cap[0].get_ydata()[0] == 700
    assert "Wagons" in ax.get_ylabel() and isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)
