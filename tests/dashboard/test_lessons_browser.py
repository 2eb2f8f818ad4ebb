"""Every lesson's address in real Chromium: ``/?lesson=NAME`` opens the lesson (its title and
paragraph on the page, its scenario running), Step runs it to the moment its text talks
about, and the screenshot is not blank. With ``SWARM_GALLERY_DIR`` set, a small copy of
each screenshot is written there (``docs/gallery/NAME.png`` for docs/gallery.md)."""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

import pytest
from browser_harness import assert_not_blank

import dashboards
from swarm.lessons import LESSONS

APP = Path(dashboards.__file__).with_name("app.py")

pytestmark = pytest.mark.browser

#: the round each screenshot is taken at (about): what the lesson's text talks about
MOMENT = {"rumour": 12, "heal": 17, "swim": 24, "cap": 20, "liar": 44}
#: the protocol metric the lesson's text asks to choose
CHART = {"swim": "suspects", "cap": "availability"}
GALLERY_WIDTH = 900  # px; PNGs for the docs stay small (quantised to 64 colours)


def small_png(png: bytes, path: Path, width: int = GALLERY_WIDTH) -> Path:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        rgb = img.convert("RGB")
        height = round(rgb.height * width / rgb.width)
        rgb = rgb.resize((width, height), Image.Resampling.LANCZOS)
        rgb.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    return path


def test_moments_cover_every_lesson():
    assert set(MOMENT) == set(LESSONS)


@pytest.mark.parametrize("name", list(LESSONS))
def test_a_lessons_address_opens_it_and_it_plays(name, solara_app, page, network, tmp_path):
    item = LESSONS[name]
    page.goto(f"{solara_app(APP)}?lesson={name}")
    page.locator(".swarm-round").wait_for(timeout=90_000)
    page.wait_for_function("window.__swarmView && window.__swarmView.frames >= 1")
    card = page.locator(".swarm-lesson")
    assert item.title in card.inner_text()
    assert " ".join(item.text.split()[:12]) in " ".join(card.inner_text().split())
    status = page.locator(".swarm-status").inner_text()  # 'susceptible 4,999 · ... · down 0'
    shown = sum(int(count.replace(",", "")) for count in re.findall(r"[\d,]*\d", status))
    byzantine = int(re.search(r"byzantine ([\d,]+)", status)[1]) if "byzantine" in status else 0
    assert shown - byzantine == item.scenario.nodes  # byzantine nodes are counted twice
    page.set_viewport_size({"width": 1280, "height": 1500})  # the charts in the picture
    step = page.get_by_role("button", name="Step")
    for t in range(1, MOMENT[name] + 1):  # Step, not Play: the picture is of that round
        step.click()
        page.locator(f'.swarm-round[data-round="{t}"]').wait_for()
    page.wait_for_function(f"window.__swarmView.rounds.includes({MOMENT[name]})")
    if name in CHART:
        page.get_by_label("protocol metric").click(force=True)
        page.get_by_role("option", name=CHART[name], exact=True).click()
        page.get_by_text(CHART[name], exact=True).first.wait_for()
    page.keyboard.press("Escape")
    page.locator(".swarm-lesson").scroll_into_view_if_needed()  # the page's top, the select
    page.evaluate("window.scrollTo(0, 0)")                      # may have scrolled it away
    png = page.screenshot(path=tmp_path / f"{name}.png", full_page=True)
    assert_not_blank(png)
    network.assert_clean()
    assert not network.page_errors, network.page_errors
    out = os.environ.get("SWARM_GALLERY_DIR")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        small_png(png, Path(out) / f"{name}.png")
