"""Start-up cost of the command line and of a worker process.

Each command is run N times in a fresh interpreter, the commands interleaved (so a burst of
load on this shared VM hits them all alike), and the median wall time is printed beside the
median of ``python -c pass`` *of the same rounds* as a ratio: the interpreter's own start
is the floor no import change can go below.

* ``--help``, ``validate`` of a shipped scenario, ``schema``: targets 0.3 s and 0.5 s on an
  idle machine; they import the config layer at most (pydantic), never the engine;
* a worker's imports: what a process started with ``spawn`` or ``forkserver`` (or a Dask
  worker) imports before its first task (``shuttle_sim.study.tasks``), and what a weather
  replication loads on first use (SciPy's filter kernel for the AR(1) weather series,
  :mod:`shuttle_sim.linear_filter`), beside what it used to import (``scipy.signal``).
  A ``fork`` pool (Linux's default) inherits what the parent had imported when it started.

With ``--importtime`` the heaviest imports (``python -X importtime``) of each command are
listed too.

    python benchmarks/bench_startup.py [--runs 15] [--importtime]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = str(ROOT / "configs" / "kcts_concept.yaml")

COMMANDS = {
    "python -c pass": ["-c", "pass"],
    "shuttle-sim --help": ["-m", "shuttle_sim.cli", "--help"],
    "shuttle-sim validate kcts_concept": ["-m", "shuttle_sim.cli", "validate", SCENARIO],
    "shuttle-sim schema": ["-m", "shuttle_sim.cli", "schema"],
    "worker: import study.tasks": ["-c", "import shuttle_sim.study.tasks"],
    "worker: + the weather's filter": ["-c", "import shuttle_sim.study.tasks\n"
                                       "from shuttle_sim.linear_filter import lfilter\n"
                                       "lfilter([1.0], [1.0, -0.5], [0.0, 1.0])"],
    "worker: + scipy.signal (as before)": ["-c", "import shuttle_sim.study.tasks, scipy.signal"],
}
TARGETS_S = {"shuttle-sim --help": 0.3, "shuttle-sim validate kcts_concept": 0.5}
HEAVY = ("numpy", "scipy", "simpy", "pandas", "matplotlib", "pydantic")


def _env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def wall_s(args: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def heavy_imports(args: list[str], env: dict, top: int = 6) -> tuple[list[str], list[tuple[float, str]]]:
    """Which heavy top-level packages a command imports, and its ``top`` costliest imports
    (cumulative ms, outermost first)."""
    err = subprocess.run([sys.executable, "-X", "importtime", *args], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, text=True).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cum, name = line.split("|")
        if cum.strip().isdigit():
            rows.append((int(cum) / 1000, name.rstrip()))
    pkgs = sorted({n.strip().split(".")[0] for _, n in rows} & set(HEAVY))
    outer = [r for r in rows if len(r[1]) - len(r[1].lstrip()) <= 3]  # top-level imports only
    return pkgs, sorted(outer, reverse=True)[:top]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--importtime", action="store_true")
    a = ap.parse_args()
    env = _env()
    times: dict[str, list[float]] = {k: [] for k in COMMANDS}
    for _ in range(a.runs):
        for name, args in COMMANDS.items():
            times[name].append(wall_s(args, env))
    base = statistics.median(times["python -c pass"])
    print(f"median wall of {a.runs} fresh interpreters each (interleaved); load average {os.getloadavg()[0]:.1f}"
          f" on {os.cpu_count()} cores")
    print(f"  {'command':36} {'median s':>9} {'x python -c pass':>17} {'minus pass s':>13}  imports")
    for name, args in COMMANDS.items():
        med = statistics.median(times[name])
        pkgs, _ = heavy_imports(args, env)
        target = f"   target {TARGETS_S[name]} s (idle)" if name in TARGETS_S else ""
        print(f"  {name:36} {med:9.3f} {med / base:17.2f} {med - base:13.3f}  {', '.join(pkgs) or '-'}{target}")
    if a.importtime:
        for name, args in COMMANDS.items():
            if name == "python -c pass":
                continue
            _, top = heavy_imports(args, env)
            print(f"  {name}: " + ", ".join(f"{n.strip()} {ms:.0f} ms" for ms, n in top))


if __name__ == "__main__":
    main()
