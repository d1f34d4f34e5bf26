"""Sweep reports from REAL sweep directories (``shuttle-sim sweep --out DIR --report`` on the
deterministic toy study of tests/test_sweep.py, whose cheapest feasible cell is known by
hand: 2 ships, 1 berth), not from a hand-made imitation of their files."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from shuttle_sim.cli import main
from shuttle_sim.report import build_report, data as rdata, sweep_tables as tables
from shuttle_sim.report.figures import sweep as fsweep

from .test_report import ROOT, _check_page
from .test_study_files import STUDY
from .test_sweep import toy


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """The toy study swept by the CLI with --report: (study dir, sweep dir)."""
    d = tmp_path_factory.mktemp("toy")
    out = d / "out"
    rc = main(["sweep", str(toy(d)), "--out", str(out), "--workers", "1", "--quiet", "--report"])
    assert rc == 0
    return d, out


def test_sweep_report_written_by_the_cli_answers_first(swept):
    _, out = swept
    text = _check_page(out / "report" / "index.html")
    doc = json.loads((out / "answer.json").read_text())
    best = doc["answers"][0]["best"]
    head = text[: text.index("Marginal value")]
    # the hand-calculated answer: 2 ships, 1 berth; its costs and target estimate as answer.json gives them
    assert "Recommended: <b>2 T ships, 1 load-port berth</b>" in head
    assert f"{best['total_annual_cost_usd'] / 1e6:,.1f} million USD/yr" in head
    assert f"{best['cost_per_tonne_usd']:,.2f} USD per tonne" in head
    assert "Mean delivered, all routes at least 12 Mt/yr: mean 16.92 Mt/yr" in head and "<b>met</b>" in head
    assert "2 cheaper cells fail: 2 with confidence" in head
    # 1 berth is the fewest swept, but no design has fewer; 2 ships lie inside 1..3: no edge to speak of
    assert doc["answers"][0]["range_ends"] == [] and "It lies at an end" not in head
    for title in ("Each KPI against each factor", "Meeting the target over two factors", "Cost against throughput",
                  "Cost breakdown"):
        assert title in text, title
    assert "Assumptions" in text and "toy" in text


def test_marginal_values_are_neighbouring_cell_differences(swept):
    _, out = swept
    d = rdata.load(out)
    assert d.recommended is not None and set(d.factors) == {"fleet.tankers[T].count", "load_port.berths"}
    cells = pd.read_csv(out / "cells.csv").set_index(["fleet.tankers[T].count", "load_port.berths"])
    mv = tables.marginal_values(d).set_index("change")
    for change, hi in (("+1 ship", (3, 1)), ("+1 berth", (2, 2))):
        for k in tables.MARGINAL_KPIS:
            assert mv.loc[change, k] == pytest.approx(cells.loc[hi, f"{k}.mean"] - cells.loc[(2, 1), f"{k}.mean"])
    # a second berth adds nothing to 2 ships on this cycle (no queueing at 1 berth: test_sweep's hand count)
    assert mv.loc["+1 berth", "delivered_mt_per_year"] == pytest.approx(0.0)
    assert mv.loc["+1 berth", "total_annual_cost_usd"] > 0


def test_infeasible_sweep_names_the_nearest_cell_and_binding_target(tmp_path):
    study = toy(tmp_path, STUDY.replace("mean_at_least: 12", "mean_at_least: 40"))
    out = tmp_path / "out"
    assert main(["sweep", str(study), "--out", str(out), "--workers", "1", "--quiet", "--json", "--report"]) == 0
    text = _check_page(out / "report" / "index.html")
    a = json.loads((out / "answer.json").read_text())["answers"][0]
    assert not a["feasible"]
    assert "No configuration swept meets every target" in text and "binding target is" in text
    assert tables.cell_label(rdata.load(out), rdata.load(out).cells.set_index("cell").loc[a["nearest"]["name"]]) in text


def test_sweep_report_needs_out_and_does_not_load_the_engine(swept, tmp_path, capsys):
    d, out = swept
    assert main(["sweep", str(d / "study.yaml"), "--quiet", "--report"]) == 2
    err = capsys.readouterr().err
    assert "--report needs --out" in err and len(err.strip().splitlines()) == 1
    code = ("import sys; from shuttle_sim.report import build_report; "
            f"build_report({str(out)!r}, out={str(tmp_path / 'rep')!r}); "
            "bad = [m for m in sys.modules if m in ('simpy', 'shuttle_sim.model', 'shuttle_sim.engine') "
            "or m.startswith('shuttle_sim.components.') and m != 'shuttle_sim.components.draft']; "
            "assert not bad, bad")
    # (components.draft is ship physics the scenario's validation uses: the report loads the
    # scenario file to check that it still gives the scenario that ran, report/source.py)
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    assert (tmp_path / "rep" / "index.html").exists()


def test_not_a_sweep_written_by_shuttle_sim_is_one_line_error(swept, tmp_path):
    _, out = swept
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "manifest.json").write_text((out / "manifest.json").read_text())
    (bad / "cells.csv").write_text("cell,delivered_mt_per_year_mean\nc1,1.0\n")  # the old assumed shape
    with pytest.raises(rdata.ReportError, match="expected columns cell, status, verdict"):
        build_report(bad, out=tmp_path / "rep")
    assert not (tmp_path / "rep").exists()


def test_quantity_levels_and_conditions_read_as_written(tmp_path):
    """Levels with units (``300 kt``) are numbers to plot and order and read as written; a
    block of disruptions reads by its note; Figure 1 draws one line per condition.  (The
    shipped storage_buffer report had a blank Figure 1, its tankage levels being text, and
    printed its disruptions as Python dicts.)"""
    from matplotlib.lines import Line2D

    from shuttle_sim.report.style import COST_COLOURS
    from shuttle_sim.study.costs import COST_ITEMS

    from .conftest import cycle_dict, port

    text = STUDY.replace("  load_port.berths: [1, 2]\n", (
        "  load_port.berths: [1, 2]\n"
        "  load_port.tank_farm.capacity: [300 kt, 1.5 Mt]\n"
        "  disruptions:\n"
        "    - [{target: offtake, start: 2025-02-01, end: 2025-02-05, factor: 0, note: short stop}]\n"
        "    - [{target: offtake, start: 2025-02-01, end: 2025-02-20, factor: 0}]\n"
        "conditions: [disruptions]\n"))
    load = port("L", capacity="2 Mt", level="100 kt")
    load["tank_farm"]["working_level"] = "100 kt"
    scenario = cycle_dict(start_date="2025-01-01", load_port=load)
    out = tmp_path / "out"
    assert main(["sweep", str(toy(tmp_path, text, scenario)), "--out", str(out), "--workers", "1", "--quiet",
                 "--report"]) == 0
    d = rdata.load(out)
    f = "load_port.tank_farm.capacity"
    assert sorted(set(d.cells[f])) == [3e5, 1.5e6]
    assert (d.level(f, 3e5), d.level(f, 1.5e6)) == ("300 kt", "1.5 Mt")
    page = _check_page(out / "report" / "index.html")
    assert "disruption short stop" in page
    assert "disruption target offtake, start 2025-02-01, end 2025-02-20, factor 0" in page
    assert "{'target'" not in page and "&quot;target&quot;" not in page and '{"target"' not in page
    fig = fsweep.kpis_vs_factors(d)
    drawn = [a for a in fig.axes if a.has_data()]
    assert len(drawn) == len(tables.SWEEP_KPIS) * 3  # ships, berths and tankage: every numeric design factor
    tank_axes = [a for a in drawn if a.get_xlabel() == "load-port tankage"]
    assert [t.get_text() for t in tank_axes[0].get_xticklabels()] == ["300 kt", "1.5 Mt"]
    assert all(len([ln for ln in a.get_lines() if isinstance(ln, Line2D) and ln.get_marker() == "o"]) == 2
               for a in drawn)  # one line per condition
    assert set(COST_COLOURS) == set(COST_ITEMS) and len(set(COST_COLOURS.values())) == len(COST_ITEMS)


def test_conditions_read_by_colour_and_valuations_by_line_style(tmp_path):
    """Figure 1: a colour per simulated condition (a disruption), a line style per cost-model
    condition (a valuation), and a simulated KPI's line drawn once for both valuations (it is
    the same: the cells share their replications); the cost row keeps both.  Figure 2: each
    condition's own Pareto front, never a line from one condition's cell to another's.
    The storage_buffer report had six overlapping lines for three and one front across
    three disruptions."""
    from .conftest import cycle_dict

    text = STUDY.replace("  load_port.berths: [1, 2]\n", (
        "  load_port.berths: [1, 2]\n"
        "  disruptions:\n"
        "    - [{target: offtake, start: 2025-02-01, end: 2025-02-05, factor: 0, note: short stop}]\n"
        "    - [{target: tanker, index: 0, start: 2025-02-01, end: 2025-06-01, factor: 0, note: ship laid up}]\n"
        "  costs.deferred_production.valuation: [deferred, lost]\n"
        "conditions: [disruptions, costs.deferred_production.valuation]\n"))
    out = tmp_path / "out"
    assert main(["sweep", str(toy(tmp_path, text, cycle_dict(start_date="2025-01-01"))), "--out", str(out),
                 "--workers", "1", "--quiet", "--grid"]) == 0
    d = rdata.load(out)
    assert len(d.answers) == 4 and d.conditions == ["disruptions", "costs.deferred_production.valuation"]
    fig = fsweep.kpis_vs_factors(d)
    rows = [a for a in fig.axes if a.has_data()]
    lines = {a: [ln for ln in a.get_lines() if ln.get_marker() == "o"] for a in rows}
    names = [n for n in tables.SWEEP_KPIS if f"{n}.mean" in d.cells]
    cost_axes = [a for a in rows if names[a.get_subplotspec().rowspan.start] == "total_annual_cost_usd"]
    assert cost_axes and all(len(lines[a]) == 4 for a in cost_axes)  # every condition
    assert all({ln.get_linestyle() for ln in lines[a]} == {"-", "--"} for a in cost_axes)
    for a in rows:
        colours = {ln.get_color() for ln in lines[a]}
        assert len(colours) == 2  # one per disruption, in every row
        if a not in cost_axes:
            # the anchors of both valuations hold the other factor at the same level here (the
            # toy defers nothing, so both valuations cost the same): one line per disruption
            assert len(lines[a]) == 2, a.get_ylabel()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["disruption short stop", "disruption ship laid up", "deferred production valued as deferred",
                      "deferred production valued as lost",
                      "target: mean delivered, all routes at least 12 Mt/yr"]

    fig2 = fsweep.cost_vs_throughput(d)
    ax = fig2.axes[0]
    c = d.cells
    conds: dict = {}  # (x, y) -> the conditions with a cell there (valuations coincide: nothing is deferred)
    for x, y, (_, r) in zip(c["delivered_mt_per_year.mean"], c["total_annual_cost_usd.mean"] / 1e6, c.iterrows()):
        conds.setdefault((round(x, 9), round(y, 9)), set()).add((r["disruptions"], r["costs.deferred_production.valuation"]))
    assert len({frozenset(v) for v in conds.values()}) >= 2  # the disruptions move the cells: a front could mix them
    fronts = [ln for ln in ax.get_lines() if ln.get_marker() in ("None", "", None) and len(set(ln.get_xdata())) > 1]
    assert fronts
    for ln in fronts:
        shared = set.intersection(*[conds[(round(x, 9), round(y, 9))] for x, y in zip(ln.get_xdata(), ln.get_ydata())])
        assert shared, "a Pareto front joins cells of different conditions"


def test_an_answer_leaves_out_a_bound_at_the_kpis_own_limit():
    """A mean deferral's lower bound clipped to 0 t says nothing ("above 0"), and a KPI the
    same in every year has no interval to speak of (the storage_buffer answer read "above
    -2,198" and "above 0 and below 0")."""
    from shuttle_sim.report.answer import _assessment

    t = {"kpi": "deferred_t", "kind": "mean_at_most", "threshold": 1e6, "fraction": None, "verdict": "met"}
    assert "(below 21,583 with 90% confidence), <b>met</b>" in _assessment({**t, "estimate": 9693.0, "low": 0.0,
                                                                            "high": 21583.0}, 0.9)
    both = _assessment({**t, "estimate": 930444.0, "low": 897993.0, "high": 962896.0}, 0.9)
    assert "(above 897,993 and below 962,896, each with 90% confidence)" in both
    assert "mean 0 t (the same in every simulated year)" in _assessment({**t, "estimate": 0.0, "low": 0.0, "high": 0.0},
                                                                         0.9)
    f = {"kpi": "tanker_weather_frac", "kind": "mean_at_least", "threshold": 0.5, "fraction": None, "verdict": "met",
         "estimate": 0.97, "low": 0.93, "high": 1.0}
    assert "(above 93.00 with 90% confidence)" in _assessment(f, 0.9)  # a fraction's mean is at most 100%


@pytest.mark.parametrize("fails, words", [
    (["with confidence"], "1 cheaper cell fails: 1 with confidence."),
    (["possibly", "possibly"], "2 cheaper cells fail: 2 only possibly (more replications would settle it)."),
    (["with confidence", "possibly"],
     "2 cheaper cells fail: 1 with confidence; 1 only possibly (more replications would settle it)."),
])
def test_the_answer_counts_the_cheaper_cells_that_fail_by_how_sure_it_is(fails, words):
    """The sentence after a recommendation: how many cheaper cells fail, with confidence or
    only possibly (one of each: both parts, joined)."""
    from types import SimpleNamespace

    from shuttle_sim.report.answer import sweep_one

    d = SimpleNamespace(design_factors=[], conditions=[], answer={"confidence": 0.9}, manifest={})
    a = {"feasible": True, "best": {"overrides": {}, "replications": 10, "assessments": []},
         "cheaper": [{"fails": f} for f in fails]}
    assert sweep_one(d, a).endswith(" " + words)


def test_figure_1_bands_stop_at_the_kpis_limits(swept):
    """A deferral's band is its mean's 95% CI cut at 0 t: a cell of mean 10 kt with a
    half-width of 40 kt draws its band from 0 to 50 kt, never down to -30 kt (read as if
    production could be negative).  A cost (which may be negative) keeps its band whole."""
    from matplotlib.collections import PolyCollection

    _, out = swept
    d = rdata.load(out)
    n = "deferred_t"
    d.cells[f"{n}.mean"], d.cells[f"{n}.ci95"] = 10_000.0, 40_000.0
    fig = fsweep.kpis_vs_factors(d)
    names = [k for k in tables.SWEEP_KPIS if f"{k}.mean" in d.cells]
    row = [a for a in fig.axes if a.has_data() and names[a.get_subplotspec().rowspan.start] == n]
    assert row
    for a in row:
        ys = [p.vertices[:, 1] for c in a.collections if isinstance(c, PolyCollection) for p in c.get_paths()]
        assert ys and min(y.min() for y in ys) == 0.0 and max(y.max() for y in ys) == pytest.approx(50.0)  # kt


def test_a_sweep_file_damaged_after_writing_is_one_line_never_a_traceback(swept, tmp_path, capsys):
    """The sweep's own files and one cell run's manifest, each replaced by garbage, made a
    JSON object or cut in half (the corruptions that reach furthest; the run and study
    test has them all): the report is drawn or refused in one line."""
    from .test_report import report_of_damaged

    _, out = swept
    run = sorted((out / "runs").iterdir())[0]
    files = [out / n for n in ("manifest.json", "cells.csv", "replications.csv", "answer.json")]
    files.append(run / "manifest.json")
    for f in files:
        for name in ("garbage", "object", "cut short"):
            report_of_damaged(out, f, name, tmp_path / f"{f.parent.name}-{f.name}-{name.replace(' ', '_')}", capsys)


def test_a_target_judged_on_a_quantile_is_drawn_and_tabled_against_that_quantile(swept):
    """A '12 Mt/yr in 9 years of 10' target is met or missed on the 10% quantile: Figure 1
    draws that quantile beside the mean, the cells table gives it a column, and the cost
    figure draws no target line on its axis of means (a cell right of it could still miss)."""
    _, out = swept
    d = rdata.load(out)
    kpi = "delivered_mt_per_year"
    rule = {"kind": "at_least", "threshold": 12.0, "fraction": 0.9}
    d.target_of = lambda n: dict(rule) if n == kpi else None
    quantile = d.cells[f"{kpi}.mean"] - 1.25  # a stand-in quantile, apart from every mean
    d.cells[f"target.{kpi}.estimate"] = quantile
    fig = fsweep.kpis_vs_factors(d)
    row = [a for a in fig.axes if a.has_data() and a.get_ylabel().startswith("Delivered")]
    assert row
    for a in row:
        hollow = [ln for ln in a.get_lines() if ln.get_linestyle() == ":" and ln.get_markerfacecolor() == "white"]
        assert len(hollow) == 1
        assert set(hollow[0].get_ydata()) <= set(quantile)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "delivered, all routes: 10% quantile (what the target judges)" in labels
    assert "target: delivered, all routes at least 12 Mt/yr in 90% of years" in labels
    ax = fsweep.cost_vs_throughput(d).axes[0]
    assert not [ln for ln in ax.get_lines() if set(ln.get_xdata()) == {12.0}]
    table, fmt = tables.cell_table(d)
    col = "delivered, all routes, 10% quantile (Mt/yr)"
    assert col in table and col in fmt
    assert sorted(table[col]) == pytest.approx(sorted(quantile))


def test_the_recommendation_names_the_ships_no_factor_sweeps():
    """aktau_expansion sweeps Astana-class ships only: its answer must not read as if 8 of
    them were the whole fleet while every cell also sails the base scenario's Taraz-class."""
    from types import SimpleNamespace

    from shuttle_sim.report.answer import _unswept_fleet

    fleet = {"tankers": [{"name": "Astana-class", "count": 8}, {"name": "Taraz-class", "count": 1},
                         {"name": "Laid-up", "count": 0}, {"name": "Pair", "count": 2}]}
    d = SimpleNamespace(factors=["fleet.tankers[Astana-class].count", "load_port.berths"],
                        scenario=SimpleNamespace(resolved={"fleet": fleet}))
    assert _unswept_fleet(d) == ", alongside the base scenario's 1 Taraz-class ship, 2 Pair ships"
    d.factors = ["load_port.berths"]  # no fleet factor: nothing to tell apart
    assert _unswept_fleet(d) == ""


def test_the_assumptions_table_shows_the_swept_levels_and_the_study_overrides(tmp_path):
    """A sweep's Assumptions table is the base scenario as the study changes it: a key the
    study overrides shows the study's value (marked with the study file), a factor's row its
    base value, the levels swept and the one recommended; the page's subtitle is the
    study's own description."""
    from shuttle_sim.report.source import parse_rows, with_study, ScenarioSource

    base_text = "name: b\nsupply:\n  rate: 1.4 Mt/yr  # [9]\nfleet:\n  tankers:\n    - name: A\n      count: 1  # ASSUMPTION\n"
    (tmp_path / "b.yaml").write_text(base_text)
    study = tmp_path / "s.yaml"
    study.write_text("name: s\ndescription: the study's words\nscenario:\n  file: b.yaml\n  overrides:\n"
                     "    supply.rate: 6.5 Mt/yr   # the target\nfactors:\n  fleet.tankers[A].count: [5, 8]  # ASSUMPTION: x\n"
                     "  port.depth: [9 m, 10 m]\n")
    src = ScenarioSource(tmp_path / "b.yaml", "b.yaml", "", parse_rows(base_text)[1])
    out = with_study(src, study, {"fleet.tankers[A].count": "5, 8", "port.depth": "9 m, 10 m"},
                     {"fleet.tankers[A].count": "8"})
    by = {r.path: r for r in out.rows}
    assert by["supply.rate"].value == "6.5 Mt/yr" and by["supply.rate"].file == "s.yaml"
    assert by["supply.rate"].comment == "the target"
    assert by["fleet.tankers[0].count"].value == "1"
    assert by["fleet.tankers[0].count"].swept == "swept: 5, 8; recommended 8"
    assert by["fleet.tankers[0].count"].note == "s.yaml, on the levels: ASSUMPTION: x"
    assert by["port.depth"].value == "(not in the base scenario)" and by["port.depth"].swept == "swept: 9 m, 10 m"
    assert out.main_file == "b.yaml"


def test_the_sweep_report_subtitle_is_the_studys_description_and_its_table_marks_the_factors(tmp_path):
    text = STUDY.replace("name: toy\n", "name: toy\ndescription: >\n  Two ships or three,\n  by hand.\n")
    out = tmp_path / "out"
    assert main(["sweep", str(toy(tmp_path, text)), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    d = rdata.load(out)
    assert d.study_description == "Two ships or three, by hand."
    page = build_report(out, tmp_path / "rep").read_text()
    assert "(adaptive search). Two ships or three, by hand." in page or "search). Two ships or three, by hand." in page
    rows = {r.path: r for r in d.source.rows}
    assert rows["load_port.berths"].swept == "swept: 1, 2; recommended 1"
    assert rows["fleet.tankers[0].count"].swept == "swept: 1, 2, 3; recommended 2"


def test_a_panel_starts_at_zero_only_where_its_values_span_more_than_half_its_top():
    """The aktau_expansion report's deferral-against-berths panel ran from 20 to 115 kt, so
    43 kt looked a tenth of 83; a non-negative KPI whose values span more than half the
    axis now starts at zero, while a narrow band far from zero (cost 230-255 MUSD/yr) and a
    signed KPI keep their zoom."""
    import matplotlib.pyplot as plt

    def panel(values, lowest):
        fig, a = plt.subplots()
        a.plot([3, 4, 5], values)
        fsweep._from_zero_if_near(a, lowest)
        lim = a.get_ylim()
        plt.close(fig)
        return lim

    assert panel([83.0, 43.0, 72.0], 0.0)[0] == 0.0
    lo, hi = panel([230.0, 247.0, 255.0], 0.0)
    assert 225 < lo < 230 and 255 < hi < 260
    assert panel([83.0, 43.0, 72.0], -float("inf"))[0] > 0.0  # a cost or a stock change: any real
    assert panel([-5.0, 3.0, 8.0], 0.0)[0] < 0.0  # an axis already through zero is left alone


def test_an_answer_at_the_lowest_level_swept_says_a_design_below_was_not_simulated(tmp_path, capsys):
    """The toy with its ships swept from 2: the answer (2 ships, 1 berth) is the lowest
    ship count swept, and 1 ship, a valid design never simulated, could have been cheaper
    (it is not: it delivers 8.46 Mt/yr, but only the full toy shows that)."""
    study = toy(tmp_path, STUDY.replace("fleet.tankers[T].count: [1, 2, 3]", "fleet.tankers[T].count: [2, 3]"))
    out = tmp_path / "out"
    assert main(["sweep", str(study), "--out", str(out), "--workers", "1", "--quiet", "--report"]) == 0
    printed = capsys.readouterr().out
    assert "at an end of the levels swept: fleet.tankers[T].count=2 (lowest)" in printed
    head = (out / "report" / "index.html").read_text()
    head = head[: head.index("Marginal value")]
    assert ("It lies at an end of the range swept: 2 T ships is the lowest level swept. Designs beyond were not "
            "simulated: one with T ships below 2 could be cheaper, if it met the targets.") in head


def test_an_answer_at_the_highest_level_swept_has_no_step_up_to_value(tmp_path, capsys):
    """Ships swept 1..2: the answer's 2 ships are the most swept; the marginal table says
    there is no step up rather than leaving blanks that read as missing numbers."""
    study = toy(tmp_path, STUDY.replace("fleet.tankers[T].count: [1, 2, 3]", "fleet.tankers[T].count: [1, 2]"))
    out = tmp_path / "out"
    assert main(["sweep", str(study), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    assert "fleet.tankers[T].count=2 (highest)" in capsys.readouterr().out
    mv = tables.marginal_values(rdata.load(out)).set_index("change")
    assert mv.loc["+1 ship", "to"] == "none: 2 is the highest swept"
    assert mv.loc["+1 ship", list(tables.MARGINAL_KPIS)].isna().all()
