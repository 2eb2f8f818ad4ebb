"""swarm.kernels.memory: large arrays are ordinary arrays with the asked contents; a prefetch
changes no value."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from numba import njit

from swarm.kernels.memory import HUGE_BYTES, large_array, prefetch


@pytest.mark.parametrize("n", [10, HUGE_BYTES // 4 + 3])  # below and above the mapping size
@pytest.mark.parametrize("fill", [0, -1, 7])
def test_large_array_is_a_filled_writable_array(n, fill):
    a = large_array((n, 2), np.int32, fill)
    assert a.shape == (n, 2) and a.dtype == np.int32 and a.flags.c_contiguous
    assert a.flags.writeable and np.all(a == fill)
    a[3, 1] = 42
    assert a[3, 1] == 42 and a.sum() == fill * (2 * n - 1) + 42
    back = pickle.loads(pickle.dumps(a))
    assert np.array_equal(back, a) and np.array_equal(a.copy(), a)


def test_large_array_copies_an_array_fill():
    src = np.random.default_rng(1).random(HUGE_BYTES // 8 + 5)
    a = large_array(src.shape, np.float64, src)
    assert np.array_equal(a, src) and not np.shares_memory(a, src)
    a[0] = -1.0
    assert src[0] != -1.0


def test_large_array_above_the_threshold_is_page_aligned():
    a = large_array((HUGE_BYTES // 64, 16), np.int32, 0)
    assert a.ctypes.data % 4096 == 0  # rows of 64 bytes: one cache line each


@njit(cache=True)
def _sum_with_prefetch(a, b, order):
    total = 0.0
    for i in range(order.shape[0]):
        j = order[(i + 3) % order.shape[0]]
        prefetch(a, j)
        prefetch(b, j)
        total += a[order[i], 0] * b[order[i]]
    return total


def test_prefetch_changes_nothing():
    rng = np.random.default_rng(2)
    a, b = rng.random((1000, 4)), rng.random(1000)
    order = rng.permutation(1000)
    a0, b0 = a.copy(), b.copy()
    want = 0.0
    for i in order:
        want += a[i, 0] * b[i]
    assert _sum_with_prefetch(a, b, order) == want
    assert np.array_equal(a, a0) and np.array_equal(b, b0)
