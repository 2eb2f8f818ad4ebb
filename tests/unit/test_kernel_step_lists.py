"""The step lists at the top of the kernels kept whole (issue 14: ``swim_send``,
``swim_receive``) name line ranges; a change above them moves the lines. Each listed step
``N. name (lines a-b)`` must start at a line that carries its ``# N.`` marker (within the
first three lines of the range, where the step's first statement is) and end inside the
function, so the list cannot drift silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parents[2] / "swarm" / "kernels"
STEP = re.compile(r"#\s+(\d+)\. [^(]*\(lines (\d+)-(\d+)\)")


def step_lists() -> list[tuple[str, int, int, int]]:
    out = []
    for path in sorted(KERNELS.glob("*.py")):
        for line in path.read_text(encoding="utf-8").splitlines():
            for m in STEP.finditer(line):
                out.append((path.name, int(m[1]), int(m[2]), int(m[3])))
    return out


def test_the_kept_whole_kernels_list_their_steps():
    assert {(f, n) for f, n, _, _ in step_lists()} >= {("swim.py", 1), ("swim.py", 2),
                                                       ("swim.py", 3)}


@pytest.mark.parametrize("file, number, first, last", step_lists())
def test_each_listed_range_starts_at_its_marker(file, number, first, last):
    lines = (KERNELS / file).read_text(encoding="utf-8").splitlines()
    assert first <= last <= len(lines)
    head = lines[first - 1:first + 2]
    assert any(re.search(rf"#\s*{number}[a-z]?\.", text) for text in head), (
        f"{file}: step {number} listed at lines {first}-{last}, but no '# {number}.' marker "
        f"there: {head}")
