"""Browser-test harness for the Solara dashboard: a Solara server in a subprocess with the
offline asset settings (dashboards/offline.py), Debian's Chromium driven by Playwright, and a
record of every request the page makes.

Used through the fixtures in tests/dashboard/conftest.py; importable on its own for scripts.
Nothing here needs a network: the server binds 127.0.0.1 and answers /_solara/cdn/... from the
cache scripts/solara_assets.sh fills from the npm registry, and the browser aborts any request
to another host (and records it, so a test can fail on it).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("SWARM_CHROMIUM", "/usr/bin/chromium")
# --headless: playwright adds it too; the rest keeps Chromium off the (closed) network: without
# the background-networking flags it floods it with refused connections
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
# not network requests: a page's own blobs and inline data
LOCAL_SCHEMES = {"blob", "data", "about", "chrome", "chrome-extension"}


# ---------------------------------------------------------------------------------------------
# the offline Solara environment


def solara_env() -> dict[str, str]:
    """os.environ plus the Solara settings of dashboards/offline.py (the one place they are
    written; scripts/solara_env.sh exports the same), values already set winning."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from dashboards.offline import environ

    return environ()


def ensure_solara_assets(env: dict[str, str]) -> None:
    """Fill the asset cache if needed (a no-op when present; raises with npm's message)."""
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts" / "solara_assets.sh")],
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/solara_assets.sh failed:\n{proc.stdout}{proc.stderr}")


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """Linux: the server gets SIGTERM when pytest dies (e.g. killed by a timeout), so a hard
    kill of the test run does not leave it running."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------------------------------------
# the server


@dataclass
class SolaraServer:
    """`solara run <app>` on 127.0.0.1 in production mode (no reload, no browser opening),
    stopped by its PID.

    app: a .py file / directory path, or a module path ("dashboards.app") importable from cwd.
    """

    app: str
    cwd: Path = ROOT
    env: dict[str, str] | None = None
    extra_args: tuple[str, ...] = ()
    start_timeout: float = 90.0
    port: int = 0
    proc: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self) -> SolaraServer:
        env = dict(self.env if self.env is not None else solara_env())
        env.setdefault("PYTHONUNBUFFERED", "1")
        # the server is offline by construction, also where the internet is reachable: any
        # outbound HTTP(S) of python's requests/urllib goes to a closed local port and fails fast
        for key in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
            env[key] = "http://127.0.0.1:9"
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
        fd, log = tempfile.mkstemp(prefix="solara-server-", suffix=".log")
        os.close(fd)
        self.log_path = Path(log)
        for attempt in range(3):  # a free port can be taken between free_port() and bind
            self.port = free_port()
            cmd = [
                sys.executable, "-m", "solara", "run", str(self.app),
                "--host", "127.0.0.1", "--port", str(self.port),
                # production: minified bundle, no file watcher, no solara.dev check iframe;
                # --no-check-version: no request to pypi.org at start
                "--production", "--no-open", "--no-check-version", *self.extra_args,
            ]  # fmt: skip
            with open(self.log_path, "ab") as logf:
                logf.write(f"$ {' '.join(cmd)}\n".encode())
                logf.flush()
                self.proc = subprocess.Popen(
                    cmd, cwd=self.cwd, env=env, stdout=logf, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                )  # fmt: skip
            if self._wait_ready():
                return self
            if "address already in use" not in self.log().lower() or attempt == 2:
                break
        self.stop()
        raise RuntimeError(
            f"Solara server for {self.app} did not answer on {self.url} within "
            f"{self.start_timeout:.0f}s (exit code {self.proc.returncode}). Its log:\n{self.log()}"
        )

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + self.start_timeout
        delay = 0.05
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # ignore *_proxy
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            try:
                with direct.open(self.url, timeout=2) as r:
                    if r.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(delay)  # polling back-off, not a fixed wait
            delay = min(delay * 1.5, 0.5)
        return False

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM by PID, SIGKILL if it has not exited after `grace` seconds."""
        p = self.proc
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(grace)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(10)

    def log(self, tail_lines: int | None = None) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace")
        if tail_lines is not None:
            text = "\n".join(text.splitlines()[-tail_lines:])
        return text

    def cleanup(self) -> None:
        self.stop()
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)


# ---------------------------------------------------------------------------------------------
# the browser


def chromium_missing_reason() -> str | None:
    """Why browser tests cannot run here, or None."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        return (
            f"Chromium not found at {CHROMIUM} "
            "(apt-get install -y chromium chromium-driver; never `playwright install`)"
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dashboard]')"
    return None


def launch_chromium(playwright):
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=60_000
    )


def is_local(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.hostname in LOCAL_HOSTS


@dataclass
class NetworkLog:
    """Every request of a browser context: url, method, status (None: no response), failure."""

    requests: list[dict] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def attach(self, context) -> None:
        by_request: dict = {}  # playwright Request -> entry

        def on_request(req):
            entry = {
                "url": req.url, "method": req.method, "status": None, "failure": None,
                "finished": False,
            }  # fmt: skip
            by_request[req] = entry
            self.requests.append(entry)

        def on_response(resp):
            entry = by_request.get(resp.request)
            if entry is not None:
                entry["status"] = resp.status

        def on_finished(req):
            entry = by_request.get(req)
            if entry is not None:
                entry["finished"] = True

        def on_failed(req):
            entry = by_request.get(req)
            if entry is not None:
                entry["failure"] = req.failure or "failed"

        def route(route):
            # the CDN (any non-local host) is unreachable by construction, also on machines
            # that have internet, so a test proves the page works offline
            url = route.request.url
            if is_local(url):
                route.continue_()
            else:
                self.blocked.append(url)
                route.abort("blockedbyclient")

        context.on("request", on_request)
        context.on("response", on_response)
        context.on("requestfinished", on_finished)
        context.on("requestfailed", on_failed)
        context.route("**/*", route)

    def attach_page(self, page) -> None:
        page.on("websocket", lambda ws: self.websockets.append(ws.url))
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))

    # -- queries

    def external(self) -> list[str]:
        urls = [r["url"] for r in self.requests] + self.websockets + self.blocked
        return sorted({u for u in urls if not is_local(u)})

    def failed(self) -> list[str]:
        """Requests with no response, or an HTTP status >= 400."""
        out = []
        for r in self.requests:
            if r["failure"] is not None or (r["status"] is not None and r["status"] >= 400):
                out.append(f"{r['method']} {r['url']} -> {r['status'] or r['failure']}")
        return out

    def pending(self) -> list[str]:
        """Requests neither finished (body received) nor failed."""
        return [r["url"] for r in self.requests if not r["finished"] and r["failure"] is None]

    def wait_settled(self, page, quiet: float = 0.5, timeout: float = 30.0) -> None:
        """Wait until no request has been pending for `quiet` seconds (e.g. the scripts a
        component loads after it mounted); raise after `timeout`. Polls through playwright,
        which is what delivers the request events in the sync API."""
        deadline = time.monotonic() + timeout
        quiet_since = None
        while True:
            now = time.monotonic()
            if self.pending():
                quiet_since = None
            elif quiet_since is None:
                quiet_since = now
            elif now - quiet_since >= quiet:
                return
            if now > deadline:
                raise AssertionError(f"requests still pending after {timeout}s: {self.pending()}")
            page.wait_for_timeout(50)

    def cdn_requests(self) -> list[str]:
        return [r["url"] for r in self.requests if "/_solara/cdn/" in r["url"]]

    def assert_clean(self) -> None:
        """No request left 127.0.0.1, none failed."""
        ext, bad = self.external(), self.failed()
        assert not ext, "requests to non-local hosts:\n  " + "\n  ".join(ext)
        assert not bad, "failed requests:\n  " + "\n  ".join(bad)

    def summary(self) -> str:
        lines = [f"{r['method']} {r['status'] or r['failure'] or 'pending'} {r['url']}"
                 for r in self.requests]  # fmt: skip
        lines += [f"WS {u}" for u in self.websockets]
        lines += [f"BLOCKED {u}" for u in self.blocked]
        lines += [f"console {c}" for c in self.console]
        lines += [f"pageerror {e}" for e in self.page_errors]
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# screenshots


def screenshot_stats(png: bytes) -> dict:
    """Distinct colours and grey-level spread of a PNG (Pillow, a matplotlib dependency)."""
    import io

    from PIL import Image, ImageStat

    with Image.open(io.BytesIO(png)) as img:
        rgb = img.convert("RGB")
        colors = rgb.getcolors(maxcolors=1 << 20)
        stddev = ImageStat.Stat(rgb.convert("L")).stddev[0]
        return {"size": rgb.size, "colors": len(colors) if colors else 1 << 20, "stddev": stddev}


def assert_not_blank(png: bytes, min_colors: int = 8, min_stddev: float = 2.0) -> dict:
    stats = screenshot_stats(png)
    assert stats["colors"] >= min_colors and stats["stddev"] >= min_stddev, (
        f"screenshot looks blank: {stats}"
    )
    return stats
