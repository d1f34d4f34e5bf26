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
import os
import stat
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .schema import Scenario, cross_checks
from .types import FieldError

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

MAX_FILE_BYTES = 1_000_000
"""Largest scenario file read (bytes); shipped scenarios are about 10 KB."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists, counting what aliases bring in."""
MAX_NODES = 20_000
"""Most values in a scenario, counting each use of an alias in full."""


def read_text(path: str | Path, what: str = "file", limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of ``path``, read no further than ``limit`` bytes.

    Raises :class:`ConfigError` (one line, in plain words) for a missing, unreadable,
    too large, non-regular or non-UTF-8 file.
    """
    source = str(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError([ConfigProblem(source, None, (), f"expected a {what}, found a directory")])
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            raise ConfigError([ConfigProblem(source, None, (), f"expected a {what}, found a device")])
        with open(path, "rb") as f:
            raw = f.read(limit + 1)
    except OSError as e:
        raise ConfigError([ConfigProblem(source, None, (), f"cannot read file: {e.strerror or e}")]) from None
    if len(raw) > limit:
        raise ConfigError([ConfigProblem(source, None, (), f"expected a {what} of at most {limit:,} bytes, found a larger one")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        col = e.start - (raw.rfind(b"\n", 0, e.start) + 1) + 1
        raise ConfigError([ConfigProblem(
            source, line, (), f"expected UTF-8 text, found the byte 0x{raw[e.start]:02x} at column {col} (save the file as UTF-8)"
        )]) from None


def _one_line(text: str, limit: int = 200) -> str:
    """``text`` on one line, cut to ``limit`` characters."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _Loader(yaml.SafeLoader):
    """The safe loader with bounded nesting and node count, and constructor failures
    (such as the date 2025-02-30) reported at their node."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent, index):  # type: ignore[override]
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(None, None, f"expected at most {MAX_NODES:,} values, found more",
                                              self.peek_event().start_mark)
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise yaml.composer.ComposerError(None, None, f"expected nesting at most {MAX_DEPTH} levels deep, found deeper",
                                              self.peek_event().start_mark)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_object(self, node, deep=False):  # type: ignore[override]
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError, TypeError) as e:
            what = "date" if node.tag.endswith(":timestamp") else "value"
            err = yaml.constructor.ConstructorError(
                None, None, f"expected a valid {what}, found {_one_line(repr(node.value), 60)} ({_one_line(e, 80)})",
                node.start_mark)
            err.node = node  # type: ignore[attr-defined]
            raise err from None


def _check_expansion(root: yaml.Node, source: str) -> None:
    """Reject alias bombs and recursive aliases before anything walks the expanded tree."""
    size: dict[int, int] = {}
    height: dict[int, int] = {}
    active: set[int] = set()

    def visit(node: yaml.Node, level: int) -> None:
        key = id(node)
        if key in size:
            if level + height[key] > MAX_DEPTH:
                raise _bad(node, f"expected nesting at most {MAX_DEPTH} levels deep (aliases included), found deeper")
            return
        if key in active:
            raise _bad(node, "expected no alias inside its own anchor, found a recursive alias")
        if level > MAX_DEPTH:
            raise _bad(node, f"expected nesting at most {MAX_DEPTH} levels deep (aliases included), found deeper")
        active.add(key)
        n, h = 1, 0
        children = [c for kv in node.value for c in kv] if isinstance(node, yaml.MappingNode) else (
            node.value if isinstance(node, yaml.SequenceNode) else [])
        for c in children:
            visit(c, level + 1)
            n += size[id(c)]
            h = max(h, height[id(c)] + 1)
            if n > MAX_NODES:
                raise _bad(node, f"expected at most {MAX_NODES:,} values once aliases are expanded, found more (an alias bomb?)")
        active.discard(key)
        size[key], height[key] = n, h

    def _bad(node: yaml.Node, msg: str) -> ConfigError:
        return ConfigError([ConfigProblem(source, node.start_mark.line + 1, (), msg)])

    visit(root, 0)


def _lines(root: yaml.Node, out: dict[Path_, int], dups: list[tuple[Path_, int, str]], nodes: dict[int, Path_]) -> None:
    """Line of every key path, without expanding aliases (a node is walked once; paths
    under an alias fall back to the alias's key); also duplicate and non-text keys."""
    stack: list[tuple[yaml.Node, Path_]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        out.setdefault(path, node.start_mark.line + 1)
        if id(node) in nodes:
            continue
        nodes[id(node)] = path
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for k, v in node.value:
                if k.tag == "tag:yaml.org,2002:merge":
                    stack.append((v, path))
                    continue
                if not isinstance(k, yaml.ScalarNode) or k.tag != "tag:yaml.org,2002:str":
                    shown = _one_line(k.value, 40) if isinstance(k, yaml.ScalarNode) else "a " + k.id
                    dups.append((path, k.start_mark.line + 1,
                                 f"expected a key name, found {shown!s} (quote a key that reads as a number, date or yes/no)"))
                    continue
                key = k.value
                if key in seen:
                    dups.append((path + (key,), k.start_mark.line + 1, "duplicate key (each key may appear once)"))
                seen.add(key)
                out[path + (key,)] = k.start_mark.line + 1
                stack.append((v, path + (key,)))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                stack.append((v, path + (i,)))


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    """Safe-load ``text``; return the data and a map from key path to line number.

    Nesting depth and the number of values (aliases expanded) are bounded, so a
    hostile file is refused quickly and in little memory.
    """
    lines: dict[Path_, int] = {}
    nodes: dict[int, Path_] = {}
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                raise ConfigError([ConfigProblem(source, None, (), "expected a scenario mapping, found an empty file")])
            _check_expansion(node, source)
            dups: list[tuple[Path_, int, str]] = []
            _lines(node, lines, dups, nodes)
            if dups:
                raise ConfigError([ConfigProblem(source, ln, p, m) for p, ln, m in dups])
            data = loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line = mark.line + 1 if mark else None
        problem = _one_line(e.problem or e.context or "")
        if "could not determine a constructor" in problem:
            problem = f"unsupported YAML tag ({problem.split('for the tag')[-1].strip()}); only plain data is allowed"
        elif e.context and e.problem and not problem.startswith("expected"):
            problem = f"{problem} ({_one_line(e.context, 80)})"
        path = nodes.get(id(getattr(e, "node", None)), ())
        ours = ("expected at most", "expected nesting", "expected a valid", "unsupported")
        prefix = "" if problem.startswith(ours) else "invalid YAML: "
        raise ConfigError([ConfigProblem(source, line, path, prefix + problem)]) from None
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        raise ConfigError([ConfigProblem(source, line, (), f"invalid YAML: unacceptable character #x{e.character:04x}"
                                         if isinstance(e.character, int) else f"invalid YAML: {_one_line(e.reason)}")]) from None
    except yaml.YAMLError as e:
        raise ConfigError([ConfigProblem(source, None, (), f"invalid YAML: {_one_line(e)}")]) from None
    except RecursionError:  # a guard above failed; never a traceback
        raise ConfigError([ConfigProblem(source, None, (), f"expected nesting at most {MAX_DEPTH} levels deep, found deeper")]) from None
    return data, lines



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


def _model_at(path: Path_, data: Any = None) -> type[BaseModel] | None:
    """The scenario object class at ``path`` in ``data`` (a union picked by its tag)."""
    models = _models_at(path, data)
    return models[0] if len(models) == 1 else None


def _models_at(path: Path_, data: Any = None) -> list[type[BaseModel]]:
    """The scenario object classes possible at ``path`` in ``data``."""
    annotation: Any = Scenario
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


def _allowed_keys(path: Path_, data: Any = None) -> list[str]:
    model = _model_at(path, data)
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


def _message(err: dict, path: Path_, data: Any = None) -> str:
    typ, msg, found = err["type"], err["msg"], err.get("input")
    ctx = err.get("ctx") or {}
    if typ == "extra_forbidden":
        key = path[-1] if path else "?"
        allowed = _allowed_keys(path[:-1], data)
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
        kinds = [typing.get_args(m.model_fields[disc].annotation)[0] for m in _models_at(path[:-1], data)
                 if disc in m.model_fields]
        return f"missing required key (one of {', '.join(map(str, kinds))})" if kinds else "missing required key"
    if typ in ("model_type", "model_attributes_type"):
        keys = _allowed_keys(path, data)
        return f"expected a mapping with keys {', '.join(keys)}, found {_found(found)}" if keys else \
            f"expected a mapping, found {_found(found)}"
    if typ in ("too_short", "too_long"):
        lo, hi = ctx.get("min_length"), ctx.get("max_length")
        n = _model_field_length(path, data)
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
        return f"expected {_range_words(path, data, ctx)}, found {_found(found)}"
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


def _field_limits(path: Path_, data: Any) -> tuple[dict, bool]:
    """The numeric limits (gt, ge, lt, le) of the value at ``path`` and whether it is whole."""
    n_items = 0
    while path and isinstance(path[-1], int):
        path, n_items = path[:-1], n_items + 1
    model = _model_at(path[:-1], data) if path else None
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


def _range_words(path: Path_, data: Any, ctx: dict) -> str:
    """'a whole number from 1 to 100', 'a number > 0 and <= 10000' ... from the field's limits."""
    limits, whole = _field_limits(path, data)
    limits = {**ctx, **limits}
    kind = "a whole number" if whole else "a number"
    lo = (">=", limits["ge"]) if "ge" in limits else (">", limits["gt"]) if "gt" in limits else None
    hi = ("<=", limits["le"]) if "le" in limits else ("<", limits["lt"]) if "lt" in limits else None
    if lo and hi and lo[0] == ">=" and hi[0] == "<=":
        return f"{kind} from {lo[1]} to {hi[1]}"
    return f"{kind} " + " and ".join(f"{b[0]} {b[1]}" for b in (lo, hi) if b)


def _model_field_length(path: Path_, data: Any) -> int | None:
    """The fixed length of the list at ``path`` (min_length == max_length), if any."""
    model = _model_at(path[:-1], data) if path else None
    field = model.model_fields.get(str(path[-1])) if model else None
    if field is None:
        return None
    lo = next((m.min_length for m in field.metadata if getattr(m, "min_length", None) is not None), None)
    hi = next((m.max_length for m in field.metadata if getattr(m, "max_length", None) is not None), None)
    return lo if lo is not None and lo == hi else None


def _problems(exc: ValidationError, data: Any, source: str, lines: dict[Path_, int]) -> list[ConfigProblem]:
    out: list[ConfigProblem] = []
    for err in exc.errors():
        path = _clean_loc(err["loc"], data)
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, FieldError):
            path += cause.path
        elif err["type"] in ("union_tag_invalid", "union_tag_not_found") and isinstance(_child_at(data, path), dict):
            path += (str((err.get("ctx") or {}).get("discriminator", "")).strip("'"),)
        p = ConfigProblem(source, _line_for(path, lines), path, _message(err, path, data))
        if p not in out:
            out.append(p)
    return out


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
    try:
        scenario = Scenario.model_validate(data, context={"density_t_per_m3": density, "base_dir": base_dir})
    except ValidationError as exc:
        raise ConfigError(_problems(exc, data, source, lines)) from None
    problems = [ConfigProblem(source, _line_for(p, lines), p, m) for p, m in cross_checks(scenario)]
    if problems:
        raise ConfigError(problems)
    return scenario


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario YAML file.

    Raises
    ------
    ConfigError
        If the file cannot be read, is not valid YAML, or is not a valid scenario; the
        message names the file, the line, the key path, what was expected and found.
    """
    source = str(path)
    text = read_text(path, "scenario file")
    data, lines = parse_yaml(text, source)
    return scenario_from_dict(data, source, lines, base_dir=Path(path).resolve().parent)
