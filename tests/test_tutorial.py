"""The tutorial notebook, docs/tutorial.ipynb, runs: its code cells in order, in one
namespace, as a reader running it top to bottom would (a light runner: no Jupyter kernel,
so no extra test dependency; figures drawn off screen)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "tutorial.ipynb"


def code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb["nbformat"] == 4
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_tutorial_notebook_runs(monkeypatch):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")  # pandas' .plot draws with pyplot: no window
    import matplotlib.pyplot as plt

    cells = code_cells(NOTEBOOK)
    ns: dict = {"__name__": "__tutorial__"}
    try:
        for i, src in enumerate(cells):
            try:
                exec(compile(src, f"{NOTEBOOK.name}[code cell {i}]", "exec"), ns)
            except Exception as e:  # pragma: no cover - the message says which cell
                raise AssertionError(f"code cell {i} of {NOTEBOOK.name} failed: {e!r}\n{src}") from e
    finally:
        plt.close("all")
    # what the notebook shows is what it says it shows
    assert repr(ns["scenario"]).startswith("Scenario('kcts_concept'")
    assert len(repr(ns["result"])) < 500 and len(repr(ns["study"])) < 500
    voyages = ns["voyages"]
    assert str(voyages["load_arrive_at"].dtype).startswith("datetime64")
    assert len(voyages) == len(ns["result"].voyages) > 0
    assert ns["compare"].shape == (6, 2)
