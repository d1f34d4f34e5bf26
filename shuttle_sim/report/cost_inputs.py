"""The cost inputs a sweep priced its cells with, as written, beside their sources.

A sweep's manifest records its cost file (``costs_file``; ``None`` when the study writes
its costs inline, under ``costs:``) and the hash of the inputs it read
(``costs_sha256``, :func:`shuttle_sim.config.costs.costs_hash`).  The page quotes the
file, or the study's ``costs:`` block, only if it still gives that hash: a cost file
edited since the sweep is named, not quoted.  Each cost factor of the study (``costs.``
paths) is marked with its levels, as the scenario table marks the scenario's factors, and
an input no design of the sweep is priced with (the manifest's ``costs_used``) is marked so.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml

from .source import ScenarioSource, declared_list, mark_factors, parse_rows, shown_path

__all__ = ["read_cost_source", "COST_PREFIX"]

#: how a study file names a factor of the cost model (``costs.deferred_production.valuation``),
#: and its inline cost block (``costs:``): shuttle_sim.config.study.COST_PREFIX, which the
#: report layer does not import (it would load the config layer)
COST_PREFIX = "costs."


def read_cost_source(manifest: dict, study_file: Path | None, factors: dict[str, str],
                     chosen: dict[str, str]) -> ScenarioSource | None:
    """The cost table of a sweep's page, or ``None`` when the sweep recorded no cost inputs
    (a sweep written before manifests recorded them).  ``factors`` and ``chosen``: each
    factor's levels and the recommended one, in words, by key path as the study writes it."""
    if "costs_sha256" not in manifest:
        return None
    sha, recorded = manifest.get("costs_sha256"), manifest.get("costs_file")
    if isinstance(recorded, str) and recorded:
        file, inline = Path(recorded), False
    elif study_file is not None:
        file, inline = study_file, True
    else:
        return ScenarioSource(None, "The sweep's study file was not found, so its cost inputs are not shown.")
    shown = shown_path(file)
    try:
        text = file.read_text(encoding="utf-8")
        header, rows = parse_rows(text)
        data = _inputs(text, str(file), inline)
        study_rows = rows if inline else []  # the study's rows: its comments on the cost factors' levels
        if not inline and study_file is not None:
            study_rows = parse_rows(study_file.read_text(encoding="utf-8"))[1]
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError):
        return ScenarioSource(None, f"{shown} cannot be read now, so the cost inputs the sweep priced with are not shown.")
    from ..config.costs import costs_hash

    if costs_hash(data) != sha:
        return ScenarioSource(None, f"{shown} no longer gives the cost inputs the sweep priced with (edited since "
                                    "the sweep?), so they are not shown.")
    if inline:
        header, n = "", len(COST_PREFIX)
        rows = [replace(r, path=r.path[n:], depth=r.depth - 1) for r in rows if r.path.startswith(COST_PREFIX)]
    notes = {r.path[len("factors."):]: r for r in study_rows if r.path.startswith("factors.")}
    costs = {f: v for f, v in factors.items() if f.startswith(COST_PREFIX)}
    rows = mark_factors(rows, costs, chosen, notes, study_file.name if study_file is not None else "the study",
                        "(not in the cost inputs)", COST_PREFIX)
    used = manifest.get("costs_used")
    if isinstance(used, list):  # (a sweep from before manifests recorded it: no row is judged)
        rows = [r if _priced(r.path, used) else replace(r, unused=True) for r in rows]
    how = f"the study's costs: block ({shown})" if inline else f"the cost file the sweep recorded ({shown})"
    return ScenarioSource(file, how, header, rows, any(r.comment or r.note for r in rows), declared_list(header))


def _priced(path: str, used: list) -> bool:
    """A row some design is priced with: an input ``used`` lists, a key under one (a part
    of ``load_port.berth``), or a key above one (``tariffs``, which holds ``tariffs.tanker_route``)."""
    return any(u == path or path.startswith(f"{u}.") or u.startswith(f"{path}.") for u in used)


def _inputs(text: str, source: str, inline: bool):
    """The cost inputs as the sweep read them (the same reader, the same data)."""
    from ..config.reading import parse_yaml

    data, _ = parse_yaml(text, source)
    if inline:
        if not isinstance(data, dict) or "costs" not in data:
            raise ValueError("no costs: in the study file")
        return data["costs"]
    return data

