"""Rumour mongering against Demers et al. 1987, section 1.4, and against swarm.theory.

Sources. Tables 1 and 2 as printed in the CSL-89-1 reprint of the PODC'87 paper (Xerox PARC,
January 1989, p. 10): n = 1000 sites, push, fanout 1; Table 1 feedback + counter, Table 2
blind + coin; columns residue s, traffic m, t_ave, t_last. Table 3 (pull, feedback + counter):
values as recalled from the PODC'87 version, NOT checked against a copy of the paper (that page
of the reprint was not available) — the slow test below holds our pull to them; verify them.
Semantics: docs/protocols.md, section ``rumor``.

Fixed seeds: ``replicate_seeds(ROOT, K)``, K = 200 runs per row by default and K = 2000 in the
slow suite, so every test is deterministic; the tolerances say how unlikely a failure would be
if the simulator were right.

Tolerance derivations
---------------------
- **Against Demers' tables.** Our mean x over K runs has standard error sd / sqrt(K), with sd
  the sample standard deviation of the per-run values. Demers' printed value D is itself the
  mean of K_D runs of the same process (standard error sd / sqrt(K_D), the same sd) rounded
  to the printed digits (error at most h = half a unit in the last printed place, e.g.
  0.005 for "0.18"). The paper does not say K_D; we assume K_D >= 20, which makes the
  allowance generous (a smaller K_D would make their two or three printed digits meaningless)
  yet still separates the conventions we tried: the cumulative counter gives traffic 3.03 and
  residue 0.049 at k = 2 (Table 1: 3.3, 0.037), the tolerances there are 0.08 and 0.006. We
  require |x - D| <= 4 sqrt(sd^2/K + sd^2/K_D) + h: a normal difference of independent means
  beyond 4 standard errors has probability 6e-5, and rounding adds at most h.
- **t_ave of the push tables is not reproduced** (strict xfail below): every convention we
  tried gives the same t_ave of about 10 rounds for Table 1 (Demers: 11.0 to 12.8) while
  matching s, m and t_last; see docs/protocols.md. Demers' own pull Table 3 t_ave (about 10)
  is matched.
- **Blind chain (Table 2, k = 1), exact.** Each informed node pushes once, so a run is a
  chain of L nodes and residue, traffic, t_last, t_avg are exact functions of L;
  swarm.theory.rumor_chain_length gives E L and Var L. 4 standard errors sqrt(Var L / K).
- **s = e^{-m}** (Demers' relation for push) per run: d = s - push_residue(m, n), the finite
  form (partners among n - 1 others, the origin informed without a push). For a fixed number
  of pushes E d = 0 exactly; the number of pushes is a stopping time of the same process,
  which shifts E d by O(1/n). We allow 4 sd(d)/sqrt(K) + 1/n.
- **The residue equation, blind coin** s = e^{-k(1-s)} (rumor_residue(k, feedback=False)),
  k = 2..5: every informed node pushes k times on average whatever the timing, so the
  equation holds in synchronous rounds as n -> infinity. At n = 1000 we allow, besides 4
  standard errors, the finite-size shift of the deterministic recurrence,
  |rumor_mean_field(k, 1000) - rumor_mean_field(k, 10^9)| (C2 and C3 in the recurrence).
- **The residue equation Demers derived**, s = e^{-(k+1)(1-s)} (rumor_residue(k)), describes
  push + feedback + coin in *continuous* time. In synchronous rounds two pushes reaching a
  susceptible node in the same round are both necessary (C1), so more pushes are made and
  the residue is lower: we require the simulated residue to lie more than 4 standard errors
  below the root, and within 4 standard errors + 2/n of the synchronous mean-field
  recurrence (rumor_mean_field, which has the collisions): the mean of a density-dependent
  Markov chain differs from its mean-field limit by O(1/n) (Kurtz 1970); the constant 2
  covers the largest gap measured at n = 1000 over k = 1..5 (1.7/n, 2000 runs).
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

import swarm
from swarm import theory
from swarm.literature import DEMERS_COLUMNS, DEMERS_TABLE1, DEMERS_TABLE2, DEMERS_TABLE3
from swarm.rng import replicate_seeds

ROOT = 20261201
N = 1000
K_DEMERS = 20  # runs assumed behind each of Demers' averages (not stated in the paper)
COLUMNS = DEMERS_COLUMNS
VARIANTS = {
    "feedback-counter": {},
    "blind-coin": {"protocol.feedback": False, "protocol.stop": "coin"},
    "feedback-coin": {"protocol.stop": "coin"},
    "pull-feedback-counter": {"protocol.mode": "pull"},
}
# printed values (strings: the number of digits gives the rounding allowance)
TABLE1, TABLE2, TABLE3 = DEMERS_TABLE1, DEMERS_TABLE2, DEMERS_TABLE3
FAST_AND_SLOW = [200, pytest.param(2000, marks=pytest.mark.slow)]


@functools.cache
def runs(variant: str, k: int, count: int) -> np.ndarray:
    """Per-run (residue, traffic, t_avg, t_last) of ``count`` seeds, n = 1000."""
    base = swarm.Scenario.from_dict({"nodes": N, "protocol": "rumor", "protocol.k": k,
                                     "max_rounds": 10_000, **VARIANTS[variant]})
    out = np.empty((count, 4))
    for i, seed in enumerate(replicate_seeds(ROOT, count)):
        run = swarm.simulate(base.replace({"seed": seed}))
        assert run.rounds["infective"].iloc[-1] == 0, "the epidemic must have ended"
        out[i] = [run.summary[c] for c in COLUMNS]
    return out


def half_unit(printed: str) -> float:
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return 0.5 * 10.0**-decimals


def check_against_table(values: np.ndarray, printed: str, what: str) -> None:
    count = values.shape[0]
    mean, sd = values.mean(), values.std(ddof=1)
    tol = 4 * math.sqrt(sd**2 / count + sd**2 / K_DEMERS) + half_unit(printed)
    assert abs(mean - float(printed)) <= tol, (what, mean, printed, tol)


def check_table(variant: str, table: dict, k: int, count: int, columns: tuple[str, ...]) -> None:
    data = runs(variant, k, count)
    for col in columns:
        j = COLUMNS.index(col)
        check_against_table(data[:, j], table[k][j], f"{variant} k={k} {col}")


@pytest.mark.parametrize("count", FAST_AND_SLOW)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_table1_push_feedback_counter(k, count):
    check_table("feedback-counter", TABLE1, k, count, ("residue", "traffic", "t_last"))


@pytest.mark.parametrize("count", FAST_AND_SLOW)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_table2_push_blind_coin(k, count):
    check_table("blind-coin", TABLE2, k, count, ("residue", "traffic", "t_last"))


@pytest.mark.xfail(strict=True, reason=(
    "Demers' push t_ave (Table 1: 11.0-12.8) is 1.2-2.8 rounds above what synchronous rounds "
    "give (9.8-10.1) with every convention tried, while s, m and t_last match; "
    "see docs/protocols.md, rumor"))
def test_push_t_ave_matches_demers():
    for k in range(1, 6):
        check_table("feedback-counter", TABLE1, k, 200, ("t_avg",))
        check_table("blind-coin", TABLE2, k, 200, ("t_avg",))


@pytest.mark.parametrize("count", FAST_AND_SLOW)
def test_blind_chain_k1_exact(count):
    """Table 2, k = 1: a chain of L nodes; compare with the exact E L (and Demers)."""
    data = runs("blind-coin", 1, count)
    mean, var = theory.rumor_chain_length(N)
    se = math.sqrt(var / count)
    assert abs((1 - data[:, 0].mean()) * N - mean) <= 4 * se
    assert abs(data[:, 1].mean() * N - mean) <= 4 * se
    assert abs(data[:, 3].mean() - (mean - 1)) <= 4 * se
    assert abs(data[:, 2].mean() - (mean - 1) / 2) <= 4 * se / 2
    # per run, exactly: t_avg = t_last / 2 and traffic = 1 - residue
    np.testing.assert_allclose(data[:, 2], data[:, 3] / 2, rtol=1e-12)
    np.testing.assert_allclose(data[:, 1], 1 - data[:, 0], rtol=1e-12)


@pytest.mark.parametrize("count", FAST_AND_SLOW)
@pytest.mark.parametrize("variant", ["feedback-counter", "blind-coin", "feedback-coin"])
def test_push_residue_is_e_to_the_minus_traffic(variant, count):
    for k in range(1, 6):
        data = runs(variant, k, count)
        d = data[:, 0] - theory.push_residue(data[:, 1], N)
        tol = 4 * d.std(ddof=1) / math.sqrt(count) + 1 / N
        assert abs(d.mean()) <= tol, (variant, k, d.mean(), tol)


@pytest.mark.parametrize("count", FAST_AND_SLOW)
@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_residue_equation_blind_coin(k, count):
    residue = runs("blind-coin", k, count)[:, 0]
    root = theory.rumor_residue(k, feedback=False)
    finite = abs(theory.rumor_mean_field(k, N, feedback=False, stop="coin")["residue"]
                 - theory.rumor_mean_field(k, 10**9, feedback=False, stop="coin")["residue"])
    se = residue.std(ddof=1) / math.sqrt(count)
    assert abs(residue.mean() - root) <= 4 * se + finite, (residue.mean(), root, se, finite)


@pytest.mark.parametrize("count", FAST_AND_SLOW)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_residue_equation_feedback_coin(k, count):
    """Demers' equation is for continuous time; rounds inform more (same-round collisions),
    exactly as the synchronous mean-field recurrence says."""
    residue = runs("feedback-coin", k, count)[:, 0]
    se = residue.std(ddof=1) / math.sqrt(count)
    assert residue.mean() < theory.rumor_residue(k) - 4 * se
    mean_field = theory.rumor_mean_field(k, N, stop="coin")["residue"]
    assert abs(residue.mean() - mean_field) <= 4 * se + 2 / N, (residue.mean(), mean_field)


@pytest.mark.slow
@pytest.mark.parametrize("k", [1, 2, 3])
def test_table3_pull_feedback_counter(k):
    check_table("pull-feedback-counter", TABLE3, k, 1000, COLUMNS)
