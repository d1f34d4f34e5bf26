"""A report quotes a scenario file only if that file gives the scenario that ran.

Before, a run's manifest did not record its file: the report found ``configs/<name>.yaml``
by name and quoted it, so ``shuttle-sim run kcts_concept --set fleet.tankers[0].count=6``
produced a report whose scenario table said 4 ships.  Now every scenario remembers its
file and the changes made to it (shuttle_sim.config.provenance), the manifests record
them, and the report re-applies the changes to the file and compares scenario hashes.
"""

from __future__ import annotations

import json
import shutil

from shuttle_sim import load_scenario
from shuttle_sim.cli import main
from shuttle_sim.config.provenance import manifest_fields, provenance
from shuttle_sim.config.schema import scenario_hash
from shuttle_sim.report import build_report
from shuttle_sim.report.source import read_source
from shuttle_sim.study.sweep import RUNS

from .test_report import CONFIGS
from .test_report_sweep import swept  # noqa: F401  (the fixture)


def _rows(src):
    return {r.path: r for r in src.rows}


def test_a_variant_remembers_its_file_and_changes_in_order():
    s = load_scenario("kcts_concept")
    assert provenance(s) == {"file": str((CONFIGS / "kcts_concept.yaml").resolve()), "changes": []}
    v = s.with_changes({"fleet.tankers[0].count": 6}, source="--set").with_changes({"load_port.berths": 3}, "x.yaml")
    assert provenance(v)["changes"] == [{"path": "fleet.tankers[0].count", "value": 6, "by": "--set"},
                                        {"path": "load_port.berths", "value": 3, "by": "x.yaml"}]
    assert provenance(s)["changes"] == []  # the original's record is its own
    assert manifest_fields(load_scenario(CONFIGS / "kcts_concept.yaml"))["scenario_changes"] == []


def test_run_with_set_and_warmup_shows_the_changed_values(tmp_path):
    out = tmp_path / "r"
    assert main(["run", "kcts_concept", "--years", "0.05", "--warmup", "2 d", "--set", "fleet.tankers[0].count=6",
                 "--out", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["scenario_file"] == str((CONFIGS / "kcts_concept.yaml").resolve())
    assert [c["by"] for c in m["scenario_changes"]] == ["--set", "--warmup"]
    src = read_source(out, m, "kcts_concept")
    assert src.path.name == "kcts_concept.yaml", src.how  # the file, verified with both changes re-applied
    rows = _rows(src)
    count = rows["fleet.tankers[0].count"]
    assert count.value == "6" and count.file == "--set" and "the file has 4" in count.comment
    assert rows["warmup"].file == "--warmup" and rows["warmup"].value == "48.0 h"
    # --years is no change of the scenario (not in its hash) but the file's horizon is not the run's
    assert rows["horizon"].file == "this run's length" and "the file has 395 d" in rows["horizon"].comment
    assert rows["horizon"].value == f"{m['horizon_h']:g} h"
    assert "; 3 values changed for this run (fleet.tankers[0].count, warmup, horizon)" in src.how
    assert rows["fleet.tankers[0].cargo"].value == "500000 bbl"  # untouched values keep the file's words
    page = build_report(out, out=tmp_path / "rep").read_text()
    top = page[: page.index("<h2")]  # a variant says so before anything is read as the shipped scenario
    assert "Changed for this run: fleet.tankers[0].count = 6 (--set); warmup = 48.0 h (--warmup)." in top
    assert "<td class='mono chg'>6</td>" in page  # the changed value is shaded in the scenario table
    whole = tmp_path / "whole"
    assert main(["run", "kcts_concept", "--out", str(whole)]) == 0  # the file's own horizon: nothing laid over
    src = read_source(whole, json.loads((whole / "manifest.json").read_text()), "kcts_concept")
    assert not [r for r in src.rows if r.file] or {r.file for r in src.rows if r.file} == {"kcts_concept.yaml"}
    assert "change" not in src.how
    page = build_report(whole, out=tmp_path / "rep_whole").read_text()
    assert "Changed for this run" not in page and "mono chg" not in page


def test_an_edited_file_is_not_quoted_as_what_ran(tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text((CONFIGS / "kcts_concept.yaml").read_text().replace("name: kcts_concept", "name: mine"))
    out = tmp_path / "r"
    assert main(["run", str(f), "--years", "0.05", "--out", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert read_source(out, m, "mine").path == f.resolve()
    f.write_text(f.read_text().replace("berths: 2", "berths: 3", 1))  # edited after the run
    src = read_source(out, m, "mine")
    assert src.path.name == "scenario.resolved.yaml"
    assert "no longer gives the scenario that ran" in src.how
    page = build_report(out, out=tmp_path / "rep").read_text()
    assert "no longer gives the scenario that ran" in page
    assert "Sources are cited as [n]" not in page  # the resolved file has no sources to explain
    assert "Sources cited in the table above" not in page
    shutil.copy(CONFIGS / "kcts_concept.yaml", f)
    f.write_text(f.read_text().replace("name: kcts_concept", "name: mine"))  # as it was at the run
    page = build_report(out, out=tmp_path / "rep2").read_text()
    assert "Sources are cited as [n]" in page
    assert "<b>[14]</b> silkroadnews.org (Oct 2016)" in page  # the header's citation, resolved


def test_same_name_variant_elsewhere_is_not_mistaken_for_the_shipped_file(tmp_path):
    """An old result (no scenario_file) of a variant that kept the shipped name: the shipped
    file is found by name but gives another hash, so it is not quoted."""
    f = tmp_path / "kcts_concept.yaml"
    f.write_text((CONFIGS / "kcts_concept.yaml").read_text().replace("count: 4 ", "count: 5 ", 1))
    out = tmp_path / "r"
    assert main(["run", str(f), "--years", "0.05", "--out", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    del m["scenario_file"], m["scenario_changes"]
    assert scenario_hash(load_scenario(f)) == m["scenario_sha256"]
    src = read_source(out, m, "kcts_concept")
    assert src.path.name == "scenario.resolved.yaml" and "no longer gives" in src.how
    shutil.copy(CONFIGS / "kcts_concept.yaml", f)  # the recorded hash now matches the shipped file's
    m["scenario_sha256"] = scenario_hash(load_scenario(f))
    assert read_source(out, m, "kcts_concept").path.name == "kcts_concept.yaml"


def test_study_and_sweep_cells_record_and_verify_their_changes(swept, tmp_path):  # noqa: F811
    out = tmp_path / "s"
    assert main(["run", "kcts_concept", "-n", "2", "--years", "0.05", "--quiet", "--out", str(out)]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["scenario_file"].endswith("kcts_concept.yaml")
    assert read_source(out, m, "kcts_concept").path.name == "kcts_concept.yaml"
    _, sweep_dir = swept
    runs = sorted((sweep_dir / RUNS).iterdir())
    assert runs
    for run in runs:  # each cell: the base file with the study's overrides and the cell's levels
        rm = json.loads((run / "manifest.json").read_text())
        assert rm["scenario_changes"], run.name
        src = read_source(run, rm, rm["scenario"])
        assert src.path.name == "cycle.yaml", (run.name, src.how)
        swept_rows = [r for r in src.rows if r.file == "study.yaml"]
        assert {r.path for r in swept_rows} >= {"load_port.berths"}
        base = read_source(run, rm, rm["scenario"], show_changes=False)  # a sweep's page: the base file's words
        assert base.path.name == "cycle.yaml" and not [r for r in base.rows if r.file == "study.yaml"]


def test_an_older_sweep_cell_without_recorded_changes_still_shows_its_base_file(swept):  # noqa: F811
    """A cell's run written before manifests recorded changes: the sweep's page shows the
    base file (it marks the study's changes itself), with the caveat, as before; a run's
    page would not quote a file that gives another scenario."""
    _, sweep_dir = swept
    run = sorted((sweep_dir / RUNS).iterdir())[0]
    rm = json.loads((run / "manifest.json").read_text())
    old = {k: v for k, v in rm.items() if k not in ("scenario_file", "scenario_changes")}
    old["scenario_path"] = rm["scenario_file"]  # where the file is, as a hand-made manifest might say
    src = read_source(run, old, rm["scenario"], show_changes=False)
    assert src.path.name == "cycle.yaml" and "records nothing to check it against" in src.how
    src = read_source(run, old, rm["scenario"])
    assert src.path.name == "scenario.resolved.yaml"
    assert "or changed in ways this result does not record" in src.how
