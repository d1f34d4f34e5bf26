"""One workload per process, for instruction counting under callgrind (see _instructions.py).

    python benchmarks/_workload.py baseline|model|model-off|bare|skeleton SCENARIO YEARS [N_EVENTS]

Every mode imports the package and loads the scenario, so that subtracting ``baseline``
leaves the workload alone.  ``model`` prints the number of events it processed.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import simpy  # noqa: E402,F401
from bench_core import time_bare, time_skeleton  # noqa: E402  (every mode imports the same)
from bench_weather import without_weather_and_failures  # noqa: E402

from shuttle_sim import load_scenario  # noqa: E402
from shuttle_sim.model import World  # noqa: E402

import gc  # noqa: E402

mode, path, years = sys.argv[1], sys.argv[2], float(sys.argv[3])
scenario = load_scenario(path)
gc.collect()
gc.disable()  # as in the wall-time runs: collections would land at heap-size-dependent moments
scenario_off = without_weather_and_failures(scenario)
if mode in ("model", "model-off"):
    w = World(scenario if mode == "model" else scenario_off, seed=1, horizon_h=years * 8760)
    w.run()
    print(next(w.env._eid))
elif mode == "bare":
    time_bare(int(sys.argv[4]))
elif mode == "skeleton":
    print(time_skeleton(scenario, years * 8760)[1])
