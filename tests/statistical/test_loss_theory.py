"""Push, pull and push-pull under message loss against the exact Markov chain.

The ``loss`` fault drops every message independently (C5). ``swarm.theory`` extends the exact
chain of the informed count: a push arrives with probability 1 - loss, a pull succeeds when its
request and its reply both arrive. Fixed seeds; tolerances as in test_spreading_theory.py:
the sample mean of K independent runs is within 4 standard errors sqrt(Var / K) of the exact
mean (Var the exact variance from the chain; a correct simulator fails with probability
6e-5), and the one-step statistic Z = sum(R - E[R | i]) / sqrt(sum Var[R | i]) over every
round of every run, a martingale sum, is within 4 of 0.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import swarm
from swarm import theory
from swarm.faults.loss import LossParams
from swarm.rng import replicate_seeds

ROOT = 20261130
N = 1000
K = 600
LOSS = 0.25


@pytest.mark.parametrize("mode", ["push", "pull", "push-pull"])
def test_rounds_to_full_under_loss_matches_the_exact_chain(mode):
    base = swarm.Scenario(nodes=N, protocol=mode, max_rounds=400,
                          faults=[LossParams(rate=LOSS)])
    full, starts, ends = [], [], []
    for seed in replicate_seeds(ROOT + 1, K):
        run = swarm.simulate(base.replace({"seed": seed}))
        full.append(run.summary["rounds_to_full"])
        informed = run.rounds["informed"].to_numpy()
        starts.append(informed[:-1])
        ends.append(N - informed[1:])
    mean, var = theory.exact_rounds_to_full(N, mode, loss=LOSS)
    lossless, _ = theory.exact_rounds_to_full(N, mode)
    assert mean > lossless + 1  # loss matters, so this test can tell the two apart
    sample = np.array(full, dtype=float)
    assert abs(sample.mean() - mean) < 4 * math.sqrt(var / K), (sample.mean(), mean)
    i = np.concatenate(starts).astype(np.int64)
    r = np.concatenate(ends)
    m, v = theory.susceptible_next_moments(i, N, mode, loss=LOSS)
    assert abs((r - m).sum() / math.sqrt(v.sum())) < 4
