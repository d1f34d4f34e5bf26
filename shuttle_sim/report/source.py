"""The scenario's own words: every value of the scenario YAML beside its source comment.

A shipped scenario cites a source (``[n]``, configs/DOMAIN.md's Sources list) or says ``ASSUMPTION`` in a
comment on each value's line.  YAML parsers drop comments, so this reads the file twice:
``yaml.compose`` (safe: nodes only, no objects built) for the structure and the line of
every key, and the raw lines for the text after ``#`` on those lines, plus the comment
lines just above a key (section notes).

Which file: the manifest's ``scenario_file`` when it records one (and it still exists);
else ``configs/<name>.yaml`` beside the working directory or the package, if its
``name:`` is the scenario's.  A file is used only if, with the changes the manifest
records (``scenario_changes``: ``--set``, ``--warmup``, a study's overrides and levels,
shuttle_sim.config.provenance) applied again, it gives the scenario hash the manifest
records: an edited file, or a variant of the same name, is not quoted as what ran.  The
changes are shown in place of the values they replaced, marked with what made them.
Else the directory's ``scenario.resolved.yaml`` (values in canonical units, no comments),
and the report says which it used and why.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from .. import scenarios
from .references import cited, reference_list

__all__ = ["ScenarioSource", "SourceRow", "read_source", "parse_rows", "merge_rows", "with_study", "shown_path",
           "declared_list", "mark_factors"]


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
    file: str = ""   # the file that sets it, when the table merges several (``extends:``, a study's overrides)
    swept: str = ""  # a sweep's levels of this key and the recommended one, when a factor
    unused: bool = False  # a cost input no design of the sweep is priced with (its manifest's costs_used)


@dataclass
class ScenarioSource:
    path: Path | None
    how: str                     # how the file was found, for the page
    header: str = ""             # the file's opening comment block
    rows: list[SourceRow] = field(default_factory=list)
    has_comments: bool = False
    #: the Sources list its [n] refer to, as its file (or a file it extends) declares in its
    #: opening comment: "DOMAIN" (configs/DOMAIN.md), "COSTS" (configs/COSTS.md), or "" (none
    #: declared: a user's own numbers, which the page does not claim to resolve)
    cites: str = ""

    def references(self) -> list[tuple[int, str | None]]:
        """Each [n] the table cites, with what it is in the Sources list its file declares
        (None: a number that list lacks); none when the file declares no list."""
        if not self.cites:
            return []
        refs = reference_list(self.cites)
        return [(n, refs.get(n)) for n in cited([self.header, *(t for r in self.rows for t in (r.comment, r.note, r.swept))])]

    def cited_only_by_unused(self) -> set[int]:
        """The [n] that only rows no design uses cite: greyed in the list, as those rows are."""
        used = cited([self.header, *(t for r in self.rows if not r.unused for t in (r.comment, r.note, r.swept))])
        return {n for n, _ in self.references()} - set(used)

    @property
    def main_file(self) -> str:
        """The file most rows come from: rows from any other are marked with their file."""
        files = [r.file for r in self.rows if r.file]
        return max(set(files), key=files.count) if files else ""


def declared_list(header: str) -> str:
    """Which shipped Sources list a file's opening comment says its [n] are: "DOMAIN",
    "COSTS" or ""."""
    for kind in ("DOMAIN", "COSTS"):
        if re.search(rf"\b{kind}\.md\b", header or ""):
            return kind
    return ""


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


def read_source(path: Path, manifest: dict, name: str, show_changes: bool = True) -> ScenarioSource:
    """The scenario file's values and comments (see the module docstring for which file),
    with the changes the manifest records (``--set``, ``--warmup``, a study's) laid over
    them (unless not ``show_changes``: a sweep's page shows its base scenario, and marks
    the study's overrides and factors itself); a file that no longer gives the scenario
    that ran is not used."""
    changes = _changes(manifest)
    sha = manifest.get("scenario_sha256")
    stale: list[str] = []
    for cand, how in _candidates(path, manifest, name):
        if not cand.is_file():
            continue
        try:
            text = cand.read_text(encoding="utf-8")
            header, rows = parse_rows(text)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue
        top = {r.path: r.value for r in rows if r.depth == 0}
        shown = shown_path(cand)
        if how is None:  # found by name
            if top.get("name", "").strip("'\"") != name:
                continue
            how = f"{shown} (found by the scenario's name)"
        else:
            how = f"the scenario file the manifest records ({shown})"
        # a sweep cell's run written before manifests recorded changes: its scenario is the
        # base file changed by the study, which the sweep's page marks itself
        unrecorded = "scenario_changes" not in manifest and not show_changes
        same, ran = (None, None) if unrecorded else _gives_what_ran(cand, changes, sha)
        if same is False:
            stale.append(shown)
            continue
        src = _with_extends(ScenarioSource(cand, how, header, rows, any(r.comment or r.note for r in rows),
                                           declared_list(header)))
        if show_changes:
            h = manifest.get("horizon_h")
            if ran is not None and isinstance(h, (int, float)) and abs(h - ran.horizon_h) > 1e-6 * max(h, 1.0):
                # run for another length (--years, run_experiment's horizon_h): not a change
                # of the scenario, so not in its hash, but not what the file's horizon says
                changes = [*changes, {"path": "horizon", "value": f"{h:g} h", "by": "this run's length"}]
            if changes:
                src = _with_changes(src, changes)
        if same is None:
            src = replace(src, how=src.how + "; this result records nothing to check it against, so check "
                                              "that the file has not changed since the run")
        elif stale:
            src = replace(src, how=src.how + f"; {' and '.join(dict.fromkeys(stale))}, which gave the run, has been "
                                              "edited since")
        return src
    f = path / "scenario.resolved.yaml"
    why = (f"{' and '.join(dict.fromkeys(stale))} no longer give{'s' if len(set(stale)) == 1 else ''} the scenario "
           "that ran (edited since the run"
           + ("" if "scenario_changes" in manifest else ", or changed in ways this result does not record: an older result, or a scenario built in Python")
           + "?), so its words are not shown" if stale
           else "the original YAML with its source comments was not found")
    try:
        header, rows = parse_rows(f.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return ScenarioSource(None, f"no scenario file could be read ({why})", "", [])
    return ScenarioSource(f, f"{f.name} in the result directory ({why}; values are shown in canonical units "
                             "without sources)", header, rows)


def shown_path(file: Path) -> str:
    """How a page names a scenario, cost or study file: a shipped one as
    ``configs/<name>.yaml`` or ``experiments/<name>.yaml``, the same from a checkout, from
    anywhere else and from a wheel (whose copy is deep in site-packages); another relative
    to the working directory when under it, else in full."""
    r = file.resolve()
    if r.parent == scenarios.directory().resolve():
        return f"configs/{file.name}, shipped with shuttle_sim"
    if r.parent == scenarios.studies_directory().resolve():
        return f"experiments/{file.name}, shipped with shuttle_sim"
    return os.path.relpath(file) if r.is_relative_to(Path.cwd().resolve()) else str(file)


def _changes(manifest: dict) -> list[dict]:
    """The manifest's ``scenario_changes`` (shuttle_sim.config.provenance), well-formed ones only."""
    out = manifest.get("scenario_changes")
    if not isinstance(out, list):
        return []
    return [c for c in out if isinstance(c, dict) and isinstance(c.get("path"), str) and "value" in c]


def _gives_what_ran(file: Path, changes: list[dict], sha):
    """Whether ``file``, with ``changes`` re-applied, is the scenario of hash ``sha``
    (None: no hash to compare), and that scenario if it is.  A file that no longer loads
    does not."""
    if not isinstance(sha, str) or not sha:
        return None, None
    from ..config.loader import load_scenario
    from ..config.overrides import with_changes
    from ..config.reading import ConfigError
    from ..config.schema import scenario_hash

    try:
        s = load_scenario(file)
        batch: dict = {}
        by = None
        for c in [*changes, None]:  # consecutive changes by one source were applied together
            if c is None or (by is not None and c.get("by") != by):
                if batch:
                    s = with_changes(s, batch, str(by), base_dir=file.resolve().parent)
                batch = {}
            if c is not None:
                by = c.get("by")
                batch[c["path"]] = c["value"]
        return (True, s) if scenario_hash(s) == sha else (False, None)
    except (ConfigError, OSError, ValueError, TypeError):
        return False, None


def as_written(value) -> str:
    """A change's value as a scenario file would write it."""
    if isinstance(value, (dict, list)):
        return yaml.safe_dump(value, default_flow_style=True, sort_keys=False).strip()
    return str(value)


def _with_changes(src: ScenarioSource, changes: list[dict]) -> ScenarioSource:
    """The rows of ``src`` with each recorded change in the place of the value it
    replaced, marked with what made it (``--set``, a study file)."""
    rows = src.rows
    base_file = src.main_file or (src.path.name if src.path else "")
    for c in changes:
        by = str(c.get("by") or "a change")
        by = Path(by).name if "/" in by or os.sep in by else by  # a study file: its name, as the other rows' files
        path = c["path"]
        at = _canon(path, _aliases(rows))
        was = next((r for r in rows if r.path == at and not r.section), None)
        said = f"changed for this run; the file has {was.value}" if was is not None else "added for this run"
        if was is not None and was.comment:
            said += f" ({was.comment})"
        row = SourceRow(path, as_written(c["value"]), said, "", 0, path.count(".") + path.count("["), False, by)
        rows = merge_rows(rows, [row], base_file, by)
    n = len(changes)
    return replace(src, rows=rows, how=f"{src.how}; {n} value{'s' if n > 1 else ''} changed for this run "
                                       f"({', '.join(c['path'] for c in changes)})")


def _candidates(path: Path, manifest: dict, name: str):
    for key in ("scenario_file", "scenario_path", "source"):
        v = manifest.get(key)
        if isinstance(v, str) and v:
            q = Path(v)
            yield (q if q.is_absolute() else Path.cwd() / q), "recorded"
            if not q.is_absolute():
                yield path / q, "recorded"
    for folder in (Path.cwd() / "configs", scenarios.directory()):  # the shipped ones, in a checkout or a wheel
        yield folder / f"{name}.yaml", None


# ------------------------------------------------------------------ several files in one table
def _aliases(rows: list[SourceRow]) -> dict[str, str]:
    """``fleet.tankers[Astana-class]`` -> ``fleet.tankers[0]``: list items addressed by name."""
    out = {}
    for r in rows:
        m = re.fullmatch(r"(.*)\[(\d+)\]\.name", r.path)
        if m and not r.section:
            out[f"{m.group(1)}[{r.value.strip(chr(39) + chr(34))}]"] = f"{m.group(1)}[{m.group(2)}]"
    return out


def _canon(path: str, aliases: dict[str, str]) -> str:
    for named, indexed in aliases.items():
        if path == named or path.startswith((named + ".", named + "[")):
            return indexed + path[len(named):]
    return path


def _under(path: str, prefix: str) -> bool:
    return path.startswith((prefix + ".", prefix + "["))


def merge_rows(base: list[SourceRow], own: list[SourceRow], base_file: str, own_file: str) -> list[SourceRow]:
    """The rows of ``own`` laid over ``base`` as ``extends:`` merges the files: a mapping
    merges key by key, a value or a list replaces what the base had there, a list item
    named in a key (``tankers[Astana-class]``) is that item.  Base rows keep their place
    (an overridden one takes the own row's value and comment); keys the base lacks follow."""
    aliases = _aliases(base)
    base = [r if r.file else replace(r, file=base_file) for r in base]
    own = [replace(r, path=_canon(r.path, aliases), file=r.file or own_file) for r in own if r.path != "extends"]
    sections = {r.path for r in base if r.section}
    own = [k for r in own for k in (_flow_keys(r) if r.path in sections and not r.section else [r])]
    lists = {r.path for r in own if r.section and any(_under(o.path, r.path) and o.path[len(r.path)] == "[" for o in own)}
    replaced = {r.path for r in own if not r.section} | lists
    by_path = {r.path: r for r in own}
    out, used = [], set()
    for r in base:
        if any(_under(r.path, q) for q in replaced):
            continue  # replaced with what the own file puts at q
        o = by_path.get(r.path)
        if o is None:
            out.append(r)
            continue
        if o.section and r.path not in lists and not (o.comment or o.note):
            out.append(r)  # a mapping the own file merges into: the base's heading and notes
        else:
            out.append(replace(o, depth=r.depth))
        used.add(r.path)
        if r.path in replaced:  # the own value or list, whole, in the base's place
            kids = [replace(k, depth=r.depth + (k.depth - o.depth)) for k in own if _under(k.path, r.path)]
            out += kids
            used |= {k.path for k in kids}
    return out + [r for r in own if r.path not in used]


def _flow_keys(r: SourceRow) -> list[SourceRow]:
    """A flow mapping (``tankers[B]: {count: 5}``) laid over a block one merges key by key:
    one row per key, each with its text as written; anything else stays one row."""
    try:
        node = yaml.compose(r.value, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return [r]
    if not isinstance(node, yaml.MappingNode):
        return [r]
    return [replace(r, path=f"{r.path}.{k.value}", value=r.value[v.start_mark.index: v.end_mark.index],
                    depth=r.depth + 1) for k, v in node.value]


def _with_extends(src: ScenarioSource, depth: int = 0) -> ScenarioSource:
    """A scenario that ``extends:`` another, shown whole: the base file's values with this
    file's laid over them (each row says which file set it)."""
    top = {r.path: r.value for r in src.rows if r.depth == 0}
    ext = top.get("extends", "").strip("'\"")
    if not ext or src.path is None or depth > 8:
        return src
    base_path = scenarios.referenced_file(ext, src.path)
    try:
        header, rows = parse_rows(base_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return replace(src, how=f"{src.how}; it extends {ext}, which could not be read: only its own values are shown")
    base = _with_extends(ScenarioSource(base_path, "", header, rows, cites=declared_list(header)), depth + 1)
    merged = merge_rows(base.rows, src.rows, base_path.name, src.path.name)
    return replace(src, how=f"{src.how}, laid over {ext} (which it extends)", rows=merged,
                   has_comments=src.has_comments or base.has_comments, cites=src.cites or base.cites)


def with_study(src: ScenarioSource | None, study_file: Path | None, factors: dict[str, str],
               chosen: dict[str, str]) -> ScenarioSource | None:
    """A sweep's base scenario as the study sees it: the study file's ``scenario.overrides``
    laid over it, and each factor's row marked with the levels swept and the one chosen
    (``factors``, ``chosen``: key path as the study writes it -> words).  A factor the base
    does not have gets a row of its own."""
    if src is None:
        return None
    rows = src.rows
    study_rows: list[SourceRow] = []
    if study_file is not None:
        try:
            _, study_rows = parse_rows(study_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            study_rows = []
    pre = "scenario.overrides."
    over = [replace(r, path=r.path[len(pre):], depth=r.depth - 2) for r in study_rows if r.path.startswith(pre)]
    name = study_file.name if study_file is not None else "the study"
    if over:
        rows = merge_rows(rows, over, src.path.name if src.path else "", name)
    notes = {r.path[len("factors."):]: r for r in study_rows if r.path.startswith("factors.")}
    rows = mark_factors(rows, factors, chosen, notes, name, "(not in the base scenario)")
    return replace(src, rows=rows, how=src.how + (f"; with the overrides and factors of {name}" if study_rows else ""))


def mark_factors(rows: list[SourceRow], factors: dict[str, str], chosen: dict[str, str],
                 notes: dict[str, SourceRow], by: str, absent: str, prefix: str = "") -> list[SourceRow]:
    """``rows`` with each factor's row marked with the levels swept and the one chosen
    (``factors``, ``chosen``: key path as the study writes it -> words) and the study's
    comment on its levels (``notes``: the study file's ``factors.`` rows, by factor); a
    factor that no row holds gets a row of its own, valued ``absent``.  ``prefix``: how
    the study writes the rows' key paths (``costs.`` for a cost file's)."""
    aliases = _aliases(rows)
    at = {r.path: i for i, r in enumerate(rows)}
    rows = list(rows)
    for f, levels in factors.items():
        n = notes.get(f)
        words = f"swept: {levels}" + (f"; recommended {chosen[f]}" if f in chosen else "")
        why = f"{by}, on the levels: {n.comment}" if n is not None and n.comment else ""
        key = f[len(prefix):]
        i = at.get(_canon(key, aliases))
        if i is not None and not rows[i].section:
            r = rows[i]
            rows[i] = replace(r, swept=words, note=" ".join(x for x in (r.note, why) if x))
        else:
            rows.append(SourceRow(key, absent, "", why, n.line if n else 0, 0, False, by, words))
    return rows
