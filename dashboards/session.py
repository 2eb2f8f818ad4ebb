"""One live run as the dashboard sees it — plain Python, no Solara, so it is tested directly.

A :class:`LiveRun` wraps a ``SwarmModel`` (either path) and gives the page what it draws:
node positions once (float32, from ``swarm.layout``), one byte of state per node per frame
(the protocol's ``node_codes``; ``BYZANTINE`` for live Byzantine nodes, ``DOWN`` for down
nodes), the chart series, the theory curve,
and the user's actions as markers on the time axis. Faults go in through the engine's
``inject`` / ``end_fault``, so what the person at the keyboard did is in ``scenario`` and
the exported run replays exactly (``swarm.simulate(live.scenario)``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from swarm.config import Scenario
from swarm.faults.crash import CrashParams
from swarm.faults.latency import LatencyParams
from swarm.faults.loss import LossParams
from swarm.faults.partition import PartitionParams
from swarm.layout import layout
from swarm.model import SwarmModel
from swarm.run import Run, run_of

__all__ = ["LiveRun", "DOWN", "BYZANTINE", "EXPORT_FORMATS"]

#: the byte of a down node in a frame (protocol states are 0..len(node_states) - 1)
DOWN = 255
#: the byte of a live Byzantine node (the ``byzantine`` fault): it lies, whatever its state
BYZANTINE = 254
EXPORT_FORMATS = ("parquet", "csv")
#: round-frame columns every chart may show besides the protocol's own metrics
BASE_SERIES = ("messages", "live", "delivered", "dropped")


def _coords(values: tuple[float, float, float, float]) -> str:
    return ",".join(f"{float(v):.6g}" for v in values)


class LiveRun:
    """A run in progress, stepped and broken by the dashboard."""

    def __init__(self, scenario: Scenario, engine: str = "kernels") -> None:
        self.model = SwarmModel(scenario, engine=engine)
        self.engine_name = engine
        self.positions = layout(self.model.topology).astype(np.float32)
        #: what the user did: {"round": first round it acts in, "label": text}
        self.actions: list[dict[str, Any]] = []
        #: what a viewer derives once per run (the page's positions and edges as bytes)
        self.view_cache: dict[str, Any] = {}

    # -- the run ------------------------------------------------------------------------
    @property
    def engine(self) -> Any:
        return self.model.engine

    @property
    def scenario(self) -> Scenario:
        return self.model.engine.scenario

    @property
    def round(self) -> int:
        return self.model.engine.round

    @property
    def done(self) -> bool:
        return self.model.engine.done

    @property
    def n(self) -> int:
        return self.model.state.n

    def step(self, rounds: int = 1) -> int:
        """Run up to ``rounds`` rounds (fewer when the run is done); how many ran."""
        ran = 0
        while ran < rounds and self.model.engine.step():
            ran += 1
        self.model.running = not self.model.engine.done
        return ran

    # -- what the page draws ----------------------------------------------------------------
    @property
    def node_states(self) -> tuple[str, ...]:
        return tuple(self.model.protocol.node_states)

    def codes(self) -> np.ndarray:
        """One byte per node: its protocol state's index, ``BYZANTINE`` for a live Byzantine
        node, or ``DOWN``."""
        state = self.model.state
        out = np.array(self.model.protocol.node_codes(state), dtype=np.uint8, copy=True)
        out[state.byzantine != 0] = BYZANTINE
        out[~state.live] = DOWN
        return out

    def metric_names(self) -> list[str]:
        """The protocol's own per-round metrics (coverage first when it has it)."""
        names = list(self.model.protocol.metric_names)
        return sorted(names, key=lambda m: m != "coverage")

    def series(self, names: list[str] | None = None) -> dict[str, list[Any]]:
        """Chart columns from the round rows: ``round`` plus ``names`` (default: the
        protocol's metrics and ``BASE_SERIES``). A value that is not a finite number (the
        availability of a round with no operation) is ``None``: JSON has no NaN, and the
        browser refuses a message holding one."""
        rows = self.model.engine.rows
        names = names or [*self.metric_names(), *BASE_SERIES]
        out: dict[str, list[Any]] = {"round": [r["round"] for r in rows]}
        for name in names:
            values = (float(r.get(name, 0)) for r in rows)
            out[name] = [v if np.isfinite(v) else None for v in values]
        return out

    def theory(self, rounds: int) -> list[float] | None:
        """Expected coverage after rounds 0..rounds, if the protocol has a theory."""
        # asked every time, not cached: a theory can stop applying mid-run (spreading's,
        # once a node turns Byzantine); the recurrence costs microseconds
        curve = self.model.protocol.expected_coverage(self.n, max(rounds, 64))
        return None if curve is None else curve[: rounds + 1].tolist()

    def cut_line(self) -> list[float] | None:
        """The line of the split acting now, if it is a cut along a line."""
        for label in self.engine.active_faults("partition"):
            params = self.engine.faults.get(label).params
            if params.by == "line":
                return [float(v) for v in params.line.split(",")]
        return None

    def node_info(self, i: int) -> dict[str, Any]:
        """Everything the state holds about node ``i`` (its agent's view of it)."""
        if not 0 <= i < self.n:
            raise IndexError(f"node {i} is not in 0..{self.n - 1}")
        state = self.model.state
        info: dict[str, Any] = {"node": i, "live": bool(state.live[i]),
                                "state": self.node_states[int(self.model.protocol
                                                              .node_codes(state)[i])],
                                "degree": self.model.topology.degree(i)}
        if self.model.node_agents:
            info["agent"] = repr(self.model.node_agents[i])
        for name, array in state.arrays().items():
            if name == "live" or name.endswith("_next"):
                continue
            value = array[i]
            info[name] = value.tolist() if isinstance(value, np.ndarray) else value.item()
        return info

    # -- breaking and healing -------------------------------------------------------------
    def _act(self, label: str) -> None:
        self.actions.append({"round": self.round + 1, "label": label})
        self.model.running = not self.model.engine.done

    def crash_fraction(self, fraction: float, keep_state: bool = True) -> str:
        label = self.engine.inject(CrashParams(fraction=fraction, keep_state=keep_state))
        self._act(f"crash {fraction:.0%}")
        return label

    def crash_region(self, rect: tuple[float, float, float, float],
                     keep_state: bool = True) -> str:
        label = self.engine.inject(CrashParams(select="region", region=_coords(rect),
                                               keep_state=keep_state))
        self._act("crash region")
        return label

    def _end_all(self, kind: str, text: str | None = None) -> list[str]:
        """End every fault of ``kind`` acting now (marked ``text`` if any was ended)."""
        labels = self.engine.active_faults(kind)
        for label in labels:
            self.engine.end_fault(label)
        if labels and text:
            self._act(text)
        return labels

    def recover(self) -> list[str]:
        """Bring back every node crashed so far (at the next round)."""
        return self._end_all("crash", "recover")

    def cut(self, line: tuple[float, float, float, float]) -> str:
        """Split the network along a line through the layout (an active split heals
        first)."""
        params = PartitionParams(by="line", line=_coords(line))
        params.check(self.n)  # a bad line changes nothing
        self._end_all("partition")
        label = self.engine.inject(params)
        self._act("cut")
        return label

    def heal(self) -> list[str]:
        return self._end_all("partition", "heal")

    def set_loss(self, rate: float) -> None:
        self._replace("loss", LossParams(rate=rate) if rate > 0 else None, f"loss {rate:g}")

    def set_latency(self, rounds: float, dist: str = "constant") -> None:
        params = LatencyParams(rounds=rounds, dist=dist) if rounds > 0 else None
        self._replace("latency", params, f"latency {rounds:g} ({dist})")

    def inject(self, params: Any) -> str:
        """Any fault, from its parameters (the page's generic fault form)."""
        params.check(self.n)
        label = self.engine.inject(params)
        self._act(label)
        return label

    def _replace(self, kind: str, params: Any, text: str) -> None:
        if params is not None:
            params.check(self.n)
        self._end_all(kind)
        if params is not None:
            self.engine.inject(params)
        self._act(text)

    # -- export -----------------------------------------------------------------------------
    def result(self) -> Run:
        return run_of(self.model.engine, self.engine_name)

    def export(self, fmt: str) -> bytes:
        """The run so far as Parquet (rounds, with scenario, events and versions as
        metadata: ``swarm.read_run`` reads it) or CSV (the rounds)."""
        run = self.result()
        if fmt == "csv":
            return run.rounds.to_csv(index=False).encode()
        if fmt == "parquet":
            import tempfile
            from pathlib import Path

            with tempfile.TemporaryDirectory() as tmp:
                path = run.to_parquet(Path(tmp) / "run.parquet")
                return path.read_bytes()
        raise ValueError(f"format {fmt!r}: must be one of {', '.join(EXPORT_FORMATS)}")
