"""The counter-based generator (swarm.kernels.philox, swarm.rng.CounterStream) against
Random123's known answers and the plain-Python reference, and the properties the parallel
kernels rely on: a draw depends on its key and counter only."""

from __future__ import annotations

import numpy as np
import pytest
from references import ref_philox4x32, ref_uniform  # tests/unit/references.py

from swarm.kernels import philox
from swarm.rng import CounterStream, Streams

# Random123 tests/kat_vectors, the three "philox4x32 10" lines: counter, key, result
KAT = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
     (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1)),
]


@pytest.mark.parametrize(("counter", "key", "expected"), KAT)
def test_known_answers(counter, key, expected):
    assert ref_philox4x32(counter, key) == expected
    words = philox.philox4x32(*(np.uint64(c) for c in counter), *(np.uint64(k) for k in key))
    assert tuple(int(w) for w in words) == expected


def test_kernel_draws_equal_the_reference():
    rng = np.random.default_rng(4)
    for _ in range(300):
        key = tuple(int(x) for x in rng.integers(0, 2**32, 2))
        t, node, j, sub = (int(x) for x in rng.integers(0, 2**32 - 1, 4))
        expect = ref_uniform(key, t, node, j, sub)
        assert philox.uniform(key[0], key[1], t, node, j, sub) == expect
    a, b = philox.pair_uniforms(7, 9, 3, 21, 2, 0)
    assert (a, b) == (ref_uniform((7, 9), 3, 42, 2), ref_uniform((7, 9), 3, 43, 2))


def test_counter_stream_keys_by_seed_and_name():
    s = Streams(5)
    keyed = s.counter("protocol")
    assert s.counter("protocol") is keyed
    assert (keyed.key0, keyed.key1) == (CounterStream(5, "protocol").key0,
                                        CounterStream(5, "protocol").key1)
    others = {(c.key0, c.key1) for c in (CounterStream(6, "protocol"), s.counter("writes"))}
    assert (keyed.key0, keyed.key1) not in others
    draw = keyed.draws(3, 10)
    assert [draw(), draw()] == [keyed.uniform(3, 10, 0), keyed.uniform(3, 10, 1)]
    assert keyed.uniform(3, 10, 0) == ref_uniform((keyed.key0, keyed.key1), 3, 10, 0)


def test_draws_are_uniform_and_independent_across_neighbouring_counters():
    """10^5 draws per case, 20 bins: each bin count is Binomial(10^5, 0.05), sd 68.9; the
    chi-square statistic of 19 degrees of freedom exceeds 43.8 with probability 0.001.
    Cases: consecutive nodes (one block per pair: both halves), consecutive rounds, and
    consecutive draw indices; the lag-1 correlation of consecutive nodes' draws has sd
    1/sqrt(10^5) = 0.0032, allowed 5 sd."""
    n = 100_000
    idx = np.arange(n)
    cases = {
        "nodes": [philox.uniform(1, 2, 7, i, 0, 0) for i in idx],
        "rounds": [philox.uniform(1, 2, i, 5, 0, 0) for i in idx],
        "draws": [philox.uniform(1, 2, 7, 5, i, 0) for i in idx],
    }
    for name, values in cases.items():
        u = np.asarray(values)
        assert u.min() >= 0.0 and u.max() < 1.0, name
        counts = np.bincount((u * 20).astype(int), minlength=20)
        chi2 = float(((counts - n / 20) ** 2 / (n / 20)).sum())
        assert chi2 < 43.8, (name, chi2)
        corr = np.corrcoef(u[:-1], u[1:])[0, 1]
        assert abs(corr) < 5 / np.sqrt(n), (name, corr)
