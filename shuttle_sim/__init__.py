"""shuttle_sim: discrete-event simulation of trans-Caspian crude export.

Public API::

    import shuttle_sim
    scenario = shuttle_sim.load_scenario("configs/aktau_current.yaml")
    result = shuttle_sim.simulate(scenario, seed=1)
    result.kpis["delivered_mt_per_year"]
    shuttle_sim.report("runs/kcts", out="plots/kcts")   # a plot report of a result directory

Names are imported on first use (PEP 562), so ``import shuttle_sim.report`` or
``shuttle_sim.kpis`` does not load the engine (SimPy).
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING

from . import _native

_native.use_source_if_requested()  # SHUTTLE_SIM_PURE=1: the hot modules as Python source

__version__ = "0.1.0"

#: public name -> module that defines it
_LAZY = {
    "ConfigError": ".config.loader",
    "load_scenario": ".config.loader",
    "scenario_from_dict": ".config.loader",
    "Scenario": ".config.schema",
    "Experiment": ".experiment",
    "run_experiment": ".experiment",
    "simulate": ".model",
    "Result": ".results",
}

__all__ = [
    "ConfigError",
    "Experiment",
    "Result",
    "Scenario",
    "load_scenario",
    "report",
    "run_experiment",
    "scenario_from_dict",
    "simulate",
    "__version__",
]

if TYPE_CHECKING:  # pragma: no cover
    from . import report
    from .config.loader import ConfigError, load_scenario, scenario_from_dict
    from .config.schema import Scenario
    from .experiment import Experiment, run_experiment
    from .model import simulate
    from .results import Result


def __getattr__(name: str):
    if name == "report":  # the package shuttle_sim.report, callable as shuttle_sim.report(DIR, out=...)
        return importlib.import_module(".report", __name__)
    mod = _LAZY.get(name)
    if mod is None:
        # a submodule (``shuttle_sim.experiment.read_levels`` after a bare ``import shuttle_sim``,
        # as when every name was imported eagerly)
        if not name.startswith("_") and importlib.util.find_spec(f"{__name__}.{name}") is not None:
            return importlib.import_module(f".{name}", __name__)
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(mod, __name__), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
