"""Every [n] a shipped file cites is a reference the shipped Sources lists hold, and a
report lists what each number on its page stands for.

The scenarios and studies cite the Sources list of configs/DOMAIN.md, configs/costs.yaml
that of configs/COSTS.md.  Before, both lists lived only outside the repository (a shared
folder), so neither a reader of a report nor a user of a wheel could resolve [14].
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shuttle_sim.cli import main
from shuttle_sim.report import build_report
from shuttle_sim.report.references import cited, list_file, reference_list
from shuttle_sim.report.source import shown_path

ROOT = Path(__file__).resolve().parents[1]
CITING = sorted((ROOT / "configs").glob("*.yaml")) + sorted((ROOT / "experiments").glob("*.yaml"))


def test_cited_reads_lists_and_ranges_and_skips_indexes():
    assert cited(["a [14]", "b [6,7,8] and [70, 71]", "c [54-56]", "fleet.tankers[0] and x[2]"]) == \
        [6, 7, 8, 14, 54, 55, 56, 70, 71]
    assert cited(["[aktau_expansion.yaml]", "", "[--set]"]) == []


def test_the_shipped_lists_parse_to_their_references():
    domain, costs = reference_list("DOMAIN"), reference_list("COSTS")
    assert domain[14] == "silkroadnews.org (Oct 2016)"
    assert domain[1].startswith("TACIS Aktau port feasibility study")
    assert costs[37] == "trend.az 3898424 (TCO Q1 2024)"
    assert len(domain) > 50 and len(costs) > 30
    assert all(ref and "·" not in ref and "[" not in ref for ref in [*domain.values(), *costs.values()])
    # each list's numbers are those written in its file, every one parsed
    for kind, refs in (("DOMAIN", domain), ("COSTS", costs)):
        text = list_file(kind).read_text()
        assert set(refs) == {int(n) for n in re.findall(r"\[(\d+)\]", text[text.index("\n## Sources"):])}


@pytest.mark.parametrize("path", CITING, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_citation_in_a_shipped_file_resolves(path):
    kind = "COSTS" if path.name == "costs.yaml" else "DOMAIN"
    comments = [line.split("#", 1)[1] for line in path.read_text().splitlines() if "#" in line]
    numbers = cited(comments)
    missing = sorted(set(numbers) - set(reference_list(kind)))
    assert not missing, f"{path.name} cites {missing}, not in configs/{kind}.md's Sources"
    if path.parent.name == "configs" and path.name != "costs.yaml":
        assert numbers  # a shipped scenario cites at least one source


def test_the_report_lists_the_references_its_table_cites(tmp_path, capsys):
    out = tmp_path / "r"
    assert main(["run", "aktau_current", "--years", "0.05", "--out", str(out)]) == 0
    page = build_report(out, out=tmp_path / "rep").read_text()
    listed = page[page.index("Sources cited in the table above"):]
    listed = listed[:listed.index("</ul>")]
    table = page[page.index("<th>Source or comment</th>"):page.index("Sources cited in the table above")]
    expected = cited([re.sub(r"<[^>]+>", " ", table)])
    assert expected and set(map(int, re.findall(r"<b>\[(\d+)\]</b>", listed))) == set(expected)
    assert "<b>[43]</b> bp.com BTC" in listed
    assert "not in the Sources list" not in page


def test_a_citation_the_list_lacks_is_shown_missing(tmp_path, capsys):
    f = tmp_path / "mine.yaml"
    text = (ROOT / "configs" / "kcts_concept.yaml").read_text().replace("name: kcts_concept", "name: mine")
    f.write_text(text.replace("berths: 2", "berths: 2  # [999]", 1))
    out = tmp_path / "r"
    assert main(["run", str(f), "--years", "0.05", "--out", str(out)]) == 0
    page = build_report(out, out=tmp_path / "rep").read_text()
    assert "<b>[999]</b> <span class=assume>not in the Sources list of DOMAIN.md</span>" in page
    assert json.loads((out / "manifest.json").read_text())["scenario_file"] == str(f.resolve())


def test_a_shipped_scenario_is_named_the_same_from_anywhere(tmp_path, monkeypatch):
    shipped = ROOT / "configs" / "kcts_concept.yaml"
    assert shown_path(shipped) == "configs/kcts_concept.yaml, shipped with shuttle_sim"
    monkeypatch.chdir(tmp_path)  # a report made outside the checkout (or from a wheel's copy)
    assert shown_path(shipped) == "configs/kcts_concept.yaml, shipped with shuttle_sim"
    own = tmp_path / "a" / "mine.yaml"
    assert shown_path(own) == "a/mine.yaml"


def test_a_file_that_names_no_list_keeps_its_numbers_unresolved(tmp_path, capsys):
    """A user's own scenario citing its own [3]: the page must not claim it is DOMAIN.md's [3]."""
    text = (ROOT / "configs" / "kcts_concept.yaml").read_text().replace("name: kcts_concept", "name: mine")
    body = text[text.index("\nname:"):]  # without the opening comment that names DOMAIN.md
    f = tmp_path / "mine.yaml"
    f.write_text("# my own study of the concept; [n] are my notes' references\n" + body)
    out = tmp_path / "r"
    assert main(["run", str(f), "--years", "0.05", "--out", str(out)]) == 0
    page = build_report(out, out=tmp_path / "rep").read_text()
    assert "The file does not say which list its [n] cite" in page
    assert "Sources cited in the table above" not in page and "silkroadnews" not in page
