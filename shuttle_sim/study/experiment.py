"""Monte Carlo study of one scenario: n replications, or as many as a precision needs.

Replication ``r`` draws only from streams named by ``(seed, r)``, so its result is
bit-identical whichever worker or executor runs it.  This module only orchestrates:
tasks (:mod:`.tasks`) go through a bounded window (:mod:`.scheduler`) over an executor
(:mod:`.executors`); records are committed to the study directory as they finish
(:mod:`.studydir`, which resumes an interrupted study to identical files); the
precision rule is :mod:`.stopping`, storage sizing :mod:`.storage`.
"""

from __future__ import annotations

import concurrent.futures as cf
from concurrent.futures.process import BrokenProcessPool
import math
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import kpis as kpi_catalogue
from ..config.loader import as_scenario
from ..config.schema import Scenario, resolved_dict
from ..output import scenario_hash
from ..stats import summarize
from .executors import make_executor
from .records import ResultTable, StudyError
from .scheduler import batches, stream
from .stopping import first_stage, next_stage, precision_reached
from .storage import STORAGE_KPIS, storage_summary
from .outdir import DirLock, now_utc
from .studydir import StudyDir
from .tasks import Task, run_task

__all__ = ["Experiment", "run_experiment"]


@dataclass
class Experiment:
    """What a study returns (also the notebook API's result).

    Attributes
    ----------
    scenario_name : str
    seed : int
    records : ResultTable
        By replication number: ``seed``, ``error`` ('' if it ran) and ``kpis``.
    summary : dict
        ``{"scenario", "replications", "failed", "kpis": {NAME: {mean, ci95_halfwidth,
        p10, p50, p90}}, "storage": {...}}``; p10 is the 10th percentile (the value
        exceeded in 90% of replications).
    """

    scenario_name: str
    seed: int
    records: ResultTable = field(default_factory=lambda: ResultTable(0))
    summary: dict = field(default_factory=dict)

    @property
    def replications(self):
        """One row per replication, all KPIs as columns (a pandas DataFrame)."""
        return self.records.frame()

    def summary_frame(self):
        """:attr:`summary`'s KPIs as a pandas DataFrame: one row per KPI (the index), the
        columns ``mean``, ``ci95_halfwidth``, ``p10``, ``p50``, ``p90`` (p10: the value
        exceeded in 90% of replications), then the catalogue's ``group`` and ``label``
        (:mod:`shuttle_sim.kpis`) and the ``unit`` of the values as stored (a share of time
        is a ``fraction``, 0.05, where the tables show 5.0 %)."""
        import pandas as pd

        rows = {}
        for name, st in self.summary.get("kpis", {}).items():
            info = kpi_catalogue.info(name) if kpi_catalogue.known(name) else None
            rows[name] = {**st, "group": info.group if info else "", "label": info.label if info else name,
                          "unit": info.stored_unit if info else ""}
        cols = ["mean", "ci95_halfwidth", "p10", "p50", "p90", "group", "label", "unit"]
        return pd.DataFrame.from_dict(rows, orient="index", columns=cols).rename_axis("kpi")

    def __repr__(self) -> str:
        failed = self.summary.get("failed", 0)
        text = (f"Experiment({self.scenario_name!r}, seed={self.seed}, replications={len(self.records)}"
                f"{f', failed={failed}' if failed else ''})")
        st = self.summary.get("kpis", {}).get("delivered_mt_per_year")
        if st and st.get("mean") is not None:
            k = kpi_catalogue.info("delivered_mt_per_year")  # its format and its CI's clip, as in the tables
            ci = k.ci(st["mean"], st.get("ci95_halfwidth"))
            text += (f"\n  delivered: mean {k.format(st['mean'])}{f' ({ci}, 95% CI)' if ci else ''}, "
                     f"P10 {k.number(st['p10'])}, P50 {k.number(st['p50'])}, P90 {k.number(st['p90'])}")
        return text + "\n  .summary (dict), .summary_frame() and .replications (DataFrames)"

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(repr(self))


def _summary(name: str, records: ResultTable, kpi_names: list[str], storage: bool) -> dict:
    ok = records.ok()
    out = {
        "scenario": name,
        "replications": len(records),
        "failed": len(records) - len(ok),
        "kpis": {k: summarize(records.column(k)) for k in kpi_names if k not in STORAGE_KPIS},
    }
    if storage and len(ok):
        out["storage"] = storage_summary(records)
    return out


def _resume(sd: StudyDir, records: ResultTable, replications: int | None) -> list[str]:
    """Open the study directory, load what it holds into ``records``; its KPI names.
    A fixed ``replications`` smaller than what the directory holds is refused."""
    for rec in sd.open():
        records.add(rec)
    beyond = [r for r in records if replications is not None and r >= replications]
    if beyond:
        raise StudyError(f"--out {sd.path} holds {len(records)} finished replications, up to number {max(beyond)}; "
                         f"-n {replications} would drop some: use -n {max(beyond) + 1} or more, or another --out")
    return list(sd.header[3:]) if sd.header else []


def _progress(name: str, total: int, initial: int, enabled: bool):
    """A tqdm bar (a widget in Jupyter), per replication, with elapsed time, rate and ETA."""
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, disable=not enabled, desc=name, unit="rep", file=sys.stderr,
                dynamic_ncols=True, smoothing=0.1)


def run_experiment(
    scenario: Scenario | str,
    replications: int | None = 100,
    seed: int = 0,
    workers: int = 1,
    *,
    out: str | Path | None = None,
    precision: float | None = None,
    kpi: str = "delivered_mt_per_year",
    max_replications: int = 10_000,
    batch: int | None = None,
    horizon_h: float | None = None,
    storage: bool = False,
    scheduler: str | None = None,
    executor: cf.Executor | None = None,
    progress: bool = False,
) -> Experiment:
    """Run ``replications`` of ``scenario`` (or until ``precision`` is met).

    Parameters
    ----------
    scenario : Scenario, or a scenario file or a shipped scenario's name
    replications : int
        Number of replications; with ``precision``, the size of the first stage
        (at least 10).
    seed : int
        Root seed; replication r uses streams of (seed, r).
    workers : int
        1 runs in this process; more use a process pool (unless ``scheduler`` or
        ``executor`` is given).
    out : path, optional
        Study directory: results are written as they finish and a rerun resumes.  A
        larger ``replications`` into the same directory extends the study; a smaller one
        than it holds is refused.
    precision, kpi, max_replications
        Sequential stopping: continue until the 95% CI half-width of ``kpi`` is within
        ``precision`` x |mean|, or ``max_replications``.
    batch : int, optional
        Replications per task (default: about 16 tasks per worker, at most 32).
    storage : bool
        Also run each replication with each tank farm unbounded, and report the storage
        each farm needs (peak stock; capacity for zero deferral in 90% of years).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:port``).
    executor : concurrent.futures.Executor, optional
        Use this executor instead (it is not shut down here).
    progress : bool
        Show a progress bar on stderr (a widget in Jupyter).

    Raises
    ------
    StudyError
        A study that cannot run as asked; nothing is written in ``out`` when the
        arguments, the directory or the scheduler are wrong.
    """
    scenario = as_scenario(scenario)
    if workers < 1:
        raise StudyError(f"workers must be >= 1, found {workers}")
    h = scenario.horizon_h if horizon_h is None else float(horizon_h)
    if precision is not None and not (precision > 0 and math.isfinite(precision)):
        raise StudyError(f"precision must be a finite number > 0, found {precision}")
    if replications is not None and replications < 1:
        raise StudyError(f"replications must be >= 1, found {replications}")
    if storage and not scenario.has_tankers:
        raise StudyError("--storage sizes the tanker route's tank farms; this scenario has no tanker route")
    if precision is not None and not kpi_catalogue.known(kpi):
        raise StudyError(f"--kpi {kpi!r} is not a KPI name (see shuttle_sim/kpis.py)")
    sd = StudyDir(out, scenario, seed, h) if out is not None else None
    own_executor = executor is None
    if own_executor:
        executor, described, shutdown = make_executor(workers, scheduler)
    else:
        described, shutdown = type(executor).__name__, (lambda abort=False: None)
    data = resolved_dict(scenario)
    sha = sd.sha if sd else scenario_hash(scenario)
    records = ResultTable(seed)
    kpi_names: list[str] = []
    bar = None
    aborted = True
    lock = DirLock(sd.path) if sd else None
    try:
        if sd:
            lock.acquire()  # held until the study is complete, or aborted
            kpi_names = _resume(sd, records, None if precision else replications)
            sd.start(executor=described)
        target = first_stage(replications, max_replications) if precision else replications
        bar = _progress(scenario.name, target, sum(1 for r in records if r < target), progress)
        window = 2 * max(workers, 2)
        while True:
            missing = [r for r in range(target) if r not in records]
            tasks = (Task(data, sha, seed, c, h, storage) for c in batches(missing, workers, batch))
            for rec in stream(executor, run_task, tasks, window):
                if not kpi_names and rec.kpis:
                    kpi_names = list(rec.kpis)
                    if precision is not None and kpi not in kpi_names:
                        raise StudyError(f"--kpi {kpi!r} is not a KPI of this scenario")
                if sd:
                    sd.append(rec, kpi_names)
                records.add(rec)  # copied into the table; the record itself is dropped
                bar.update()
            if precision is None:
                break
            nxt = next_stage(records.upto(target).column(kpi), target, precision, max_replications)
            if nxt is None:
                break
            target = nxt
            bar.total = target
            bar.refresh()
        aborted = False
    except (KeyboardInterrupt, BrokenProcessPool) as e:
        if sd:
            try:
                sd.write_manifest(status="interrupted", replications_finished=len(records))
            except StudyError:
                pass
        if isinstance(e, BrokenProcessPool):
            kept = "; the replications finished so far are kept: rerun the same command to continue" if sd else ""
            raise StudyError(f"a worker process died (out of memory, or killed){kept}") from None
        raise
    finally:
        try:
            if bar is not None:
                bar.close()
            if own_executor:
                shutdown(aborted)
            if sd:
                try:
                    sd.close()
                except StudyError:
                    if not aborted:
                        raise
        except BaseException:
            if lock:
                lock.release()
            raise
        if lock and aborted:  # (else released once the study is finalised, below)
            lock.release()
    try:
        if len(records) > len(records.upto(target)):
            raise StudyError(f"--out {out} holds more replications ({len(records)}) than this study needs ({target}); "
                             "use another --out directory")
        summary = _summary(scenario.name, records, kpi_names, storage)
        summary["seed"] = seed
        if precision is not None:
            summary["precision"] = {"kpi": kpi, "target": precision,
                                    "reached": precision_reached(records.column(kpi), precision)}
        if sd:
            sd.finalize(records, kpi_names, summary)
            sd.write_manifest(status="complete", replications=len(records), finished=now_utc())
    finally:
        if lock:
            lock.release()
    return Experiment(scenario.name, seed, records, summary)
