"""Studies under faults: killed at every write, a full disk at every write, a changed -n,
a killed parent with live workers, Ctrl-C, and --out places that cannot hold a study.

The write points are found by counting the calls of ``studydir._write_all`` (every byte a
study writes goes through it) in an uninterrupted run; a fault is then injected at each.
"""

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shuttle_sim.cli import main
from shuttle_sim.experiment import StudyError, run_experiment
from shuttle_sim.study import outdir, studydir

from .conftest import CONFIGS
from .test_experiment import noisy

FILES = ("replications.csv", "summary.json", "levels.bin")
N = 4


def study(out, n=N, **kw):
    return run_experiment(noisy(), n, seed=4, out=out, batch=1, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Files of an uninterrupted study, and how many writes it made."""
    out = tmp_path_factory.mktemp("ref")
    calls = []
    real = studydir._write_all
    studydir._write_all = lambda f, data: (calls.append(len(data)), real(f, data))
    try:
        study(out)
    finally:
        studydir._write_all = real
    return {f: (out / f).read_bytes() for f in FILES}, len(calls)


def assert_same_files(out: Path, ref: dict) -> None:
    for f in FILES:
        assert (out / f).read_bytes() == ref[f], f
    assert not [p.name for p in out.iterdir() if ".tmp-" in p.name]


def faulty(k: int, fault):
    """A ``_write_all`` that writes half of the k-th write, then calls ``fault()``."""
    real, calls = studydir._write_all, [0]

    def write(f, data):
        calls[0] += 1
        if calls[0] == k:
            real(f, data[: len(data) // 2])
            fault()
        real(f, data)

    return write


def die():
    os._exit(9)  # as kill -9: no cleanup of any kind


def killed_at(k: int, out: Path) -> int:
    """Run the study in a forked child that dies at its k-th write; its exit code."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            studydir._write_all = faulty(k, die)
            study(out)
        finally:
            os._exit(0)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_killed_at_every_write_then_resumed_gives_identical_files(tmp_path, reference):
    ref, writes = reference
    assert writes >= 2 * N + 4
    for k in range(1, writes + 1):
        out = tmp_path / f"k{k}"
        assert killed_at(k, out) == 9
        study(out)
        assert_same_files(out, ref)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_killed_twice_then_resumed(tmp_path, reference):
    ref, writes = reference
    out = tmp_path / "twice"
    assert killed_at(6, out) == 9
    assert killed_at(3, out) == 9  # a second kill early in the resumed run
    study(out)
    assert_same_files(out, ref)


def test_disk_full_at_every_write_is_a_clean_error_and_a_rerun_recovers(tmp_path, reference, monkeypatch):
    ref, writes = reference

    def full():
        raise OSError(errno.ENOSPC, "No space left on device")

    for k in range(1, writes + 1):
        out = tmp_path / f"d{k}"
        with monkeypatch.context() as m:
            m.setattr(studydir, "_write_all", faulty(k, full))
            with pytest.raises(StudyError) as e:
                study(out)
        assert "No space left on device" in str(e.value) and "\n" not in str(e.value)
        assert not [p.name for p in out.iterdir() if ".tmp-" in p.name]
        study(out)
        assert_same_files(out, ref)


def test_a_failing_fsync_is_a_clean_error_too(tmp_path, reference, monkeypatch):
    def no_space(f):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(studydir, "_sync", no_space)
        with pytest.raises(StudyError, match="No space left on device"):
            study(tmp_path)
    study(tmp_path)
    assert_same_files(tmp_path, reference[0])


def test_disk_full_from_the_command_line_is_one_line_exit_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(studydir, "_write_all", faulty(5, lambda: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device"))))
    args = ["run", str(CONFIGS / "aktau_current.yaml"), "-n", "3", "--years", "0.05", "--workers", "1", "--quiet",
            "--out", str(tmp_path / "o")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err and "rerun the same command" in err


def test_a_smaller_n_is_refused_and_a_larger_one_extends(tmp_path):
    study(tmp_path / "a", n=6)
    before = {f: (tmp_path / "a" / f).read_bytes() for f in FILES}
    with pytest.raises(StudyError, match=r"holds 6 finished replications, up to number 5; -n 4 would drop some"):
        study(tmp_path / "a", n=4)
    assert {f: (tmp_path / "a" / f).read_bytes() for f in FILES} == before  # nothing truncated or duplicated
    study(tmp_path / "a", n=9)
    study(tmp_path / "b", n=9)
    assert_same_files(tmp_path / "a", {f: (tmp_path / "b" / f).read_bytes() for f in FILES})


def test_levels_missing_for_a_committed_row_are_rerun_not_dropped(tmp_path, reference):
    """A directory written by the old order (row first, levels second) and killed between."""
    study(tmp_path)
    lv = tmp_path / "levels.bin"
    rec = len(lv.read_bytes()) // N
    lv.write_bytes(lv.read_bytes()[: 2 * rec] + lv.read_bytes()[3 * rec:])  # replication 2 lost its levels
    (tmp_path / "summary.json").unlink()
    study(tmp_path)
    assert_same_files(tmp_path, reference[0])


@pytest.mark.parametrize("where", ["file", "under_file", "unwritable"])
def test_out_that_cannot_hold_a_study_is_one_line_and_writes_nothing(tmp_path, capsys, where):
    f = tmp_path / "f"
    f.write_text("x")
    out = {"file": f, "under_file": f / "sub" / "dir", "unwritable": Path("/proc/no/such/dir")}[where]
    before = sorted(tmp_path.rglob("*"))
    assert main(["run", str(CONFIGS / "aktau_current.yaml"), "-n", "2", "--years", "0.01", "--quiet",
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"shuttle-sim: --out {out}"), err
    assert sorted(tmp_path.rglob("*")) == before


def test_a_bad_kpi_writes_nothing(tmp_path, capsys):
    assert main(["run", str(CONFIGS / "aktau_current.yaml"), "--precision", "0.1", "--kpi", "nosuchkpi",
                 "--years", "0.01", "--quiet", "--out", str(tmp_path / "o")]) == 2
    assert "nosuchkpi" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_progress_bar_counts_replications_after_a_resume(tmp_path, monkeypatch):
    from shuttle_sim.study import experiment

    seen = []
    real = experiment._progress
    monkeypatch.setattr(experiment, "_progress", lambda *a: seen.append(a) or real(*a))
    study(tmp_path, n=3)
    study(tmp_path, n=5)
    assert [(total, initial) for _, total, initial, _ in seen] == [(3, 0), (5, 3)]


# ------------------------------------------------------------------ real processes
def _cli(out: Path, n: int = 400, workers: int = 2) -> list[str]:
    return [sys.executable, "-m", "shuttle_sim.cli", "run", str(CONFIGS / "aktau_current.yaml"), "-n", str(n),
            "--seed", "2", "--years", "0.05", "--workers", str(workers), "--quiet", "--out", str(out)]


def _wait_rows(csv_path: Path, rows: int, p: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while time.time() < deadline and p.poll() is None:
        if csv_path.exists() and csv_path.read_bytes().count(b"\n") > rows:
            return
        time.sleep(0.05)
    pytest.fail("the study wrote no rows in time")


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        out += [int(c) for c in (task / "children").read_text().split()]
    return out


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_die_with_a_killed_parent_and_the_rerun_finishes_identically(tmp_path):
    out = tmp_path / "k"
    p = subprocess.Popen(_cli(out, n=24), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait_rows(out / "replications.csv", 3, p)
    workers = _children(p.pid)
    assert len(workers) >= 2
    p.send_signal(signal.SIGKILL)
    p.wait()
    deadline = time.time() + 10
    while time.time() < deadline and any(map(_alive, workers)):
        time.sleep(0.05)
    left = [w for w in workers if _alive(w)]
    for w in left:  # do not leave them running whatever the outcome
        os.kill(w, signal.SIGKILL)
    assert not left, "workers outlived their parent"
    assert subprocess.run(_cli(out, n=24), capture_output=True).returncode == 0
    assert subprocess.run(_cli(tmp_path / "ref", n=24, workers=1), capture_output=True).returncode == 0
    assert_same_files(out, {f: (tmp_path / "ref" / f).read_bytes() for f in FILES})


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups")
def test_ctrl_c_to_the_process_group_prints_one_line(tmp_path):
    out = tmp_path / "c"
    # Ctrl-C reaches the study with SIGINT at its default: a test run started in the
    # background of a non-interactive shell would hand the study SIGINT ignored, as Unix
    # does for background jobs, and the study would (rightly) run on
    p = subprocess.Popen(_cli(out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_rows(out / "replications.csv", 2, p)
    os.killpg(p.pid, signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130
    assert err.decode().count("\n") == 1 and "interrupted" in err.decode(), err.decode()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the patched function reaches the workers by fork")
def test_a_worker_that_dies_is_a_clean_error_and_the_rerun_finishes(tmp_path, reference, monkeypatch):
    import shuttle_sim.study.tasks as tasks

    real = tasks.simulate

    def dies_on_2(scenario, seed, replication, horizon_h, **kw):
        if replication == 2:
            os._exit(1)  # as the OOM killer would
        return real(scenario, seed=seed, replication=replication, horizon_h=horizon_h, **kw)

    with monkeypatch.context() as m:
        m.setattr(tasks, "simulate", dies_on_2)
        with pytest.raises(StudyError, match="a worker process died .* rerun the same command"):
            run_experiment(noisy(), N, seed=4, out=tmp_path, batch=1, workers=2)
    study(tmp_path)
    assert_same_files(tmp_path, reference[0])


def test_failures_before_the_first_kpis_and_studies_where_all_fail(tmp_path, monkeypatch):
    import shuttle_sim.study.tasks as tasks

    real = tasks.simulate
    fail = {0, 1}

    def flaky(scenario, seed, replication, horizon_h, **kw):
        if replication in fail:
            raise RuntimeError("boom")
        return real(scenario, seed=seed, replication=replication, horizon_h=horizon_h, **kw)

    monkeypatch.setattr(tasks, "simulate", flaky)
    exp = study(tmp_path / "a", n=4)  # the first rows written know no KPI names yet
    assert exp.summary["failed"] == 2
    study(tmp_path / "a", n=6)
    ref = study(tmp_path / "b", n=6)
    assert_same_files(tmp_path / "a", {f: (tmp_path / "b" / f).read_bytes() for f in FILES})
    assert ref.summary["failed"] == 2
    fail.update(range(100))
    assert study(tmp_path / "c", n=2).summary["failed"] == 2
    fail.difference_update(range(100))
    assert study(tmp_path / "c", n=3).summary["failed"] == 0  # the all-failed rows ran again


def test_a_precision_study_resumes_to_the_same_stopping_point_and_files(tmp_path):
    import math

    import numpy as np

    from .test_experiment import InterruptAfter, t_halfwidth

    kw = dict(seed=8, precision=0.01, kpi="delivered_t", max_replications=200, batch=2)
    full = run_experiment(noisy(), 10, out=tmp_path / "full", **kw)
    # stages from 10, each the size the variance so far asks for (scipy's t half-width),
    # at least 10 more, replayed on the study's own replications: it stops where they do
    n = full.summary["replications"]
    x = np.array([full.records[r]["kpis"]["delivered_t"] for r in range(n)])
    target, stages = 10, [10]
    while t_halfwidth(x[:target]) > 0.01 * abs(x[:target].mean()):
        need = math.ceil(target * (t_halfwidth(x[:target]) / (0.01 * abs(x[:target].mean()))) ** 2)
        target = min(max(need, target + 10), 200)
        assert target <= n, "the study stopped before reaching its precision"
        stages.append(target)
    assert n == target and len(stages) > 1  # the interruption (after 7) falls in the pilot; more stages follow
    with pytest.raises(KeyboardInterrupt):
        run_experiment(noisy(), 10, out=tmp_path / "cut", executor=InterruptAfter(7), **kw)
    again = run_experiment(noisy(), 10, out=tmp_path / "cut", **kw)
    assert again.summary == full.summary
    assert_same_files(tmp_path / "cut", {f: (tmp_path / "full" / f).read_bytes() for f in FILES})


def test_a_partial_levels_record_mid_file_is_found_and_what_follows_is_rerun(tmp_path, reference):
    """As an older version left it after a full disk: half a record, then whole ones."""
    study(tmp_path)
    lv = tmp_path / "levels.bin"
    raw = lv.read_bytes()
    rec = len(raw) // N
    lv.write_bytes(raw[:rec] + raw[rec: rec + rec // 2] + raw[rec:])
    (tmp_path / "summary.json").unlink()
    study(tmp_path)
    assert_same_files(tmp_path, reference[0])


def test_a_directory_of_the_format_without_checksums_is_resumed_and_converted(tmp_path, reference):
    import json

    import numpy as np

    from shuttle_sim.study.studydir import levels_dtype

    study(tmp_path)
    m = json.loads((tmp_path / "manifest.json").read_text())
    days = m.pop("levels_bin") and m["level_days"]
    (tmp_path / "manifest.json").write_text(json.dumps(m))
    arr = np.frombuffer((tmp_path / "levels.bin").read_bytes(), dtype=levels_dtype(days))
    old = np.empty(arr.size, dtype=levels_dtype(days, 1))
    old["r"], old["lv"] = arr["r"], arr["lv"]
    (tmp_path / "levels.bin").write_bytes(old.tobytes())
    (tmp_path / "summary.json").unlink()
    study(tmp_path)
    assert_same_files(tmp_path, reference[0])
    assert json.loads((tmp_path / "manifest.json").read_text())["levels_bin"]["format"] == 2


# ------------------------------------------------------------------ one writer at a time
def test_a_second_process_is_refused_while_a_study_writes_its_directory(tmp_path):
    """Two studies into one --out: the second is refused in one line while the first
    runs (it used to run every replication again beside it), and the first finishes whole."""
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "shuttle_sim", "run", str(CONFIGS / "kcts_concept.yaml"), "-n", "60",
           "--workers", "1", "--out", str(out)]
    first = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not (out / "replications.csv").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, "the first study finished before the second could try"
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        assert second.returncode == 2
        assert second.stderr.strip() == (f"shuttle-sim: --out {out} is being written by another shuttle-sim process: "
                                         "wait for it to finish (or stop it; a rerun then resumes), or use another "
                                         "--out directory")
    finally:
        first.wait(timeout=120)
    assert first.returncode == 0, first.stderr.read()
    assert (out / "replications.csv").read_text().count("\n") == 61


def test_the_lock_is_released_when_a_study_ends_or_fails(tmp_path):
    """In one process (a notebook): after a complete study, an interrupted one and a
    refused one, the directory can be written again."""
    s = noisy()
    run_experiment(s, 2, seed=1, out=tmp_path)
    with pytest.raises(StudyError, match="holds 2 finished replications"):
        run_experiment(s, 1, seed=1, out=tmp_path)  # refused after opening the directory
    calls = []

    def interrupt(*a, **k):
        calls.append(1)
        raise KeyboardInterrupt

    orig = studydir.StudyDir.append
    studydir.StudyDir.append = interrupt
    try:
        with pytest.raises(KeyboardInterrupt):
            run_experiment(s, 4, seed=1, out=tmp_path)
    finally:
        studydir.StudyDir.append = orig
    assert calls
    assert len(run_experiment(s, 4, seed=1, out=tmp_path).records) == 4
    lock = outdir.DirLock(tmp_path)
    lock.acquire()  # free again: this process can take it
    lock.release()
    lock.release()  # a second release is nothing (never another file's descriptor closed)


def test_a_study_directory_is_created_with_its_parents_or_refused_under_a_file(tmp_path):
    s = noisy()
    assert len(run_experiment(s, 2, seed=1, out=tmp_path / "a" / "b" / "s").records) == 2
    f = tmp_path / "f"
    f.write_text("x")
    with pytest.raises(StudyError, match=f"--out {f / 'sub' / 's'}: expected a directory, found a path under the file {f}"):
        run_experiment(s, 2, seed=1, out=f / "sub" / "s")
    assert f.read_text() == "x"


@pytest.mark.parametrize("file, content, rc, words", [
    ("scenario.resolved.yaml", b"\x00\xff garbage", 0, None),  # derived from the scenario: written again
    ("manifest.json", b"[1, 2]", 2, "unreadable manifest.json (an array, not an object)"),
    ("manifest.json", b"null", 2, "unreadable manifest.json (null, not an object)"),
    ("manifest.json", b"{not json", 2, "unreadable manifest.json (Expecting property name"),
])
def test_a_damaged_study_file_is_rewritten_or_refused_in_one_line(tmp_path, capsys, file, content, rc, words):
    out = tmp_path / "s"
    cmd = ["run", str(CONFIGS / "kcts_concept.yaml"), "-n", "2", "--years", "0.02", "--out", str(out)]
    assert main(cmd) == 0
    before = (out / "replications.csv").read_bytes()
    (out / file).write_bytes(content)
    capsys.readouterr()
    assert main(cmd) == rc
    err = capsys.readouterr().err.strip()
    if words is None:
        assert (out / file).read_bytes() != content and (out / "replications.csv").read_bytes() == before
    else:
        assert err.startswith(f"shuttle-sim: --out {out}: {words}") and "\n" not in err, err
        assert (out / "replications.csv").read_bytes() == before


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_child_forked_while_the_lock_is_held_does_not_keep_it(tmp_path):
    """A pool worker forked while a study holds its directory (the default start method
    on Linux) gets a copy of the lock's descriptor; it closes it at once, so the study's
    release frees the directory while the worker lives on (an executor of the caller's
    own is not shut down with the study)."""
    lock = outdir.DirLock(tmp_path)
    lock.acquire()
    r, w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: say it runs (its fork hooks have), wait until told
        os.close(w)
        os.write(ready_w, b"r")
        os.read(r, 1)
        os._exit(0)
    try:
        os.close(r)
        os.read(ready_r, 1)
        lock.release()
        again = outdir.DirLock(tmp_path)
        again.acquire()  # refused if the child still held a copy
        again.release()
    finally:
        os.write(w, b"x")
        for fd in (w, ready_r, ready_w):
            os.close(fd)
        os.waitpid(pid, 0)
