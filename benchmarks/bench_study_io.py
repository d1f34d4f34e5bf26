"""Fixed cost of writing a study directory, per short replication.

Runs the same study of very short replications (aktau_current, 1 day each) in-process
with and without ``out=``, alternating, and prints the median wall time per replication
of each and their difference: what the result files cost a replication.  Run it against
another tree to compare (``PYTHONPATH=/path/to/tree python benchmarks/bench_study_io.py``).

    python benchmarks/bench_study_io.py [--reps 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "aktau_current.yaml"


def per_rep_ms(scenario, reps: int, seed: int, out: str | None) -> float:
    from shuttle_sim import run_experiment

    t0 = time.perf_counter()
    run_experiment(scenario, reps, seed=seed, workers=1, out=out, horizon_h=24.0)
    return (time.perf_counter() - t0) / reps * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    import shuttle_sim

    s = shuttle_sim.load_scenario(SCENARIO)
    per_rep_ms(s, 20, 0, None)  # warm up imports and caches
    bare, written = [], []
    with tempfile.TemporaryDirectory() as d:
        for i in range(a.rounds):
            bare.append(per_rep_ms(s, a.reps, i + 1, None))
            written.append(per_rep_ms(s, a.reps, i + 1, str(Path(d) / f"s{i}")))
    b, w = statistics.median(bare), statistics.median(written)
    print(f"shuttle_sim from {Path(shuttle_sim.__file__).parent}")
    print(f"{a.reps} replications of 1 day, {a.rounds} rounds, medians per replication:")
    print(f"  without --out  {b:7.3f} ms")
    print(f"  with --out     {w:7.3f} ms")
    print(f"  files cost     {w - b:7.3f} ms per replication ({w / b:.2f}x)")


if __name__ == "__main__":
    main()
