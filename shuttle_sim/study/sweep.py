"""Sweeps: a study's cells x replications through one bounded window, resumable, with the answer.

:func:`run_sweep` runs the replications a study file asks for (every cell, or those the
adaptive search of :mod:`.search` asks for) through the same tasks, executors and
scheduler as :func:`~.experiment.run_experiment`: all cells share one window of tasks in
flight, so workers never wait for a cell to finish.  Replication ``r`` of every cell uses
the streams ``(seed, r)`` (common random numbers), so cells are compared on paired
differences (:mod:`.paired`).

Cells that differ only in cost inputs (``costs.`` factors) share one simulation, a
*run*, named like a cell by the hash of its scenario overrides.  Each run is a study
directory of its own (:class:`~.studydir.StudyDir`: commit point per replication,
torn-tail repair, resume), so a killed sweep reruns to byte-identical files.

The sweep directory
-------------------
``manifest.json``
    ``kind: "sweep"``, study name, seed, horizon, method, the cells (name, run,
    overrides), status (``running``, ``interrupted``, ``complete``) and how it ran (the
    only file that differs between executors and between interrupted and whole runs).
``runs/<run>/``
    A study directory per run: ``replications.csv``, ``levels.bin``, ``summary.json``,
    ``manifest.json``, ``scenario.resolved.yaml`` (as ``shuttle-sim run --out``).
``cells.csv``
    One row per cell of the design, in design order: ``cell, run``, the factor columns
    (levels as written; a block as JSON), ``status`` (``evaluated`` or ``skipped``: the
    adaptive search inferred it, see ``inferred``), ``verdict``, ``replications``,
    ``failed``, ``objective``, per target ``target.KPI.{verdict,estimate,low,high}``, and
    for every KPI and cost column ``KPI.{mean,ci95,p10,p50,p90}`` (``ci95``: the 95%
    t half-width).
``replications.csv``
    One row per replication of each evaluated cell: ``cell, run``, the factor columns,
    ``replication, seed, error``, the KPIs and the cost columns of :mod:`.costs`.
``answer.json``
    Written last: ``{"study", "method", "objective", "confidence", "replications",
    "cells_evaluated", "warnings", "skipped", "answers": [...]}``, one answer per
    combination of the ``conditions`` (see :func:`.targets.answer`), each cheaper cell
    with its paired differences from the best.  Non-finite numbers (no bound) are null.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import datetime as _dt
import io
import json
import math
import sys
import threading
import time
import warnings
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config.study import COST_PREFIX, LoadedStudy, PrecisionRule, load_study
from ..config.schema import resolved_dict
from ..output import scenario_hash
from .costs import cost_table
from .design import Cell, cell_name
from .executors import InProcessExecutor, make_executor
from .paired import compare_cheaper
from .records import ResultTable, StudyError
from .scheduler import batches, stream
from .search import CellRun, _lines, _result, search
from .stopping import first_stage, next_stage
from .studydir import _TMP_MARK, MANIFEST, StudyDir, _check_writable, atomic_write
from .targets import _objective, assess_cell, cell_verdict
from .tasks import Task, run_task

__all__ = ["Sweep", "run_sweep", "run_of", "CELLS", "REPLICATIONS", "ANSWER"]

CELLS, REPLICATIONS, ANSWER, RUNS = "cells.csv", "replications.csv", "answer.json", "runs"
STATS = ("mean", "ci95", "p10", "p50", "p90")


@dataclass
class Sweep:
    """What :func:`run_sweep` returns.

    Attributes
    ----------
    cells, replications : pandas.DataFrame
        As ``cells.csv`` and ``replications.csv`` (see the module docstring).
    answer : pandas.DataFrame
        One row per answer (per condition): the chosen cell (or the nearest), its cost
        per year and per tonne, binding target and limit when nothing is feasible.
    answers : list of dict
        The full answers, as in ``answer.json``.
    document : dict
        ``answer.json`` itself (non-finite numbers as None).
    info : dict
        ``method``, ``replications`` (used by the answer), ``replications_run`` (in this
        call), ``simulation_s`` (their summed runtimes), ``wall_s``, ``parent_cpu_s`` (CPU
        time of this process: scheduling, files, costs, verdicts), ``workers``.
    """

    name: str
    path: Path | None
    cells: pd.DataFrame
    replications: pd.DataFrame
    answer: pd.DataFrame
    answers: list[dict]
    document: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Sweep({self.name!r}, cells={len(self.cells)}, replications={len(self.replications)})"


def run_of(cell: Cell) -> str:
    """The run (simulation) a cell needs: the hash of its scenario overrides only."""
    return cell_name({p: v for p, v in cell.changes if not p.startswith(COST_PREFIX)})


class _Run:
    """One simulated scenario: its task data, records and (optionally) study directory."""

    def __init__(self, name: str, scenario, study: LoadedStudy, out: Path | None) -> None:
        self.name, self.scenario = name, scenario
        self.data = resolved_dict(scenario)
        self.sha = scenario_hash(scenario)
        self.records = ResultTable(study.spec.seed)
        self.kpi_names: list[str] = []
        self.lock = threading.Lock()
        self.opened = False
        self.sd = StudyDir(out / RUNS / name, scenario, study.spec.seed, study.horizon_h) if out else None


class _Bounded(cf.Executor):
    """An executor whose submissions, from any thread, share ``window`` slots in flight."""

    def __init__(self, inner: cf.Executor, window: int) -> None:
        self.inner, self.slots = inner, threading.BoundedSemaphore(window)

    def submit(self, fn, /, *args, **kwargs):
        self.slots.acquire()
        try:
            fut = self.inner.submit(fn, *args, **kwargs)
        except BaseException:
            self.slots.release()
            raise
        fut.add_done_callback(lambda _f: self.slots.release())
        return fut


class _Runner:
    """Replications of the study's runs through one bounded window; an evaluator of cells.

    ``runner(cell, replications)`` is a :class:`~.search.Evaluator`: it runs what is
    missing (in parallel) and returns the cell's KPI and cost table, row ``i`` being
    replication ``replications[i]``.
    """

    def __init__(self, study: LoadedStudy, out: Path | None, executor: cf.Executor, workers: int, batch, bar) -> None:
        self.study, self.workers, self.batch, self.bar = study, workers, batch, bar
        self.window = 2 * max(workers, 2)
        self.executor = _Bounded(executor, self.window)
        self.lock = threading.Lock()
        self.stopped = False
        self.runs: dict[str, _Run] = {}
        self.cell_run: dict[str, _Run] = {}
        self.costs: dict[str, object] = {}
        for cell in study.cells:
            name = run_of(cell)
            if name not in self.runs:
                self.runs[name] = _Run(name, study.scenario_for(cell), study, out)
            self.cell_run[cell.name] = self.runs[name]
            self.costs[cell.name] = study.costs_for(cell)
        self.ran = 0
        self.simulation_s = 0.0
        self.described = ""

    def _open(self, run: _Run) -> None:
        """Open (create or resume) a run's directory when its first replication is due, so
        that workers start at once instead of waiting for every run's files."""
        with self.lock:
            if run.opened:
                return
            run.opened = True
            if run.sd is None:
                return
            finished = run.sd.open()
            for rec in finished:
                run.records.add(rec)
            run.kpi_names = list(run.sd.header[3:]) if run.sd.header else []
            run.sd.start(executor=self.described)
            self.bar.update(len(finished))

    def _commit(self, rec) -> None:
        with self.lock:
            if self.stopped:
                return
            run = self.runs[rec.cell]
            if not run.kpi_names and rec.kpis:
                run.kpi_names = list(rec.kpis)
            if run.sd:
                run.sd.append(rec, run.kpi_names)
            run.records.add(rec)
            self.ran += 1
            self.simulation_s += rec.runtime_s
            self.bar.update()

    def tasks(self, run: _Run, replications) -> list[Task]:
        self._open(run)
        missing = [r for r in replications if r not in run.records]
        s = self.study
        return [Task(run.data, run.sha, s.spec.seed, b, s.horizon_h, cell=run.name)
                for b in batches(missing, self.workers, self.batch)]

    def execute(self, tasks) -> None:
        """Run tasks (of any runs) with the window shared by every caller; commit each record."""
        for rec in stream(self.executor, run_task, tasks, self.window):
            if self.stopped:
                raise StudyError("the sweep was stopped")
            self._commit(rec)

    def table(self, cell: Cell, replications) -> pd.DataFrame:
        """KPIs and costs of ``cell`` for ``replications`` (all must have run)."""
        run = self.cell_run[cell.name]
        reps = list(replications)
        with self.lock:
            frame = run.records.frame()
        kpis = frame.loc[reps, run.kpi_names] if run.kpi_names else pd.DataFrame(index=pd.Index(reps, name="replication"))
        kpis = kpis.astype(float)
        costs = cost_table(run.scenario, kpis, self.costs[cell.name], self.study.horizon_h) if run.kpi_names else None
        return pd.concat([kpis, costs], axis=1) if costs is not None else kpis

    def errors(self, cell: Cell, replications) -> tuple[list[int], list[str]]:
        run = self.cell_run[cell.name]
        with self.lock:
            return [run.records.seed] * len(replications), [run.records.errors.get(r, "") for r in replications]

    def __call__(self, cell: Cell, replications: range) -> pd.DataFrame:
        run = self.cell_run[cell.name]
        with run.lock:  # two cells of one run (cost factors) never run a replication twice
            self.execute(self.tasks(run, replications))
        return self.table(cell, replications)


def _close(run: _Run) -> StudyError | None:
    try:
        run.sd.close()
    except StudyError as e:
        return e
    return None


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def _plan(study: LoadedStudy, adaptive: bool | None) -> tuple[str, int, int, PrecisionRule | None]:
    """(method, n_min, n_max, precision rule) from the study and the caller's choice."""
    sp = study.spec
    method = sp.search.method if adaptive is None else ("adaptive" if adaptive else "grid")
    if method == "adaptive" and (sp.search.monotone is None or sp.search.monotone not in study.factors):
        raise StudyError("--adaptive needs search.monotone: a factor of the study (see experiments/README.md)")
    if method == "adaptive" and sp.design != "grid":
        raise StudyError("--adaptive needs design: grid")
    rule = sp.replications if isinstance(sp.replications, PrecisionRule) else None
    n = rule.max if rule else sp.replications
    n_min = rule.min if rule else min(10, n)
    return method, n_min, n, rule


def _in_parallel(fn, items: list, parallel: bool) -> list:
    """``[fn(x) for x in items]``, in threads when ``parallel`` (results in item order)."""
    if not parallel or len(items) < 2:
        return [fn(x) for x in items]
    pool = cf.ThreadPoolExecutor(max_workers=min(len(items), 64), thread_name_prefix="sweep-line")
    futures = [pool.submit(fn, x) for x in items]
    try:
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _evaluate(study: LoadedStudy, runner: _Runner, method: str, n_min: int, n: int, rule, parallel: bool) -> dict:
    """Run the design (grid or adaptive) through ``runner``; the search result dict."""
    sp = study.spec
    kw = dict(targets=study.targets, confidence=sp.confidence, objective=sp.objective.minimise,
              linked=sp.linked, conditions=sp.conditions)
    runs: dict[str, CellRun] = {}
    skipped: list[dict] = []
    if method == "adaptive":
        axis = sp.search.monotone
        lines = list(_lines(study.factors, axis, sp.linked, None).values())

        def line(cells: list[Cell]) -> dict:
            one = {p: ([v] if p != axis else study.factors[axis]) for p, v in cells[0].changes}
            return search(one, axis, runner, n_min=n_min, n_max=n, **kw)

        for res in _in_parallel(line, lines, parallel):
            runs.update(res["runs"])
            skipped += res["skipped"]
    elif rule is None:
        runner.execute(t for run in runner.runs.values() for t in runner.tasks(run, range(n)))
        for cell in study.cells:
            runs[cell.name] = CellRun(cell, runner(cell, range(n)).reset_index(drop=True))
    else:
        def staged(cell: Cell) -> CellRun:
            k = first_stage(rule.min, rule.max)
            while True:
                t = runner(cell, range(k)).reset_index(drop=True)
                nxt = next_stage(t[rule.kpi].dropna().to_numpy(), k, rule.precision, rule.max)
                if nxt is None:
                    return CellRun(cell, t)
                k = nxt

        for run in _in_parallel(staged, study.cells, parallel):
            runs[run.cell.name] = run
    for r in runs.values():
        r.verdict = cell_verdict(assess_cell(r.table, study.targets, sp.confidence))
    order = {c.name: i for i, c in enumerate(study.cells)}
    runs = dict(sorted(runs.items(), key=lambda kv: order[kv[0]]))
    out = _result(runs, study.targets, sp.confidence, sp.objective.minimise, sp.conditions)
    out["skipped"] = sorted(skipped, key=lambda s: order[s["name"]])
    return out


# ------------------------------------------------------------------------ files
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


def _csv_text(header: list[str], rows: list[list]) -> str:
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
        out[2:, some] = np.nanpercentile(y, [10, 50, 90], axis=0)
    out[1, n < 2] = np.nan
    return [None if np.isnan(v) else float(v) for v in out.T.ravel()]


def _tables(study: LoadedStudy, runner: _Runner, result: dict):
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


def _clean(obj):
    """JSON-safe: non-finite floats to None, NumPy scalars to Python."""
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, (float, np.floating)):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (_dt.date, _dt.time)):  # disruption dates in a level
        return obj.isoformat()
    return obj


def _answers(study: LoadedStudy, result: dict) -> list[dict]:
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


def _answer_frame(answers: list[dict], conditions: list[str]) -> pd.DataFrame:
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


def _manifest(out: Path, fields: dict) -> None:
    m = out / MANIFEST
    old = json.loads(m.read_text()) if m.exists() else {}
    atomic_write(m, json.dumps(_clean({**old, **fields}), indent=2) + "\n", sync=fields.get("status") == "complete")


def _check_sweep_dir(out: Path, study: LoadedStudy) -> None:
    _check_writable(out)
    m = out / MANIFEST
    if m.exists():
        try:
            old = json.loads(m.read_text())
        except (OSError, ValueError) as e:
            raise StudyError(f"--out {out}: unreadable {MANIFEST} ({e}); use another --out directory") from None
        if old.get("kind") != "sweep":
            raise StudyError(f"--out {out} holds a study of one scenario, not a sweep; use another --out directory")
        for key, mine in (("study", study.spec.name), ("seed", study.spec.seed), ("horizon_h", study.horizon_h)):
            if old.get(key) != mine:
                raise StudyError(f"--out {out} holds a different sweep ({key} {old.get(key)!r}, this one {mine!r}); "
                                 "use another --out directory")
    elif out.exists() and any(_TMP_MARK not in p.name for p in out.iterdir()):  # a temporary file: a kill mid-write
        raise StudyError(f"--out {out}: holds files but no {MANIFEST}; use another --out directory")


def _progress(name: str, total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=min(initial, total), disable=not enabled, desc=name, unit="rep",
                file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


# ------------------------------------------------------------------------ entry
def run_sweep(
    study: LoadedStudy | str | Path,
    out: str | Path | None = None,
    workers: int = 1,
    *,
    scheduler: str | None = None,
    executor: cf.Executor | None = None,
    progress: bool = False,
    adaptive: bool | None = None,
    batch: int | None = None,
) -> Sweep:
    """Run a study file's cells and replications; the answer and the result tables.

    Parameters
    ----------
    study : LoadedStudy or path
        A study (:func:`shuttle_sim.config.study.load_study`) or its file.
    out : path, optional
        Sweep directory (module docstring): results are committed as they finish and a
        rerun resumes to identical files.
    workers : int
        1 runs in this process; more use a process pool (unless ``scheduler`` or
        ``executor`` is given).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:port``).
    executor : concurrent.futures.Executor, optional
        Use this executor instead (it is not shut down here).
    progress : bool
        One progress bar over the whole sweep on stderr.
    adaptive : bool, optional
        Adaptive search (True) or every cell (False); default: the study's ``search``.
    batch : int, optional
        Replications per task (default: about 16 tasks per worker, at most 32).

    Raises
    ------
    StudyError
        A sweep that cannot run as asked; nothing is written when the arguments, the
        directory or the scheduler are wrong.
    ConfigError
        A bad study file (one line per problem).
    """
    t_start, cpu_start = time.perf_counter(), time.process_time()
    if not isinstance(study, LoadedStudy):
        study = load_study(study)
    if workers < 1:
        raise StudyError(f"workers must be >= 1, found {workers}")
    method, n_min, n, rule = _plan(study, adaptive)
    path = Path(out) if out is not None else None
    if path is not None:
        _check_sweep_dir(path, study)
    own = executor is None
    bar = _progress(study.spec.name, 0, 0, False)
    runner = _Runner(study, path, InProcessExecutor(), workers, batch, bar)  # checks every run directory
    if own:
        executor, described, shutdown = make_executor(workers, scheduler)
    else:
        described, shutdown = type(executor).__name__, (lambda abort=False: None)
    runner.executor = _Bounded(executor, runner.window)
    parallel = not isinstance(executor, InProcessExecutor)
    aborted = True
    try:
        if path is not None:
            path.mkdir(parents=True, exist_ok=True)
            for stale in path.glob(f".*{_TMP_MARK}*"):  # left by a process killed mid-write
                stale.unlink()
            _manifest(path, {"kind": "sweep", "study": study.spec.name, "study_file": str(study.path),
                             "seed": study.spec.seed, "horizon_h": study.horizon_h, "method": method,
                             "confidence": study.spec.confidence, "objective": study.spec.objective.minimise,
                             "factors": study.factors, "conditions": study.spec.conditions,
                             "cells": [{"name": c.name, "run": run_of(c), "overrides": c.overrides} for c in study.cells],
                             "files": {CELLS: "one row per cell", REPLICATIONS: "one row per replication of each "
                                       "evaluated cell", ANSWER: "written last", RUNS: "a study directory per run"},
                             "status": "running", "executor": described, "started": _now()})
            (path / ANSWER).unlink(missing_ok=True)
        runner.described = described
        runner.bar = _progress(study.spec.name, n * len(runner.runs), 0, progress)
        result = _evaluate(study, runner, method, n_min, n, rule, parallel)
        aborted = False
    except (KeyboardInterrupt, BrokenProcessPool) as e:
        runner.stopped = True
        if path is not None:
            try:
                _manifest(path, {"status": "interrupted"})
            except OSError:
                pass
        if isinstance(e, BrokenProcessPool):
            kept = "; the replications finished so far are kept: rerun the same command to continue" if path else ""
            raise StudyError(f"a worker process died (out of memory, or killed){kept}") from None
        raise
    finally:
        runner.stopped = True
        runner.bar.close()
        if own:
            shutdown(aborted)
        opened = [r for r in runner.runs.values() if r.opened and r.sd is not None]
        failures = [e for e in _in_parallel(_close, opened, True) if e is not None]  # fsyncs overlap
        if failures and not aborted:
            raise failures[0]
    answers = _answers(study, result)
    (c_head, c_rows), (r_head, r_rows) = _tables(study, runner, result)
    doc = _clean({"study": study.spec.name, "method": method, "objective": study.spec.objective.minimise,
                  "confidence": study.spec.confidence, "replications": result["replications"],
                  "cells_evaluated": result["cells_evaluated"], "cells": len(study.cells),
                  "warnings": study.warnings, "skipped": result["skipped"], "answers": answers})
    if path is not None:
        def finish(run: _Run) -> None:
            ok = len(run.records.ok())
            summary = {"scenario": run.scenario.name, "replications": len(run.records),
                       "failed": len(run.records) - ok, "seed": study.spec.seed,
                       "kpi_statistics": "per cell, in ../../cells.csv"}
            run.sd.finalize(run.records, run.kpi_names, summary)
            run.sd.write_manifest(status="complete", replications=len(run.records))

        _in_parallel(finish, opened, True)
        # derived files, rewritten by any rerun: one fsync, of the answer that says they are whole
        atomic_write(path / CELLS, _csv_text(c_head, c_rows))
        atomic_write(path / REPLICATIONS, _csv_text(r_head, r_rows))
        atomic_write(path / ANSWER, json.dumps(doc, indent=2) + "\n", sync=True)
        _manifest(path, {"status": "complete", "replications": result["replications"], "finished": _now()})
    cells = pd.DataFrame(c_rows, columns=c_head)
    reps = pd.DataFrame(r_rows, columns=r_head)
    info = {"method": method, "replications": result["replications"], "cells_evaluated": result["cells_evaluated"],
            "replications_run": runner.ran, "simulation_s": runner.simulation_s,
            "wall_s": time.perf_counter() - t_start, "parent_cpu_s": time.process_time() - cpu_start,
            "workers": workers, "executor": described}
    return Sweep(study.spec.name, path, cells, reps, _answer_frame(doc["answers"], study.spec.conditions),
                 doc["answers"], doc, info)
