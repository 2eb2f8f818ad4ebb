"""The registries: every protocol, fault and topology swarm knows by name, built in or plugin.

This is the one lookup module (the ``registry`` layer of docs/design.md). The Scenario, the
engine, the command line, sweeps and the dashboard read names here; the protocols, faults and
topologies themselves sit in the layers below and never import it.

A built-in component is one line in ``_BUILTIN_*`` below. A component from outside the package
registers in one of two ways:

- an **entry point** in its package's ``pyproject.toml``, read the first time a registry is
  looked into (so the command line, the dashboard and Dask workers, which run no user code
  before they look, see it too)::

      [project.entry-points."swarm.protocols"]
      flood = "my_gossip.flood:Flood"          # also "swarm.faults" and "swarm.topologies"

- a **call** from the user's code: ``swarm.register_protocol(Flood)`` (likewise
  ``register_fault`` and ``register_topology``). A sweep ships what was registered this way to
  its Dask workers with the tasks.

Either way the class is checked against the contract when it registers (``_check_protocol``,
``_check_fault``, ``_check_topology``), so a
class that cannot work is refused with a message naming what is missing, and a name that is
already taken is refused (``replace=True`` replaces a registration made in code, never a
built-in one).
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from swarm.errors import ConfigError
from swarm.params import Params, ProtocolParams, TopologyParams

__all__ = ["PROTOCOLS", "FAULTS", "TOPOLOGIES", "Registry", "register_protocol",
           "register_fault", "register_topology", "topology_params", "shipped", "install"]

#: the built-ins: name -> "module:attribute", imported on first use (so ``import swarm`` loads
#: no protocol, and a run loads only its own protocol's module and kernels)
_BUILTIN_PROTOCOLS = {
    "push": "swarm.protocols.spreading:Push",
    "pull": "swarm.protocols.spreading:Pull",
    "push-pull": "swarm.protocols.spreading:PushPull",
    "rumor": "swarm.protocols.rumor:Rumor",
    "anti-entropy": "swarm.protocols.antientropy:AntiEntropy",
    "averaging": "swarm.protocols.aggregation:Averaging",
    "push-sum": "swarm.protocols.aggregation:PushSum",
    "majority": "swarm.protocols.agreement:Majority",
    "voter": "swarm.protocols.agreement:Voter",
    "swim": "swarm.protocols.swim:Swim",
    "heartbeat": "swarm.protocols.heartbeat:Heartbeat",
    "register": "swarm.protocols.register:Register",
}
_BUILTIN_FAULTS = {
    "loss": "swarm.faults.loss:Loss",
    "latency": "swarm.faults.latency:Latency",
    "crash": "swarm.faults.crash:Crash",
    "churn": "swarm.faults.churn:Churn",
    "partition": "swarm.faults.partition:Partition",
    "byzantine": "swarm.faults.byzantine:Byzantine",
}
_BUILTIN_TOPOLOGIES = {
    name: f"swarm.topology:{cls}" for name, cls in (
        ("complete", "Complete"), ("k-out", "KOut"), ("regular", "Regular"),
        ("erdos-renyi", "ErdosRenyi"), ("watts-strogatz", "WattsStrogatz"),
        ("barabasi-albert", "BarabasiAlbert"), ("ring", "Ring"), ("grid", "Grid"),
        ("torus", "Torus"), ("geometric", "Geometric"), ("edgelist", "EdgeList"),
    )
}


def _load_attribute(spec: str) -> Any:
    module, _, attr = spec.partition(":")
    return getattr(importlib.import_module(module), attr)


_NAME = re.compile(r"^[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*$")


# -- the contract a class must meet to register --------------------------------------------
def _qualname(obj: Any) -> str:
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def _check_params(owner: str, cls: Any, base: type[Params], name: str) -> list[str]:
    """What a params class lacks: a frozen, slotted, keyword-only dataclass subclassing
    ``base``, its ``name`` the registry name, every field declared with ``param``."""
    if not (inspect.isclass(cls) and issubclass(cls, base)):
        return [f"{owner} is not a subclass of {_qualname(base)}"]
    missing = []
    if not dataclasses.is_dataclass(cls) or "__dataclass_params__" not in vars(cls):
        missing.append(f"{owner} is not decorated with "
                       "@dataclass(frozen=True, slots=True, kw_only=True)")
    elif not cls.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        missing.append(f"{owner} is not frozen (@dataclass(frozen=True, ...))")
    if dataclasses.is_dataclass(cls) and "name" in {f.name for f in dataclasses.fields(cls)}:
        return missing + [f"{owner}.name is a dataclass field: declare it as "
                          "`name: ClassVar[str] = ...` with ClassVar imported at the top of its "
                          "module (from typing import ClassVar)"]
    if getattr(cls, "name", "") != name:
        missing.append(f"{owner}.name is {getattr(cls, 'name', '')!r}, not the registry name "
                       f"{name!r}")
    if dataclasses.is_dataclass(cls):
        plain = [f.name for f in dataclasses.fields(cls) if "type" not in f.metadata]
        if plain:
            missing.append(f"{owner} fields {', '.join(plain)} are not declared with "
                           "swarm.param(...) (which gives min, max and help)")
    return missing


def _overrides(cls: type, base: type, method: str) -> bool:
    return getattr(cls, method, None) is not getattr(base, method, None)


def _check_protocol(name: str, cls: Any) -> list[str]:
    from swarm.agents import NodeAgent
    from swarm.protocols.base import Protocol

    if not (inspect.isclass(cls) and issubclass(cls, Protocol)):
        return [f"it is not a subclass of {_qualname(Protocol)}"]
    missing = []
    if cls.name != name:
        missing.append(f"{cls.__name__}.name is {cls.name!r}, not the registry name {name!r}")
    if "Params" not in dir(cls):
        missing.append(f"{cls.__name__}.Params (its ProtocolParams dataclass) is not set")
    else:
        missing += _check_params(f"{cls.__name__}.Params", cls.Params, ProtocolParams, name)
    agent = getattr(cls, "Agent", None)
    if not (inspect.isclass(agent) and issubclass(agent, NodeAgent)):
        missing.append(f"{cls.__name__}.Agent (the agent rule, a swarm.NodeAgent subclass) "
                       "is not set")
    elif not (_overrides(agent, NodeAgent, "on_round")
              or _overrides(agent, NodeAgent, "on_message")):
        missing.append(f"{cls.__name__}.Agent defines neither on_round nor on_message")
    for method in ("init_state", "send", "receive"):
        if not _overrides(cls, Protocol, method):
            missing.append(f"{cls.__name__}.{method} (the kernel path) is not defined")
    return missing


def _check_fault(name: str, cls: Any) -> list[str]:
    from swarm.faults.base import Fault, FaultParams

    if not (inspect.isclass(cls) and issubclass(cls, Fault)):
        return [f"it is not a subclass of {_qualname(Fault)}"]
    if "Params" not in dir(cls):
        return [f"{cls.__name__}.Params (its FaultParams dataclass) is not set"]
    missing = _check_params(f"{cls.__name__}.Params", cls.Params, FaultParams, name)
    if not (_overrides(cls, Fault, "perturb") or _overrides(cls, Fault, "transform")):
        missing.append(f"{cls.__name__} overrides neither perturb (nodes) nor transform "
                       "(messages)")
    if not missing:
        for attr in ("ZERO", "EXAMPLE"):  # the contract tests build both
            try:
                cls.Params(**getattr(cls.Params, attr))
            except Exception as exc:  # noqa: BLE001 - reported, with the reason
                missing.append(f"{cls.__name__}.Params.{attr} does not build ({exc})")
    return missing


def _check_topology(name: str, cls: Any) -> list[str]:
    missing = _check_params(cls.__name__ if inspect.isclass(cls) else repr(cls), cls,
                            TopologyParams, name)
    if not missing and not callable(getattr(cls, "build", None)):
        missing.append(f"{cls.__name__}.build(n, rng) (which returns a swarm.Topology) is not "
                       "defined")
    return missing


def _name_of(cls: Any) -> Any:
    """A component's registry name: ``cls.name`` (protocols, topologies) or its params'
    ``name`` (faults, whose class carries none of its own)."""
    name = getattr(cls, "name", None)
    if not name:
        name = getattr(getattr(cls, "Params", None), "name", None)
    return name


# -- the registry --------------------------------------------------------------------------
class Registry(Mapping[str, Any]):
    """Name -> class for one kind of component (a read-only mapping; :meth:`register` adds).

    Entry points of ``group`` load on the first lookup. ``source(name)`` says where a name came
    from: ``"built-in"``, ``"entry point <module:attr> (<distribution>)"`` or ``"registered
    in code"``."""

    def __init__(self, kind: str, group: str, builtins: dict[str, str],
                 check: Callable[[str, Any], list[str]]) -> None:
        self.kind, self.group, self._check = kind, group, check
        #: name -> class, or "module:attribute" for a built-in not imported yet
        self._entries: dict[str, Any] = dict(builtins)
        self._sources: dict[str, str] = dict.fromkeys(self._entries, "built-in")
        self._loaded = False

    # Mapping
    def __getitem__(self, name: str) -> Any:
        self._load()
        entry = self._entries[name]
        if isinstance(entry, str):  # a built-in, imported on first use
            entry = self._entries[name] = _load_attribute(entry)
        return entry

    def __iter__(self) -> Iterator[str]:
        self._load()
        return iter(list(self._entries))

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}, {sorted(self)!r})"

    def source(self, name: str) -> str:
        self._load()
        return self._sources[name]

    def register(self, cls: Any, name: str | None = None, *, replace: bool = False,
                 source: str = "registered in code") -> Any:
        """Add ``cls`` under ``name`` (default ``cls.name``) after checking the contract;
        returns ``cls`` (so it also works as a class decorator)."""
        self._load()
        name = _name_of(cls) if name is None else name
        field = f"{self.kind} plugin"
        if not isinstance(name, str) or not _NAME.match(name):
            raise ConfigError(field, name, f"{_qualname(cls)} needs a name of lowercase letters, "
                              "digits and single '-' or '_' (e.g. 'my-gossip'), set as its "
                              "class attribute name")
        held = self[name] if name in self._entries else None
        if held is not None and held is not cls:
            if not replace or self._sources[name] == "built-in":
                raise ConfigError(field, name, f"is already taken by {_qualname(held)} "
                                  f"({self._sources[name]}); {_qualname(cls)} needs another name"
                                  + ("" if self._sources[name] == "built-in" else
                                     " (or register it with replace=True)"))
        missing = self._check(name, cls)
        if missing:
            raise ConfigError(field, name, f"{_qualname(cls)} does not meet the {self.kind} "
                              "contract: " + "; ".join(missing))
        self._entries[name] = cls
        self._sources[name] = source
        return cls

    def unregister(self, name: str) -> None:
        """Remove a name registered in code (a notebook's experiment); built-in and entry point
        names stay."""
        self._load()
        if self._sources.get(name) != "registered in code":
            raise ConfigError(f"{self.kind} plugin", name, "was not registered in code ("
                              + self._sources.get(name, "no such name") + "); only those can "
                              "be unregistered")
        del self._entries[name], self._sources[name]

    def _load(self) -> None:
        if self._loaded:
            return
        self._loaded = True  # first: a plugin's own lookups while it loads see the built-ins
        from importlib.metadata import entry_points

        for ep in sorted(entry_points(group=self.group), key=lambda e: e.name):
            where = f"entry point {ep.value} ({ep.dist.name if ep.dist else 'unknown'})"
            try:
                cls = ep.load()
            except Exception as exc:  # noqa: BLE001 - a broken plugin: one clear line
                raise ConfigError(f"{self.kind} plugin", ep.name, f"{where} does not load "
                                  f"({type(exc).__name__}: {exc})") from exc
            self.register(cls, ep.name, source=where)

    def registered_in_code(self) -> dict[str, Any]:
        self._load()
        return {n: self[n] for n in self._entries if self._sources[n] == "registered in code"}


PROTOCOLS = Registry("protocol", "swarm.protocols", _BUILTIN_PROTOCOLS, _check_protocol)
FAULTS = Registry("fault", "swarm.faults", _BUILTIN_FAULTS, _check_fault)
TOPOLOGIES = Registry("topology", "swarm.topologies", _BUILTIN_TOPOLOGIES, _check_topology)
_BY_KIND = {"protocol": PROTOCOLS, "fault": FAULTS, "topology": TOPOLOGIES}


def register_protocol(cls: Any, name: str | None = None, *, replace: bool = False) -> Any:
    """Register a protocol class (a ``swarm.Protocol`` subclass with ``Params`` and ``Agent``)
    under ``name`` (default ``cls.name``); the CLI, sweeps, the dashboard's controls and the
    contract tests then know it by name. Usable as a decorator."""
    return PROTOCOLS.register(cls, name, replace=replace)


def register_fault(cls: Any, name: str | None = None, *, replace: bool = False) -> Any:
    """Register a fault class (a ``swarm.Fault`` subclass with ``Params``); see
    :func:`register_protocol`."""
    return FAULTS.register(cls, name, replace=replace)


def register_topology(cls: Any, name: str | None = None, *, replace: bool = False) -> Any:
    """Register a topology generator (a ``swarm.TopologyParams`` dataclass with
    ``build(n, rng)``); see :func:`register_protocol`."""
    return TOPOLOGIES.register(cls, name, replace=replace)


def topology_params() -> dict[str, type[TopologyParams]]:
    """What a scenario's ``topology`` may name: every generator, plus ``given`` (the record of
    a graph passed to a run, which reads back but cannot be chosen)."""
    from swarm.topology import Given

    return {**TOPOLOGIES, Given.name: Given}


def shipped() -> list[tuple[str, str, Any]]:
    """``(kind, name, class)`` of every component registered in code in this process: what a
    sweep sends its Dask workers (entry points they load themselves)."""
    return [(kind, name, cls) for kind, registry in _BY_KIND.items()
            for name, cls in registry.registered_in_code().items()]


def install(components: list[tuple[str, str, Any]]) -> None:
    """Register what :func:`shipped` gave (on a worker); a name registered in code before is
    replaced (a notebook that redefined its class sends the new one)."""
    for kind, name, cls in components:
        _BY_KIND[kind].register(cls, name, replace=True)
