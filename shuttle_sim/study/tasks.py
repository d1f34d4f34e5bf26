"""Picklable tasks and the worker side of a study.

A :class:`Task` is a batch of replications of one scenario, carried as plain data (the
resolved scenario dict, its hash, the seed, replication numbers), so it crosses process
and machine boundaries without pickling model objects.  :func:`run_task` runs it
wherever the executor puts it and returns one :class:`~.records.Record` per replication.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..components.weather_cache import WeatherCache
from ..config.loader import scenario_from_dict
from ..config.schema import Scenario
from ..model import simulate
from ..stats import sample_trace
from .records import Record, describe_error
from .storage import ROLES, lifted, storage_kpis

__all__ = ["Task", "run_task", "LEVEL_TANKS"]

#: Traces sampled into a record's daily levels, the first two a scenario has.
LEVEL_TANKS = ("load_tank", "discharge_tank", "station_tank")


@dataclass(frozen=True)
class Task:
    """One batch of replications: plain, picklable data only."""

    scenario: dict
    scenario_sha256: str
    seed: int
    replications: tuple[int, ...]
    horizon_h: float
    storage: bool = False
    cell: str = ""


#: This worker's weathers of a sweep: a replication's weather is drawn once for all the
#: cells this process runs it for (``sweep._evaluate`` hands out a grid batch by batch
#: across the cells, so that the next cell's batch finds it here).
WEATHERS = WeatherCache()


@lru_cache(maxsize=128)  # a sweep's grid goes batch by batch across its runs: one each (~45 kB)
def _scenario(sha: str, text: str) -> Scenario:
    return scenario_from_dict(json.loads(text))


@lru_cache(maxsize=16)
def _lifted(sha: str, text: str, horizon_h: float) -> dict[str, Scenario]:
    s = _scenario(sha, text)
    return {role: lifted(s, role, horizon_h) for role in ROLES}


def daily_levels(traces: dict, horizon_h: float) -> np.ndarray:
    """Levels (t) at 00:00 of each day of the first two tank traces; NaN rows if fewer."""
    days = np.arange(0.0, horizon_h + 1e-9, 24.0)
    tanks = [k for k in LEVEL_TANKS if k in traces][:2]
    rows = [sample_trace(*traces[k], days) for k in tanks] + [np.full(days.size, np.nan)] * (2 - len(tanks))
    return np.stack(rows)


def run_task(task: Task) -> list[Record]:
    """Run a batch; one record per replication (KPIs and daily levels, or the error)."""
    text = json.dumps(task.scenario, sort_keys=True)
    scenario = _scenario(task.scenario_sha256, text)
    out = []
    for r in task.replications:
        # a sweep's cells share this process's weathers; a storage study's replication
        # shares its own with the runs of its lifted farms, and keeps it no longer
        weathers = WEATHERS if task.cell else WeatherCache(1, 0) if task.storage else None
        rec = Record(r, task.seed, cell=task.cell)
        t0 = time.perf_counter()
        try:
            res = simulate(scenario, seed=task.seed, replication=r, horizon_h=task.horizon_h, closures=False,
                           weathers=weathers)
            kpis = dict(res.kpis)
            levels = daily_levels(res.traces, task.horizon_h)
            if task.storage:
                kpis.update(storage_kpis(scenario, _lifted(task.scenario_sha256, text, task.horizon_h),
                                         task.seed, r, task.horizon_h, weathers))
            rec.kpis, rec.levels = kpis, levels
        except Exception as e:  # a failed replication is a result, not a crash of the study
            rec.error, rec.kpis, rec.levels = describe_error(e), {}, None
        rec.runtime_s = time.perf_counter() - t0
        out.append(rec)
    return out
