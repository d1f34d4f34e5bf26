"""Designs: the cells of a study, each a set of overrides of the base scenario.

A design is a pure generator of override dicts (``{"load_port.berths": 3, ...}``), as in
desmod's ``simulate_factors``: nothing here reads a scenario or simulates.  Levels are kept
as written (``"300 kt"``), in the field's own units; the config layer checks them.

* a **grid** crosses every factor's levels (the first factor varies slowest);
* **linked** factors move together: their i-th levels form one level of the group;
* a **list** design gives the cells explicitly;
* a **range** ``{from: 300 kt, to: 900 kt, step: 300 kt}`` expands to its levels.

A cell is named by a hash of its overrides (``c-3f9a0b1c2d``), not by its position, so
adding a level or a factor value never renames a finished cell.  ``keep`` is a filter
hook: a predicate on a cell's overrides, to prune a grid or shard it across machines.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

__all__ = ["Cell", "cell_name", "expand_range", "grid", "listed", "DesignError"]


class DesignError(ValueError):
    """A design that cannot be expanded (a bad range, linked factors of unequal length)."""


@dataclass(frozen=True)
class Cell:
    """One design point: its stable name and the overrides that define it (in factor order)."""

    name: str
    changes: tuple[tuple[str, Any], ...]

    @property
    def overrides(self) -> dict[str, Any]:
        return dict(self.changes)

    def __getitem__(self, path: str) -> Any:
        return dict(self.changes)[path]


def cell_name(changes: Mapping[str, Any]) -> str:
    """A stable name from the overrides alone (order of keys does not matter).

    The hash is of canonical JSON (sorted keys), so ``{"a": 1, "b": "2 h"}`` always has
    the same name, on any machine and Python version.
    """
    text = json.dumps(dict(changes), sort_keys=True, separators=(",", ":"), default=str)
    return "c-" + hashlib.sha256(text.encode()).hexdigest()[:10]


def _cell(changes: Mapping[str, Any]) -> Cell:
    return Cell(cell_name(changes), tuple(changes.items()))


_QTY = re.compile(r"^\s*([-+]?(?:\d[\d_]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S*)\s*$")


def _split(v: object) -> tuple[float, str]:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise DesignError(f"expected a number or a quantity like '300 kt', found {v!r}")
    if isinstance(v, (int, float)):
        return float(v), ""
    m = _QTY.match(v)
    if not m:
        raise DesignError(f"expected a number or a quantity like '300 kt', found {v!r}")
    return float(m.group(1).replace("_", "")), m.group(2)


def expand_range(start: object, stop: object, step: object) -> list:
    """Levels ``start, start + step, ... , stop`` (both ends included), in the unit written.

    All three must be written in the same unit (``300 kt``, ``900 kt``, ``100 kt``) or be
    plain numbers; integers give integers.  ``stop - start`` must be a whole number of
    steps, so that the last level is exactly ``stop``.

    >>> expand_range("300 kt", "500 kt", "100 kt")
    ['300 kt', '400 kt', '500 kt']
    >>> expand_range(2, 6, 2)
    [2, 4, 6]
    """
    (a, ua), (b, ub), (s, us) = _split(start), _split(stop), _split(step)
    if not ua == ub == us:
        raise DesignError(f"expected from, to and step in one unit, found {start!r}, {stop!r}, {step!r}")
    if s <= 0 or b < a:
        raise DesignError(f"expected from <= to and a step > 0, found {start!r} .. {stop!r} by {step!r}")
    k = (b - a) / s
    n = round(k)
    if abs(k - n) > 1e-9 * max(1.0, abs(k)):
        raise DesignError(f"expected to - from to be a whole number of steps, found {k:g} steps")
    if n + 1 > 10_000:
        raise DesignError(f"expected at most 10000 levels, found {n + 1}")
    ints = all(isinstance(x, int) and not isinstance(x, bool) for x in (start, stop, step))
    out: list = []
    for i in range(n + 1):
        x = a + i * s
        if ints:
            out.append(int(round(x)))
        elif ua:
            out.append(f"{float(f'{x:.12g}'):g} {ua}")
        else:
            out.append(float(f"{x:.12g}"))
    return out


def grid(
    factors: Mapping[str, Sequence[Any]],
    linked: Iterable[Sequence[str]] = (),
    keep: Callable[[Mapping[str, Any]], bool] | None = None,
) -> Iterator[Cell]:
    """Every combination of the factors' levels; linked groups move as one factor.

    Parameters
    ----------
    factors : mapping of key path -> levels
        In the order the study file gives them; the first varies slowest.
    linked : groups of key paths
        Each group's factors have equally many levels and take their i-th levels
        together (e.g. supply and offtake rates).
    keep : predicate on a cell's overrides, optional
        Cells for which it is false are left out.
    """
    groups: list[tuple[str, ...]] = []
    in_group: dict[str, int] = {}
    for g in linked:
        g = tuple(g)
        for p in g:
            if p not in factors:
                raise DesignError(f"linked factor {p!r} is not among the factors")
            if p in in_group:
                raise DesignError(f"factor {p!r} is in two linked groups")
            in_group[p] = len(groups)
        lengths = {len(factors[p]) for p in g}
        if len(lengths) > 1:
            raise DesignError(f"expected linked factors {list(g)} to have equally many levels, found {sorted(lengths)}")
        groups.append(g)
    axes: list[tuple[tuple[str, ...], list[tuple]]] = []
    seen_groups: set[int] = set()
    for p in factors:
        if p in in_group:
            gi = in_group[p]
            if gi in seen_groups:
                continue
            seen_groups.add(gi)
            g = groups[gi]
            axes.append((g, list(zip(*(factors[q] for q in g)))))
        else:
            axes.append(((p,), [(v,) for v in factors[p]]))
    for combo in itertools.product(*(levels for _, levels in axes)):
        changes: dict[str, Any] = {}
        for (paths, _), values in zip(axes, combo):
            changes.update(zip(paths, values))
        changes = {p: changes[p] for p in factors}  # factor order, whatever the grouping
        if keep is None or keep(changes):
            yield _cell(changes)


def listed(cells: Iterable[Mapping[str, Any]], keep: Callable[[Mapping[str, Any]], bool] | None = None) -> Iterator[Cell]:
    """The cells given explicitly (a ``design: list``), named like grid cells."""
    names: set[str] = set()
    for c in cells:
        cell = _cell(dict(c))
        if cell.name in names:
            raise DesignError(f"cell {dict(c)} is listed twice")
        names.add(cell.name)
        if keep is None or keep(cell.overrides):
            yield cell
