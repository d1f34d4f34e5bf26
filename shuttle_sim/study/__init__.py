"""The study layer, shared by ``run`` (one scenario, n replications) and ``sweep``.

``records`` (one replication's record, the result table), ``tasks`` (picklable tasks,
the worker side), ``executors`` (in-process, processes, Dask), ``scheduler`` (a bounded
window of tasks in flight), ``studydir`` (the result files: commit point, resume,
``atomic_write``, ``read_levels``), ``stopping`` (the precision rule), ``storage``
(storage sizing) and ``experiment`` (``run_experiment``); for sweeps, ``design`` (cells
from factors), ``costs`` (the cost model), ``targets`` (verdicts and the answer),
``search`` (adaptive search), ``evaluate`` (a serial in-process evaluator), ``sweep``
(``run_sweep``: a study file through the scheduler, resumable; ``runner`` and
``sweepfiles`` its parts), ``paired`` (paired differences between cells) and
``cli_sweep`` (``shuttle-sim sweep``).  Names are imported on first use, so reading
result files (``read_levels``, ``atomic_write``) loads no simulation code.
"""

from importlib import import_module

_EXPORTS = {
    "Experiment": "experiment", "run_experiment": "experiment",
    "Record": "records", "ResultTable": "records", "StudyError": "records",
    "Task": "tasks", "run_task": "tasks",
    "InProcessExecutor": "executors", "make_executor": "executors",
    "stream": "scheduler", "batches": "scheduler",
    "Sweep": "sweep", "run_sweep": "sweep",
    "StudyDir": "studydir", "atomic_write": "studydir", "read_levels": "studydir",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
