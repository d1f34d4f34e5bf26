"""The simplest evaluator of study cells: in this process, nothing written.

It is the sweep's own evaluator (:class:`shuttle_sim.study.runner.Runner`) over an
in-process executor and without a directory, so a cell's table is the same, bit for bit,
here and in ``run_sweep``: the cell's scenario (config), its replications (seeded by the
study's seed and the replication number, so replication ``r`` of every cell shares its
random streams) and its costs (:mod:`shuttle_sim.study.costs`).  It satisfies
:class:`shuttle_sim.study.search.Evaluator`; a replication asked for twice runs once.
"""

from __future__ import annotations

import concurrent.futures as cf

import pandas as pd

from ..config.study import LoadedStudy
from .design import Cell
from .executors import InProcessExecutor

__all__ = ["InProcessEvaluator"]


class _NoBar:
    def update(self, n: int = 1) -> None:
        pass


class InProcessEvaluator:
    """``evaluate(cell, replications) -> DataFrame`` of KPI and cost columns, one row per
    replication (indexed by replication number).  ``executor`` and ``workers`` run the
    replications elsewhere (a process pool, say), still called from one thread."""

    def __init__(self, study: LoadedStudy, executor: cf.Executor | None = None, workers: int = 1) -> None:
        from .runner import Runner

        self.study = study
        self._runner = Runner(study, None, executor or InProcessExecutor(), workers, None, _NoBar())

    @property
    def replications_run(self) -> int:
        """Replications simulated so far."""
        return self._runner.ran

    def __call__(self, cell: Cell, replications: range) -> pd.DataFrame:
        return self._runner(cell, replications)
