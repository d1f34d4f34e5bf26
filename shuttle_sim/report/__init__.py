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

import importlib

__all__ = ["build_report", "load", "ReportError"]

# imported on first use: the CLI registers ``report`` without loading matplotlib and pandas
_LAZY = {"build_report": ".build", "load": ".data", "ReportError": ".data"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class _CallableModule(types.ModuleType):
    """``shuttle_sim.report`` is this package *and* the function ``shuttle_sim.report(DIR, out=...)``:
    after ``import shuttle_sim.report`` the attribute is the module, so the module is callable."""

    def __call__(self, dir, out=None, window=None, target_mt_per_year=None):
        from .build import build_report

        return build_report(dir, out=out, window=window, target_mt_per_year=target_mt_per_year)


sys.modules[__name__].__class__ = _CallableModule
