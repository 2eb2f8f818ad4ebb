"""Plain-Python references shared by the kernel tests (tests/unit is on sys.path in pytest)."""

from __future__ import annotations


def ref_partners(rng, d, fanout):
    """C2, the documented rule: pick j takes rank floor(u * (d - j)) among the ranks not yet
    taken, one double u per pick from ``rng``."""
    free = list(range(d))
    out = []
    for j in range(min(fanout, d)):
        r = min(int(rng.random() * (d - j)), d - j - 1)
        out.append(free.pop(r))
    return out
