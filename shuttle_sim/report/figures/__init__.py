"""Report figures: pure functions ``figure(data, ax=None) -> matplotlib.figure.Figure``.

``data`` is what :func:`shuttle_sim.report.data.load` returns for a run, a study or a
sweep; a function draws into ``ax`` when given (a notebook's own layout) or makes its own
figure.  Nothing here reads files or runs the model.
"""

from . import common, ferry, run, study, sweep

__all__ = ["common", "ferry", "run", "study", "sweep"]
