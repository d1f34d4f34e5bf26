"""Build: metadata lives in setup.cfg; this file adds the compiled hot modules and the shipped scenarios.

The modules listed in ``shuttle_sim/_native.py`` are compiled with mypyc (a build
requirement in pyproject.toml) when a C compiler is available.  Each extension is
optional: if compiling fails, the install goes on with the pure-Python modules, which
give the same results, more slowly.  ``SHUTTLE_SIM_PURE=1`` skips the compilation.
"""

import importlib.util
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class build_py_with_configs(build_py):
    """Also copy the shipped scenarios, ``configs/*.yaml`` (with the sources they cite), and
    studies, ``experiments/*.yaml``, into the built package as ``shuttle_sim/configs/`` and
    ``shuttle_sim/experiments/`` (one copy in git, at the top where users look; a wheel still
    runs ``shuttle-sim run kcts_concept``: ``shuttle_sim/scenarios.py``).  An editable
    install reads ``configs/`` in place."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "shuttle_sim" / "configs"
        target.mkdir(parents=True, exist_ok=True)
        for f in sorted((HERE / "configs").glob("*.yaml")) + sorted((HERE / "configs").glob("*.md")):
            shutil.copy2(f, target / f.name)  # the scenarios, and the sources they cite (DOMAIN.md, COSTS.md)
        studies = Path(self.build_lib) / "shuttle_sim" / "experiments"  # their ../configs/ is the copy above
        studies.mkdir(parents=True, exist_ok=True)
        for f in sorted((HERE / "experiments").glob("*.yaml")):
            shutil.copy2(f, studies / f.name)


def load_native():
    """shuttle_sim/_native.py on its own (standard library only), without importing the
    package, whose dependencies are not installed in the build environment."""
    spec = importlib.util.spec_from_file_location("_shuttle_sim_native", HERE / "shuttle_sim" / "_native.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def ext_modules() -> list:
    native = load_native()
    if native.pure_requested():
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
    sources = [str(native.source_path(name).relative_to(HERE)) for name in native.MODULES]
    extensions = mypycify([*options, *sources], opt_level="3")
    for ext in extensions:
        ext.optional = True  # no working C compiler: a warning, and the pure modules
    return extensions


setup(ext_modules=ext_modules(), cmdclass={"build_py": build_py_with_configs})
