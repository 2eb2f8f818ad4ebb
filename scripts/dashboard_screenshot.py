"""Take the README's screenshot of the dashboard (docs/dashboard.png) in headless Chromium.

    .venv/bin/python scripts/dashboard_screenshot.py [--out docs/dashboard.png]

A random geometric graph of 5,000 nodes, push-pull from one node: a region of nodes crashed,
a cut drawn across the network, then rounds stepped until the rumour has filled its side.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dashboard"))
from browser_harness import SolaraServer, assert_not_blank, launch_chromium  # noqa: E402

QUERY = "nodes=5000&topology=geometric&protocol=push-pull&protocol.origin=0&seed=3"


def drag(page, box, a: tuple[float, float], b: tuple[float, float]) -> None:
    page.mouse.move(box["x"] + a[0] * box["width"], box["y"] + a[1] * box["height"])
    page.mouse.down()
    page.mouse.move(box["x"] + b[0] * box["width"], box["y"] + b[1] * box["height"], steps=8)
    page.mouse.up()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "dashboard.png"))
    parser.add_argument("--rounds", type=int, default=14)
    args = parser.parse_args()
    server = SolaraServer(str(ROOT / "dashboards" / "app.py")).start()
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": 1400, "height": 1020})
            page.goto(f"{server.url}?{QUERY}")
            page.locator(".swarm-round").wait_for(timeout=120_000)
            canvas = page.locator(".swarm-nodes")
            for _ in range(3):
                page.get_by_role("button", name="Step").click()
            page.get_by_role("button", name="crash region").click()
            canvas.scroll_into_view_if_needed()
            drag(page, canvas.bounding_box(), (0.08, 0.62), (0.3, 0.9))
            page.get_by_role("button", name="cut", exact=True).click()
            canvas.scroll_into_view_if_needed()
            drag(page, canvas.bounding_box(), (0.55, 0.02), (0.8, 0.98))
            for _ in range(args.rounds):
                page.get_by_role("button", name="Step").click()
            page.locator(f'.swarm-round[data-round="{args.rounds + 3}"]').wait_for()
            page.evaluate("window.scrollTo(0, 0)")
            png = page.screenshot(path=args.out)
            print(f"{args.out}: {assert_not_blank(png)}")
            browser.close()
    finally:
        server.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
