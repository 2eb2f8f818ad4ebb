"""Fixtures for browser tests of Solara apps (see browser_harness.py).

    APP = Path(__file__).with_name("counter_app.py")

    @pytest.mark.browser
    def test_it(solara_app, page, network):
        page.goto(solara_app(APP))          # starts (once per module) and waits for the server
        ...
        network.assert_clean()              # no request left 127.0.0.1, none failed

solara_app(app) takes a file path or a module path ("dashboards.app", run from the repo root).
A failing test gets the server log, the page's requests and its console in its report.
Without Chromium (or playwright) the tests skip, except when $CI is set: then they fail.
"""

from __future__ import annotations

import os

import pytest
from browser_harness import (
    NetworkLog,
    SolaraServer,
    chromium_missing_reason,
    ensure_solara_assets,
    launch_chromium,
    solara_env,
)

_SERVERS_KEY = pytest.StashKey[list]()
_NETWORK_KEY = pytest.StashKey[NetworkLog]()


def _require_browser() -> None:
    reason = chromium_missing_reason()
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def offline_solara_env() -> dict[str, str]:
    """The environment Solara servers get: offline asset settings, cache filled."""
    _require_browser()  # servers are for the browser: skip (or fail in CI) before any set-up
    env = solara_env()
    try:
        ensure_solara_assets(env)
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    return env


# module scope: servers and Chromium are gone before the next (e.g. slow statistical) suites run
@pytest.fixture(scope="module")
def _solara_server_pool(offline_solara_env):
    servers: dict[tuple, SolaraServer] = {}
    yield servers, offline_solara_env
    for server in servers.values():
        server.cleanup()


@pytest.fixture
def solara_app(request, _solara_server_pool):
    """solara_app(app, *extra_args) -> URL of a running server for app (reused in a module);
    solara_app.server(app, *extra_args) -> its SolaraServer (e.g. for .log())."""
    servers, env = _solara_server_pool
    used = request.node.stash.setdefault(_SERVERS_KEY, [])

    def start(app, *extra_args: str) -> str:
        key = (str(app), extra_args)
        server = servers.get(key)
        if server is None or server.proc is None or server.proc.poll() is not None:
            server = SolaraServer(str(app), env=env, extra_args=tuple(extra_args))
            try:
                server.start()
            except RuntimeError as e:
                pytest.fail(str(e), pytrace=False)
            servers[key] = server
        used.append(server)
        return server.url

    start.server = lambda app, *extra_args: servers[(str(app), extra_args)]
    return start


@pytest.fixture(scope="module")
def browser():
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


@pytest.fixture
def network(request) -> NetworkLog:
    """The request log of this test's `page` (and its console / page errors)."""
    log = NetworkLog()
    request.node.stash[_NETWORK_KEY] = log
    return log


@pytest.fixture
def page(browser, network):
    """A fresh Chromium page whose every request is recorded in `network`; hosts other than
    127.0.0.1/localhost are aborted (and recorded)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(30_000)
    network.attach(context)
    pg = context.new_page()
    network.attach_page(pg)
    yield pg
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    for server in item.stash.get(_SERVERS_KEY, []):
        report.sections.append(
            (f"solara server log ({server.app} on {server.url})", server.log(tail_lines=300))
        )
    log = item.stash.get(_NETWORK_KEY, None)
    if log is not None and (log.requests or log.console):
        report.sections.append(("browser requests and console", log.summary()))
