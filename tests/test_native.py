"""The hot modules compiled with mypyc (setup.py) against their Python source.

Every shipped scenario is run by the CLI twice, with the compiled modules and with
``SHUTTLE_SIM_PURE=1``; every output file must be identical byte for byte (times in the
manifest aside).  CI sets ``SHUTTLE_SIM_REQUIRE_NATIVE=1`` so that a build that fell back
to pure Python fails there instead of making this comparison vacuous.
"""

import json
import os
import subprocess
import sys

import pytest

from shuttle_sim import _native

from .conftest import CONFIGS

REQUIRED = os.environ.get("SHUTTLE_SIM_REQUIRE_NATIVE", "") not in ("", "0")
COMPILED = _native.compiled_modules()


def test_hot_modules_are_compiled_all_or_none():
    if _native.pure_requested():
        assert COMPILED == []
    elif REQUIRED:
        assert COMPILED == list(_native.MODULES), "SHUTTLE_SIM_REQUIRE_NATIVE is set but the build fell back to Python"
    else:
        assert COMPILED in ([], list(_native.MODULES))  # never a partial build


def compiled_in_new_process(env_update: dict, cwd=None) -> tuple[list[str], str]:
    """What a new process with ``env_update`` runs compiled, and what it warned."""
    code = "from shuttle_sim import _native; import json; print(json.dumps(_native.compiled_modules()))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, **env_update}, cwd=cwd)
    return json.loads(out.stdout), out.stderr


def test_pure_switch_loads_the_python_source():
    assert compiled_in_new_process({"SHUTTLE_SIM_PURE": "1"})[0] == []


def test_timeline_search_knows_whether_it_is_compiled():
    """Compiled, timelines are searched by a native loop (tested against bisect in
    test_availability); as source, by the C bisect.  The switch must follow the build."""
    from shuttle_sim.components import availability

    assert availability._COMPILED == ("shuttle_sim.components.availability" in COMPILED)


def _run(config, out_dir, pure: bool) -> subprocess.Popen:
    env = {**os.environ, "SHUTTLE_SIM_PURE": "1" if pure else "0"}
    cmd = [sys.executable, "-m", "shuttle_sim.cli", "run", str(config), "--years", "2", "--seed", "11",
           "--out", str(out_dir)]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.skipif(not COMPILED, reason="the hot modules are not compiled in this install (CI requires them)")
def test_compiled_and_pure_modules_give_identical_outputs(tmp_path):
    configs = sorted(p for p in CONFIGS.glob("*.yaml") if p.stem != "costs")  # costs.yaml is not a scenario
    assert len(configs) >= 5
    for config in configs:
        runs = {mode: tmp_path / f"{config.stem}-{mode}" for mode in ("compiled", "pure")}
        procs = [_run(config, runs[mode], pure=mode == "pure") for mode in runs]  # both at once: two cores
        for p in procs:
            assert p.wait() == 0, p.stderr.read().decode()
        manifests = {mode: json.loads((d / "manifest.json").read_text()) for mode, d in runs.items()}
        assert manifests["compiled"]["compiled_modules"] is True
        assert manifests["pure"]["compiled_modules"] is False
        files = manifests["compiled"]["files"]
        assert files == manifests["pure"]["files"] and "kpis.json" in files
        for name in files:
            a, b = ((runs[mode] / name).read_bytes() for mode in runs)
            assert a == b, f"{config.name}: {name} differs between compiled and pure modules"


@pytest.mark.skipif(not COMPILED, reason="the hot modules are not compiled in this install")
def test_a_source_edited_after_the_build_runs_from_source(tmp_path):
    """An edited hot module must never run as its stale compiled self: a copy of the
    checkout with one source touched runs every hot module from source.  Without
    setup.py beside it (a wheel in site-packages, whose files' mtimes are the install's)
    the same copy stays compiled."""
    import shutil
    from pathlib import Path

    import shuttle_sim

    pkg = Path(shuttle_sim.__file__).parent
    shutil.copytree(pkg, tmp_path / "shuttle_sim", copy_function=shutil.copy2)  # keeps the build's mtimes
    for shared in pkg.parent.glob("*__mypyc*"):  # mypyc's shared library, beside the package
        shutil.copy2(shared, tmp_path)

    def compiled_in_copy():
        return compiled_in_new_process({"PYTHONPATH": str(tmp_path), "SHUTTLE_SIM_PURE": "0"}, cwd=tmp_path)

    assert compiled_in_copy() == (list(_native.MODULES), "")  # the copy itself is compiled
    (tmp_path / "shuttle_sim" / "components" / "tank.py").touch()
    assert compiled_in_copy() == (list(_native.MODULES), "")  # not a checkout: not checked
    shutil.copy2(pkg.parent / "setup.py", tmp_path)
    compiled, warning = compiled_in_copy()
    assert compiled == [] and "changed since compiled: shuttle_sim.components.tank" in warning
