"""Smoke test of the browser harness: a Solara page renders and works with no CDN."""

from pathlib import Path

import pytest
from browser_harness import assert_not_blank

APP = Path(__file__).with_name("counter_app.py")

pytestmark = pytest.mark.browser


def test_counter_app_renders_offline_and_counts(solara_app, page, network, tmp_path):
    page.goto(solara_app(APP))

    button = page.get_by_role("button", name="Clicked 0 times")
    button.wait_for(state="visible", timeout=60_000)  # first load: kernel start
    page.get_by_text("count=0", exact=True).wait_for()
    button.click()
    page.get_by_text("count=1", exact=True).wait_for()
    page.get_by_role("button", name="Clicked 1 times").click()
    page.get_by_text("count=2", exact=True).wait_for()
    # every solara.Markdown loads katex and mermaid from the cdn path after it mounted
    network.wait_settled(page)

    shot = tmp_path / "counter.png"
    stats = assert_not_blank(page.screenshot(path=shot, full_page=True))
    assert shot.stat().st_size > 0, stats

    network.assert_clean()
    cdn = network.cdn_requests()
    # the page did use the proxy path: the app bundle, its css and require.js
    assert any("solara-vuetify" in u and u.endswith(".js") for u in cdn), cdn
    assert any(u.endswith("/require.js") for u in cdn), cdn
    assert any("/mermaid@" in u for u in cdn) and any("/katex@" in u for u in cdn), cdn
    assert network.websockets and all(u.startswith("ws://127.0.0.1:") for u in network.websockets)
    assert not network.page_errors, network.page_errors
    # the server answered every /_solara/cdn/ request from the npm-filled cache
    assert "Could not load URL" not in solara_app.server(APP).log()
