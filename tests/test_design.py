"""Designs: grids, ranges, linked factors, lists, stable cell names, the filter hook."""

import pytest
from hypothesis import given, strategies as st

from shuttle_sim.study.design import DesignError, cell_name, expand_range, grid, listed


def test_grid_order_and_count():
    cells = list(grid({"a": [1, 2], "b": ["x", "y", "z"]}))
    assert [c.overrides for c in cells][:4] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                                                {"a": 2, "b": "x"}]
    assert len(cells) == 6 and len({c.name for c in cells}) == 6


def test_linked_factors_move_together():
    cells = list(grid({"supply.rate": ["10 Mt/yr", "20 Mt/yr"], "berths": [2, 3], "offtake.rate": ["11 Mt/yr", "21 Mt/yr"]},
                      linked=[["supply.rate", "offtake.rate"]]))
    assert len(cells) == 4
    assert {(c["supply.rate"], c["offtake.rate"]) for c in cells} == {("10 Mt/yr", "11 Mt/yr"), ("20 Mt/yr", "21 Mt/yr")}
    assert list(cells[0].overrides) == ["supply.rate", "berths", "offtake.rate"]  # factor order kept
    with pytest.raises(DesignError, match="equally many levels"):
        list(grid({"a": [1, 2], "b": [1]}, linked=[["a", "b"]]))
    with pytest.raises(DesignError, match="not among the factors"):
        list(grid({"a": [1]}, linked=[["a", "zz"]]))


def test_two_linked_groups_each_move_together():
    """Two linked groups and a free factor: 2 x 2 x 3 = 12 cells, each group's levels
    paired by position, every combination of the groups and the free factor once."""
    cells = list(grid({"s": [1, 2], "o": [11, 12], "b": [7, 8, 9], "x": ["p", "q"], "y": ["P", "Q"]},
                      linked=[["s", "o"], ["x", "y"]]))
    assert len(cells) == 12
    assert {(c["s"], c["o"]) for c in cells} == {(1, 11), (2, 12)}
    assert {(c["x"], c["y"]) for c in cells} == {("p", "P"), ("q", "Q")}
    assert len({(c["s"], c["b"], c["x"]) for c in cells}) == 12
    assert [list(c.overrides) for c in cells] == [["s", "o", "b", "x", "y"]] * 12


def test_adding_a_level_never_renames_finished_cells():
    before = {c.overrides["a"]: c.name for c in grid({"a": [1, 2], "b": [5]})}
    after = {c.overrides["a"]: c.name for c in grid({"a": [0, 1, 2, 3], "b": [5]})}
    assert all(after[k] == v for k, v in before.items())


@given(st.dictionaries(st.sampled_from(["a.b", "c[0].d", "e"]), st.integers(-5, 5) | st.text(max_size=5), min_size=1))
def test_name_depends_on_overrides_not_their_order(changes):
    assert cell_name(changes) == cell_name(dict(reversed(list(changes.items()))))


def test_cell_name_is_pinned():
    # a change here would rename every finished cell of every study on disk
    assert cell_name({"load_port.berths": 3}) == "c-" + __import__("hashlib").sha256(
        b'{"load_port.berths":3}').hexdigest()[:10]


def test_ranges():
    assert expand_range("300 kt", "900 kt", "300 kt") == ["300 kt", "600 kt", "900 kt"]
    # integers stay integers (a fleet count; 2.0 would name another cell: c-... of "2.0")
    assert [(x, type(x)) for x in expand_range(2, 8, 2)] == [(x, int) for x in (2, 4, 6, 8)]
    assert expand_range(0.1, 0.3, 0.1) == [0.1, 0.2, 0.3]
    with pytest.raises(DesignError, match="one unit"):
        expand_range("300 kt", "0.9 Mt", "100 kt")
    with pytest.raises(DesignError, match="whole number of steps"):
        expand_range(1, 4, 2)
    # many decimal steps: (999.9 - 0.1) / 0.1 = 9997.999999999998 in floats, a whole 9,998
    levels = expand_range(0.1, 999.9, 0.1)
    assert len(levels) == 9999 and (levels[0], levels[1], levels[-1]) == (0.1, 0.2, 999.9)
    with pytest.raises(DesignError, match="step > 0"):
        expand_range(1, 4, 0)


def test_list_design_and_filter_hook():
    cells = list(listed([{"a": 1}, {"a": 2}, {"a": 3}], keep=lambda c: c["a"] != 2))
    assert [c["a"] for c in cells] == [1, 3]
    assert cells[0].name == next(grid({"a": [1]})).name  # same naming as the grid
    with pytest.raises(DesignError, match="twice"):
        list(listed([{"a": 1}, {"a": 1}]))
    kept = list(grid({"a": [1, 2, 3, 4]}, keep=lambda c: c["a"] % 2 == 0))
    assert [c["a"] for c in kept] == [2, 4]
