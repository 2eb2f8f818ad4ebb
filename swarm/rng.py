"""One seed in, every random stream derived by name.

Each component draws from its own named stream, so adding a component (a fault at zero
strength, a metric that samples) never changes the draws of another: the stream of a name
depends only on ``(seed, name)``. Nothing else in swarm creates randomness.

Stream names in use: ``topology`` (graph generation and positions), ``init`` (initial state,
e.g. the rumour's origin), ``protocol`` (partner choices, in node order), ``mesa`` (handed to
``mesa.Model`` so that Mesa's own generators never touch the others).
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["stream", "Streams", "replicate_seeds", "STREAM_NAMES"]

STREAM_NAMES = ("topology", "init", "protocol", "mesa")


def _name_key(name: str) -> int:
    """A stable 64-bit integer for a stream name (not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def stream(seed: int, name: str) -> np.random.Generator:
    """The Generator for stream ``name`` of a run with seed ``seed`` (PCG64)."""
    seq = np.random.SeedSequence(entropy=int(seed), spawn_key=(_name_key(name),))
    return np.random.Generator(np.random.PCG64(seq))


class Streams:
    """The named streams of one run, created on first use and kept."""

    __slots__ = ("seed", "_cache")

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._cache.get(name)
        if gen is None:
            gen = self._cache[name] = stream(self.seed, name)
        return gen


def replicate_seeds(root: int, k: int) -> list[int]:
    """``k`` independent run seeds from one root, via ``SeedSequence(root).spawn(k)``.

    Replicate ``i`` of root ``r`` is always the same integer, whatever ``k`` is.
    """
    children = np.random.SeedSequence(int(root)).spawn(int(k))
    return [int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children]
