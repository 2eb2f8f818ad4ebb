"""Agreement from local rules: majority dynamics and the voter model, binary opinions.

Every node holds an opinion, 0 or 1, drawn independently before round 1 (1 with probability
``initial_fraction``, from the ``init`` stream). Every round (C1, C2; docs/protocols.md,
``majority`` and ``voter``):

- every live node asks ``k`` distinct random neighbours (all of them if its degree is
  smaller) for their opinion; each asked node answers with its opinion at the start of the
  round;
- at the end of the round a node that heard at least one answer adopts the majority of its
  votes: the answers, plus its own opinion when ``count_own`` is on; a tie (possible with an
  even number of votes: lost answers, a degree below ``k``) is broken by a fair coin from the
  run's ``ties`` stream, nodes in node order. A node that heard nothing keeps its opinion.

**majority** (default ``k = 2`` with ``count_own``: the majority of the node's own opinion and
two sampled ones, whose mean-field map ``p -> 3p^2 - 2p^3`` is that of 3-majority, Becchetti
et al. 2016 "Stabilizing consensus with many opinions", SODA; ``k = 3`` without
``count_own`` is 3-majority itself). **voter** is ``k = 1`` (Holley & Liggett 1975, "Ergodic
theorems for weakly interacting infinite systems and the voter model", Ann. Probab. 3(4)):
without ``count_own`` a node copies its sampled neighbour; with it (the default) a node that
hears a different opinion adopts it with probability 1/2, the lazy voter model. Synchronous
updates need one of the two: two nodes that copy each other swap opinions forever.

The run ends at consensus (every live node holds the same opinion). A node that restarts
without state (``keep_state = false``) holds its initial opinion again.

Byzantine nodes (the ``byzantine`` fault; docs/protocols.md): ``forge`` is a zealot, which
answers every ask with ``byzantine_opinion``; ``equivocate`` answers each ask with a fair
coin of the ``byzantine`` stream (drawn when the answer is delivered, in delivery order);
``censor`` answers no ask. No Byzantine node changes its own opinion. While any node is
Byzantine, the metrics and consensus are over the honest live nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from swarm.agents import NodeAgent
from swarm.kernels import agreement as k
from swarm.kernels.byzantine import CENSOR, EQUIVOCATE, FORGE
from swarm.messages import Messages
from swarm.metrics import first_round_at_least
from swarm.params import ProtocolParams, param
from swarm.protocols.base import BYZANTINE_STREAM, Protocol
from swarm.protocols.calls import answers, call_neighbours
from swarm.state import SwarmState

__all__ = ["MajorityParams", "VoterParams", "Majority", "Voter", "OpinionAgent",
           "TIES_STREAM", "BYZANTINE_STREAM"]

ASK, TELL = k.ASK, k.TELL
#: the named stream tie-breaking coins are drawn from
TIES_STREAM = "ties"


def _count_own(default: bool, help: str) -> Any:
    return param(default, help=help)


def _initial_fraction() -> Any:
    return param(0.5, min=0.0, max=1.0,
                 help="probability that a node starts with opinion 1 (independently)")


def _byzantine_opinion() -> Any:
    return param(1, min=0, max=1,
                 help="the opinion Byzantine zealots report (byzantine fault, forge)")


@dataclass(frozen=True, slots=True, kw_only=True)
class MajorityParams(ProtocolParams):
    name: ClassVar[str] = "majority"
    summary: ClassVar[str] = (
        "adopt the majority opinion of k sampled neighbours (and one's own); ties by a coin"
    )
    k: int = param(2, min=1, max=2**31 - 1, units="neighbours",
                   help="neighbours asked per round (distinct; all of them if the degree is "
                        "smaller)")
    count_own: bool = _count_own(
        True, "a node's own opinion is one of its votes (k = 2 then acts as 3-majority)")
    initial_fraction: float = _initial_fraction()
    byzantine_opinion: int = _byzantine_opinion()


@dataclass(frozen=True, slots=True, kw_only=True)
class VoterParams(ProtocolParams):
    name: ClassVar[str] = "voter"
    summary: ClassVar[str] = "copy the opinion of one random neighbour (lazy by default)"
    count_own: bool = _count_own(
        True, "lazy voter: a node that hears a different opinion adopts it with probability "
              "1/2 (its own vote ties the answer); false: it always copies")
    initial_fraction: float = _initial_fraction()
    byzantine_opinion: int = _byzantine_opinion()


class OpinionAgent(NodeAgent):
    """The agent rule of majority / voter, one node at a time (the update itself is the
    shared ``end_round``)."""

    def on_round(self, t: int) -> None:
        for partner in self.random_partners(self.model.protocol.sample_size):
            self.send(partner, ASK, False)

    def on_message(self, src: int, kind: int, update: bool) -> bool:
        state, i = self.model.state, self.idx
        if kind == ASK:
            if state.byzantine[i] != CENSOR:  # a censor never answers
                self.send(src, TELL, True)
            return False
        told = self.model.protocol.told(int(state.byzantine[src]), int(state.opinion[src]))
        if told is None:
            return False
        state.votes[i] += 1
        state.ones[i] += told
        return bool(told != state.opinion[i])


class Majority(Protocol):
    """Majority dynamics: kernel path and shared wiring (commit, metrics, summary)."""

    name = "majority"
    Params = MajorityParams
    Agent = OpinionAgent
    max_phases = 2  # ask -> tell
    metric_names = ("ones", "fraction_one", "agreement")
    counter_draws = True  # partners chosen in parallel (``call_neighbours``)
    node_states = ("opinion 0", "opinion 1")
    byzantine_behaviours = ("forge", "equivocate", "censor")

    def __init__(self, params: Any, topology: Any) -> None:
        super().__init__(params, topology)
        self.sample_size: int = getattr(params, "k", 1)
        self._counts: tuple[int, int, int] | None = None  # (round, ones, live)
        #: any Byzantine node this round? (set in ``begin_round``)
        self.liars = False

    def begin_round(self, state: SwarmState, t: int) -> None:
        self.liars = bool(state.byzantine.any())

    def told(self, code: int, own: int) -> int | None:
        """The opinion an answer from a node with Byzantine code ``code`` reports (the agent
        rule's spelling of ``kernels.agreement.opinion_receive_byzantine``): ``own`` if
        honest, ``byzantine_opinion`` if it forges, a coin of the ``byzantine`` stream (1 if
        < 0.5) if it equivocates, None (no vote) from a censor."""
        if code == FORGE:
            return int(self.params.byzantine_opinion)
        if code == EQUIVOCATE:
            return 1 if self.byzantine_coin() < 0.5 else 0
        if code == CENSOR:
            return None
        return own

    def init_state(self, state: SwarmState, rng: np.random.Generator) -> None:
        n = state.n
        initial = (rng.random(n) < self.params.initial_fraction).astype(np.uint8)
        state.add("initial_opinion", initial)
        state.add("opinion", initial.copy())
        state.add("votes", np.zeros(n, np.int32))
        state.add("ones", np.zeros(n, np.int32))

    def send(self, state: SwarmState, t: int, rng: np.random.Generator) -> Messages:
        return call_neighbours(self, state, rng, self.sample_size, ASK, t=t)

    def receive(
        self, state: SwarmState, msgs: Messages, phase: int
    ) -> tuple[Messages | None, np.ndarray]:
        m = len(msgs)
        buf = self.buffer(phase).reserve(m)
        if self.liars:
            byz = state.byzantine
            count = k.tell_coins(msgs.src, msgs.kind, byz)
            coins = self.byzantine_coins(count)
            r = k.opinion_receive_byzantine(msgs.src, msgs.dst, msgs.kind, state.opinion,
                                            state.votes, state.ones, byz,
                                            int(self.params.byzantine_opinion), coins,
                                            buf.flag, buf.src, buf.dst)
        else:
            r = k.opinion_receive(msgs.src, msgs.dst, msgs.kind, state.opinion, state.votes,
                                  state.ones, buf.flag, buf.src, buf.dst)
        return answers(buf, m, r, TELL)

    def end_round(self, state: SwarmState, t: int) -> None:
        own = self.params.count_own
        byz, liars = state.byzantine, self.liars
        ties = k.count_ties(state.opinion, state.votes, state.ones, own, byz, liars)
        coins = self.streams[TIES_STREAM].random(ties)
        self._counts = (t, *k.commit_opinions(state.opinion, state.votes, state.ones, own,
                                               coins, state.live, byz, liars))

    def reset_nodes(self, state: SwarmState, nodes: np.ndarray) -> None:
        state.opinion[nodes] = state.initial_opinion[nodes]
        state.votes[nodes] = 0
        state.ones[nodes] = 0

    def _current_counts(self, state: SwarmState) -> tuple[int, int]:
        counted = self._counts
        if counted is not None and counted[0] == state.round:
            return counted[1], counted[2]
        live = state.live
        if state.byzantine.any():
            live = live & (state.byzantine == 0)
        return int(np.count_nonzero(state.opinion[live])), int(np.count_nonzero(live))

    def round_metrics(self, state: SwarmState) -> dict[str, Any]:
        ones, n_live = self._current_counts(state)
        return {
            "ones": ones,
            "fraction_one": ones / n_live if n_live else 0.0,
            "agreement": max(ones, n_live - ones) / n_live if n_live else 1.0,
        }

    def finished(self, state: SwarmState, row: dict[str, Any]) -> bool:
        """Consensus: every live (honest) node holds the same opinion."""
        return row["agreement"] >= 1.0

    def summarize(self, rounds: Any) -> dict[str, Any]:
        """``consensus_round``: the first round at whose end every live node agreed (None if
        never); ``winner``: the opinion they agreed on at the end (None without consensus)."""
        final = rounds.iloc[-1]
        agreed = final["agreement"] >= 1.0
        return {
            "consensus_round": first_round_at_least(rounds, "agreement", 1.0),
            "winner": (1 if final["fraction_one"] >= 0.5 else 0) if agreed else None,
            "fraction_one_initial": float(rounds["fraction_one"].iloc[0]),
            "fraction_one_final": float(final["fraction_one"]),
        }

    def node_codes(self, state: SwarmState) -> np.ndarray:
        return state.opinion


class Voter(Majority):
    """The voter model: majority dynamics with one sampled neighbour."""

    name = "voter"
    Params = VoterParams
