"""Adaptive search: spend replications only where the decision is still open.

Two ideas, each simple and each testable without SimPy:

1. **Sequential cells.**  A cell gets a pilot of ``n_min`` replications, then more in
   growing batches, and stops as soon as every target is met or one is missed with the
   study's confidence (:func:`shuttle_sim.study.targets.assess`), or at the cap ``n_max``.
   Looking repeatedly at the same data inflates the error rate, so each look is made at
   the Bonferroni-adjusted confidence ``1 - (1 - c) / looks`` over the at most ``looks``
   looks the doubling schedule allows (a group-sequential design in the spirit of
   Jennison & Turnbull, *Group Sequential Methods*, 2000, with the simplest spending rule).
   This is the idea behind sim-tools' OCBA and "indifference-zone" procedures: put runs
   where the decision is uncertain, not where it is already clear.
2. **Bisection on monotone factors.**  Fleet count, berths and tankage are monotone: more
   never makes a design less able to meet a throughput or deferral target, and it costs
   more to build.  Within each combination of the other factors (a *line*), the cheapest
   feasible level is the smallest feasible one, found by bisection over the ordered levels
   in ``O(log k)`` cells instead of ``k``.  Because operating costs (deferral, demurrage)
   can fall as capacity grows, the search then steps up the line while the estimated
   objective keeps falling, so it stays the grid's answer when cost is not monotone.

The model is reached only through an evaluator::

    evaluate(cell: Cell, replications: range) -> pandas.DataFrame

returning one row per replication, in that order, with the targets' KPI columns and the
objective column.  Replication ``r`` of every cell must use the same random numbers
(common random numbers), which the evaluator guarantees; the search never draws any.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, Sequence

import pandas as pd

from .design import Cell, grid
from .targets import TargetLike, answers_by_condition, assess_cell, cell_verdict

__all__ = ["Evaluator", "CellRun", "settle", "search", "full_grid"]


class Evaluator(Protocol):
    def __call__(self, cell: Cell, replications: range) -> pd.DataFrame: ...


@dataclass
class CellRun:
    """What is known of one cell: its replication table and verdict."""

    cell: Cell
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    verdict: str = "undecided"

    @property
    def n(self) -> int:
        return len(self.table)


def _looks(n_min: int, n_max: int) -> int:
    return 1 + max(0, math.ceil(math.log2(n_max / n_min))) if n_max > n_min else 1


def settle(
    run: CellRun, evaluate: Evaluator, targets: Sequence[TargetLike], confidence: float, n_min: int, n_max: int
) -> CellRun:
    """Replicate one cell until every target is decided or ``n_max`` is reached.

    The schedule is ``n_min, 2 n_min, 4 n_min, ...`` capped at ``n_max`` (each step no
    smaller than the replications the current estimates say would settle it, when that
    is known and below the cap); each look is at the Bonferroni-adjusted confidence.
    """
    c_look = 1.0 - (1.0 - confidence) / _looks(n_min, n_max)
    target_n = max(n_min, run.n)
    while True:
        if target_n > run.n:
            new = evaluate(run.cell, range(run.n, target_n))
            run.table = pd.concat([run.table, new], ignore_index=True) if run.n else new.reset_index(drop=True)
        ass = assess_cell(run.table, targets, c_look)
        run.verdict = cell_verdict(ass)
        if run.verdict != "undecided" or run.n >= n_max:
            return run
        wanted = max((a.replications_to_settle or 0) for a in ass if a.verdict == "undecided")
        target_n = min(n_max, max(2 * run.n, wanted if 0 < wanted else 2 * run.n))


def _lines(
    factors: Mapping[str, Sequence[Any]], axis: str, linked: Sequence[Sequence[str]], keep
) -> dict[tuple, list[Cell]]:
    """Group the grid's cells by every factor but ``axis``, each line ordered by ``axis`` level."""
    order = {repr(v): i for i, v in enumerate(factors[axis])}
    lines: dict[tuple, list[Cell]] = {}
    for cell in grid(factors, linked, keep):
        key = tuple((p, repr(v)) for p, v in cell.changes if p != axis)
        lines.setdefault(key, []).append(cell)
    for cells in lines.values():
        cells.sort(key=lambda c: order[repr(c[axis])])
    return lines


def search(
    factors: Mapping[str, Sequence[Any]],
    axis: str,
    evaluate: Evaluator,
    targets: Sequence[TargetLike],
    confidence: float,
    objective: str,
    n_min: int = 10,
    n_max: int = 40,
    linked: Sequence[Sequence[str]] = (),
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
    conditions: Sequence[str] = (),
) -> dict:
    """Cheapest feasible cell by bisection along the monotone factor ``axis``.

    Parameters
    ----------
    factors : key path -> levels
        The design's factors; ``axis`` is the monotone one, its levels in increasing
        order of capacity (and cost).  Other monotone factors are searched line by line
        like any other factor (each line is one combination of them).
    evaluate : Evaluator
    targets, confidence, objective
        As in the study (objective: a column of the evaluator's tables, minimised).
    n_min, n_max : int
        Pilot and cap of replications per cell.
    linked, keep
        As in :func:`shuttle_sim.study.design.grid`.
    conditions : key paths
        Factors that are circumstances, not choices: one answer per combination.

    Returns
    -------
    dict
        ``answers`` (:func:`shuttle_sim.study.targets.answers_by_condition` over the
        cells evaluated, at the study's confidence on all their replications), ``answer``
        (the first of them: the only one without conditions), ``runs`` (name -> CellRun),
        ``replications`` (total spent), ``cells_evaluated`` and ``skipped``: the cells
        never run, each with what monotonicity says of it (not feasible, below a cell
        that is not; or feasible but dearer, above the line's cheapest feasible cell).
    """
    if axis not in factors:
        raise ValueError(f"expected the monotone factor {axis!r} among the factors {list(factors)}")
    if any(axis in g for g in linked):
        raise ValueError(f"expected the monotone factor {axis!r} not to be linked to others")
    runs: dict[str, CellRun] = {}

    def run(cell: Cell) -> CellRun:
        if cell.name not in runs:
            runs[cell.name] = settle(CellRun(cell), evaluate, targets, confidence, n_min, n_max)
        return runs[cell.name]

    skipped: list[dict] = []
    for cells in _lines(factors, axis, linked, keep).values():
        lo, hi = -1, len(cells)  # cells[lo] not shown feasible; cells[hi] feasible (sentinels)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if run(cells[mid]).verdict == "feasible":
                hi = mid
            else:
                lo = mid
        # step up while the objective keeps falling (it may when deferral or demurrage dominate)
        i = hi
        while i + 1 < len(cells):
            here, up = run(cells[i]), run(cells[i + 1])
            if up.verdict != "feasible" or _mean(up, objective) >= _mean(here, objective):
                break
            i += 1
        for j, c in enumerate(cells):
            if c.name not in runs:
                skipped.append({"name": c.name, "overrides": c.overrides,
                                "inferred": "not feasible (a larger cell on its line is not shown to meet the targets)" if j < hi else "feasible but dearer"})
    out = _result(runs, targets, confidence, objective, conditions, factors)
    out["skipped"] = skipped
    return out


def _result(runs: dict, targets, confidence: float, objective: str, conditions: Sequence[str],
            factors: Mapping[str, Sequence[Any]]) -> dict:
    answers = answers_by_condition({n: {"overrides": r.cell.overrides, "table": r.table} for n, r in runs.items()},
                                   targets, confidence, objective, conditions, factors)
    return {"answers": answers, "answer": answers[0], "runs": runs,
            "replications": sum(r.n for r in runs.values()), "cells_evaluated": len(runs)}


def _mean(run: CellRun, objective: str) -> float:
    return float(run.table[objective].mean())


def full_grid(
    factors: Mapping[str, Sequence[Any]],
    evaluate: Evaluator,
    targets: Sequence[TargetLike],
    confidence: float,
    objective: str,
    n: int,
    linked: Sequence[Sequence[str]] = (),
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
    conditions: Sequence[str] = (),
) -> dict:
    """Every cell with ``n`` replications, judged the same way (the reference for :func:`search`)."""
    runs = {}
    for cell in grid(factors, linked, keep):
        r = CellRun(cell, evaluate(cell, range(n)).reset_index(drop=True))
        r.verdict = cell_verdict(assess_cell(r.table, targets, confidence))
        runs[cell.name] = r
    return _result(runs, targets, confidence, objective, conditions, factors)
