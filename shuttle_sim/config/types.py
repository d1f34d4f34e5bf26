"""Pydantic field types for dimensioned scenario values.

Each type accepts a string ``<number> <unit>`` of the right dimension and stores the
value in the canonical unit of :mod:`shuttle_sim.units` (hours, nmi, knots, tonnes,
t/h).  Oil amounts and rates may also be written as volumes (``500000 bbl``,
``490 kbpd``); they are turned into tonnes with the scenario's crude density, which the
loader passes in the validation context under ``density_t_per_m3``.
"""

from __future__ import annotations

import inspect
import math
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    ValidationInfo,
    WithJsonSchema,
    model_validator,
)

from .. import units


def _limits_in_descriptions(schema: dict[str, Any], model: type) -> None:
    """Keep a quantity's limits (``x-limits``) in its description when a field has its own."""
    for prop in schema.get("properties", {}).values():
        limits = [s["x-limits"] for s in (prop, *prop.get("anyOf", ())) if "x-limits" in s]
        if limits and limits[0] not in prop.get("description", limits[0]):
            prop["description"] += f"; {limits[0]}"


def _number_word(annotation: Any, metadata: list) -> str | None:
    """'a whole number' or 'a number' if a field of ``annotation`` takes a plain number
    and no true or false; None otherwise (a quantity's own parser refuses a boolean in
    its own words)."""
    import types
    import typing

    if any(isinstance(m, (BeforeValidator, PlainValidator)) for m in metadata):
        return None
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        base, *extra = typing.get_args(annotation)
        return _number_word(base, [*metadata, *extra])
    if origin in (typing.Union, types.UnionType):
        alts = typing.get_args(annotation)
        words = {_number_word(a, metadata) for a in alts}
        if bool in alts:
            return None
        return "a whole number" if "a whole number" in words else "a number" if "a number" in words else None
    return "a whole number" if annotation is int else "a number" if annotation is float else None


class _YamlBoolean:
    """A ``true`` or ``false`` given for a number: no number type takes it, and it is
    shown as written (``found true``)."""

    def __init__(self, value: bool) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


class Spec(BaseModel):
    """Base of every scenario object: immutable, unknown keys are errors, numbers finite,
    and a number is a number: YAML's ``true`` is not the count 1 (pydantic's lax mode
    would take it as one)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, allow_inf_nan=False,
                              json_schema_extra=_limits_in_descriptions)

    @model_validator(mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        marked = dict(data)
        for name, f in cls.model_fields.items():
            for key in {name, f.alias or name}:
                if key in marked:
                    marked[key] = _mark_booleans(marked[key], f.annotation, list(f.metadata))
        return marked


def _mark_booleans(value: Any, annotation: Any, metadata: list) -> Any:
    """``value`` with each true or false that stands for a number (itself, or an item of a
    list of numbers) marked, so that validation refuses it."""
    import typing

    if isinstance(value, bool):
        return _YamlBoolean(value) if _number_word(annotation, metadata) else value
    if isinstance(value, list) and any(isinstance(v, (bool, list)) for v in value):
        while typing.get_origin(annotation) is Annotated:
            annotation = typing.get_args(annotation)[0]
        if typing.get_origin(annotation) is list:
            (item,) = typing.get_args(annotation)
            return [_mark_booleans(v, item, []) for v in value]
    return value


class FieldError(ValueError):
    """A check of a whole object that is about one of its keys: ``path`` (relative to the
    object) is where the loader reports it, e.g. ``FieldError(("high",), "expected ...")``."""

    def __init__(self, path: str | tuple, message: str) -> None:
        self.path = (path,) if isinstance(path, str) else tuple(path)
        super().__init__(message)


# Upper limits of quantities: far beyond anything physical, low enough that a run stays
# finite (no overflow to infinity, bounded time and memory).
MAX_HOURS = 1_000_000.0
"""Longest duration (h), about 114 years."""
MAX_HORIZON_H = units.MAX_HORIZON_H
"""Longest simulated horizon (h): 100 years."""
MAX_NMI = 21_600.0
"""Longest distance (nmi): the Earth's circumference."""
MIN_KN, MAX_KN = 0.1, 100.0
MAX_TONNES = 1e13
MAX_USD = 1e13  # money: more than any asset or annual cost this model prices
"""Largest amount of oil (t): over a thousand years of world production."""
MAX_T_PER_H = 1e10
MIN_POSITIVE_T, MIN_POSITIVE_T_PER_H = 1e-3, 1e-3
MAX_WIND_M_PER_S, MAX_WAVE_M = 200.0, 100.0
MAX_VISIBILITY_M = 100_000.0  # fog and visibility limits: beyond 100 km there is no fog to speak of


def _count(most: int):
    """A whole number from 1 to ``most`` (a type for ``count``, ``berths`` ...)."""
    return Annotated[int, Field(ge=1, le=most)]


def _schema(dimensions: tuple[str, ...], what: str = "") -> dict[str, Any]:
    examples = ", ".join(units.DIMENSIONS[d][1] for d in dimensions)
    limits = f"; {what}" if what else ""
    return {"type": "string", "pattern": r"^\s*[-+]?[0-9.]", "description": f"quantity with unit, e.g. {examples}{limits}",
            "x-limits": what}


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
            raise ValueError(f"expected {what}, found {v:.6g} {unit}")
        return v

    return AfterValidator(check)


def _finite(parse):
    """``parse``, refusing a number that overflows to infinity (``1e400 t``)."""

    def finite(x: float, v: object) -> float:
        if not math.isfinite(x):
            shown = repr(v) if isinstance(v, str) and len(v) <= 60 else "a number"
            raise units.UnitError(f"expected a finite quantity, found {shown} (too large to represent)")
        return x

    if len(inspect.signature(parse).parameters) == 2:
        return lambda v, info: finite(parse(v, info), v)
    return lambda v: finite(parse(v), v)


def _typed(parse, dimensions: tuple[str, ...], predicate, what: str, unit: str):
    """An ``Annotated[float, ...]`` that parses, documents and range-checks a quantity."""
    before = BeforeValidator(_finite(parse))
    return Annotated[tuple([float, before, WithJsonSchema(_schema(dimensions, what)), _check(predicate, what, unit)])]


def _plain(*dimensions: str):
    def parse(v: object) -> float:
        return units.parse_quantity(v, dimensions).value

    return parse


#: the name of a scenario, a port or a tanker class: shown in every table and report, and
#: how ``--set 'fleet.tankers[NAME].count=3'`` finds a class, so never empty nor blank
Name = Annotated[str, Field(min_length=1, pattern=r"\S")]


def _within(lo: float, hi: float, open_lo: bool = False):
    """``lo <= v <= hi`` (``lo < v`` if ``open_lo``)."""
    return (lambda v: lo < v <= hi) if open_lo else (lambda v: lo <= v <= hi)


if TYPE_CHECKING:  # to type checkers (and mypyc) every quantity is a float in its unit
    Hours = float
    PositiveHours = float
    HorizonHours = float
    Count100 = Count1000 = Count100k = int
    Nmi = float
    Knots = float
    DensityTPerM3 = float
    Tonnes = float
    PositiveTonnes = float
    TonnesPerHour = float
    PositiveTonnesPerHour = float
    WindMPerS = float
    WaveMetres = float
    VisibilityMetres = float
    Usd = float
    UsdPerDay = float
    UsdPerT = float
    PriceOfCapacity = units.Quantity
    FuelTPerH = float
else:
    Count100 = _count(100)  # berths, ferries, loading tracks
    Count1000 = _count(1000)  # tankers of a class, wagons in a rake or on a ferry
    Count100k = _count(100_000)  # wagons, yard places
    Hours = _typed(_plain("time"), ("time",), _within(0, MAX_HOURS), f"a duration from 0 to {MAX_HOURS:g} h", "h")
    PositiveHours = _typed(_plain("time"), ("time",), _within(0, MAX_HOURS, True),
                           f"a duration > 0 and <= {MAX_HOURS:g} h", "h")
    HorizonHours = _typed(_plain("time"), ("time",), _within(1.0, MAX_HORIZON_H),
                          f"a horizon from 1 h to {MAX_HORIZON_H:g} h (100 yr)", "h")
    Nmi = _typed(_plain("length"), ("length",), _within(0, MAX_NMI), f"a distance from 0 to {MAX_NMI:g} nmi", "nmi")
    Knots = _typed(_plain("speed"), ("speed",), _within(MIN_KN, MAX_KN), f"a speed from {MIN_KN:g} to {MAX_KN:g} kn", "kn")
    DensityTPerM3 = _typed(
        _plain("density"), ("density",), lambda v: 0.5 < v < 1.2, "a crude density between 0.5 and 1.2 t/m3", "t/m3"
    )
    Tonnes = _typed(_parse_oil_mass, ("mass", "volume"), _within(0, MAX_TONNES), f"an amount from 0 to {MAX_TONNES:g} t", "t")
    PositiveTonnes = _typed(_parse_oil_mass, ("mass", "volume"), _within(MIN_POSITIVE_T, MAX_TONNES),
                            f"an amount from {MIN_POSITIVE_T:g} to {MAX_TONNES:g} t", "t")
    TonnesPerHour = _typed(_parse_oil_rate, ("mass_rate", "volume_rate"), _within(0, MAX_T_PER_H),
                           f"a rate from 0 to {MAX_T_PER_H:g} t/h", "t/h")
    PositiveTonnesPerHour = _typed(_parse_oil_rate, ("mass_rate", "volume_rate"),
                                   _within(MIN_POSITIVE_T_PER_H, MAX_T_PER_H),
                                   f"a rate from {MIN_POSITIVE_T_PER_H:g} to {MAX_T_PER_H:g} t/h", "t/h")
    WindMPerS = _typed(
        lambda v: units.speed_m_per_s(units.parse_quantity(v, ("speed",))), ("speed",), _within(0, MAX_WIND_M_PER_S),
        f"a wind speed from 0 to {MAX_WIND_M_PER_S:g} m/s", "m/s"
    )
    WaveMetres = _typed(
        lambda v: units.height_m(units.parse_quantity(v, ("length",))), ("length",), _within(0, MAX_WAVE_M),
        f"a wave height from 0 to {MAX_WAVE_M:g} m", "m"
    )
    VisibilityMetres = _typed(
        lambda v: units.height_m(units.parse_quantity(v, ("length",))), ("length",), _within(0, MAX_VISIBILITY_M),
        f"a visibility from 0 to {MAX_VISIBILITY_M:g} m", "m"
    )
    Usd = _typed(_plain("money"), ("money",), _within(0, MAX_USD), f"an amount of money from 0 to {MAX_USD:g} USD", "USD")
    UsdPerDay = _typed(_plain("money_rate"), ("money_rate",), _within(0, MAX_USD), f"a money rate from 0 to {MAX_USD:g} USD/d",
                       "USD/d")
    UsdPerT = _typed(_plain("price_per_tonne"), ("price_per_tonne",), _within(0, MAX_USD), f"a price from 0 to {MAX_USD:g} USD/t",
                     "USD/t")
    FuelTPerH = _typed(_plain("mass_rate"), ("mass_rate",), _within(0, MAX_T_PER_H), f"a fuel consumption from 0 to {MAX_T_PER_H:g} t/h",
                       "t/h")

    def _price_of_capacity(v: object) -> units.Quantity:
        q = units.parse_quantity(v, ("price_per_tonne", "price_per_volume"))
        if not 0 <= q.value <= MAX_USD:  # also refuses inf and NaN
            raise ValueError(f"expected a price from 0 to {MAX_USD:g}, found {q.text}")
        return q

    #: a price per tonne or per m3 (bbl) of storage capacity, kept with its dimension
    #: until the scenario's crude density turns it into USD/t (units.price_usd_per_t)
    PriceOfCapacity = Annotated[
        units.Quantity,
        PlainValidator(_price_of_capacity),
        PlainSerializer(lambda q: q.text, return_type=str),
        WithJsonSchema(_schema(("price_per_tonne", "price_per_volume"))),
    ]
