"""Each fault kernel against a plain numpy reference (boolean masks, stable sorts)."""

from __future__ import annotations

import numpy as np
import pytest

from swarm.kernels import faults as fk


def batch(m=500, n=60, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, n, m).astype(np.int32), rng.integers(0, n, m).astype(np.int32),
            rng.integers(0, 3, m).astype(np.uint8), rng.random(m) < 0.5)


def copy(b):
    return tuple(a.copy() for a in b)


def check_compaction(b, keep, run):
    expect = tuple(a[keep] for a in b)
    work = copy(b)
    m = run(*work)
    for got, want in zip(work, expect, strict=True):
        assert np.array_equal(got[:m], want)
    assert m == int(keep.sum())


def test_keep_live_receivers():
    b = batch()
    live = np.random.default_rng(1).random(60) < 0.7
    check_compaction(b, live[b[1]], lambda *a: fk.keep_live_receivers(live, *a))


@pytest.mark.parametrize("rate", [0.0, 0.3, 1.0])
def test_keep_unlost(rate):
    b = batch()
    u = np.random.default_rng(2).random(len(b[0]))
    check_compaction(b, u >= rate, lambda *a: fk.keep_unlost(u, rate, *a))


@pytest.mark.parametrize("oneway", [False, True])
@pytest.mark.parametrize("rate", [1.0, 0.4])
def test_keep_uncut(oneway, rate):
    b = batch()
    groups = np.random.default_rng(3).integers(0, 3, 60).astype(np.int32)
    u = np.random.default_rng(4).random(len(b[0]))
    gs, gd = groups[b[0]], groups[b[1]]
    cut = (gs < gd) if oneway else (gs != gd)
    if rate < 1.0:
        cut &= u < rate
    check_compaction(b, ~cut, lambda *a: fk.keep_uncut(groups, oneway, rate, u, *a))


def test_split_by_delay():
    b = batch()
    u = np.random.default_rng(5).random(len(b[0]))
    args = (fk.DELAY_GEOMETRIC, 1.5, np.log1p(-1 / 2.5))
    delays = np.empty(len(u), np.int32)
    top = fk.draw_delays(u, *args, delays)
    assert top == delays.max() > 2
    late = tuple(np.empty_like(a) for a in b)
    m, values, starts = fk.split_by_delay(delays, top, *b, *late)
    now = delays == 0
    assert m == int(now.sum())
    for got, ref in zip(late, b, strict=True):
        assert np.array_equal(got[:m], ref[now])
    assert values.tolist() == sorted(set(delays[~now].tolist()))
    for k, d in enumerate(values.tolist()):
        sl = slice(starts[k], starts[k + 1])
        for got, ref in zip(late, b, strict=True):
            assert np.array_equal(got[sl], ref[delays == d])
    assert starts[-1] == len(b[0])
