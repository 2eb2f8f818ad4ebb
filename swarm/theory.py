"""Closed-form and exact predictions for rumour spreading on the complete graph.

Every formula is one pure function with its citation. Unless a docstring says otherwise the
model is the simulator's (docs/protocols.md, conventions C1-C4): ``n`` nodes, synchronous
rounds, fanout 1, every partner uniform among the ``n - 1`` other nodes, one node informed
before round 1, ``rounds_to_full`` the first round at whose end all ``n`` are informed.

- push: every informed node sends the rumour to one partner;
- pull: every uninformed node asks one partner and is informed if the partner was;
- push-pull: every node calls one partner and the rumour crosses the call in whichever
  direction it can.

Three levels of prediction:

1. asymptotic round counts (:func:`pittel_push_rounds`, :func:`karp_push_pull_rounds`,
   :func:`pull_rounds`): leading terms only, the ``O(1)`` / ``O(log log n)`` remainders are
   dropped and are not small at practical ``n``;
2. mean-field recurrences for the uninformed ("susceptible") fraction ``s``
   (:func:`demers_push_next`, :func:`demers_pull_next`, :func:`push_pull_next`,
   :func:`mean_field_trajectory`);
3. exact finite-``n`` results: the one-step moments of the uninformed count
   (:func:`susceptible_next_moments`), the transition pmf of the informed count
   (:func:`exact_transition`) and the mean and variance of ``rounds_to_full``
   (:func:`exact_rounds_to_full`), from the Markov chain in :mod:`swarm.kernels.chain`.

References
----------
- [Pittel87] B. Pittel, "On spreading a rumor", SIAM J. Appl. Math. 47(1):213-223, 1987.
- [Demers87] A. Demers, D. Greene, C. Hauser, W. Irish, J. Larson, S. Shenker, H. Sturgis,
  D. Swinehart, D. Terry, "Epidemic algorithms for replicated database maintenance",
  PODC 1987, pp. 1-12.
- [Karp00] R. Karp, C. Schindelhauer, S. Shenker, B. Vöcking, "Randomized rumor spreading",
  FOCS 2000, pp. 565-574.
"""

from __future__ import annotations

import math

import numpy as np

from swarm.errors import ConfigError
from swarm.kernels import chain

__all__ = [
    "MODES",
    "pittel_push_rounds",
    "karp_push_pull_rounds",
    "pull_rounds",
    "demers_push_next",
    "demers_pull_next",
    "push_pull_next",
    "mean_field_trajectory",
    "susceptible_next_moments",
    "exact_transition",
    "exact_rounds_to_full",
]

MODES = ("push", "pull", "push-pull")
_MODE_CODES = {
    "push": chain.MODE_PUSH,
    "pull": chain.MODE_PULL,
    "push-pull": chain.MODE_PUSH_PULL,
    "push_pull": chain.MODE_PUSH_PULL,
}

# Window cut-off of the exact chain: a row loses O(n^2 * 1e-30) of mass, far below rounding.
_CHAIN_TOL = 1e-30


def _mode_code(mode: str) -> int:
    try:
        return _MODE_CODES[mode]
    except (KeyError, TypeError):
        raise ConfigError("mode", mode, f"must be one of {', '.join(MODES)}") from None


def _node_count(n, minimum: int = 1):
    """``n`` as a float array, checked ``>= minimum``; and whether it was a scalar."""
    arr = np.asarray(n, dtype=float)
    if not np.all(np.isfinite(arr)) or np.any(arr < minimum):
        raise ConfigError("n", n, f"must be a number of nodes >= {minimum}")
    return arr, arr.ndim == 0


def _int_node_count(n, minimum: int = 1) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        raise ConfigError("n", n, f"must be an integer >= {minimum}")
    return int(n)


def _fraction(s):
    arr = np.asarray(s, dtype=float)
    if not np.all((arr >= 0.0) & (arr <= 1.0)):
        raise ConfigError("s", s, "must be a fraction in [0, 1]")
    return arr, arr.ndim == 0


def _out(arr, scalar: bool):
    return float(arr) if scalar else arr


# --------------------------------------------------------------------------- round counts


def pittel_push_rounds(n):
    """Leading terms of the rounds push needs to inform all ``n`` nodes: ``log2 n + ln n``.

    [Pittel87]: on the complete graph, with every informed node calling a uniform other node
    each round, the number of rounds is ``log2 n + ln n + O(1)`` in probability
    (sharpening Frieze & Grimmett 1985, ``log2 n + ln n + o(log n)``). Start phase: the
    informed count doubles, ``log2 n`` rounds; end phase: the uninformed fraction shrinks by
    ``e^-1`` a round (:func:`demers_push_next` at ``s -> 0``), ``ln n`` rounds. The ``O(1)``
    is dropped here. Works elementwise on arrays; ``n >= 1``.
    """
    arr, scalar = _node_count(n)
    return _out(np.log2(arr) + np.log(arr), scalar)


def karp_push_pull_rounds(n):
    """Leading term of the rounds push-pull needs to inform all ``n`` nodes: ``log3 n``.

    [Karp00]: push-pull informs everyone in ``log3 n + O(log log n)`` rounds with high
    probability. Start phase: each informed node pushes to
    about one new node and is pulled from by about one, so the informed count triples
    (``log3 n`` rounds). End phase: the uninformed fraction shrinks quadratically
    (:func:`push_pull_next`, ``s -> s^2 e^-(1-s)``), ``O(log log n)`` rounds.

    The ``O(log log n)`` remainder is dropped and is large at practical ``n``: at
    ``n = 1000`` the exact chain (:func:`exact_rounds_to_full`) gives 9.15 rounds against
    ``log3 1000 = 6.29``. Works elementwise on arrays; ``n >= 1``.
    """
    arr, scalar = _node_count(n)
    return _out(np.log(arr) / math.log(3.0), scalar)


def pull_rounds(n):
    """Leading terms of the rounds pull needs to inform all ``n`` nodes: ``log2 n + log2 ln n``.

    Derivation (the phase argument of [Karp00] applied to pull alone, with the
    recurrence of [Demers87]):

    - start phase: with ``i << n`` informed, each of the ``n - i`` uninformed asks an informed
      node with probability ``i / (n - 1)``, so about ``i`` join: the informed count doubles,
      ``log2 n`` rounds to reach a constant fraction;
    - end phase: the uninformed fraction follows ``s_{t+1} = s_t^2``
      (:func:`demers_pull_next`), so ``s_t = s_0^(2^t)``, which is below ``1/n`` once
      ``2^t ln(1/s_0) >= ln n``, i.e. after ``log2 ln n - log2 ln(1/s_0)`` rounds.

    Total ``log2 n + log2 ln n + O(1)``; the ``O(1)`` is dropped. Works elementwise on arrays;
    ``n >= 2`` (``ln n`` must be positive).
    """
    arr, scalar = _node_count(n, minimum=2)
    return _out(np.log2(arr) + np.log2(np.log(arr)), scalar)


# --------------------------------------------------------------------- mean-field recurrences


def demers_push_next(s, n=None):
    """Push: the susceptible fraction after one round, ``s (1 - 1/n)^(n (1 - s))``.

    [Demers87], Section 1.3 (anti-entropy, "push"): each of the ``n (1 - s)`` informed nodes
    picks one of ``n`` nodes, so a given susceptible node is missed by all of them with
    probability ``(1 - 1/n)^(n (1 - s))``. With ``n=None`` the ``n -> infinity`` limit,
    ``s exp(-(1 - s))``. Note Demers' partner is uniform among ``n`` nodes where the simulator's
    is among the ``n - 1`` others (C2); :func:`susceptible_next_moments` is the exact version.
    Works elementwise on arrays; ``n >= 2``.
    """
    s_arr, scalar = _fraction(s)
    if n is None:
        return _out(s_arr * np.exp(-(1.0 - s_arr)), scalar)
    n_arr, n_scalar = _node_count(n, minimum=2)
    missed = np.exp(n_arr * (1.0 - s_arr) * np.log1p(-1.0 / n_arr))
    return _out(s_arr * missed, scalar and n_scalar)


def demers_pull_next(s):
    """Pull: the susceptible fraction after one round, ``s^2``.

    [Demers87], Section 1.3 (anti-entropy, "pull"): a susceptible node stays susceptible iff the
    node it asks is susceptible too, with probability ``s``. Works elementwise on arrays.
    """
    s_arr, scalar = _fraction(s)
    return _out(s_arr * s_arr, scalar)


def push_pull_next(s, n=None):
    """Push-pull: the susceptible fraction after one round, ``s^2 exp(-(1 - s))``.

    The product of the two recurrences of [Demers87] (not printed there): a susceptible node
    stays susceptible iff no informed node pushes to it (probability ``exp(-(1 - s))``, or
    ``(1 - 1/n)^(n (1 - s))`` for finite ``n``, as in :func:`demers_push_next`) and its own
    pull reaches a susceptible node (probability ``s``, :func:`demers_pull_next`); the two are
    independent because they are different nodes' choices. Its quadratic shrinking near
    ``s = 0`` is the end phase of [Karp00]. Works elementwise on arrays; ``n >= 2``.
    """
    s_arr, scalar = _fraction(s)
    return _out(s_arr * np.asarray(demers_push_next(s_arr, n)), scalar and np.ndim(n) == 0)


_NEXT = {"push": demers_push_next, "push-pull": push_pull_next, "push_pull": push_pull_next}


def mean_field_trajectory(mode: str, n: int, rounds: int) -> np.ndarray:
    """The susceptible fraction ``s_0, ..., s_rounds`` of the mean-field recurrence.

    Starts from ``s_0 = 1 - 1/n`` (one node informed, C3) and applies :func:`demers_push_next`
    (finite ``n``), :func:`demers_pull_next` or :func:`push_pull_next` (finite ``n``), by
    ``mode``. Returns an array of length ``rounds + 1``. A mean-field trajectory is the
    deterministic recurrence, not the mean of the random process: for example pull from
    ``s_0 = 1 - 1/n`` takes about ``log2 n`` rounds to leave ``s ~ 1``.
    """
    code = _mode_code(mode)
    n = _int_node_count(n)
    if isinstance(rounds, bool) or not isinstance(rounds, (int, np.integer)) or rounds < 0:
        raise ConfigError("rounds", rounds, "must be an integer >= 0")
    traj = np.empty(int(rounds) + 1)
    traj[0] = 1.0 - 1.0 / n
    for t in range(int(rounds)):
        s = traj[t]
        if n == 1:  # s = 0: nobody left to inform
            traj[t + 1] = 0.0
        elif code == chain.MODE_PULL:
            traj[t + 1] = demers_pull_next(s)
        else:
            traj[t + 1] = _NEXT[mode](s, n)
    return traj


# ------------------------------------------------------------------------- exact, finite n


def _pow1m(x: float, k: np.ndarray) -> np.ndarray:
    """``(1 - x)^k`` for a scalar ``x <= 2`` and integer array ``k >= 0``, with ``0^0 = 1``."""
    if x < 1.0:
        return np.exp(k * math.log1p(-x))
    return np.power(1.0 - x, k.astype(float))


def susceptible_next_moments(i, n: int, mode: str, *, loss: float = 0.0):
    """Exact mean and variance of the uninformed count after one round that starts with ``i``.

    Complete graph, fanout 1, partners uniform among the ``n - 1`` others (C2); ``u = n - i``
    uninformed at the start of the round, ``R`` of them still uninformed at its end. With
    ``q = (u - 1) / (n - 1)`` (an uninformed node's pull reaches an uninformed node),
    ``a = (1 - 1/(n-1))^i`` (a given uninformed node is missed by all ``i`` pushes; each
    push picks one of the ``n - 1`` non-senders, independently) and ``b = (1 - 2/(n-1))^i``
    (a given pair is missed), ``R`` is a sum of ``u`` indicators, so
    ``E R = u p1`` and ``Var R = u p1 (1 - p1) + u (u - 1) (p2 - p1^2)`` with

    - pull: ``p1 = q``, ``p2 = q^2`` (the ``u`` pulls are independent): ``R ~ Bin(u, q)``;
    - push: ``p1 = a``, ``p2 = b`` (occupancy moments);
    - push-pull: a node stays uninformed iff it is missed by all pushes AND its own pull hits
      an uninformed node, and the pulls are independent of the pushes: ``p1 = a q``,
      ``p2 = b q^2``.

    ``b - a^2`` is computed as ``a^2 expm1(i log1p(-x^2 / (1 - x)^2))``, ``x = 1/(n-1)``,
    to avoid cancellation. ``i`` may be an integer or an integer array (``0 <= i <= n``);
    returns ``(mean, var)`` as floats or arrays to match.

    With ``loss`` (each message dropped independently) ``x = (1 - loss) / (n - 1)`` replaces
    ``1 / (n - 1)`` in ``a`` and ``b`` (a push arrives and hits the node), and
    ``q = 1 - (1 - loss)^2 i / (n - 1)`` (the pull's request and reply both arrive).
    """
    code = _mode_code(mode)
    n = _int_node_count(n)
    i_arr = np.asarray(i)
    if i_arr.dtype.kind not in "iu" or np.any(i_arr < 0) or np.any(i_arr > n):
        raise ConfigError("i", i, f"must be an integer (array) in [0, n = {n}]")
    scalar = i_arr.ndim == 0
    k = i_arr.astype(np.int64)
    u = (n - k).astype(float)
    if n == 1:
        zero = np.zeros(k.shape)
        return _out(zero, scalar), _out(zero.copy(), scalar)
    deliver = 1.0 - _loss_rate(loss)
    x = deliver / (n - 1)
    q = (u - 1.0) / (n - 1) if deliver == 1.0 else 1.0 - deliver * deliver * k / (n - 1)
    a = _pow1m(x, k)
    if n >= 4:
        b_minus_a2 = a * a * np.expm1(k * math.log1p(-(x * x) / ((1.0 - x) ** 2)))
    else:
        b_minus_a2 = _pow1m(2.0 * x, k) - a * a
    if code == chain.MODE_PULL:
        p1 = q
        p1_cov = np.zeros_like(q)
    elif code == chain.MODE_PUSH:
        p1 = a
        p1_cov = b_minus_a2
    else:
        p1 = a * q
        p1_cov = q * q * b_minus_a2
    mean = u * p1
    var = u * p1 * (1.0 - p1) + u * (u - 1.0) * p1_cov
    return _out(mean, scalar), _out(var, scalar)


def _loss_rate(loss: float) -> float:
    if isinstance(loss, bool) or not isinstance(loss, (int, float)) or not 0.0 <= loss < 1.0:
        raise ConfigError("loss", loss, "must be a probability in [0, 1)")
    return float(loss)


def exact_transition(i: int, n: int, mode: str, *, loss: float = 0.0) -> np.ndarray:
    """The exact pmf of the informed count at the end of a round that starts with ``i``.

    Returns an array ``p`` of length ``n + 1``, ``p[j] = P(next informed = j)``; fanout 1,
    partners uniform among the ``n - 1`` others (C2). From ``i`` informed, ``u = n - i``:

    - ``H``, the distinct uninformed nodes hit by the ``i`` pushes: each push hits a given
      uninformed node with probability ``1 / (n - 1)`` (its sender never picks itself, and is
      informed), independently, so one more push turns ``h`` hit into ``h + 1`` with
      probability ``(u - h) / (n - 1)``: a dynamic programme over the pushes;
    - ``R``, the still uninformed, with ``q = (u - 1) / (n - 1)``: push ``R = u - H``; pull
      ``R ~ Bin(u, q)``; push-pull ``R | H = h ~ Bin(u - h, q)`` (by symmetry the hit set is a
      uniform subset of the uninformed, and the un-hit nodes' pulls are independent of it);
    - next informed ``= n - R``.

    With ``loss`` (each message dropped independently): a push hits a given uninformed node
    with probability ``(1 - loss) / (n - 1)``, and an uninformed node's pull succeeds with
    probability ``(1 - loss)^2 i / (n - 1)`` (request and reply both arrive), so
    ``q = 1 - (1 - loss)^2 i / (n - 1)``. Computed without cut-offs (exact up to rounding).
    ``0 <= i <= n``.
    """
    code = _mode_code(mode)
    n = _int_node_count(n)
    if isinstance(i, bool) or not isinstance(i, (int, np.integer)) or not 0 <= i <= n:
        raise ConfigError("i", i, f"must be an integer in [0, n = {n}]")
    out = np.zeros(n + 1)
    if n == 1:
        out[int(i)] = 1.0
        return out
    work = np.empty((3, n + 1))
    chain.transition_row(int(i), n, code, 0.0, work, out, _loss_rate(loss))
    return out


def exact_rounds_to_full(
    n: int, mode: str, *, tol: float = _CHAIN_TOL, loss: float = 0.0
) -> tuple[float, float]:
    """Exact mean and variance of ``rounds_to_full`` from one informed node (C3), fanout 1.

    The informed count is a Markov chain (:func:`exact_transition`) that only moves up or
    stays, so the hitting time ``T_i`` of ``n`` from ``i`` satisfies, from ``i = n - 1`` down
    to 1 (``E_n = M_n = 0``):

        E_i = (1 + sum_{j>i} P_ij E_j) / (1 - P_ii)
        M_i = (1 + 2 P_ii E_i + sum_{j>i} P_ij (2 E_j + M_j)) / (1 - P_ii)

    (``M_i = E T_i^2``, from ``T_i = 1 + T_J``, ``J ~ P_i.``); returns ``(E_1, M_1 - E_1^2)``.
    ``O(n^3)`` in the worst case, much less with the window cut-off ``tol`` (probabilities
    below it are dropped; the L1 error of a row is ``O(n^2 tol)``, so the default ``1e-30`` is
    far below rounding). ``n = 1`` gives ``(0.0, 0.0)``.

    ``loss``: every message is dropped independently with this probability (convention C5, the
    ``loss`` fault): a push arrives with probability ``1 - loss``, a pull needs its request and
    its reply to arrive, ``(1 - loss)^2`` (see :func:`exact_transition`).
    """
    code = _mode_code(mode)
    n = _int_node_count(n)
    if not 0.0 <= tol < 1e-6:
        raise ConfigError("tol", tol, "must be in [0, 1e-6)")
    loss = _loss_rate(loss)
    mean, second = chain.hitting_moments(n, code, float(tol), loss)
    e1 = float(mean[1]) if n > 1 else 0.0
    m1 = float(second[1]) if n > 1 else 0.0
    return e1, max(m1 - e1 * e1, 0.0)


# ------------------------------------------------------------------ rumour mongering (Demers)
#
# [Demers87] section 1.4 ("complex epidemics"): a node is susceptible, infective or removed;
# infective nodes push the rumour to random partners and lose interest by a stop rule
# (swarm.protocols.rumor, docs/protocols.md "rumor"). With s the susceptible fraction at the
# end (the residue) and m the rumour-carrying messages per node (the traffic), every push
# variant satisfies s = e^{-m} as n -> infinity (each push reaches a uniform node); the stop
# rule fixes m as a function of s, which closes the equation.

__all__ += [
    "push_residue",
    "epidemic_residue",
    "rumor_residue",
    "rumor_mean_field",
    "rumor_chain_length",
]


def push_residue(m, n=None):
    """Push: the fraction of nodes no push reached, from the traffic ``m``: ``e^{-m}``.

    [Demers87] section 1.4 ("the s = e^{-m} relationship of push"): ``n m`` pushes, each to a
    uniform node, miss a given node with probability ``(1 - 1/n)^{n m}``. With ``n`` given, the
    simulator's finite version (C2, C3): a partner is uniform among the ``n - 1`` others and the
    origin is informed without a push, so ``s = (1 - 1/n) (1 - 1/(n - 1))^{n m}``. Works
    elementwise on arrays; ``m >= 0``, ``n >= 2``.
    """
    m_arr = np.asarray(m, dtype=float)
    if not np.all(np.isfinite(m_arr)) or np.any(m_arr < 0):
        raise ConfigError("m", m, "must be a traffic >= 0 (messages per node)")
    scalar = m_arr.ndim == 0
    if n is None:
        return _out(np.exp(-m_arr), scalar)
    n_arr, n_scalar = _node_count(n, minimum=2)
    with np.errstate(divide="ignore", invalid="ignore"):  # n = 2: the only other node
        missed = np.exp(n_arr * m_arr * np.log1p(-1.0 / (n_arr - 1.0)))
    missed = np.where(n_arr > 2, missed, np.where(m_arr > 0, 0.0, 1.0))
    return _out((1.0 - 1.0 / n_arr) * missed, scalar and n_scalar)


def epidemic_residue(r):
    """The root ``s`` in ``[0, 1)`` of ``s = e^{-r (1 - s)}`` (1 when ``r <= 1``).

    The final-size equation of an epidemic in which every node that is reached makes ``r``
    uniform contacts on average (Kermack-McKendrick; [Demers87] section 1.4 for rumours):
    ``s = e^{-m}`` with ``m = r (1 - s)``. ``s = 1`` always solves it; for ``r > 1`` the
    residue is the other root, below ``1 / r``. Solved by Newton's method from ``s = 0``:
    ``f(s) = s - e^{-r (1 - s)}`` is concave with ``f(0) < 0`` and ``f' > 0`` up to the root,
    so the iterates rise monotonically to it and never overshoot. Works elementwise on arrays;
    ``r >= 0``.
    """
    r_arr = np.asarray(r, dtype=float)
    if not np.all(np.isfinite(r_arr)) or np.any(r_arr < 0):
        raise ConfigError("r", r, "must be a mean number of contacts >= 0")
    scalar = r_arr.ndim == 0
    r_arr = np.atleast_1d(r_arr)
    s = np.zeros_like(r_arr)
    above = r_arr > 1.0
    rr = np.where(above, r_arr, 2.0)  # r <= 1: residue 1; iterate a harmless stand-in
    for _ in range(200):
        e = np.exp(-rr * (1.0 - s))
        s_new = np.where(above, s - (s - e) / (1.0 - rr * e), 1.0)
        done = np.all(np.abs(s_new - s) <= 1e-16)
        s = s_new
        if done:
            break
    return _out(s[0] if scalar else s, scalar)


def rumor_residue(k, *, feedback: bool = True):
    """Residue of push rumour mongering with the coin stop rule, as ``n -> infinity``.

    [Demers87] section 1.4: with feedback an infective node loses interest with probability
    ``1/k`` after each unnecessary contact. Demers' model ``ds/dt = -s i``,
    ``di/dt = s i - (1/k)(1 - s) i`` gives ``di/ds = -(k + 1)/k + 1/(k s)``,
    ``i(s) = (k + 1)/k (1 - s) + ln(s)/k`` (from ``i = 0`` at ``s = 1``), so the epidemic
    ends (``i = 0``) at ``s = e^{-(k + 1)(1 - s)}``: each informed node makes one necessary
    push and ``k`` unnecessary ones on average, ``m = (k + 1)(1 - s)``, and ``s = e^{-m}``.
    ``k = 1``: 0.2032 (about 20%), ``k = 2``: 0.0595, ``k = 3``: 0.0198.

    Blind (``feedback=False``, lose interest with probability ``1/k`` after every push):
    ``di/dt = s i - i/k``, so ``s = e^{-k (1 - s)}`` (each informed node pushes ``k`` times
    on average) -- Demers' "k one larger" than with feedback; ``k = 1`` is critical (residue
    1 in the limit; at finite ``n`` the rumour reaches O(sqrt n) nodes).

    The derivation is in continuous time. In synchronous rounds (C1) two pushes can reach the
    same susceptible node in one round; with feedback both count as necessary, which adds
    pushes and lowers the residue below this root (0.174 for ``k = 1`` at ``n = 1000``, see
    :func:`rumor_mean_field`); the blind equation holds in rounds too. ``k >= 1``.
    """
    k_arr = np.asarray(k, dtype=float)
    if not np.all(np.isfinite(k_arr)) or np.any(k_arr < 1):
        raise ConfigError("k", k, "must be >= 1")
    return epidemic_residue(k_arr + 1.0 if feedback else k_arr)


def rumor_mean_field(
    k: int, n: int, *, feedback: bool = True, stop: str = "counter", max_rounds: int = 100_000
) -> dict[str, float]:
    """Mean-field recurrence of push rumour mongering in synchronous rounds, fanout 1.

    The deterministic analogue, round by round, of the simulator's push variant (conventions
    C1-C4 and the ``rumor`` rules of docs/protocols.md), in fractions of ``n`` nodes:

    - start: ``s = 1 - 1/n`` susceptible, ``1/n`` infective with counter 0;
    - each round the ``n I`` infective nodes push once each to a partner uniform among the
      ``n - 1`` others: a susceptible node is reached with probability
      ``1 - (1 - 1/(n - 1))^{n I}``, and a push is necessary (its target was susceptible at
      the start of the round, C1) with probability ``p = s n / (n - 1)``;
    - stop rules per infective node and round: counter with feedback -> counter 0 with
      probability ``p``, else + 1; counter blind -> + 1; removed at ``k``. Coin with feedback
      -> removed with probability ``(1 - p)/k``; coin blind -> with probability ``1/k``;
    - newly reached nodes become infective with counter 0 at the end of the round.

    Iterates until fewer than ``1e-9`` infective nodes remain; returns ``residue`` (final
    ``s``), ``traffic`` (pushes per node, Demers' *m*) and ``t_avg`` (mean round of first
    receipt over the reached nodes, the origin at round 0). It reproduces Demers' Table 1
    residue and traffic (counter, feedback) and Table 2 (coin, blind); as ``n -> infinity``
    the blind coin residue tends to :func:`rumor_residue` (``feedback=False``), while with
    feedback the same-round collisions keep it below Demers' continuous-time root. Early
    extinction is ignored (no branching randomness), which matters only for ``k = 1`` blind.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ConfigError("k", k, "must be an integer >= 1")
    n = _int_node_count(n, minimum=2)
    if stop not in ("counter", "coin"):
        raise ConfigError("stop", stop, "must be one of counter, coin")
    levels = np.zeros(int(k) if stop == "counter" else 1)
    levels[0] = 1.0 / n
    s = 1.0 - 1.0 / n
    log_miss = math.log1p(-1.0 / (n - 1)) if n > 2 else -math.inf
    traffic = 0.0
    weighted = 0.0
    for t in range(1, max_rounds + 1):
        infective = float(levels.sum())
        if infective * n < 1e-9:
            break
        traffic += infective
        reached = s * -math.expm1(n * infective * log_miss) if n > 2 else s
        p = min(1.0, s * n / (n - 1))
        nxt = np.zeros_like(levels)
        if stop == "counter":
            if feedback:
                nxt[0] = infective * p
                nxt[1:] = levels[:-1] * (1.0 - p)
            else:
                nxt[1:] = levels[:-1]
        else:
            lose = (1.0 - p) / k if feedback else 1.0 / k
            nxt[0] = infective * (1.0 - lose)
        nxt[0] += reached
        weighted += t * reached
        s -= reached
        levels = nxt
    informed = 1.0 - s
    return {"residue": s, "traffic": traffic, "t_avg": weighted / informed}


def rumor_chain_length(n: int) -> tuple[float, float]:
    """Exact mean and variance of the number of nodes a blind rumour with ``k = 1`` reaches.

    Push, blind, coin ``k = 1`` (or counter ``k = 1``): every informed node pushes exactly
    once, in the round after it learned, and then loses interest -- the rumour is a chain that
    stops at its first push to a node that already knows it ([Demers87] Table 2, ``k = 1``).
    With ``j`` nodes informed, the newest pushes to a uniform one of its ``n - 1`` others, of
    which ``j - 1`` know the rumour, so ``P(L > j | L >= j) = (n - j)/(n - 1)`` and
    ``P(L >= j) = prod_{i<j} (n - i)/(n - 1)``; ``E L = sum_j P(L >= j)``,
    ``E L^2 = sum_j (2 j - 1) P(L >= j)``. Per run the rest follows exactly: residue
    ``1 - L/n``, traffic ``L/n``, ``t_last = L - 1``, ``t_avg = (L - 1)/2``. About
    ``sqrt(pi n / 2)`` (the birthday problem): 40.2 nodes for ``n = 1000``.
    """
    n = _int_node_count(n)
    j = np.arange(1, n + 1, dtype=float)
    factors = np.empty(n)
    factors[0] = 1.0
    factors[1:] = (n - j[:-1]) / (n - 1) if n > 1 else 1.0
    tail = np.cumprod(factors)  # tail[j - 1] = P(L >= j)
    mean = float(tail.sum())
    second = float(((2 * j - 1) * tail).sum())
    return mean, max(second - mean * mean, 0.0)


# ------------------------------------------------------- fanout and reliability (Kermarrec)

__all__ += ["kermarrec_reach_all"]


def kermarrec_reach_all(n, fanout):
    """Probability that one-shot gossip reaches every node, asymptotically
    ``exp(-exp(-c))`` for ``fanout = ln n + c``.

    [Kermarrec03] A.-M. Kermarrec, L. Massoulié, A. J. Ganesh, "Probabilistic reliable
    dissemination in large-scale systems", IEEE TPDS 14(3):248-258, 2003: every node that
    receives the message for the first time forwards it once to ``fanout`` members chosen
    uniformly at random; on a complete graph of ``n`` nodes with ``fanout = ln n + c`` the
    probability that all receive it tends to ``exp(-e^{-c})`` as ``n -> infinity``. In swarm
    this is ``rumor`` with ``feedback = false``, ``stop = "coin"``, ``k = 1`` (each informed
    node pushes once, to ``fanout`` distinct partners). ``fanout`` may be an array.
    """
    n_arr, n_scalar = _node_count(n, minimum=2)
    f = np.asarray(fanout, dtype=float)
    c = f - np.log(n_arr)
    return _out(np.exp(-np.exp(-c)), n_scalar and f.ndim == 0)


# ------------------------------------------------------- aggregation (Jelasity; Kempe et al.)
#
# [Jelasity05] M. Jelasity, A. Montresor, O. Babaoglu, "Gossip-based aggregation in large
# dynamic networks", ACM TOCS 23(3):219-252, 2005.
# [Kempe03] D. Kempe, A. Dobra, J. Gehrke, "Gossip-based computation of aggregate
# information", FOCS 2003, pp. 482-491.

__all__ += ["averaging_variance_factor", "JELASITY_FACTOR", "push_sum_potential_factor"]

#: [Jelasity05]'s variance reduction per cycle of push-pull averaging with GETPAIR_DISTR,
#: ``1 / (2 sqrt e)``: the limit of :func:`averaging_variance_factor` as n -> infinity.
JELASITY_FACTOR = 0.5 * math.exp(-0.5)


def averaging_variance_factor(n, p_exchange: float = 1.0):
    """Expected ratio of the variance of the values after a round of ``averaging`` to the
    variance before it, ``E[2^-phi]``, on the complete graph of ``n`` nodes.

    Model (``swarm.protocols.aggregation``): every node, in node order, calls one partner
    uniform among the ``n - 1`` others, and the pair replaces both values by their mean; an
    exchange happens with probability ``p_exchange`` (``(1 - loss)^2`` under loss: the request
    and the answer must both arrive, and a failed exchange changes nothing).

    Derivation ([Jelasity05], section 3, Theorem 1): if the two values of every exchange are
    uncorrelated, an exchange halves each participant's share of the variance, so a node that
    takes part in ``phi`` exchanges keeps ``2^-phi`` of it and ``E[var'] = E[2^-phi] var``.
    Here ``phi = A + B``, ``A`` ~ Bernoulli(``p``) (its own call) independent of
    ``B`` ~ Binomial(``n - 1``, ``p / (n - 1)``) (the calls it receives), so

        E[2^-phi] = (1 - p/2) * (1 - p / (2 (n - 1)))^(n - 1)  ->  (1 - p/2) e^(-p/2),

    which is ``1 / (2 sqrt e) ~ 0.3033`` for ``p = 1`` (:data:`JELASITY_FACTOR`). ``n = 1``:
    1 (nothing to exchange).

    Scope: the uncorrelated-values hypothesis holds in round 1 (independent initial values);
    in later rounds of swarm's fixed node order the exchanges are slightly correlated and the
    measured factor is a little smaller (about 0.293 at n = 10^5, faster than predicted; a
    random order per round keeps 0.303), see tests/statistical/test_aggregation_theory.py.
    """
    n_arr, scalar = _node_count(n, minimum=1)
    p = float(p_exchange)
    if not 0.0 <= p <= 1.0:
        raise ConfigError("p_exchange", p_exchange, "must be a probability in 0..1")
    m = np.maximum(n_arr - 1.0, 1.0)
    out = (1.0 - p / 2.0) * np.exp(m * np.log1p(-p / (2.0 * m)))  # accurate for large m
    return _out(np.where(n_arr < 2, 1.0, out), scalar)


def push_sum_potential_factor(n):
    """Expected ratio ``E[Phi_{t+1}] / Phi_t`` of push-sum's potential
    ``Phi = sum_i (s_i - mu w_i)^2`` (``mu = sum s / sum w``) over one round on the complete
    graph of ``n`` nodes without loss: ``(2m - 1)(m - 1) / (4 m^2)`` with ``m = n - 1``.

    Derivation (the analogue of [Kempe03] Lemma 2.3, whose partner may be the node itself and
    which gets ``1/2 - 1/(4n)``; here a partner is uniform among the ``m = n - 1`` others, C2):
    ``y_i = s_i - mu w_i`` follows the same linear rule as ``s`` and ``w`` and ``sum y = 0``.
    With ``B_ij`` the indicator that ``i`` sends to ``j`` (``P = 1/m``, one target per
    sender, senders independent), ``y'_j = (y_j + sum_i B_ij y_i) / 2``, and

        E[(y_j + sum_i B_ij y_i)^2] = y_j^2 + 2 y_j sum_{i!=j} y_i / m
                                     + sum_{i!=j} y_i^2 / m + sum_{i!=k; i,k!=j} y_i y_k / m^2.

    Using ``sum_{i!=j} y_i = -y_j`` and summing over ``j`` (``Y = sum y^2``) gives
    ``Y (2 - 2/m - (m - 1)/m^2) = Y (2m - 1)(m - 1) / m^2``; a quarter of that is
    ``E[Y']``. The identity is exact (no independence of the values is assumed), so
    ``E[Phi_t] = factor^t Phi_0``: the geometric decay of [Kempe03] Theorem 3.1, about 1/2
    per round. ``n = 2``: 0 (the two nodes swap halves and agree); ``n = 1``: 1.
    """
    n_arr, scalar = _node_count(n, minimum=1)
    m = np.maximum(n_arr - 1.0, 1.0)
    out = (2.0 * m - 1.0) * (m - 1.0) / (4.0 * m * m)
    return _out(np.where(n_arr < 2, 1.0, out), scalar)


# --------------------------------------------------------------- agreement (majority, voter)
#
# [Becchetti16] L. Becchetti, A. Clementi, E. Natale, F. Pasquale, R. Silvestri, L. Trevisan,
# "Stabilizing consensus with many opinions", SODA 2016.
# [Holley75] R. Holley, T. Liggett, "Ergodic theorems for weakly interacting infinite systems
# and the voter model", Ann. Probab. 3(4):643-663, 1975.
# [Kimura55] M. Kimura, "Solution of a process of random genetic drift with a continuous
# model", PNAS 41(3):144-150, 1955 (the diffusion of a neutral allele: the voter model's).

__all__ += ["majority_next", "majority_drift", "majority_consensus_rounds",
            "voter_consensus_rounds"]


def _vote_outcome(ones: np.ndarray, total: int) -> np.ndarray:
    """P(adopt 1) given ``ones`` votes for 1 out of ``total``: 1, 0, or 1/2 on a tie."""
    return np.where(2 * ones > total, 1.0, np.where(2 * ones == total, 0.5, 0.0))


def majority_next(p, k: int, count_own: bool = True):
    """Mean-field map of ``majority`` on the complete graph (n -> infinity): the fraction
    holding opinion 1 after a round, from ``p`` before it.

    A node asks ``k`` others; for large ``n`` their opinions are independent Bernoulli(p),
    so the answers for 1 are ``V ~ Binomial(k, p)``. With ``count_own`` a node holding ``o``
    has ``V + o`` of ``k + 1`` votes for 1; the majority wins and a tie is a fair coin:

        p' = p P(adopt 1 | o = 1) + (1 - p) P(adopt 1 | o = 0).

    ``k = 2`` with ``count_own`` and ``k = 3`` without both give ``3p^2 - 2p^3``
    (3-majority, [Becchetti16]); ``k = 1`` gives ``p' = p`` (the voter model has no drift).
    Works elementwise on arrays.
    """
    p_arr, scalar = _fraction(p)
    v = np.arange(k + 1)
    pmf = np.array([math.comb(k, j) for j in v], float) * \
        p_arr[..., None] ** v * (1.0 - p_arr[..., None]) ** (k - v)
    own = 1 if count_own else 0
    win1 = (pmf * _vote_outcome(v + own, k + own)).sum(-1)
    win0 = (pmf * _vote_outcome(v, k + own)).sum(-1)
    return _out(p_arr * win1 + (1.0 - p_arr) * win0, scalar)


def majority_drift(k: int, count_own: bool = True) -> float:
    """``lambda = d p' / d p`` at ``p = 1/2`` (:func:`majority_next`): how much a small bias
    ``p - 1/2`` grows per round (3/2 for 3-majority). From a central difference; the map is a
    polynomial of degree ``k + 1``, so the error is ~1e-10."""
    h = 1e-5
    return (majority_next(0.5 + h, k, count_own) - majority_next(0.5 - h, k, count_own)) / (2 * h)


def majority_consensus_rounds(n, k: int, count_own: bool = True, bias: float | None = None):
    """Mean-field rounds of ``majority`` to consensus on the complete graph of ``n`` nodes,
    from ``p_0 = 1/2 + bias`` (default ``1 / (2 sqrt n)``: one standard deviation of the
    initial fraction when opinions start as fair coins) until the minority fraction falls
    below ``1 / n``.

    Two phases: while the bias is small it grows by ``lambda`` (:func:`majority_drift`) per
    round, so it takes ``ln(1 / bias) / ln lambda = ln n / (2 ln lambda) + O(1)`` rounds to
    reach a constant; then the minority fraction is squared (times a constant) per round,
    ``O(log log n)`` more. So consensus time is ``ln n / (2 ln lambda) + O(log log n)``: it
    grows like log n ([Becchetti16] for 3-majority: O(log n) rounds w.h.p.). The iteration
    is exact for the mean-field map; the last round is interpolated in
    ``log(-log minority)`` (the doubly exponential phase), so the result is continuous in
    ``n``. The random initial bias and the sampling noise of every round shift the mean
    consensus time of the simulator by an amount that does not depend on ``n`` for large
    ``n``, so differences across ``n`` are what to compare (test_agreement_theory.py).
    """
    n_arr, scalar = _node_count(n, minimum=2)
    lam = majority_drift(k, count_own)
    if lam <= 1.0:
        raise ConfigError("k", k, "gives no drift toward the majority (the voter model: use "
                          "voter_consensus_rounds)")
    out = np.empty(n_arr.shape)
    for idx, size in np.ndenumerate(n_arr):
        p = 0.5 + (0.5 / math.sqrt(size) if bias is None else bias)
        t = 0
        target = math.log(math.log(size))
        while True:
            q = float(majority_next(p, k, count_own))
            if size * (1.0 - q) < 1.0:
                a = math.log(-math.log(1.0 - p)) if p < 1.0 else target
                b = math.log(-math.log(max(1.0 - q, 1e-300)))
                out[idx] = t + (target - a) / (b - a) if b > a else t + 1
                break
            p, t = q, t + 1
    return _out(out, scalar)


def voter_consensus_rounds(n, p: float = 0.5, lazy: bool = True):
    """Expected rounds of ``voter`` to consensus on the complete graph of ``n`` nodes from a
    fraction ``p`` of ones, in the diffusion limit ([Kimura55]; the voter model's dual,
    [Holley75]): ``-(2n / c) (p ln p + (1 - p) ln(1 - p))``, which is ``(2n / c) ln 2`` at
    ``p = 1/2`` -- linear in n, against majority's log n.

    ``c`` is the per-round variance of the fraction of ones in units of ``p (1 - p) / n``:
    without ``lazy`` (``count_own = false``) every node copies a uniform other, so a node
    holding 1 switches with probability ``1 - p`` and one holding 0 with ``p``:
    ``Var = n p (1 - p)``, ``c = 1``. Lazy (``count_own``, the default), a node that hears the
    other opinion adopts it with probability 1/2: switch probabilities ``(1 - p) / 2`` and
    ``p / 2``, ``Var = n [p q (1 - q) + (1 - p) r (1 - r)] = (3/4) n p (1 - p)``, ``c = 3/4``.
    The mean change is 0 either way (a martingale). Corrections are O(1) rounds.
    """
    n_arr, scalar = _node_count(n, minimum=2)
    frac = float(p)
    if not 0.0 < frac < 1.0:
        raise ConfigError("p", p, "must be a fraction strictly between 0 and 1")
    c = 0.75 if lazy else 1.0
    entropy = -(frac * math.log(frac) + (1.0 - frac) * math.log(1.0 - frac))
    return _out(2.0 * n_arr / c * entropy, scalar)
# ----------------------------------------------------------- failure detection (SWIM, gossip)
#
# [Das02] A. Das, I. Gupta, A. Motivala, "SWIM: Scalable Weakly-consistent Infection-style
#   Process Group Membership Protocol", DSN 2002, pp. 303-312.
# [vanRenesse98] R. van Renesse, Y. Minsky, M. Hayden, "A Gossip-Style Failure Detection
#   Service", Middleware 1998, pp. 55-70.
# Conventions: docs/protocols.md, "swim" and "heartbeat"; times in protocol periods, the
# crash round counting as period 1.

__all__ += [
    "swim_first_detection_random",
    "swim_first_detection",
    "swim_false_suspicion_probability",
    "heartbeat_detection",
]


def swim_first_detection_random(n):
    """Mean periods to the first detection of a crash when every live node probes a uniformly
    random other member each period ([Das02] section 3.1, "Expected time to first detection"):
    a given member is probed by some of the ``n - 1`` others with probability
    ``q = 1 - (1 - 1/(n - 1))^(n - 1)``, independently per period, so the time is geometric
    with mean ``1 / q``, which tends to ``e / (e - 1) = 1.582`` periods. ``n >= 2``; works on
    arrays."""
    n_arr, scalar = _node_count(n, minimum=2)
    d = n_arr - 1.0
    q = -np.expm1(d * np.log1p(-1.0 / d)) if np.all(d > 1) else 1.0 - (1.0 - 1.0 / d) ** d
    return _out(1.0 / q, scalar)


def swim_first_detection(n: int) -> tuple[float, float]:
    """Exact mean and variance of the periods to the first detection of a crash under
    swarm's probe order (round-robin over a shuffled list, [Das02] section 4.3), complete
    graph, no loss, the crash in the first half of a probe cycle.

    Each of the ``d = n - 1`` live nodes walks its own random order of the ``d`` others, one
    per period; at the crash every node is at the same position ``s`` of its cycle (all cycles
    start in round 1) and the crashed member's position in each node's order is uniform and
    independent. So a node reaches it at period ``m`` with probability ``1/d`` for each
    ``m <= d - s``, and the first detection ``T`` has ``P(T > m) = (1 - m/d)^d``; beyond
    ``d - s`` that formula is off by at most ``(s/d)^d``, below ``2^-d`` for ``s <= d/2``.
    ``E T = sum_{m>=0} P(T > m)``, ``E T^2 = sum_m (2m + 1) P(T > m)``. Both tend to the
    random-probe values (:func:`swim_first_detection_random`, ``e/(e-1)``) as ``n`` grows:
    ``(1 - m/d)^d -> e^{-m}``. ``n >= 2``."""
    n = _int_node_count(n, minimum=2)
    d = n - 1
    m = np.arange(d, dtype=float)
    tail = (1.0 - m / d) ** d
    mean = float(tail.sum())
    second = float(((2 * m + 1) * tail).sum())
    return mean, max(second - mean * mean, 0.0)


def swim_false_suspicion_probability(loss, k):
    """Probability that a probe of a live member ends in a suspicion, every message lost
    independently with probability ``loss`` (C5), ``k`` helpers.

    Derivation (swarm's message semantics, docs/protocols.md "swim"): the probe succeeds
    directly iff the ping and the ack both arrive: ``(1 - p)^2``. Otherwise the prober asks
    ``k`` distinct helpers; helper ``h``'s path succeeds iff its four messages arrive
    (ping-req, forwarded ping, the target's ack to the helper, the relayed ack):
    ``(1 - p)^4``. All messages are lost independently, the ``k`` paths share no message, and
    the probe fails iff the direct exchange and every path fail:

        P = (1 - (1 - p)^2) * (1 - (1 - p)^4)^k

    (For ``p -> 0``: ``P ~ 2p (4p)^k``.) Assumes ``k`` live helpers: swarm, like
    memberlist, picks them among the peers the prober holds ALIVE (docs/protocols.md, "swim"),
    so it holds while at least ``k`` such peers exist and are live (a crashed member the
    prober still holds alive is a helper that never answers); a helper relaying for two
    probers of the same target in the same period shares its acks between them, an
    ``O(k^2 / n)`` effect ignored here. [Das02]
    section 3.1 gives the analogous per-probe bound for its message model. Works on arrays.
    """
    p = np.asarray(loss, dtype=float)
    if np.any(p < 0) or np.any(p > 1) or not np.all(np.isfinite(p)):
        raise ConfigError("loss", loss, "must be a probability in [0, 1]")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ConfigError("k", k, "must be an integer >= 0")
    ok = 1.0 - p
    value = (1.0 - ok**2) * (1.0 - ok**4) ** int(k)
    return _out(value, p.ndim == 0)


def heartbeat_detection(n: int, t_fail: int, *, rounds: int | None = None):
    """Detection times of gossip-style failure detection ([vanRenesse98]), complete graph,
    fanout 1; returns ``(pmf, full)``: ``pmf[s]`` is the expected fraction of the ``n - 1``
    live observers that declare the crashed member failed at period ``t_fail + s``, and
    ``full[s]`` the probability that the last of them does (every live node knows).

    Derivation (swarm's semantics, docs/protocols.md "heartbeat"): the member crashes at the
    start of round ``c``; its last counter ``h`` went out in round ``c - 1`` to one partner.
    An observer's entry grows for the last time in the round ``c - 1 + S`` in which it first
    gets ``h``, and it declares failure ``t_fail`` rounds later: at period ``t_fail + S`` (the
    crash round is period 1). So the first detection is at exactly ``t_fail`` periods, and
    ``S`` is the time a push epidemic of ``h`` needs to reach the observer, the origin (down)
    no longer pushing: with ``I`` observers holding ``h``, each pushes to a uniform one of
    its ``n - 1`` others, and the number of the ``u = n - 1 - I`` others newly hit is the
    occupancy distribution of :func:`exact_transition` (``swarm.kernels.chain.hits_pmf``).
    ``I`` starts at 1 (``S = 0``) and the chain is iterated for ``rounds`` steps (default:
    until all but 1e-12 of the mass has every observer informed). Assumes no observer
    declares before the epidemic is over (``t_fail`` above its spreading time, as the default
    ``4 ceil(log2 n)`` is) and no fault but the crash (under loss the last counter that got
    out is a random one, a mixture this function does not model). ``t_fail`` only shifts
    the times; it is checked, not used.
    """
    n = _int_node_count(n, minimum=3)
    if isinstance(t_fail, bool) or not isinstance(t_fail, (int, np.integer)) or t_fail < 1:
        raise ConfigError("t_fail", t_fail, "must be an integer >= 1")
    live = n - 1
    trans = np.zeros((live + 1, live + 1))
    p = np.empty(live + 1)
    occ = np.empty(live + 1)
    k_pmf = np.empty(live + 1)
    trans[live, live] = 1.0
    trans[0, 0] = 1.0
    for i in range(1, live):
        lo, hi = chain.hits_pmf(i, live - i, n, 0.0, p, occ, k_pmf)
        trans[i, i + lo:i + hi + 1] = p[lo:hi + 1]
    dist = np.zeros(live + 1)
    dist[1] = 1.0
    informed = np.arange(live + 1, dtype=float)
    mean_prev = 0.0
    pmf, full = [], []
    limit = rounds if rounds is not None else 10 * live
    for _ in range(limit + 1):
        mean_now = float(dist @ informed)
        pmf.append((mean_now - mean_prev) / live)
        full.append(float(dist[live]))
        mean_prev = mean_now
        if rounds is None and dist[live] > 1.0 - 1e-12:
            break
        dist = dist @ trans
    full_arr = np.array(full)
    first_full = np.diff(np.concatenate([[0.0], full_arr]))
    return np.array(pmf), first_full


__all__ += ["cp_availability"]


def cp_availability(live_per_group, n: int) -> float:
    """Expected fraction of client operations a majority-quorum (``cp``) register serves while
    its ``n`` replicas are split into groups that cannot talk (a clean partition, no loss):
    an operation arrives at a uniformly random live node and is served iff the node's group
    has a strict majority of all ``n`` replicas live in it, since only live replicas of its own
    group can answer. So ``sum(live_g / live for groups g with 2 live_g > n)`` — the live
    share of the one majority group, or 0 if no group has a strict majority (e.g. an even
    split). An ``ap`` register serves every operation (availability 1): Gilbert & Lynch
    (2002), *Brewer's conjecture and the feasibility of consistent, available,
    partition-tolerant web services*, SIGACT News 33(2), Theorem 1 — no register is both
    always available and atomic under a partition; the quorum register keeps atomicity and
    gives up the minority side. ``live_per_group``: live replicas in each group, integers
    >= 0 (an integral float such as 60.0 is taken; 1.5, NaN, a bool or a string is refused)."""
    n = _int_node_count(n)
    allowed = f"must be a non-empty list of integer counts >= 0 summing to at most n = {n}"
    items = [] if isinstance(live_per_group, (str, bytes)) else live_per_group
    try:
        items = list(items)
    except TypeError:
        items = []
    counts = []
    for x in items:
        if isinstance(x, (bool, np.bool_)) or not isinstance(
                x, (int, np.integer, float, np.floating)):
            raise ConfigError("live_per_group", live_per_group, allowed)
        if isinstance(x, (float, np.floating)) and not (np.isfinite(x) and float(x).is_integer()):
            raise ConfigError("live_per_group", live_per_group, allowed)
        counts.append(int(x))
    if not counts or min(counts) < 0 or sum(counts) > n:
        raise ConfigError("live_per_group", live_per_group, allowed)
    live = sum(counts)
    if live == 0:
        return 0.0
    return sum(c for c in counts if 2 * c > n) / live
