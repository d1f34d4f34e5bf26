"""Study files (``experiments/*.yaml``): a base scenario, factors, targets, objective, costs.

A study is validated like a scenario, with the same one-line errors
(``FILE:LINE: key.path: expected ..., found ...``), and every factor's key path and level
is checked against the scenario schema before anything runs: each level is applied to the
base scenario with :mod:`shuttle_sim.config.overrides` and validated, then each cell as a
whole.  ``experiments/README.md`` shows the format with a worked example::

    name: kcts_fleet_sizing
    scenario: ../configs/kcts_concept.yaml     # or {file: ..., overrides: {key.path: value}}
    factors:
      fleet.tankers[KCTS-shuttle].count: [4, 5, 6]
      load_port.tank_farm.capacity: {from: 300 kt, to: 900 kt, step: 300 kt}
    replications: 30                            # or {precision: 0.02, kpi: ..., min: 10, max: 60}
    targets:
      delivered_mt_per_year: {at_least: 19, in_fraction_of_years: 0.9}
      deferred_t: {mean_at_most: 200 kt}
    confidence: 0.9
    objective: {minimise: total_annual_cost_usd}
    costs: ../configs/costs.yaml                # or the cost inputs inline

Factor paths starting with ``costs.`` change the cost inputs instead of the scenario, so
an uncertain price can be swept without simulating again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Optional, Union

from pydantic import Field, NonNegativeInt, PositiveInt, model_validator

from .. import kpis, scenarios, units
from ..study.design import Cell, DesignError, _split, expand_range, grid, listed
from .costs import CostSpec, costs_from_dict, costs_hash, load_costs
from .loader import ConfigError, ConfigProblem, _found, _line_for, format_path, load_scenario, parse_yaml, validate_model
from .reading import check_kind, read_text
from .overrides import apply_changes, with_changes
from .schema import Scenario, resolved_dict
from .types import Hours, Spec

__all__ = ["Study", "Target", "LoadedStudy", "load_study", "study_json_schema"]

COST_PREFIX = "costs."


class ScenarioRef(Spec):
    """The base scenario (a path relative to the study file, or a shipped scenario's name) and
    overrides for every cell."""

    file: str
    overrides: dict[str, Any] = Field(default_factory=dict)


class LevelRange(Spec):
    """Levels from ``from`` to ``to`` (both included) by ``step``, all in one unit."""

    start: Union[float, str] = Field(alias="from")
    stop: Union[float, str] = Field(alias="to")
    step: Union[float, str]


class PrecisionRule(Spec):
    """Replicate until the CI half-width of ``kpi``'s mean is within ``precision`` x mean."""

    precision: float = Field(gt=0, lt=1, description="relative half-width, e.g. 0.02")
    kpi: str
    min: PositiveInt = Field(default=10, description="pilot; at least 10 (VALIDATION.md)")
    max: PositiveInt

    @model_validator(mode="after")
    def _order(self) -> "PrecisionRule":
        if self.max < self.min:
            raise ValueError(f"expected max >= min, found {self.max} < {self.min}")
        return self


class TargetSpec(Spec):
    """One constraint on a KPI, in words: ``{at_least: 20, in_fraction_of_years: 0.9}``,
    ``{mean_at_most: 50 kt}``.  Numbers are in the KPI's own unit; strings carry one."""

    at_least: Union[float, str, None] = None
    at_most: Union[float, str, None] = None
    mean_at_least: Union[float, str, None] = None
    mean_at_most: Union[float, str, None] = None
    in_fraction_of_years: Optional[float] = Field(default=None, gt=0, lt=1)

    @model_validator(mode="after")
    def _one(self) -> "TargetSpec":
        given = [k for k in ("at_least", "at_most", "mean_at_least", "mean_at_most") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"expected exactly one of at_least, at_most, mean_at_least, mean_at_most, found {given or 'none'}")
        if given[0].startswith("mean_") and self.in_fraction_of_years is not None:
            raise ValueError(f"expected no in_fraction_of_years with {given[0]} (a mean is over all years)")
        if not given[0].startswith("mean_") and self.in_fraction_of_years is None:
            raise ValueError(f"expected in_fraction_of_years with {given[0]} (e.g. 0.9 for 9 years in 10)")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("at_least", "at_most", "mean_at_least", "mean_at_most") if getattr(self, k) is not None)


class Objective(Spec):
    minimise: Literal["total_annual_cost_usd", "cost_per_tonne_usd"]


class SearchSpec(Spec):
    """``grid`` runs every cell; ``adaptive`` bisects the ``monotone`` factor within each
    combination of the others and stops each cell once its targets are decided."""

    method: Literal["grid", "adaptive"] = "grid"
    monotone: Optional[str] = Field(default=None, description="factor key path, levels in increasing order")


class Study(Spec):
    """A study file."""

    name: str
    description: str = ""
    scenario: Union[str, ScenarioRef]
    factors: dict[str, Union[list[Any], LevelRange]] = Field(default_factory=dict)
    linked: list[list[str]] = Field(default_factory=list, description="groups of factors whose levels move together")
    conditions: list[str] = Field(
        default_factory=list, description="factors that are circumstances, not choices: one answer per level")
    design: Literal["grid", "list"] = "grid"
    cells: list[dict[str, Any]] = Field(default_factory=list, description="for design: list")
    replications: Union[PositiveInt, PrecisionRule]
    years: PositiveInt = Field(default=1, description="measured years per replication (the horizon adds the warm-up)")
    seed: NonNegativeInt = 1
    warmup_h: Optional[Hours] = Field(
        default=None, alias="warmup", description="discarded start of each replication (default: the scenario's); horizon = years + warmup")
    targets: dict[str, TargetSpec] = Field(min_length=1)
    confidence: float = Field(default=0.9, gt=0.5, lt=1)
    objective: Objective
    costs: Union[str, dict[str, Any]]
    search: SearchSpec = SearchSpec()

    @model_validator(mode="after")
    def _design(self) -> "Study":
        if self.design == "list" and not self.cells:
            raise ValueError("expected cells: a list of {key.path: value} mappings for design: list")
        if self.design == "grid" and self.cells:
            raise ValueError("expected no cells with design: grid (use design: list)")
        return self


def study_json_schema() -> dict:
    """The JSON schema of study files (for editors and ``shuttle-sim schema --study``)."""
    return Study.model_json_schema(by_alias=True)


@dataclass(frozen=True)
class Target:
    """A study target with its threshold in the KPI's own unit (see :mod:`..study.targets`)."""

    kpi: str
    kind: str
    threshold: float
    fraction: Optional[float] = None


@dataclass
class LoadedStudy:
    """A validated study: the spec, its base scenario, cells, costs and targets."""

    path: Path
    spec: Study
    base: Scenario
    base_dir: Path
    factors: dict[str, list]
    cells: list[Cell]
    costs_data: dict
    costs: CostSpec
    targets: list[Target]
    horizon_h: float
    warnings: list[str] = field(default_factory=list)
    #: the line of each key path of the study file (for problems found after loading)
    lines: dict = field(default_factory=dict, repr=False)

    def scenario_for(self, cell: Cell) -> Scenario:
        """The cell's scenario: the base with the cell's scenario factors applied."""
        ch = {p: v for p, v in cell.changes if not p.startswith(COST_PREFIX)}
        return with_changes(self.base, ch, str(self.path), base_dir=self.base_dir) if ch else self.base

    def costs_record(self) -> dict:
        """What a sweep's manifest records of the cost inputs, for its report to quote them:
        their file (``None`` when they are inline in the study file) and their hash."""
        f = str((self.path.resolve().parent / self.spec.costs).resolve()) if isinstance(self.spec.costs, str) else None
        return {"costs_file": f, "costs_sha256": costs_hash(self.costs_data)}

    def costs_for(self, cell: Cell) -> CostSpec:
        """The cell's cost inputs: the study's with the cell's ``costs.`` factors applied."""
        ch = {p[len(COST_PREFIX):]: v for p, v in cell.changes if p.startswith(COST_PREFIX)}
        return costs_from_dict(apply_changes(self.costs_data, ch, str(self.path))) if ch else self.costs


# ------------------------------------------------------------------ thresholds
_THRESHOLD_UNITS = {  # the KPI's stored unit (Kpi.stored_unit) -> (dimensions, factor from canonical)
    "t": (("mass",), 1.0),
    "h": (("time",), 1.0),
    "Mt/yr": (("mass_rate",), units.HOURS_PER_YEAR / 1e6),
    "USD/yr": (("money_rate",), units.HOURS_PER_YEAR / units.HOURS_PER_DAY),
    "USD/t": (("price_per_tonne",), 1.0),
}


def _threshold(kpi: str, raw: object) -> float:
    """A target's threshold in the KPI's stored unit: a bare number as stored (a share of
    time as a fraction, 0.05; a cost in USD/yr), or a quantity with its unit (``'5 %'``,
    ``'1 Mt'``, ``'500 MUSD/yr'``); one the
    KPI cannot take (a share above 1, a negative amount) is refused as the unit slip it
    most likely is: ``mean_at_most: 5`` on a share would be a target always met."""
    k = kpis.info(kpi)
    unit = k.unit
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    elif unit == "%" and isinstance(raw, str) and raw.strip().endswith("%"):
        try:
            value = float(raw.strip()[:-1]) / 100.0
        except ValueError:
            raise units.UnitError(f"expected a percentage like '5 %', found {raw!r}") from None
    elif k.stored_unit in _THRESHOLD_UNITS:
        dims, factor = _THRESHOLD_UNITS[k.stored_unit]
        value = units.parse_quantity(raw, dims).value * factor
    else:
        raise units.UnitError(f"expected a number in the KPI's unit ({k.stored_unit}), found {raw!r}")
    low, high = k.bounds
    if not low <= value <= high:
        found = f"{raw:g}" if isinstance(raw, (int, float)) else repr(raw)
        if unit == "%":
            raise units.UnitError(f"expected a share from 0 to 1 (0.05) or a percentage ('5 %'), found {found}")
        raise units.UnitError(f"expected a value the KPI can take (at least {k.format(low)}), found {found}")
    return value


# ---------------------------------------------------------------------- loading
class _Problems:
    def __init__(self, source: str, lines: dict) -> None:
        self.source, self.lines, self.items = source, lines, []

    def add(self, path: tuple, message: str) -> None:
        self.items.append(ConfigProblem(self.source, _line_for(path, self.lines), path, message))

    def from_error(self, path: tuple, e: ConfigError, what: str = "") -> None:
        for p in e.problems:
            inner = p.path[0] if len(p.path) == 1 and isinstance(p.path[0], str) else format_path(p.path)
            own = format_path(path).split(".", 1)[-1]
            prefix = what + (f"{inner}: " if inner and not own.startswith(str(inner)) else "")
            self.add(path, prefix + p.message)

    def raise_if_any(self) -> None:
        if self.items:
            raise ConfigError(self.items)


def _warmup_h(base: Scenario, overrides: dict) -> float:
    """The scenario's warm-up (hours) once ``overrides`` apply: an override of ``warmup``
    that is not a time is left for the scenario's validation to report."""
    raw = overrides.get("warmup")
    if raw is None:
        return base.warmup_h
    try:
        return units.parse_quantity(raw, ("time",)).value
    except units.UnitError:
        return base.warmup_h


def load_study(path: str | Path) -> LoadedStudy:
    """Read and validate a study file (or the shipped study of that name: ``aktau_expansion``),
    its base scenario, cells, costs and targets.

    Raises
    ------
    ConfigError
        One line per problem, at the study file's line (a problem inside the base
        scenario or cost file names that file instead).
    """
    path = scenarios.resolve_study(path)  # a file, or a shipped study's name (aktau_expansion)
    source = str(path)
    data, lines = parse_yaml(read_text(path, "study file"), source)  # bounded, as scenario files are
    check_kind(data, source, "study")
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(source, 1, (), f"expected a study mapping, found {_found(data)}")])
    spec: Study = validate_model(Study, data, source, lines)
    here = path.resolve().parent
    pr = _Problems(source, lines)

    ref = ScenarioRef(file=spec.scenario) if isinstance(spec.scenario, str) else spec.scenario
    scen_key = ("scenario",) if isinstance(spec.scenario, str) else ("scenario", "file")
    scen_path = scenarios.referenced_file(ref.file, path.resolve())
    if not scen_path.is_file():
        pr.add(scen_key, f"expected a scenario file (relative to the study) or a shipped scenario's name, "
                         f"found {ref.file!r} ({_not_a_file(scen_path)})")
        pr.raise_if_any()
    base = load_scenario(scen_path)
    base_dir = scen_path.resolve().parent
    # `years` are measured years: the horizon adds the warm-up the replications leave out,
    # the study's own (which it sets on the scenario) or else the scenario's as overridden
    warmup_h = spec.warmup_h if spec.warmup_h is not None else _warmup_h(base, ref.overrides)
    horizon_h = spec.years * units.HOURS_PER_YEAR + warmup_h
    changes = {**ref.overrides, "horizon": f"{horizon_h!r} h"}
    if spec.warmup_h is not None:
        changes["warmup"] = f"{spec.warmup_h!r} h"
    try:
        base = with_changes(base, changes, source, base_dir=base_dir)
    except ConfigError as e:
        for p in e.problems:
            written = p.path[0] if p.path else ""
            key = (("scenario", "overrides", written) if written in ref.overrides
                   else ("warmup",) if written == "warmup" else ("years",))
            pr.add(key, p.message)
        pr.raise_if_any()

    # factors and cells
    factors: dict[str, list] = {}
    for fpath, levels in spec.factors.items():
        if isinstance(levels, LevelRange):
            try:
                levels = expand_range(levels.start, levels.stop, levels.step)
            except DesignError as e:
                pr.add(("factors", fpath), str(e))
                continue
        if not levels:
            pr.add(("factors", fpath), "expected at least one level, found []")
            continue
        factors[fpath] = list(levels)
    if spec.years != 1 and any(t.in_fraction_of_years is not None for t in spec.targets.values()):
        pr.add(("years",), f"expected years: 1 with in_fraction_of_years targets (each replication is one year), found {spec.years}")
    costs_data, costs = _costs(spec, data, here, lines, source, pr)
    pr.raise_if_any()
    _check_levels(factors, base, base_dir, costs_data, source, pr, spec)
    pr.raise_if_any()
    try:
        cells = list(grid(factors, spec.linked) if spec.design == "grid" else listed(spec.cells))
    except DesignError as e:
        pr.add(("linked",) if spec.design == "grid" else ("cells",), str(e))
        pr.raise_if_any()
    study = LoadedStudy(path, spec, base, base_dir, factors, cells, costs_data, costs, [], horizon_h, lines=lines)
    _check_cells(study, pr)
    study.targets = _targets(spec, pr)
    _check_search_and_rule(spec, factors, pr)
    pr.raise_if_any()
    _check_supply(study, pr)
    pr.raise_if_any()
    return study


def _not_a_file(path: Path) -> str:
    """Why ``path`` (not a regular file) cannot be read: said as it is, a directory is no missing file."""
    return "a directory, not a file" if path.is_dir() else "not a regular file" if path.exists() else "no such file"


def _costs(spec: Study, data: dict, here: Path, lines: dict, source: str, pr: _Problems) -> tuple[dict, CostSpec | None]:
    if isinstance(spec.costs, str):
        cpath = here / spec.costs
        if not cpath.is_file():
            pr.add(("costs",), f"expected a cost file (relative to the study), found {spec.costs!r} ({_not_a_file(cpath)})")
            return {}, None
        raw, _ = parse_yaml(read_text(cpath, "cost file"), str(cpath))
        return raw, load_costs(cpath)
    try:
        return data["costs"], costs_from_dict(data["costs"], source, lines, prefix=("costs",))
    except ConfigError as e:
        pr.items.extend(e.problems)
        return {}, None


def _check_levels(factors, base, base_dir, costs_data, source, pr: _Problems, spec: Study) -> None:
    """Each factor's path and each level alone, at the line holding the level; a level of
    a linked factor goes with the same-numbered levels of its group (alone it may be
    impossible: a fourth berth without its draft)."""
    raw = resolved_dict(base)
    groups = {f: g for g in spec.linked for f in g} if spec.design == "grid" else {}
    for fpath, levels in factors.items():
        ranged = isinstance(spec.factors[fpath], LevelRange)
        cost = fpath.startswith(COST_PREFIX)
        try:  # the path itself, at the factor's line
            apply_changes(costs_data if cost else raw, {fpath[len(COST_PREFIX):] if cost else fpath: levels[0]}, source)
        except ConfigError as e:
            pr.from_error(("factors", fpath), e)
            continue
        for i, level in enumerate(levels):  # each level, at its own line
            key = ("factors", fpath) if ranged else ("factors", fpath, i)
            try:
                if cost:
                    costs_from_dict(apply_changes(costs_data, {fpath[len(COST_PREFIX):]: level}, source))
                else:
                    partners = {p: factors[p][i] for p in groups.get(fpath, ())
                                if p != fpath and p in factors and i < len(factors[p]) and not p.startswith(COST_PREFIX)}
                    with_changes(base, {fpath: level, **partners}, source, base_dir=base_dir)
            except ConfigError as e:
                pr.from_error(key, e)
                break  # one problem per factor is enough to fix it


def _check_cells(study: LoadedStudy, pr: _Problems) -> None:
    """Each cell as a whole (levels valid alone may be impossible together)."""
    names = set(study.base.fleet.tankers[i].name for i in range(len(study.base.fleet.tankers))) if study.base.fleet else set()
    for cell in study.cells:
        where = ("factors",) if study.spec.design == "grid" else ("cells", study.cells.index(cell))
        try:
            s = study.scenario_for(cell)
            study.costs_for(cell)
        except ConfigError as e:
            shown = ", ".join(f"{p}={json.dumps(v, default=str)}" for p, v in cell.changes)
            pr.from_error(where, e, what=f"cell {{{shown}}}: ")
            return
        if s.fleet is not None:
            names |= {c.name for c in s.fleet.tankers}
    if study.costs is not None:
        for n in sorted(names - set(study.costs.tankers)):
            pr.add(("costs",), f"expected costs.tankers to price tanker class {n!r}, found only {sorted(study.costs.tankers)}")


def _targets(spec: Study, pr: _Problems) -> list[Target]:
    out = []
    for kpi, t in spec.targets.items():
        if not kpis.known(kpi):
            pr.add(("targets", kpi), f"expected a KPI of the catalogue (shuttle_sim/kpis.py), found {kpi!r}")
            continue
        try:
            out.append(Target(kpi, t.kind, _threshold(kpi, getattr(t, t.kind)), t.in_fraction_of_years))
        except (units.UnitError, ValueError) as e:
            pr.add(("targets", kpi, t.kind), str(e))
    return out


def _check_search_and_rule(spec: Study, factors: dict, pr: _Problems) -> None:
    if isinstance(spec.replications, PrecisionRule) and not kpis.known(spec.replications.kpi):
        pr.add(("replications", "kpi"), f"expected a KPI of the catalogue, found {spec.replications.kpi!r}")
    for i, c in enumerate(spec.conditions):
        if c not in factors:
            pr.add(("conditions", i), f"expected one of the factors {list(factors)}, found {c!r}")
    m = spec.search.monotone
    if m is not None and m in spec.conditions:
        pr.add(("search", "monotone"), f"expected a design factor, found the condition {m!r}")
    if spec.search.method == "adaptive":
        if spec.design != "grid":
            pr.add(("search", "method"), "expected design: grid for an adaptive search, found design: list")
        elif m is None or m not in factors:
            pr.add(("search", "monotone"), f"expected one of the factors {list(factors)}, found {m!r}")
        elif any(m in g for g in spec.linked):
            pr.add(("search", "monotone"), f"expected a factor not linked to others, found {m!r}")
        elif not _increasing(factors[m]):
            pr.add(("factors", m), f"expected the monotone factor's levels in increasing order, found {factors[m]}")


def _increasing(levels: list) -> bool:
    """Levels strictly increasing, when they are numbers or quantities in one unit."""
    try:
        split = [_split(v) for v in levels]
    except DesignError:
        return True  # not numbers: the study's order is taken as given
    if len({u for _, u in split}) > 1:
        return True  # mixed units (300 kt, 1.5 Mt): the config layer checks each value
    return all(a[0] < b[0] for a, b in zip(split, split[1:]))


def _check_supply(study: LoadedStudy, pr: _Problems) -> None:
    """Throughput targets above what every cell's supply could ever deliver: an error."""
    from ..study.targets import check_supply

    per_cell = [check_supply(study.scenario_for(c), study.targets) for c in study.cells] or [[]]
    if all(per_cell):
        for msg in per_cell[0]:
            kpi = msg.split(":", 1)[0].split(".", 1)[1]
            pr.add(("targets", kpi), msg.split(": ", 1)[1])
    else:
        study.warnings += [f"{c.name}: {m}" for c, ms in zip(study.cells, per_cell) for m in ms]
