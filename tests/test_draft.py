"""Water depth, draft and sea level: cargo limited by the berth, exact by hand."""

import pytest

import shuttle_sim as ss
from shuttle_sim.cli import main
from shuttle_sim.components.draft import draft_cargo_t

from .conftest import CONFIGS, build, cycle_dict, port

TREND = -0.876  # m per 8760-h year = -1e-4 m/h exactly


def draft_case(**kw) -> dict:
    """The 62 h cycle of conftest with a load line (4 m light, 12 m at the full 60,000 t)
    and a load berth allowing 10 m on the start date, falling 1e-4 m/h."""
    d = cycle_dict(horizon="400 h", sea_level={"trend_per_yr": f"{TREND} m"},
                   load_port=port("L", depth={"as_of": "2025-01-01", "berth_max_draft": "10 m"}),
                   fleet={"tankers": [{"name": "T", "count": 1, "cargo": "60000 t", "laden_speed": "12.5 kn",
                                       "ballast_speed": "12.5 kn", "draft": {"light": "4 m", "loaded": "12 m"}}]})
    d.update(kw)
    return d


def test_load_line_by_hand():
    assert draft_cargo_t(60_000, 4, 12, 10) == 45_000  # 6 m of the 8 m range
    assert draft_cargo_t(60_000, 4, 12, 13) == 60_000  # capacity binds
    assert draft_cargo_t(60_000, 4, 12, 3) == 0.0


def test_cargo_follows_the_falling_sea_level_exactly():
    """Voyage k starts loading at s_k (after 2 h berthing); the berth then allows
    10 - 1e-4 s_k m, so the cargo is c_k = 60,000 (6 - 1e-4 s_k) / 8 t.  Loading and
    discharging at 5,000 t/h take c_k / 5,000 h each, so
    s_{k+1} = s_k + c_k/5000 + 1 + 16 + 2 + c_k/5000 + 1 + 16 + 2.
    By hand: s_0 = 2 h, c_0 = 60,000 x 5.9998 / 8 = 44,998.5 t."""
    r = ss.simulate(build(draft_case()))
    s, expected = 2.0, []
    while len(expected) < len(r.voyages):
        c = 60_000 * (6 - 1e-4 * s) / 8
        expected.append((s, c))
        s += 2 * c / 5000 + 38
    assert expected[0][1] == pytest.approx(44_998.5, rel=1e-15)
    assert len(r.voyages) >= 5
    for v, (s, c) in zip(r.voyages, expected):
        assert v.load_start_h == pytest.approx(s, rel=1e-12)
        assert v.cargo_t == pytest.approx(c, rel=1e-12)
    assert r.voyages[-1].cargo_t < r.voyages[0].cargo_t


def test_shallow_discharge_berth_limits_the_cargo():
    """The discharge port's shallowest berth (9 m: 5 m of the 8 m range) binds."""
    d = draft_case(sea_level={"trend_per_yr": "0 m"},
                   discharge_port=port("D", 2, depth={"as_of": "2020-01-01", "berth_max_draft": ["11 m", "9 m"]}))
    r = ss.simulate(build(d))
    assert {v.cargo_t for v in r.voyages} == {60_000 * 5 / 8}


def test_per_berth_drafts_and_approach():
    """Two load berths of 10 m and 12 m behind an 11 m approach: 45,000 t and 52,500 t."""
    d = draft_case(sea_level={"trend_per_yr": "0 m"},
                   load_port=port("L", 2, depth={"as_of": "2025-01-01", "berth_max_draft": ["10 m", "12 m"],
                                                 "approach_max_draft": "11 m"}),
                   fleet={"tankers": [{"name": "T", "count": 2, "cargo": "60000 t", "laden_speed": "12.5 kn",
                                       "ballast_speed": "12.5 kn", "draft": {"light": "4 m", "loaded": "12 m"}}]})
    r = ss.simulate(build(d))
    assert {v.cargo_t for v in r.voyages} == {45_000.0, 52_500.0}


def test_no_depth_or_no_load_line_means_no_limit():
    base = ss.simulate(build(cycle_dict(horizon="400 h")))
    no_depth = draft_case(load_port=port("L"))
    no_line = cycle_dict(horizon="400 h", load_port=port("L", depth={"as_of": "2025-01-01", "berth_max_draft": "5 m"}))
    for d in (no_depth, no_line):
        r = ss.simulate(build(d))
        assert [v.cargo_t for v in r.voyages] == [v.cargo_t for v in base.voyages]
        assert r.kpis["delivered_t"] == base.kpis["delivered_t"]


def test_a_ship_that_cannot_fit_is_rejected(tmp_path):
    """Light draft 4 m, berth 10 m on 2025-01-01 falling 1e-4 m/h: 3.5 m at the end of a
    65,000 h horizon.  One line, naming the class and the berth, exit status 2."""
    d = draft_case(horizon="65000 h")
    with pytest.raises(ss.ConfigError) as e:
        build(d)
    msg = str(e.value)
    assert len(msg.strip().splitlines()) == 1
    assert "fleet.tankers[0].draft.light" in msg and "'T'" in msg and "L berth 1" in msg
    assert "found light draft 4 m" in msg
    build(draft_case(horizon="50000 h"))  # 5 m at the end: still fits


def test_cannot_fit_error_from_the_cli(tmp_path, capsys):
    text = (CONFIGS / "aktau_current.yaml").read_text()
    old = "draft: {light: 2.8 m, loaded: 7.0 m}"
    assert old in text
    p = tmp_path / "bad.yaml"
    p.write_text(text.replace(old, "draft: {light: 6.5 m, loaded: 13.0 m}"))
    out = tmp_path / "out"
    assert main(["run", str(p), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    line = next(i for i, ln in enumerate(p.read_text().splitlines(), 1) if "light: 6.5 m" in ln)
    assert err[0].startswith(f"{p}:{line}: fleet.tankers[0].draft.light: expected tanker class 'Astana-class' to fit Aktau berth 1")
    assert not out.exists()


def test_berth_list_names_berths_in_service_order():
    """A list gives one draft per berth in the order berths come into service: it may name
    more berths than are in service (the first ``berths`` are used), never fewer."""
    from shuttle_sim.config.seaway import PortDepth

    depth = PortDepth.model_validate({"as_of": "2025-01-01", "berth_max_draft": ["10 m", "12 m", "9 m"],
                                      "approach_max_draft": "11 m"})
    assert depth.berth_drafts_m(2) == [10.0, 11.0]  # the third berth is not in service; the approach caps the second
    assert depth.berth_drafts_m(3) == [10.0, 11.0, 9.0]
    build(draft_case(load_port=port("L", 2, depth={"as_of": "2025-01-01", "berth_max_draft": ["10 m", "12 m", "9 m"]})))
    d = draft_case(load_port=port("L", 4, depth={"as_of": "2025-01-01", "berth_max_draft": ["10 m", "12 m", "9 m"]}))
    with pytest.raises(ss.ConfigError, match=r"load_port.depth.berth_max_draft: expected one draft for all berths or "
                                             r"at least 4 \(one per berth in service, in order\), found 3"):
        build(d)


def test_aktau_current_loads_9_to_10_kt_from_the_geometry():
    """DOMAIN [6,7,8]: 12 kt tankers now load only 9-10 kt at Aktau; the model gets it
    from the 2007 berth drafts [1], the sea-level fall and the load line."""
    s = ss.load_scenario(CONFIGS / "aktau_current.yaml")
    r = ss.simulate(s, seed=1)
    astana = [v.cargo_t for v in r.voyages if v.tanker_class == "Astana-class"]
    assert len(astana) > 20
    assert 8_500 <= min(astana) and max(astana) <= 10_000
    assert sum(astana) / len(astana) == pytest.approx(9_500, rel=0.05)
