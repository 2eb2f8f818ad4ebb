"""Scenarios: everything that defines a run, a frozen dataclass validated on construction.

The Scenario names its protocol, topology and faults; their parameters are declared in the
layers below (``swarm.params``) and looked up by name in ``swarm.registry``, plugins included.

A :class:`Scenario` round-trips through a flat dict with dotted keys::

    {"nodes": 1000, "protocol": "push", "protocol.fanout": 2, "seed": 7}

which is also what TOML files (``[protocol]`` tables, flattened) and ``--set key=value`` use.
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from swarm.errors import ConfigError, did_you_mean, format_bytes
from swarm.params import Params, check_value
from swarm.registry import PROTOCOLS, topology_params
from swarm.timeline import from_flat, normalise, parse_timeline, to_flat

__all__ = ["Scenario", "read_toml", "flatten_tables", "MAX_NODES"]

MAX_NODES = 2**31 - 1  # node ids are int32 in messages and topologies
#: bytes of state every node has whatever the protocol: SwarmState's ``live`` (bool) and
#: ``byzantine`` (uint8) arrays; the least a run of n nodes needs (tests check it)
CORE_BYTES_PER_NODE = 2


def _registry(kind: str) -> Mapping[str, Any]:
    """The names a scenario's ``kind`` may take (looking one up imports only its module)."""
    return PROTOCOLS if kind == "protocol" else topology_params()


def _resolve(kind: str, value: Any, options: Mapping[str, Any] | None = None) -> Params:
    """A params instance from a name (plus dotted options) or an instance."""
    registry = _registry(kind)
    if isinstance(value, Params):
        if value.kind != kind:
            raise ConfigError(kind, value, f"must be a {kind} name or {kind} parameters")
        if options:
            value = dataclasses.replace(value, **options)
        return value
    if not isinstance(value, str) or value not in registry:
        raise ConfigError(kind, value, "must be one of " + ", ".join(sorted(registry))
                          + did_you_mean(value, registry))
    cls = registry[value].Params if kind == "protocol" else registry[value]
    options = dict(options or {})
    known = cls.field_names()
    for key in options:
        if key not in known:
            allowed = ", ".join(f"{kind}.{k}" for k in known) or "none"
            raise ConfigError(
                f"{kind}.{key}", options[key], f"unknown key for {kind} {value!r}"
                + did_you_mean(key, known, f"{kind}.") + f"; known: {allowed}"
            )
    return cls(**options)


_TOP_LEVEL = {
    "nodes": dict(
        type=int, min=1, max=MAX_NODES, choices=None, optional=False, units="nodes",
        help="number of nodes in the swarm",
    ),
    "seed": dict(
        type=int, min=0, max=2**63 - 1, choices=None, optional=False, units=None,
        help="the one seed every random stream of the run derives from",
    ),
    "max_rounds": dict(
        type=int, min=0, max=10**7, choices=None, optional=False, units="rounds",
        help="stop after this many rounds even if the protocol has not finished",
    ),
    "largest_component": dict(
        type=bool, min=None, max=None, choices=None, optional=False, units=None,
        help="also report the size of the largest connected component of live nodes (under "
        "the active partition) each round; recomputed when the live set or the partition "
        "changes, at O(edges) each time",
    ),
}


_DEFAULT_NAMES = {"protocol": "push", "topology": "complete"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """Everything that defines a run, apart from the choice of engine.

    ``protocol`` and ``topology`` take a registry name (defaults for every parameter) or a
    params instance, e.g. ``Scenario(nodes=10_000, protocol=Push(fanout=2))``. ``faults``
    takes fault parameters (``[LossParams(rate=0.1), PartitionParams(start=10, end=40)]``),
    ``(label, params)`` pairs, a ``{label: params}`` dict or a timeline string
    (``"10-40: partition groups=2; 20: crash fraction=0.05"``, see
    ``swarm.timeline.parse_timeline``); it is kept as a tuple of ``(label, params)``.
    """

    nodes: int = field(default=1000, metadata=_TOP_LEVEL["nodes"])
    protocol: Any = _DEFAULT_NAMES["protocol"]
    topology: Any = _DEFAULT_NAMES["topology"]
    seed: int = field(default=0, metadata=_TOP_LEVEL["seed"])
    max_rounds: int = field(default=1000, metadata=_TOP_LEVEL["max_rounds"])
    faults: Any = ()
    largest_component: bool = field(default=False, metadata=_TOP_LEVEL["largest_component"])

    def __post_init__(self) -> None:
        nodes = self.nodes
        if isinstance(nodes, int) and not isinstance(nodes, bool) and nodes > MAX_NODES:
            raise ConfigError("nodes", nodes, f"must be an integer in 1..{MAX_NODES}: node ids "
                              f"are 32-bit integers (and {nodes:,} nodes would need at least "
                              f"{format_bytes(nodes * CORE_BYTES_PER_NODE)} of memory, "
                              f"{CORE_BYTES_PER_NODE} bytes per node for the state every run "
                              "has, before any protocol's)")
        for name, meta in _TOP_LEVEL.items():
            object.__setattr__(self, name, check_value(name, getattr(self, name), meta))
        object.__setattr__(self, "protocol", _resolve("protocol", self.protocol))
        object.__setattr__(self, "topology", _resolve("topology", self.topology))
        self.topology.check(self.nodes)
        self.protocol.check(self.nodes)
        object.__setattr__(self, "faults", normalise(self.faults, self.nodes))
        for _, params in self.faults:
            params.check_protocol(self.protocol, PROTOCOLS)

    # -- flat dict ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Flat dict with dotted keys; ``Scenario.from_dict(s.to_dict()) == s``."""
        out: dict[str, Any] = {"nodes": self.nodes}
        out.update(self.protocol.to_dict())
        out.update(self.topology.to_dict())
        out["seed"] = self.seed
        out["max_rounds"] = self.max_rounds
        out["largest_component"] = self.largest_component
        out.update(to_flat(self.faults))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Build from a flat dict with dotted keys. Unknown keys are an error."""
        if not isinstance(data, Mapping):
            raise ConfigError("scenario", type(data).__name__, "must be a dict of dotted keys, "
                              "e.g. {'nodes': 1000, 'protocol.fanout': 2}")
        top: dict[str, Any] = {}
        sub: dict[str, dict[str, Any]] = {"protocol": {}, "topology": {}}
        faults: dict[str, dict[str, Any]] = {}
        timeline: list[Any] = []
        for key, value in data.items():
            if not isinstance(key, str):
                raise ConfigError(str(key), value, "keys must be strings")
            head, dot, rest = key.partition(".")
            if dot and head in sub and rest:
                sub[head][rest] = value
            elif head == "faults" and rest:
                label, dot2, name = rest.partition(".")
                faults.setdefault(label, {})["kind" if not dot2 else name] = value
            elif key == "timeline":
                timeline.extend(parse_timeline(value if isinstance(value, (str, list)) else
                                               str(value)))
            elif not dot and (key in _TOP_LEVEL or key in sub):
                top[key] = value
            else:
                known = sorted(_TOP_LEVEL) + ["protocol", "protocol.<param>", "topology",
                                              "topology.<param>", "faults.<label>.<param>",
                                              "timeline"]
                raise ConfigError(key, value, "unknown key" + did_you_mean(key, known)
                                  + "; known keys: " + ", ".join(known))
        for kind in sub:
            name = top.get(kind, _DEFAULT_NAMES[kind])
            top[kind] = _resolve(kind, name, sub[kind])
        top["faults"] = (*from_flat(faults), *timeline)
        return cls(**top)

    def replace(self, updates: Mapping[str, Any]) -> Scenario:
        """A new scenario with dotted-key updates; a new protocol/topology name resets its
        parameters to their defaults (except those given in ``updates``)."""
        data = self.to_dict()
        for kind in ("protocol", "topology"):
            if kind in updates and updates[kind] != data[kind]:
                data = {k: v for k, v in data.items() if not k.startswith(kind + ".")}
        for key, value in updates.items():
            head, _, rest = key.partition(".")
            if head == "faults" and rest.endswith(".kind"):  # a new kind: drop the old params
                label = rest[: -len(".kind")]
                if value != data.get(key, label):
                    data = {k: v for k, v in data.items()
                            if not k.startswith(f"faults.{label}.")}
        data.update(updates)
        return Scenario.from_dict(data)

    # -- TOML --------------------------------------------------------------------------------
    @classmethod
    def from_toml(cls, path: str | Path) -> Scenario:
        """Read a scenario TOML file: top-level keys plus ``[protocol]`` / ``[topology]``
        tables whose ``name`` key selects the registry entry."""
        raw = read_toml(path, "scenario file")
        return cls.from_dict(flatten_tables(raw))

    def to_toml(self) -> str:
        """The scenario as TOML text that :meth:`from_toml` reads back."""
        data = self.to_dict()
        lines: list[str] = []
        tables: dict[str, list[str]] = {"protocol": [], "topology": []}
        for key, value in data.items():
            head, dot, rest = key.partition(".")
            if head == "faults":
                head, _, rest = key.rpartition(".")
                tables.setdefault(head, [])
            if key in tables:
                tables[key].insert(0, f"name = {_toml_value(value)}")
            elif dot:
                if value is not None:
                    tables[head].append(f"{rest} = {_toml_value(value)}")
            else:
                lines.append(f"{key} = {_toml_value(value)}")
        for head, body in tables.items():
            lines.append("")
            lines.append(f"[{head}]")
            lines.extend(body)
        return "\n".join(lines) + "\n"


def read_toml(path: str | Path, field: str) -> dict[str, Any]:
    """The tables of a TOML file; a file that cannot be read, is not UTF-8, is not TOML or
    holds no key is a ConfigError on ``field`` (e.g. ``"scenario file"``) naming the path."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(field, str(path), f"cannot be read ({exc.strerror})") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(field, str(path), f"is not UTF-8 text (byte {exc.object[exc.start]:#04x}"
                          f" at offset {exc.start})") from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        reason = " ".join(str(exc).split())
        raise ConfigError(field, str(path), f"is not valid TOML ({reason})") from None
    if not raw:
        raise ConfigError(field, str(path), "holds no key (an empty file is refused, not taken "
                          "for the defaults)")
    return raw


def flatten_tables(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``{"protocol": {"name": "push", "fanout": 2}}`` -> ``{"protocol": "push",
    "protocol.fanout": 2}``; nested deeper tables get longer dotted keys."""
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            for sub_key, sub_value in flatten_tables(value).items():
                if sub_key == "name":
                    out[key] = sub_value
                else:
                    out[f"{key}.{sub_key}"] = sub_value
        else:
            out[key] = value
    return out


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, float):
        return repr(value)
    return str(value)
