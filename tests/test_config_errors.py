"""Bad scenarios: a one-line error naming file, line, key path, expected and found;
exit status 2; no traceback; nothing written."""

import json
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
    # an empty or blank name ran, and showed as "scenario : ..." in every table and report
    "empty scenario name": (edit("name: aktau_current", 'name: ""'), "name", 'name: ""',
                            ["expected a name (text, not blank)", "found ''"]),
    "blank class name": (edit("    - name: Astana-class ", '    - name: " " '), "fleet.tankers[0].name",
                         '- name: " "', ["expected a name (text, not blank)", "found ' '"]),
    "wrong type": (edit("  berths: 3 ", "  berths: three "), "load_port.berths", "berths: three",
                   ["expected a whole number", "found 'three'"]),
    "wrong dimension": (edit("laden_speed: 10 kn        # Caspian", "laden_speed: 10 km        # Caspian"),
                        "fleet.tankers[0].laden_speed", "laden_speed: 10 km", ["expected a speed", "'10 km' (a length)"]),
    "bare number": (edit("distance: 400 km", "distance: 400"), "route.distance", "distance: 400 ",
                    ["bare number 400", "write its unit"]),
    "unknown unit": (edit("cargo: 12000 t", "cargo: 12000 tons"), "fleet.tankers[0].cargo", "cargo: 12000 tons",
                     ["unknown unit 'tons'"]),
    "zero capacity": (edit("capacity: 120000 t", "capacity: 0 t"), "load_port.tank_farm.capacity", "capacity: 0 t",
                      ["expected an amount from 0.001 to 1e+13 t", "found 0 t"]),
    "negative rate": (edit("transfer_rate: 1000 t/h", "transfer_rate: -5 t/h"), "load_port.transfer_rate",
                      "transfer_rate: -5", ["expected a rate from 0.001 to 1e+10 t/h"]),
    "zero berths": (edit("  berths: 3 ", "  berths: 0 "), "load_port.berths", "berths: 0",
                    ["expected a whole number from 1 to 100, found 0"]),
    "cargo larger than tank farm": (edit("cargo: 12000 t", "cargo: 200 kt"), "fleet.tankers[0].cargo",
                                    "cargo: 200 kt", ["no larger than the load-port tank farm (120000 t)", "200000 t"]),
    "initial above capacity": (edit("    working_level: 10000 t", "    initial_level: 130000 t\n    working_level: 10000 t"),
                               "load_port.tank_farm.initial_level", "initial_level: 130000 t", ["<= capacity"]),
    "missing key": (edit("  distance: 400 km", "  distanc: 400 km"), "route.distance", "route:",
                    ["missing required key"]),
    "bad distribution": (edit("{dist: lognormal, mean: 3 h, cv: 0.5}", "{dist: pareto, mean: 3 h}"),
                         "load_port.arrival_formalities.dist", "arrival_formalities: {dist: pareto", ["expected one of fixed,", "'pareto'"]),
    "distribution key": (edit("{dist: lognormal, mean: 3 h, cv: 0.5}", "{dist: lognormal, mean: 3 h}"),
                         "load_port.arrival_formalities.cv", "arrival_formalities:", ["missing required key"]),
    "bad triangle": (edit("low: 1 h, mode: 1.5 h, high: 3 h", "low: 4 h, mode: 1.5 h, high: 3 h"),
                     "load_port.berthing", "berthing: {dist: triangular, low: 4 h", ["low <= mode <= high"]),
    "duplicate key": (edit("  berths: 3 ", "  berths: 3\n  berths: 4 "), "load_port.berths", "berths: 4",
                      ["duplicate key"]),
    "density out of range": (edit("density: 0.82 t/m3", "density: 82 t/m3"), "crude.density", "density: 82",
                             ["between 0.5 and 1.2"]),
    # YAML's true is not the count 1, nor yes the number 1.0
    "boolean for a count": (edit("  berths: 3 ", "  berths: true "), "load_port.berths", "berths: true",
                            ["expected a whole number, found true"]),
    "boolean for a number": (edit("calls_per_year: 220 ", "calls_per_year: yes "), "load_port.other_traffic.calls_per_year",
                             "calls_per_year: yes", ["expected a number, found true"]),
    "boolean for a quantity": (edit("distance: 400 km", "distance: true"), "route.distance", "distance: true",
                               ["expected a length", "found true"]),
    "empty quantity": (edit("distance: 400 km", "distance:"), "route.distance", "distance:",
                       ["expected a length", "found nothing (an empty value)"]),
    # YAML 1.1 reads 1e308 (no dot) as text: still a number without its unit, not the unit 'e308'
    "bare number with an exponent": (edit("horizon: 395 d", "horizon: 1e308"), "horizon", "horizon: 1e308",
                                     ["found the bare number 1e308 (write its unit)"]),
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


@pytest.mark.parametrize("text, found", [("---\n", "nothing (an empty value)"), ("just text\n", "'just text'"),
                                         ("[1, 2]\n", "a list of 2 values")])
def test_a_file_that_is_not_a_mapping_says_what_it_holds(text, found, tmp_path, capsys):
    """Found in the words of the file (as every other message), not a Python type name."""
    for kind in ("scenario", "study"):
        path = tmp_path / f"{kind}.yaml"
        path.write_text(text)
        assert main(["run" if kind == "scenario" else "sweep", str(path)]) == 2
        err = capsys.readouterr().err.strip()
        assert err == f"{path}:1: expected a {kind} mapping, found {found}", err


def test_extends_without_a_file_name_says_what_it_found(tmp_path, capsys):
    path = tmp_path / "over.yaml"
    path.write_text("name: over\nextends:\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == f"{path}:2: extends: expected a scenario file name, found nothing (an empty value)", err


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


# --------------------------------------------------------------------------------------------
# Hostile inputs, by class: each a one-line message naming file, line and key path as written
# in the file, exit status 2, nothing written to --out.

STORMS = GOOD[GOOD.index("weather:\n  source: storms"):]
NO_WEATHER = GOOD[: GOOD.index("weather:\n  source: storms")]


def weather(block: str) -> str:
    return NO_WEATHER + block


def synthetic(correlation: str = "", **site) -> str:
    sites = {name: {"log_wind_mean": [1.8] * 12, "log_wind_sd": [0.4] * 12, "log_hs_mean": [0.0] * 12,
                    "log_hs_sd": [0.4] * 12} for name in ("aktau", "sangachal", "sea")}
    sites["sea"].update(site)
    import yaml

    identity = [[1.0 if i == j else 0.0 for j in range(6)] for i in range(6)]
    block = {"weather": {"source": "synthetic", "sites": sites, "autocorrelation": [0.9] * 6,
                         "correlation": identity}}
    text = yaml.safe_dump(block, default_flow_style=None, sort_keys=False)
    return weather(text.replace("[1.0, 0.0, 0.0, 0.0, 0.0, 0.0]", correlation, 1) if correlation else text)


BOMB = "".join(f"{c}: &{c} [{', '.join([f'*{p}' if p else '1'] * 9)}]\n"
               for p, c in zip(["", *"abcdefgh"], "abcdefghi"))

HOSTILE = {
    # name: (file text or bytes, key path ('' for none), needle on the line (None: no line), words)
    # a "\ud800" escape is no character: printing the name was a UnicodeEncodeError traceback
    "surrogate escape in a value": (GOOD.replace("name: aktau_current", 'name: "a\\ud800b"'), "name", 'name: "a',
                                    ["expected Unicode text, found \\ud800, half of a UTF-16 surrogate pair"]),
    "surrogate escape in a key": (GOOD.replace("name: aktau_current", 'name: aktau_current\n"x\\udfff": 1'), "",
                                  '"x', ["expected Unicode text, found \\udfff"]),
    "non-UTF-8 byte": (GOOD.replace("Aktau - Baku", "Aktau \udce9 Baku").encode("utf-8", "surrogateescape"), "",
                       "distance: 400 km", ["expected UTF-8 text, found the byte 0xe9"]),
    "latin-1 file": (GOOD.replace("name: aktau_current", "name: café").encode("latin-1"), "", "name: caf",
                     ["expected UTF-8 text"]),
    "NUL character": (GOOD.replace("horizon: 395 d", "horizon: 395 d\x00"), "", "horizon:", ["invalid YAML",
                                                                                          "unacceptable character"]),
    "impossible date": (edit("start_date: 2024-12-02", "start_date: 2025-02-30"), "start_date", "start_date:",
                        ["expected a valid date", "'2025-02-30'"]),
    "impossible quoted date": (edit("start_date: 2024-12-02", "start_date: '2025-02-30'"), "start_date",
                               "start_date:", ["expected a date like"]),
    "deep nesting": ("name: " + "[" * 10_000 + "]" * 10_000 + "\n", "", "name:", ["nesting at most"]),
    "alias bomb": ("name: x\n" + BOMB, "", None, ["alias bomb"]),
    "recursive alias": ("name: x\nloop: &a [1, *a]\n", "", "loop:", ["recursive alias"]),
    "too large": ("name: x\ndescription: " + "a" * 1_100_000 + "\n", "", None, ["at most 1,000,000 bytes"]),
    "tab indentation": (edit("  berths: 3 ", "\tberths: 3 "), "", "berths: 3", ["invalid YAML"]),
    "unclosed bracket": (edit("[3.0, 3.0, 2.5,", "[3.0, 3.0, 2.5,,,{"), "", None, ["invalid YAML"]),
    "key that is a number": (edit("  berths: 3 ", "  3: berths\n  berths: 3 "), "load_port", "3: berths",
                             ["expected a key name, found 3"]),
    "overflow to infinity": (edit("capacity: 120000 t", "capacity: 1e400 t"), "load_port.tank_farm.capacity",
                             "capacity: 1e400", ["expected a finite quantity"]),
    "infinite cv": (edit("{dist: lognormal, mean: 3 h, cv: 0.5}", "{dist: lognormal, mean: 3 h, cv: .inf}"),
                    "load_port.arrival_formalities.cv", "arrival_formalities:", ["expected a finite number, found inf"]),
    "huge cv": (edit("{dist: lognormal, mean: 3 h, cv: 0.5}", "{dist: lognormal, mean: 3 h, cv: 1e308}"),
                "load_port.arrival_formalities.cv", "arrival_formalities:", ["expected a number > 0 and <= 10"]),
    "NaN cv": (edit("{dist: lognormal, mean: 3 h, cv: 0.5}", "{dist: lognormal, mean: 3 h, cv: .nan}"),
               "load_port.arrival_formalities.cv", "arrival_formalities:", ["expected a finite number"]),
    "huge supply rate": (edit("rate: 1.4 Mt/yr               # Kazakh", "rate: 1e308 t/h  #"), "supply.rate",
                         "rate: 1e308", ["expected a rate from 0 to 1e+10 t/h"]),
    "10^30 tankers": (edit("count: 1                  # ASSUMPTION: ships", "count: " + "1" + "0" * 30 + "  #"),
                      "fleet.tankers[0].count", "count: 1000", ["expected a whole number from 1 to 1000"]),
    "10^9 berths": (edit("  berths: 3 ", "  berths: 1000000000 "), "load_port.berths", "berths: 1000000000",
                    ["expected a whole number from 1 to 100, found 1000000000"]),
    "infinite storm rate": (edit("[3.0, 3.0, 2.5,", "[.inf, 3.0, 2.5,"), "weather.monthly_storms[0]",
                            "monthly_storms:", ["expected a finite number"]),
    "huge storm rate": (edit("[3.0, 3.0, 2.5,", "[1e308, 3.0, 2.5,"), "weather.monthly_storms[0]",
                        "monthly_storms:", ["from 0 to 100"]),
    "third-party calls": (edit("calls_per_year: 220", "calls_per_year: 1e12"), "load_port.other_traffic.calls_per_year",
                          "calls_per_year:", ["<= 10000"]),
    "infinite third-party calls": (edit("calls_per_year: 220", "calls_per_year: .inf"),
                                   "load_port.other_traffic.calls_per_year", "calls_per_year:", ["finite"]),
    "disruption factor": (edit("mtbf: {dist: exponential, mean: 4000 h}", "mtbf: {dist: exponential, mean: 4000 h}")
                          + "disruptions:\n  - {target: supply, start: 2025-02-01, end: 2025-03-01, factor: 1e308}\n",
                          "disruptions[0].factor", "- {target: supply", ["expected a number from 0 to 100"]),
    "disruption end before start": (GOOD + "disruptions:\n  - {target: supply, start: 2025-02-01, end: 2025-01-01}\n",
                                    "disruptions[0].end", "- {target: supply", ["expected a date after start"]),
    "zero closures": (weather("weather:\n  source: closures\n  sites:\n    aktau: {open: 0 h, closed: 0 h}\n"
                              "    sangachal: {open: 5 d, closed: 1 d}\n    sea: {open: 5 d, closed: 1 d}\n"),
                      "weather.sites.aktau.open", "aktau: {open: 0 h", ["open + mean closed >= 1 h"]),
    "zero failure cycle": (edit("mttr: {dist: lognormal, mean: 24 h, cv: 1.0}}   # ASSUMPTION: upstream",
                                "mttr: 0 h}   #").replace("mtbf: {dist: exponential, mean: 4000 h}", "mtbf: 0 h", 1),
                           "supply.outages.mtbf", "outages:", [">= 1 h"]),
    "zero round trip": (edit("distance: 400 km", "distance: 0 km").replace("laden_speed: 10 kn        # Caspian",
                                                                            "laden_speed: 10 kn  #")
                        .replace("cargo: 12000 t", "cargo: 0.001 t"),
                        "", None, []),  # other steps take time: accepted (checked below)
    "storm site missing a key": (edit("sea: {wind_mean: 7 m/s, wind_sd: 3 m/s, wind_wave:",
                                      "sea: {wind_mean: 7 m/s, wind_wave:"),
                                 "weather.sites.sea.wind_sd", "sea: {wind_mean", ["missing required key"]),
    "reach not a mapping": (edit("aktau: {probability: 0.8, lag: 0 h, wind_factor: 0.9, hs_factor: 0.8, correlation: 0.7}", "aktau: x"), "weather.reach.aktau",
                            "aktau: x", ["expected a mapping with keys probability, lag, wind_factor, hs_factor, correlation, found 'x'"]),
    "eleven months": (edit("[3.0, 3.0, 2.5, 1.5,", "[3.0, 2.5, 1.5,"), "weather.monthly_storms", "monthly_storms:",
                      ["expected a list of 12 monthly values (Jan..Dec), found 11"]),
    "unknown weather source": (edit("source: storms", "source: stroms"), "weather.source", "source: stroms",
                               ["expected one of storms, hindcast, synthetic, closures, found 'stroms'"]),
    "missing weather source": (edit("  source: storms\n", ""), "weather.source", "weather:",
                               ["missing required key (one of storms, hindcast, synthetic, closures)"]),
    "peak range reversed": (edit("peak_wind: {low: 18 m/s, high: 30 m/s}", "peak_wind: {low: 38 m/s, high: 30 m/s}"),
                            "weather.peak_wind.high", "peak_wind:", ["expected high >= low (38 m/s), found 30 m/s"]),
    "correlation not positive definite": (synthetic("[1.0, 1.0, 1.0, 0.0, 0.0, 0.0]"), "weather.correlation",
                                          "correlation:", ["expected a symmetric"]),
    "correlation NaN": (synthetic("[1.0, .nan, 0.0, 0.0, 0.0, 0.0]"), "weather.correlation[0][1]", None,
                        ["expected a finite number"]),
    "negative sd": (synthetic(log_hs_sd=[-0.4] * 12), "weather.sites.sea.log_hs_sd[0]", None,
                    ["from 0 to 3"]),
    "NaN mean": (synthetic(log_wind_mean=[float("nan")] * 12), "weather.sites.sea.log_wind_mean[0]", None,
                 ["expected a finite number"]),
    "huge value echoed": (edit("  berths: 3 ", "  berths: " + "9" * 5000 + "x "), "load_port.berths", "berths: 999",
                          ["expected a whole number"]),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_input_is_one_clear_line(name, tmp_path, capsys):
    text, keypath, needle, words = HOSTILE[name]
    path = tmp_path / "bad.yaml"
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    out = tmp_path / "out"
    code = main(["run", str(path), "--years", "0.02", "--out", str(out)])
    captured = capsys.readouterr()
    err = captured.err
    if not words:  # accepted: then it ran, and the resolved scenario reloads equal
        assert code == 0, err
        return
    assert code == 2, err
    assert captured.out == ""
    assert not out.exists()
    first = err.splitlines()[0]
    where = f"{path}:{line_of(text if isinstance(text, str) else text.decode('latin-1'), needle)}: " if needle \
        else f"{path}"
    assert first.startswith(where), err
    if keypath:
        assert first.startswith(where + keypath + ": ") or f": {keypath}: " in first, err
    for w in words:
        assert w in first, err
    for ln in err.splitlines():
        assert ln.startswith(str(path)) and len(ln) < 700, ln
    assert "Traceback" not in err and "StormReach" not in err and "after validation" not in err


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_devices_and_directories_are_refused(device, tmp_path, capsys):
    assert main(["validate", device, str(tmp_path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2
    assert err[0] in (f"{device}: expected a scenario file, found a device",)
    assert err[1] == f"{tmp_path}: expected a scenario file, found a directory"


@pytest.mark.parametrize("command", [["validate"], ["run"], ["sweep"], ["weather", "fit"]])
def test_a_named_pipe_is_refused_not_waited_on(command, tmp_path):
    """A FIFO with no writer: reading it would block for ever; it is refused in one line.
    (In a child process with a timeout, so that a regression fails instead of hanging.)"""
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    extra = ["-o", str(tmp_path / "w.yaml")] if command[0] == "weather" else []
    r = subprocess.run([sys.executable, "-m", "shuttle_sim", *command, str(fifo), *extra],
                       capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert f"{fifo}: expected a " in r.stderr and r.stderr.endswith(", found a named pipe\n"), r.stderr
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_rejected_alias_bomb_is_fast_and_small(tmp_path):
    """Refused in well under 200 MB (the interpreter with the package is about 120 MB).
    The peak is the child's own (VmHWM, reset by exec): Linux keeps ru_maxrss across
    exec, so it reported the pytest parent's size at the fork (247 MB late in the suite)."""
    path = tmp_path / "bomb.yaml"
    path.write_text("name: x\n" + BOMB)
    code = ("import os, re, resource, sys\nfrom shuttle_sim.cli import main\nrc = main(['validate', sys.argv[1]])\n"
            "st = '/proc/self/status'\n"
            "kb = re.search(r'VmHWM:\\s+(\\d+) kB', open(st).read()).group(1) if os.path.exists(st) else "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
            "print(rc, kb)")
    p = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    rc, kb = p.stdout.split()
    assert rc == "2" and "alias bomb" in p.stderr
    assert int(kb) < 200_000


# ------------------------------------------------------------------------------ command line
BAD_OPTIONS = {
    "--years inf": (["--years", "inf"], "argument --years: expected a number of years"),
    "--years 1e308": (["--years", "1e308"], "argument --years: expected a number of years"),
    "--years nan": (["--years", "nan"], "argument --years"),
    "--precision inf": (["--precision", "inf"], "argument --precision: expected a fraction"),
    "--kpi unknown": (["--kpi", "nosuchkpi"], "--kpi: expected one of delivered_t, "),
    "--kpi unknown in a study": (["--kpi", "nosuchkpi", "--precision", "0.1", "-n", "2"], "--kpi: expected one of"),
    "--scheduler not a url": (["--scheduler", "not a url"], "--scheduler: expected an address like tcp://"),
    "--workers 0": (["--workers", "0"], "argument --workers"),
    "-n huge": (["-n", "1" + "0" * 30], "argument -n/--replications"),
    "--seed huge": (["--seed", "9" * 30], "argument --seed"),
}


def test_each_option_accepts_its_stated_range_to_its_ends():
    """The ends each option's message states are accepted, one step past them is not: 1 h
    of simulated time (1/8,760 of a year, which times 8,760 is 1.0 exactly), 1 to
    1,000,000 replications, 1 to 4,096 workers, seeds 0 to 2**64 - 1, fractions up to 1."""
    import argparse

    from shuttle_sim.cli import _count, _fraction, _seed, _workers, _years

    ok = {_years: ["0.00011415525114155251", "1"], _count: ["1", "1000000"], _workers: ["1", "4096"],
          _seed: ["0", str(2**64 - 1)], _fraction: ["1", "1e-9"]}
    bad = {_years: ["0.0001"], _count: ["0", "1000001"], _workers: ["0", "4097"], _seed: ["-1", str(2**64)],
           _fraction: ["0", "1.0000001"]}
    for parse, texts in ok.items():
        for t in texts:
            assert parse(t) == (float(t) if parse in (_years, _fraction) else int(t))
    for parse, texts in bad.items():
        for t in texts:
            with pytest.raises(argparse.ArgumentTypeError, match="expected"):
                parse(t)


@pytest.mark.parametrize("name", BAD_OPTIONS)
def test_bad_option_is_one_line_and_writes_nothing(name, tmp_path, capsys):
    argv, words = BAD_OPTIONS[name]
    out = tmp_path / "out"
    try:
        code = main(["run", str(CONFIGS / "aktau_current.yaml"), "--out", str(out), *argv])
    except SystemExit as e:
        code = e.code
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and words in captured.err, captured.err
    assert not out.exists()


@pytest.mark.parametrize("argv", [
    ["run", ""], ["run", "aktau_current", "--out", ""], ["run", "aktau_current", "--out", " "], ["validate", ""],
    ["sweep", ""], ["sweep", "experiments/aktau_expansion.yaml", "--out", ""], ["report", ""], ["report", "x", "-o", ""],
    ["weather", "fit", "", "-o", "w.yaml"], ["weather", "fit", "h.csv", "-o", ""],
])
def test_an_empty_file_or_directory_name_is_refused(argv, capsys, monkeypatch, tmp_path):
    """'' is no name: not the current directory ('.: expected a scenario file, found a
    directory'), and --out '' is not silently no --out (a run that writes nothing)."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1, err
    assert "expected a file or directory name, found" in err, err
    assert list(tmp_path.iterdir()) == []


def test_a_warmup_longer_than_the_scenarios_horizon_comes_before_the_years(capsys):
    """With --years the warm-up comes before the measured years, so it may outlast the
    scenario's own horizon (395 d here); past the 100-year limit it is one line naming
    --warmup, never the internal '<dict>'."""
    path = str(CONFIGS / "aktau_current.yaml")
    assert main(["run", path, "--years", "0.01", "--warmup", "400 d", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["replications"] == 1
    assert main(["run", path, "--years", "1", "--warmup", "100 yr"]) == 2
    err = capsys.readouterr().err
    assert err == ("shuttle-sim: --warmup 100 yr: expected a warm-up plus --years 1 of at most 100 years, "
                   "found 101 years\n"), err


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "0", "abc"])
def test_report_target_must_be_a_throughput(value, tmp_path, capsys):
    """--target marks a throughput on the report's figures: NaN, infinity, zero or a
    negative Mt/yr is refused in one line before anything is read or written."""
    out = tmp_path / "report"
    with pytest.raises(SystemExit) as e:
        main(["report", str(tmp_path), "-o", str(out), "--target", value])
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.count("\n") == 1, err
    assert "argument --target: expected a throughput in Mt/yr > 0" in err and repr(value) in err, err
    assert not out.exists()


@pytest.mark.parametrize("kind", ["file", "under a file", "single run under a file"])
def test_out_that_cannot_be_a_directory(kind, tmp_path, capsys):
    f = tmp_path / "f"
    f.write_text("x")
    out = f if kind == "file" else f / "sub"
    study = [] if kind.startswith("single") else ["-n", "2"]
    code = main(["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.01", "--out", str(out), *study])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and f"--out {out}: expected a directory" in err
    assert f.read_text() == "x"


def test_out_unwritable(tmp_path, capsys):
    import os

    if os.geteuid() == 0:
        pytest.skip("root may write anywhere")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    code = main(["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.01", "--out", str(locked / "o"), "-n", "2"])
    assert code == 2 and "permission denied" in capsys.readouterr().err


def test_failed_write_leaves_nothing(tmp_path, capsys, monkeypatch):
    """A single run whose writing fails midway (a full disk) removes what it wrote."""
    from shuttle_sim import output

    real = output.atomic_write
    calls = []

    def failing(path, text):
        calls.append(path.name)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        real(path, text)

    monkeypatch.setattr(output, "atomic_write", failing)
    out = tmp_path / "a" / "out"
    code = main(["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.01", "--out", str(out)])
    assert code == 2 and "No space left on device" in capsys.readouterr().err
    assert not (tmp_path / "a").exists()


def test_workers_are_capped_by_replications(monkeypatch, capsys):
    from shuttle_sim.study import experiment

    seen = {}
    real = experiment.make_executor

    def spy(workers, scheduler=None):
        seen["workers"] = workers
        return real(1, scheduler)

    monkeypatch.setattr(experiment, "make_executor", spy)
    assert main(["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.01", "-n", "2", "--workers", "1000",
                 "--quiet"]) == 0
    assert seen["workers"] == 2


def test_hindcast_encoding_and_time_zones(tmp_path, capsys):
    good = "time,site,wind_m_per_s,hs_m\n" + "".join(
        f"2020-01-01T{h:02d}:00,{s},5,1\n" for h in range(24) for s in ("aktau", "sangachal", "sea"))
    for bad, words in ((good.replace("2020-01-01T05:00,sea", "2020-01-01T05:00+03:00,sea"), "time zone"),
                       (good.replace("5,1\n", "5,\xff1\n", 1), "expected UTF-8 text")):
        (tmp_path / "hc.csv").write_bytes(bad.encode("latin-1"))
        path = tmp_path / "s.yaml"
        path.write_text(weather("weather: {source: hindcast, file: hc.csv}\n"))
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "weather.file: " in err and words in err and str(tmp_path / "hc.csv:") in err


def test_schema_states_the_limits(capsys):
    import json

    assert main(["schema"]) == 0
    d = json.loads(capsys.readouterr().out)["$defs"]
    assert d["PortSpec"]["properties"]["berths"]["maximum"] == 100
    assert d["TankerClass"]["properties"]["count"]["maximum"] == 1000
    assert d["LogNormal"]["properties"]["cv"]["maximum"] == 10
    assert d["StormWeather"]["properties"]["monthly_storms"]["items"]["maximum"] == 100
    assert "from 0.001 to 1e+10 t/h" in d["PortSpec"]["properties"]["transfer_rate"]["description"]
    assert "shore rate per berth" in d["PortSpec"]["properties"]["transfer_rate"]["description"]


# ------------------------------------------------ the details of a message (mutation check)
def test_a_non_utf8_byte_is_named_with_its_line_and_column(tmp_path):
    import shuttle_sim as ss

    p = tmp_path / "s.yaml"
    p.write_bytes(b"name: x\nab\xffc: 1\n")
    with pytest.raises(ss.ConfigError) as e:
        ss.load_scenario(p)
    assert str(e.value) == f"{p}:2: expected UTF-8 text, found the byte 0xff at column 3 (save the file as UTF-8)"


def test_a_long_value_in_a_message_is_cut_to_its_limit():
    from shuttle_sim.config.reading import _one_line

    assert _one_line("x" * 100, 20) == "x" * 17 + "..." and _one_line("a  b\\n c", 20) == "a b\\n c"
    assert _one_line("y" * 20, 20) == "y" * 20  # at the limit: whole


@pytest.mark.parametrize("k, ok", [(19, True), (20, False)])
def test_nesting_counts_what_an_alias_brings_in_up_to_the_limit(k, ok):
    """``a`` anchors 20 nested lists around a scalar (height 20); ``b`` puts the alias
    inside k lists, so it stands at level k + 1 (the document's mapping is level 0) and
    reaches level k + 21: 40 levels (the limit) for k = 19 is accepted, 41 refused."""
    from shuttle_sim.config.reading import MAX_DEPTH, ConfigError, parse_yaml

    text = "a: &a " + "[" * 20 + "1" + "]" * 20 + "\nb: " + "[" * k + "*a" + "]" * k + "\n"
    assert MAX_DEPTH == 40
    if ok:
        parse_yaml(text, "t.yaml")
    else:
        with pytest.raises(ConfigError, match=r"^t\.yaml:1: expected nesting at most 40 levels deep \(aliases included\)"):
            parse_yaml(text, "t.yaml")


def test_a_list_too_short_or_too_long_says_how_long_it_may_be():
    import shuttle_sim as ss

    from .conftest import cycle_dict

    d = cycle_dict()
    d["fleet"]["tankers"] = []
    with pytest.raises(ss.ConfigError) as e:
        ss.scenario_from_dict(d)
    assert str(e.value) == "<dict>: fleet.tankers: expected at least 1 value, found 0"
    d["fleet"]["tankers"] = [dict(cycle_dict()["fleet"]["tankers"][0], name=f"C{i}") for i in range(101)]
    with pytest.raises(ss.ConfigError) as e:
        ss.scenario_from_dict(d)
    assert str(e.value) == "<dict>: fleet.tankers: expected at most 100 values, found 101"


def test_an_error_inside_a_list_names_the_items_own_line(tmp_path):
    """The line of each key path, list items included: the second tanker class's bad
    count is on line 7, not on the line of ``tankers:``."""
    import shuttle_sim as ss
    import yaml as _yaml

    from .conftest import cycle_dict

    d = cycle_dict()
    t = dict(d["fleet"]["tankers"][0])
    d["fleet"]["tankers"] = [t, dict(t, name="U", count=0)]
    text = _yaml.safe_dump(d, sort_keys=False, default_flow_style=False)
    p = tmp_path / "s.yaml"
    p.write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip() == "count: 0")
    with pytest.raises(ss.ConfigError) as e:
        ss.load_scenario(p)
    assert str(e.value).startswith(f"{p}:{line}: fleet.tankers[1].count: expected a whole number from 1 to 1000")


def test_an_overlays_base_reads_its_weather_file_beside_itself(tmp_path):
    """``extends``: a hindcast file named in the base scenario is found beside the base,
    wherever the overlay that extends it is."""
    import shuttle_sim as ss
    import yaml as _yaml

    from .conftest import cycle_dict
    from .test_mechanisms import write_hindcast

    base_dir, over_dir = tmp_path / "base", tmp_path / "studies"
    base_dir.mkdir()
    over_dir.mkdir()
    write_hindcast(base_dir / "hc.csv", {}, hours=400, sites=("L",))
    d = cycle_dict(start_date="2025-01-01", horizon="300 h", weather={"source": "hindcast", "file": "hc.csv"})
    d["load_port"]["weather_site"] = "L"
    (base_dir / "base.yaml").write_text(_yaml.safe_dump(d, sort_keys=False))
    (over_dir / "over.yaml").write_text("extends: ../base/base.yaml\nhorizon: 200 h\n")
    s = ss.load_scenario(over_dir / "over.yaml")
    assert s.horizon_h == 200.0 and ss.simulate(s).kpis["voyages"] > 0


WRONG_KIND = {  # (command, shipped file, the one line's words)
    "study to run": (["run"], "experiments/aktau_expansion.yaml",
                     ["expected a scenario, found a study file", "shuttle-sim sweep"]),
    "costs to run": (["run"], "configs/costs.yaml", ["expected a scenario, found cost model inputs"]),
    "scenario to sweep": (["sweep"], "configs/kcts_concept.yaml",
                          ["expected a study file, found a scenario", "shuttle-sim run"]),
    "costs to sweep": (["sweep"], "configs/costs.yaml", ["expected a study file, found cost model inputs"]),
}


@pytest.mark.parametrize("name", WRONG_KIND)
def test_a_file_of_another_kind_is_named_in_one_line(name, tmp_path, capsys):
    """A study given to `run` (or a scenario to `sweep`) is told so in one line, with the
    command that takes it, not a line for each key the two kinds do not share."""
    command, rel, words = WRONG_KIND[name]
    path = CONFIGS.parent / rel
    out = tmp_path / "out"
    assert main([*command, str(path), "--out", str(out)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{path}: expected "), captured.err
    for w in words:
        assert w in lines[0]
    assert captured.out == "" and not out.exists()


def test_a_study_as_a_base_scenario_is_named_at_the_extends_line(tmp_path, capsys):
    study = CONFIGS.parent / "experiments" / "aktau_expansion.yaml"
    path = tmp_path / "over.yaml"
    path.write_text(f"name: over\nextends: {study}\n")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"{path}:2: extends: ") and "found a study file" in err and "\n" not in err


def test_file_kind_reads_the_top_level_keys():
    from shuttle_sim.config.reading import file_kind

    assert file_kind({"scenario": "a.yaml", "factors": {}}) == "study"
    assert file_kind({"scenario": "a.yaml"}) is None  # a study missing its factors: its own errors say so
    assert file_kind({"fuel_price": {}}) == "costs"
    assert file_kind({"fuel_price": {}, "name": "x", "supply": {}}) == "scenario"
    assert file_kind({"extends": "base.yaml"}) == "scenario"
    assert file_kind({"name": "x"}) is None and file_kind([1]) is None and file_kind(None) is None


@pytest.mark.parametrize("value, words", [
    ("2025-02-30", "start_date: expected a valid date, found '2025-02-30' (day is out of range for month)"),
    ("{" + BOMB.strip().replace("\n", ", ") + "}", "expected at most"),  # 9^9 values once its aliases are expanded
    ("!!python/object:os.system {}", "unsupported YAML tag"),
])
def test_a_set_value_is_read_as_a_scenario_files_values_are(value, words, capsys):
    """--set reads its value with the files' bounded, safe reader: a bad date, an alias
    bomb or a Python tag is one line at the path as written (the bomb refused by its count,
    not expanded)."""
    assert main(["run", str(CONFIGS / "kcts_concept.yaml"), "--years", "0.01", "--set", f"start_date={value}"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("--set: start_date: ") and words in err and "\n" not in err, err


def test_a_boolean_set_for_a_count_is_refused(capsys):
    assert main(["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.01", "--set", "load_port.berths=true"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "--set: load_port.berths: expected a whole number, found true", err
