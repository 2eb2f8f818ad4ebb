"""What the failure detectors (``swim``, ``heartbeat``) share: the bound on dense views, the
ground truth of failures (episodes) and the detection metrics built on it.

Membership views are dense ``n x n`` tables (row = observer, column = member). That is what
makes every observer's view of every member one array read, and it bounds ``n``: SWIM keeps 8
bytes per pair (status int8, incarnation int32, suspicion start uint16, transmissions left
uint8; +1 with Lifeguard), heartbeat 12 (counter, counter brought by this round's gossip,
round of the last increase: three int32 tables). At ``n = 10^4`` one int8 table is 100 MB and
a whole view 0.8 GB (SWIM) or 1.2 GB (heartbeat): ``MAX_DENSE_NODES``. Larger swarms need
partial views (each node tracking a sample of the members, O(log n) or a fixed number, and
learning the rest by gossip): not built, a ConfigError naming ``nodes`` says so.

Ground truth: a node that goes down (crash, churn) starts an **episode** (member, round it
went down, round it came back). For each episode the protocol records the first round in
which some live node detected it (SWIM: suspected it after a failed probe; heartbeat: declared
it failed), the first round in which some node declared it dead, and the first round at whose
end every live node held it dead. Times are in periods counted from the crash round as 1: a
crash at the start of round t detected in round t took 1 period.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from swarm.errors import ConfigError
from swarm.state import SwarmState

__all__ = ["MAX_DENSE_NODES", "check_dense", "Episodes", "detection_summary",
           "membership_summary", "annotate_events", "DETECTION_EVENTS"]

MAX_DENSE_NODES = 10_000
DETECTION_EVENTS = ("crash", "down")
RECONVERGE_EVENTS = ("heal", "recover", "up")


def check_dense(protocol: str, nodes: int) -> None:
    if nodes > MAX_DENSE_NODES:
        raise ConfigError(
            "nodes", nodes,
            f"must be at most {MAX_DENSE_NODES} for protocol {protocol!r}: its membership "
            f"views are dense n x n tables (0.8-1.2 GB at n = {MAX_DENSE_NODES}); partial views "
            "for larger swarms are not built",
        )


class Episodes:
    """Failure episodes from ``state.live``, tracked at the start of every round."""

    def __init__(self, state: SwarmState) -> None:
        n = state.n
        state.add("was_live", np.ones(n, np.bool_))
        for name in ("down_round", "first_detect", "first_dead", "all_dead"):
            state.add(name, np.full(n, -1, np.int32))
        #: finished episodes: (member, down, up, first_detect, first_dead, all_dead)
        self.closed: list[tuple[int, ...]] = []

    def begin(self, state: SwarmState, t: int) -> bool:
        """Open / close episodes for nodes that went down / came up; True if any did."""
        changed = np.flatnonzero(state.was_live != state.live)
        if not changed.size:
            return False
        for j in changed.tolist():
            if state.live[j]:
                self.closed.append((j, int(state.down_round[j]), t,
                                    int(state.first_detect[j]), int(state.first_dead[j]),
                                    int(state.all_dead[j])))
                state.down_round[j] = -1
            else:
                state.down_round[j] = t
            state.first_detect[j] = state.first_dead[j] = state.all_dead[j] = -1
        state.was_live[changed] = state.live[changed]
        return True

    @staticmethod
    def record_all_dead(state: SwarmState, dead_count: np.ndarray, t: int) -> None:
        """Down members now held dead by every live node: all_dead = t (first time)."""
        n_live = state.n_live
        if n_live:
            newly = (state.down_round >= 0) & (state.all_dead < 0) & (dead_count == n_live)
            state.all_dead[newly] = t

    def rows(self, state: SwarmState) -> list[tuple[int, ...]]:
        """Every episode so far; the open ones with up = -1."""
        open_ = [(j, int(state.down_round[j]), -1, int(state.first_detect[j]),
                  int(state.first_dead[j]), int(state.all_dead[j]))
                 for j in np.flatnonzero(state.down_round >= 0).tolist()]
        return self.closed + open_


def _periods(at: int, since: int) -> int | None:
    return at - since + 1 if at >= 0 else None


def detection_summary(episodes: list[tuple[int, ...]]) -> dict[str, Any]:
    """``crashes`` (episodes), ``undetected`` (episodes nobody detected), and the means over
    the detected ones of ``first_detection_periods``, ``first_dead_periods`` and
    ``all_know_periods`` (every live node holds it dead); None when there is none."""
    out: dict[str, Any] = {"crashes": len(episodes)}
    for key, col in (("first_detection_periods", 3), ("first_dead_periods", 4),
                     ("all_know_periods", 5)):
        values = [_periods(e[col], e[1]) for e in episodes]
        got = [v for v in values if v is not None]
        out[key] = float(np.mean(got)) if got else None
    out["undetected"] = sum(1 for e in episodes if e[3] < 0)
    return out


def annotate_events(events: pd.DataFrame, rows: list[dict[str, Any]],
                    episodes: list[tuple[int, ...]]) -> pd.DataFrame:
    """Per fault event: for a crash / down, ``first_detection_periods`` (first detection of
    any of its nodes) and ``all_know_periods`` (until every live node held all of them dead,
    NA if that never happened); for a heal / recover / up, ``reconverge_rounds``: rounds
    until every view was accurate again (``agreement`` 1)."""
    if events.empty:
        return events
    first, known, again = [], [], []
    rounds = np.array([r["round"] for r in rows])
    accurate = rounds[np.array([r["agreement"] for r in rows]) >= 1.0]
    for t, event in zip(events["round"].tolist(), events["event"].tolist(), strict=True):
        mine = [e for e in episodes if e[1] == t]
        if event in DETECTION_EVENTS and mine:
            det = [e[3] for e in mine if e[3] >= 0]
            first.append(min(det) - t + 1 if det else None)
            ends = [e[5] for e in mine]
            known.append(max(ends) - t + 1 if min(ends) >= 0 else None)
        else:
            first.append(None)
            known.append(None)
        if event in RECONVERGE_EVENTS:
            later = accurate[accurate >= t]
            again.append(int(later[0] - t) if later.size else None)
        else:
            again.append(None)
    events = events.copy()
    events["first_detection_periods"] = pd.array(first, dtype="Int64")
    events["all_know_periods"] = pd.array(known, dtype="Int64")
    events["reconverge_rounds"] = pd.array(again, dtype="Int64")
    return events


#: per-round count columns summed into ``<name>_total`` when a protocol reports them
COUNT_COLUMNS = ("suspicions", "refutations", "declarations", "false_positives")


def membership_summary(rounds: pd.DataFrame, episodes: list[tuple[int, ...]]) -> dict[str, Any]:
    """Run summary of a failure detector. Rates are per live node per period (rounds 1..end):
    ``false_positive_rate`` (a live node declared dead by another's timeout),
    ``messages_per_member_period``; ``false_suspicion_per_probe`` = probes of live targets
    that got no ack / probes of live targets (SWIM); the detection times of
    :func:`detection_summary`; ``agreement_final``."""
    body = rounds.iloc[1:]
    live_periods = int(body["live"].sum())
    out: dict[str, Any] = {"agreement_final": float(rounds["agreement"].iloc[-1])}
    for col in COUNT_COLUMNS:
        if col in rounds:
            out[f"{col}_total"] = int(body[col].sum())
    out["false_positive_rate"] = (out["false_positives_total"] / live_periods
                                  if live_periods else None)
    out["messages_per_member_period"] = (int(body["messages"].sum()) / live_periods
                                         if live_periods else None)
    if "probes_live" in rounds:
        probes = int(body["probes_live"].sum())
        out["false_suspicion_per_probe"] = (int(body["failed_live"].sum()) / probes
                                            if probes else None)
    out.update(detection_summary(episodes))
    return out
