"""shuttle_sim: discrete-event simulation of trans-Caspian crude export.

Public API::

    import shuttle_sim
    scenario = shuttle_sim.load_scenario("configs/aktau_current.yaml")
    result = shuttle_sim.simulate(scenario, seed=1)
    result.kpis["delivered_mt_per_year"]
    sweep = shuttle_sim.run_sweep("experiments/kcts_fleet_sizing.yaml", workers=2)
    sweep.answer, sweep.cells, sweep.replications   # pandas DataFrames
"""

from . import _native

_native.use_source_if_requested()  # SHUTTLE_SIM_PURE=1: the hot modules as Python source

from .config.loader import ConfigError, load_scenario, scenario_from_dict
from .config.schema import Scenario
from .experiment import Experiment, run_experiment
from .model import simulate
from .results import Result

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Experiment",
    "Result",
    "Scenario",
    "load_scenario",
    "run_experiment",
    "run_sweep",
    "scenario_from_dict",
    "simulate",
    "__version__",
]

_LAZY = {"run_sweep": ".study.sweep"}  # loaded on first use (pandas, the study layer)


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
