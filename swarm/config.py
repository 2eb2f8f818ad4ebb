"""Scenarios and parameters: frozen dataclasses, validated on construction.

A parameter is declared once, as a dataclass field made by :func:`param`; its metadata
(``min``, ``max``, ``choices``, ``help``, ``units``) is the single source for validation, the
command line's help, the dashboard's controls and the docs.

A :class:`Scenario` round-trips through a flat dict with dotted keys::

    {"nodes": 1000, "protocol": "push", "protocol.fanout": 2, "seed": 7}

which is also what TOML files (``[protocol]`` tables, flattened) and ``--set key=value`` use.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from swarm.errors import ConfigError, did_you_mean, format_bytes

__all__ = [
    "param",
    "Params",
    "ProtocolParams",
    "TopologyParams",
    "Scenario",
    "parse_value",
    "describe_param",
    "read_toml",
]

MAX_NODES = 2**31 - 1  # node ids are int32 in messages and topologies
#: bytes of state every node has whatever the protocol: SwarmState's ``live`` (bool) and
#: ``byzantine`` (uint8) arrays; the least a run of n nodes needs (tests check it)
CORE_BYTES_PER_NODE = 2


def param(
    default: Any,
    *,
    help: str,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[Any, ...] | None = None,
    units: str | None = None,
    optional: bool = False,
) -> Any:
    """A dataclass field with the metadata every front end reads.

    ``optional=True`` allows ``None`` (meaning "choose automatically", documented in ``help``).
    The type is the type of ``default`` (``int``, ``float``, ``bool`` or ``str``); for an
    optional field whose default is ``None``, pass the type through ``choices`` or a bound.
    """
    kind: type
    if default is None:
        kind = float if isinstance(min, float) or isinstance(max, float) else int
        if choices:
            kind = type(choices[0])
    else:
        kind = type(default)
    meta = {
        "help": help,
        "min": min,
        "max": max,
        "choices": choices,
        "units": units,
        "optional": optional or default is None,
        "type": kind,
    }
    return field(default=default, metadata=meta)


def _allowed(meta: Mapping[str, Any]) -> str:
    kind = meta["type"]
    if meta["choices"]:
        text = "one of " + ", ".join(repr(c) for c in meta["choices"])
    elif kind is bool:
        text = "true or false"
    else:
        noun = "an integer" if kind is int else ("a number" if kind is float else "a string")
        lo, hi = meta["min"], meta["max"]
        if lo is not None and hi is not None:
            text = f"{noun} in {lo}..{hi}"
        elif lo is not None:
            text = f"{noun} >= {lo}"
        elif hi is not None:
            text = f"{noun} <= {hi}"
        else:
            text = noun
    if meta["optional"]:
        text += " (or none for automatic)"
    return "must be " + text


def check_value(name: str, value: Any, meta: Mapping[str, Any]) -> Any:
    """Validate (and normalise int -> float) one value against its field metadata."""
    kind = meta["type"]
    if value is None:
        if meta["optional"]:
            return None
        raise ConfigError(name, value, _allowed(meta))
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, (int, *_np_int())) and not isinstance(value, bool)
        if ok:
            value = int(value)
    elif kind is float:
        numeric = (int, float, *_np_int(), *_np_float())
        ok = isinstance(value, numeric) and not isinstance(value, bool)
        if ok:
            value = float(value)
            ok = math.isfinite(value)
    else:
        if kind is str and isinstance(value, (int, *_np_int())) and not isinstance(value, bool):
            value = str(value)  # a text field given a number: its digits ('ids=5' is '5')
        ok = isinstance(value, kind)
    if not ok:
        raise ConfigError(name, value, _allowed(meta))
    if meta["choices"] and value not in meta["choices"]:
        raise ConfigError(name, value, _allowed(meta)
                          + did_you_mean(value, [c for c in meta["choices"] if isinstance(c, str)]))
    if meta["min"] is not None and value < meta["min"]:
        raise ConfigError(name, value, _allowed(meta))
    if meta["max"] is not None and value > meta["max"]:
        raise ConfigError(name, value, _allowed(meta))
    return value


def _np_int() -> tuple[type, ...]:
    import numpy as np

    return (np.integer,)


def _np_float() -> tuple[type, ...]:
    import numpy as np

    return (np.floating,)


class Params:
    """Base of every parameter dataclass (protocols, topologies, later faults).

    Subclasses are ``@dataclass(frozen=True, slots=True, kw_only=True)``, set ``name`` (the
    registry name) and ``kind`` (the dotted prefix, e.g. ``"protocol"``), and declare their
    fields with :func:`param`. Validation of each field runs here; constraints that depend on
    the number of nodes go in :meth:`check`, which the Scenario calls.
    """

    __slots__ = ()
    name: ClassVar[str] = ""
    kind: ClassVar[str] = ""
    summary: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = check_value(f"{self.prefix()}.{f.name}", getattr(self, f.name), f.metadata)
            object.__setattr__(self, f.name, value)

    def prefix(self) -> str:
        """The dotted prefix of this object's fields in error messages and flat dicts."""
        return self.kind

    def check(self, nodes: int) -> None:
        """Constraints that depend on the number of nodes; raise ConfigError."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.kind: self.name}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            out[f"{self.kind}.{f.name}"] = getattr(self, f.name)
        return out

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]


class ProtocolParams(Params):
    __slots__ = ()
    kind: ClassVar[str] = "protocol"


class TopologyParams(Params):
    __slots__ = ()
    kind: ClassVar[str] = "topology"


def describe_param(f: dataclasses.Field) -> dict[str, Any]:
    """Field metadata as a plain dict (for CLI listings, docs and the dashboard)."""
    meta = dict(f.metadata)
    return {
        "name": f.name,
        "default": f.default,
        "type": meta["type"].__name__,
        "min": meta["min"],
        "max": meta["max"],
        "choices": meta["choices"],
        "units": meta["units"],
        "optional": meta["optional"],
        "help": meta["help"],
    }


def parse_value(text: str) -> Any:
    """Parse a command-line value with TOML's scalar syntax; a bare word stays a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        low = text.strip().lower()
        if low in ("none", "null", "auto"):
            return None
        return text


def _registry(kind: str) -> Mapping[str, type[Params]]:
    if kind == "protocol":
        from swarm.protocols import PROTOCOLS

        return {name: proto.Params for name, proto in PROTOCOLS.items()}
    from swarm.topology import TOPOLOGIES, Given

    return {**TOPOLOGIES, Given.name: Given}  # a given graph's record reads back too


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
    cls = registry[value]
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
    ``swarm.faults.parse_timeline``); it is kept as a tuple of ``(label, params)``.
    """

    nodes: int = field(default=1000, metadata=_TOP_LEVEL["nodes"])
    protocol: Any = _DEFAULT_NAMES["protocol"]
    topology: Any = _DEFAULT_NAMES["topology"]
    seed: int = field(default=0, metadata=_TOP_LEVEL["seed"])
    max_rounds: int = field(default=1000, metadata=_TOP_LEVEL["max_rounds"])
    faults: Any = ()
    largest_component: bool = field(default=False, metadata=_TOP_LEVEL["largest_component"])

    def __post_init__(self) -> None:
        from swarm.faults import normalise

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
            params.check_protocol(self.protocol)

    # -- flat dict ---------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Flat dict with dotted keys; ``Scenario.from_dict(s.to_dict()) == s``."""
        out: dict[str, Any] = {"nodes": self.nodes}
        out.update(self.protocol.to_dict())
        out.update(self.topology.to_dict())
        out["seed"] = self.seed
        out["max_rounds"] = self.max_rounds
        out["largest_component"] = self.largest_component
        from swarm.faults import to_flat

        out.update(to_flat(self.faults))
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scenario:
        """Build from a flat dict with dotted keys. Unknown keys are an error."""
        from swarm.faults import from_flat, parse_timeline

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
