"""Load scenario YAML safely and report every problem with file, line and key path.

:mod:`.reading` reads the file (safely, boundedly) and keeps the line of every key;
here the data is validated and each error is phrased as written in the file::

    configs/x.yaml:14: load_port.berths: expected a whole number from 1 to 100, found 0

the key path without pydantic's union branches, the expectation in plain words.  A
:class:`ConfigError` carries all problems found, not just the first.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .provenance import record_file
from .reading import (  # noqa: F401  (re-exported: the loader's public names)
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    ConfigError,
    ConfigProblem,
    Path_,
    check_kind,
    _one_line,
    format_path,
    parse_yaml,
    read_text,
)
from .schema import Scenario, cross_checks
from .types import FieldError

# --------------------------------------------------------------------- validation


def _alternatives(annotation: Any) -> list[Any]:
    """``annotation`` without ``Annotated`` and ``None``, unions flattened."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _alternatives(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) if arg is not type(None) for a in _alternatives(arg)]
    return [annotation]


def _tag_matches(model: type[BaseModel], node: Any) -> bool:
    """Whether ``node`` (plain data) names ``model`` by its literal tag (``source: storms``)."""
    if not isinstance(node, dict):
        return False
    for name, f in model.model_fields.items():
        if typing.get_origin(f.annotation) is typing.Literal and (f.alias or name) in node:
            return node[f.alias or name] in typing.get_args(f.annotation)
    return False


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, dict):
        return node.get(key)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return None


def _model_at(path: Path_, data: Any = None, root: type[BaseModel] = Scenario) -> type[BaseModel] | None:
    """The object class at ``path`` in ``data`` under ``root`` (a union picked by its tag)."""
    models = _models_at(path, data, root)
    return models[0] if len(models) == 1 else None


def _models_at(path: Path_, data: Any = None, root: type[BaseModel] = Scenario) -> list[type[BaseModel]]:
    """The object classes possible at ``path`` in ``data`` under ``root`` (a scenario, a study...)."""
    annotation: Any = root
    node = data
    for key in (*path, None):
        alts = _alternatives(annotation)
        models = [a for a in alts if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(models) > 1:
            models = [m for m in models if _tag_matches(m, node)]
        if key is None:
            return [a for a in alts if isinstance(a, type) and issubclass(a, BaseModel)] if not models else models
        if len(models) == 1:
            field = next((f for n, f in models[0].model_fields.items() if (f.alias or n) == key), None)
            if field is None:
                return []
            annotation = field.annotation
        elif len(alts) == 1 and typing.get_origin(alts[0]) in (list, tuple, dict):
            annotation = typing.get_args(alts[0])[-1 if typing.get_origin(alts[0]) is dict else 0]
        else:
            return []
        node = _child(node, key)
    return []  # pragma: no cover


def _allowed_keys(path: Path_, data: Any = None, root: type[BaseModel] = Scenario) -> list[str]:
    model = _model_at(path, data, root)
    if model is None:
        return []
    return [f.alias or n for n, f in model.model_fields.items()]


def _clean_loc(loc: tuple, data: Any) -> Path_:
    """The key path as written in the file: pydantic's union branches (``storms``,
    ``lognormal``, ``function-after[...]``) dropped, a shorthand (``berthing: 2 h``)
    reported at its key."""
    path: Path_ = ()
    node = data
    for part in loc:
        if isinstance(node, dict) and part in node or isinstance(node, list) and isinstance(part, int):
            path += (part,)
            node = _child(node, part)
        elif isinstance(part, str) and ("[" in part or isinstance(node, dict) and part in map(str, node.values())):
            continue  # a union branch, named by its tag
        elif node is not None and not isinstance(node, (dict, list)):
            break  # inside the expansion of a shorthand scalar
        else:
            path += (part,)  # a key that is missing
            node = None
    return path


def _line_for(path: Path_, lines: dict[Path_, int]) -> int | None:
    while path not in lines and path:
        path = path[:-1]
    return lines.get(path)


def _found(value: Any) -> str:
    """A value as shown after 'found': its repr, cut short if huge."""
    if isinstance(value, dict):
        return "a mapping" if value else "an empty mapping"
    if isinstance(value, list):
        return f"a list of {len(value)} value{'' if len(value) == 1 else 's'}"
    if value is None:
        return "nothing (an empty value)"
    return _one_line(repr(value), 60)


_TYPE_WORDS = {
    "int_type": "a whole number", "int_parsing": "a whole number", "int_from_float": "a whole number",
    "int_parsing_size": "a whole number of sensible size",
    "float_type": "a number", "float_parsing": "a number", "finite_number": "a finite number",
    "string_type": "text", "bool_type": "true or false", "bool_parsing": "true or false",
    "list_type": "a list", "tuple_type": "a list", "dict_type": "a mapping (key: value pairs)",
    "date_type": "a date like 2025-01-31", "date_parsing": "a date like 2025-01-31",
    "date_from_datetime_parsing": "a date like 2025-01-31", "date_from_datetime_inexact": "a date like 2025-01-31",
}
_COMPARE = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}


def _message(err: dict, path: Path_, data: Any = None, root: type[BaseModel] = Scenario) -> str:
    typ, msg, found = err["type"], err["msg"], err.get("input")
    ctx = err.get("ctx") or {}
    if typ == "extra_forbidden":
        key = path[-1] if path else "?"
        allowed = _allowed_keys(path[:-1], data, root)
        hint = difflib.get_close_matches(str(key), allowed, n=1)
        text = f"unknown key {_one_line(repr(key), 60)}"
        if hint:
            text += f" (did you mean {hint[0]!r}?)"
        if allowed:
            text += f"; expected one of: {', '.join(allowed)}"
        return text
    if typ == "missing":
        return "missing required key"
    if typ in ("value_error", "assertion_error"):
        return _one_line(msg.split(", ", 1)[1] if msg.startswith(("Value error, ", "Assertion failed, ")) else msg, 300)
    if typ == "union_tag_invalid":
        disc = str(ctx.get("discriminator", "")).strip("'")
        tags = ", ".join(t.strip().strip("'") for t in str(ctx.get("expected_tags", "")).split(","))
        return f"expected one of {tags}, found {_found(ctx.get('tag'))}"
    if typ == "union_tag_not_found":
        disc = path[-1] if path else ""
        if disc == "dist":
            return "expected a duration like '2 h' or a mapping with a 'dist' key"
        kinds = [typing.get_args(m.model_fields[disc].annotation)[0] for m in _models_at(path[:-1], data, root)
                 if disc in m.model_fields]
        return f"missing required key (one of {', '.join(map(str, kinds))})" if kinds else "missing required key"
    if typ in ("model_type", "model_attributes_type"):
        keys = _allowed_keys(path, data, root)
        return f"expected a mapping with keys {', '.join(keys)}, found {_found(found)}" if keys else \
            f"expected a mapping, found {_found(found)}"
    if typ in ("string_too_short", "string_pattern_mismatch"):
        return f"expected a name (text, not blank), found {_found(found)}"
    if typ in ("too_short", "too_long"):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        n = _model_field_length(path, data, root)
        if n is not None:
            lo = hi = n
        if lo is not None and lo == hi:
            want = f"a list of {lo} monthly values (Jan..Dec)" if lo == 12 else f"a list of {lo} values"
        elif typ == "too_short":
            want = f"at least {ctx.get('min_length')} value{'s' if ctx.get('min_length') != 1 else ''}"
        else:
            want = f"at most {ctx.get('max_length')} values"
        return f"expected {want}, found {ctx.get('actual_length')}"
    if typ in _COMPARE:
        return f"expected {_range_words(path, data, ctx, root)}, found {_found(found)}"
    if typ == "literal_error":
        return f"expected one of {ctx.get('expected', '')}, found {_found(found)}"
    if typ in _TYPE_WORDS:
        return f"expected {_TYPE_WORDS[typ]}, found {_found(found)}"
    expected = msg
    for prefix in ("Input should be ", "Value should be "):
        if expected.startswith(prefix):
            expected = expected[len(prefix) :]
    return f"expected {_one_line(expected, 120)}, found {_found(found)}"


def _child_at(data: Any, path: Path_) -> Any:
    for key in path:
        data = _child(data, key)
    return data


def _field_limits(path: Path_, data: Any, root: type[BaseModel] = Scenario) -> tuple[dict, bool]:
    """The numeric limits (gt, ge, lt, le) of the value at ``path`` and whether it is whole."""
    n_items = 0
    while path and isinstance(path[-1], int):
        path, n_items = path[:-1], n_items + 1
    model = _model_at(path[:-1], data, root) if path else None
    field = next((f for n, f in model.model_fields.items() if (f.alias or n) == path[-1]), None) if model else None
    if field is None:
        return {}, False
    metadata, annotation = list(field.metadata), field.annotation
    for _ in range(n_items):
        alts = _alternatives(annotation)
        annotation = typing.get_args(alts[0])[0] if alts and typing.get_args(alts[0]) else Any
        metadata = [m for a in typing.get_args(annotation)[1:] for m in getattr(a, "metadata", [a])] \
            if typing.get_origin(annotation) is typing.Annotated else []
    limits = {k: getattr(m, k) for m in metadata for k in ("gt", "ge", "lt", "le") if getattr(m, k, None) is not None}
    return limits, int in _alternatives(annotation)


def _range_words(path: Path_, data: Any, ctx: dict, root: type[BaseModel] = Scenario) -> str:
    """'a whole number from 1 to 100', 'a number > 0 and <= 10000' ... from the field's limits."""
    limits, whole = _field_limits(path, data, root)
    limits = {**ctx, **limits}
    kind = "a whole number" if whole else "a number"
    lo = (">=", limits["ge"]) if "ge" in limits else (">", limits["gt"]) if "gt" in limits else None
    hi = ("<=", limits["le"]) if "le" in limits else ("<", limits["lt"]) if "lt" in limits else None
    if lo and hi and lo[0] == ">=" and hi[0] == "<=":
        return f"{kind} from {lo[1]} to {hi[1]}"
    return f"{kind} " + " and ".join(f"{b[0]} {b[1]}" for b in (lo, hi) if b)


def _model_field_length(path: Path_, data: Any, root: type[BaseModel] = Scenario) -> int | None:
    """The fixed length of the list at ``path`` (min_length == max_length), if any."""
    model = _model_at(path[:-1], data, root) if path else None
    field = model.model_fields.get(str(path[-1])) if model else None
    if field is None:
        return None
    lo = next((m.min_length for m in field.metadata if getattr(m, "min_length", None) is not None), None)
    hi = next((m.max_length for m in field.metadata if getattr(m, "max_length", None) is not None), None)
    return lo if lo is not None and lo == hi else None


def _problems(exc: ValidationError, data: Any, source: str, lines: dict[Path_, int],
              root: type[BaseModel] = Scenario, prefix: Path_ = ()) -> list[ConfigProblem]:
    """One problem per validation error, at the key path as written (after ``prefix``,
    where ``data`` sits in its file)."""
    out: list[ConfigProblem] = []
    for err in exc.errors():
        path = _clean_loc(err["loc"], data)
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            path += cause.path
        elif err["type"] in ("union_tag_invalid", "union_tag_not_found") and isinstance(_child_at(data, path), dict):
            path += (str((err.get("ctx") or {}).get("discriminator", "")).strip("'"),)
        where = tuple(prefix) + path
        p = ConfigProblem(source, _line_for(where, lines), where, _message(err, path, data, root))
        if p not in out:
            out.append(p)
    return _one_per_value(out)


def _one_per_value(problems: list[ConfigProblem]) -> list[ConfigProblem]:
    """The branches of a union (``replications``: a count or a precision rule) each
    reject the same value: one line, "expected A or B, found X", not one per branch."""
    out: list[ConfigProblem] = []
    for p in problems:
        m = _EXPECTED.fullmatch(p.message)
        prev = next((q for q in out if q.path == p.path and q.source == p.source), None)
        pm = _EXPECTED.fullmatch(prev.message) if prev is not None else None
        if m and pm and m.group(2) == pm.group(2):
            out[out.index(prev)] = ConfigProblem(prev.source, prev.line, prev.path,
                                                 f"expected {pm.group(1)} or {m.group(1)}, found {m.group(2)}")
        else:
            out.append(p)
    return out


_EXPECTED = re.compile(r"expected (.+), found (.+)", re.S)


def validate_model(
    model: type[BaseModel], data: Any, source: str, lines: dict[Path_, int] | None = None,
    context: dict | None = None, prefix: Path_ = (),
) -> Any:
    """Validate ``data`` into ``model`` or raise :class:`ConfigError` with one line per fault.

    ``prefix`` is where ``data`` sits in its file (e.g. ``("costs",)`` for costs inline in a
    study), so that paths and lines name the right place.
    """
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        raise ConfigError(_problems(exc, data, source, lines or {}, model, prefix)) from None


def scenario_from_dict(
    data: Any, source: str = "<dict>", lines: dict[Path_, int] | None = None, base_dir: str | Path | None = None
) -> Scenario:
    """Validate plain data into a :class:`Scenario`, or raise :class:`ConfigError`.

    ``base_dir`` is where relative file names in the scenario (a hindcast) are found.
    """
    lines = lines or {}
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(source, 1, (), f"expected a scenario mapping, found {_found(data)}")])
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
    """Read (bounded, UTF-8) and safe-parse one scenario file: its data and the line of every key path.
    A study or cost file is refused in one line (:func:`~.reading.check_kind`)."""
    source = str(path)
    data, lines = parse_yaml(read_text(path, "scenario file"), source)
    check_kind(data, source, "scenario")
    return data, lines


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
            scenario = scenario_from_dict(data, source, {p: ln for p, (_, ln) in origin.items()}, base_dir=base_dir)
        except ConfigError as e:
            raise remap_problems(e, origin) from None
    else:
        scenario = scenario_from_dict(data, source, lines, base_dir=base_dir)
    record_file(scenario, path)  # for the manifests of its results, and their reports
    return scenario


def as_scenario(scenario: "Scenario | str | Path") -> Scenario:
    """``scenario`` itself, or the scenario of a file or a shipped scenario's name (as
    :func:`load_scenario`): what ``simulate`` and ``run_experiment`` take."""
    if isinstance(scenario, Scenario):
        return scenario
    if isinstance(scenario, (str, Path)):
        return load_scenario(scenario)
    raise TypeError(f"expected a Scenario, a scenario file or a shipped scenario's name, "
                    f"found {type(scenario).__name__}")
