"""The API reference builds offline from the docstrings (scripts/api_docs.py, pdoc) and has
the pages a reader looks for first; no page loads anything from another host."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # ~20 s: every module imported and rendered


def test_the_api_reference_builds_and_has_the_key_pages(tmp_path):
    pytest.importorskip("pdoc")
    out = tmp_path / "api"
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "api_docs.py"), "--out",
                           str(out)], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert "Warn" not in done.stderr and "Warning" not in done.stderr, done.stderr
    assert (out / "index.html").is_file() and (out / "search.js").is_file()
    top = (out / "swarm.html").read_text()
    for anchor in ("Scenario", "Scenario.from_toml", "simulate", "sweep", "Run"):
        assert f'id="{anchor}"' in top, anchor
    assert "Run one scenario to the end" in top  # simulate's docstring, rendered
    for page, anchor in [("swarm/config.html", "Scenario"), ("swarm/lessons.html", "lesson"),
                         ("swarm/timeline.html", "parse_timeline"),
                         ("swarm/theory.html", "pittel_push_rounds"),
                         ("swarm/protocols/base.html", "Protocol"),
                         ("dashboards/session.html", "LiveRun")]:
        assert f'id="{anchor}"' in (out / page).read_text(), page
    for html in out.rglob("*.html"):
        text = html.read_text()
        loads = re.findall(r'<(?:script|link|img)[^>]+(?:src|href)="(https?:)?//', text)
        assert not loads, f"{html.name} loads from another host"
