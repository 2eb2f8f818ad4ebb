"""The exact Markov chain of the informed count on the complete graph, fanout 1.

Kernels for :func:`swarm.theory.exact_transition` and :func:`swarm.theory.exact_rounds_to_full`
(which document the model and check the arguments); functions of scalars and arrays only.

From ``i`` informed nodes (``u = n - i`` uninformed) one round goes:

- ``H``, the number of distinct uninformed nodes hit by the ``i`` pushes. Each push picks one of
  the ``n - 1`` nodes other than its (informed) sender, so it hits a given uninformed node with
  probability ``1 / (n - 1)``, independently of the other pushes. Adding one push to ``h``
  nodes already hit gives ``h + 1`` with probability ``(u - h) / (n - 1)``: a dynamic programme
  over the pushes (:func:`hits_pmf` steps only through those that land on uninformed nodes).
- ``R``, the number still uninformed at the end of the round. An uninformed node's pull reaches
  an uninformed node with probability ``q = (u - 1) / (n - 1)``. push: ``R = u - H``; pull:
  ``R ~ Bin(u, q)``; push-pull: ``R | H = h ~ Bin(u - h, q)`` (the hit set is a uniform subset
  of the uninformed, and the pulls of the others are independent of the pushes).
- The next informed count is ``n - R``.

Numerical scheme: probabilities are carried in linear space on a window ``[lo, hi]`` of the
support. A window end whose probability falls below ``tol`` is set to zero; each such cut loses
less than ``tol`` of mass (a cut binomial tail, a few times ``tol``), and a Markov operator does
not increase an L1 error, so a row is off by ``O(n^2 tol)`` in L1 (``tol = 1e-30``,
``n = 10^4``: about ``1e-21``, far below rounding). Binomial pmfs are walked out from their
mode by the ratio of successive terms and normalised (:func:`add_binomial`): no factorials, so
no overflow and no ``lgamma`` rounding (whose absolute error grows like ``m log m`` ulps, about
1e-11 relative at ``m = 10^4``). With ``tol = 0`` nothing is cut and the result is exact up to
rounding.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "MODE_PUSH",
    "MODE_PULL",
    "MODE_PUSH_PULL",
    "hits_pmf",
    "add_binomial",
    "transition_row",
    "hitting_moments",
]

MODE_PUSH = 0
MODE_PULL = 1
MODE_PUSH_PULL = 2


@njit(cache=True)
def hits_pmf(i, u, n, tol, p, occ, k_pmf, deliver=1.0):
    """Pmf of ``H`` (distinct uninformed nodes hit by ``i`` pushes) into ``p[0 : u + 1]``;
    each push arrives with probability ``deliver`` (1 - the loss rate), independently.

    ``1 <= u <= n - 1``. ``p``, ``occ`` (length ``>= u + 1``) and ``k_pmf`` (length
    ``>= i + 1``) are overwritten. Returns ``(lo, hi)``: ``p[h]`` is zero outside ``[lo, hi]``.

    Rather than one DP step per push (``h -> h + 1`` w.p. ``(u - h) / (n - 1)``), only the
    pushes that land on an uninformed node are stepped through: their number is
    ``K ~ Bin(i, deliver * u / (n - 1))`` (loss thins the pushes), and given ``K = k`` they
    land independently and uniformly on the ``u`` uninformed nodes, so ``H | K = k`` is the
    occupancy of ``k`` balls in ``u`` boxes (``h -> h + 1`` w.p. ``(u - h) / u``), and
    ``P(H = h) = sum_k P(K = k) occ_k(h)``. Same distribution; ``E K = i u / (n - 1)`` steps
    instead of ``i``.
    """
    for h in range(u + 1):
        p[h] = 0.0
        occ[h] = 0.0
    for k in range(i + 1):
        k_pmf[k] = 0.0
    k_lo, k_hi = add_binomial(i, u * deliver / (n - 1.0), 1.0, tol, k_pmf, 0, 1)
    occ[0] = 1.0
    lo = 0
    hi = 0
    inv = 1.0 / u
    for k in range(k_hi + 1):
        if k >= k_lo:
            w = k_pmf[k]
            for h in range(lo, hi + 1):
                p[h] += w * occ[h]
        if k == k_hi:
            break
        # Descending, so that occ[h + 1] has lost its own outflow before it gains occ[h]'s.
        for h in range(hi, lo - 1, -1):
            oh = occ[h]
            if h < u:
                occ[h + 1] += oh * ((u - h) * inv)
            occ[h] = oh * (h * inv)
        if hi < u:
            hi += 1
        while hi > lo and occ[hi] < tol:
            occ[hi] = 0.0
            hi -= 1
        while lo < hi and occ[lo] < tol:
            occ[lo] = 0.0
            lo += 1
    hi = u
    while hi > 0 and p[hi] == 0.0:
        hi -= 1
    lo = 0
    while lo < hi and p[lo] == 0.0:
        lo += 1
    return lo, hi


@njit(cache=True)
def add_binomial(m, q, weight, tol, out, base, sign):
    """Add ``weight * Bin(m, q).pmf(r)`` to ``out[base + sign * r]`` for ``r`` in ``0..m``.

    The pmf is built from its mode outwards by the ratio ``pmf(r + 1) / pmf(r) =
    (m - r) / (r + 1) * q / (1 - q)``, starting from 1, and divided by its sum: no factorials,
    no overflow, and a relative error of about (terms walked) x 1e-16. Terms whose weighted
    value is below ``tol`` are cut (with ``tol = 0``, only those that underflow). Returns
    ``(lo, hi)``, the range of ``r`` that was added.
    """
    if m == 0 or q <= 0.0:
        out[base] += weight
        return 0, 0
    if q >= 1.0:
        out[base + sign * m] += weight
        return m, m
    mode = int((m + 1) * q)
    if mode > m:
        mode = m
    odds = q / (1.0 - q)
    # Pass 1: the extent of the walk and the sum of the unnormalised terms (1 at the mode).
    # A term is cut when weight * term < tol, which implies weight * term / total < tol.
    total = 1.0
    val = 1.0
    hi = mode
    for r in range(mode, m):
        val *= (m - r) / (r + 1.0) * odds
        if weight * val < tol or val == 0.0:
            break
        total += val
        hi = r + 1
    val = 1.0
    lo = mode
    for r in range(mode, 0, -1):
        val *= r / (m - r + 1.0) / odds
        if weight * val < tol or val == 0.0:
            break
        total += val
        lo = r - 1
    # Pass 2: the same terms, normalised and added.
    scale = weight / total
    out[base + sign * mode] += scale
    val = scale
    for r in range(mode, hi):
        val *= (m - r) / (r + 1.0) * odds
        out[base + sign * (r + 1)] += val
    val = scale
    for r in range(mode, lo, -1):
        val *= r / (m - r + 1.0) / odds
        out[base + sign * (r - 1)] += val
    return lo, hi


@njit(cache=True)
def transition_row(i, n, mode, tol, work, out, loss=0.0):
    """Pmf of the next informed count from ``i`` informed, into ``out[0 : n + 1]``.

    ``1 <= i <= n``, ``n >= 2``; ``work`` (shape ``(3, >= n + 1)``) and ``out`` (length
    ``>= n + 1``) are overwritten. Returns ``(lo, hi)``: ``out[j]`` is zero outside ``[lo, hi]``.
    With message loss ``loss`` (each message dropped independently, C5) a push arrives with
    probability ``1 - loss`` and a pull succeeds when the request and the reply both arrive
    and the partner was informed: ``(1 - loss)^2 i / (n - 1)``.
    """
    for j in range(n + 1):
        out[j] = 0.0
    u = n - i
    if u == 0:
        out[n] = 1.0
        return n, n
    deliver = 1.0 - loss
    q = (u - 1.0) / (n - 1.0) if loss == 0.0 else 1.0 - deliver * deliver * i / (n - 1.0)
    if mode == MODE_PULL:
        r_lo, r_hi = add_binomial(u, q, 1.0, tol, out, n, -1)
        return n - r_hi, n - r_lo
    h_lo, h_hi = hits_pmf(i, u, n, tol, work[0], work[1], work[2], deliver)
    if mode == MODE_PUSH:
        for h in range(h_lo, h_hi + 1):
            out[i + h] = work[0, h]
        return i + h_lo, i + h_hi
    # push-pull: R | H = h ~ Bin(u - h, q); next informed = n - R.
    lo = n
    hi = 0
    for h in range(h_lo, h_hi + 1):
        w = work[0, h]
        if w == 0.0:
            continue
        r_lo, r_hi = add_binomial(u - h, q, w, tol, out, n, -1)
        if n - r_hi < lo:
            lo = n - r_hi
        if n - r_lo > hi:
            hi = n - r_lo
    return lo, hi


@njit(cache=True)
def hitting_moments(n, mode, tol, loss=0.0):
    """First two moments of the rounds to reach ``n`` informed, from every start ``i``.

    Returns ``(mean, second)``, arrays of length ``n + 1`` (index ``i``; index 0 unused and 0).
    The chain only moves up or stays, so from ``i = n - 1`` down to 1, with ``P`` the
    transition matrix (row normalised to sum 1 after cuts):

        E_i = (1 + sum_{j>i} P_ij E_j) / (1 - P_ii)
        M_i = (1 + 2 P_ii E_i + sum_{j>i} P_ij (2 E_j + M_j)) / (1 - P_ii)

    (from ``T_i = 1 + T_J``, ``J ~ P_i.``, so ``M_i = sum_j P_ij (1 + 2 E_j + M_j)``).
    """
    mean = np.zeros(n + 1)
    second = np.zeros(n + 1)
    if n <= 1:
        return mean, second
    work = np.empty((3, n + 1))
    out = np.empty(n + 1)
    for i in range(n - 1, 0, -1):
        lo, hi = transition_row(i, n, mode, tol, work, out, loss)
        stay = out[i]
        move = 0.0
        sum_e = 0.0
        sum_m = 0.0
        start = lo if lo > i + 1 else i + 1
        for j in range(start, hi + 1):
            pj = out[j]
            move += pj
            sum_e += pj * mean[j]
            sum_m += pj * (2.0 * mean[j] + second[j])
        total = stay + move
        stay /= total
        move /= total
        sum_e /= total
        sum_m /= total
        mean[i] = (1.0 + sum_e) / move
        second[i] = (1.0 + 2.0 * stay * mean[i] + sum_m) / move
    return mean, second
