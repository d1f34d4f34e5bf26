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
    with its paired differences from the best, and ``range_ends``: the factors whose best
    level is an end of the levels swept (:func:`.targets.range_ends`).  Non-finite numbers (no bound) are null.
"""

from __future__ import annotations

import concurrent.futures as cf
import itertools
import json
import sys
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..config.loader import ConfigError
from ..config.overrides import with_changes
from ..config.study import COST_PREFIX, LoadedStudy, PrecisionRule, load_study
from .design import Cell
from .executors import InProcessExecutor, make_executor
from .records import StudyError
from .runner import RUNS, Bounded, Runner, close_run, in_parallel, run_of
from .search import CellRun, _lines, _result, search
from .stopping import first_stage, next_stage
from . import tasks
from .outdir import _TMP_MARK, DirLock, now_utc, run_started
from .studydir import atomic_write
from .sweepfiles import (ANSWER, CELLS, REPLICATIONS, answer_frame, answers, check_sweep_dir, clean, csv_text, tables,
                         write_manifest)

__all__ = ["Sweep", "run_sweep", "run_of", "CELLS", "REPLICATIONS", "ANSWER"]


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


def _evaluate(study: LoadedStudy, runner: Runner, method: str, n_min: int, n: int, rule, parallel: bool) -> dict:
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

        for res in in_parallel(line, lines, parallel):
            runs.update(res["runs"])
            skipped += res["skipped"]
    elif rule is None:
        # batch by batch across the runs, not run by run: a worker then meets each
        # replication's weather again in its cache (study.tasks.WEATHERS) for the next run
        per_run = [runner.tasks(run, range(n)) for run in runner.runs.values()]
        runner.execute(t for batch in itertools.zip_longest(*per_run) for t in batch if t is not None)
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

        for run in in_parallel(staged, study.cells, parallel):
            runs[run.cell.name] = run
    order = {c.name: i for i, c in enumerate(study.cells)}
    runs = dict(sorted(runs.items(), key=lambda kv: order[kv[0]]))
    out = _result(runs, study.targets, sp.confidence, sp.objective.minimise, sp.conditions, study.factors)
    out["skipped"] = sorted(skipped, key=lambda s: order[s["name"]])
    for a in out["answers"]:  # a lowest end only where a level below exists (not 1 berth: 0 is no design)
        a["range_ends"] = [e for e in a.get("range_ends", []) if e["end"] == "highest" or _below_exists(study, e)]
    return out


def _below_exists(study: LoadedStudy, end: dict) -> bool:
    """Whether one less than a whole-number lowest level is a valid scenario (2 berths
    below 3 are; 0 berths below 1 are not); any other level: there is always less."""
    level = end["level"]
    if isinstance(level, bool) or not isinstance(level, int) or end["factor"].startswith(COST_PREFIX):
        return True
    try:
        with_changes(study.base, {end["factor"]: level - 1}, str(study.path), base_dir=study.base_dir)
    except ConfigError:
        return False
    return True


def _progress(name: str, total: int, initial: int, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=min(initial, total), disable=not enabled, desc=name, unit="rep",
                file=sys.stderr, dynamic_ncols=True, smoothing=0.1)


# ------------------------------------------------------------------------ entry
def check_targets_reported(study: LoadedStudy) -> None:
    """Refuse a target on a KPI that some cell's runs do not report (a ferry KPI of a
    tanker-only scenario): it could never be judged.  A probe run of each distinct
    scenario (:func:`shuttle_sim.model.kpi_names`) lists what its runs report; the cost
    KPIs are the cost model's, reported for every cell.

    Raises
    ------
    ConfigError
        At the target's line, naming the first cell whose runs lack it.
    """
    from .. import kpis
    from ..components.weather_cache import WeatherCache
    from ..config.loader import ConfigError, ConfigProblem, _line_for
    from ..model import kpi_names

    wanted = [t.kpi for t in study.targets if kpis.info(t.kpi).group != "costs"]
    probed: set[str] = set()
    weathers = WeatherCache(1, 0)  # the cells' probes share their weather
    for cell in study.cells if wanted else ():
        run = run_of(cell)
        if run in probed:
            continue
        probed.add(run)
        names = set(kpi_names(study.scenario_for(cell), study.spec.seed, weathers))
        missing = [k for k in wanted if k not in names]
        if missing:
            where = ", ".join(f"{k}={v}" for k, v in cell.overrides.items()) or "the base scenario"
            raise ConfigError([ConfigProblem(
                str(study.path), _line_for(("targets", k), study.lines), ("targets", k),
                f"expected a KPI the runs report, found none in the runs of cell {cell.name} ({where}): ferry KPIs "
                "need a ferry route, tanker KPIs tankers (`shuttle-sim run SCENARIO --json` lists a scenario's KPIs)")
                for k in missing])


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
    check_targets_reported(study)
    path = Path(out) if out is not None else None
    if path is not None:
        check_sweep_dir(path, study)
    own = executor is None
    bar = _progress(study.spec.name, 0, 0, False)
    runner = Runner(study, path, InProcessExecutor(), workers, batch, bar)  # checks every run directory
    if own:
        executor, described, shutdown = make_executor(workers, scheduler)
    else:
        described, shutdown = type(executor).__name__, (lambda abort=False: None)
    runner.executor = Bounded(executor, runner.window)
    parallel = not isinstance(executor, InProcessExecutor)
    aborted = True
    lock = DirLock(path) if path is not None else None
    try:
        if lock:
            lock.acquire()  # held until the sweep is complete, or aborted
            for stale in path.glob(f".*{_TMP_MARK}*"):  # left by a process killed mid-write
                stale.unlink()
            write_manifest(path, {"kind": "sweep", "study": study.spec.name, "study_file": str(study.path),
                             **study.costs_record(), "costs_used": runner.costs_used(),
                             "seed": study.spec.seed, "horizon_h": study.horizon_h, "method": method,
                             "confidence": study.spec.confidence, "objective": study.spec.objective.minimise,
                             "factors": study.factors, "conditions": study.spec.conditions,
                             "cells": [{"name": c.name, "run": run_of(c), "overrides": c.overrides} for c in study.cells],
                             "files": {CELLS: "one row per cell", REPLICATIONS: "one row per replication of each "
                                       "evaluated cell", ANSWER: "written last", RUNS: "a study directory per run"},
                             "status": "running", "executor": described, **run_started(path)})
            (path / ANSWER).unlink(missing_ok=True)
        runner.described = described
        runner.bar = _progress(study.spec.name, n * len(runner.runs), 0, progress)
        result = _evaluate(study, runner, method, n_min, n, rule, parallel)
        aborted = False
    except (KeyboardInterrupt, BrokenProcessPool) as e:
        runner.stopped = True
        if path is not None:
            try:
                write_manifest(path, {"status": "interrupted"})
            except OSError:
                pass
        if isinstance(e, BrokenProcessPool):
            kept = "; the replications finished so far are kept: rerun the same command to continue" if path else ""
            raise StudyError(f"a worker process died (out of memory, or killed){kept}") from None
        raise
    finally:
        try:
            runner.stopped = True
            if not aborted:  # an adaptive search ends below the bar's upper bound
                runner.bar.total = runner.bar.n
            runner.bar.close()
            if own:
                shutdown(aborted)
            tasks.WEATHERS.clear()  # what this process drew for its cells (workers=1): not kept after the sweep
            opened = [r for r in runner.runs.values() if r.opened and r.sd is not None]
            failures = [e for e in in_parallel(close_run, opened, True) if e is not None]  # fsyncs overlap
            if failures and not aborted:
                raise failures[0]
        except BaseException:
            if lock:
                lock.release()
            raise
        if lock and aborted:  # (else released once the derived files are written, below)
            lock.release()
    try:
        return _finish(study, runner, result, path, opened, method, described, workers, t_start, cpu_start)
    finally:
        if lock:
            lock.release()


def _finish(study, runner, result, path, opened, method, described, workers, t_start, cpu_start) -> Sweep:
    """Judge the cells and write the sweep's derived files (the directory still locked)."""
    judged = answers(study, result)
    (c_head, c_rows), (r_head, r_rows) = tables(study, runner, result)
    doc = clean({"study": study.spec.name, "method": method, "objective": study.spec.objective.minimise,
                  "confidence": study.spec.confidence, "replications": result["replications"],
                  "cells_evaluated": result["cells_evaluated"], "cells": len(study.cells),
                  "warnings": study.warnings, "skipped": result["skipped"], "answers": judged})
    if path is not None:
        def finish(run) -> None:
            ok = len(run.records.ok())
            summary = {"scenario": run.scenario.name, "replications": len(run.records),
                       "failed": len(run.records) - ok, "seed": study.spec.seed,
                       "kpi_statistics": "per cell, in ../../cells.csv"}
            run.sd.finalize(run.records, run.kpi_names, summary)
            run.sd.write_manifest(status="complete", replications=len(run.records), finished=now_utc())

        in_parallel(finish, opened, True)
        # derived files, rewritten by any rerun: one fsync, of the answer that says they are whole
        atomic_write(path / CELLS, csv_text(c_head, c_rows))
        atomic_write(path / REPLICATIONS, csv_text(r_head, r_rows))
        atomic_write(path / ANSWER, json.dumps(doc, indent=2) + "\n", sync=True)
        write_manifest(path, {"status": "complete", "replications": result["replications"], "finished": now_utc()})
    cells = pd.DataFrame(c_rows, columns=c_head)
    reps = pd.DataFrame(r_rows, columns=r_head)
    info = {"method": method, "replications": result["replications"], "cells_evaluated": result["cells_evaluated"],
            "replications_run": runner.ran, "simulation_s": runner.simulation_s,
            "wall_s": time.perf_counter() - t_start, "parent_cpu_s": time.process_time() - cpu_start,
            "workers": workers, "executor": described}
    return Sweep(study.spec.name, path, cells, reps, answer_frame(doc["answers"], study.spec.conditions),
                 doc["answers"], doc, info)
