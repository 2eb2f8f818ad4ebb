"""Aggregation: every node learns the mean of the nodes' values by local exchanges.

Two protocols (details and conventions in docs/protocols.md, ``averaging`` and ``push-sum``):

- **averaging** — push-pull averaging (Jelasity, Montresor & Babaoglu 2005, *Gossip-based
  aggregation in large dynamic networks*, ACM TOCS 23(3)). Every round every live node, in
  node order, calls one random neighbour with its value (a REQUEST); the callee answers with
  its own (an ANSWER), and when the answer arrives the pair commits the exchange: both take
  the mean of their *current* values. Exchanges are therefore sequential in caller order
  within a round (Jelasity et al.'s ``GETPAIR_DISTR`` model, not convention C1), and atomic:
  an exchange whose request or answer is lost does not happen at all, so no loss changes the
  sum of the values. The variance of the values shrinks by ``E[2^-phi]`` per round
  (``swarm.theory.averaging_variance_factor``; 1 / (2 sqrt e) for large n without loss).
- **push-sum** (Kempe, Dobra & Gehrke 2003, *Gossip-based computation of aggregate
  information*, FOCS). Every node holds a sum ``s`` (its value at first) and a weight ``w``
  (1 at first); every round (C1) every live node keeps half of both and sends the other half
  to one random neighbour, who adds it; a node's estimate is ``s / w``. Without loss ``sum s``
  and ``sum w`` are conserved and the potential ``sum (s_i - mean * w_i)^2`` shrinks by
  ``swarm.theory.push_sum_potential_factor`` (about 1/2) per round in expectation. A lost
  share takes its mass and weight with it: the estimates still agree in the end, on the
  ratio of what is left, which is no longer the true mean.

Values are integers drawn uniformly from ``value_min..value_max`` (the ``init`` stream), held
as float64. The target is the mean of all ``n`` initial values; metrics are over live nodes.
A node that restarts without state (``keep_state = false``) holds its own initial value again
(averaging: ``value = initial``; push-sum: ``(s, w) = (initial, 1)``), as a node re-reading
its local measurement would; the sum then changes by what it had.

Byzantine nodes (the ``byzantine`` fault; docs/protocols.md): ``forge`` reports
``byzantine_value`` in every exchange or share, ``equivocate`` reports ``byzantine_value`` or
its mirror ``value_min + value_max - byzantine_value`` by a fair coin per report (the
``byzantine`` stream), ``censor`` takes part in calls but never completes an exchange
(averaging) or sends empty shares and drops the shares it receives (push-sum). A Byzantine
node's own value never changes. While any node is Byzantine the metrics are over the honest
live nodes, against the honest target (the mean of the honest nodes' initial values); with
none they are exactly the metrics above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.agents import NodeAgent
from swarm.errors import ConfigError
from swarm.kernels import aggregation as k
from swarm.kernels.byzantine import CENSOR, EQUIVOCATE, FORGE
from swarm.kernels.memory import large_array
from swarm.messages import Messages
from swarm.metrics import first_round_at_most
from swarm.params import ProtocolParams, param
from swarm.protocols.base import BYZANTINE_STREAM, Protocol
from swarm.protocols.calls import answers, call_neighbours
from swarm.state import SwarmState

__all__ = ["AveragingParams", "PushSumParams", "Averaging", "PushSum", "AveragingAgent",
           "PushSumAgent", "ERROR_CUTS", "BYZANTINE_STREAM"]

REQUEST, SHARE, ANSWER = k.REQUEST, k.SHARE, k.ANSWER
#: the relative errors that separate the three node states a viewer shows
ERROR_CUTS = np.array([0.10, 0.01])


@dataclass(frozen=True, slots=True, kw_only=True)
class AggregationParams(ProtocolParams):
    value_min: int = param(1, min=1, max=2**31 - 1,
                           help="smallest initial value (values are uniform integers "
                                "value_min..value_max; positive, so relative errors are defined)")
    value_max: int = param(100, min=1, max=2**31 - 1, help="largest initial value")
    tolerance: float = param(
        1e-6, min=0.0, max=1.0,
        help="the run is done when every live estimate is within tolerance (relative to the "
             "true mean) of the live nodes' mean estimate",
    )
    byzantine_value: float = param(
        1000.0, min=-1e12, max=1e12,
        help="the value Byzantine nodes report (byzantine fault, forge; equivocate reports it "
             "or its mirror value_min + value_max - byzantine_value by a coin)",
    )

    def __post_init__(self) -> None:
        ProtocolParams.__post_init__(self)
        if self.value_max < self.value_min:
            raise ConfigError("protocol.value_max", self.value_max,
                              f"must be >= protocol.value_min = {self.value_min}")


@dataclass(frozen=True, slots=True, kw_only=True)
class AveragingParams(AggregationParams):
    name: ClassVar[str] = "averaging"
    summary: ClassVar[str] = (
        "push-pull averaging: random pairs exchange values and both take the mean "
        "(Jelasity et al. 2005)"
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PushSumParams(AggregationParams):
    name: ClassVar[str] = "push-sum"
    summary: ClassVar[str] = (
        "push-sum: keep half of (sum, weight), send half to a random neighbour; estimate "
        "sum / weight (Kempe et al. 2003)"
    )


class AveragingAgent(NodeAgent):
    """The agent rule of push-pull averaging, one node at a time."""

    def on_round(self, t: int) -> None:
        for partner in self.random_partners(1):
            self.send(partner, REQUEST, False)

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        state = self.model.state
        byzantine = state.byzantine
        if kind == REQUEST:
            if byzantine[self.idx] != CENSOR:  # a censor never answers
                self.send(src, ANSWER, True)
            return False
        # the answer: the pair (this node, the callee src) commits the exchange
        value = state.value
        mine, theirs = int(byzantine[self.idx]), int(byzantine[src])
        if mine == 0 and theirs == 0:
            a, b = value[self.idx], value[src]
            mean = (a + b) * 0.5
            value[self.idx] = mean
            value[src] = mean
            return bool(mean != a or mean != b)
        if CENSOR in (mine, theirs):  # a censor drops the answer: no exchange
            return False
        told = self.model.protocol.told
        a = told(mine, value[self.idx])  # the caller reports first
        b = told(theirs, value[src])
        mean = (a + b) * 0.5
        changed = False
        for j, code in ((self.idx, mine), (src, theirs)):
            if code == 0:  # only honest ends take the mean
                changed = changed or mean != value[j]
                value[j] = mean
        return bool(changed)


class PushSumAgent(NodeAgent):
    """The agent rule of push-sum, one node at a time."""

    def on_round(self, t: int) -> None:
        state = self.model.state
        for partner in self.random_partners(1):
            i = self.idx
            if state.byzantine[i] == 0:  # a Byzantine node keeps its whole (s, w)
                state.s_next[i] = state.s[i] * 0.5
                state.w_next[i] = state.w[i] * 0.5
            self.send(partner, SHARE, True)

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        state, i = self.model.state, self.idx
        code = int(state.byzantine[src])
        if code == 0:
            x, y = state.s[src] * 0.5, state.w[src] * 0.5
        elif code == CENSOR:  # an empty share
            return False
        else:  # forge / equivocate: as if the sender held (its report, 1)
            x, y = self.model.protocol.told(code, 0.0) * 0.5, 0.5
        if state.byzantine[i] != 0:  # a Byzantine receiver drops what it gets
            return False
        state.s_next[i] = state.s_next[i] + x
        state.w_next[i] = state.w_next[i] + y
        return True


class Aggregation(Protocol):
    """Shared wiring: initial values, the call phase, metrics, summary, viewer states."""

    metric_names = ("mean", "variance", "max_rel_error", "disagreement", "bias")
    node_states = ("off by > 10%", "off by 1-10%", "within 1%")
    counter_draws = True  # partners chosen in parallel (``call_neighbours``)
    byzantine_behaviours = ("forge", "equivocate", "censor")
    call_kind: ClassVar[int]
    #: estimates are ``num / den`` (push-sum) or ``num`` (averaging)
    ratio: ClassVar[bool]

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        #: the mean of all initial values, and the target the last metrics were against
        #: (the honest nodes' mean while any node is Byzantine)
        self.target_all = 0.0
        self.target = 0.0
        #: any Byzantine node this round? (set in ``begin_round``; False: the honest kernels)
        self.liars = False
        self.forged = float(params.byzantine_value)
        self.mirror = float(params.value_min + params.value_max) - self.forged

    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        p = self.params
        initial = rng.integers(p.value_min, p.value_max + 1, size=state.n).astype(np.float64)
        state.add("initial", initial)
        self.target_all = self.target = float(initial.mean())
        self.liars = False

    def begin_round(self, state: SwarmState, t: int) -> None:
        self.liars = bool(state.byzantine.any())

    def told(self, code: int, own: float) -> float:
        """What a node with Byzantine code ``code`` reports (the agent rule's spelling of
        ``kernels.aggregation.reported``): ``own`` if honest, the forged value if it
        forges, the forged value or its mirror by a coin of the ``byzantine`` stream if it
        equivocates."""
        if code == FORGE:
            return self.forged
        if code == EQUIVOCATE:
            return self.forged if self.byzantine_coin() < 0.5 else self.mirror
        return own

    def honest(self, state: SwarmState) -> tuple[np.ndarray, float]:
        """(the nodes the metrics are over, the target): the live nodes and the mean of all
        initial values; while any node is Byzantine, the honest live nodes and the mean of
        the honest nodes' initial values (live or not) — before round 1, not at the window's
        opening: with a Byzantine ``start`` > 1 the exchanges before it moved value between
        honest nodes and future liars, which shows as bias even with censors only."""
        if not self.liars:
            return state.live, self.target_all
        honest = state.byzantine == 0
        target = float(state.initial[honest].mean()) if honest.any() else self.target_all
        return state.live & honest, target

    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        return call_neighbours(self, state, rng, 1, self.call_kind, t=t)

    def estimates(self, state: SwarmState) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def _scan(self, state: SwarmState) -> tuple[int, float, float, float, float]:
        num, den = self.estimates(state)
        mask, self.target = self.honest(state)
        return k.estimate_metrics(num, den, self.ratio, mask, self.target)

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        """Over the live (honest) nodes' estimates: ``mean``, ``variance``,
        ``max_rel_error`` and ``disagreement`` (``kernels.aggregation.estimate_metrics``) and
        ``bias`` = (mean - target) / |target|, signed (0 with no such node)."""
        n_live, mean, variance, error, apart = self._scan(state)
        bias = (mean - self.target) / abs(self.target) if n_live else 0.0
        return {"mean": float(mean), "variance": float(variance),
                "max_rel_error": float(error), "disagreement": float(apart),
                "bias": float(bias)}

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        """Every live estimate within ``tolerance`` of the live mean estimate (converged;
        the error against the true mean is measured, not assumed)."""
        return row["disagreement"] <= self.params.tolerance

    def summarize(self, rounds: Any) -> dict[str, Any]:
        tol = self.params.tolerance
        return {
            "target": self.target,
            "rounds_to_tolerance": first_round_at_most(rounds, "max_rel_error", tol),
            "rounds_to_converge": first_round_at_most(rounds, "disagreement", tol),
            "max_rel_error_final": float(rounds["max_rel_error"].iloc[-1]),
            "bias_final": float(rounds["bias"].iloc[-1]),
            "variance_factor": variance_factor(rounds["variance"].to_numpy()),
        }

    def node_codes(self, state: SwarmState) -> np.ndarray:
        num, den = self.estimates(state)
        return k.error_bands(num, den, self.ratio, self.target, ERROR_CUTS)


def variance_factor(variance: np.ndarray, floor: float = 1e-20) -> float | None:
    """The geometric mean of ``variance[t] / variance[t - 1]`` over the rounds while
    ``variance[t - 1]`` is above ``floor`` times the initial variance (below it rounding
    dominates); None if there is no such round."""
    v0 = variance[0] if variance.size else 0.0
    if v0 <= 0:
        return None
    prev, cur = variance[:-1], variance[1:]
    keep = prev > floor * v0
    if not keep.any():
        return None
    # stop at the first round below the floor (later rounds are rounding noise)
    last = int(np.argmin(keep)) if not keep.all() else keep.size
    ratios = cur[:last] / prev[:last]
    if (ratios <= 0).any():
        return 0.0
    return float(np.exp(np.mean(np.log(ratios))))


class Averaging(Aggregation):
    """Push-pull averaging, kernel path and state."""

    name = "averaging"
    Params = AveragingParams
    Agent = AveragingAgent
    max_phases = 2  # request -> answer
    call_kind = REQUEST
    ratio = False

    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        super().init_state(state, rng)
        state.add("value", large_array((state.n,), np.float64, state.initial))

    def estimates(self, state: SwarmState) -> tuple[np.ndarray, np.ndarray]:
        return state.value, state.value

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        m = len(msgs)
        buf = self.buffer(phase).reserve(m)
        if self.liars:
            byz = state.byzantine
            coins = self.byzantine_coins(k.exchange_coins(msgs.src, msgs.dst, msgs.kind, byz))
            r = k.exchange_receive_byzantine(msgs.src, msgs.dst, msgs.kind, state.value, byz,
                                             self.forged, self.mirror, coins, buf.flag,
                                             buf.src, buf.dst)
        else:
            r = k.exchange_receive(msgs.src, msgs.dst, msgs.kind, state.value, buf.flag,
                                   buf.src, buf.dst)
        return answers(buf, m, r, ANSWER)

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        state.value[nodes] = state.initial[nodes]


class PushSum(Aggregation):
    """Push-sum, kernel path and state."""

    name = "push-sum"
    Params = PushSumParams
    Agent = PushSumAgent
    max_phases = 1  # shares only, no replies
    call_kind = SHARE
    ratio = True
    metric_names = (*Aggregation.metric_names, "mass", "weight", "potential")

    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        super().init_state(state, rng)
        state.add("s", large_array((state.n,), np.float64, state.initial))
        state.add("w", large_array((state.n,), np.float64, 1.0))
        state.add("s_next", large_array((state.n,), np.float64, state.initial))
        state.add("w_next", large_array((state.n,), np.float64, 1.0))
        self._potential_0 = k.potential(state.s, state.w, self.target)

    def estimates(self, state: SwarmState) -> tuple[np.ndarray, np.ndarray]:
        return state.s, state.w

    def begin_round(self, state: SwarmState, t: int) -> None:
        """The next (s, w) start as the current ones (a node that sends halves its own)."""
        super().begin_round(state, t)
        np.copyto(state.s_next, state.s)
        np.copyto(state.w_next, state.w)

    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        msgs = super().send(state, t, rng)
        k.halve_senders(msgs.src, state.s, state.w, state.s_next, state.w_next)
        if self.liars:  # a Byzantine sender keeps its whole (s, w)
            liars = state.byzantine != 0
            state.s_next[liars] = state.s[liars]
            state.w_next[liars] = state.w[liars]
        return msgs

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        buf = self.buffer(phase).reserve(len(msgs))
        useful = buf.flag[:len(msgs)]
        if self.liars:
            byz = state.byzantine
            k.share_receive_byzantine(msgs.src, msgs.dst, state.s, state.w, state.s_next,
                                      state.w_next, byz, self.forged, self.mirror,
                                      self.byzantine_coins(k.share_coins(msgs.src, byz)), useful)
        else:
            k.share_receive(msgs.src, msgs.dst, state.s, state.w, state.s_next, state.w_next,
                            useful)
        return None, useful

    def end_round(self, state: SwarmState, t: int) -> None:
        np.copyto(state.s, state.s_next)
        np.copyto(state.w, state.w_next)

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        for name, fresh in (("s", state.initial[nodes]), ("w", 1.0)):
            getattr(state, name)[nodes] = fresh
            getattr(state, name + "_next")[nodes] = fresh

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        """Plus, over all nodes (live or down; the honest ones while any node is
        Byzantine): ``mass`` = sum s / sum of their initial values, ``weight`` = sum w / their
        number (both 1 without loss, up to rounding), and ``potential`` =
        sum (s_i - target w_i)^2 over its value before round 1 (Kempe et al.'s potential,
        which shrinks by ``theory.push_sum_potential_factor`` per round; 0 if all values are
        equal)."""
        row = super().round_metrics(state)
        s, w, initial = state.s, state.w, state.initial
        if self.liars:
            honest = state.byzantine == 0
            s, w, initial = s[honest], w[honest], initial[honest]
        row["mass"] = float(s.sum() / initial.sum()) if initial.size else 0.0
        row["weight"] = float(w.sum() / w.size) if w.size else 0.0
        phi = k.potential(s, w, self.target)
        row["potential"] = phi / self._potential_0 if self._potential_0 > 0 else 0.0
        return row
