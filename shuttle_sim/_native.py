"""The model's hot modules, compiled to C extensions with mypyc when the package is built.

The modules below run at every simulation event (the port call, the tank farm, the time
budgets, the up/down timelines, the tanker's voyage loop, its passages and dry docks, the
duration samplers).  ``setup.py`` compiles them
with mypyc when it can (a C compiler and the ``mypy`` build requirement); where it
cannot, the same modules run as plain Python.  The source is the same either way, and
so are the results, to the bit (``tests/test_native.py`` runs every shipped scenario
both ways); the compiled modules run about twice as fast (docs/model.md, "Speed").

``SHUTTLE_SIM_PURE=1`` in the environment makes a process import the Python source of
these modules even where compiled ones are installed: for a debugger or a profiler,
for monkeypatching (a compiled class ignores an attribute patched onto it from
Python), and for the test that compares the two.  Set at build time, it skips the
compilation.

A source file edited after the build (an editable install: ``pip install -e .``) would
leave its compiled module stale.  When any of these sources is newer than its compiled
extension, all of them run from source, with a warning, until the next install
recompiles them (all of them: compiled modules call each other directly).

``setup.py`` loads this file on its own, without the package: keep it standard-library only.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from pathlib import Path

MODULES = (
    "shuttle_sim.components.availability",
    "shuttle_sim.components.berths",
    "shuttle_sim.components.dispatch",
    "shuttle_sim.components.draft",
    "shuttle_sim.components.drydock",
    "shuttle_sim.components.offtake",
    "shuttle_sim.components.passage",
    "shuttle_sim.components.steps",
    "shuttle_sim.components.tank",
    "shuttle_sim.components.tanker",
    "shuttle_sim.components.terminal",
    "shuttle_sim.components.timebudget",
    "shuttle_sim.components.towoff",
    "shuttle_sim.components.traffic",
    "shuttle_sim.components.transfer",
    "shuttle_sim.engine",
    "shuttle_sim.processes",
    "shuttle_sim.sampling",
)
_PACKAGE_DIR = Path(__file__).resolve().parent


def pure_requested() -> bool:
    """True when ``SHUTTLE_SIM_PURE`` asks for the Python source (any value but empty or 0)."""
    return os.environ.get("SHUTTLE_SIM_PURE", "") not in ("", "0")


def source_path(module: str) -> Path:
    """The ``.py`` file of one of :data:`MODULES`."""
    return _PACKAGE_DIR.joinpath(*module.split(".")[1:]).with_suffix(".py")


def stale_modules() -> list[str]:
    """Those of :data:`MODULES` whose source is newer than their compiled extension, in
    a source checkout (``setup.py`` beside the package: an editable install).  Elsewhere
    (a wheel in site-packages) sources are not edited, and their installed mtimes say
    nothing about the build."""
    out: list[str] = []
    if not (_PACKAGE_DIR.parent / "setup.py").exists():
        return out
    for name in MODULES:
        src = source_path(name)
        built = [p for p in (src.with_name(src.stem + s) for s in importlib.machinery.EXTENSION_SUFFIXES) if p.exists()]
        if built and src.stat().st_mtime > max(p.stat().st_mtime for p in built):
            out.append(name)
    return out


def compiled_modules() -> list[str]:
    """Those of :data:`MODULES` this process runs as compiled extensions (imports them)."""
    out = []
    for name in MODULES:
        module = importlib.import_module(name)
        if isinstance(getattr(module, "__loader__", None), importlib.machinery.ExtensionFileLoader):
            out.append(name)
    return out


class _SourceFirst(importlib.abc.MetaPathFinder):
    """Finds :data:`MODULES` as their ``.py`` source, ahead of the compiled extensions."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MODULES:
            return None
        return importlib.util.spec_from_file_location(fullname, source_path(fullname))


def use_source_if_requested() -> None:
    """Install the source-first finder when :func:`pure_requested` or a compiled module
    is stale (before any of :data:`MODULES` is imported: ``shuttle_sim/__init__.py``
    calls it first)."""
    if any(isinstance(f, _SourceFirst) for f in sys.meta_path):
        return
    if not pure_requested():
        stale = stale_modules()
        if not stale:
            return
        warnings.warn(f"changed since compiled: {', '.join(stale)}; the hot modules run from their Python"
                      " source (same results, slower); `python -m pip install -e .` compiles them again",
                      RuntimeWarning, stacklevel=2)
    sys.meta_path.insert(0, _SourceFirst())
