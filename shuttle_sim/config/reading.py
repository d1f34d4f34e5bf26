"""Read scenario YAML safely and boundedly; the problems found carry file, line and key path.

Only plain YAML data is accepted: the document is composed and constructed with
PyYAML's ``SafeLoader``, so a tag such as ``!!python/object`` is an error and never
executed.  Reading is bounded (file size, nesting depth, values with aliases expanded),
so a hostile file is refused quickly and in little memory.  While composing we keep
the line of every key, without expanding aliases.
"""

from __future__ import annotations

import copy
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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
    too large, non-regular (a directory, a device, a named pipe: never a blocking read) or
    non-UTF-8 file.
    """
    source = str(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise ConfigError([ConfigProblem(source, None, (), f"expected a {what}, found a directory")])
        if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode):
            raise ConfigError([ConfigProblem(source, None, (), f"expected a {what}, found a device")])
        if not stat.S_ISREG(st.st_mode):  # a named pipe would block the read until a writer came: a hang
            found = "a named pipe" if stat.S_ISFIFO(st.st_mode) else "a socket" if stat.S_ISSOCK(st.st_mode) \
                else "no regular file"
            raise ConfigError([ConfigProblem(source, None, (), f"expected a {what}, found {found}")])
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


#: a UTF-16 surrogate, which a double-quoted "\ud800" escape makes: no character, it cannot
#: be printed or written as UTF-8 (a traceback at the first print of the scenario's name)
_SURROGATE = re.compile("[\ud800-\udfff]")


def _surrogate(text: str) -> str:
    c = _SURROGATE.search(text).group()  # type: ignore[union-attr]
    return (f"expected Unicode text, found \\u{ord(c):04x}, half of a UTF-16 surrogate pair and no character "
            "(write the character itself, or a \\U0001F600-style escape)")


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
        if isinstance(node, yaml.ScalarNode) and _SURROGATE.search(node.value):
            dups.append((path, node.start_mark.line + 1, _surrogate(node.value)))
        if isinstance(node, yaml.MappingNode):
            seen: set = set()
            for k, v in node.value:
                if k.tag == "tag:yaml.org,2002:merge":
                    stack.append((v, path))
                    continue
                if isinstance(k, yaml.ScalarNode) and _SURROGATE.search(k.value):
                    dups.append((path, k.start_mark.line + 1, _surrogate(k.value)))
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


#: The last files parsed, by their text: data and lines depend on the text alone.  One
#: command reads its file more than once (``validate`` asks whether it is a study, a cost
#: file or a scenario, then loads it); composing in pure Python to keep line numbers costs
#: ~35 ms a scenario, a copy of the result well under 1 ms.
_PARSED: dict[str, tuple[Any, dict[Path_, int]]] = {}
_PARSED_MAX = 4


def parse_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
    """Safe-load ``text``; return the data and a map from key path to line number.

    Nesting depth and the number of values (aliases expanded) are bounded, so a
    hostile file is refused quickly and in little memory.  A text parsed before in this
    process is not parsed again: the caller gets its own copy of the data (callers
    edit it, e.g. with overrides).  A file with problems is never remembered.
    """
    hit = _PARSED.get(text)
    if hit is None:
        hit = _parse_yaml(text, source)
        if len(_PARSED) >= _PARSED_MAX:
            _PARSED.pop(next(iter(_PARSED)))  # the oldest
        _PARSED[text] = hit
    data, lines = hit
    return copy.deepcopy(data), dict(lines)


def _parse_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int]]:
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


# --------------------------------------------------------------- a file of another kind
#: the keys a scenario has at its top level and the other kinds do not (one is enough)
_SCENARIO_KEYS = ("supply", "load_port", "discharge_port", "fleet", "ferry", "extends")


def file_kind(data: Any) -> str | None:
    """What a parsed YAML file is, by its top-level keys: ``"study"`` (``scenario:`` and
    ``factors:``), ``"costs"`` (``fuel_price:`` and no ``name:``), ``"scenario"`` (one of
    a scenario's own sections), else None."""
    if not isinstance(data, dict):
        return None
    if "scenario" in data and "factors" in data:
        return "study"
    if "fuel_price" in data and "name" not in data:
        return "costs"
    if any(k in data for k in _SCENARIO_KEYS):
        return "scenario"
    return None


_RUN_WITH = {
    "study": "a study file (it has scenario: and factors:): run it with `shuttle-sim sweep {source}`",
    "costs": "cost model inputs (it has fuel_price:): a study file names them under costs:",
    "scenario": "a scenario: run it with `shuttle-sim run {source}`; a study file names its base scenario "
                "under scenario: and varies it under factors: (experiments/README.md)",
}


def check_kind(data: Any, source: str, expected: str) -> None:
    """Raise a one-line :class:`ConfigError` if ``data`` (parsed from ``source``) is plainly
    a file of another kind than ``expected`` (``"scenario"``, ``"study"`` or ``"costs"``):
    a study given to ``run`` would otherwise get a line for every key it does not share
    with a scenario, none of them saying what is wrong."""
    kind = file_kind(data)
    if kind is not None and kind != expected:
        what = {"scenario": "a scenario", "study": "a study file", "costs": "cost model inputs"}[expected]
        found = _RUN_WITH[kind].format(source=source)
        raise ConfigError([ConfigProblem(source, None, (), f"expected {what}, found {found}")])
