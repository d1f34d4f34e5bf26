"""Build: metadata lives in setup.cfg; this file only adds the compiled hot modules.

The modules listed in ``shuttle_sim/_native.py`` are compiled with mypyc (a build
requirement in pyproject.toml) when a C compiler is available.  Each extension is
optional: if compiling fails, the install goes on with the pure-Python modules, which
give the same results, more slowly.  ``SHUTTLE_SIM_PURE=1`` skips the compilation.
"""

import ast
import os
import sys
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent


def native_sources() -> list[str]:
    """Paths of the modules named in shuttle_sim/_native.py (read, not imported)."""
    tree = ast.parse((HERE / "shuttle_sim" / "_native.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "MODULES" for t in node.targets):
            return [name.replace(".", "/") + ".py" for name in ast.literal_eval(node.value)]
    raise RuntimeError("shuttle_sim/_native.py defines no MODULES")


def ext_modules() -> list:
    if os.environ.get("SHUTTLE_SIM_PURE", "") not in ("", "0"):
        print("shuttle_sim: SHUTTLE_SIM_PURE is set, installing the pure-Python modules", file=sys.stderr)
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("shuttle_sim: mypyc not found, installing the pure-Python modules", file=sys.stderr)
        return []
    # Third-party packages are left out of the analysis (--no-site-packages): the compiler
    # treats their objects as plain Python objects, so the build is the same whatever is
    # installed, and takes a minute rather than the several that reading numpy's and
    # pandas' types would.  The package's other modules are read for their types; only
    # the compiled ones must type-check.
    options = ["--no-site-packages", "--ignore-missing-imports", "--follow-imports=silent"]
    extensions = mypycify([*options, *native_sources()], opt_level="3")
    for ext in extensions:
        ext.optional = True  # no working C compiler: a warning, and the pure modules
    return extensions


setup(ext_modules=ext_modules())
