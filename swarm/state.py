"""SwarmState: the world at the start of a round, as a struct of arrays.

Core arrays every run has: ``live`` (bool per node) and ``byzantine`` (uint8 per node: 0 for an
honest node, else the code of its behaviour, ``swarm.faults.byzantine.BEHAVIOURS``, set by the
``byzantine`` fault). A protocol adds its own arrays with
:meth:`SwarmState.add` (e.g. ``informed``); they are plain attributes, so kernels take them
as arrays and Mesa agents read them as views (``model.state.informed[agent.idx]``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["SwarmState"]


class SwarmState:
    """Arrays of length ``n``, one entry per node, plus the round counter.

    ``round`` is the number of rounds completed (0 before the first round).
    """

    def __init__(self, n: int) -> None:
        self.n = int(n)
        self.round = 0
        self.live = np.ones(self.n, dtype=np.bool_)
        self.n_live = self.n
        self.byzantine = np.zeros(self.n, dtype=np.uint8)
        #: the Byzantine faults acting now: label -> (their nodes, behaviour code); the
        #: ``byzantine`` array is derived from it (``swarm.faults.byzantine.mark``)
        self.byzantine_marks: dict[str, tuple[np.ndarray, int]] = {}
        self.field_names: list[str] = ["live", "byzantine"]

    def add(self, name: str, array: np.ndarray) -> np.ndarray:
        """Register a per-node array under ``name`` (an attribute from then on)."""
        if name in self.field_names or hasattr(self, name):
            raise ValueError(f"state field {name!r} already exists")
        if array.shape[:1] != (self.n,):
            raise ValueError(
                f"state field {name!r} has shape {array.shape}, expected ({self.n}, ...)"
            )
        setattr(self, name, array)
        self.field_names.append(name)
        return array

    def arrays(self) -> dict[str, np.ndarray]:
        """Every per-node array by name (copies are the caller's business)."""
        return {name: getattr(self, name) for name in self.field_names}

    def __repr__(self) -> str:
        return f"SwarmState(n={self.n}, round={self.round}, fields={self.field_names})"
