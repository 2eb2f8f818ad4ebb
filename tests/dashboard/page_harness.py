"""In-process page rendering for the dashboard tests (no browser)."""

from __future__ import annotations

import time

import solara

from dashboards import app


def render_page():
    """Render the Page and wait for its first run, which it builds in a thread (the page
    shows the phases meanwhile)."""
    box, rc = solara.render(app.Page(), handle_error=False)
    deadline = time.monotonic() + 60
    while app.live.value is None or app.loading.value:
        assert time.monotonic() < deadline, "the first run was not built within 60 s"
        time.sleep(0.01)
    return box, rc


def reset_page_state() -> None:
    """Module-level reactive variables hold one value per session; start each test anew."""
    from dashboards import lessons

    app.settings.value = app.Scenario.from_dict(app.DEFAULT_SCENARIO).to_dict()
    app.engine_name.value = "kernels"
    app.live.value = None
    app.playing.value = False
    app.error.value = ""
    app.loading.value = ""
    lessons.lesson_name.value = ""
