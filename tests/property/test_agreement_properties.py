"""Agreement invariants under random fault mixes (hypothesis), states kept on recovery.

- **Unanimity is absorbing**: once every node, live or down, holds the same opinion, no
  round changes any opinion again (every answer carries that opinion, so no tie and no
  other majority is possible; down nodes keep theirs).
- **A node only adopts what it heard**: a node whose answers of a round all agreed with its
  own opinion keeps it, so a node that changes opinion received at least one answer with the
  other opinion in that round (checked through the ``useful`` counter: a round in which some
  opinion changed has at least one useful answer).
"""

from __future__ import annotations

import dataclasses

import numpy as np
from fault_mixes import fault_mixes  # tests/property/fault_mixes.py (on sys.path in pytest)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from swarm import Scenario
from swarm.engine import Engine

TOPOLOGIES = [{"topology": "complete"}, {"topology": "ring", "topology.k": 2},
              {"topology": "k-out", "topology.k": 3}]


@st.composite
def scenarios(draw):
    nodes = draw(st.integers(5, 40))
    protocol = draw(st.sampled_from(["majority", "voter"]))
    params = {"protocol.count_own": draw(st.booleans()),
              "protocol.initial_fraction": draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))}
    if protocol == "majority":
        params["protocol.k"] = draw(st.integers(1, 4))
    base = Scenario.from_dict({"nodes": nodes, "protocol": protocol, "max_rounds": 80,
                               "seed": draw(st.integers(0, 10**6)),
                               **draw(st.sampled_from(TOPOLOGIES)), **params})
    return dataclasses.replace(base, faults=draw(fault_mixes(nodes)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_unanimity_is_absorbing_and_changes_need_a_dissenting_answer(s):
    engine = Engine(s)
    unanimous = False
    before = engine.state.opinion.copy()
    while engine.step():
        now = engine.state.opinion
        if unanimous:
            assert np.array_equal(now, before)
        if not np.array_equal(now, before):
            assert engine.rows[-1]["useful"] > 0
        unanimous = unanimous or bool(np.all(now == now[0]))
        before = now.copy()
