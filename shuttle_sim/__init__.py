"""shuttle_sim: discrete-event simulation of trans-Caspian crude export.

Public API::

    import shuttle_sim
    scenario = shuttle_sim.load_scenario("configs/aktau_current.yaml")
    result = shuttle_sim.simulate(scenario, seed=1)
    result.kpis["delivered_mt_per_year"]
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
    "scenario_from_dict",
    "simulate",
    "__version__",
]
