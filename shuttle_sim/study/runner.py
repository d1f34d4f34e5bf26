"""Replications of a study's cells through one bounded window of tasks, from any thread.

A *run* is one simulated scenario: cells that differ only in cost inputs (``costs.``
factors) share one, named like a cell by the hash of its scenario overrides
(:func:`run_of`).  :class:`Runner` holds each run's records and, given a directory, its
:class:`~.studydir.StudyDir` (opened when its first replication is due), and is an
evaluator of cells (:class:`~.search.Evaluator`): ``runner(cell, replications)`` runs
what is missing through the shared executor and returns the cell's KPI and cost table.
Every submission, from any thread, shares one window of ``2 x max(workers, 2)`` tasks in
flight (:class:`Bounded`), so many cells' replications keep the workers busy together.
"""

from __future__ import annotations

import concurrent.futures as cf
import threading
from pathlib import Path

import pandas as pd

from ..config.schema import resolved_dict
from ..config.study import COST_PREFIX, LoadedStudy
from ..output import scenario_hash
from .costs import cost_inputs_used, cost_table
from .design import Cell, cell_name
from .records import ResultTable, StudyError
from .scheduler import batches, stream
from .studydir import StudyDir
from .tasks import Task, run_task

__all__ = ["Runner", "Bounded", "run_of", "close_run", "in_parallel", "RUNS"]

RUNS = "runs"


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


class Bounded(cf.Executor):
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


class Runner:
    """Replications of the study's runs through one bounded window; an evaluator of cells.

    ``runner(cell, replications)`` is a :class:`~.search.Evaluator`: it runs what is
    missing (in parallel) and returns the cell's KPI and cost table, row ``i`` being
    replication ``replications[i]``.
    """

    def __init__(self, study: LoadedStudy, out: Path | None, executor: cf.Executor, workers: int, batch, bar) -> None:
        self.study, self.workers, self.batch, self.bar = study, workers, batch, bar
        self.window = 2 * max(workers, 2)
        self.executor = Bounded(executor, self.window)
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

    def costs_used(self) -> list[str]:
        """The cost inputs some cell is priced with (:func:`~.costs.cost_inputs_used`), as
        key paths of the cost file: a sweep's manifest records them for its report."""
        return sorted(set().union(*(cost_inputs_used(self.cell_run[c].scenario, spec) for c, spec in self.costs.items())))

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


def close_run(run: _Run) -> StudyError | None:
    try:
        run.sd.close()
    except StudyError as e:
        return e
    return None


def in_parallel(fn, items: list, parallel: bool) -> list:
    """``[fn(x) for x in items]``, in threads when ``parallel`` (results in item order)."""
    if not parallel or len(items) < 2:
        return [fn(x) for x in items]
    pool = cf.ThreadPoolExecutor(max_workers=min(len(items), 64), thread_name_prefix="sweep-line")
    futures = [pool.submit(fn, x) for x in items]
    try:
        return [f.result() for f in futures]
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


