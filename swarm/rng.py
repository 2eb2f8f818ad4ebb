"""One seed in, every random stream derived by name.

Each component draws from its own named stream, so adding a component (a fault at zero
strength, a metric that samples) never changes the draws of another: the stream of a name
depends only on ``(seed, name)``. Nothing else in swarm creates randomness.

Stream names in use: ``topology`` (graph generation and positions), ``init`` (initial state,
e.g. the rumour's origin), ``protocol`` (partner choices, in node order), ``writes`` (client
writes of anti-entropy), ``clients`` (client operations of the register), ``ties``
(tie-breaking coins of majority / voter), ``byzantine`` (what Byzantine nodes choose:
equivocators' coins in averaging, push-sum, majority, voter; whom a SWIM accuser accuses),
``fault.<label>`` (each fault's own), ``mesa`` (handed to ``mesa.Model`` so that Mesa's own
generators never touch the others). A component takes its
stream from ``Streams`` by name (protocols: ``self.streams``).
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["stream", "Streams", "replicate_seeds", "rewind", "DoubleStream", "UniformBuffer",
           "STREAM_NAMES"]

STREAM_NAMES = ("topology", "init", "protocol", "writes", "mesa")  # + "fault.<label>"


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


def rewind(rng: np.random.Generator, state: dict, used: int) -> None:
    """Put ``rng`` back to ``state`` (saved from ``rng.bit_generator.state``) advanced by
    ``used`` doubles: where it would be had only the ``used`` doubles been drawn, one at a
    time (``Generator.random`` takes one 64-bit draw per double and buffers nothing). A kernel
    that uses a variable number of doubles draws as many as it may need, then rewinds."""
    rng.bit_generator.state = state
    rng.bit_generator.advance(used)


class DoubleStream:
    """Doubles from a Generator, one per call, as ``rng.random()`` would give them — but
    drawn in blocks, since a scalar ``Generator.random()`` call costs ~0.35 us in Python.

    The values are exactly those of successive ``rng.random()`` calls (one 64-bit draw per
    double, no buffering inside numpy). :meth:`sync` leaves the Generator exactly where
    drawing them one at a time would have (it restores the state saved before the block and
    advances PCG64 by the number used), so a kernel that continues on the same Generator
    sees the same stream. The agent path syncs at the end of every round.
    """

    __slots__ = ("rng", "block", "_values", "_pos", "_state")

    def __init__(self, rng: np.random.Generator, block: int = 1024) -> None:
        self.rng = rng
        self.block = block
        self._values: list[float] = []
        self._pos = 0
        self._state: dict | None = None

    def __call__(self) -> float:
        pos = self._pos
        if pos == len(self._values):
            # every value drawn so far has been handed out: the generator is exact here
            self._state = self.rng.bit_generator.state
            self._values = self.rng.random(self.block).tolist()
            pos = 0
        self._pos = pos + 1
        return self._values[pos]

    def sync(self) -> None:
        """Leave the Generator as if every value handed out had been drawn on its own."""
        if self._state is not None:
            rewind(self.rng, self._state, self._pos)
        self._values = []
        self._pos = 0
        self._state = None


class UniformBuffer:
    """``k`` doubles from a Generator with one ``random(out=...)`` call into a buffer reused
    across calls (grown as needed): kernels on the fast path take their draws this way. The
    view is valid until the next ``draw``."""

    __slots__ = ("_buf",)

    def __init__(self) -> None:
        self._buf = np.empty(0, np.float64)

    def draw(self, rng: np.random.Generator, k: int) -> np.ndarray:
        if self._buf.shape[0] < k:
            self._buf = np.empty(max(k, 2 * self._buf.shape[0]), np.float64)
        out = self._buf[:k]
        rng.random(out=out)
        return out

    def empty(self) -> np.ndarray:
        """A zero-length view, for kernels that take draws they will not use."""
        return self._buf[:0]
