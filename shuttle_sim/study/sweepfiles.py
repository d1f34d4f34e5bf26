"""The files of a sweep directory: ``cells.csv``, ``replications.csv``, ``answer.json``, ``manifest.json``.

Pure functions of a study and its evaluated cells (see :mod:`.sweep` for the layout);
floats are written by ``repr`` so that they read back exactly, missing values as empty
fields, and the JSON has no non-finite numbers (null: no bound).
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from ..config.study import LoadedStudy
from .paired import compare_cheaper
from .records import StudyError
from .outdir import _TMP_MARK, MANIFEST, check_out_kind, check_writable, read_manifest
from .studydir import atomic_write
from .targets import _objective, assess_cell

__all__ = ["CELLS", "REPLICATIONS", "ANSWER", "STATS", "tables", "csv_text", "clean", "answers", "answer_frame",
           "write_manifest", "check_sweep_dir"]

CELLS, REPLICATIONS, ANSWER = "cells.csv", "replications.csv", "answer.json"
STATS = ("mean", "ci95", "p10", "p50", "p90")


def _level(v) -> object:
    return json.dumps(v, sort_keys=True, default=str) if isinstance(v, (list, dict)) else v


def _num(v) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (np.integer,)):
        return int(v)
    return v


def csv_text(header: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows([[_num(v) for v in row] for row in rows])
    return buf.getvalue()


def _stats(t: pd.DataFrame, columns: list[str]) -> list:
    """``mean, ci95, p10, p50, p90`` of each column (NaNs dropped), as :func:`shuttle_sim.stats.summarize`
    computes them, for all columns at once (one t quantile per replication count)."""
    from scipy import stats as _st

    x = t.reindex(columns=columns).to_numpy(dtype=float)
    n = np.sum(~np.isnan(x), axis=0)
    out = np.full((len(STATS), len(columns)), np.nan)
    some = n > 0
    if some.any():
        y = x[:, some]
        with warnings.catch_warnings():  # one replication: no standard deviation (NaN, as intended)
            warnings.simplefilter("ignore", RuntimeWarning)
            out[0, some] = np.nanmean(y, axis=0)
            sd = np.nanstd(y, axis=0, ddof=1)
            out[1, some] = _st.t.ppf(0.975, n[some] - 1) * sd / np.sqrt(n[some])
        pct = np.percentile if not np.isnan(y).any() else np.nanpercentile  # the first is ~20x faster
        out[2:, some] = pct(y, [10, 50, 90], axis=0)
    out[1, n < 2] = np.nan
    return [None if np.isnan(v) else float(v) for v in out.T.ravel()]


def tables(study: LoadedStudy, runner, result: dict):
    """cells.csv and replications.csv as (header, rows) pairs."""
    factors = list(study.factors) if study.spec.design == "grid" else sorted({p for c in study.cells for p, _ in c.changes})
    columns: list[str] = []
    for r in result["runs"].values():
        columns += [c for c in r.table.columns if c not in columns]
    verdicts = {c["name"]: c for a in result["answers"] for c in a["cells"]}
    skipped = {s["name"]: s["inferred"] for s in result["skipped"]}
    t_head = [f"target.{t.kpi}.{k}" for t in study.targets for k in ("verdict", "estimate", "low", "high")]
    c_head = ["cell", "run", *factors, "status", "inferred", "verdict", "replications", "failed", "objective",
              *t_head, *(f"{k}.{s}" for k in columns for s in STATS)]
    r_head = ["cell", "run", *factors, "replication", "seed", "error", *columns]
    c_rows, r_rows = [], []
    for cell in study.cells:
        ch = cell.overrides
        lv = [_level(ch[p]) if p in ch else "" for p in factors]
        run = result["runs"].get(cell.name)
        name = runner.cell_run[cell.name].name
        if run is None:
            c_rows.append([cell.name, name, *lv, "skipped", skipped.get(cell.name, ""), "", 0, 0, None,
                           *([None] * len(t_head)), *([None] * len(STATS) * len(columns))])
            continue
        t = run.table
        reps = range(len(t))
        seeds, errors = runner.errors(cell, reps)
        ass = assess_cell(t, study.targets, study.spec.confidence)
        row = [cell.name, name, *lv, "evaluated", "", verdicts[cell.name]["verdict"], len(t),
               sum(1 for e in errors if e), verdicts[cell.name]["objective"]]
        for a in ass:
            row += [a.verdict, a.estimate, a.low, a.high]
        row += _stats(t, columns)
        c_rows.append(row)
        values = t.reindex(columns=columns).to_numpy(dtype=float).tolist()
        for i in reps:
            r_rows.append([cell.name, name, *lv, i, seeds[i], errors[i], *values[i]])
    return (c_head, c_rows), (r_head, r_rows)


def clean(obj):
    """JSON-safe: non-finite floats to None, NumPy scalars to Python."""
    if isinstance(obj, dict):
        return {str(k): clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [clean(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (_dt.date, _dt.time)):  # disruption dates in a level
        return obj.isoformat()
    return obj


def answers(study: LoadedStudy, result: dict) -> list[dict]:
    """The answers with each best cell's cost per year and per tonne and paired comparisons."""
    sp = study.spec
    tables = {n: r.table for n, r in result["runs"].items()}
    kpis = list(dict.fromkeys([t.kpi for t in study.targets] + [sp.objective.minimise]))
    out = []
    for a in result["answers"]:
        for key in ("best", "nearest"):
            if key in a:
                t = tables[a[key]["name"]]
                a[key]["total_annual_cost_usd"] = _objective(t, "total_annual_cost_usd")
                a[key]["cost_per_tonne_usd"] = _objective(t, "cost_per_tonne_usd")
                a[key]["replications"] = len(t)
        out.append(compare_cheaper(a, tables, kpis, sp.confidence))
    return out


def answer_frame(answers: list[dict], conditions: list[str]) -> pd.DataFrame:
    rows = []
    for a in answers:
        c = a["best"] if a["feasible"] else a.get("nearest", {})
        row = {p: _level(a["condition"].get(p)) for p in conditions}
        row.update(feasible=a["feasible"], cell=c.get("name"), objective=c.get("objective"),
                   total_annual_cost_usd=c.get("total_annual_cost_usd"), cost_per_tonne_usd=c.get("cost_per_tonne_usd"),
                   cheaper_cells=len(a.get("cheaper", [])),
                   binding=(a.get("binding") or {}).get("kpi"), limited_by=(a.get("limited_by") or {}).get("limit"))
        rows.append(row)
    return pd.DataFrame(rows)


def write_manifest(out: Path, fields: dict) -> None:
    m = out / MANIFEST
    old = json.loads(m.read_text()) if m.exists() else {}
    atomic_write(m, json.dumps(clean({**old, **fields}), indent=2) + "\n", sync=fields.get("status") == "complete")


def check_sweep_dir(out: Path, study: LoadedStudy) -> None:
    check_writable(out)
    check_out_kind(out, "sweep")
    m = out / MANIFEST
    if m.exists():
        old = read_manifest(out)
        for key, mine in (("study", study.spec.name), ("seed", study.spec.seed), ("horizon_h", study.horizon_h)):
            if old.get(key) != mine:
                raise StudyError(f"--out {out} holds a different sweep ({key} {old.get(key)!r}, this one {mine!r}); "
                                 "use another --out directory")
    elif out.exists() and any(_TMP_MARK not in p.name for p in out.iterdir()):  # a temporary file: a kill mid-write
        raise StudyError(f"--out {out}: holds files but no {MANIFEST}; use another --out directory")


