"""The notebooks in docs/notebooks run headless, top to bottom, in a kernel of this Python
(nbclient + ipykernel), and show what they promise: first_run draws its figures, live_view
puts the dashboard's widget in its output and steps the run behind it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "docs" / "notebooks"
WIDGET = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.slow  # a kernel start and a few runs each: ~20-40 s


def execute(name: str, monkeypatch) -> object:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    # the kernel imports this checkout's swarm and dashboards, whatever is installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, with the traceback, if a cell fails
    return nb


def outputs(nb) -> list[dict]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def test_the_notebooks_are_committed_without_outputs():
    nbformat = pytest.importorskip("nbformat")
    for path in NOTEBOOKS.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name


def test_first_run_executes_and_draws_its_figures(monkeypatch):
    nb = execute("first_run.ipynb", monkeypatch)
    outs = outputs(nb)
    assert not [o for o in outs if o.output_type == "error"]
    figures = [o for o in outs if "image/png" in o.get("data", {})]
    assert len(figures) == 2  # coverage vs theory; the heal lesson
    summary = nb.cells[1].outputs[0]["data"]["text/plain"]
    assert "'rounds_to_full'" in summary and "'coverage_final': 1.0" in summary
    text = "".join(o.get("text", "") for o in outs if o.output_type == "stream")
    assert "Break the network and watch it heal" in text
    assert "coverage at the end of the split: 0.63" in text


def test_live_view_executes_and_outputs_the_dashboard_widget(monkeypatch):
    nb = execute("live_view.ipynb", monkeypatch)
    outs = outputs(nb)
    assert not [o for o in outs if o.output_type == "error"]
    widgets = [o["data"][WIDGET]["model_id"] for o in outs if WIDGET in o.get("data", {})]
    assert len(widgets) == 2  # the heal lesson; the ring
    state = nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json",
                                                {}).get("state", {})
    assert set(widgets) <= set(state), "the widget models are saved with the notebook"
    names = {m["model_name"] for m in state.values()}
    assert "VuetifyTemplateModel" in names  # the node view and the charts (vue components)
    text = "".join(o.get("text", "") for o in outs if o.output_type == "stream")
    assert "round 15 coverage" in text
    assert any("image/png" in o.get("data", {}) for o in outs)  # the run's chart
