"""docs/gallery.md is what docs/gallery.py writes (the lessons' own texts, so it cannot
drift), every figure it shows is there, and the script runs as CI would run it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from swarm.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]


def test_gallery_script_writes_the_committed_page_and_a_figure(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "gallery.py"), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=300,
                          cwd=ROOT)
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "gallery.md").read_text()
    assert written == (ROOT / "docs" / "gallery.md").read_text(), \
        "docs/gallery.md is stale: run python docs/gallery.py"
    png = (tmp_path / "gallery" / "runs.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and 20_000 < len(png) < 300_000


def test_every_lesson_has_a_section_and_every_figure_exists():
    page = (ROOT / "docs" / "gallery.md").read_text()
    for name, item in LESSONS.items():
        assert f"## {item.title}" in page and item.text in page
        assert f"swarm lesson {name}" in page and f"?lesson={name}" in page
    for target in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", page):
        path = ROOT / "docs" / target
        assert path.is_file(), target
        assert path.stat().st_size < 200_000, f"{target}: keep the docs' PNGs small"
