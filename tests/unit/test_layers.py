"""The import rules of the house, read from the source with `ast` (nothing is imported):

- core/ is in layers, each a subpackage that imports only itself and the layers before it;
  core/cli.py sits on top of them all;
- ui/ imports core and itself, never pages/; pages/ import core and ui, never each other;
- no module imports in a circle;
- core/ never imports streamlit.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LAYERS = ("config", "data", "models", "training", "store", "analysis", "jobs", "classroom", "viz", "lessons")
OURS = ("core", "ui", "pages")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(p): p for top in OURS for p in sorted((ROOT / top).rglob("*.py"))}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """Every project module `path` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:  # `from core.store import runs` names a module
                found.add(f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known else node.module)
    return {name for name in found if name.split(".")[0] in OURS or name == "streamlit" or name.startswith("streamlit.")}


def rank(module: str) -> tuple[int, ...]:
    """Where a module stands: (0, layer) in core, (0, len) for core's top files, (1,) ui, (2,) pages."""
    parts = module.split(".")
    if parts[0] == "core":
        if len(parts) > 1 and parts[1] in LAYERS:
            return (0, LAYERS.index(parts[1]))
        return (0, len(LAYERS))  # core/__init__.py, core/cli.py: above every layer
    return (("ui", "pages").index(parts[0]) + 1,)


GRAPH = {name: imports_of(path, set(project_modules())) for name, path in project_modules().items()}


def test_every_core_module_sits_in_a_layer():
    loose = [m for m in GRAPH if m.startswith("core.") and m.split(".")[1] not in LAYERS and m != "core.cli"]
    assert not loose, f"modules of core/ outside its layers: {loose}"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_run_down_the_layers(module):
    upward = [target for target in GRAPH[module] if target.split(".")[0] in OURS and rank(target) > rank(module)]
    assert not upward, f"{module} imports {upward}, which stand above it"


@pytest.mark.parametrize("module", sorted(m for m in GRAPH if m.startswith("pages.")))
def test_pages_do_not_import_each_other(module):
    assert not [t for t in GRAPH[module] if t.startswith("pages")], f"{module} imports another page"


def test_core_never_imports_streamlit():
    users = [m for m, targets in GRAPH.items() if m.startswith("core") and any(t.startswith("streamlit") for t in targets)]
    assert not users, f"core modules importing streamlit: {users}"


def test_no_import_circles():
    def modules_of(target: str) -> list[str]:
        # `import core.store.runs` depends on the module itself; a package import on its __init__
        return [target] if target in GRAPH else []

    edges = {m: {t for target in targets for t in modules_of(target) if t != m} for m, targets in GRAPH.items()}
    state: dict[str, int] = {}
    stack: list[str] = []
    circles: list[list[str]] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                circles.append(stack[stack.index(nxt):] + [nxt])
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


def test_the_rule_catches_an_upward_import(tmp_path):
    """The check itself can fail: a data-layer module importing the store stands out."""
    assert rank("core.store.runs") > rank("core.data.loading")
    assert rank("ui.resources") > rank("core.cli") and rank("pages.train") > rank("ui.resources")
