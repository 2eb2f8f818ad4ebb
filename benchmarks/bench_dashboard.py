"""Dashboard speed in headless Chromium: rendered rounds per second and frame latency while
Play runs, at 1,000 / 5,000 / 50,000 nodes.

    .venv/bin/python benchmarks/bench_dashboard.py              # ~1 minute
    .venv/bin/python benchmarks/bench_dashboard.py --seconds 10 --sizes 5000 50000

It starts the app the way a user does (``swarm dashboard --port P`` on 127.0.0.1), opens it in
Debian's Chromium (Playwright, ``/usr/bin/chromium``), and for each size loads
``?nodes=N&protocol=pull&topology=ring&protocol.origin=0`` — a rumour creeping round a ring,
so the run lasts for hundreds of rounds or more, and with pull every node calls a partner
every round, the most work per round of the three spreading protocols — presses Play with one
round per frame and no pause, lets it warm up for a second and then measures for
``--seconds``. The page counts what it drew (``window.__swarmView``):

- rendered rounds/s: rounds whose frame was drawn on the canvas, per second of wall time;
- frame latency: from the view's request for the next frame to that frame drawn (Python
  steps the model, the new bytes cross the websocket, the canvas is painted), mean and p95;
- where a frame's time goes (means, ms, from the times each answer carries and the view's
  ``performance.now()``; ``window.__swarmView.timing``): ``to_server`` (the request crosses
  the websocket and waits for the server's event loop), ``step`` (the model steps),
  ``render_send`` (the rest on the server — the frame's bytes and status, Solara's message —
  plus the way back), ``draw`` (the canvas is painted), and ``idle`` (from a frame drawn to
  the next request: the browser's own work, e.g. the charts re-rendered every half second).

Goals (issue 5): >= 10 rendered rounds/s at 5,000 nodes and >= 2 at 50,000. The agent path
(Mesa agents, ``engine=agents``) is measured too, at the sizes given by ``--agent-sizes``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "dashboard"))
from browser_harness import free_port, launch_chromium, solara_env  # noqa: E402

GOALS = {5000: 10.0, 50_000: 2.0}
SPLIT = ("to_server", "step", "render_send", "draw", "idle")


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"swarm dashboard exited with code {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer from {url} within {timeout:.0f} s")


def measure(page, url: str, nodes: int, engine: str, seconds: float) -> dict:
    query = f"nodes={nodes}&protocol=pull&topology=ring&protocol.origin=0&engine={engine}"
    page.goto(f"{url}?{query}")
    page.locator(".swarm-round").wait_for(timeout=120_000)
    page.wait_for_function("window.__swarmView && window.__swarmView.frames >= 1",
                           timeout=120_000)
    page.get_by_role("button", name="Play").click()
    page.wait_for_timeout(1000)  # warm-up: the first frames, JIT of the page's code
    start = page.evaluate("({n: window.__swarmView.frames, t: performance.now()})")
    page.wait_for_timeout(seconds * 1000)
    stats = page.evaluate("""(() => { const s = window.__swarmView;
        return {n: s.frames, t: performance.now(), rounds: s.rounds, drawn: s.drawn,
                latency: s.latency, timing: s.timing,
                origin: performance.timeOrigin}; })()""")
    pause = page.get_by_role("button", name="Pause")
    if pause.count():  # a small ring may have finished (then Play is back, disabled)
        pause.click()
    drawn = np.array(stats["drawn"])
    rounds = np.array(stats["rounds"])
    window = drawn >= start["t"]
    frames = int(window.sum())
    # first to last frame drawn in the window: a run that finishes early is not diluted
    elapsed = (drawn[window][-1] - drawn[window][0]) / 1000 if frames > 1 else 0.0
    span = int(rounds[window][-1] - rounds[window][0]) if frames > 1 else 0
    latency = np.array(stats["latency"][-frames:]) if frames else np.array([np.nan])
    split = frame_split(stats["timing"], stats["origin"] + start["t"])
    return {"nodes": nodes, "engine": engine, "frames": frames,
            "rounds_per_s": span / elapsed if elapsed > 0 else float("nan"),
            "goal": GOALS.get(nodes) if engine == "kernels" else None,
            "latency_mean_ms": float(np.mean(latency)),
            "latency_p95_ms": float(np.percentile(latency, 95)), **split}


def frame_split(timing: list[dict], since_epoch_ms: float) -> dict[str, float]:
    """Mean ms per frame in each part (see the module docstring) over the frames drawn after
    ``since_epoch_ms``."""
    rows = pd.DataFrame([t for t in timing if t.get("server_in") and t["drawn"] >= since_epoch_ms])
    if rows.empty:
        return dict.fromkeys(SPLIT, float("nan"))
    parts = {"to_server": rows["server_in"] - rows["request"], "step": rows["step_ms"],
             "render_send": rows["received"] - rows["server_in"] - rows["step_ms"],
             "draw": rows["drawn"] - rows["received"],
             "idle": rows["request"].shift(-1) - rows["drawn"]}
    return {name: float(values.mean()) for name, values in parts.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 50_000])
    parser.add_argument("--agent-sizes", type=int, nargs="*", default=[1000, 5000])
    parser.add_argument("--seconds", type=float, default=6.0)
    args = parser.parse_args()

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    server = subprocess.Popen([sys.executable, "-m", "swarm.cli", "dashboard", "--port",
                               str(port)], env=solara_env(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    rows = []
    try:
        wait_http(url, server)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = launch_chromium(pw)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            cases = [(n, "kernels") for n in args.sizes]
            cases += [(n, "agents") for n in args.agent_sizes]
            for nodes, engine in cases:
                row = measure(page, url, nodes, engine, args.seconds)
                print(f"{nodes} nodes, {engine}: {row['rounds_per_s']:.1f} rounds/s",
                      file=sys.stderr)
                rows.append(row)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    frame = pd.DataFrame(rows)
    frame["pass"] = [("PASS" if r >= g else "FAIL") if pd.notna(g) else "" for r, g
                     in zip(frame["rounds_per_s"], frame["goal"], strict=True)]
    frame["goal"] = frame["goal"].map(lambda g: f">= {g:g}" if pd.notna(g) else "")
    frame.insert(frame.columns.get_loc("goal") + 1, "pass", frame.pop("pass"))
    load = os.getloadavg()
    print("Dashboard in headless Chromium, Play with 1 round per frame (pull on a ring); "
          f"load average {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} on {os.cpu_count()} cores")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    print("(ms per frame: to_server, step, render_send, draw, idle; see the docstring)")
    return 0 if (frame["pass"] != "FAIL").all() else 1


if __name__ == "__main__":
    raise SystemExit(main())
