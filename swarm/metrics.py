"""Named metrics: the per-round columns and the summary of a run.

Per-round columns (``Run.rounds``, one row per round, round 0 = the initial state):

- ``round``; the protocol's own columns (spreading: ``informed`` = live informed nodes,
  ``coverage`` = informed / live); ``live``;
- message counts from the transport's counting point: ``messages`` (sent, requests and
  replies), ``update_messages`` (sent messages that carry the update), ``delivered``,
  ``dropped`` (``messages == delivered + dropped``), ``useful`` (delivered update-carrying
  messages that told their receiver something new: on spreading's honest path one per newly
  informed node; on its guarded path one per acceptance of either value by any node, honest
  or Byzantine, docs/protocols.md "Byzantine nodes and defences"), ``redundant`` (delivered
  update-carrying messages that did not).

Summary (``Run.summary``): ``rounds`` (rounds run), ``messages_total``, ``messages_per_node``,
``traffic`` (update-carrying messages sent per node, Demers et al.'s *m*) and the protocol's
own; for spreading: ``rounds_to_50`` / ``_90`` / ``_99`` / ``_full`` (the first round at whose
end coverage reached 0.5 / 0.9 / 0.99 / 1; None if never), ``coverage_final`` and ``residue``
(the fraction of live nodes not informed at the end). With faults: ``dropped_*_total`` by cause
and ``reconverge_rounds`` (from the last heal or recovery to full coverage again).

Spreading with Byzantine nodes or a defence (the guarded path, docs/protocols.md) counts
honest nodes only in ``informed`` / ``coverage`` and adds the columns ``false_accepted`` (live
honest nodes holding the forged value), ``false_acceptance`` (their fraction of the live honest
nodes), ``false_new`` (honest nodes that accepted the forged value this round),
``verifications`` (signature checks this round) and ``ignored`` (messages dropped unread from
ignored peers); its summary adds :func:`defence_summary`.
Network-wide scans are Numba kernels (``swarm.kernels.metrics``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from swarm.transport import COUNTER_NAMES

__all__ = ["coverage_summary", "defence_summary", "first_round_at_least", "first_round_at_most",
           "message_summary", "COVERAGE_THRESHOLDS", "ROUND_COLUMNS"]

COVERAGE_THRESHOLDS = {"rounds_to_50": 0.5, "rounds_to_90": 0.9, "rounds_to_99": 0.99,
                       "rounds_to_full": 1.0}
ROUND_COLUMNS = ("round", "live", *COUNTER_NAMES)
DROP_CAUSES = ("dropped_down", "dropped_partition", "dropped_loss")


def first_round_at_least(rounds: pd.DataFrame, column: str, level: float) -> int | None:
    """The first ``round`` whose ``column`` is >= ``level`` (None if never)."""
    values = rounds[column].to_numpy()
    hit = np.flatnonzero(values >= level)
    return int(rounds["round"].iloc[hit[0]]) if hit.size else None


def first_round_at_most(rounds: pd.DataFrame, column: str, level: float) -> int | None:
    """The first ``round`` whose ``column`` is <= ``level`` (None if never)."""
    values = rounds[column].to_numpy()
    hit = np.flatnonzero(values <= level)
    return int(rounds["round"].iloc[hit[0]]) if hit.size else None


def coverage_summary(rounds: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {
        name: first_round_at_least(rounds, "coverage", level)
        for name, level in COVERAGE_THRESHOLDS.items()
    }
    out["coverage_final"] = float(rounds["coverage"].iloc[-1])
    out["residue"] = 1.0 - out["coverage_final"]
    return out


def message_summary(rounds: pd.DataFrame, nodes: int) -> dict[str, Any]:
    total = int(rounds["messages"].sum())
    return {
        "rounds": int(rounds["round"].iloc[-1]),
        "messages_total": total,
        "messages_per_node": total / nodes,
        "traffic": int(rounds["update_messages"].sum()) / nodes,
        **{f"{cause}_total": int(rounds[cause].sum()) for cause in DROP_CAUSES},
    }


def defence_summary(rounds: pd.DataFrame, nodes: int) -> dict[str, Any]:
    """Byzantine spreading: ``false_acceptance_final`` and ``false_accepted_final``;
    ``rounds_to_contain``, the last round in which an honest node accepted the forged value
    (``false_new`` > 0; 0 if none ever did; the last round of the run if one still did then);
    ``verifications_per_node`` and ``ignored_total`` (the defences' overhead; extra messages
    are read against a run without the defence, ``messages_per_node``).

    Not from ``false_accepted``: it counts *live* honest holders, so it also grows when
    crashed holders come back or Byzantine holders turn honest, with nothing spreading."""
    spread = np.flatnonzero(rounds["false_new"].to_numpy() > 0)
    return {
        "false_acceptance_final": float(rounds["false_acceptance"].iloc[-1]),
        "false_accepted_final": int(rounds["false_accepted"].iloc[-1]),
        "rounds_to_contain": int(rounds["round"].iloc[spread[-1]]) if spread.size else 0,
        "verifications_per_node": float(rounds["verifications"].sum()) / nodes,
        "ignored_total": int(rounds["ignored"].sum()),
    }
