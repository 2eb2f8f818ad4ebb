"""The dashboard inside a Jupyter notebook: Solara components are ipywidgets, so the page
renders in a notebook cell as it does in the browser (play, step, faults, charts).

    from dashboards.notebook import live_view
    live_view(lesson="heal")                       # a lesson, with its paragraph
    live_view(swarm.Scenario(nodes=3000, protocol="pull"))
    live_view()                                    # the dashboard's default scenario

The last expression of a cell is displayed; ``display(live_view(...))`` works anywhere. The
run is ``dashboards.app.live.value`` (a :class:`dashboards.session.LiveRun`): stepping it
from code (``dashboards.app.step_frame()``) updates the view. One kernel holds one page's
state, as one browser tab does: a second ``live_view`` starts a new run in both views.
``docs/notebooks/live_view.ipynb`` shows it; ``tests/docs/test_notebooks.py`` runs it.
"""

from __future__ import annotations

from typing import Any

from dashboards import app, lessons
from swarm.config import Scenario

__all__ = ["live_view"]


def live_view(scenario: Scenario | None = None, *, lesson: str | None = None,
              engine: str = "kernels") -> Any:
    """The dashboard page (a Solara element; displayed, it is a widget) running ``scenario``
    or the lesson named ``lesson`` (a ConfigError if there is none of that name)."""
    if scenario is not None and lesson is not None:
        raise ValueError("give a scenario or a lesson, not both")
    app.engine_name.value = engine
    lessons.lesson_name.value = ""
    if lesson is not None:
        values = lessons.lesson_settings(lesson)
    elif scenario is not None:
        values = scenario.to_dict()
    else:
        values = Scenario.from_dict(app.DEFAULT_SCENARIO).to_dict()
    app.reset(Scenario.from_dict(values))  # built here, so a bad scenario raises in the cell
    app.error.value = ""
    return app.Page()
