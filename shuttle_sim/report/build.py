"""Build a report: read a result directory, draw its figures, write index.html and PNGs.

The report of a run, a study or a sweep is the same page in the same order: the question
and its answer in one sentence, the KPI table, the figures with numbered captions, then
the assumptions (every scenario value with its source, seed, replications, version,
scenario hash, date).  Nothing is simulated again.
"""

from __future__ import annotations

import io
import math
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd


from . import html as H
from .answer import kpi_rows, run_answer, study_answer, sweep_answer
from .data import ReportError, load
from .source import as_written, shown_path
from . import sweep_tables
from .figures import common, ferry, run, study, sweep
from .style import DPI


@dataclass(frozen=True)
class FigureSpec:
    """One figure of a report: a file name, a title, the drawing and what to read from it."""

    name: str
    title: str
    draw: Callable
    caption: Callable  # data -> str


def _closure_words(d) -> str:
    """What the berth Gantt's weather shading shows, or why there is none."""
    if d.closures is None:
        return ("This run's files hold no weather closures (it was written before they were recorded), so none "
                "are shaded.")
    names = d.scenario.port_names

    def hours(op: str) -> str:
        each = [(names.get(r, r), sum(b - a for a, b in run.closure_spans(d, r, op))) for r in d.scenario.berths]
        return ", ".join(f"{n} {h:,.0f} h" for n, h in each)

    if not any(run.closure_spans(d, r, op) for r in d.scenario.berths for op in run.CLOSURE_LOOK):
        return "Weather closed no port to berthing or cargo transfer in the window (nothing is shaded)."
    return ("Weather closures are shaded across each port's berths: tinted while the port was closed to berthing, "
            f"so an arriving ship waits at anchor ({hours('berthing')} in the window); hatched while cargo transfer "
            f"was stopped and pumping paused alongside ({hours('transfer')}).")


def _station_empty_words(d) -> str:
    """A note when the station tank sat empty most of the run (its line then hides on the axis)."""
    from ..stats import level_stats

    g = d.levels[d.levels["tank"] == "station_tank"]
    cap = d.scenario.capacity_t.get("station")
    if len(g) < 2 or not cap:
        return ""
    empty = level_stats(g["t_h"], g["level_t"], cap)["empty_frac"]
    if empty < 0.5:
        return ""
    return (f" The tank was empty {100 * empty:.1f}% of the run (the line lies on the axis): rail loading takes the "
            "oil as fast as it comes, so the station's storage does not limit the route.")


def _run_figures(d) -> list[FigureSpec]:
    s = d.scenario
    w = f"{d.window[0]:%d %b} to {d.window[1]:%d %b %Y}"
    recorded = d.voyages is not None and "load_berth" in d.voyages.columns
    out = []
    if s.has_tankers and d.voyages is not None:
        out += [
            FigureSpec("berth-gantt", "Berths over the window", run.berth_gantt, lambda d: (
                f"Each row is one berth from {w}; a bar is a tanker alongside, coloured by what it is doing. Long "
                "light-green stretches are time alongside without pumping (waiting for cargo, ullage or weather); "
                "gaps are idle berths. Cargo-transfer bars include any wait for ullage or cargo that paused the "
                "transfer (the records give those waits' totals, not their times). " + ("Berths as the run recorded them." if recorded else
                "This run did not record which berth each call used, so calls are placed on the lowest-numbered free "
                "berth: the picture of occupancy is exact, the berth numbers are not.")
                + " " + _closure_words(d) + " Scripted stops are shaded grey.")),
            FigureSpec("tanker-gantt", "Tankers over the window", run.tanker_gantt, lambda d: (
                f"Each row is one ship from {w}. Orange is waiting at anchor for a berth: where orange grows, berths "
                "(or cargo) are the bottleneck, not ships. Breakdowns, sheltering from weather at sea and off-hire "
                "fall inside the sailing bars (the voyage records give their totals, not their times); dark green includes "
                "loading slowed or paused by an empty tank farm.")),
            FigureSpec("tank-levels", "Tank farm levels", run.tank_levels, lambda d: (
                "Level of each tank farm over the whole run, its capacity dashed. Red shading marks when the "
                "load-port farm was full: supply was curtailed then, which is the deferred production "
                f"({d.kpis.get('deferred_t', 0) / 1e3:,.0f} kt in this run). Purple marks along the foot show when the "
                f"discharge farm was empty and the pipeline offtake went short "
                f"({d.kpis.get('offtake_shortfall_t', 0) / 1e3:,.0f} kt).")),
            FigureSpec("cycle-times", "Round-trip times", run.cycle_time_histogram, lambda d: (
                "Days from one arrival at the load port to the same ship's next arrival. A long right tail is "
                "ships held by queues, weather, breakdowns or dry dock; the mean sets the fleet's delivery rate.")),
            FigureSpec("berth-occupancy", "Berth occupancy by state", common.berth_occupancy, lambda d: (
                "Share of all berth-hours at each port in each state over the run. Idle berth time is spare capacity; "
                "waiting for cargo or ullage means the tank farms, not the berths, hold ships up.")),
            FigureSpec("tanker-budget", "Tanker time budget", common.tanker_budget, lambda d: (
                "Share of the fleet's time in each state over the run: sailing laden is the productive share; "
                "queueing, weather and waiting are what more berths, storage or calmer weather would buy back.")),
        ]
    elif s.has_tankers:
        out.append(FigureSpec("tank-levels", "Tank farm levels", run.tank_levels, lambda d: "Level of each tank farm."))
    if s.has_ferry:
        out += [
            FigureSpec("ferry-crossings", "Ferry load factor", ferry.crossings, lambda d: (
                "Tank cars carried from the yard port as a share of the wagon places the ferries offered, month by "
                "month (crossings sailing empty or part-empty pull it down: too few loaded cars in the yard when a "
                "ferry had to leave).")),
            FigureSpec("yard-wagons", "Port yard wagons over time", ferry.yard_wagons, lambda d: (
                "Wagons standing in the ferry port's yard waiting for a ferry (oil tank cars and other shippers' "
                "wagons together), over the whole run" + (", the yard's capacity dashed" if ferry.yard_capacity(d.scenario)
                else "") + ". Where the line sits at capacity the yard is full: rail shipments to the port are halted "
                "and trains wait, so the ferries, not the railway, limit the route. Where it falls to zero the "
                "ferries wait for wagons instead." + ("" if d.yard is not None else
                " This run's files hold no yard count (written before it was recorded), so the panel is empty."))),
            FigureSpec("ferry-budget", "Ferry time budget", common.ferry_budget, lambda d: (
                "Share of the ferries' time in each state: waiting for wagons means rail supply, not ferries, "
                "limits the route.")),
        ]
        if not s.has_tankers:
            out.insert(0, FigureSpec("tank-levels", "Rail loading station level", run.tank_levels, lambda d: (
                "Level of the rail loading station's tank over the run, its capacity dashed; orange-red shading marks "
                "when it was full and production was deferred." + _station_empty_words(d))))
    return out


def _fan_empty_words(d) -> str:
    """A note for each farm whose median daily level is zero on most days (its line then lies
    on the axis): what an empty farm means there."""
    q = d.level_quantiles()
    s = d.scenario
    if q is None:
        return ""
    roles = ["load", "discharge"] if s.has_tankers else ["station"]
    out = ""
    for i, role in enumerate(roles):
        med = q[1, i][np.isfinite(q[1, i])]
        if not med.size:
            continue
        zero = int(np.sum(med <= 1.0))  # at most a tonne: empty
        if zero < 0.5 * med.size:
            continue
        name = s.port_names.get(role, "rail loading station")
        why = {"station": "rail loading takes the oil as fast as it comes, so the station's storage does not limit "
                          "the route",
               "load": "ships take the cargo as fast as it comes, so this farm does not limit the route",
               "discharge": "the pipeline takes each cargo faster than ships bring the next: offtake waits for ships "
                            "(see the shortfall)"}[role]
        out += f" The {name} median is zero on {zero} of {med.size} days (the line lies on the axis): {why}."
    return out


def _random_stress_words(d) -> str:
    """Why the fan chart does not show a design event placed at a random date each year."""
    stress = (d.scenario.resolved or {}).get("stress") or [] if d.scenario is not None else []
    if not stress:
        return ""
    return (" The scenario's design event (stress:) falls on a different date in each simulated year, so on any one "
            "day only the few years it falls on see it: the bands spread it thin over the calendar and do not show "
            "how deep one event draws a farm. The distributions of deferral and shortfall"
            + (" and the tankage needed" if any(study.storage_need(d, r) is not None for r in ("load", "discharge"))
               else "") + " do.")


def _study_figures(d) -> list[FigureSpec]:
    s = d.scenario
    n = len(d.ok)
    out = [FigureSpec("delivered", "Delivered per year", study.delivered_distribution, lambda d: (
        f"Left: how the {n} simulated years spread. Right: the share of years delivering at least a given "
        "amount; read across at 90% for the amount delivered in 9 years of 10 (P10). "
        + ("The orange-red line is the target." if d.target_mt_per_year is not None else "No target was set.")))]
    if any(study.storage_need(d, r) is not None for r in ("load", "discharge")):
        out.append(FigureSpec("storage-needed", "Tankage needed", study.storage_needed, lambda d: (
            "From the study's storage sizing (--storage): each year was run again with one farm unbounded, the other "
            "as in the scenario, and its peak stock is the capacity that farm needed for no deferral that year. The "
            "curve is the share of years a capacity would have held; the dot the smallest capacity that holds 9 years "
            "of 10, the dashed line the scenario's own. A year still deferring with the farm unbounded needs more than "
            "any size of it (the curve stops short of 100%).")))
    if d.levels() is not None:
        out.append(FigureSpec("tank-fans", "Tank farm levels across years", study.level_fans, lambda d: (
            "Shaded: the band holding the middle 80% of simulated years (P10 to P90) on each day; line: the median. "
            "Where the band reaches the dashed capacity the farm is full in at least 1 year of 10 on that day "
            "(production deferred); where it reaches zero the farm runs dry."
            + (" Hatched: the warm-up, drawn but left out of every measure." if d.scenario.warmup_h > 0 else "")
            + _fan_empty_words(d)
            + _random_stress_words(d) + (" The rail loading station is not drawn: a study keeps the daily levels of "
                                         "the two tanker farms only; a run's report (shuttle-sim run --report) shows "
                                         "the station's level." if s.has_tankers and s.has_ferry else ""))))
    if s.has_tankers:
        out += [
            FigureSpec("deferral", "Deferred production and offtake shortfall", study.deferral_distribution, lambda d: (
                "Spread over simulated years of the production deferred because the load-port farm was full, the "
                "pipeline offtake lost because the discharge farm was empty" + (", and rail-route production "
                "deferred because the loading station was full" if d.scenario.has_ferry else "") + ", in kilotonnes. "
                "Each panel's title says in how many years there was any; P50 and P90 are the median and the amount exceeded in 1 year of 10.")),
            FigureSpec("berth-occupancy", "Berth occupancy by state", common.berth_occupancy, lambda d: (
                "Mean share of berth-hours in each state per port over all years. Idle time is spare berth "
                "capacity; waiting for cargo or ullage points to tank farms or supply.")),
            FigureSpec("tanker-budget", "Tanker time budget", common.tanker_budget, lambda d: (
                "Mean share of the fleet's time in each state: sailing laden is the productive share.")),
            FigureSpec("weather-closure", "Weather closure by port", study.weather_closure, lambda d: (
                "Share of the period each port was closed to each operation by wind or waves (mean over years, "
                "95% CI bars, cut at 0%). The study's files hold these yearly totals per port and operation, not a calendar, so "
                "closure by month is not shown; sea passage holds are in the KPI table (ship-hours sheltering at sea).")),
        ]
    if s.has_ferry:
        out += [
            FigureSpec("ferry", "Train-ferry route", ferry.ferry_kpis, lambda d: (
                "Across simulated years: tank cars waiting in the port yard (mean and most at any time), how full "
                "the ferries sail, and the share of the tank-car fleet's time spent moving oil. A full yard with "
                "part-empty ferries would point at the ferry schedule; an empty yard at rail supply.")),
            FigureSpec("ferry-budget", "Ferry time budget", common.ferry_budget, lambda d: (
                "Mean share of the ferries' time in each state.")),
        ]
    out.append(FigureSpec("convergence", "Convergence of the mean", study.convergence, lambda d: (
        "Running mean of delivered Mt/yr as replications are added, with its 95% confidence interval. When the band "
        "is narrow against the differences that matter to the decision, more replications would not change it.")))
    return out


def _sweep_figures(d) -> list[FigureSpec]:
    tk = sweep_tables.target_kpi(d)
    out = [FigureSpec("kpis-vs-factors", "Each KPI against each factor", sweep.kpis_vs_factors, lambda d: (
        "Rows: delivered Mt/yr, deferred production and total annual cost; columns: the sweep's numeric design factors, "
        "the others held at the recommended cell (the nearest one when none meets the targets)"
        + ("; one line per condition, at its own recommended cell: its colour is the simulated condition (a "
           "disruption), its line style the cost model's (a valuation), which changes costs only, so delivered and "
           "deferred tonnes show one line for each colour" if d.conditions else "")
        + ". A level an adaptive search did not need to run has no point. Bands are 95% CIs of the mean "
        "over the cell's simulated years (cut at zero for tonnes, which cannot be negative): where neighbouring "
        "bands overlap the step makes no clear difference. "
        "Dashed orange-red lines are targets. An axis starts at zero where its values spread over more than half its height; "
        "one whose values sit in a narrow band (throughput, cost, as a rule) is zoomed to them: read its ticks, not "
        "the heights." + _quantile_words(d, " It is drawn dotted, with hollow points, beside the mean.")))]
    if tk is not None and len([f for f in d.design_factors if sweep_tables.is_numeric(d, f)]) >= 2:
        out.append(FigureSpec("target-heatmap", "Meeting the target over two factors", sweep.target_heatmap, lambda d: (
            f"Each square is a cell (other factors at the recommended cell). It shows the estimate of the statistic the target "
            f"judges (the {sweep_tables.statistic_words(d.target_of(tk))} of {sweep_tables.kpi_words(tk)}, for {sweep_tables.target_words(d.target_of(tk), tk)}) and the verdict at the study's confidence: "
            "'met' and 'missed' are shown with that confidence, 'open' needs more replications; n is the number of simulated "
            "years the cell ran (the adaptive search runs more where a verdict is close). 'Not run' cells were settled "
            "by the search from their neighbours on a line of the monotone factor: below a cell not shown to meet the "
            "targets, inferred not to meet them; above the cheapest that meets them, inferred to meet them at more cost. Purple is "
            "above the target's threshold, orange below, white at it." + _quantile_words(d))))
    if "total_annual_cost_usd.mean" in d.cells:
        out += [
            FigureSpec("cost-throughput", "Cost against throughput", sweep.cost_vs_throughput, lambda d: (
                "Each point is a cell (means over its simulated years): filled ones meet every target with the study's "
                "confidence. The line joins cells no other cell beats on both throughput and cost (the Pareto front); "
                "with conditions, each condition has its own points and front, in its colour and line style as in "
                "Figure 1 (a front joins designs one can choose between, under one condition). "
                "The star is the recommendation (one per condition)."
                + _quantile_words(d, " The axis is the mean, so the target has no line on it: a cell whose mean is above "
                                     "the threshold can still miss it (hollow)."))),
            FigureSpec("cost-breakdown", "Cost breakdown", sweep.cost_breakdown, lambda d: (
                "Annual cost by item of the cheapest cells that meet every target, recommended first (the cheapest cells "
                "when none does): which items separate them. Items that are zero in all of them are left out; a "
                "negative item (to the left of zero) is a saving.")),
        ]
    return out


def _sweep_sections(d) -> list[tuple[str, str]]:
    out = []
    if len(d.answers) > 1 or d.conditions:
        from .sweep_tables import factor_label

        rows = []
        for a in d.answers:
            c = a.get("best") if a.get("feasible") else a.get("nearest") or {}
            rows.append({**{factor_label(k): d.level(k, v) for k, v in (a.get("condition") or {}).items()},
                         "meets targets": "yes" if a.get("feasible") else "no (nearest cell)",
                         "configuration": sweep_tables.cell_label(d, d.cells[d.cells["cell"] == c.get("name")].iloc[0], design_only=True)
                         if (d.cells["cell"] == c.get("name")).any() else "",
                         "annual cost (M USD/yr)": (c.get("total_annual_cost_usd") or math.nan) / 1e6,
                         "cost per tonne (USD/t)": c.get("cost_per_tonne_usd") or math.nan})
        out.append(("Answer under each condition", "<p>Conditions are not choices: the cheapest design is sought under "
                    "each separately.</p>" + H.plain_table(pd.DataFrame(rows), {"annual cost (M USD/yr)": "{:,.1f}",
                                                                               "cost per tonne (USD/t)": "{:,.2f}"})))
    mv = sweep_tables.marginal_values(d)
    if len(mv):
        a = sweep_tables.anchor(d)
        out.append(("Marginal value of one step more", (
            f"<p>From the {'recommended' if a['cell'] in d.chosen() else 'nearest'} cell ({sweep_tables.cell_label(d, a)}), the "
            "next level swept of each factor with the others held, scaled to one ship, one berth or 100 kt of tankage: "
            "the change in mean throughput, deferred production and total annual cost. Differences of means between "
            "cells that share their random numbers (common random numbers).</p>" + H.plain_table(
                mv.rename(columns={"delivered_mt_per_year": "Δ delivered (Mt/yr)", "deferred_t": "Δ deferred (kt)",
                                   "total_annual_cost_usd": "Δ annual cost (M USD/yr)"}).assign(**{
                    "Δ deferred (kt)": mv["deferred_t"] / 1e3, "Δ annual cost (M USD/yr)": mv["total_annual_cost_usd"] / 1e6}),
                {"Δ delivered (Mt/yr)": "{:+,.3f}", "Δ deferred (kt)": "{:+,.0f}", "Δ annual cost (M USD/yr)": "{:+,.2f}"}))))
    n_all = len(d.manifest.get("cells") or [])
    out.append(("Cells", f"<p>Every evaluated cell ({len(d.cells)} of {n_all or len(d.cells)} in the design), cheapest "
                "first; means over its simulated years." + _quantile_words(d, " Its column stands beside the means.")
                + "</p>" + H.plain_table(*sweep_tables.cell_table(d))))
    return out


def _quantile_words(d, where: str = "") -> str:
    """A sentence on what a target judged on a quantile over years judges (none for a mean target)."""
    out = ""
    for k in d.targets:
        t = d.target_of(k)
        if sweep_tables.judged_on_quantile(t):
            share = 100 * (t.get("fraction") or 0.0)  # at_least: reached in that share; at_most: not exceeded
            out += (f" The target ({sweep_tables.target_words(t, k)}) is met or missed on the {sweep_tables.statistic_words(t)} of "
                    f"{sweep_tables.kpi_words(k)} over the cell's simulated years, the value "
                    f"{'reached or exceeded' if t['kind'] == 'at_least' else 'not exceeded'} in {share:.0f}% of them, "
                    "not on the mean." + where)
    return out


def _facts(d) -> list[tuple[str, str]]:
    m = d.manifest
    f = [("Result directory", str(d.path)), ("Kind", d.kind), ("Scenario", m.get("scenario", "")),
         ("Root seed", str(m.get("seed", ""))), ("Replications", str(m.get("replications", "")))]
    if d.kind == "sweep":
        f[2] = ("Scenario", f"{d.scenario.name} (the base scenario: the table below lays the study's overrides and "
                            "factors over it)" if d.scenario else "")
        f[4] = ("Replications", f"{d.answer.get('replications', '')} in all, over {len(d.cells)} cells evaluated of "
                                f"{len(m.get('cells') or [])}")
        f += [("Study", f"{m.get('study', '')} ({m.get('study_file', '')})"), ("Search", str(m.get("method", ""))),
              ("Confidence", str(m.get("confidence", ""))), ("Objective", str(m.get("objective", "")))]
        f += [("Warning", w) for w in d.answer.get("warnings") or []]
    if d.kind == "study":
        f.append(("Failed replications", str(int((d.replications["error"] != "").sum()))))
    if unfinished(m, d.kind):
        f.insert(2, ("Status", f"{m.get('status')}: unfinished, rerun the same command to finish"))
    if m.get("horizon_h"):
        w = d.scenario.warmup_h if d.scenario is not None else 0.0
        measured = m["horizon_h"] - w
        f.append(("Measured period", f"{measured / 8760.0:.3g} yr ({measured:,.0f} h) per replication"
                  + (f", after a warm-up of {w / 24:g} d ({w:,.0f} h) left out of every measure" if w else "")))
    f += [("Package version", str(m.get("package_version", ""))), ("Scenario hash (SHA-256)", m.get("scenario_sha256", "")),
          ("Executor", str(m.get("executor", ""))), ("Started", str(m.get("started", ""))),
          ("Resumed", str(m.get("resumed", ""))), ("Finished", str(m.get("finished", "")))]
    return [(k, v) for k, v in f if v not in ("", "None")]


def _render(spec: FigureSpec, d) -> bytes:
    fig = spec.draw(d)  # a Figure outside pyplot (style.new_figure): nothing to close
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def unfinished(manifest: dict, kind: str) -> str | None:
    """The warning a report of an unfinished study or sweep carries (its manifest's status
    is ``running`` or ``interrupted``), else None: its figures and answer are of the
    replications finished so far, not of the study asked for."""
    status = manifest.get("status")
    if kind == "run" or status not in ("running", "interrupted"):
        return None
    what = "study" if kind == "study" else "sweep"
    state = "was interrupted" if status == "interrupted" else "was still running (or was killed)"
    return (f"Unfinished: this {what} {state}; everything here is of the replications finished when the report "
            f"was made. Rerun the same command to finish it, then make the report again.")


def build_report(dir: str | os.PathLike, out: str | os.PathLike | None = None, window: str | None = None,
                 target_mt_per_year: float | None = None) -> Path:
    """Write the report of a run, study or sweep directory; return the path of index.html.

    Parameters
    ----------
    dir : path
        The ``--out`` of ``shuttle-sim run`` (one run or a study) or of a sweep.
    out : path, optional
        Report directory (default ``DIR/report``): ``index.html`` and one PNG (150 dpi)
        per figure.  Written to a temporary directory first and moved into place, so a
        failed build leaves nothing half-written.
    window : str, optional
        ``START:END`` dates for a run's Gantt charts (default: the first 30 days after the warm-up).
    target_mt_per_year : float, optional
        Throughput target to mark (default: the one the manifest names, if any).

    Raises
    ------
    ReportError
        When ``dir`` is not a readable result directory or an option is malformed.
    """
    d = load(dir, window=window, target=target_mt_per_year)
    out_dir = Path(out) if out is not None else Path(dir) / "report"
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"-o {out_dir}: expected a directory, found a file")
    if (out_dir / "manifest.json").exists():  # a run's, a study's or a sweep's: its files stay its own
        raise ReportError(f"-o {out_dir}: a result directory (it has a manifest.json); write the report elsewhere, "
                          f"e.g. the default {Path(dir) / 'report'}")
    specs = {"run": _run_figures, "study": _study_figures, "sweep": _sweep_figures}[d.kind](d)
    q, a = {"run": run_answer, "study": study_answer, "sweep": sweep_answer}[d.kind](d)
    pngs, blocks = {}, []
    for i, spec in enumerate(specs, 1):
        fname = f"fig{i:02d}-{spec.name}.png"
        png = _render(spec, d)
        pngs[fname] = png
        blocks.append(H.figure_block(i, spec.title, spec.caption(d), png, fname))
    sections = []
    if d.kind == "sweep":
        sections += _sweep_sections(d)
    else:
        head = kpi_rows(d, headline_only=True)
        full = kpi_rows(d, headline_only=False)
        note = ("" if d.kind == "run" else
                "<p class=cap>Mean over replications with its 95% confidence interval: ± its half-width, or, "
                "where ± would reach values the measure cannot take (below 0 t, above 100%), the interval "
                "cut at that limit, in brackets.</p>")
        sections.append(("Key figures", H.kpi_table(head, d.kind) + note
                         + f"<details><summary>All {len(full)} measures</summary>{H.kpi_table(full, d.kind)}</details>"))
    sections.append(("Figures", "\n".join(blocks)))
    sections.append(("Assumptions", H.assumptions(d.source, _facts(d))))
    if d.kind == "sweep" and d.cost_source is not None:  # what its cells were priced with
        sections.append(("Cost inputs", H.cost_inputs(d.cost_source)))
    name = (d.manifest.get("study") if d.kind == "sweep" else None) or (
        d.scenario.name if d.scenario else d.manifest.get("scenario", d.path.name))
    sub = {"run": "one simulated history", "study": f"Monte Carlo study of {len(getattr(d, 'ok', []))} replications",
           "sweep": f"sweep of {len(d.manifest.get('cells') or []) if d.kind == 'sweep' else 0} design cells"}[d.kind]
    desc = d.scenario.description if d.scenario else ""
    if d.kind == "sweep":
        sf = d.manifest.get("study_file")
        desc = (f"Study {shown_path(Path(sf)) if isinstance(sf, str) and sf else '?'}; base scenario "
                f"{d.scenario.name if d.scenario else '?'}"
                f" ({d.manifest.get('method', '')} search). " + (d.study_description or desc))
    changed = run_changes(d.manifest) if d.kind != "sweep" else ""
    if changed:  # a variant of the named scenario: say so before anything is read as the shipped one
        desc = f"{changed} {desc}"
    warning = unfinished(d.manifest, d.kind)
    if warning:  # a partial result never looks complete
        sub += " (UNFINISHED)"
        desc = f"{warning} {desc}"
    text = H.page(f"{name}: {sub}", desc, q, a, sections)
    return _write(out_dir, text, pngs)


def run_changes(manifest: dict) -> str:
    """"Changed for this run: fleet.tankers[0].count = 6 (--set)." from the manifest's
    recorded changes (shuttle_sim.config.provenance); "" when there are none."""
    changes = manifest.get("scenario_changes")
    if not isinstance(changes, list):
        return ""
    words = [f"{c['path']} = {as_written(c.get('value'))} ({Path(str(c.get('by', ''))).name or 'a change'})"
             for c in changes if isinstance(c, dict) and isinstance(c.get("path"), str)]
    return f"Changed for this run: {'; '.join(words)}." if words else ""


def _write(out_dir: Path, text: str, pngs: dict[str, bytes]) -> Path:
    parent = out_dir.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=parent))
    except OSError as e:
        raise ReportError(f"-o {out_dir}: cannot write: {e.strerror or e}") from None
    try:
        tmp.chmod(0o777 & ~_umask())  # mkdtemp makes it private; a report is for sharing
        # a path of undecodable bytes (a directory named b"o\xff") is shown escaped, never a UnicodeEncodeError
        (tmp / "index.html").write_text(text, encoding="utf-8", errors="backslashreplace")
        for f, png in pngs.items():
            (tmp / f).write_bytes(png)
        if out_dir.exists():
            for old in list(out_dir.glob("fig*.png")) + [out_dir / "index.html"]:
                old.unlink(missing_ok=True)
            for f in tmp.iterdir():
                os.replace(f, out_dir / f.name)
            tmp.rmdir()
        else:
            os.replace(tmp, out_dir)
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ReportError(f"-o {out_dir}: cannot write: {e.strerror or e}") from None
    except BaseException:  # Ctrl-C: no half-written temporary directory left behind either
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir / "index.html"


def _umask() -> int:
    m = os.umask(0)
    os.umask(m)
    return m
