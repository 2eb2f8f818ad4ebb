"""The hypothesis strategy for random fault mixes, shared by the property suites: every
fault kind with probability 1/2, windows closing by ``last`` (so runs can settle)."""

from __future__ import annotations

from hypothesis import strategies as st

from swarm.faults.churn import ChurnParams
from swarm.faults.crash import CrashParams
from swarm.faults.latency import LatencyParams
from swarm.faults.loss import LossParams
from swarm.faults.partition import PartitionParams


def window(draw, last: int) -> dict:
    start = draw(st.integers(1, last))
    return {"start": start, "end": draw(st.integers(start, last))}


@st.composite
def fault_mixes(draw, nodes: int, last: int = 30):
    faults = []
    if draw(st.booleans()):
        faults.append(LossParams(rate=draw(st.floats(0.0, 0.6)), **window(draw, last)))
    if draw(st.booleans()):
        faults.append(PartitionParams(groups=draw(st.integers(1, min(4, nodes))),
                                      oneway=draw(st.booleans()),
                                      rate=draw(st.sampled_from([1.0, 0.5])),
                                      **window(draw, last)))
    if draw(st.booleans()):
        faults.append(CrashParams(fraction=draw(st.floats(0.0, 0.5)), **window(draw, last)))
    if draw(st.booleans()):
        faults.append(ChurnParams(session_rounds=draw(st.floats(1.0, 10.0)),
                                  downtime_rounds=draw(st.floats(1.0, 5.0)),
                                  dist=draw(st.sampled_from(["exponential", "weibull"])),
                                  **window(draw, last)))
    if draw(st.booleans()):
        faults.append(LatencyParams(dist=draw(st.sampled_from(["constant", "uniform",
                                                               "geometric"])),
                                    rounds=float(draw(st.integers(0, 3))),
                                    **window(draw, last)))
    return faults
