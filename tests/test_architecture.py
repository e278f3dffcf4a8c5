"""The tree reads as the architecture: small modules, one-way imports, no cycles.

DESIGN.md §3: ``market`` ← ``agents`` ← ``game`` ← ``experiments``/``workshop`` ← ``ui`` ←
``app.py``. ``market`` imports nothing of the project above it, neither Mesa nor pandas;
only ``ui`` and ``app.py`` import Streamlit; no two modules of a package import each other
in a circle; randomness only through explicit generators.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("market", "agents", "game", "experiments", "workshop", "ui", "crunch")
LAYER = {"market": 0, "agents": 1, "game": 2, "experiments": 3, "workshop": 3, "ui": 4}
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Every library module by dotted name (``app.py`` as ``app``)."""
    found = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            found[name] = path
    return found


MODULES = modules()


def imports(path: Path) -> set[str]:
    """Absolute module names a file imports (anywhere in it, lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def project_imports(name: str) -> set[str]:
    """The project modules ``name`` imports (only names that are modules)."""
    return {m for m in imports(MODULES[name]) if m in MODULES and m != name}


def top(name: str) -> str:
    return name.split(".")[0]


def test_no_module_is_over_400_lines():
    long = {
        n: len(p.read_text(encoding="utf-8").splitlines())
        for n, p in MODULES.items()
        if len(p.read_text(encoding="utf-8").splitlines()) > MAX_LINES
    }
    assert not long, f"split these modules by job: {long}"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if top(n) in LAYER))
def test_imports_point_one_way(name):
    layer = LAYER[top(name)]
    upward = sorted(
        m
        for m in project_imports(name)
        if (top(m) in LAYER and LAYER[top(m)] > layer)
        or (top(m) in LAYER and LAYER[top(m)] == layer and top(m) != top(name))
    )
    assert not upward, f"{name} imports {upward}, which sit above it (or beside it)"


def test_market_uses_only_numpy_and_the_standard_library():
    allowed_third_party = {"numpy"}
    bad = {}
    for name, path in MODULES.items():
        if top(name) != "market":
            continue
        third = {
            top(m)
            for m in imports(path)
            if top(m) not in PACKAGES and top(m) not in _stdlib() and top(m) != "__future__"
        }
        if third - allowed_third_party:
            bad[name] = sorted(third - allowed_third_party)
        above = {m for m in project_imports(name) if top(m) != "market"}
        if above:
            bad[name] = sorted(above)
    assert not bad, bad


def test_only_the_ui_imports_streamlit():
    users = sorted(n for n, p in MODULES.items() if "streamlit" in {top(m) for m in imports(p)})
    assert all(top(n) in ("ui", "app") for n in users), users


def test_no_import_cycles_inside_a_package():
    graph = {n: {m for m in project_imports(n) if top(m) == top(n)} for n in MODULES}
    # A package's __init__ may re-export its own modules; cycles through it don't count.
    for n, deps in graph.items():
        graph[n] = {d for d in deps if MODULES[d].name != "__init__.py"}
    seen: dict[str, int] = {}

    def visit(node: str, stack: list[str]) -> None:
        seen[node] = 1
        for dep in sorted(graph[node]):
            if seen.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if dep not in seen:
                visit(dep, [*stack, dep])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [node])


def test_library_code_has_no_hidden_global_randomness():
    offenders = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        if "import random" in text or "np.random.seed" in text or "random.random(" in text:
            offenders.append(name)
    assert not offenders, offenders


def _stdlib() -> frozenset[str]:
    import sys

    return frozenset(sys.stdlib_module_names)
