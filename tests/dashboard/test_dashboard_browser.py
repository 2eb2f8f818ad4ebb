"""The dashboard in real Chromium: it loads with no CDN, Step moves the round counter, Play
renders frames, a cut drawn on the canvas stalls the far side until Heal, a clicked node shows
its state, and the page is not blank."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browser_harness import assert_not_blank

import dashboards

APP = Path(dashboards.__file__).with_name("app.py")

pytestmark = pytest.mark.browser


def open_page(page, url: str, query: str) -> None:
    page.goto(f"{url}?{query}")
    page.locator(".swarm-round").wait_for(timeout=60_000)  # first load: kernel start
    page.wait_for_function("window.__swarmView && window.__swarmView.frames >= 1")


def shown_round(page) -> int:
    return int(page.locator(".swarm-round").get_attribute("data-round"))


def counts(page) -> dict[str, int]:
    """The status line, e.g. 'susceptible 1,234 · informed 766 · down 0'."""
    text = page.locator(".swarm-status").inner_text()
    return {name.strip(): int(value.replace(",", ""))
            for name, value in re.findall(r"([a-z ]+?) ([\d,]+)", text)}


def drawn_round(page) -> int:
    return page.evaluate("window.__swarmView.rounds[window.__swarmView.rounds.length - 1]")


def canvas_box(page):
    canvas = page.locator(".swarm-nodes")
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


def test_step_moves_the_round_counter_and_play_renders_frames(solara_app, page, network,
                                                               tmp_path):
    open_page(page, solara_app(APP), "nodes=5000&topology=ring&protocol=push&protocol.origin=0")
    assert shown_round(page) == 0
    page.get_by_role("button", name="Step").click()
    page.locator('.swarm-round[data-round="1"]').wait_for()
    page.wait_for_function("window.__swarmView.rounds.includes(1)")  # and the canvas drew it

    frames = page.evaluate("window.__swarmView.frames")
    page.get_by_role("button", name="Play").click()
    page.wait_for_function(f"window.__swarmView.frames >= {frames + 20}", timeout=30_000)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()  # the pause went through
    stopped = shown_round(page)
    rounds = page.evaluate("window.__swarmView.rounds")
    # every frame drawn is a later round than the one before: one round per frame
    assert all(b == a + 1 for a, b in zip(rounds[-20:], rounds[-19:], strict=False))
    page.wait_for_timeout(300)  # paused: nothing more may arrive (a bounded wait, not a sync)
    assert shown_round(page) == stopped

    png = page.screenshot(path=tmp_path / "dashboard.png", full_page=True)
    assert_not_blank(png)
    network.assert_clean()
    assert not network.page_errors, network.page_errors
    assert "Too many renders" not in solara_app.server(APP).log()


def test_a_cut_drawn_on_the_canvas_stalls_the_far_side_until_heal(solara_app, page, network):
    """Origin 0 is at the centre of the layout; a vertical cut a quarter of the width to its
    right keeps the rumour from the strip beyond it until the heal."""
    open_page(page, solara_app(APP), "nodes=3000&protocol=push-pull&protocol.origin=0&seed=2")
    page.get_by_role("button", name="cut", exact=True).click()
    box = canvas_box(page)
    x = box["x"] + 0.75 * box["width"]
    page.mouse.move(x, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(x, box["y"] + box["height"] / 2, steps=5)
    page.mouse.move(x, box["y"] + box["height"] - 5, steps=5)
    page.mouse.up()
    page.locator(".swarm-marker", has_text="cut").first.wait_for()  # marked on the charts
    line = page.evaluate("window.__swarmView.view.cut_line")  # and drawn on the canvas
    assert line[0] == pytest.approx(0.75, abs=0.02) and line[2] == pytest.approx(0.75, abs=0.02)

    for _ in range(30):
        page.get_by_role("button", name="Step").click()
    page.locator('.swarm-round[data-round="30"]').wait_for()
    stalled = counts(page)
    assert 0 < stalled["susceptible"] < 3000 and stalled["informed"] > 1000
    for _ in range(5):
        page.get_by_role("button", name="Step").click()
    page.locator('.swarm-round[data-round="35"]').wait_for()
    assert counts(page) == stalled  # nobody beyond the cut learns anything
    assert page.locator(".swarm-finished").count() == 0

    page.get_by_role("button", name="Heal").click()
    page.wait_for_function("window.__swarmView.view.cut_line === null")
    page.get_by_role("button", name="Play").click()
    page.locator(".swarm-finished").wait_for(timeout=30_000)
    assert counts(page)["susceptible"] == 0
    network.assert_clean()


def test_clicking_a_node_shows_its_state(solara_app, page, network):
    open_page(page, solara_app(APP), "nodes=200&protocol=push&protocol.origin=0&topology=k-out")
    box = canvas_box(page)
    view = page.evaluate("""(() => { const v = window.__swarmView.view;
        return {x: v.xs[0], y: v.ys[0], dot: v.dot}; })()""")
    page.mouse.click(box["x"] + view["x"] + view["dot"] / 2, box["y"] + view["y"] + view["dot"] / 2)
    card = page.locator(".swarm-node-info")
    card.get_by_text("informed_round").wait_for()
    text = card.inner_text()
    assert "node: 0" in text and "state: informed" in text
    network.assert_clean()


def test_the_page_reports_a_bad_address_and_keeps_the_defaults(solara_app, page):
    page.goto(solara_app(APP) + "?nodes=-5")
    page.locator(".swarm-round").wait_for(timeout=60_000)
    page.get_by_text(re.compile(r"nodes = -5: must be")).wait_for()
    assert counts(page)["susceptible"] + counts(page)["informed"] == 5000


def test_play_pause_play_keeps_playing_without_step(solara_app, page, network):
    """Issue 13 (a): a frame request the server drops after Pause must not leave the view
    waiting for an answer that never comes; Play again must advance the rounds by itself.
    Each cycle pauses while frames are in flight (at 25+ frames/s one nearly always is)."""
    open_page(page, solara_app(APP), "nodes=2000&topology=ring&protocol=pull&protocol.origin=0")
    for _ in range(4):
        frames = page.evaluate("window.__swarmView.frames")
        page.get_by_role("button", name="Play").click()
        page.wait_for_function(f"window.__swarmView.frames >= {frames + 5}")
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
        paused = shown_round(page)
        page.get_by_role("button", name="Play").click()
        # no Step: the rounds must move on their own
        page.wait_for_function(f"window.__swarmView.rounds.at(-1) >= {paused + 5}",
                               timeout=15_000)
        page.get_by_role("button", name="Pause").click()
        page.get_by_role("button", name="Play").wait_for()
    network.assert_clean()


# -- issue 13: what live nodes believe, the legend, the node card, the metric select, loading
CANVAS_COLOURS = """(() => {
    const c = document.querySelector('.swarm-nodes');
    const px = new Uint32Array(c.getContext('2d').getImageData(0, 0, c.width, c.height)
                               .data.buffer);
    const seen = new Set();
    for (const p of px) if (p >>> 24) seen.add(p);
    return [...seen].map((p) => '#' + [p & 255, (p >>> 8) & 255, (p >>> 16) & 255]
        .map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase());
})()"""


def legend(page) -> dict[str, str]:
    """The legend's entries: colour -> name."""
    return dict(page.evaluate("""[...document.querySelectorAll('.swarm-legend')].map(
        (e) => [e.dataset.colour.toUpperCase(), e.innerText.trim()])"""))


def test_swim_shows_a_crashed_region_being_detected(solara_app, page, network):
    """Issue 13 (d, g): crash a region in SWIM and play: the region's nodes take the
    colours of what the live nodes believe (suspected, dead to some, dead to all), the
    status line counts them, and every colour on the canvas has a legend entry."""
    open_page(page, solara_app(APP), "nodes=1000&protocol=swim&seed=3")
    page.get_by_role("button", name="crash region", exact=True).click()
    box = canvas_box(page)
    page.mouse.move(box["x"] + 2, box["y"] + 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    page.locator(".swarm-marker", has_text="crash region").first.wait_for()
    page.get_by_role("button", name="Play").click()
    page.wait_for_function("""/suspected [1-9]/.test(
        document.querySelector('.swarm-status').innerText)""", timeout=30_000)
    page.wait_for_function("""/declared dead [1-9]/.test(
        document.querySelector('.swarm-status').innerText)""", timeout=60_000)
    page.screenshot(path="/tmp/i13_swim_spreading.png")  # detection under way (for people)
    page.wait_for_function("""/held dead by 100%/.test(
        document.querySelector('.swarm-status').innerText)""", timeout=60_000)
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("button", name="Play").wait_for()
    page.screenshot(path="/tmp/i13_swim_detected.png", full_page=True)
    down = counts(page)["down"]
    assert down > 50 and counts(page)["declared dead"] >= down
    entries = legend(page)
    shown = set(page.evaluate(CANVAS_COLOURS))
    assert shown <= set(entries), shown - set(entries)  # a legend entry for every colour
    assert entries["#999999"] == "down · dead to all" and "#999999" in shown
    assert {"trusted", "suspected", "declared dead", "down", "down · suspected",
            "down · dead to some", "down · dead to all"} <= set(entries.values())
    network.assert_clean()


def test_the_node_card_summarises_the_view_and_the_metric_select_has_a_value(
        solara_app, page, network):
    """Issue 13 (e, f): a SWIM node's card shows its 1,000-entry view as one line, and the
    protocol-metric select shows the charted metric from the first load."""
    open_page(page, solara_app(APP), "nodes=1000&protocol=swim&seed=3")
    select = page.locator(".v-select", has=page.locator("label", has_text="protocol metric"))
    assert select.locator(".v-select__selection").inner_text().strip() == "agreement"
    page.get_by_role("button", name="Step").click()
    page.locator('.swarm-round[data-round="1"]').wait_for()
    box = canvas_box(page)
    view = page.evaluate("""(() => { const v = window.__swarmView.view;
        return {x: v.xs[0], y: v.ys[0], dot: v.dot}; })()""")
    page.mouse.click(box["x"] + view["x"] + view["dot"] / 2,
                     box["y"] + view["y"] + view["dot"] / 2)
    card = page.locator(".swarm-node-info")
    card.get_by_text("held dead by").wait_for()
    text = card.inner_text()
    assert re.search(r"view: 1,000 entries: 0 ×[\d,]+", text), text
    assert len(text) < 2000 and not re.search(r"(\d+, ){20}", text), text
    network.assert_clean()


def test_the_first_load_shows_what_it_is_building(solara_app, page, network):
    """Issue 13 (c): until the first run exists the page names the phase it is in."""
    page.add_init_script("""window.__loadingSeen = [];
        new MutationObserver(() => {
            for (const e of document.querySelectorAll('.swarm-loading'))
                if (!window.__loadingSeen.includes(e.innerText))
                    window.__loadingSeen.push(e.innerText);
        }).observe(document, {childList: true, subtree: true, characterData: true});""")
    open_page(page, solara_app(APP), "nodes=1000000&protocol=push&topology=ring")
    seen = page.evaluate("window.__loadingSeen")
    assert any(re.match(r"(compiling|building|laying)", s) for s in seen), seen
    assert page.locator(".swarm-loading").count() == 0
    network.assert_clean()
