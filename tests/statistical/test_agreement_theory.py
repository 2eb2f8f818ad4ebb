"""Agreement against theory: majority dynamics' consensus time grows like log n; the voter
model's like n (complete graph, kernel path; the contract tests tie the agent path to it).

Tolerances
----------
- **Majority, log n** (``theory.majority_consensus_rounds``): the mean consensus time is
  ``ln n / (2 ln lambda) + O(log log n) + c``, where the constant ``c`` (from the random
  initial bias and each round's sampling noise, whose scale is 1/sqrt(n) like the bias
  itself) does not depend on ``n`` for large ``n``. So the *increase* of the mean from
  ``n_1`` to ``n_2`` is compared with the mean-field increase. K independent runs per size,
  standard error of a difference of means ``sqrt(s_1^2 / K_1 + s_2^2 / K_2)``: we allow 4 of
  them (normal approximation; a correct simulator fails with probability 6e-5). For contrast
  the test also checks that no power law n^a with a >= 1/4 fits: the mean grows by less
  than the factor ``(n_2 / n_1)^(1/4)``.
- **Voter, linear in n** (``theory.voter_consensus_rounds``, the diffusion limit): mean
  consensus time against ``(2n / c) ln 2`` within 4 standard errors of the mean plus the
  diffusion approximation's O(1) rounds (we allow 2 rounds).
"""

from __future__ import annotations

import numpy as np
import pytest

import swarm
from swarm.rng import replicate_seeds
from swarm.theory import majority_consensus_rounds, voter_consensus_rounds


def consensus_times(protocol: str, n: int, seeds: int, root: int = 3, **params) -> np.ndarray:
    out = []
    for seed in replicate_seeds(root, seeds):
        s = swarm.Scenario.from_dict({"nodes": n, "protocol": protocol, "seed": seed,
                                      "max_rounds": 100_000,
                                      **{f"protocol.{k}": v for k, v in params.items()}})
        rounds = swarm.simulate(s).summary["consensus_round"]
        assert rounds is not None
        out.append(rounds)
    return np.array(out, float)


def check_increase(a: np.ndarray, b: np.ndarray, n1: int, n2: int, **params) -> None:
    observed = b.mean() - a.mean()
    expected = float(np.diff(majority_consensus_rounds([n1, n2], **params))[0])
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert abs(observed - expected) <= 4 * se, (observed, expected, se)
    assert b.mean() / a.mean() < (n2 / n1) ** 0.25  # slower than any power n^a, a >= 1/4


def test_majority_consensus_time_grows_like_log_n():
    a = consensus_times("majority", 1_000, 200)
    b = consensus_times("majority", 10_000, 200)
    check_increase(a, b, 1_000, 10_000, k=2, count_own=True)


@pytest.mark.slow
def test_majority_consensus_time_grows_like_log_n_up_to_1e5():
    """Three sizes, and the pure 3-majority rule (k = 3, own opinion not counted)."""
    sizes = (1_000, 10_000, 100_000)
    for params in ({"k": 2, "count_own": True}, {"k": 3, "count_own": False}):
        times = [consensus_times("majority", n, 400 if n < 10**5 else 150, root=4, **params)
                 for n in sizes]
        for i in range(len(sizes) - 1):
            check_increase(times[i], times[i + 1], sizes[i], sizes[i + 1], **params)


@pytest.mark.parametrize("lazy", [True, False])
def test_voter_consensus_time_is_linear_in_n(lazy):
    n = 100
    t = consensus_times("voter", n, 300, count_own=lazy)
    expected = voter_consensus_rounds(n, lazy=lazy)
    se = t.std(ddof=1) / np.sqrt(t.size)
    assert abs(t.mean() - expected) <= 4 * se + 2, (t.mean(), expected, se)
