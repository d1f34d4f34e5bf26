"""Bad scenarios: a one-line error naming file, line, key path, expected and found;
exit status 2; no traceback; nothing written."""

import subprocess
import sys

import pytest

from shuttle_sim.cli import main

from .conftest import CONFIGS

GOOD = (CONFIGS / "aktau_current.yaml").read_text()


def edit(old: str, new: str) -> str:
    assert old in GOOD, old
    return GOOD.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    """The first line whose code (indentation stripped) starts with ``needle``."""
    return next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip().startswith(needle))


CASES = {
    # name: (yaml text, key path, needle on the offending line, words of the message)
    "unknown key": (edit("  berths: 3 ", "  bertths: 3 "), "load_port.bertths", "bertths",
                    ["unknown key 'bertths'", "did you mean 'berths'"]),
    "wrong type": (edit("  berths: 3 ", "  berths: three "), "load_port.berths", "berths: three",
                   ["expected a valid integer", "found 'three'"]),
    "wrong dimension": (edit("laden_speed: 10 kn        # Caspian", "laden_speed: 10 km        # Caspian"),
                        "fleet.tankers[0].laden_speed", "laden_speed: 10 km", ["expected a speed", "'10 km' (a length)"]),
    "bare number": (edit("distance: 400 km", "distance: 400"), "route.distance", "distance: 400 ",
                    ["bare number 400", "write its unit"]),
    "unknown unit": (edit("cargo: 12000 t", "cargo: 12000 tons"), "fleet.tankers[0].cargo", "cargo: 12000 tons",
                     ["unknown unit 'tons'"]),
    "zero capacity": (edit("capacity: 120000 t", "capacity: 0 t"), "load_port.tank_farm.capacity", "capacity: 0 t",
                      ["expected an amount > 0", "found 0 t"]),
    "negative rate": (edit("transfer_rate: 1000 t/h", "transfer_rate: -5 t/h"), "load_port.transfer_rate",
                      "transfer_rate: -5", ["expected a rate > 0"]),
    "zero berths": (edit("  berths: 3 ", "  berths: 0 "), "load_port.berths", "berths: 0",
                    ["expected a value greater than 0, found 0"]),
    "cargo larger than tank farm": (edit("cargo: 12000 t", "cargo: 200 kt"), "fleet.tankers[0].cargo",
                                    "cargo: 200 kt", ["no larger than the load-port tank farm (120000 t)", "200000 t"]),
    "initial above capacity": (edit("initial_level: 60000 t", "initial_level: 130000 t"),
                               "load_port.tank_farm.initial_level", "initial_level: 130000 t", ["<= capacity"]),
    "missing key": (edit("  distance: 400 km", "  distanc: 400 km"), "route.distance", "route:",
                    ["missing required key"]),
    "bad distribution": (edit("{dist: lognormal, mean: 3 h, cv: 0.5}", "{dist: weibull, mean: 3 h}"),
                         "load_port.arrival_formalities", "arrival_formalities: {dist: weibull", ["'dist' to be one of", "'weibull'"]),
    "distribution key": (edit("{dist: lognormal, mean: 3 h, cv: 0.5}", "{dist: lognormal, mean: 3 h}"),
                         "load_port.arrival_formalities.cv", "arrival_formalities:", ["missing required key"]),
    "bad triangle": (edit("low: 1 h, mode: 1.5 h, high: 3 h", "low: 4 h, mode: 1.5 h, high: 3 h"),
                     "load_port.berthing", "berthing: {dist: triangular, low: 4 h", ["low <= mode <= high"]),
    "duplicate key": (edit("  berths: 3 ", "  berths: 3\n  berths: 4 "), "load_port.berths", "berths: 4",
                      ["duplicate key"]),
    "density out of range": (edit("density: 0.82 t/m3", "density: 82 t/m3"), "crude.density", "density: 82",
                             ["between 0.5 and 1.2"]),
}


@pytest.mark.parametrize("name", CASES)
def test_bad_config_is_a_clear_user_error(name, tmp_path, capsys):
    text, keypath, needle, words = CASES[name]
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    out = tmp_path / "out"
    code = main(["run", str(path), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert f"{path}:{line_of(text, needle)}: {keypath}: " in err, err
    for w in words:
        assert w in err, err
    assert "Traceback" not in err
    assert not out.exists()
    # validate reports the same without running
    assert main(["validate", str(path)]) == 2
    assert f"{path}:{line_of(text, needle)}: {keypath}: " in capsys.readouterr().err


def test_all_problems_are_reported_at_once(tmp_path, capsys):
    text = edit("  berths: 3 ", "  berths: 0 ").replace("distance: 400 km", "distance: 400")
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "load_port.berths" in err and "route.distance" in err


def test_python_tags_are_refused_never_executed(tmp_path, capsys):
    marker = tmp_path / "pwned"
    text = GOOD.replace("name: aktau_current", f"name: !!python/object/apply:os.system ['touch {marker}']")
    path = tmp_path / "evil.yaml"
    path.write_text(text)
    assert main(["run", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line_of(text, 'name: !!python')}:" in err
    assert "unsupported YAML tag" in err
    assert not marker.exists()


def test_invalid_yaml_syntax(tmp_path, capsys):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\nsupply: [1, 2\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:" in err and "invalid YAML" in err


def test_missing_file_and_empty_file(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.yaml")]) == 2
    assert "cannot read file" in capsys.readouterr().err
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert main(["run", str(empty)]) == 2
    assert "empty file" in capsys.readouterr().err


def test_bad_options_exit_2(capsys):
    for argv in (["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0"],
                 ["run", str(CONFIGS / "aktau_current.yaml"), "--seed", "-1"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2
    assert "expected" in capsys.readouterr().err


def test_console_script_prints_no_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(edit("  berths: 3 ", "  berths: 0 "))
    p = subprocess.run([sys.executable, "-m", "shuttle_sim.cli", "run", str(path)], capture_output=True, text=True)
    assert p.returncode == 2
    assert p.stdout == ""
    assert p.stderr.count("\n") == 1 and "Traceback" not in p.stderr
