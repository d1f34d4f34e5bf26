"""Units: parsing, dimensions and the conversions that live in shuttle_sim.units."""

import pytest

from shuttle_sim import units


@pytest.mark.parametrize("text,dims,value", [
    ("12.5 kn", ("speed",), 12.5),
    ("400 km", ("length",), 400 / 1.852),
    ("200 nmi", ("length",), 200.0),
    ("30 min", ("time",), 0.5),
    ("3 d", ("time",), 72.0),
    ("1 yr", ("time",), 8760.0),
    ("5000 t/h", ("mass_rate",), 5000.0),
    ("8760 t/yr", ("mass_rate",), 1.0),
    ("65 kt", ("mass",), 65_000.0),
    ("1e3 m3", ("volume",), 1000.0),
    ("1_000 t", ("mass",), 1000.0),
    ("18 m/s", ("speed",), 18 * 3.6 / 1.852),
])
def test_parse(text, dims, value):
    assert units.parse_quantity(text, dims).value == pytest.approx(value, rel=1e-15)


def test_barrels_through_density():
    q = units.parse_quantity("500000 bbl", ("mass", "volume"))
    assert units.oil_mass_t(q, 0.82) == pytest.approx(500_000 * 0.158987294928 * 0.82, rel=1e-15)
    r = units.parse_quantity("490 kbpd", ("mass_rate", "volume_rate"))
    t_per_h = units.oil_rate_t_per_h(r, 0.82)
    assert units.t_per_year_to_kbpd(t_per_h * 8760, 0.82) == pytest.approx(490, rel=1e-12)
    assert units.tonnes_to_bbl(0.82 * 0.158987294928, 0.82) == pytest.approx(1.0, rel=1e-15)


@pytest.mark.parametrize("raw,msg", [
    (12, "bare number"), ("12", "expected"), ("12 furlongs", "unknown unit"),
    ("12 kn", "(a speed)"), (None, "found None"), (True, "found True"),
])
def test_errors_say_expected_and_found(raw, msg):
    with pytest.raises(units.UnitError) as e:
        units.parse_quantity(raw, ("time",))
    assert "expected a time" in str(e.value) and msg in str(e.value)
