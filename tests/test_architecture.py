"""The house rules of issue 12, checked on the source: small modules, no private names across
modules, no import cycles (imports inside functions included), no import up the floors.

Floors (../shared/DESIGN.md): a module may import from its own floor or below, never above.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "landcheck"
MAX_LINES = 500

#: first part of the module name below `landcheck.` → floor
FLOORS = {
    "errors": 1, "units": 1, "text": 1, "landuse": 1, "columns": 1, "progress": 1, "compat": 1, "geometry": 1,
    "config": 2, "layers": 2, "overlay": 2, "findings": 2, "export": 2, "manifest": 2,
    "roles": 3, "engine": 3, "checks": 3, "ledger": 3, "spreadsheet": 3, "maps": 3, "describe": 3, "sample": 3, "evidence": 3,
    "pipeline": 4, "scale": 4,
    "cli": 5, "__init__": 0, "__main__": 5, "data": 0,
}


def modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PACKAGE.rglob("*.py")):
        parts = list(p.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = p
    return out


MODULES = modules()


def _is_package(name: str) -> bool:
    return MODULES.get(name, Path()).name == "__init__.py"


def imports(name: str, path: Path) -> list[tuple[str, str, int]]:
    """(imported landcheck module, imported name or '', line) for every import in the module,
    also inside functions. `from .pkg import sub` counts as an import of pkg.sub when sub is a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if _is_package(name) else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                out.append((a.name, "", node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            for a in node.names:
                sub = f"{mod}.{a.name}"
                out.append((sub, "", node.lineno) if sub in MODULES else (mod, a.name, node.lineno))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in MODULES:
            out.append((node.value, "", node.lineno))  # importlib.import_module("landcheck.x") and the like
    return out


def landcheck_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = set()
        for mod, _, _ in imports(name, path):
            while mod and mod not in MODULES and "." in mod:
                mod = mod.rpartition(".")[0]
            if mod in MODULES and mod != name:
                targets.add(mod)
        edges[name] = targets
    return edges


def test_no_module_over_500_lines():
    long = {n: len(p.read_text(encoding="utf-8").splitlines()) for n, p in MODULES.items()}
    assert {n: k for n, k in long.items() if k > MAX_LINES} == {}


def test_no_private_name_imported_from_another_module():
    bad = []
    for name, path in MODULES.items():
        for mod, imported, line in imports(name, path):
            private = imported.startswith("_") and not imported.startswith("__")
            if mod.startswith("landcheck") and private:
                bad.append(f"{path.name}:{line} {mod}.{imported}")
            elif private and not mod.startswith("landcheck") and name != "landcheck.compat":
                bad.append(f"{path.name}:{line} {mod}.{imported} (other libraries' private names: landcheck/compat.py)")
    assert bad == []


def test_no_import_cycles():
    edges = landcheck_edges()
    # a package's __init__ re-exporting its submodules is the one allowed downward edge into itself
    graph = {n: {t for t in ts if not (n and t.startswith(n + "."))} for n, ts in edges.items()}
    cycles, state, stack = [], {}, []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for t in sorted(graph.get(n, ())):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[n] = 2

    for n in sorted(graph):
        if n not in state:
            visit(n)
    assert cycles == []


def _floor(name: str) -> int:
    parts = name.split(".")
    return FLOORS[parts[1]] if len(parts) > 1 else 0


def test_every_module_has_a_floor():
    assert sorted({n.split(".")[1] for n in MODULES if "." in n} - set(FLOORS)) == []


def test_no_import_runs_up_the_floors():
    bad = []
    for name, targets in landcheck_edges().items():
        if name == "landcheck" or name.endswith(".__main__"):
            continue
        for t in targets:
            if t != "landcheck" and _floor(t) > _floor(name):
                bad.append(f"{name} (floor {_floor(name)}) imports {t} (floor {_floor(t)})")
    assert bad == []


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_says_what_it_holds(name):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    if MODULES[name].name == "__init__.py" and not tree.body:
        return
    assert doc and len(doc.splitlines()) <= 20, f"{name}: a docstring of a few lines saying what the module holds"
