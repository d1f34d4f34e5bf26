"""Monte Carlo experiments: a re-export of :mod:`shuttle_sim.study`, where the study layer
lives (records, tasks, executors, scheduler, study directory, stopping, storage sizing),
so that existing imports keep working."""

from .study.executors import InProcessExecutor, make_executor
from .study.experiment import Experiment, run_experiment
from .study.records import KpiRow, Record, ResultTable, StudyError
from .study.scheduler import MAX_BATCH
from .study.stopping import MIN_PILOT
from .study.storage import STORAGE_KPIS
from .study.studydir import StudyDir, read_levels
from .study.tasks import Task, run_task

__all__ = ["Experiment", "InProcessExecutor", "KpiRow", "MAX_BATCH", "MIN_PILOT", "Record", "ResultTable",
           "STORAGE_KPIS", "StudyDir", "StudyError", "Task", "make_executor", "read_levels", "run_experiment",
           "run_task"]
