"""Monte Carlo throughput and memory.

1. A whole study as a user runs it: ``--study-reps`` (default 1,000) one-year replications of
   kcts_concept.yaml (weather and failures on), in a fresh process each, with 1 worker (in
   process) and with 2 (a process pool): wall time from the call to the summary, pool start
   and every import included (the interpreter's own start and loading the scenario are
   not), and the CPU seconds of the process and its workers.  Parallel efficiency =
   wall(1) / (2 x wall(2)).  Target: 1,000 replications under 5 s wall on 2 cores, efficiency
   >= 90%.  On a VM shared with other jobs wall time includes their load: the CPU columns,
   and the load average printed, say how far.
2. Replications per second in steady state (pool started, workers warm): the same ratio
   without start-up costs.
3. Peak resident memory of a study of 1,000 and of 10,000 short replications (writing to
   a study directory, as the CLI does), each in a fresh process.

    python benchmarks/bench_experiment.py [--study-reps 1000] [--reps 120] [--memory-years 0.01] [--skip-memory]
"""

from __future__ import annotations

import argparse
import os
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


STUDY_CHILD = """
import os, resource, sys, time
from shuttle_sim import load_scenario, run_experiment
s = load_scenario(sys.argv[1])
t0, c0 = time.perf_counter(), time.process_time()
run_experiment(s, int(sys.argv[2]), seed=1, workers=int(sys.argv[3]))
wall, cpu = time.perf_counter() - t0, time.process_time() - c0
ch = resource.getrusage(resource.RUSAGE_CHILDREN)
print(wall, cpu, ch.ru_utime + ch.ru_stime, os.getloadavg()[0])
"""


def study(workers: int, reps: int) -> tuple[float, float, float, float]:
    """A fresh process runs a ``reps`` study with ``workers``: (wall s, its own CPU s, its
    workers' CPU s, load average at the end)."""
    out = subprocess.run([sys.executable, "-c", STUDY_CHILD, str(SCENARIO), str(reps), str(workers)],
                         capture_output=True, text=True, check=True).stdout
    wall, cpu, children, load = map(float, out.split())
    return wall, cpu, children, load


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
    ap.add_argument("--study-reps", type=int, default=1000)
    ap.add_argument("--skip-memory", action="store_true")
    args = ap.parse_args()
    from shuttle_sim import _native

    build = "compiled" if _native.compiled_modules() else "pure Python"
    print(f"shuttle_sim from {Path(__import__('shuttle_sim').__file__).parent} ({build}); {os.cpu_count()} cores,"
          f" load average {os.getloadavg()[0]:.1f}")
    walls = {}
    for w in (1, 2):
        wall, cpu, children, load = study(w, args.study_reps)
        walls[w] = wall
        print(f"  study of {args.study_reps} x 1 yr, {w} worker{'s' if w > 1 else ' '}: wall {wall:6.2f} s,"
              f" CPU {cpu + children:6.2f} s (parent {cpu:.2f}, workers {children:.2f}), load average {load:.1f}")
    print(f"  parallel efficiency wall(1) / (2 x wall(2)) = {walls[1] / (2 * walls[2]):.0%};"
          f" 2 workers: {walls[2]:.2f} s (target < 5 s for 1,000), {1e3 * walls[2] / args.study_reps:.2f} ms/replication")
    r1 = rate(1, args.reps)
    r2 = rate(2, args.reps)
    print(f"kcts_concept, 1 yr replications: 1 worker {r1:.2f} rep/s, 2 workers {r2:.2f} rep/s,"
          f" parallel efficiency {r2 / (2 * r1):.0%}")
    for n in () if args.skip_memory else (1_000, 10_000):
        t0 = time.perf_counter()
        mib = peak_mib(n, args.memory_years)
        print(f"{n:6d} replications of {args.memory_years:g} yr: peak RSS {mib:7.1f} MiB"
              f" ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
