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


def _model_at(path: Path_) -> type[BaseModel] | None:
    model: type[BaseModel] | None = Scenario
    for key in path:
        if model is None:
            return None
        if isinstance(key, int):
            continue
        field = next((f for n, f in model.model_fields.items() if (f.alias or n) == key), None)
        if field is None:
            return None
        model = _unwrap_model(field.annotation)
    return model


def _allowed_keys(path: Path_) -> list[str]:
    model = _model_at(path)
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


def _message(err: dict, path: Path_) -> str:
    typ, msg, found = err["type"], err["msg"], err.get("input")
    if typ == "extra_forbidden":
        key = path[-1] if path else "?"
        allowed = _allowed_keys(path[:-1])
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
        problems = []
        for err in exc.errors():
            path = _clean_loc(err["loc"], lines)
            problems.append(ConfigProblem(source, _line_for(path, lines), path, _message(err, path)))
        raise ConfigError(problems) from None
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
