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
