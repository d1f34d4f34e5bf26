"""The simplest evaluator of study cells: serial, in this process, nothing written.

It joins the layers a study needs for one cell: the cell's scenario (config), its
replications (:func:`shuttle_sim.simulate`, seeded by the study's seed and the
replication number, so replication ``r`` of every cell shares its random streams) and
its costs (:mod:`shuttle_sim.study.costs`).  It satisfies
:class:`shuttle_sim.study.search.Evaluator`; the sweep runner provides the parallel,
resumable one over the same protocol.
"""

from __future__ import annotations

import pandas as pd

from ..config.study import LoadedStudy
from .costs import cost_table
from .design import Cell

__all__ = ["InProcessEvaluator"]


class InProcessEvaluator:
    """``evaluate(cell, replications) -> DataFrame`` of KPI and cost columns, one row per replication."""

    def __init__(self, study: LoadedStudy) -> None:
        self.study = study
        self.replications_run = 0

    def __call__(self, cell: Cell, replications: range) -> pd.DataFrame:
        from ..model import simulate

        scenario = self.study.scenario_for(cell)
        rows = [simulate(scenario, self.study.spec.seed, r).kpis for r in replications]
        self.replications_run += len(rows)
        table = pd.DataFrame(rows, index=pd.Index(list(replications), name="replication"))
        costs = cost_table(scenario, table, self.study.costs_for(cell), self.study.horizon_h)
        return pd.concat([table, costs], axis=1)
