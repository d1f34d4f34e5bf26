"""Plot reports of results: one self-contained HTML page (and PNGs) per run, study, sweep.

Reads result files only; never imports the model, its components or SimPy::

    import shuttle_sim
    shuttle_sim.report("runs/kcts500", out="plots/kcts500")       # -> Path of index.html

    from shuttle_sim.report import data, figures
    d = data.load("runs/kcts500")
    fig = figures.study.delivered_distribution(d)                 # a matplotlib Figure

Layout: ``data`` (directories into pandas tables; ``levels.bin`` by memory map),
``source`` (scenario values beside their source comments), ``style`` (one look, fixed
colours), ``figures`` (pure functions by subject), ``answer`` (the sentence and the KPI
table), ``html`` (the page), ``build`` (:func:`build_report`), ``cli`` (the command).
"""

from __future__ import annotations

import sys
import types

from .build import build_report
from .data import ReportError, load

__all__ = ["build_report", "load", "ReportError"]


class _CallableModule(types.ModuleType):
    """``shuttle_sim.report`` is this package *and* the function ``shuttle_sim.report(DIR, out=...)``:
    after ``import shuttle_sim.report`` the attribute is the module, so the module is callable."""

    def __call__(self, dir, out=None, window=None, target_mt_per_year=None):
        return build_report(dir, out=out, window=window, target_mt_per_year=target_mt_per_year)


sys.modules[__name__].__class__ = _CallableModule
