"""Scenario overrides: key paths, re-validation, ``extends:`` and ``--set``."""

import copy
import textwrap

import pytest

import shuttle_sim as ss
from shuttle_sim.cli import main
from shuttle_sim.config.overrides import apply_changes, parse_assignment, parse_path, with_changes
from shuttle_sim.config.schema import resolved_dict

from .conftest import CONFIGS, build, cycle_dict


def two_classes() -> ss.Scenario:
    d = cycle_dict()
    d["fleet"]["tankers"].append({"name": "Big-class", "count": 2, "cargo": "90000 t", "laden_speed": "13 kn",
                                  "ballast_speed": "14 kn"})
    return build(d)


def error_of(fn, *args, **kw) -> str:
    with pytest.raises(ss.ConfigError) as e:
        fn(*args, **kw)
    return str(e.value)


def test_parse_path():
    assert parse_path("load_port.berths") == ["load_port", "berths"]
    assert parse_path("fleet.tankers[0].count") == ["fleet", "tankers", 0, "count"]
    assert parse_path("fleet.tankers[Astana-class].count") == ["fleet", "tankers", ("Astana-class",), "count"]
    assert parse_path("fleet.tankers[M. Ulyanov].count") == ["fleet", "tankers", ("M. Ulyanov",), "count"]


def test_apply_changes_sets_each_path_on_a_copy():
    data = resolved_dict(two_classes())
    before = copy.deepcopy(data)
    out = apply_changes(data, {"fleet.tankers[Big-class].count": 5, "fleet.tankers[0].cargo": "50 kt",
                               "load_port.berths": 3})
    assert data == before  # the input is untouched
    assert out["fleet"]["tankers"][1]["count"] == 5 and out["fleet"]["tankers"][0]["cargo"] == "50 kt"
    assert out["load_port"]["berths"] == 3


def test_with_changes_revalidates_in_the_fields_own_units():
    s = two_classes()
    t = s.with_changes({"fleet.tankers[Big-class].laden_speed": "15 kn", "load_port.tank_farm.capacity": "2e12 t",
                        "route.distance": "200 km"})
    assert t.fleet.tankers[1].laden_speed_kn == 15.0
    assert t.load_port.tank_farm.capacity_t == 2e12
    assert t.route.distance_nmi == pytest.approx(200 / 1.852)
    assert "found the bare number 370.4 (write its unit)" in error_of(s.with_changes, {"route.distance": 370.4})
    assert s.fleet.tankers[1].laden_speed_kn == 13.0  # the original is unchanged (frozen)
    assert s.with_changes({}) == s


def test_a_block_the_scenario_left_out_can_be_set():
    t = two_classes().with_changes({"load_port.other_traffic": {"calls_per_year": 10, "berth_time": "12 h"}})
    assert t.load_port.other_traffic.calls_per_year == 10
    t = two_classes().with_changes({"load_port.other_traffic.calls_per_year": 10,
                                    "load_port.other_traffic.berth_time": "12 h"})
    assert t.load_port.other_traffic.berth_time.mean_h == 12.0


def test_a_class_addressed_by_a_new_name_is_added():
    t = two_classes().with_changes({"fleet.tankers[Small]": {"count": 1, "cargo": "9 kt", "laden_speed": "10 kn",
                                                              "ballast_speed": "10 kn"}})
    assert [c.name for c in t.fleet.tankers] == ["T", "Big-class", "Small"]


@pytest.mark.parametrize("path,expected", [
    ("load_port.bertsh", "<o>: load_port.bertsh: unknown key 'bertsh' (did you mean 'berths'?); keys in load_port: name, berths,"),
    ("nosuch", "<o>: nosuch: unknown key 'nosuch'; keys in the scenario: name, description, start_date, horizon, crude,"),
    ("fleet.tankers[Tiny].count", "<o>: fleet.tankers[Tiny].count: no item named 'Tiny' in fleet.tankers; names there: T, Big-class"),
    ("fleet.tankers[2].count", "<o>: fleet.tankers[2].count: fleet.tankers has 2 items (positions 0 to 1), found [2]"),
    ("fleet.tankers[0].count.x[1]", "<o>: fleet.tankers[0].count.x[1]: fleet.tankers[0].count holds a value"),
    ("disruptions[0].factor", "<o>: disruptions[0].factor: disruptions has no items, found [0]"),
    ("load_port.berths.count", "<o>: load_port.berths.count: load_port.berths holds a value (1), not keys"),
    ("load_port[0].berths", "<o>: load_port[0].berths: load_port is not a list"),
    ("fleet..tankers", "<o>: fleet..tankers: expected a key path like"),
])
def test_a_wrong_path_names_what_exists_there(path, expected):
    msg = error_of(with_changes, two_classes(), {path: 3}, source="<o>")
    assert msg.startswith(expected) and "\n" not in msg


@pytest.mark.parametrize("path,value,expected", [
    ("load_port.berths", 0, "--set: load_port.berths: expected a whole number from 1 to 100, found 0"),
    ("fleet.tankers[Big-class].count", "many", "--set: fleet.tankers[Big-class].count: expected a whole number"),
    ("fleet.tankers[Big-class].laden_speed", "13 t", "--set: fleet.tankers[Big-class].laden_speed: "),
    ("load_port.tank_farm.initial_level", "3e12 t", "--set: load_port.tank_farm.initial_level: expected an initial level <= capacity"),
])
def test_a_bad_value_is_reported_at_the_path_as_written(path, value, expected):
    msg = error_of(with_changes, two_classes(), {path: value}, source="--set")
    assert msg.startswith(expected) and "\n" not in msg


def test_parse_assignment_reads_the_value_as_safe_yaml():
    assert parse_assignment("load_port.berths=4") == ("load_port.berths", 4)
    assert parse_assignment("fleet.tankers[A].cargo=9 kt") == ("fleet.tankers[A].cargo", "9 kt")
    assert parse_assignment("x={dist: exponential, mean: 4 h}") == ("x", {"dist": "exponential", "mean": "4 h"})
    assert error_of(parse_assignment, "x=!!python/object:os.system ls").startswith("--set: x: unsupported YAML tag")
    assert error_of(parse_assignment, "load_port.berths").startswith("--set: load_port.berths: expected KEY.PATH=VALUE")


# ------------------------------------------------------------------ extends:
def write(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(textwrap.dedent(text))
    return p


def test_btc_stop_is_an_overlay_of_aktau_current():
    btc = ss.load_scenario(CONFIGS / "btc_stop_2025.yaml")
    base = ss.load_scenario(CONFIGS / "aktau_current.yaml")
    assert "extends: aktau_current.yaml" in (CONFIGS / "btc_stop_2025.yaml").read_text()
    assert btc.name == "btc_stop_2025" and len(btc.disruptions) == 1
    assert btc.with_changes({"name": base.name, "description": base.description, "disruptions": []}) == base


def test_extends_chain_merges_and_addresses_classes_by_name(tmp_path):
    base = tmp_path / "base.yaml"
    import yaml
    d = cycle_dict()
    d["fleet"]["tankers"].append({"name": "Big", "count": 2, "cargo": "90000 t", "laden_speed": "13 kn",
                                  "ballast_speed": "13 kn"})
    base.write_text(yaml.safe_dump(d, sort_keys=False))
    write(tmp_path, "sub/mid.yaml", """\
        extends: ../base.yaml
        name: mid
        load_port: {berths: 2}
        fleet:
          tankers[Big]: {count: 4}
          tankers[Small]: {count: 1, cargo: 9 kt, laden_speed: 10 kn, ballast_speed: 10 kn}
        """)
    top = write(tmp_path, "top.yaml", """\
        extends: sub/mid.yaml
        name: top
        route: {distance: 300 nmi}
        """)
    s = ss.load_scenario(top)
    assert s.name == "top" and s.load_port.berths == 2 and s.load_port.transfer_rate_t_per_h == 5000
    assert [(c.name, c.count) for c in s.fleet.tankers] == [("T", 1), ("Big", 4), ("Small", 1)]
    assert s.route.distance_nmi == 300
    # a plain list replaces the whole list
    rep = write(tmp_path, "rep.yaml", """\
        extends: base.yaml
        fleet:
          tankers:
            - {name: Only, count: 2, cargo: 9 kt, laden_speed: 10 kn, ballast_speed: 10 kn}
        """)
    assert [c.name for c in ss.load_scenario(rep).fleet.tankers] == ["Only"]


def test_errors_point_at_the_file_and_line_holding_the_value(tmp_path):
    write(tmp_path, "base.yaml", """\
        name: base
        crude: {density: 0.8 t/m3}
        supply: {rate: 1e6 t/h}
        load_port:
          name: L
          berths: 0
          tank_farm: {capacity: 1e12 t, initial_level: 5e11 t}
          transfer_rate: 5000 t/h
        route: {distance: 200 nmi}
        fleet:
          tankers:
            - {name: T, count: 1, cargo: 60000 t, laden_speed: 12.5 kn, ballast_speed: 12.5 kn}
        discharge_port:
          name: D
          berths: 1
          tank_farm: {capacity: 1e12 t, initial_level: 5e11 t}
          transfer_rate: 5000 t/h
        offtake: {rate: 1e6 t/h}
        """)
    top = write(tmp_path, "top.yaml", """\
        extends: base.yaml
        name: top

        fleet:
          tankers[T]: {laden_speed: fast}
        """)
    lines = error_of(ss.load_scenario, top).splitlines()
    assert f"{tmp_path / 'base.yaml'}:6: load_port.berths: expected a whole number from 1 to 100, found 0" in lines
    assert any(line.startswith(f"{top}:5: fleet.tankers[0].laden_speed: ") for line in lines), lines
    assert len(lines) == 2


def test_extends_cycles_and_missing_files_are_one_line_errors(tmp_path):
    write(tmp_path, "a.yaml", "extends: b.yaml\nname: a\n")
    write(tmp_path, "b.yaml", "extends: a.yaml\nname: b\n")
    assert error_of(ss.load_scenario, tmp_path / "a.yaml") == f"{tmp_path / 'b.yaml'}:1: extends: extends itself: a.yaml -> b.yaml -> a.yaml"
    write(tmp_path, "self.yaml", "name: s\nextends: self.yaml\n")
    assert error_of(ss.load_scenario, tmp_path / "self.yaml") == f"{tmp_path / 'self.yaml'}:2: extends: extends itself: self.yaml -> self.yaml"
    write(tmp_path, "gone.yaml", "extends: nowhere.yaml\n")
    msg = error_of(ss.load_scenario, tmp_path / "gone.yaml")
    assert msg.startswith(f"{tmp_path / 'gone.yaml'}:1: extends: nowhere.yaml: cannot read file") and "\n" not in msg
    write(tmp_path, "num.yaml", "extends: 3\n")
    assert error_of(ss.load_scenario, tmp_path / "num.yaml").endswith("extends: expected a scenario file name, found 3")
    write(tmp_path, "badname.yaml", f"extends: {CONFIGS / 'aktau_current.yaml'}\nfleet:\n  tankers[Nope-class]: {{count: 2}}\n")
    msg = error_of(ss.load_scenario, tmp_path / "badname.yaml")
    assert msg.startswith(f"{tmp_path / 'badname.yaml'}:3: fleet.tankers[")  # a new class is added, then found incomplete
    write(tmp_path, "badindex.yaml", f"extends: {CONFIGS / 'aktau_current.yaml'}\nfleet:\n  tankers[7]: {{count: 2}}\n")
    assert error_of(ss.load_scenario, tmp_path / "badindex.yaml") == (
        f"{tmp_path / 'badindex.yaml'}:3: fleet.tankers[7]: fleet.tankers has 2 items (positions 0 to 1), found [7]")
    write(tmp_path, "notlist.yaml", f"extends: {CONFIGS / 'aktau_current.yaml'}\nload_port[x]: {{berths: 2}}\n")
    assert error_of(ss.load_scenario, tmp_path / "notlist.yaml").startswith(f"{tmp_path / 'notlist.yaml'}:2: load_port[x]: load_port is not a list")


def test_run_with_set_on_the_command_line(capsys, tmp_path):
    args = ["run", str(CONFIGS / "aktau_current.yaml"), "--years", "0.05", "--json"]
    # a fourth berth: aktau_current lists the drafts of the berths that could be restored [1]
    assert main(args + ["--set", "fleet.tankers[Astana-class].count=3", "--set", "load_port.berths=4",
                        "--out", str(tmp_path / "o")]) == 0
    again = ss.load_scenario(tmp_path / "o" / "scenario.resolved.yaml")
    assert again.n_tankers == 4 and again.load_port.berths == 4
    capsys.readouterr()
    # a sixth needs its draft too (one for all berths, or at least one per berth in service)
    assert main(args + ["--set", "load_port.berths=6", "--out", str(tmp_path / "six")]) == 2
    assert capsys.readouterr().err == ("--set: load_port.depth.berth_max_draft: expected one draft for all berths or "
                                       "at least 6 (one per berth in service, in order), found 5\n")
    assert not (tmp_path / "six").exists()
    capsys.readouterr()
    assert main(args + ["--set", "fleet.tankers[Nope].count=3", "--out", str(tmp_path / "bad")]) == 2
    err = capsys.readouterr().err
    assert err == "--set: fleet.tankers[Nope].count: no item named 'Nope' in fleet.tankers; names there: Astana-class, Taraz-class\n"
    assert not (tmp_path / "bad").exists()


def _leaves(node, path=""):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaves(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list) and node and all(isinstance(v, dict) for v in node):
        for i, v in enumerate(node):
            yield from _leaves(v, f"{path}[{v['name'] if 'name' in v else i}]")
    else:
        yield path, node


@pytest.mark.parametrize("name", ["caspian_network", "kuryk_ferry"])
def test_every_field_of_a_shipped_scenario_is_reachable_by_its_path(name):
    """Setting each leaf to the value it already holds gives back an equal scenario: every
    key path the scenario has (weather, distributions, named classes) can be addressed."""
    s = ss.load_scenario(CONFIGS / f"{name}.yaml")
    leaves = list(_leaves(resolved_dict(s)))
    assert len(leaves) > 60
    for path, value in leaves:
        assert s.with_changes({path: value}) == s, path


def _get(data, path):
    for part in parse_path(path):
        data = next(x for x in data if x.get("name") == part[0]) if isinstance(part, tuple) else data[part]
    return data


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_apply_changes_sets_that_path_and_nothing_else(data):
    base = resolved_dict(two_classes())
    frozen = copy.deepcopy(base)
    path, old = data.draw(st.sampled_from([(p, v) for p, v in _leaves(base) if not p.endswith("].name")]))
    value = data.draw(st.one_of(st.integers(), st.text(max_size=6), st.floats(allow_nan=False), st.none()))
    out = apply_changes(base, {path: value})
    assert _get(out, path) == value
    assert apply_changes(out, {path: old}) == base == frozen


def test_a_position_past_a_one_item_list_says_one_item():
    msg = error_of(with_changes, build(cycle_dict()), {"fleet.tankers[1].count": 3}, source="<o>")
    assert msg == "<o>: fleet.tankers[1].count: fleet.tankers has 1 item (position 0), found [1]"


def test_extends_takes_a_shipped_scenarios_name_where_no_file_of_that_name_is_beside(tmp_path):
    """Installed from a wheel, a user's variant of a shipped scenario had to copy it:
    ``extends: kcts_concept`` (a name, as ``shuttle-sim run`` takes) now starts from the
    shipped file; a file of that name beside the variant still comes first; a name that is
    neither says what extends takes and lists the shipped scenarios."""
    write(tmp_path, "more.yaml", "extends: kcts_concept\nname: kcts_more\nload_port: {berths: 4}\n")
    variant, shipped = ss.load_scenario(tmp_path / "more.yaml"), ss.load_scenario(CONFIGS / "kcts_concept.yaml")
    assert (variant.name, variant.load_port.berths) == ("kcts_more", 4) and shipped.load_port.berths != 4
    assert variant.model_copy(update={"name": shipped.name, "load_port": shipped.load_port}) == shipped
    write(tmp_path, "suffix.yaml", "extends: kcts_concept.yaml\nname: kcts_same\n")
    assert ss.load_scenario(tmp_path / "suffix.yaml").fleet == shipped.fleet
    write(tmp_path, "kcts_concept.yaml", (CONFIGS / "kcts_concept.yaml").read_text().replace(
        "name: kcts_concept", "name: local_copy"))
    write(tmp_path, "local.yaml", "extends: kcts_concept.yaml\nload_port: {berths: 5}\n")
    assert ss.load_scenario(tmp_path / "local.yaml").name == "local_copy"  # the file beside it
    write(tmp_path, "typo.yaml", "extends: kcts_concep\nname: x\n")
    msg = error_of(ss.load_scenario, tmp_path / "typo.yaml")
    assert msg.startswith(f"{tmp_path / 'typo.yaml'}:1: extends: kcts_concep: cannot read file")
    assert "the name of a shipped scenario: aktau_current, " in msg and "kcts_concept" in msg and "\n" not in msg
    write(tmp_path, "sub.yaml", "extends: nowhere/kcts_concept.yaml\nname: x\n")  # a path is a path
    msg = error_of(ss.load_scenario, tmp_path / "sub.yaml")  # not taken for the shipped file: advised to be
    assert "cannot read file" in msg and "kcts_concept is a shipped scenario: write its name alone" in msg
