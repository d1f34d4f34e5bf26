"""The scenario's own words: every value of the scenario YAML beside its source comment.

A shipped scenario cites a source (``[n]``, shared DOMAIN.md) or says ``ASSUMPTION`` in a
comment on each value's line.  YAML parsers drop comments, so this reads the file twice:
``yaml.compose`` (safe: nodes only, no objects built) for the structure and the line of
every key, and the raw lines for the text after ``#`` on those lines, plus the comment
lines just above a key (section notes).

Which file: the manifest's ``scenario_path`` when it records one (and it still exists);
else ``configs/<name>.yaml`` beside the working directory or the package, if its
``name:`` is the scenario's; else the directory's ``scenario.resolved.yaml`` (values in
canonical units, no comments), and the report says which it used.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

__all__ = ["ScenarioSource", "SourceRow", "read_source", "parse_rows"]


@dataclass(frozen=True)
class SourceRow:
    """One key of the scenario: its dotted path, value as written, comment, notes above."""

    path: str
    value: str
    comment: str
    note: str
    line: int
    depth: int
    section: bool  # a block mapping or list (a heading), not a value


@dataclass
class ScenarioSource:
    path: Path | None
    how: str                     # how the file was found, for the page
    header: str = ""             # the file's opening comment block
    rows: list[SourceRow] = field(default_factory=list)
    has_comments: bool = False


def _comment(line: str) -> str:
    """The text after the first ``#`` outside quotes ('' if none)."""
    return line[_comment_start(line) + 1:].strip()


def _comment_start(line: str) -> int:
    """Where the first ``#`` outside quotes (a YAML comment) starts; ``len(line)`` if none."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return i
    return len(line)


def _notes_above(lines: list[str], idx: int) -> str:
    """Full-line comments directly above line ``idx`` (0-based), joined."""
    out = []
    j = idx - 1
    while j >= 0 and lines[j].lstrip().startswith("#"):
        out.append(lines[j].lstrip()[1:].strip())
        j -= 1
    return " ".join(reversed(out))


def parse_rows(text: str) -> tuple[str, list[SourceRow]]:
    """The opening comment block and one row per key of a scenario YAML text."""
    lines = text.splitlines()
    header = []
    for ln in lines:
        if ln.lstrip().startswith("#"):
            header.append(ln.lstrip()[1:].strip())
        elif ln.strip():
            break
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    rows: list[SourceRow] = []
    first_key_line = None

    def walk(n, path: str, depth: int) -> None:
        nonlocal first_key_line
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                p = f"{path}.{k.value}" if path else str(k.value)
                emit(p, k.start_mark.line, v, depth)
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                emit(f"{path}[{i}]", v.start_mark.line, v, depth)

    def note(line0: int) -> str:  # the file's opening block is the header, not the first key's note
        return "" if line0 == first_key_line else _notes_above(lines, line0)

    def emit(p: str, line0: int, v, depth: int) -> None:
        nonlocal first_key_line
        if first_key_line is None:
            first_key_line = line0
        block = isinstance(v, (yaml.MappingNode, yaml.SequenceNode)) and v.flow_style is False
        if isinstance(v, (yaml.MappingNode, yaml.SequenceNode)) and not v.value:
            block = False
        end = v.end_mark.line if not block else line0
        if block or v.start_mark.line != line0 and isinstance(v, (yaml.MappingNode, yaml.SequenceNode)):
            # a heading: its own line's comment and the notes above it
            # a list item's first key shares the item's line ("- name: X  # source"): the comment is that key's
            first_child = v.value[0][0] if isinstance(v, yaml.MappingNode) else v.value[0]
            own = "" if first_child.start_mark.line == line0 else _comment(lines[line0])
            rows.append(SourceRow(p, "", own, note(line0), line0 + 1, depth, True))
            walk(v, p, depth + 1)
            return
        if isinstance(v, yaml.ScalarNode) and v.style in (">", "|"):
            value = " ".join(str(v.value).split())
            end = line0
        else:
            if v.end_mark.line == v.start_mark.line:
                value = lines[v.start_mark.line][v.start_mark.column: v.end_mark.column]
            else:
                first = lines[v.start_mark.line][v.start_mark.column:]
                middle = lines[v.start_mark.line + 1: v.end_mark.line]
                last = lines[v.end_mark.line][: v.end_mark.column] if v.end_mark.line < len(lines) else ""
                value = " ".join(x[: _comment_start(x)].strip() for x in [first, *middle, last] if x.strip())
        comments = [c for c in (_comment(lines[i]) for i in range(line0, min(end, len(lines) - 1) + 1)) if c]
        rows.append(SourceRow(p, " ".join(value.split()), " ".join(comments), note(line0), line0 + 1, depth, False))

    if node is not None:
        walk(node, "", 0)
    return " ".join(header), rows


def _candidates(path: Path, manifest: dict, name: str):
    for key in ("scenario_path", "scenario_file", "source"):
        v = manifest.get(key)
        if isinstance(v, str) and v:
            q = Path(v)
            yield (q if q.is_absolute() else Path.cwd() / q), f"the scenario file the manifest records ({v})"
            if not q.is_absolute():
                yield path / q, f"the scenario file the manifest records ({v})"
    here = Path(__file__).resolve().parents[2]
    for base in (Path.cwd(), here):
        yield base / "configs" / f"{name}.yaml", None


def read_source(path: Path, manifest: dict, name: str) -> ScenarioSource:
    """The scenario file's values and comments (see the module docstring for which file)."""
    for cand, how in _candidates(path, manifest, name):
        if not cand.is_file():
            continue
        try:
            text = cand.read_text(encoding="utf-8")
            header, rows = parse_rows(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        top = {r.path: r.value for r in rows if r.depth == 0}
        if how is None:
            if top.get("name", "").strip("'\"") != name:
                continue
            shown = os.path.relpath(cand) if cand.resolve().is_relative_to(Path.cwd().resolve()) else cand
            how = (f"{shown} (found by the scenario's name; the result's manifest does not record the source "
                   "file, so check that it has not changed since the run)")
        return ScenarioSource(cand, how, header, rows, any(r.comment or r.note for r in rows))
    f = path / "scenario.resolved.yaml"
    try:
        header, rows = parse_rows(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ScenarioSource(None, "no scenario file could be read", "", [])
    return ScenarioSource(f, f"{f.name} in the result directory (the original YAML with its source comments "
                             "was not found; values are shown in canonical units without sources)", header, rows)
