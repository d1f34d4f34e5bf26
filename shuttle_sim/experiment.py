"""Monte Carlo experiments: replications in parallel, CIs, sequential stopping, resume.

A study is ``n`` replications of one scenario under one root seed; replication ``r``
draws only from streams named by ``(seed, r)``, so its result is bit-identical whichever
worker or executor runs it.  Replications are grouped into batches (one task each) and
sent through any ``concurrent.futures`` executor: in-process for one worker, a process
pool by default, or a Dask cluster (``distributed.Client(...).get_executor()``).  A task
carries only plain data (the resolved scenario dict, the seed, replication numbers), so
nothing unpicklable crosses a process boundary.

With an output directory, every finished replication is appended at once to
``replications.csv`` (and its daily tank levels to ``levels.bin``), fsync'd.  An
interrupted study keeps them; running the same study into the same directory runs only
the missing replications and ends with the same files as an uninterrupted run.  A
replication that raises is recorded with its seed and the error, and the study goes on.

Sequential stopping (``precision``) runs stages of whole replications (the first of at
least 10) and stops when the chosen KPI's 95% CI half-width is within ``precision`` x
|mean|, or at ``max_replications``.  Decisions are taken only at stage boundaries, on
results that do not depend on the executor, so the stopping point is reproducible.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import datetime as _dt
import gc
import io
import json
import math
import os
import sys
import time
import traceback
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from collections.abc import Mapping
from typing import Callable

import numpy as np
import yaml

from .config.loader import scenario_from_dict
from .config.schema import Scenario, resolved_dict
from .model import simulate
from .output import scenario_hash
from .stats import sample_trace, summarize

MIN_PILOT = 10
MAX_BATCH = 32
STORAGE_KPIS = ("load_tank_peak_needed_t", "load_tank_peak_deferred_t", "discharge_tank_peak_needed_t",
                "discharge_tank_peak_deferred_t")


class StudyError(ValueError):
    """A study that cannot run as asked (e.g. its directory holds a different study)."""


# ------------------------------------------------------------------ records
class KpiRow(Mapping):
    """One replication's KPIs: a read-only mapping over a float64 array and a name index
    shared by all rows (720 bytes for 90 KPIs, against ~5 KB for a dict)."""

    __slots__ = ("_index", "_values")

    def __init__(self, index: dict[str, int], values: np.ndarray) -> None:
        self._index = index
        self._values = values

    def __getitem__(self, key: str) -> float:
        return float(self._values[self._index[key]])

    def __iter__(self):
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class ResultTable(Mapping):
    """A study's results by replication number, stored column-wise.

    KPIs live in one float64 array indexed by replication number (grown by doubling),
    errors in a dict; nothing is allocated per replication.  That matters: a small
    record kept per replication is allocated amid that replication's garbage and pins a
    mostly empty heap arena, so memory grew ~10 KB per replication.  Reading
    ``table[r]`` builds ``{"replication", "seed", "error", "kpis"}`` on demand.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self._v = np.empty((0, 0))
        self._done = np.zeros(0, dtype=bool)
        self.errors: dict[int, str] = {}

    def _grow(self, r: int) -> None:
        cap = max(64, 2 * self._done.size, r + 1)
        done = np.zeros(cap, dtype=bool)
        done[: self._done.size] = self._done
        self._done = done
        if self.names:
            v = np.full((cap, len(self.names)), np.nan)
            v[: self._v.shape[0]] = self._v
            self._v = v

    def add(self, rec: dict) -> None:
        r = int(rec["replication"])
        kpis = rec.get("kpis") or {}
        if kpis and not self.names:
            self.names = list(kpis)
            self.index = {k: i for i, k in enumerate(self.names)}
            self._v = np.full((self._done.size, len(self.names)), np.nan)
        if r >= self._done.size:
            self._grow(r)
        if kpis:
            self._v[r] = [kpis.get(k, math.nan) for k in self.names]
        self._done[r] = True
        if rec.get("error"):
            self.errors[r] = rec["error"]

    def upto(self, n: int) -> "ResultTable":
        """The results of replications 0 .. n-1 only."""
        t = ResultTable(self.seed)
        t.names, t.index, t.errors = self.names, self.index, {r: e for r, e in self.errors.items() if r < n}
        t._done = self._done.copy()
        t._done[n:] = False
        t._v = self._v
        return t

    def ok(self) -> np.ndarray:
        """Replication numbers that ran without error, ascending."""
        mask = self._done.copy()
        mask[[r for r in self.errors if r < mask.size]] = False
        return np.flatnonzero(mask)

    def frame(self):
        """One row per replication, all KPIs as columns (a pandas DataFrame)."""
        import pandas as pd

        reps = np.flatnonzero(self._done)
        df = pd.DataFrame(self._v[reps] if self.names else np.zeros((reps.size, 0)), columns=self.names,
                          index=pd.Index(reps, name="replication"))
        df.insert(0, "error", [self.errors.get(int(r), "") for r in reps])
        df.insert(0, "seed", self.seed)
        return df

    def column(self, name: str) -> np.ndarray:
        """One KPI over the replications that ran, in replication order."""
        return self._v[self.ok(), self.index[name]] if self.names else np.zeros(0)

    def __contains__(self, r: object) -> bool:
        return isinstance(r, (int, np.integer)) and 0 <= r < self._done.size and bool(self._done[r])

    def __getitem__(self, r: int) -> dict:
        if r not in self:
            raise KeyError(r)
        kpis = KpiRow(self.index, self._v[r]) if self.names else {}
        return {"replication": int(r), "seed": self.seed, "error": self.errors.get(int(r), ""), "kpis": kpis}

    def __iter__(self):
        return iter(int(r) for r in np.flatnonzero(self._done))

    def __len__(self) -> int:
        return int(self._done.sum())


# ------------------------------------------------------------------ worker side
@dataclass(frozen=True)
class Task:
    """One batch of replications: plain, picklable data only."""

    scenario: dict
    scenario_sha256: str
    seed: int
    replications: tuple[int, ...]
    horizon_h: float
    storage: bool = False


@lru_cache(maxsize=16)
def _scenario(sha: str, text: str) -> Scenario:
    return scenario_from_dict(json.loads(text))


def _lifted(scenario: Scenario, role: str, horizon_h: float) -> Scenario:
    """The scenario with one tank farm too large ever to fill: its initial level plus
    the most that could flow in over the horizon (supply at its highest scripted factor,
    every discharge berth at full rate), with room to spare."""
    d = resolved_dict(scenario)
    port = scenario.load_port if role == "load" else scenario.discharge_port
    if role == "load":
        boost = max([1.0] + [x.factor for x in scenario.disruptions if x.target == "supply"])
        inflow = scenario.supply.rate_t_per_h * boost
    else:
        inflow = port.berths * port.transfer_rate_t_per_h
    cap = port.tank_farm.initial_level_t + horizon_h * inflow * 2.0 + port.tank_farm.capacity_t
    d[f"{role}_port"]["tank_farm"]["capacity"] = f"{cap!r} t"
    return scenario_from_dict(d)


_runs_since_collect = 0
COLLECT_EVERY = 64


def _collect_garbage() -> None:
    """A full collection every COLLECT_EVERY replications.  Each replication leaves a
    web of reference cycles (environment, processes, components) that has usually been
    promoted to the oldest generation while it ran; CPython collects that generation
    only when the long-lived object count has grown by a quarter, which a study's slowly
    growing results rarely do, so without this the dead worlds pile up and memory grows
    with the number of replications."""
    global _runs_since_collect
    _runs_since_collect += 1
    if _runs_since_collect >= COLLECT_EVERY:
        _runs_since_collect = 0
        gc.collect()


def run_task(task: Task) -> list[dict]:
    """Run a batch; one record per replication (KPIs, daily levels, or the error)."""
    text = json.dumps(task.scenario, sort_keys=True)
    scenario = _scenario(task.scenario_sha256, text)
    days = np.arange(0.0, task.horizon_h + 1e-9, 24.0)
    out = []
    for r in task.replications:
        rec: dict = {"replication": r, "seed": task.seed, "error": ""}
        try:
            res = simulate(scenario, seed=task.seed, replication=r, horizon_h=task.horizon_h)
            rec["kpis"] = res.kpis
            tanks = [k for k in ("load_tank", "discharge_tank", "station_tank") if k in res.traces][:2]
            rec["levels"] = np.stack([sample_trace(*res.traces[k], days) for k in tanks] + [np.full(days.size, np.nan)] * (2 - len(tanks)))
            if task.storage:
                for role in ("load", "discharge"):
                    lifted = simulate(_lifted(scenario, role, task.horizon_h), seed=task.seed, replication=r, horizon_h=task.horizon_h)
                    rec["kpis"][f"{role}_tank_peak_needed_t"] = lifted.kpis[f"{role}_tank_level_max_t"]
                    rec["kpis"][f"{role}_tank_peak_deferred_t"] = lifted.kpis["deferred_t"]
        except Exception as e:  # a failed replication is a result, not a crash of the study
            rec["error"] = f"{type(e).__name__}: {e} | {traceback.format_exc(limit=3).splitlines()[-1]}"
        out.append(rec)
        _collect_garbage()
    return out


# ------------------------------------------------------------------ executors
class InProcessExecutor(cf.Executor):
    """Runs each task when submitted, in this process (one worker, no pickling)."""

    def submit(self, fn, /, *args, **kwargs):
        f: cf.Future = cf.Future()
        try:
            f.set_result(fn(*args, **kwargs))
        except BaseException as e:  # KeyboardInterrupt must reach the caller
            if not isinstance(e, Exception):
                raise
            f.set_exception(e)
        return f


def make_executor(workers: int, scheduler: str | None = None) -> tuple[cf.Executor, str, Callable[[], None]]:
    """An executor, its description, and a function that shuts it down."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise StudyError("--scheduler needs Dask: pip install 'shuttle-sim[dask]'") from None
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as e:
            raise StudyError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None
        ex = client.get_executor(pure=False)
        return ex, f"dask:{scheduler}", client.close
    if workers <= 1:
        return InProcessExecutor(), "in-process", lambda: None
    ex = cf.ProcessPoolExecutor(max_workers=workers)
    return ex, f"processes:{workers}", lambda: ex.shutdown(wait=False, cancel_futures=True)


# ------------------------------------------------------------------ storage on disk
class StudyDir:
    """Append-only, crash-safe files of one study (see the module docstring)."""

    def __init__(self, path: str | Path, scenario: Scenario, seed: int, horizon_h: float) -> None:
        self.path = Path(path)
        self.sha = scenario_hash(scenario)
        self.seed = seed
        self.horizon_h = horizon_h
        self.days = int(math.floor(horizon_h / 24.0)) + 1
        self.path.mkdir(parents=True, exist_ok=True)
        m = self.path / "manifest.json"
        if m.exists():
            old = json.loads(m.read_text())
            for key, mine in (("scenario_sha256", self.sha), ("seed", seed), ("horizon_h", horizon_h)):
                if old.get(key) != mine:
                    raise StudyError(
                        f"{self.path} holds a different study ({key} {old.get(key)!r}, this one {mine!r}); "
                        "use another --out directory"
                    )
        (self.path / "scenario.resolved.yaml").write_text(yaml.safe_dump(resolved_dict(scenario), sort_keys=False))

    # -- reading what a previous run finished
    def finished(self) -> dict[int, dict]:
        f = self.path / "replications.csv"
        if not f.exists():
            return {}
        raw = f.read_text()
        good = raw[: raw.rfind("\n") + 1]  # a torn last line (killed mid-write) is dropped
        if len(good) != len(raw):
            f.write_text(good)
        rows = list(csv.DictReader(io.StringIO(good)))
        out = {}
        for row in rows:
            r = int(row.pop("replication"))
            rec = {"replication": r, "seed": int(row.pop("seed")), "error": row.pop("error")}
            rec["kpis"] = {k: float(v) for k, v in row.items()}
            out[r] = rec
        return out

    # -- appending one finished replication
    def append(self, rec: dict, kpi_names: list[str]) -> None:
        f = self.path / "replications.csv"
        new = not f.exists() or f.stat().st_size == 0
        with open(f, "a", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            if new:
                w.writerow(["replication", "seed", "error", *kpi_names])
            w.writerow(_csv_row(rec, kpi_names))
            fh.flush()
            os.fsync(fh.fileno())
        if "levels" in rec:
            with open(self.path / "levels.bin", "ab") as fh:
                fh.write(np.int64(rec["replication"]).tobytes())
                fh.write(np.asarray(rec["levels"], dtype="<f4").reshape(2, self.days).tobytes())
                fh.flush()
                os.fsync(fh.fileno())

    def write_manifest(self, **fields) -> None:
        from . import __version__

        m = self.path / "manifest.json"
        old = json.loads(m.read_text()) if m.exists() else {}
        data = {**old, "package_version": __version__, "scenario_sha256": self.sha, "seed": self.seed,
                "horizon_h": self.horizon_h, "level_days": self.days, **fields}
        tmp = m.with_name(".manifest.json.tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, m)

    def finalize(self, records: "ResultTable", kpi_names: list[str], summary: dict) -> None:
        """Rewrite the CSV in replication order, the summary last (atomic renames)."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["replication", "seed", "error", *kpi_names])
        for r in sorted(records):
            w.writerow(_csv_row(records[r], kpi_names))
        tmp = self.path / ".replications.csv.tmp"
        tmp.write_text(buf.getvalue())
        os.replace(tmp, self.path / "replications.csv")
        tmp = self.path / ".summary.json.tmp"
        tmp.write_text(json.dumps(summary, indent=2) + "\n")
        os.replace(tmp, self.path / "summary.json")


def _csv_row(rec: dict, kpi_names: list[str]) -> list:
    """A replication as a replications.csv row (floats by repr: they read back exactly)."""
    kp = rec.get("kpis") or {}
    return [rec["replication"], rec["seed"], rec["error"], *(repr(float(kp.get(k, math.nan))) for k in kpi_names)]


def read_levels(path: str | Path) -> dict[int, np.ndarray]:
    """Daily tank levels of a study directory: ``{replication: array (2, days)}``
    in tonnes at 00:00 of each day: row 0 the load farm, row 1 the discharge farm (for a
    ferry-only scenario, row 0 the rail loading station's buffer and row 1 NaN)."""
    path = Path(path)
    days = json.loads((path / "manifest.json").read_text())["level_days"]
    rec = np.dtype([("r", "<i8"), ("lv", "<f4", (2, days))])
    raw = (path / "levels.bin").read_bytes()
    arr = np.frombuffer(raw[: len(raw) // rec.itemsize * rec.itemsize], dtype=rec)
    return {int(a["r"]): np.array(a["lv"]) for a in arr}  # a re-run replication: the last copy wins


# ------------------------------------------------------------------ the study
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
        p10, p50, p90}}, "storage": {...}}``.
    """

    scenario_name: str
    seed: int
    records: ResultTable = field(default_factory=lambda: ResultTable(0))
    summary: dict = field(default_factory=dict)

    @property
    def replications(self):
        """One row per replication, all KPIs as columns (a pandas DataFrame)."""
        return self.records.frame()


def _summary(name: str, records: ResultTable, kpi_names: list[str], storage: bool) -> dict:
    ok = records.ok()
    out = {
        "scenario": name,
        "replications": len(records),
        "failed": len(records) - len(ok),
        "kpis": {k: summarize(records.column(k)) for k in kpi_names if k not in STORAGE_KPIS},
    }
    if storage and len(ok):
        out["storage"] = {}
        for role in ("load", "discharge"):
            peaks = records.column(f"{role}_tank_peak_needed_t")
            deferred = records.column(f"{role}_tank_peak_deferred_t")
            # capacity that keeps deferral at zero in a year: that year's peak, if lifting
            # this farm removed all deferral; otherwise no capacity here is enough
            need = np.where(deferred <= 1e-6, peaks, np.inf)
            q90 = float(np.quantile(need, 0.9, method="inverted_cdf"))
            out["storage"][f"{role}_tank"] = {
                "peak_stock_t": summarize(peaks),
                "capacity_for_zero_deferral_in_90pct_of_years_t": q90 if math.isfinite(q90) else None,
                "years_with_deferral_even_unbounded": int(np.sum(deferred > 1e-6)),
            }
    return out


class _Progress:
    def __init__(self, total: int, enabled: bool) -> None:
        self.total, self.enabled, self.done, self.t0 = total, enabled, 0, time.perf_counter()

    def step(self, k: int = 1, total: int | None = None) -> None:
        self.done += k
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        el = time.perf_counter() - self.t0
        eta = el / self.done * (self.total - self.done) if self.done else 0.0
        frac = min(self.done / max(self.total, 1), 1.0)
        bar = "#" * int(30 * frac)
        sys.stderr.write(f"\r[{bar:<30}] {self.done}/{self.total} replications  ETA {int(eta // 60)}:{int(eta % 60):02d} ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled:
            sys.stderr.write("\n")


def run_experiment(
    scenario: Scenario,
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
    scenario : Scenario
    replications : int
        Number of replications; with ``precision``, the size of the first stage
        (at least 10).
    seed : int
        Root seed; replication r uses streams of (seed, r).
    workers : int
        1 runs in this process; more use a process pool (unless ``scheduler`` or
        ``executor`` is given).
    out : path, optional
        Study directory: results are written as they finish and a rerun resumes.
    precision, kpi, max_replications
        Sequential stopping: continue until the 95% CI half-width of ``kpi`` is within
        ``precision`` x |mean|, or ``max_replications``.
    batch : int, optional
        Replications per task (default: about 16 tasks per worker per stage, at most 32).
    storage : bool
        Also run each replication with each tank farm unbounded, and report the storage
        each farm needs (peak stock; capacity for zero deferral in 90% of years).
    scheduler : str, optional
        Address of a Dask scheduler (``tcp://host:port``).
    executor : concurrent.futures.Executor, optional
        Use this executor instead (it is not shut down here).
    """
    h = scenario.horizon_h if horizon_h is None else float(horizon_h)
    if precision is not None and not precision > 0:
        raise StudyError(f"precision must be > 0, found {precision}")
    if replications is not None and replications < 1:
        raise StudyError(f"replications must be >= 1, found {replications}")
    if storage and not scenario.has_tankers:
        raise StudyError("--storage sizes the tanker route's tank farms; this scenario has no tanker route")
    data = resolved_dict(scenario)
    sha = scenario_hash(scenario)
    sd = StudyDir(out, scenario, seed, h) if out is not None else None
    records = ResultTable(seed)
    for rec in (sd.finished() if sd else {}).values():
        records.add(rec)
    kpi_names: list[str] = list(records.names)
    own_executor = executor is None
    if own_executor:
        executor, described, shutdown = make_executor(workers, scheduler)
    else:
        described, shutdown = type(executor).__name__, (lambda: None)
    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    if sd:
        sd.write_manifest(status="running", executor=described, started=started, scenario=scenario.name)
    target = min(max(MIN_PILOT, replications or 0), max_replications) if precision else replications
    bar = _Progress(target, progress)
    bar.step(len([r for r in records if r < target]))
    n_tasks_workers = max(workers, 1)
    try:
        while True:
            missing = [r for r in range(target) if r not in records]
            # about 16 tasks per worker (an even finish), never more than MAX_BATCH replications:
            # a task's results are held in memory until it returns
            size = batch or min(MAX_BATCH, max(1, math.ceil(len(missing) / (16 * n_tasks_workers))))
            chunks = [tuple(missing[i : i + size]) for i in range(0, len(missing), size)]
            # a few tasks in flight at a time: results are saved as they come, and
            # memory does not grow with the number of replications
            todo = iter(chunks)
            pending: set = set()
            while True:
                while len(pending) < 2 * max(n_tasks_workers, 2):
                    c = next(todo, None)
                    if c is None:
                        break
                    pending.add(executor.submit(run_task, Task(data, sha, seed, c, h, storage)))
                if not pending:
                    break
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    for rec in fut.result():
                        if not kpi_names and rec.get("kpis"):
                            kpi_names = list(rec["kpis"])
                        if sd:
                            sd.append(rec, kpi_names or [])
                        records.add(rec)  # copied into the table; the record itself is dropped
                        bar.step()
            if precision is None:
                break
            if kpi_names and kpi not in kpi_names:
                raise StudyError(f"--kpi {kpi!r} is not a KPI; expected one of: {', '.join(kpi_names)}")
            s = summarize(records.upto(target).column(kpi))
            hw, mean = s["ci95_halfwidth"], s["mean"]
            if hw is not None and mean is not None and hw <= precision * abs(mean):
                break
            if target >= max_replications:
                break
            # next stage: the size the current variance says is needed, at least +10
            need = target if hw is None or not mean else math.ceil(target * (hw / (precision * abs(mean))) ** 2)
            target = min(max(need, target + MIN_PILOT), max_replications)
            bar.step(0, total=target)
    except KeyboardInterrupt:
        bar.close()
        if sd:
            sd.write_manifest(status="interrupted", replications_finished=len(records))
        raise
    finally:
        if own_executor:
            shutdown()
    bar.close()
    final = records.upto(target)
    summary = _summary(scenario.name, final, kpi_names, storage)
    summary["seed"] = seed
    if precision is not None:
        summary["precision"] = {"kpi": kpi, "target": precision, "reached": _reached(final, kpi, precision)}
    if sd:
        sd.finalize(final, kpi_names, summary)
        sd.write_manifest(status="complete", replications=len(final),
                          finished=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    return Experiment(scenario.name, seed, final, summary)


def _reached(records: ResultTable, kpi: str, precision: float) -> bool:
    s = summarize(records.column(kpi))
    return bool(s["ci95_halfwidth"] is not None and s["ci95_halfwidth"] <= precision * abs(s["mean"]))
