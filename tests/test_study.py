"""The study layer's parts on their own: stopping rule, records, scheduler, study directory."""

import concurrent.futures as cf
import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from shuttle_sim.study import outdir, stopping, studydir
from shuttle_sim.study.executors import InProcessExecutor
from shuttle_sim.study.records import Record, ResultTable, describe_error
from shuttle_sim.study.scheduler import batches, stream
from shuttle_sim.study.studydir import atomic_write, read_levels

from .test_experiment import noisy


# ------------------------------------------------------------------ stopping (no SimPy)
def halfwidth(x):
    x = np.asarray(x, float)
    return stats.t.ppf(0.975, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)


def test_constant_values_meet_any_precision():
    assert stopping.precision_reached(np.full(10, 5.0), 1e-9)
    assert stopping.next_stage(np.full(10, 5.0), 10, 1e-9, 1000) is None


def test_next_stage_is_sized_by_the_variance_seen():
    x = np.array([1.0, 3.0] * 5)  # mean 2
    hw = halfwidth(x)
    p = hw / 2.0 / 2.0  # half the precision reached: four times the replications
    assert not stopping.precision_reached(x, p)
    assert stopping.next_stage(x, 10, p, 10_000) == math.ceil(10 * (hw / (p * 2.0)) ** 2) == 40
    assert stopping.next_stage(x, 10, p, 25) == 25  # the cap
    assert stopping.next_stage(x, 25, p, 25) is None  # at the cap: stop
    near = hw / 2.0 * 0.99  # almost there: still at least MIN_PILOT more
    assert stopping.next_stage(x, 10, near, 10_000) == 20
    assert stopping.precision_reached(x, hw / 2.0 * 1.0001)


def test_first_stage_and_undefined_intervals():
    assert stopping.first_stage(3, 100) == 10 and stopping.first_stage(50, 30) == 30 and stopping.first_stage(None, 99) == 10
    assert stopping.next_stage(np.array([4.0]), 1, 0.1, 100) == 11  # one value: no interval yet
    assert stopping.next_stage(np.array([-1.0, 1.0]), 2, 0.1, 100) == 12  # mean 0: no relative precision


# ------------------------------------------------------------------ records
def test_a_failed_replication_keeps_type_message_and_code_location():
    def innermost():
        raise ZeroDivisionError("tank empty\nsecond line")

    try:
        innermost()
    except ZeroDivisionError as e:
        text = describe_error(e)
    line = innermost.__code__.co_firstlineno + 1
    assert text == f"ZeroDivisionError: tank empty second line [tests/test_study.py:{line}:innermost]"


def test_result_table_columns_and_errors():
    t = ResultTable(seed=3)
    t.add(Record(2, 3, kpis={"a": 1.0, "b": 2.0}, runtime_s=0.5))
    t.add(Record(0, 3, error="E: x [f.py:1:g]"))
    t.add(Record(1, 3, kpis={"a": 3.0, "b": 4.0}))
    assert list(t) == [0, 1, 2] and list(t.ok()) == [1, 2]
    assert t.column("a").tolist() == [3.0, 1.0]
    assert t[0]["error"] == "E: x [f.py:1:g]" and dict(t[2]["kpis"]) == {"a": 1.0, "b": 2.0}
    df = t.frame()
    assert df.loc[2, "runtime_s"] == 0.5 and math.isnan(df.loc[1, "runtime_s"])
    assert len(t.upto(2)) == 2


def test_result_table_keeps_every_replication_as_it_grows():
    """Replications arrive out of order and the table grows by doubling (64, 128, 256,
    ...): every one added before a growth is still there after it, with its KPIs, its
    error and its runtime; none that was not added appears."""
    rng = np.random.default_rng(5)
    order = rng.permutation(300)[:250]
    t = ResultTable(seed=1)
    for r in order:
        r = int(r)
        t.add(Record(r, 1, error="E: x [f.py:1:g]") if r % 7 == 0 else
              Record(r, 1, kpis={"a": float(r), "b": -float(r)}, runtime_s=r / 1000.0))
    assert sorted(order.tolist()) == list(t) and len(t) == 250
    assert all(int(r) in t for r in order) and not any(r in t for r in set(range(300)) - set(order.tolist()))
    ok = sorted(int(r) for r in order if r % 7)
    assert t.ok().tolist() == ok and t.column("a").tolist() == [float(r) for r in ok]
    df = t.frame()
    assert df.loc[ok, "runtime_s"].tolist() == [r / 1000.0 for r in ok]
    assert (df["error"] != "").sum() == sum(1 for r in order if r % 7 == 0)


# ------------------------------------------------------------------ scheduler
class Counting(cf.ThreadPoolExecutor):
    def __init__(self):
        super().__init__(max_workers=4)
        self.running = self.peak = 0

    def submit(self, fn, /, *args):
        self.running += 1
        self.peak = max(self.peak, self.running)
        fut = super().submit(fn, *args)
        fut.add_done_callback(lambda f: setattr(self, "running", self.running - 1))
        return fut


def test_stream_keeps_a_bounded_window_and_yields_every_item():
    with Counting() as ex:
        got = list(stream(ex, lambda t: [t, t], iter(range(50)), window=3))
    assert sorted(got) == sorted(list(range(50)) * 2)
    assert ex.peak <= 3


def test_stream_in_process_yields_in_submission_order():
    assert list(stream(InProcessExecutor(), lambda t: [t], range(7), window=3)) == list(range(7))


def test_batches():
    assert batches(list(range(5)), 1, 2) == [(0, 1), (2, 3), (4,)]
    assert all(len(b) <= 32 for b in batches(list(range(10_000)), 2))
    assert sum(map(len, batches(list(range(100)), 2))) == 100


# ------------------------------------------------------------------ study directory
def test_atomic_write_leaves_nothing_on_failure(tmp_path, monkeypatch):
    atomic_write(tmp_path / "a.txt", "old")

    def full(f, data):
        f.write(data[:3])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(studydir, "_write_all", full)
    with pytest.raises(OSError):
        atomic_write(tmp_path / "a.txt", "new text")
    assert (tmp_path / "a.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.txt"]


def test_read_levels_takes_the_file_or_the_directory_and_the_manifest_says_what_rows_are(tmp_path):
    from shuttle_sim.experiment import run_experiment

    run_experiment(noisy(), 3, seed=1, out=tmp_path)
    a, b = read_levels(tmp_path), read_levels(tmp_path / "levels.bin")
    assert sorted(a) == sorted(b) == [0, 1, 2] and all(np.array_equal(a[r], b[r]) for r in a)
    m = json.loads((tmp_path / "manifest.json").read_text())
    assert m["levels_bin"]["rows"] == ["load_tank", "discharge_tank"] and m["levels_bin"]["unit"] == "t"
    assert m["status"] == "complete" and "fsync" in m["durability"]


def test_read_levels_reads_whole_records_only_and_names_what_it_was_given(tmp_path):
    """A record whose checksum fails (a torn or overwritten write) and a partial tail are
    left out; a run's or another file is refused in one line, never parsed as levels."""
    import datetime

    from shuttle_sim import simulate
    from shuttle_sim.experiment import run_experiment
    from shuttle_sim.output import write_run
    from shuttle_sim.study.records import StudyError

    run_experiment(noisy(), 3, seed=1, out=tmp_path / "s")
    good = read_levels(tmp_path / "s")
    lv = tmp_path / "s" / "levels.bin"
    raw = bytearray(lv.read_bytes())
    size = len(raw) // 3
    raw[size + 20] ^= 0xFF  # the second record's payload: its CRC-32 no longer matches
    lv.write_bytes(bytes(raw) + bytes(raw[:size // 2]))  # and half a record after the last
    cut = read_levels(tmp_path / "s")
    assert sorted(cut) == sorted(set(good) - {list(good)[1]})
    assert all(np.array_equal(cut[r], good[r]) for r in cut)
    write_run(tmp_path / "r", noisy(), simulate(noisy(), horizon_h=100.0), datetime.datetime.now())
    for given, words in [(tmp_path / "r", "a single run's directory: its levels are in tank_levels.csv"),
                         (tmp_path / "s" / "manifest.json", "expected a study directory or its levels.bin, found "
                                                            "another file"),
                         (tmp_path / "nope", "expected a study directory or its levels.bin, found nothing")]:
        with pytest.raises(StudyError, match=words):
            read_levels(given)


# ------------------------------------------------------------------ workers tied to their parent
@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
@pytest.mark.parametrize("platform", ["linux", "darwin"])
def test_a_worker_whose_parent_is_gone_exits(platform):
    """Both guards: prctl's check right after arming, and the watchdog thread used where
    prctl does not exist.  The child is told its parent is a pid that is not its parent."""
    import os
    import sys
    import time

    from shuttle_sim.study import executors

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            sys.platform = platform
            executors.worker_init(parent_pid=os.getppid() + 999_999)
            time.sleep(5)
        finally:
            os._exit(0)  # reached only if the guard failed
    t0 = time.monotonic()
    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    assert code == 1 and time.monotonic() - t0 < 4


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_worker_ignores_ctrl_c():
    import os
    import signal
    import time

    from shuttle_sim.study import executors

    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            executors.worker_init(parent_pid=os.getppid())
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)
            os._exit(7)
        except BaseException:
            os._exit(1)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7


@pytest.mark.parametrize("files, manifest, kind", [
    ({}, None, None),
    ({".x.tmp-1": ""}, None, None),  # a killed write's temporary file only: empty
    ({"kpis.json": "{}"}, None, "run"),  # a run killed before its manifest (written last)
    ({"kpis.json": "{}"}, {"scenario": "s", "replications": 1}, "run"),  # a run's manifest from before kinds
    ({"replications.csv": ""}, None, "study"),
    ({"scenario.resolved.yaml": ""}, {"levels_bin": {}, "status": "running"}, "study"),  # killed before a row
    ({"runs": None}, {"cells": [], "status": "running"}, "sweep"),
    ({"cells.csv": ""}, None, "sweep"),
    ({"notes.txt": "mine"}, None, "other"),
    ({"kpis.json": "{}"}, {"kind": "study"}, "study"),  # the manifest's word first
])
def test_directory_kind_by_manifest_then_by_files(tmp_path, files, manifest, kind):
    d = tmp_path / "d"
    d.mkdir()
    for name, text in files.items():
        (d / name).mkdir() if text is None else (d / name).write_text(text)
    if manifest is not None:
        (d / "manifest.json").write_text(json.dumps(manifest))
    assert outdir.directory_kind(d) == kind
    assert outdir.directory_kind(tmp_path / "missing") is None


_HALF_SENT = '''
import os, struct, sys, time
from shuttle_sim.study.executors import make_executor

def half_sent(marker):
    # what a worker ended mid-send leaves: a result message's length, and only part of it
    results = sys._getframe(1).f_locals["result_queue"]
    results._writer._send(struct.pack("!i", 1000) + b"x" * 10)
    open(marker, "w").close()
    time.sleep(60)

if __name__ == "__main__":
    ex, _, shutdown = make_executor(2)
    ex.submit(half_sent, sys.argv[1])
    while not os.path.exists(sys.argv[1]):
        time.sleep(0.01)
    shutdown(True)
'''


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker reaches the pool's pipe by fork")
def test_an_aborted_pool_exits_when_a_worker_died_mid_send(tmp_path):
    """The pool's manager thread, left reading the rest of a result that never comes,
    must not hold up the exit (the interpreter joins it): a Ctrl-C once hung here."""
    script = tmp_path / "half_sent.py"
    script.write_text(_HALF_SENT)
    p = subprocess.run([sys.executable, str(script), str(tmp_path / "sent")], capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode()
