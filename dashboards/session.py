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

from collections.abc import Callable
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

__all__ = ["LiveRun", "DOWN", "BYZANTINE", "DOWN_BELIEFS", "EXPORT_FORMATS",
           "summarize_value"]

#: the byte of a down node in a frame (protocol states are 0..len(node_states) - 1)
DOWN = 255
#: the byte of a live Byzantine node (the ``byzantine`` fault): it lies, whatever its state
BYZANTINE = 254
#: a failure detector's down nodes (its protocol has ``dead_share``), by what the live nodes
#: tracking them believe: ``DOWN`` while all still trust it, then these bytes
DOWN_BELIEFS = {251: "down · suspected", 252: "down · dead to some", 253: "down · dead to all"}
DOWN_SUSPECTED, DOWN_DEAD_SOME, DOWN_DEAD_ALL = DOWN_BELIEFS
#: an array in the node card longer than this is summarised, not listed
CARD_MAX_ENTRIES = 8
EXPORT_FORMATS = ("parquet", "csv")
#: round-frame columns every chart may show besides the protocol's own metrics
BASE_SERIES = ("messages", "live", "delivered", "dropped")


def _coords(values: tuple[float, float, float, float]) -> str:
    return ",".join(f"{float(v):.6g}" for v in values)


def percent_floor(share: float) -> str:
    """A share as a whole percentage rounded down (100% only when it is all of them), and
    '<1%' for a share above 0 but below 1% (0% only when it is none)."""
    if 0 < share < 0.01:
        return "<1%"
    return f"{int(np.floor(share * 100 + 1e-9))}%"


def summarize_value(value: Any) -> Any:
    """A node's entry of a state array as the node card shows it: a scalar as itself, a
    short array as a list, a long one (a SWIM view: one entry per member) summarised —
    its length and, when it holds few distinct values, how many of each, else its range."""
    if not isinstance(value, np.ndarray):
        return value.item() if hasattr(value, "item") else value
    flat = value.ravel()
    if flat.size <= CARD_MAX_ENTRIES:
        return flat.tolist()
    distinct, counts = np.unique(flat, return_counts=True)
    if len(distinct) <= 4:
        parts = ", ".join(f"{v.item()!r} ×{c:,}" for v, c in zip(distinct, counts, strict=True))
        return f"{flat.size:,} entries: {parts}"
    return (f"{flat.size:,} entries from {flat.min().item()!r} to {flat.max().item()!r}, "
            f"mean {float(flat.mean()):.3g}")


class LiveRun:
    """A run in progress, stepped and broken by the dashboard."""

    def __init__(self, scenario: Scenario, engine: str = "kernels",
                 progress: Callable[[str], None] | None = None) -> None:
        """Build the run; ``progress(text)`` is told each phase as it starts (the page
        shows it while the first run is built)."""
        progress = progress or (lambda text: None)
        progress("building the graph and the protocol's state…")
        self.model = SwarmModel(scenario, engine=engine)
        self.engine_name = engine
        progress("laying out the nodes…")
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

    @property
    def detector(self) -> bool:
        """Whether the protocol is a failure detector whose down nodes are coloured by what
        the live nodes believe (it has the ``dead_share`` hook: swim, heartbeat)."""
        return callable(getattr(self.model.protocol, "dead_share", None))

    def codes(self) -> np.ndarray:
        """One byte per node: its protocol state's index, ``BYZANTINE`` for a live Byzantine
        node, or ``DOWN`` — for a failure detector, a down node some live tracker suspects
        or holds dead gets a ``DOWN_BELIEFS`` byte instead."""
        state = self.model.state
        belief = self.model.protocol.node_codes(state)
        out = np.array(belief, dtype=np.uint8, copy=True)
        out[state.byzantine != 0] = BYZANTINE
        down = ~state.live
        out[down] = DOWN
        if self.detector and down.any():
            share = self.model.protocol.dead_share(state)
            out[down & (belief > 0)] = DOWN_SUSPECTED
            out[down & (share > 0)] = DOWN_DEAD_SOME
            out[down & (share >= 1)] = DOWN_DEAD_ALL
        return out

    def status(self, codes: np.ndarray | None = None) -> str:
        """The status line, e.g. 'susceptible 1,234 · informed 766 · down 0'. A failure
        detector's states count every node, down ones too (what the live nodes believe:
        'suspected 12 · declared dead 480'), and the down nodes' mean share of trackers that
        hold them dead follows."""
        codes = self.codes() if codes is None else codes
        counts = np.bincount(codes, minlength=256)
        state = self.model.state
        if self.detector:
            belief = np.bincount(self.model.protocol.node_codes(state),
                                 minlength=len(self.node_states))
        else:
            belief = counts
        text = " · ".join(f"{name} {belief[i]:,}" for i, name in enumerate(self.node_states))
        if counts[BYZANTINE]:
            text += f" · byzantine {counts[BYZANTINE]:,}"
        n_down = self.n - state.n_live
        text += f" · down {n_down:,}"
        if self.detector and n_down:
            share = self.model.protocol.dead_share(state)[~state.live]
            text += f" (held dead by {percent_floor(share.mean())} of their trackers)"
        return text

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
        if self.detector:
            info["held dead by"] = (f"{percent_floor(self.model.protocol.dead_share(state)[i])}"
                                    " of its live trackers")
        for name, array in state.arrays().items():
            if name == "live" or name.endswith("_next"):
                continue
            info[name] = summarize_value(array[i])
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
