"""Units and conversions: the one place where they live.

Scenario files write every dimensioned value with its unit (``13 kn``, ``400 km``,
``500000 bbl``, ``5000 t/h``).  This module parses such strings and converts them to the
canonical units the engine works in, which also appear in every attribute name:

======================  ==========  =======================
dimension               canonical   attribute suffix
======================  ==========  =======================
time                    hour        ``_h``
sea distance            nmi         ``_nmi``
wave height             metre       ``_m``
speed (ships)           knot        ``_kn``
wind speed              m/s         ``_m_per_s``
oil mass                tonne       ``_t``
oil mass rate           t/h         ``_t_per_h``
density                 t/m3        ``_t_per_m3``
money                   USD         ``_usd``
money rate              USD/d       ``_usd_per_day``
price per tonne         USD/t       ``_usd_per_t``
price per m3            USD/m3      ``_usd_per_m3``
======================  ==========  =======================

Money is nominal US dollars of the year the cost file states; a money rate is per
day (hire, opex) because that is how the trade quotes it.  A price per m3 (of tank
capacity) becomes a price per tonne only through the crude density
(:func:`price_usd_per_t`).

Volumes (``bbl``, ``m3``) and volume rates (``bbl/d``, ``kbpd``) of crude become tonnes
only through the crude density stated in the scenario (:func:`oil_mass_t`,
:func:`oil_rate_t_per_h`).  A year is 365 days (8,760 h) everywhere, including the
annualised KPIs.
"""

from __future__ import annotations

import numbers
import re
from dataclasses import dataclass

HOURS_PER_DAY = 24.0
HOURS_PER_YEAR = 8760.0
MAX_HORIZON_H = 100 * HOURS_PER_YEAR  # the longest horizon a scenario or run may ask for (100 yr)
KM_PER_NMI = 1.852
M3_PER_BBL = 0.158987294928

#: unit symbol -> (dimension, factor to the canonical unit of that dimension)
_UNITS: dict[str, tuple[str, float]] = {}


def _register(dimension: str, factor: float, *symbols: str) -> None:
    for s in symbols:
        _UNITS[s] = (dimension, factor)


_register("time", 1.0 / 3600.0, "s")
_register("time", 1.0 / 60.0, "min")
_register("time", 1.0, "h", "hr", "hour", "hours")
_register("time", HOURS_PER_DAY, "d", "day", "days")
_register("time", 7 * HOURS_PER_DAY, "wk", "week", "weeks")
_register("time", HOURS_PER_YEAR, "yr", "year", "years")
_register("length", 1.0, "nmi", "NM")
_register("length", 1.0 / KM_PER_NMI, "km")
_register("length", 1.0 / (1000 * KM_PER_NMI), "m")
_register("speed", 1.0, "kn", "knot", "knots")
_register("speed", 1.0 / KM_PER_NMI, "km/h")
_register("speed", 3.6 / KM_PER_NMI, "m/s")
_register("mass", 1.0, "t")
_register("mass", 1e-3, "kg")
_register("mass", 1e3, "kt")
_register("mass", 1e6, "Mt")
_register("volume", 1.0, "m3")
_register("volume", M3_PER_BBL, "bbl")
_register("volume", 1e3 * M3_PER_BBL, "kbbl")
_register("volume", 1e6 * M3_PER_BBL, "MMbbl", "mb")
_register("mass_rate", 1.0, "t/h")
_register("mass_rate", 1.0 / HOURS_PER_DAY, "t/d")
_register("mass_rate", 1e3 / HOURS_PER_DAY, "kt/d")
_register("mass_rate", 1.0 / HOURS_PER_YEAR, "t/yr")
_register("mass_rate", 1e3 / HOURS_PER_YEAR, "kt/yr")
_register("mass_rate", 1e6 / HOURS_PER_YEAR, "Mt/yr", "Mtpa")
_register("volume_rate", 1.0, "m3/h")
_register("volume_rate", 1.0 / HOURS_PER_DAY, "m3/d")
_register("volume_rate", M3_PER_BBL, "bbl/h")
_register("volume_rate", M3_PER_BBL / HOURS_PER_DAY, "bbl/d", "bpd")
_register("volume_rate", 1e3 * M3_PER_BBL / HOURS_PER_DAY, "kbbl/d", "kbpd")
_register("volume_rate", 1e6 * M3_PER_BBL / HOURS_PER_DAY, "mb/d", "MMbbl/d")
_register("density", 1.0, "t/m3")
_register("density", 1e-3, "kg/m3")
_register("money", 1.0, "USD")
_register("money", 1e3, "kUSD")
_register("money", 1e6, "MUSD")
_register("money", 1e9, "bnUSD")
_register("money_rate", 1.0, "USD/d", "USD/day")
_register("money_rate", 1e3, "kUSD/d", "kUSD/day")
_register("money_rate", HOURS_PER_DAY, "USD/h")
_register("money_rate", HOURS_PER_DAY / HOURS_PER_YEAR, "USD/yr")
_register("money_rate", 1e3 * HOURS_PER_DAY / HOURS_PER_YEAR, "kUSD/yr")
_register("money_rate", 1e6 * HOURS_PER_DAY / HOURS_PER_YEAR, "MUSD/yr")
_register("price_per_tonne", 1.0, "USD/t")
_register("price_per_tonne", 1e-3, "USD/kt")
_register("price_per_volume", 1.0, "USD/m3")
_register("price_per_volume", 1.0 / M3_PER_BBL, "USD/bbl")

#: canonical unit and an example, per dimension, for error messages
DIMENSIONS: dict[str, tuple[str, str]] = {
    "time": ("h", "'2 h', '30 min', '3 d'"),
    "length": ("nmi", "'400 km', '216 nmi'"),
    "speed": ("kn", "'13 kn', '24 km/h'"),
    "mass": ("t", "'9500 t', '65 kt'"),
    "volume": ("m3", "'500000 bbl', '80000 m3'"),
    "mass_rate": ("t/h", "'5000 t/h', '20 Mt/yr'"),
    "volume_rate": ("m3/h", "'1200 m3/h', '490 kbpd'"),
    "density": ("t/m3", "'0.80 t/m3', '800 kg/m3'"),
    "money": ("USD", "'15 MUSD', '12500 USD'"),
    "money_rate": ("USD/d", "'6.5 kUSD/d', '2000 USD/h'"),
    "price_per_tonne": ("USD/t", "'24 USD/t'"),
    "price_per_volume": ("USD/m3", "'200 USD/m3', '45 USD/bbl'"),
}

_QUANTITY = re.compile(r"^\s*([-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*([A-Za-z][A-Za-z0-9/]*)\s*$")


class UnitError(ValueError):
    """A value that is not a quantity of the expected dimension.

    The message is phrased ``expected ..., found ...`` so that the config loader can
    show it unchanged next to the file, line and key path.
    """


@dataclass(frozen=True)
class Quantity:
    """A parsed number with its dimension, already in the canonical unit."""

    value: float
    dimension: str
    text: str
    number: float = 0.0
    symbol: str = ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_quantity(raw: object, dimensions: tuple[str, ...]) -> Quantity:
    """Parse ``raw`` (such as ``'13 kn'``) as a quantity of one of ``dimensions``.

    Raises
    ------
    UnitError
        If ``raw`` is not a string ``<number> <unit>``, the unit is unknown, or its
        dimension is not one of ``dimensions``.
    """
    expected = " or ".join(f"a {d.replace('_', ' ')} like {DIMENSIONS[d][1]}" for d in dimensions)
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        shown = ("true" if raw else "false") if isinstance(raw, bool) else \
            "nothing (an empty value)" if raw is None else f"{raw!r}"  # as YAML writes them
        raise UnitError(f"expected {expected}, found {shown}")
    if isinstance(raw, (int, float)) or _is_number(raw):  # YAML reads 1e308 (no dot) as text
        raise UnitError(f"expected {expected}, found the bare number {raw} (write its unit)")
    m = _QUANTITY.match(raw)
    if not m:
        raise UnitError(f"expected {expected}, found {raw!r}")
    number, symbol = m.groups()
    if symbol not in _UNITS:
        raise UnitError(f"expected {expected}, found {raw!r} (unknown unit {symbol!r})")
    dim, factor = _UNITS[symbol]
    if dim not in dimensions:
        raise UnitError(f"expected {expected}, found {raw!r} (a {dim.replace('_', ' ')})")
    x = float(number.replace("_", ""))
    return Quantity(x * factor, dim, raw.strip(), x, symbol)


def speed_m_per_s(q: Quantity) -> float:
    """Wind speed in m/s from a speed quantity (exact when written in m/s)."""
    return q.number if q.symbol == "m/s" else q.value * KM_PER_NMI / 3.6


def height_m(q: Quantity) -> float:
    """Wave height in metres from a length quantity (exact when written in m)."""
    return q.number if q.symbol == "m" else q.value * KM_PER_NMI * 1000.0


def oil_mass_t(q: Quantity, density_t_per_m3: float) -> float:
    """Tonnes of crude in a mass or volume quantity."""
    return q.value * density_t_per_m3 if q.dimension == "volume" else q.value


def oil_rate_t_per_h(q: Quantity, density_t_per_m3: float) -> float:
    """Tonnes per hour of crude in a mass-rate or volume-rate quantity."""
    return q.value * density_t_per_m3 if q.dimension == "volume_rate" else q.value


def price_usd_per_t(q: Quantity, density_t_per_m3: float) -> float:
    """A price per tonne of crude from a price per tonne or per m3 (or bbl) of crude."""
    return q.value / density_t_per_m3 if q.dimension == "price_per_volume" else q.value


def tonnes_to_bbl(mass_t: float, density_t_per_m3: float) -> float:
    """Barrels of crude in ``mass_t`` tonnes at the given density."""
    return mass_t / density_t_per_m3 / M3_PER_BBL


def t_per_year_to_kbpd(rate_t_per_yr: float, density_t_per_m3: float) -> float:
    """Thousand barrels per day equivalent to a rate in tonnes per 365-day year."""
    return tonnes_to_bbl(rate_t_per_yr, density_t_per_m3) / 365.0 / 1000.0


def level_value(v: object) -> float | None:
    """A study factor's level as a number: a number, or a quantity such as ``500 kt`` in
    its canonical unit (tonnes, hours ...); None for anything else (a word, a block, a
    true or false).  Levels of one factor compare by it (the lowest and highest swept)."""
    if isinstance(v, bool) or type(v).__name__ == "bool_":  # (numpy's bool is no number either)
        return None
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            pass
        try:
            return parse_quantity(v, tuple(DIMENSIONS)).value
        except UnitError:
            return None
    return None
