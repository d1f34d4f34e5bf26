"""Monte Carlo throughput and memory.

1. Replications per second of kcts_concept.yaml (weather and failures on, 1 year each)
   with 1 worker and with 2; parallel efficiency = rate(2) / (2 x rate(1)).
2. Peak resident memory of a study of 1,000 and of 10,000 short replications (writing to
   a study directory, as the CLI does), each in a fresh process.

    python benchmarks/bench_experiment.py [--reps 120] [--memory-years 0.01]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "configs" / "kcts_concept.yaml"

MEMORY_CHILD = """
import resource, sys
from shuttle_sim import load_scenario, run_experiment
s = load_scenario(sys.argv[1])
run_experiment(s, int(sys.argv[2]), seed=1, workers=1, out=sys.argv[3], horizon_h=float(sys.argv[4]) * 8760)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)  # KiB on Linux
"""


def rate(workers: int, reps: int) -> float:
    """Replications per second in steady state: the pool is started and its workers
    have imported everything before the clock starts (a one-off cost of ~1 s)."""
    import concurrent.futures as cf

    from shuttle_sim import load_scenario, run_experiment
    from shuttle_sim.experiment import InProcessExecutor

    s = load_scenario(SCENARIO)
    ex = InProcessExecutor() if workers == 1 else cf.ProcessPoolExecutor(workers)
    try:
        run_experiment(s, 2 * workers, seed=0, workers=workers, executor=ex)  # warm up
        t0 = time.perf_counter()
        run_experiment(s, reps, seed=1, workers=workers, executor=ex)
        return reps / (time.perf_counter() - t0)
    finally:
        ex.shutdown()


def peak_mib(n: int, years: float) -> float:
    with tempfile.TemporaryDirectory() as d:
        out = subprocess.run([sys.executable, "-c", MEMORY_CHILD, str(SCENARIO), str(n), d, str(years)],
                             capture_output=True, text=True, check=True).stdout
    return int(out.strip().splitlines()[-1]) / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=120)
    ap.add_argument("--memory-years", type=float, default=0.01)
    args = ap.parse_args()
    r1 = rate(1, args.reps)
    r2 = rate(2, args.reps)
    print(f"kcts_concept, 1 yr replications: 1 worker {r1:.2f} rep/s, 2 workers {r2:.2f} rep/s,"
          f" parallel efficiency {r2 / (2 * r1):.0%}")
    for n in (1_000, 10_000):
        t0 = time.perf_counter()
        mib = peak_mib(n, args.memory_years)
        print(f"{n:6d} replications of {args.memory_years:g} yr: peak RSS {mib:7.1f} MiB"
              f" ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
