"""Adaptive search vs the full grid on the shipped studies: same answer? at what cost?

Runs each study twice through the serial in-process evaluator (one core): every cell
with the study's replications, then the adaptive search (pilot 10, cap = the study's
replications).  Prints replications, wall time and whether the answers agree.

    PYTHONPATH=$PWD python benchmarks/bench_search.py [experiments/X.yaml ...]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from shuttle_sim.config.study import PrecisionRule, load_study
from shuttle_sim.study.evaluate import InProcessEvaluator
from shuttle_sim.study.search import full_grid, search

ROOT = Path(__file__).resolve().parents[1]


def short(changes: dict) -> str:
    """Overrides in a line: a list of disruptions by their notes."""
    def one(v):
        if isinstance(v, list) and all(isinstance(d, dict) and "note" in d for d in v):
            return "+".join(d["note"] for d in v)
        return v
    return ", ".join(f"{k}={one(v)}" for k, v in changes.items())


def best(answers: list[dict]) -> list:
    """(condition, chosen cell) per answer: what must agree between grid and search."""
    return [(short(a.get("condition") or {}),
             short(a["best"]["overrides"]) if a["feasible"] else "none; nearest " + short(a["nearest"]["overrides"]))
            for a in answers]


def main(paths: list[str]) -> None:
    for path in paths or sorted(str(p) for p in (ROOT / "experiments").glob("*.yaml")):
        s = load_study(path)
        sp = s.spec
        n = sp.replications.max if isinstance(sp.replications, PrecisionRule) else sp.replications
        axis = sp.search.monotone or next(iter(s.factors))
        kw = dict(targets=s.targets, confidence=sp.confidence, objective=sp.objective.minimise,
                  linked=sp.linked, conditions=sp.conditions)
        t0 = time.perf_counter()
        ref = full_grid(s.factors, InProcessEvaluator(s), n=n, **kw)
        t_grid = time.perf_counter() - t0
        t0 = time.perf_counter()
        ada = search(s.factors, axis, InProcessEvaluator(s), n_min=min(10, n), n_max=n, **kw)
        t_ada = time.perf_counter() - t0
        print(f"{Path(path).stem}: {len(s.cells)} cells")
        print(f"  full grid: {ref['replications']} replications, {t_grid:.1f} s")
        print(f"  adaptive : {ada['replications']} replications in {ada['cells_evaluated']} cells, {t_ada:.1f} s "
              f"(ratio {ada['replications'] / ref['replications']:.2f})")
        same = best(ref["answers"]) == best(ada["answers"])
        print(f"  same answer: {same}")
        for (cond, b), a in zip(best(ref["answers"]), ref["answers"]):
            cost = f" at {a['best']['objective']:.4g} ({sp.objective.minimise})" if a["feasible"] else ""
            print(f"    {cond + ' -> ' if cond else ''}{b}{cost}")
        if not same:
            for cond, b in best(ada["answers"]):
                print(f"    adaptive: {cond + ' -> ' if cond else ''}{b}")
        sys.stdout.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
