"""Reading a sweep directory for its report: :class:`SweepData` and :func:`load_sweep`
(what :func:`shuttle_sim.report.data.load` returns for a sweep).  Reads files only."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import yaml

from .. import units
from .cost_inputs import COST_PREFIX, read_cost_source
from .data import ReportError, ScenarioInfo, _csv, _json, _resolved, _torn
from .source import ScenarioSource, parse_rows, read_source, with_study

#: Statistics of each KPI in cells.csv, as ``<kpi>.<stat>`` (shuttle_sim.study.sweepfiles.STATS).
STATS = ("mean", "ci95", "p10", "p50", "p90")


@dataclass
class SweepData:
    """A sweep over design factors, as ``shuttle-sim sweep --out DIR`` writes it
    (``shuttle_sim.study.sweepfiles``).

    manifest.json
        ``kind: sweep``, ``study``, ``seed``, ``horizon_h``, ``method``, ``confidence``,
        ``objective``, ``factors`` ({key path: levels}), ``conditions`` (key paths),
        ``cells`` [{name, run, overrides}].
    cells.csv
        One row per design cell: ``cell, run``, one column per factor (a level as written,
        a block as JSON), ``status`` (evaluated / skipped), ``inferred``, ``verdict``,
        ``replications``, ``failed``, ``objective``, per target
        ``target.<kpi>.{verdict,estimate,low,high}``, and per KPI and cost column
        ``<kpi>.{mean,ci95,p10,p50,p90}``.
    replications.csv
        One row per replication: cell, run, factors, replication, seed, error, KPIs.
    answer.json
        ``answers``: one per combination of the condition factors, each with ``feasible``,
        ``best`` (or ``nearest``, ``binding``, ``limited_by``), ``cheaper`` and ``condition``.

    Only evaluated cells are kept in :attr:`cells`; the report never re-runs a cell.
    """

    path: Path
    manifest: dict
    cells: pd.DataFrame
    factors: list[str]
    replications: pd.DataFrame | None
    answer: dict
    scenario: ScenarioInfo | None
    source: ScenarioSource | None
    target_mt_per_year: float | None = None
    kind: str = "sweep"
    skipped: pd.DataFrame = field(default_factory=pd.DataFrame)  # cells an adaptive search did not run
    study_description: str = ""  # the study file's ``description:``, when the file is found
    #: the cost inputs the cells were priced with, as written (shuttle_sim.report.cost_inputs);
    #: None for a sweep that recorded none
    cost_source: ScenarioSource | None = None
    #: per factor whose levels are quantities ('500 kt'): each level's value in its canonical
    #: unit (the number :attr:`cells` holds, to order and plot) -> the level as written
    level_text: dict = field(default_factory=dict)
    #: how a study file names a factor of the cost model (``costs.deferred_production.valuation``):
    #: it changes costs, never a simulated KPI
    COST_PREFIX: ClassVar[str] = COST_PREFIX

    def level(self, factor: str, v) -> str:
        """A level of ``factor`` in words: as the study wrote it (``1.5 Mt``), a block of
        disruptions by their notes, a number as a number."""
        if isinstance(v, (int, float, np.integer, np.floating)):
            text = self.level_text.get(factor, {}).get(float(v))
            if text is not None:
                return text
        return level_words(v)

    @property
    def conditions(self) -> list[str]:
        return [c for c in self.manifest.get("conditions") or [] if c in self.cells.columns]

    @property
    def design_factors(self) -> list[str]:
        """Factors that are design choices (not conditions)."""
        return [f for f in self.factors if f not in self.conditions]

    @property
    def answers(self) -> list[dict]:
        return list(self.answer.get("answers") or [])

    @property
    def targets(self) -> list[str]:
        """KPIs with a target: ``target.<kpi>.verdict`` columns."""
        return [c[len("target."):-len(".verdict")] for c in self.cells.columns
                if c.startswith("target.") and c.endswith(".verdict")]

    def target_of(self, kpi: str) -> dict | None:
        """The target on ``kpi`` as an assessment of answer.json names it (kind, threshold, fraction)."""
        for a in self.answers:
            for key in ("best", "nearest"):
                for t in (a.get(key) or {}).get("assessments", []):
                    if t["kpi"] == kpi:
                        return t
        return None

    @property
    def kpi_names(self) -> list[str]:
        return [c[: -len(".mean")] for c in self.cells.columns if c.endswith(".mean")]

    @property
    def recommended(self) -> str | None:
        """The best cell of the first answer (the first condition), else None."""
        for a in self.answers:
            if a.get("feasible") and a.get("best"):
                return str(a["best"]["name"])
        return None

    def chosen(self) -> set[str]:
        """The best cell of every condition."""
        return {str(a["best"]["name"]) for a in self.answers if a.get("feasible") and a.get("best")}

    def feasible(self) -> pd.Series:
        """Cells that meet every target with the study's confidence (cell verdict ``feasible``)."""
        return self.cells["verdict"].astype(str).eq("feasible")


def _factor_level(v):
    """A level as cells.csv writes it: numbers as numbers, anything else as text."""
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def level_words(v) -> str:
    """A factor level in words: a number as a number, a block of scenario items (a list of
    disruptions, as cells.csv writes it in JSON or answer.json as data) by their ``note``s,
    or its fields where an item has none; anything else as written."""
    if isinstance(v, str) and v[:1] in "[{":
        try:
            v = json.loads(v)
        except ValueError:
            return v
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_)):
        return f"{v:,g}"
    if isinstance(v, dict):
        v = [v]
    if isinstance(v, list) and all(isinstance(x, dict) for x in v):
        if not v:
            return "none"
        return "; ".join(str(x["note"]) if x.get("note") else ", ".join(f"{k} {x[k]}" for k in x) for x in v)
    return str(v)


def _quantities(cells: pd.DataFrame, skipped: pd.DataFrame, factors: list[str]) -> dict:
    """Make numbers of the factors whose levels are all quantities ('300 kt', '600 kt'), in
    ``cells`` and ``skipped`` in place; return each one's {value: level as written}."""
    out: dict = {}
    for f in factors:
        written = list(cells[f]) + (list(skipped[f]) if f in skipped else [])
        values = [units.level_value(x) for x in written]
        if not written or any(x is None for x in values) or all(not isinstance(x, str) for x in written):
            continue
        out[f] = {val: str(x) for val, x in zip(values, written)}
        cells[f] = cells[f].map(units.level_value)
        if f in skipped:
            skipped[f] = skipped[f].map(units.level_value)
    return out


def load_sweep(p: Path, target=None) -> SweepData:
    m = _json(p / "manifest.json")
    cells = _csv(p / "cells.csv", dtype={"verdict": str, "status": str}, keep_default_na=False,
                 na_values=["nan", "NaN", ""])
    need = {"cell", "status", "verdict"}
    if not need <= set(cells.columns) or not any(c.endswith(".mean") for c in cells.columns):
        raise ReportError(f"{p / 'cells.csv'}: expected columns cell, status, verdict and <kpi>.mean "
                          f"(a sweep written by shuttle-sim sweep)")
    if _torn(p / "cells.csv"):  # its last row cut short by a killed write
        cells = cells.iloc[:-1]
    cells["cell"] = cells["cell"].astype(str)
    fac = m.get("factors") or {}
    factors = [f for f in (fac if isinstance(fac, (dict, list)) else []) if f in cells.columns]
    for f in factors:
        cells[f] = cells[f].map(_factor_level)
    evaluated = cells["status"].astype(str) == "evaluated"
    skipped = cells[~evaluated].reset_index(drop=True)
    cells = cells[evaluated].reset_index(drop=True)
    level_text = _quantities(cells, skipped, factors)
    reps = None
    if (p / "replications.csv").exists():
        reps = _csv(p / "replications.csv", dtype={"error": str}, keep_default_na=False, na_values=["nan", "NaN", ""])
    answer = _json(p / "answer.json") if (p / "answer.json").exists() else {}
    named = {str(a["best"].get("name")) for a in answer.get("answers") or []
             if isinstance(a, dict) and isinstance(a.get("best"), dict)}
    if named - set(cells["cell"]):
        raise ReportError(f"{p / 'cells.csv'}: no row of cell {sorted(named - set(cells['cell']))[0]}, which "
                          "answer.json recommends (cut short or changed since it was written?)")
    info = src = None
    if (p / "scenario.resolved.yaml").exists():
        info = _resolved(p, m)
        src = read_source(p, m, info.name)
    else:  # the base scenario as the first evaluated cell's run resolved it
        order = [*(a["best"]["name"] for a in answer.get("answers") or [] if a.get("best")), *cells["cell"]]
        run_of = dict(zip(cells["cell"], cells["run"].astype(str))) if "run" in cells else {}
        runs = [run_of[c] for c in order if c in run_of and (p / "runs" / run_of[c] / "scenario.resolved.yaml").exists()]
        if runs:
            rp = p / "runs" / runs[0]
            rm = _json(rp / "manifest.json")
            info = _resolved(rp, rm)
            src = read_source(rp, rm, info.name, show_changes=False)  # the study's changes: _study_source
    d = SweepData(p, m, cells, factors, reps, answer, info, src, target, skipped=skipped, level_text=level_text)
    d.source, d.study_description, d.cost_source = _study_source(d)
    return d


def _study_source(d: SweepData) -> tuple[ScenarioSource | None, str, ScenarioSource | None]:
    """The base scenario's table as the study changes it: its overrides, and each factor's
    levels and the recommended one (conditions: the levels only); the study's own
    description ("" when its file is not found); and the cost inputs' table, its cost
    factors marked the same way."""
    sf = d.manifest.get("study_file")
    study = None
    if isinstance(sf, str) and sf:
        here = Path(__file__).resolve().parents[2]
        study = next((q for q in (Path(sf), Path.cwd() / sf, here / sf) if q.is_file()), None)
    both = pd.concat([d.cells, d.skipped]) if len(d.skipped) else d.cells
    levels = {f: ", ".join(d.level(f, v) for v in _ordered(both[f])) for f in d.factors}
    best = d.cells[d.cells["cell"] == d.recommended] if d.recommended is not None else d.cells.iloc[:0]
    chosen = {f: d.level(f, best.iloc[0][f]) for f in d.design_factors} if len(best) else {}
    desc = ""
    if study is not None:
        try:
            desc = next((r.value for r in parse_rows(study.read_text(encoding="utf-8"))[1]
                         if r.path == "description" and not r.section), "")
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            desc = ""
    scenario_levels = {f: v for f, v in levels.items() if not f.startswith(d.COST_PREFIX)}
    return (with_study(d.source, study, scenario_levels, chosen), desc,
            read_cost_source(d.manifest, study, levels, chosen))


def _ordered(col: pd.Series) -> list:
    vals = list(dict.fromkeys(col.tolist()))
    try:
        return sorted(vals)
    except TypeError:  # blocks of disruptions: as the study lists them
        return vals


