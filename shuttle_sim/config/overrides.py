"""Scenario variants without copies: ``{"key.path": value}`` applied and re-validated.

One mechanism serves every way of deriving a scenario from another: ``--set`` on the
command line, ``extends:`` in a scenario file, the factors of a sweep and storage sizing.

A key path is written as in a scenario file, dots between keys and brackets for list
items, addressed by position or by the item's ``name``::

    load_port.berths
    fleet.tankers[0].count
    fleet.tankers[Astana-class].count

Values are what a YAML file would hold: numbers, or strings in the field's own units
(``"500 kt"``, ``"13 kn"``), or mappings and lists for whole blocks.  The changed
scenario goes through the same validation as a file, so a bad value reads::

    --set: load_port.berths: expected an integer >= 1, found 0

and a wrong path names what exists there::

    --set: load_port.bertsh: unknown key 'bertsh' (did you mean 'berths'?); keys here: name, berths, ...

``extends: other.yaml`` at the top of a scenario file starts from ``other.yaml`` (its
path relative to the file, or a shipped scenario's name; chains allowed, cycles refused)
and deep-merges the file over it: mappings merge key by key, anything else replaces.  A list item can be addressed by
name in a key, ``tankers[Astana-class]: {count: 3}``: that item is merged (or appended
if no item has that name).  Every error still names the file and line holding the value.
"""

from __future__ import annotations

import copy
import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any


from .provenance import record_changes
from .. import scenarios
from .loader import ConfigError, ConfigProblem, _allowed_keys, _found, format_path, parse_yaml, scenario_from_dict

if TYPE_CHECKING:
    from .schema import Scenario

__all__ = ["apply_changes", "with_changes", "parse_path", "parse_assignment", "load_with_extends"]

_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[[^\[\]]+\])*)")
_SELECTOR = re.compile(r"\[([^\[\]]+)\]")
_MAX_LISTED = 30


def _problem(source: str, written: str, message: str, line: int | None = None) -> ConfigError:
    return ConfigError([ConfigProblem(source, line, (written,), message)])


def parse_path(written: str, source: str = "<overrides>") -> list[str | int | tuple[str]]:
    """The parts of a key path: ``str`` keys, ``int`` list positions and ``(name,)`` for
    a list item addressed by its name.

    >>> parse_path("fleet.tankers[Astana-class].count")
    ['fleet', 'tankers', ('Astana-class',), 'count']
    """
    parts: list[str | int | tuple[str]] = []
    segments = written.split(".") if "[" not in written else _split_outside_brackets(written)
    for seg in segments:
        m = _SEGMENT.fullmatch(seg.strip())
        if not m:
            raise _problem(source, written, "expected a key path like 'load_port.berths' or 'fleet.tankers[0].count'")
        parts.append(m.group(1).strip())
        for sel in _SELECTOR.findall(m.group(2)):
            sel = sel.strip()
            parts.append(int(sel) if re.fullmatch(r"\d+", sel) else (sel,))
    return parts


def _split_outside_brackets(text: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "["
        depth -= ch == "]"
        if ch == "." and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return out + [cur]


def _listing(items: list[str]) -> str:
    more = f", ... ({len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else ""
    return ", ".join(items[:_MAX_LISTED]) + more


def _keys_here(node: dict, at: tuple) -> list[str]:
    keys = [str(k) for k in node]
    return keys + [k for k in _allowed_keys(at) if k not in node]


def _find_named(items: list, name: str) -> int | None:
    return next((i for i, it in enumerate(items) if isinstance(it, dict) and it.get("name") == name), None)


def _step(node: Any, part, at: tuple, written: str, source: str, create: bool) -> tuple[Any, Any]:
    """The container key (dict key or list index) that ``part`` names in ``node``."""
    where = format_path(at) or "the scenario"
    if isinstance(part, str):
        if not isinstance(node, dict):
            raise _problem(source, written, f"{where} holds a value ({node!r}), not keys")
        if part not in node:
            known = _keys_here(node, at)
            if part in known:  # allowed by the schema, absent from this scenario
                return part, None
            hint = difflib.get_close_matches(part, known, n=1)
            text = f"unknown key {part!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
            raise _problem(source, written, f"{text}; keys in {where}: {_listing(known) or 'none'}")
        return part, node[part]
    if not isinstance(node, list):
        raise _problem(source, written, f"{where} is not a list; items are addressed by [position] or [name] in lists only")
    if isinstance(part, int):
        if part >= len(node):
            n = len(node)
            span = "no items" if n == 0 else "1 item (position 0)" if n == 1 else f"{n} items (positions 0 to {n - 1})"
            raise _problem(source, written, f"{where} has {span}, found [{part}]")
        return part, node[part]
    (name,) = part
    i = _find_named(node, name)
    if i is None:
        if create:
            return len(node), None
        names = [str(it.get("name")) for it in node if isinstance(it, dict) and "name" in it]
        raise _problem(source, written, f"no item named {name!r} in {where}; names there: {_listing(names) or 'none'}")
    return i, node[i]


def _apply(data: dict, changes: Mapping[str, object], source: str) -> tuple[dict, dict[tuple, str]]:
    out = copy.deepcopy(data)
    written_at: dict[tuple, str] = {}
    for written, value in changes.items():
        parts = parse_path(str(written), source)
        node, at = out, ()
        for j, part in enumerate(parts):
            last = j == len(parts) - 1
            key, child = _step(node, part, at, written, source, create=last and isinstance(value, dict))
            if last:
                value = copy.deepcopy(value)
                if isinstance(part, tuple) and isinstance(value, dict):
                    value = {"name": part[0], **value}
                if isinstance(node, list) and key == len(node):
                    node.append(value)
                else:
                    node[key] = value
            elif child is None:  # a block the schema allows but this scenario leaves out
                child = node[key] = {}
            node, at = child, at + (key,)
        written_at[at] = str(written)
    return out, written_at


def apply_changes(data: dict, changes: Mapping[str, object], source: str = "<overrides>") -> dict:
    """A deep copy of scenario data (as a YAML file gives it) with each key path set.

    Parameters
    ----------
    data : dict
        Raw scenario data, e.g. ``resolved_dict(scenario)`` or a parsed file.
    changes : mapping
        ``{"key.path": value}``; see the module docstring for the path syntax.
    source : str
        Named in error messages (``--set``, a study file...).

    Raises
    ------
    ConfigError
        A path that does not exist, with the keys (or item names) that do.
    """
    return _apply(data, changes, source)[0]


def with_changes(scenario: "Scenario", changes: Mapping[str, object], source: str = "<overrides>",
                 base_dir: str | Path | None = None) -> "Scenario":
    """A new scenario: ``scenario`` with ``changes`` applied, validated as a file would be.

    Errors name each changed path as written in ``changes``.  Oil amounts and rates of
    the original are kept in tonnes, so changing the crude density changes only values
    given in barrels or m3 in ``changes``.
    """
    from .schema import resolved_dict

    data, written_at = _apply(resolved_dict(scenario), changes, source)
    try:
        derived = scenario_from_dict(data, source, base_dir=base_dir)
    except ConfigError as e:
        raise ConfigError([_as_written(p, written_at) for p in e.problems]) from None
    record_changes(derived, scenario, changes, source)
    return derived


def _as_written(p: ConfigProblem, written_at: dict[tuple, str]) -> ConfigProblem:
    for at, written in written_at.items():
        if p.path[: len(at)] == at:
            rest = format_path(("_",) + tuple(p.path[len(at):]))[1:]
            return ConfigProblem(p.source, p.line, (written + rest,), p.message)
    return p


def parse_assignment(text: str, source: str = "--set") -> tuple[str, object]:
    """``"fleet.tankers[0].count=3"`` as ``("fleet.tankers[0].count", 3)``: the value is
    read as YAML by the scenario files' own bounded, safe reader (:func:`.reading.parse_yaml`),
    so ``3`` is a number, ``500 kt`` a string, ``{a: 1}`` a mapping, and a value that is
    not (``2025-02-30``, an alias bomb) one line at the path as written."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise _problem(source, text, "expected KEY.PATH=VALUE, e.g. load_port.berths=4")
    try:
        value = parse_yaml(raw, source)[0] if raw.strip() else ""
    except ConfigError as e:
        raise _problem(source, path.strip(), e.problems[0].message) from None
    return path.strip(), value


# ------------------------------------------------------------------ extends:
Origin = dict[tuple, tuple[str, int]]  # merged key path -> (file, line) holding it
_FILE_KEYS = (("weather", "file"),)  # file names, relative to the file that gives them


def load_with_extends(data: dict, lines: dict, source: str, path: Path, _chain: tuple = ()) -> tuple[dict, Origin]:
    """Resolve ``extends:`` in parsed scenario data: the merged data and, for every key
    path in it, the file and line it came from."""
    from .loader import read_scenario_file

    real = path.resolve()
    chain = _chain + (real,)
    _absolute_files(data, path.parent)
    own = {p: (source, ln) for p, ln in lines.items()}
    if not isinstance(data, dict) or "extends" not in data:
        return data, own
    base_name = data["extends"]
    if not isinstance(base_name, str) or not base_name.strip():
        raise ConfigError([ConfigProblem(source, lines.get(("extends",)), ("extends",),
                                         f"expected a scenario file name, found {_found(base_name)}")])
    base_path = scenarios.referenced_file(base_name, path)
    if base_path.resolve() in chain:
        loop = " -> ".join(p.name for p in chain + (base_path.resolve(),))
        raise ConfigError([ConfigProblem(source, lines.get(("extends",)), ("extends",), f"extends itself: {loop}")])
    try:
        base_data, base_lines = read_scenario_file(base_path)
    except ConfigError as e:
        if e.problems and e.problems[0].source == str(base_path) and e.problems[0].line is None:
            words = [scenarios.hint(base_name)] if not base_path.exists() else []
            if not base_path.exists() and len(Path(base_name).parts) == 1:
                words.append("extends takes a path from this file's folder, or the name of a shipped scenario: "
                             f"{', '.join(scenarios.shipped()) or 'none found'}")
            words = [w for w in words if w]
            hint = f" ({' '.join(words)})" if words else ""  # "did you mean 'x'? extends takes ..."
            raise ConfigError([ConfigProblem(source, lines.get(("extends",)), ("extends",),
                                             f"{base_name}: {e.problems[0].message}{hint}")]) from None
        raise
    merged, origin = load_with_extends(base_data, base_lines, str(base_path), base_path, chain)
    if not isinstance(merged, dict):
        raise ConfigError([ConfigProblem(str(base_path), 1, (), f"expected a scenario mapping, found {_found(merged)}")])
    over = {k: v for k, v in data.items() if k != "extends"}
    _merge(merged, over, (), (), origin, lines, source)
    return merged, origin


def _absolute_files(data: Any, base_dir: Path) -> None:
    for keys in _FILE_KEYS:
        node = data
        for k in keys[:-1]:
            node = node.get(k) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(keys[-1]), str) and not Path(node[keys[-1]]).is_absolute():
            node[keys[-1]] = str((base_dir / node[keys[-1]]).resolve())


def _graft(origin: Origin, at: tuple, lines: dict, f_at: tuple, source: str) -> None:
    """Point every key path under ``at`` at the overlay file's lines under ``f_at``."""
    for p in [p for p in origin if p[: len(at)] == at]:
        del origin[p]
    for p, ln in lines.items():
        if p[: len(f_at)] == f_at:
            origin[at + p[len(f_at):]] = (source, ln)


def _merge(base: dict, over: dict, at: tuple, f_at: tuple, origin: Origin, lines: dict, source: str) -> None:
    """Merge ``over`` (keys at ``f_at`` in the overlay file) into ``base`` (at ``at``)."""
    for k, v in over.items():
        f_key = f_at + (k,)
        key, node, node_at = k, base, at
        parts = parse_path(str(k), source) if isinstance(k, str) and "[" in k else [k]
        written = f"{format_path(f_at)}.{k}" if f_at else str(k)
        try:
            for part in parts[:-1]:
                node_key, child = _step(node, part, node_at, written, source, create=False)
                if child is None:
                    child = node[node_key] = []
                node, node_at = child, node_at + (node_key,)
            last = parts[-1]
            if isinstance(last, (int, tuple)):
                key, _ = _step(node, last, node_at, written, source, create=isinstance(last, tuple))
                if key == len(node):
                    node.append({"name": last[0]})
            else:
                key = last
        except ConfigError as e:
            raise ConfigError([ConfigProblem(source, lines.get(f_key), e.problems[0].path, e.problems[0].message)]) from None
        here = node_at + (key,)
        if isinstance(v, dict) and isinstance(node[key] if isinstance(node, list) else node.get(key), dict):
            origin[here] = (source, lines.get(f_key, 1))
            _merge(node[key], v, here, f_key, origin, lines, source)
        else:
            node[key] = copy.deepcopy(v)
            _graft(origin, here, lines, f_key, source)


def remap_problems(e: ConfigError, origin: Origin) -> ConfigError:
    """The problems of a merged scenario, each at the file and line holding its value."""
    out = []
    for p in e.problems:
        at = tuple(p.path)
        while at not in origin and at:
            at = at[:-1]
        src, ln = origin.get(at, (p.source, p.line))
        out.append(ConfigProblem(src, ln if at or p.line is None else p.line, p.path, p.message))
    return ConfigError(out)

