"""swarm.theory: table tests of the formulas, and the exact chain against brute force.

The brute force enumerates every joint choice of partners (each node uniform over the n - 1
others, C2) for n = 2..5 in exact rational arithmetic, so the comparisons are to rounding
(1e-12), not to a statistical tolerance.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest

from swarm.errors import ConfigError
from swarm.theory import (
    demers_pull_next,
    demers_push_next,
    exact_rounds_to_full,
    exact_transition,
    karp_push_pull_rounds,
    mean_field_trajectory,
    pittel_push_rounds,
    pull_rounds,
    push_pull_next,
    susceptible_next_moments,
)

MODES = ("push", "pull", "push-pull")
LN2 = math.log(2.0)


# ------------------------------------------------------------------------ reference models


def brute_force_transition(i: int, n: int, mode: str) -> list[Fraction]:
    """P(next informed = j), j = 0..n, by enumerating all (n - 1)^n joint partner choices.

    Nodes 0..i-1 are informed at the start of the round (by symmetry, which ones does not
    matter). Every node draws a partner whatever the mode; choices that the mode ignores only
    multiply every outcome by the same count.
    """
    informed = [v < i for v in range(n)]
    others = [[w for w in range(n) if w != v] for v in range(n)]
    counts = [0] * (n + 1)
    for choice in itertools.product(*others):
        new = list(informed)
        for v, w in enumerate(choice):
            if mode in ("push", "push-pull") and informed[v]:
                new[w] = True  # v pushes to w
            if mode in ("pull", "push-pull") and not informed[v] and informed[w]:
                new[v] = True  # v pulls from w, which replies
        counts[sum(new)] += 1
    total = (n - 1) ** n
    return [Fraction(c, total) for c in counts]


def brute_force_rounds(n: int, mode: str) -> tuple[Fraction, Fraction]:
    """Exact (mean, var) of rounds_to_full from 1 informed, from the brute-force chain.

    ``E_i = 1 + sum_j P_ij E_j`` and ``M_i = 1 + 2 sum_j P_ij E_j + sum_j P_ij M_j`` with
    ``E_n = M_n = 0``, solved from i = n - 1 down (the chain never moves down).
    """
    rows = {i: brute_force_transition(i, n, mode) for i in range(1, n)}
    mean = [Fraction(0)] * (n + 1)
    second = [Fraction(0)] * (n + 1)
    for i in range(n - 1, 0, -1):
        p = rows[i]
        assert all(p[j] == 0 for j in range(i))  # never moves down
        up = range(i + 1, n + 1)
        mean[i] = (1 + sum(p[j] * mean[j] for j in up)) / (1 - p[i])
        rest = sum(p[j] * (2 * mean[j] + second[j]) for j in up)
        second[i] = (1 + 2 * p[i] * mean[i] + rest) / (1 - p[i])
    return mean[1], second[1] - mean[1] ** 2


def per_push_hits(i: int, u: int, n: int) -> np.ndarray:
    """Pmf of the uninformed nodes hit by i pushes: one DP step per push (the plain form)."""
    p = np.zeros(u + 1)
    p[0] = 1.0
    h = np.arange(u + 1)
    for _ in range(i):
        move = p * (u - h) / (n - 1)
        p = p - move
        p[1:] += move[:-1]
    return p


# ----------------------------------------------------------------------------- round counts


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, 0.0), (2, 1.0 + LN2), (1024, 10.0 + 10.0 * LN2), (2**20, 20.0 + 20.0 * LN2)],
)
def test_pittel_push_rounds_table(n, expected):
    assert pittel_push_rounds(n) == pytest.approx(expected, rel=1e-14, abs=1e-14)


@pytest.mark.parametrize(("n", "expected"), [(1, 0.0), (3, 1.0), (729, 6.0), (3**10, 10.0)])
def test_karp_push_pull_rounds_table(n, expected):
    assert karp_push_pull_rounds(n) == pytest.approx(expected, rel=1e-14, abs=1e-14)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (2, 1.0 + math.log2(LN2)),  # log2 2 + log2 ln 2 = 1 - 0.5288
        (1024, 10.0 + math.log2(10.0 * LN2)),
        (2**16, 16.0 + 4.0 + math.log2(LN2)),  # ln 2^16 = 16 ln 2
        (math.e**4, 4.0 / LN2 + 2.0),  # log2 e^4 = 4 / ln 2, log2 ln e^4 = 2
    ],
)
def test_pull_rounds_table(n, expected):
    assert pull_rounds(n) == pytest.approx(expected, rel=1e-13)


def test_round_formulas_are_elementwise_and_scalar_in_scalar_out():
    ns = np.array([2.0, 1024.0, 3.0**10])
    np.testing.assert_allclose(pittel_push_rounds(ns), np.log2(ns) + np.log(ns), rtol=1e-14)
    np.testing.assert_allclose(karp_push_pull_rounds(ns), np.log(ns) / np.log(3), rtol=1e-14)
    np.testing.assert_allclose(pull_rounds(ns), np.log2(ns) + np.log2(np.log(ns)), rtol=1e-14)
    assert type(pittel_push_rounds(1000)) is float
    # Leading-term ordering at practical sizes: push-pull < pull < push.
    assert karp_push_pull_rounds(1000) < pull_rounds(1000) < pittel_push_rounds(1000)


@pytest.mark.parametrize("bad", [0, -5, 0.5, float("nan")])
def test_round_formulas_reject_fewer_than_one_node(bad):
    with pytest.raises(ConfigError, match="^n = "):
        pittel_push_rounds(bad)
    with pytest.raises(ConfigError, match="^n = "):
        karp_push_pull_rounds(bad)
    with pytest.raises(ConfigError, match="^n = "):
        pull_rounds(bad)


def test_pull_rounds_needs_two_nodes():
    with pytest.raises(ConfigError, match=">= 2"):
        pull_rounds(1)


# --------------------------------------------------------------------- mean-field recurrences


def test_demers_push_next_table():
    # n (1 - s) = 1 informed: s (1 - 1/n)^1.
    assert demers_push_next(0.9, 10) == pytest.approx(0.9 * 0.9, rel=1e-14)
    # n (1 - s) = 2: s (1 - 1/n)^2.
    assert demers_push_next(0.5, 4) == pytest.approx(0.5 * 0.75**2, rel=1e-14)
    assert demers_push_next(0.5) == pytest.approx(0.5 * math.exp(-0.5), rel=1e-15)
    assert demers_push_next(1.0) == 1.0 and demers_push_next(0.0, 100) == 0.0


@pytest.mark.parametrize("s", [0.01, 0.3, 0.5, 0.9, 0.999])
def test_demers_push_next_tends_to_the_exponential_limit(s):
    """(1 - 1/n)^(n(1-s)) = exp(-(1-s)(1 + 1/(2n) + O(n^-2))): the gap is ~ limit (1-s)/(2n)."""
    limit = demers_push_next(s)
    gaps = [limit - demers_push_next(s, n) for n in (10, 100, 1000, 10**6)]
    assert all(g > 0 for g in gaps)  # finite n always spreads a little faster
    assert gaps == sorted(gaps, reverse=True)
    for n, gap in zip((10, 100, 1000, 10**6), gaps, strict=True):
        assert gap == pytest.approx(limit * (1 - s) / (2 * n), rel=0.2)


def test_pull_and_push_pull_next_table():
    assert demers_pull_next(0.5) == 0.25
    assert demers_pull_next(0.1) == pytest.approx(0.01, rel=1e-15)
    np.testing.assert_allclose(demers_pull_next(np.array([0.0, 0.3, 1.0])), [0.0, 0.09, 1.0])
    assert push_pull_next(0.5) == pytest.approx(0.25 * math.exp(-0.5), rel=1e-15)
    assert push_pull_next(1.0) == 1.0 and push_pull_next(0.0) == 0.0
    # Finite n: the pull factor times the finite push factor.
    assert push_pull_next(0.5, 4) == pytest.approx(0.25 * 0.75**2, rel=1e-14)


def test_recurrences_reject_a_fraction_outside_unit_interval():
    for f in (demers_push_next, demers_pull_next, push_pull_next):
        with pytest.raises(ConfigError, match="^s = "):
            f(1.5)


def test_mean_field_trajectory():
    n = 1000
    s0 = 1 - 1 / n
    pull = mean_field_trajectory("pull", n, 12)
    assert pull.shape == (13,)
    np.testing.assert_allclose(pull, s0 ** (2.0 ** np.arange(13)), rtol=1e-12)
    push = mean_field_trajectory("push", n, 40)
    assert push[0] == s0
    assert push[1] == pytest.approx((1 - 1 / n) ** 2, rel=1e-14)  # n (1 - s0) = 1
    for mode in MODES:
        traj = mean_field_trajectory(mode, n, 40)
        assert np.all(np.diff(traj) <= 0) and traj[-1] < 1 / n
    # Push-pull shrinks fastest, push slowest (after the first round).
    pp = mean_field_trajectory("push-pull", n, 40)
    assert np.all(pp[1:13] < pull[1:13])
    assert np.all(pull[2:13] < push[2:13])
    np.testing.assert_array_equal(mean_field_trajectory("push", 1, 3), np.zeros(4))
    with pytest.raises(ConfigError, match="^mode = "):
        mean_field_trajectory("gossip", n, 3)
    with pytest.raises(ConfigError, match="^rounds = "):
        mean_field_trajectory("push", n, -1)


# ---------------------------------------------------------------- exact chain vs brute force


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_exact_transition_matches_brute_force(n, mode):
    for i in range(1, n + 1):
        expected = np.array([float(p) for p in brute_force_transition(i, n, mode)])
        np.testing.assert_allclose(exact_transition(i, n, mode), expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_exact_rounds_to_full_matches_brute_force(n, mode):
    mean, var = brute_force_rounds(n, mode)
    got_mean, got_var = exact_rounds_to_full(n, mode)
    assert got_mean == pytest.approx(float(mean), abs=1e-12)
    assert got_var == pytest.approx(float(var), abs=1e-12)


def test_hand_checked_cases():
    # n = 2: the informed node's one push (or the other's pull, or either call) always works.
    for mode in MODES:
        assert exact_rounds_to_full(2, mode) == (1.0, 0.0)
    # n = 3 push from 1: round 1 surely informs one more (both partners are uninformed). From
    # 2, the last node is missed iff both informed nodes pick each other: (1/2)(1/2) = 1/4,
    # so the rest is geometric with p = 3/4: mean 1/p = 4/3, var (1 - p)/p^2 = 4/9.
    # Total: mean 1 + 4/3 = 7/3, var 4/9.
    mean, var = exact_rounds_to_full(3, "push")
    assert mean == pytest.approx(7 / 3, abs=1e-14)
    assert var == pytest.approx(4 / 9, abs=1e-14)
    np.testing.assert_allclose(exact_transition(2, 3, "push"), [0, 0, 0.25, 0.75], atol=1e-15)
    # n = 3 pull from 1: each of the 2 uninformed asks the informed node w.p. 1/2.
    np.testing.assert_allclose(exact_transition(1, 3, "pull"), [0, 0.25, 0.5, 0.25], atol=1e-15)
    # n = 1: nothing to do.
    for mode in MODES:
        assert exact_rounds_to_full(1, mode) == (0.0, 0.0)
    np.testing.assert_array_equal(exact_transition(1, 1, "push"), [0.0, 1.0])


@pytest.mark.parametrize("mode", MODES)
def test_exact_transition_is_a_distribution_that_never_moves_down(mode):
    n = 200
    for i in (0, 1, 2, 50, 100, 199, 200):
        p = exact_transition(i, n, mode)
        assert p.shape == (n + 1,) and np.all(p >= 0)
        assert p.sum() == pytest.approx(1.0, abs=1e-12)
        assert np.all(p[:i] == 0)


@pytest.mark.parametrize("n", [7, 60])
def test_hit_count_matches_the_per_push_dp(n):
    """The kernel steps only through pushes landing on uninformed nodes; the plain DP steps
    through every push. Push's transition is the pmf of the hit count H, shifted by i."""
    for i in range(1, n):
        expected = per_push_hits(i, n - i, n)
        got = exact_transition(i, n, "push")[i:]
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize("mode", MODES)
def test_one_step_moments_match_the_transition_pmf(mode):
    n = 50
    i = np.arange(0, n + 1)
    mean, var = susceptible_next_moments(i, n, mode)
    assert mean.shape == var.shape == (n + 1,)
    for k in range(n + 1):
        p = exact_transition(k, n, mode)
        remaining = n - np.arange(n + 1)  # next informed j -> n - j uninformed
        m = p @ remaining
        v = p @ (remaining - m) ** 2
        assert mean[k] == pytest.approx(m, abs=1e-9)
        assert var[k] == pytest.approx(v, abs=1e-9)
    scalar = susceptible_next_moments(10, n, mode)
    assert scalar == (mean[10], var[10]) and type(scalar[0]) is float


def test_one_step_moments_small_cases():
    # Pull from i = 1, n = 3: R ~ Bin(2, 1/2).
    assert susceptible_next_moments(1, 3, "pull") == (1.0, 0.5)
    # Push from 1: exactly one uninformed node is hit, R = u - 1 with no variance.
    mean, var = susceptible_next_moments(1, 1000, "push")
    assert mean == pytest.approx(998.0, rel=1e-14) and var == pytest.approx(0.0, abs=1e-9)
    # No informed node: nobody changes.
    for mode in MODES:
        assert susceptible_next_moments(0, 10, mode) == (10.0, 0.0)
        assert susceptible_next_moments(10, 10, mode) == (0.0, 0.0)
        assert susceptible_next_moments(1, 1, mode) == (0.0, 0.0)


def test_exact_rounds_to_full_large_n_is_consistent_with_the_asymptotics():
    n = 1000
    push, _ = exact_rounds_to_full(n, "push")
    pull, _ = exact_rounds_to_full(n, "pull")
    push_pull, pp_var = exact_rounds_to_full(n, "push-pull")
    assert push_pull < pull < push
    # The O(1) of Pittel's theorem is about one round at this n.
    assert 0.0 < push - pittel_push_rounds(n) < 2.0
    assert 0.0 < pull - pull_rounds(n) < 2.0
    assert karp_push_pull_rounds(n) < push_pull < karp_push_pull_rounds(n) + 4.0
    assert 0.0 < pp_var < 1.0
    # A tighter window cut-off changes nothing visible.
    assert exact_rounds_to_full(300, "push-pull", tol=0.0) == pytest.approx(
        exact_rounds_to_full(300, "push-pull"), rel=1e-13
    )


def test_exact_functions_validate_arguments():
    with pytest.raises(ConfigError, match="^mode = "):
        exact_rounds_to_full(10, "gossip")
    with pytest.raises(ConfigError, match="^n = "):
        exact_rounds_to_full(0, "push")
    with pytest.raises(ConfigError, match="^n = "):
        exact_rounds_to_full(10.0, "push")
    with pytest.raises(ConfigError, match="^i = "):
        exact_transition(11, 10, "push")
    with pytest.raises(ConfigError, match="^i = "):
        susceptible_next_moments(np.array([1, 11]), 10, "push")
    with pytest.raises(ConfigError, match="^tol = "):
        exact_rounds_to_full(10, "push", tol=0.5)


# ------------------------------------------------------------------ rumour mongering (Demers)

from swarm.theory import (  # noqa: E402
    epidemic_residue,
    push_residue,
    rumor_chain_length,
    rumor_mean_field,
    rumor_residue,
)


@pytest.mark.parametrize(
    ("k", "expected"),
    [
        # s = exp(-(k + 1)(1 - s)); k = 1 is the Daley-Kendall / Maki-Thompson residue
        # 0.203188 (Sudbury 1985); Demers et al.: "about 20%" for k = 1, 6% for k = 2
        (1, 0.2031878699799799),
        (2, 0.0595202092926404),
        (3, 0.0198274012817784),
        (4, 0.0069771536511447),
        (5, 0.0025164622662343),
    ],
)
def test_rumor_residue_table(k, expected):
    s = rumor_residue(k)
    assert s == pytest.approx(expected, rel=1e-12)
    assert s == pytest.approx(math.exp(-(k + 1) * (1 - s)), rel=1e-14)  # it solves it
    assert 0 < s < 1 / (k + 1)  # the nontrivial root, not s = 1
    # blind: s = exp(-k (1 - s)), "k one larger" than with feedback
    if k > 1:
        assert rumor_residue(k, feedback=False) == pytest.approx(rumor_residue(k - 1),
                                                                 rel=1e-14)


def test_epidemic_residue_edges_and_arrays():
    assert epidemic_residue(0.0) == 1.0 and epidemic_residue(1.0) == 1.0
    assert rumor_residue(1, feedback=False) == 1.0  # critical: no macroscopic outbreak
    # just above threshold: s ~ 1 - 2 (r - 1) to first order
    assert 1 - epidemic_residue(1.001) == pytest.approx(0.002, rel=0.01)
    assert epidemic_residue(20.0) == pytest.approx(math.exp(-20), rel=1e-6)
    r = np.array([0.5, 2.0, 3.0])
    np.testing.assert_allclose(epidemic_residue(r), [1.0, rumor_residue(1), rumor_residue(2)],
                               rtol=1e-14)
    assert type(rumor_residue(2)) is float
    with pytest.raises(ConfigError, match="^k = "):
        rumor_residue(0)
    with pytest.raises(ConfigError, match="^r = "):
        epidemic_residue(-1.0)


def test_push_residue_table():
    assert push_residue(0.0) == 1.0
    assert push_residue(1.74) == pytest.approx(math.exp(-1.74), rel=1e-15)
    # n = 2: the one push reaches the other node surely; the origin was informed already
    assert push_residue(0.5, 2) == 0.0
    # n = 3, m n = 3 pushes: (2/3) (1/2)^3
    assert push_residue(1.0, 3) == pytest.approx(2 / 3 / 8, rel=1e-14)
    with pytest.raises(ConfigError, match="^m = "):
        push_residue(-0.1)


def test_rumor_chain_length_table():
    assert rumor_chain_length(1) == (1.0, 0.0)
    assert rumor_chain_length(2) == (2.0, 0.0)
    mean, var = rumor_chain_length(3)  # L = 2 or 3 with probability 1/2 each
    assert mean == pytest.approx(2.5, abs=1e-15) and var == pytest.approx(0.25, abs=1e-15)
    # n = 4: P(L >= 3) = 2/3, P(L >= 4) = 2/3 * 1/3
    mean, var = rumor_chain_length(4)
    assert mean == pytest.approx(2 + 2 / 3 + 2 / 9, abs=1e-14)
    assert var == pytest.approx(1 + 3 + 5 * 2 / 3 + 7 * 2 / 9 - mean**2, abs=1e-13)
    # birthday asymptotics: E L = sqrt(pi n / 2) + O(1)
    mean, _ = rumor_chain_length(10**6)
    assert mean - math.sqrt(math.pi * 10**6 / 2) == pytest.approx(2 / 3, abs=0.05)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_rumor_mean_field_identities(k):
    n = 1000
    for feedback, stop in [(True, "counter"), (True, "coin"), (False, "counter"),
                           (False, "coin")]:
        mf = rumor_mean_field(k, n, feedback=feedback, stop=stop)
        # every push reaches a uniform one of the n - 1 others: s = e^{-m} up to C2/C3
        assert mf["residue"] == pytest.approx(push_residue(mf["traffic"], n), rel=1e-9)
        informed = 1 - mf["residue"]
        if not feedback:
            # blind: every informed node pushes k times (counter) or k on average (coin)
            assert mf["traffic"] == pytest.approx(k * informed, rel=1e-6)
        elif stop == "counter":
            # Demers' lower bound on counter traffic: each of the m informed nodes makes k
            # unnecessary pushes, and m - 1 pushes were necessary: (k + 1) m - 1. (His upper
            # bound k (2m - 1) does not hold in rounds: same-round collisions are necessary
            # pushes that inform nobody.)
            assert (k + 1) * informed - 1 / n <= mf["traffic"] + 1e-9
    # feedback, k = 1: counter and coin are the same rule
    assert rumor_mean_field(1, n)["residue"] == pytest.approx(
        rumor_mean_field(1, n, stop="coin")["residue"], rel=1e-12)


@pytest.mark.parametrize("k", [2, 3, 4, 5])
def test_rumor_mean_field_limits(k):
    """As n -> infinity the blind coin recurrence reaches Demers-style s = e^{-k(1-s)}; with
    feedback the same-round collisions (both pushes necessary, C1) keep the synchronous
    residue below Demers' continuous-time root."""
    big = 10**9
    blind = rumor_mean_field(k, big, feedback=False, stop="coin")["residue"]
    assert blind == pytest.approx(rumor_residue(k, feedback=False), rel=1e-5)
    fb = rumor_mean_field(k, big, stop="coin")["residue"]
    assert fb < rumor_residue(k)
    with pytest.raises(ConfigError, match="^stop = "):
        rumor_mean_field(k, 100, stop="never")


# ----------------------------------------------------------------- the chain under message loss


def brute_force_loss_row(i: int, n: int, mode: str, loss: float) -> np.ndarray:
    """Next-informed pmf from nodes 0..i-1 informed, by enumerating every partner choice and
    every pattern of lost messages (requests, then the replies they trigger)."""
    informed = [v < i for v in range(n)]
    senders = [v for v in range(n)
               if (mode != "pull" and informed[v]) or (mode != "push" and not informed[v])]
    out = np.zeros(n + 1)
    choices = [[w for w in range(n) if w != v] for v in senders]
    for picks in itertools.product(*choices):
        p_pick = 1.0 / (n - 1) ** len(senders)
        for lost in itertools.product([False, True], repeat=len(senders)):
            p_req = np.prod([loss if x else 1 - loss for x in lost])
            new = set()
            replies = []
            for v, w, dropped in zip(senders, picks, lost, strict=True):
                if dropped:
                    continue
                if informed[v]:
                    if not informed[w]:
                        new.add(w)
                elif informed[w] and mode != "push":
                    replies.append(v)
            for rl in itertools.product([False, True], repeat=len(replies)):
                p_rep = np.prod([loss if x else 1 - loss for x in rl])
                got = new | {v for v, x in zip(replies, rl, strict=True) if not x}
                out[i + len(got)] += p_pick * p_req * p_rep
    return out


@pytest.mark.parametrize("mode", ["push", "pull", "push-pull"])
@pytest.mark.parametrize("n", [3, 4])
def test_transition_under_loss_matches_brute_force(mode, n):
    for i in range(1, n):
        want = brute_force_loss_row(i, n, mode, 0.3)
        got = exact_transition(i, n, mode, loss=0.3)
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_loss_zero_is_the_lossless_chain_and_more_loss_is_slower():
    for mode in ("push", "pull", "push-pull"):
        base = exact_rounds_to_full(300, mode)
        assert exact_rounds_to_full(300, mode, loss=0.0) == base
        slower = [exact_rounds_to_full(300, mode, loss=x)[0] for x in (0.1, 0.3, 0.5)]
        assert base[0] < slower[0] < slower[1] < slower[2]
    with pytest.raises(ConfigError, match="loss"):
        exact_rounds_to_full(10, "push", loss=1.0)


def test_kermarrec_reach_all_table():
    from swarm.theory import kermarrec_reach_all

    # fanout = ln n + c  ->  exp(-exp(-c)); c = 0 gives 1/e
    n = math.exp(7.0)
    assert kermarrec_reach_all(n, 7.0) == pytest.approx(math.exp(-1.0))
    assert kermarrec_reach_all(n, 9.0) == pytest.approx(math.exp(-math.exp(-2.0)))
    values = kermarrec_reach_all(1000, np.array([5, 7, 9, 11]))
    assert np.all(np.diff(values) > 0) and values[-1] < 1
