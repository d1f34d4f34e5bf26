"""One workload per process, for instruction counting under callgrind (see _instructions.py).

    python benchmarks/_workload.py model|model-off|model-old-weather|build|build-old-weather|bare|skeleton SCENARIO YEARS [N_EVENTS [QUEUE]]

The workload runs inside ``operator.call``, a C function nothing else in the process
calls: callgrind counts only while it runs (``--toggle-collect``), so imports and
scenario loading are left out exactly, with no baseline to subtract.  ``model`` and
``skeleton`` print the number of events they processed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import scipy.signal  # noqa: E402,F401  (the weather series import it on first use: not the workload's cost)
import simpy  # noqa: E402,F401
from bench_core import time_bare, time_skeleton  # noqa: E402  (every mode imports the same)
from bench_weather import without_site_weather, without_weather_and_failures  # noqa: E402

from shuttle_sim import load_scenario  # noqa: E402
from shuttle_sim.engine import scheduled_events  # noqa: E402
from shuttle_sim.model import World  # noqa: E402

import gc  # noqa: E402
import operator  # noqa: E402

mode, path, years = sys.argv[1], sys.argv[2], float(sys.argv[3])
scenario = load_scenario(path)
scenario_off = without_weather_and_failures(scenario)
scenario_old = without_site_weather(scenario) if "old-weather" in mode else None  # issue 15's weather stripped
gc.collect()
gc.disable()  # as in the wall-time runs: collections would land at heap-size-dependent moments


def workload():
    if mode in ("model", "model-off", "model-old-weather"):
        s = {"model": scenario, "model-off": scenario_off, "model-old-weather": scenario_old}[mode]
        w = World(s, seed=1, horizon_h=years * 8760)
        w.run()
        return scheduled_events(w.env)
    if mode in ("build", "build-old-weather"):  # the world alone: weather series and timelines
        World(scenario if mode == "build" else scenario_old, seed=1, horizon_h=years * 8760)
        return ""
    if mode == "bare":
        time_bare(int(sys.argv[4]), int(sys.argv[5]) if len(sys.argv) > 5 else 1)
        return ""
    if mode == "skeleton":
        return time_skeleton(scenario, years * 8760)[1]
    raise SystemExit(f"unknown mode {mode!r}")


print(operator.call(workload))
