"""``swarm dashboard``: serves the page on 127.0.0.1, prints the address, stops on Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest
from browser_harness import free_port, solara_env


@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_the_command_serves_the_page_and_stops_with_its_server(how):
    """Ctrl-C (SIGINT) or a plain kill (SIGTERM): the command stops and so does the Solara
    server it started (no orphan left holding the port)."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "swarm.cli", "dashboard", "--port",
                             str(port)], env=solara_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        page = None
        while page is None and time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    page = r.read().decode()
            except OSError:
                time.sleep(0.2)  # polling for the server, with a deadline
        assert page is not None, proc.stderr.read() if proc.poll() is not None else "no answer"
        assert "solara" in page.lower()
        servers = psutil.Process(proc.pid).children(recursive=True)
        assert servers
        proc.send_signal(how)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/" in err and "stopped" in err
    gone, alive = psutil.wait_procs(servers, timeout=10)
    assert not alive, [p.cmdline() for p in alive]


def test_a_bad_port_is_refused_before_anything_starts():
    proc = subprocess.run([sys.executable, "-m", "swarm.cli", "dashboard", "--port", "0"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--port" in proc.stderr


@pytest.mark.parametrize("reuse", [False, True], ids=["plain", "so-reuseaddr"])
def test_a_port_in_use_is_one_line_and_exit_2_before_solara_starts(reuse):
    """Something listens on 127.0.0.1:P (with or without SO_REUSEADDR, as uvicorn binds):
    the command says so in one line and exits 2 without starting a server (it never printed
    the address it would serve)."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        if reuse:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        start = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "swarm.cli", "dashboard", "--port",
                               str(port)], env=solara_env(), capture_output=True, text=True,
                              timeout=60)
        elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"swarm: error: --port = {port}: ")
    assert "already in use" in lines[0]
    assert "http://" not in proc.stderr
    assert elapsed < 30  # an import and a bind, not a server start (generous on 2 shared cores)
