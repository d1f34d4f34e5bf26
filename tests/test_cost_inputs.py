"""A sweep's page shows the cost inputs its cells were priced with, beside their sources.

Before, a sweep's report gave each cell's annual cost and cost per tonne but not the inputs
behind them (capex, opex, fuel, tariffs, the value of deferred oil) nor where they came
from.  Now the manifest records the cost file and a hash of the inputs read; the page
quotes the file (or the study's inline ``costs:``) only if it still gives that hash, marks
the study's ``costs.`` factors with their levels, and lists the COSTS.md references cited.
"""

from __future__ import annotations

import json
import re

from shuttle_sim.cli import main
from shuttle_sim.config.costs import costs_hash
from shuttle_sim.config.reading import parse_yaml
from shuttle_sim.report import build_report
from shuttle_sim.report.html import section_ids

from .test_report_sweep import swept  # noqa: F401  (the fixture: the toy study, costs inline)
from .test_study_files import COSTS_INLINE, STUDY, write

COST_FILE = "# Sources are the numbered references of COSTS.md, cited as [n].\n" + COSTS_INLINE.replace(
    "costs:\n", "").replace("\n  ", "\n").replace(
    "fuel_price: 500 USD/t", "fuel_price: 500 USD/t   # Brent x bbl/t [37]; ASSUMPTION here", 1).replace(
    "load_port:", "  U: {time_charter: 9 kUSD/d, opex: 0 USD/d, fuel: {laden: 1 t/d, ballast: 1 t/d, in_port: 0 t/d}}   # hire [66]\n"
    "load_port:", 1)  # a class the toy scenario has no ship of
WITH_FILE = STUDY.replace(COSTS_INLINE, "\ncosts: costs.yaml\n").replace(
    "  load_port.berths: [1, 2]\n", "  load_port.berths: [1, 2]\n  costs.fuel_price: [400 USD/t, 500 USD/t]   # a low and a high price\n")


def _section(page: str, title: str) -> str:
    at = page.index(f"<h2 id={section_ids([title])[0]}>{title}</h2>")
    end = page.find("<h2 ", at + 1)
    return page[at:end if end > 0 else len(page)]


def test_inline_costs_are_shown_from_the_study(swept):  # noqa: F811
    _, out = swept
    m = json.loads((out / "manifest.json").read_text())
    assert m["costs_file"] is None and len(m["costs_sha256"]) == 64
    page = (out / "report" / "index.html").read_text()
    costs = _section(page, "Cost inputs")
    assert '<a href="#cost-inputs">Cost inputs</a></nav>' in page  # last on the page, first found from the top
    assert "as written in the study&#x27;s costs: block (" in costs and "study.yaml" in costs
    assert "<td style='padding-left:0.5em' class=mono>fuel_price</td><td class='mono'>500 USD/t</td>" in costs
    # the toy values deferred production as deferred: its price of lost oil prices no design
    assert "deferred_production.lost" not in m["costs_used"] and "tankers.T.ownership" in m["costs_used"]


def test_a_cost_file_is_quoted_with_its_factor_and_sources_until_it_is_edited(tmp_path, capsys):
    study = write(tmp_path, WITH_FILE)
    (tmp_path / "costs.yaml").write_text(COST_FILE)
    out = tmp_path / "out"
    assert main(["sweep", str(study), "--out", str(out), "--workers", "1", "--quiet"]) == 0
    m = json.loads((out / "manifest.json").read_text())
    assert m["costs_file"] == str((tmp_path / "costs.yaml").resolve())
    assert m["costs_sha256"] == costs_hash(parse_yaml(COST_FILE, "c")[0])
    page = build_report(out, out=tmp_path / "rep").read_text()
    costs = _section(page, "Cost inputs")
    assert "the cost file the sweep recorded" in costs
    assert "<div class=swept>swept: 400 USD/t, 500 USD/t" in costs  # the cost factor, on its own row
    assert "study.yaml, on the levels: a low and a high price" in costs  # the study's words on its levels
    assert "<b>[37]</b> trend.az 3898424 (TCO Q1 2024)" in costs  # COSTS.md's [37], not DOMAIN.md's
    assert "costs.fuel_price" not in _section(page, "Assumptions")  # not a scenario key
    # the class no design has a ship of is greyed, once said why; a cost input some design uses is not
    assert "tankers.U" not in str(m["costs_used"]) and "tankers.T.fuel.laden" in m["costs_used"]
    assert re.findall(r"<tr class=unused><td[^>]*>([^<]+)</td>", costs) == ["tankers.U"]
    assert costs.count("not used by this sweep&#x27;s designs") == 1
    # and so is the source only that class cites; one a used row cites is not
    assert "<li class=unused><b>[66]</b> hubse.com" in costs and "<li><b>[37]</b> trend.az" in costs
    assert "in grey, those only the grey rows cite" in costs
    del m["costs_used"]  # a manifest from before it recorded which inputs the designs use: nothing greyed
    (out / "manifest.json").write_text(json.dumps(m))
    assert "class=unused" not in _section(build_report(out, out=tmp_path / "rep1").read_text(), "Cost inputs")
    (tmp_path / "costs.yaml").write_text(COST_FILE.replace("500 USD/t", "650 USD/t", 1))  # edited after
    costs = _section(build_report(out, out=tmp_path / "rep2").read_text(), "Cost inputs")
    assert "no longer gives the cost inputs the sweep priced with" in costs
    assert "650 USD/t" not in costs and "<table>" not in costs


def test_a_sweep_that_recorded_no_cost_inputs_shows_none(swept, tmp_path):  # noqa: F811
    import shutil

    _, out = swept
    old = tmp_path / "old"
    shutil.copytree(out, old, ignore=shutil.ignore_patterns("report"))
    m = json.loads((old / "manifest.json").read_text())
    del m["costs_file"], m["costs_sha256"]  # as written before manifests recorded them
    (old / "manifest.json").write_text(json.dumps(m))
    page = build_report(old, out=tmp_path / "rep").read_text()
    assert ">Cost inputs<" not in page and "<h2 id=assumptions>Assumptions</h2>" in page

