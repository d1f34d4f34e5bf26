"""Load scenario YAML safely and report every problem with file, line and key path.

Only plain YAML data is accepted: the document is composed and constructed with
PyYAML's ``SafeLoader``, so a tag such as ``!!python/object`` is an error and never
executed.  While composing we keep the line of every key, so that each validation
error reads::

    configs/x.yaml:14: load_port.berths: expected an integer >= 1, found 0

A :class:`ConfigError` carries all problems found, not just the first.
"""

from __future__ import annotations

import difflib
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .schema import Scenario, cross_checks

Path_ = tuple  # a key path: str keys and int indices


@dataclass(frozen=True)
class ConfigProblem:
    """One thing wrong with a scenario: where it is, what was expected, what was found."""

    source: str
    line: int | None
    path: Path_
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        key = format_path(self.path)
        return f"{where}: {key}: {self.message}" if key else f"{where}: {self.message}"


class ConfigError(ValueError):
    """A scenario that cannot be used; ``problems`` lists each fault."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def format_path(path: Path_) -> str:
    out = ""
    for p in path:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


# --------------------------------------------------------------------------- YAML


def _lines(node: yaml.Node, path: Path_, out: dict[Path_, int], dups: list[tuple[Path_, int]]) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set = set()
        for k, v in node.value:
            key = k.value
            if key in seen:
                dups.append((path + (key,), k.start_mark.line + 1))
            seen.add(key)
            out[path + (key,)] = k.start_mark.line + 1
            _lines(v, path + (key,), out, dups)
            out[path + (key,)] = k.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            _lines(v, path + (i,), out, dups)


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    """Safe-load ``text``; return the data and a map from key path to line number."""
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise ConfigError([ConfigProblem(source, None, (), "expected a scenario mapping, found an empty file")])
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        problem = str(e.problem or e.context or e)
        if "could not determine a constructor" in problem:
            problem = f"unsupported YAML tag ({problem.split('for the tag')[-1].strip()}); only plain data is allowed"
        raise ConfigError([ConfigProblem(source, line, (), f"invalid YAML: {problem}")]) from None
    except yaml.YAMLError as e:
        raise ConfigError([ConfigProblem(source, None, (), f"invalid YAML: {e}")]) from None
    lines: dict[Path_, int] = {}
    dups: list[tuple[Path_, int]] = []
    _lines(node, (), lines, dups)
    if dups:
        raise ConfigError([ConfigProblem(source, ln, p, "duplicate key (each key may appear once)") for p, ln in dups])
    return data, lines


# --------------------------------------------------------------------- validation


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The scenario object class inside ``Optional[X]``, ``list[X]``, ``Annotated[X, ...]``."""
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if origin is None:
        return None
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _unwrap_model(args[0])
    if origin in (typing.Union, types.UnionType, list, tuple):
        for a in args:
            m = _unwrap_model(a)
            if m is not None and not (origin in (typing.Union, types.UnionType) and len(args) > 2):
                return m
    return None


def _model_at(path: Path_, root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    model: type[BaseModel] | None = root
    keyed = False  # the next key names an entry of a dict[str, Model] field
    for key in path:
        if model is None:
            return None
        if isinstance(key, int) or keyed:
            keyed = False
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == key), None)
        if field is None:
            return None
        annotation = field.annotation
        if typing.get_origin(annotation) is dict:
            annotation, keyed = typing.get_args(annotation)[1], True
        model = _unwrap_model(annotation)
    return model


def _allowed_keys(path: Path_, root: type[BaseModel] = Scenario) -> list[str]:
    model = _model_at(path, root)
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _clean_loc(loc: tuple, lines: dict[Path_, int]) -> Path_:
    """Drop pydantic's union-branch tags (``lognormal``, ``function-after[...]``) from a loc."""
    path: Path_ = ()
    for part in loc:
        if (path + (part,)) in lines or isinstance(part, int):
            path += (part,)
        elif isinstance(part, str) and ("[" in part or part in _DIST_TAGS):
            continue
        else:
            path += (part,)
    return path


_DIST_TAGS = {"fixed", "uniform", "triangular", "lognormal", "exponential", "gamma", "empirical"}


def _line_for(path: Path_, lines: dict[Path_, int]) -> int | None:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


def _message(err: dict, path: Path_, root: type[BaseModel] = Scenario) -> str:
    typ, msg, found = err["type"], err["msg"], err.get("input")
    if typ == "extra_forbidden":
        key = path[-1] if path else "?"
        allowed = _allowed_keys(path[:-1], root)
        hint = difflib.get_close_matches(str(key), allowed, n=1)
        text = f"unknown key {key!r}"
        if hint:
            text += f" (did you mean {hint[0]!r}?)"
        if allowed:
            text += f"; expected one of: {', '.join(allowed)}"
        return text
    if typ == "missing":
        return "missing required key"
    if typ in ("value_error", "assertion_error"):
        return msg.split(", ", 1)[1] if msg.startswith(("Value error, ", "Assertion failed, ")) else msg
    if typ == "union_tag_invalid":
        return f"expected 'dist' to be one of {', '.join(sorted(_DIST_TAGS))}, found {err['ctx'].get('tag')!r}"
    if typ == "union_tag_not_found":
        return "expected a duration like '2 h' or a mapping with a 'dist' key"
    expected = msg
    for prefix in ("Input should be ", "Value should be "):
        if expected.startswith(prefix):
            expected = expected[len(prefix) :]
    if expected.startswith(("greater", "less")):
        expected = f"a value {expected}"
    return f"expected {expected}, found {found!r}"


def validate_model(
    model: type[BaseModel], data: Any, source: str, lines: dict[Path_, int] | None = None,
    context: dict | None = None, prefix: Path_ = (),
) -> Any:
    """Validate ``data`` into ``model`` or raise :class:`ConfigError` with one line per fault.

    ``prefix`` is where ``data`` sits in its file (e.g. ``("costs",)`` for costs inline in a
    study), so that paths and lines name the right place.
    """
    lines = lines or {}
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = _clean_loc(tuple(prefix) + tuple(err["loc"]), lines)
            problems.append(ConfigProblem(source, _line_for(path, lines), path, _message(err, path[len(prefix):], model)))
        raise ConfigError(problems) from None


def scenario_from_dict(
    data: Any, source: str = "<dict>", lines: dict[Path_, int] | None = None, base_dir: str | Path | None = None
) -> Scenario:
    """Validate plain data into a :class:`Scenario`, or raise :class:`ConfigError`.

    ``base_dir`` is where relative file names in the scenario (a hindcast) are found.
    """
    lines = lines or {}
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(source, 1, (), f"expected a scenario mapping, found {type(data).__name__}")])
    density = 1.0
    crude = data.get("crude")
    if isinstance(crude, dict):
        try:
            from .schema import Crude

            density = Crude.model_validate(crude).density_t_per_m3
        except ValidationError:
            pass  # reported below with everything else
    scenario = validate_model(Scenario, data, source, lines, {"density_t_per_m3": density, "base_dir": base_dir})
    problems = [ConfigProblem(source, _line_for(p, lines), p, m) for p, m in cross_checks(scenario)]
    if problems:
        raise ConfigError(problems)
    return scenario


def read_scenario_file(path: str | Path) -> tuple[Any, dict[Path_, int]]:
    """Read and safe-parse one scenario file: its data and the line of every key path."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError([ConfigProblem(source, None, (), f"cannot read file: {e.strerror or e}")]) from None
    return parse_yaml(text, source)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file (resolving ``extends:``, see
    :mod:`shuttle_sim.config.overrides`).  A bare name that is not a file is a shipped
    scenario (``load_scenario("kcts_concept")``, :mod:`shuttle_sim.scenarios`).

    Raises
    ------
    ConfigError
        If the file cannot be read, is not valid YAML, or is not a valid scenario; the
        message names the file, the line, the key path, what was expected and found.
    """
    from ..scenarios import resolve

    path = resolve(path)
    source = str(path)
    data, lines = read_scenario_file(path)
    base_dir = Path(path).resolve().parent
    if isinstance(data, dict) and "extends" in data:
        from .overrides import load_with_extends, remap_problems

        data, origin = load_with_extends(data, lines, source, Path(path))
        try:
            return scenario_from_dict(data, source, {p: ln for p, (_, ln) in origin.items()}, base_dir=base_dir)
        except ConfigError as e:
            raise remap_problems(e, origin) from None
    return scenario_from_dict(data, source, lines, base_dir=base_dir)
