"""The package's import layers (docs/design.md, "Layers"): no cycle, no import up the list.

The test parses every module of ``swarm/`` with ``ast`` (no import runs), takes every
``import`` / ``from ... import`` in it, nested ones included (a lazy import inside a function
is still a dependency), except those under ``if TYPE_CHECKING:``, and checks the graph
against the layer list that docs/design.md holds in its ``<!-- layers -->`` block.
"""

from __future__ import annotations

import ast
import fnmatch
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "swarm"


def layers() -> list[tuple[str, list[str]]]:
    """``(layer, patterns)`` lowest first, from docs/design.md's layers block."""
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- layers:.*?-->\n```\n(.*?)```", text, flags=re.S)
    assert block, "docs/design.md has no <!-- layers --> block"
    out = []
    for line in block[1].splitlines():
        name, _, mods = line.partition(":")
        out.append((name.strip(), [m.strip() for m in mods.split(",") if m.strip()]))
    return out


def modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


def _type_checking_only(tree: ast.Module) -> set[int]:
    """ids of the import nodes under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    skip = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The package modules ``name`` imports (a ``from pkg import mod`` names ``pkg.mod``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_only(tree)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base
                       for a in node.names]
        else:
            continue
        for target in targets:
            while target not in known and "." in target:
                target = target.rpartition(".")[0]
            if target in known and target != name:
                found.add(target)
    return found


def layer_of(name: str, table: list[tuple[str, list[str]]]) -> int | None:
    for rank, (_, patterns) in enumerate(table):
        if any(fnmatch.fnmatchcase(name, p) for p in patterns):
            return rank
    return None


def graph() -> dict[str, set[str]]:
    mods = modules()
    return {name: imports(name, path, set(mods)) for name, path in mods.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycle():
    found = cycles(graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(c) for c in found)


def test_every_module_has_a_layer_and_imports_only_down():
    table = layers()
    g = graph()
    unplaced = sorted(m for m in g if layer_of(m, table) is None)
    assert not unplaced, f"modules docs/design.md places in no layer: {unplaced}"
    upward = []
    for mod, deps in sorted(g.items()):
        mine = layer_of(mod, table)
        for dep in sorted(deps):
            theirs = layer_of(dep, table)
            if theirs > mine:
                upward.append(f"{mod} ({table[mine][0]}) imports {dep} ({table[theirs][0]})")
    assert not upward, "imports up the layers:\n" + "\n".join(upward)


def test_kernels_import_only_kernels():
    g = graph()
    bad = sorted(f"{m} imports {d}" for m, deps in g.items() if m.startswith("swarm.kernels")
                 for d in deps if not d.startswith("swarm.kernels"))
    assert not bad, bad


def test_every_listed_module_exists():
    """A layer line naming a module that is gone is stale: the list stays the truth."""
    mods = set(modules())
    stale = [p for _, patterns in layers() for p in patterns
             if not any(fnmatch.fnmatchcase(m, p) for m in mods)]
    assert not stale, stale


def test_the_checker_sees_a_cycle_and_an_upward_import():
    """The checks can fail: a made-up graph with a cycle and an import up the layers."""
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [["a", "b"]]
    table = [("low", ["swarm.errors"]), ("high", ["swarm.config"])]
    assert layer_of("swarm.errors", table) == 0 and layer_of("swarm.config", table) == 1
    known = set(modules())
    assert "swarm.registry" in imports("swarm.config", PACKAGE / "config.py", known)
    # swarm.agents names swarm.model under TYPE_CHECKING only
    assert "swarm.model" not in imports("swarm.agents", PACKAGE / "agents.py", known)


if __name__ == "__main__":  # the table for a reader: python tests/unit/test_layers.py
    table, g = layers(), graph()
    for rank, (name, _) in enumerate(table):
        members = sorted(m for m in g if layer_of(m, table) == rank)
        print(f"{rank + 1}. {name:11s} {len(members):2d} modules: {', '.join(members)}")
    found = cycles(g)
    print("import cycles:", "; ".join(" <-> ".join(c) for c in found) if found else "none")
