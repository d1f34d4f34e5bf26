"""Units: parsing, dimensions and the conversions that live in shuttle_sim.units.

Every factor below is written from the unit's definition, not copied from the module:
1 nmi = 1852 m (exact, by international agreement); a knot is 1 nmi/h; a US oil barrel is
42 US gallons of 231 cubic inches, an inch 0.0254 m; a day 24 h; a year, as the package
defines it (units.py docstring: "A year is 365 days (8,760 h) everywhere"), 365 days.
"""

import pytest

from shuttle_sim import units

NMI_M = 1852.0
KN_IN_M_PER_S = NMI_M / 3600.0          # 1 kn in m/s
BBL_M3 = 42 * 231 * 0.0254**3           # 0.158987294928 m3
DAY_H = 24.0
YEAR_H = 365 * DAY_H                    # the package's stated year

# symbol: (dimension, value of "1 <symbol>" in the canonical unit of the dimension)
DEFINITIONS = {
    "s": ("time", 1 / 3600), "min": ("time", 1 / 60), "h": ("time", 1.0), "hr": ("time", 1.0),
    "hour": ("time", 1.0), "hours": ("time", 1.0), "d": ("time", DAY_H), "day": ("time", DAY_H),
    "days": ("time", DAY_H), "wk": ("time", 7 * DAY_H), "week": ("time", 7 * DAY_H),
    "weeks": ("time", 7 * DAY_H), "yr": ("time", YEAR_H), "year": ("time", YEAR_H), "years": ("time", YEAR_H),
    "nmi": ("length", 1.0), "NM": ("length", 1.0), "km": ("length", 1000 / NMI_M), "m": ("length", 1 / NMI_M),
    "kn": ("speed", 1.0), "knot": ("speed", 1.0), "knots": ("speed", 1.0),
    "km/h": ("speed", 1000 / NMI_M), "m/s": ("speed", 3600 / NMI_M),
    "t": ("mass", 1.0), "kg": ("mass", 1e-3), "kt": ("mass", 1e3), "Mt": ("mass", 1e6),
    "m3": ("volume", 1.0), "bbl": ("volume", BBL_M3), "kbbl": ("volume", 1e3 * BBL_M3),
    "MMbbl": ("volume", 1e6 * BBL_M3), "mb": ("volume", 1e6 * BBL_M3),
    "t/h": ("mass_rate", 1.0), "t/d": ("mass_rate", 1 / DAY_H), "kt/d": ("mass_rate", 1e3 / DAY_H),
    "t/yr": ("mass_rate", 1 / YEAR_H), "kt/yr": ("mass_rate", 1e3 / YEAR_H), "Mt/yr": ("mass_rate", 1e6 / YEAR_H),
    "Mtpa": ("mass_rate", 1e6 / YEAR_H),
    "m3/h": ("volume_rate", 1.0), "m3/d": ("volume_rate", 1 / DAY_H), "bbl/h": ("volume_rate", BBL_M3),
    "bbl/d": ("volume_rate", BBL_M3 / DAY_H), "bpd": ("volume_rate", BBL_M3 / DAY_H),
    "kbbl/d": ("volume_rate", 1e3 * BBL_M3 / DAY_H), "kbpd": ("volume_rate", 1e3 * BBL_M3 / DAY_H),
    "mb/d": ("volume_rate", 1e6 * BBL_M3 / DAY_H), "MMbbl/d": ("volume_rate", 1e6 * BBL_M3 / DAY_H),
    "t/m3": ("density", 1.0), "kg/m3": ("density", 1e-3),
    # money in US dollars; money rates per day (the trade's hire and opex quote), a year
    # of 365 days; prices per tonne and per m3 of crude (or tank capacity)
    "USD": ("money", 1.0), "kUSD": ("money", 1e3), "MUSD": ("money", 1e6), "bnUSD": ("money", 1e9),
    "USD/d": ("money_rate", 1.0), "USD/day": ("money_rate", 1.0), "kUSD/d": ("money_rate", 1e3),
    "kUSD/day": ("money_rate", 1e3), "USD/h": ("money_rate", DAY_H), "USD/yr": ("money_rate", 1 / 365),
    "kUSD/yr": ("money_rate", 1e3 / 365), "MUSD/yr": ("money_rate", 1e6 / 365),
    "USD/t": ("price_per_tonne", 1.0), "USD/kt": ("price_per_tonne", 1e-3),
    "USD/m3": ("price_per_volume", 1.0), "USD/bbl": ("price_per_volume", 1 / BBL_M3),
}


@pytest.mark.parametrize("symbol", sorted(DEFINITIONS))
def test_every_unit_against_its_definition(symbol):
    dim, factor = DEFINITIONS[symbol]
    q = units.parse_quantity(f"2.5 {symbol}", (dim,))
    assert q.dimension == dim
    assert q.value == pytest.approx(2.5 * factor, rel=1e-13)
    assert (q.number, q.symbol) == (2.5, symbol)


def test_the_table_has_no_unit_without_a_definition_here():
    """A unit added to units.py must be added (with its definition) above."""
    assert set(units._UNITS) == set(DEFINITIONS)


def test_the_year_is_the_packages_365_day_year():
    assert units.HOURS_PER_YEAR == 365 * 24 == 8760  # not the Julian 365.25 d (8,766 h)
    assert units.parse_quantity("1 yr", ("time",)).value == 8760.0
    # 1 Mt/yr is a million tonnes spread over 8,760 hours
    assert units.parse_quantity("1 Mt/yr", ("mass_rate",)).value == pytest.approx(1e6 / 8760, rel=1e-15)
    # and kbpd of a yearly tonnage uses the same 365 days
    assert units.t_per_year_to_kbpd(365e3 * 0.8 * BBL_M3, 0.8) == pytest.approx(1.0, rel=1e-13)


@pytest.mark.parametrize("text,dims,value", [
    ("12.5 kn", ("speed",), 12.5),
    ("400 km", ("length",), 400 / 1.852),
    ("24 km/h", ("speed",), 24 / 1.852),  # km/h is not a knot: 24 km/h = 12.96 kn
    ("30 min", ("time",), 0.5),
    ("8760 t/yr", ("mass_rate",), 1.0),
    ("1e3 m3", ("volume",), 1000.0),
    ("1_000 t", ("mass",), 1000.0),
    (" .5 h ", ("time",), 0.5),
    ("-2 h", ("time",), -2.0),
    ("18 m/s", ("speed",), 18 * 3.6 / 1.852),
])
def test_parse(text, dims, value):
    assert units.parse_quantity(text, dims).value == pytest.approx(value, rel=1e-15)


@pytest.mark.parametrize("text,m_per_s", [
    ("15 m/s", 15.0), ("54 km/h", 15.0), ("20 kn", 20 * KN_IN_M_PER_S), ("1 knot", KN_IN_M_PER_S),
])
def test_wind_speed_in_m_per_s(text, m_per_s):
    q = units.parse_quantity(text, ("speed",))
    assert units.speed_m_per_s(q) == pytest.approx(m_per_s, rel=1e-14)


def test_wind_written_in_m_per_s_is_exact():
    # limits compare with hourly series to the bit: 15 m/s must be 15.0, not 15.000000000000002
    assert units.speed_m_per_s(units.parse_quantity("15.3 m/s", ("speed",))) == 15.3
    assert units.height_m(units.parse_quantity("1.7 m", ("length",))) == 1.7


@pytest.mark.parametrize("text,metres", [("2.5 m", 2.5), ("1 nmi", NMI_M), ("0.002 km", 2.0)])
def test_wave_height_in_metres(text, metres):
    assert units.height_m(units.parse_quantity(text, ("length",))) == pytest.approx(metres, rel=1e-14)


def test_barrels_through_density():
    q = units.parse_quantity("500000 bbl", ("mass", "volume"))
    assert units.oil_mass_t(q, 0.82) == pytest.approx(500_000 * BBL_M3 * 0.82, rel=1e-15)
    assert units.oil_mass_t(units.parse_quantity("7 kt", ("mass", "volume")), 0.82) == 7000.0  # mass: no density
    r = units.parse_quantity("490 kbpd", ("mass_rate", "volume_rate"))
    t_per_h = units.oil_rate_t_per_h(r, 0.82)
    assert t_per_h == pytest.approx(490e3 * BBL_M3 * 0.82 / 24, rel=1e-14)
    assert units.oil_rate_t_per_h(units.parse_quantity("5 t/h", ("mass_rate", "volume_rate")), 0.82) == 5.0
    assert units.t_per_year_to_kbpd(t_per_h * 8760, 0.82) == pytest.approx(490, rel=1e-12)
    assert units.tonnes_to_bbl(0.82 * BBL_M3, 0.82) == pytest.approx(1.0, rel=1e-15)
    assert units.tonnes_to_bbl(1.0, 0.8) == pytest.approx(1 / (0.8 * BBL_M3), rel=1e-15)


@pytest.mark.parametrize("raw,msg", [
    (12, "bare number"), ("12", "expected"), ("12 furlongs", "unknown unit"),
    ("12 kn", "(a speed)"), (None, "found nothing (an empty value)"), (True, "found true"), ("1e3", "bare number 1e3"),
])
def test_errors_say_expected_and_found(raw, msg):
    with pytest.raises(units.UnitError) as e:
        units.parse_quantity(raw, ("time",))
    assert "expected a time" in str(e.value) and msg in str(e.value)


def test_a_second_dimension_is_accepted_and_named():
    assert units.parse_quantity("3 m3", ("mass", "volume")).dimension == "volume"
    with pytest.raises(units.UnitError, match="expected a mass like .* or a volume like"):
        units.parse_quantity("3 h", ("mass", "volume"))
