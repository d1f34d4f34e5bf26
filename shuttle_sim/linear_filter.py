"""SciPy's ``lfilter`` for the weather's AR(1) series, without importing ``scipy.signal``.

``scipy.signal`` takes 0.5-0.75 s to import (it loads most of SciPy's signal-processing
stack), and every process that draws weather paid it: ``shuttle-sim run``, and each
worker of a study at its first replication.  The weather needs one function of it,
``lfilter`` with a one-pole filter, whose work for that case is done by the C kernel
``scipy.signal._sigtools._linear_filter``.  :func:`lfilter` loads that extension module
straight from SciPy's files (~1 ms, NumPy being loaded already; the extension registers
itself in ``sys.modules``, so a later ``import scipy.signal`` uses the same module) and
calls it as ``scipy.signal.lfilter`` does for a denominator of more than one coefficient
and no initial state (SciPy 1.17's ``_signaltools.lfilter``: ``_linear_filter(b, a, x,
axis)``, ``b`` and ``a`` as 1-d arrays).  The values are the same to the bit
(``tests/test_weather.py`` compares them on random filters and series).

The kernel is private to SciPy.  If it cannot be found or loaded (a SciPy that moved it),
:func:`lfilter` falls back to ``scipy.signal.lfilter`` itself: slower to start, never
different; :func:`kernel_source` says which one a process uses.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import os
import sys
from typing import Callable

import numpy as np

__all__ = ["lfilter", "kernel_source"]

_MODULE = "scipy.signal._sigtools"


def lfilter(b, a, x) -> np.ndarray:
    """``scipy.signal.lfilter(b, a, x)`` along the last axis, for ``len(a) > 1``."""
    b, a = np.atleast_1d(b), np.atleast_1d(a)
    if a.ndim != 1 or len(a) < 2 or b.ndim != 1 or not len(b):
        raise ValueError(f"expected 1-d b and a with len(a) > 1, found shapes {b.shape} and {a.shape}")
    return _kernel()[0](b, a, np.asarray(x), -1)


def kernel_source() -> str:
    """``"kernel"`` (SciPy's C kernel, loaded on its own) or ``"scipy.signal"`` (the fallback)."""
    return _kernel()[1]


@functools.lru_cache(maxsize=1)
def _kernel() -> tuple[Callable, str]:
    loaded = sys.modules.get(_MODULE)  # scipy.signal already imported: its own module
    if loaded is None:
        try:
            loaded = _load_extension()
        except Exception:  # noqa: BLE001 - any failure means: use the public function
            loaded = None
    kernel = getattr(loaded, "_linear_filter", None)
    if kernel is not None:
        return kernel, "kernel"
    from scipy.signal import lfilter as public

    return (lambda b, a, x, axis: public(b, a, x, axis)), "scipy.signal"


def _load_extension():
    """SciPy's ``_sigtools`` extension, loaded from its file without running
    ``scipy/signal/__init__.py``."""
    spec = importlib.util.find_spec("scipy")  # finds the package without importing it
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = os.path.join(next(iter(spec.submodule_search_locations)), "signal")
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, "_sigtools" + suffix)
        if os.path.exists(path):
            ext = importlib.util.spec_from_file_location(_MODULE, path)
            if ext is None or ext.loader is None:
                return None
            module = importlib.util.module_from_spec(ext)
            ext.loader.exec_module(module)
            return module
    return None
