"""Pydantic field types for dimensioned scenario values.

Each type accepts a string ``<number> <unit>`` of the right dimension and stores the
value in the canonical unit of :mod:`shuttle_sim.units` (hours, nmi, knots, tonnes,
t/h).  Oil amounts and rates may also be written as volumes (``500000 bbl``,
``490 kbpd``); they are turned into tonnes with the scenario's crude density, which the
loader passes in the validation context under ``density_t_per_m3``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
)

from .. import units


class Spec(BaseModel):
    """Base of every scenario object: immutable, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _schema(dimensions: tuple[str, ...]) -> dict[str, Any]:
    examples = ", ".join(units.DIMENSIONS[d][1] for d in dimensions)
    return {"type": "string", "pattern": r"^\s*[-+]?[0-9.]", "description": f"quantity with unit, e.g. {examples}"}


def _density(info: ValidationInfo) -> float:
    ctx = info.context or {}
    return ctx.get("density_t_per_m3", 1.0)


def _parse_oil_mass(v: object, info: ValidationInfo) -> float:
    return units.oil_mass_t(units.parse_quantity(v, ("mass", "volume")), _density(info))


def _parse_oil_rate(v: object, info: ValidationInfo) -> float:
    return units.oil_rate_t_per_h(units.parse_quantity(v, ("mass_rate", "volume_rate")), _density(info))


def _check(predicate, what: str, unit: str):
    def check(v: float) -> float:
        if not predicate(v):
            raise ValueError(f"expected {what}, found {v:g} {unit}")
        return v

    return AfterValidator(check)


def _typed(parse, dimensions: tuple[str, ...], predicate, what: str, unit: str):
    """An ``Annotated[float, ...]`` that parses, documents and range-checks a quantity."""
    return Annotated[tuple([float, BeforeValidator(parse), WithJsonSchema(_schema(dimensions)), _check(predicate, what, unit)])]


def _plain(*dimensions: str):
    def parse(v: object) -> float:
        return units.parse_quantity(v, dimensions).value

    return parse


def _ge0(v: float) -> bool:
    return v >= 0


def _gt0(v: float) -> bool:
    return v > 0


if TYPE_CHECKING:  # to type checkers (and mypyc) every quantity is a float in its unit
    Hours = float
    PositiveHours = float
    Nmi = float
    Knots = float
    DensityTPerM3 = float
    Tonnes = float
    PositiveTonnes = float
    TonnesPerHour = float
    PositiveTonnesPerHour = float
    WindMPerS = float
    WaveMetres = float
    Usd = float
    UsdPerDay = float
    UsdPerT = float
    PriceOfCapacity = units.Quantity
    FuelTPerH = float
else:
    Hours = _typed(_plain("time"), ("time",), _ge0, "a duration >= 0", "h")
    PositiveHours = _typed(_plain("time"), ("time",), _gt0, "a duration > 0", "h")
    Nmi = _typed(_plain("length"), ("length",), _ge0, "a distance >= 0", "nmi")
    Knots = _typed(_plain("speed"), ("speed",), _gt0, "a speed > 0", "kn")
    DensityTPerM3 = _typed(
        _plain("density"), ("density",), lambda v: 0.5 < v < 1.2, "a crude density between 0.5 and 1.2 t/m3", "t/m3"
    )
    Tonnes = _typed(_parse_oil_mass, ("mass", "volume"), _ge0, "an amount >= 0", "t")
    PositiveTonnes = _typed(_parse_oil_mass, ("mass", "volume"), _gt0, "an amount > 0", "t")
    TonnesPerHour = _typed(_parse_oil_rate, ("mass_rate", "volume_rate"), _ge0, "a rate >= 0", "t/h")
    PositiveTonnesPerHour = _typed(_parse_oil_rate, ("mass_rate", "volume_rate"), _gt0, "a rate > 0", "t/h")
    WindMPerS = _typed(
        lambda v: units.speed_m_per_s(units.parse_quantity(v, ("speed",))), ("speed",), _ge0, "a wind speed >= 0", "m/s"
    )
    WaveMetres = _typed(
        lambda v: units.height_m(units.parse_quantity(v, ("length",))), ("length",), _ge0, "a wave height >= 0", "m"
    )
    Usd = _typed(_plain("money"), ("money",), _ge0, "an amount of money >= 0", "USD")
    UsdPerDay = _typed(_plain("money_rate"), ("money_rate",), _ge0, "a money rate >= 0", "USD/d")
    UsdPerT = _typed(_plain("price_per_tonne"), ("price_per_tonne",), _ge0, "a price >= 0", "USD/t")
    FuelTPerH = _typed(_plain("mass_rate"), ("mass_rate",), _ge0, "a fuel consumption >= 0", "t/h")

    def _price_of_capacity(v: object) -> units.Quantity:
        q = units.parse_quantity(v, ("price_per_tonne", "price_per_volume"))
        if q.value < 0:
            raise ValueError(f"expected a price >= 0, found {q.text}")
        return q

    #: a price per tonne or per m3 (bbl) of storage capacity, kept with its dimension
    #: until the scenario's crude density turns it into USD/t (units.price_usd_per_t)
    PriceOfCapacity = Annotated[
        units.Quantity,
        PlainValidator(_price_of_capacity),
        PlainSerializer(lambda q: q.text, return_type=str),
        WithJsonSchema(_schema(("price_per_tonne", "price_per_volume"))),
    ]
