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

**Counter-based draws** (``Streams.counter(name)``, a :class:`CounterStream`): a draw is a
pure function of (seed, name, round, node, draw index), Philox4x32-10
(``swarm.kernels.philox``), not the next value of a sequence. A kernel can then draw for its
nodes on any number of threads, in any order, and the agent path, node by node, gets the same
bits. The spreading protocols (push, pull, push-pull) and those that call through
``swarm.protocols.calls.call_neighbours`` (averaging, push-sum, anti-entropy, heartbeat,
majority, voter) take their partner choices this way (``Protocol.counter_draws``); SWIM,
rumour mongering and the register still consume the sequential ``protocol`` stream in node
order.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable

import numpy as np

__all__ = ["stream", "Streams", "CounterStream", "replicate_seeds", "rewind", "DoubleStream",
           "UniformBuffer", "STREAM_NAMES"]

STREAM_NAMES = ("topology", "init", "protocol", "writes", "mesa")  # + "fault.<label>"


def _name_key(name: str) -> int:
    """A stable 64-bit integer for a stream name (not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def stream(seed: int, name: str) -> np.random.Generator:
    """The Generator for stream ``name`` of a run with seed ``seed`` (PCG64)."""
    seq = np.random.SeedSequence(entropy=int(seed), spawn_key=(_name_key(name),))
    return np.random.Generator(np.random.PCG64(seq))


class CounterStream:
    """The counter-based draws of stream ``name`` of a run: ``uniform(t, node, j)`` is draw
    ``j`` of ``node`` in round ``t``, a double in [0, 1), the same value whenever and wherever
    it is computed. Kernels take ``key0, key1`` (two 32-bit words from ``(seed, name)``) and
    call ``swarm.kernels.philox.uniform`` themselves."""

    __slots__ = ("name", "key0", "key1")

    def __init__(self, seed: int, name: str) -> None:
        seq = np.random.SeedSequence(entropy=int(seed), spawn_key=(_name_key(name),))
        k0, k1 = seq.generate_state(2, np.uint32).tolist()
        self.name = name
        self.key0 = int(k0)
        self.key1 = int(k1)

    def uniform(self, t: int, node: int, j: int, sub: int = 0) -> float:
        """Draw ``j`` of ``node`` in round ``t`` (purpose ``sub``; 0 for partner choices)."""
        from swarm.kernels.philox import uniform  # Numba loads with the first draw

        return float(uniform(self.key0, self.key1, t, node, j, sub))

    def draws(self, t: int, node: int, sub: int = 0) -> Callable[[], float]:
        """A callable giving draws 0, 1, 2, ... of ``node`` in round ``t``, one per call."""
        index = itertools.count()
        return lambda: self.uniform(t, node, next(index), sub)

    def table(self, t: int, nodes: int, width: int, sub: int = 0) -> list[list[float]]:
        """Draws ``0..width-1`` of nodes ``0..nodes-1`` in round ``t``, as lists (``[j][i]``:
        draw ``j`` of node ``i``), computed in one kernel call: a few ns a draw, against
        ~3 us for one ``uniform`` call from Python."""
        from swarm.kernels.philox import uniform_table

        out = np.empty((width, nodes + (nodes & 1)), np.float64)
        uniform_table(self.key0, self.key1, t, sub, out)
        return out[:, :nodes].tolist()


class Streams:
    """The named streams of one run, created on first use and kept."""

    __slots__ = ("seed", "_cache", "_counters")

    def __init__(self, seed: int) -> None:
        self.seed = int(seed)
        self._cache: dict[str, np.random.Generator] = {}
        self._counters: dict[str, CounterStream] = {}

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._cache.get(name)
        if gen is None:
            gen = self._cache[name] = stream(self.seed, name)
        return gen

    def counter(self, name: str) -> CounterStream:
        """The counter-based draws of stream ``name`` (see :class:`CounterStream`)."""
        keyed = self._counters.get(name)
        if keyed is None:
            keyed = self._counters[name] = CounterStream(self.seed, name)
        return keyed


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
