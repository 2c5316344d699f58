"""The architecture as tests: module size, the direction of imports between the layers, and no
two schema modules that import each other (docs/architecture.md describes the rules)."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("api", "auth", "schema", "catalog", "search", "notify")
MAX_MODULE_LINES = 400

# What each layer must never import (the dependencies point one way: api → schema → catalog).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "catalog": ("api", "auth", "schema", "search", "notify", "starlette", "strawberry", "httpx"),
    "schema": ("api", "notify"),
    "auth": ("api", "schema", "search", "notify"),
    "search": ("api", "schema", "auth", "notify"),
    "notify": ("api", "schema", "search"),
}


def modules() -> Iterator[tuple[str, Path]]:
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            relative = path.relative_to(ROOT).with_suffix("")
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            yield ".".join(parts), path


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def runtime_imports(path: Path) -> set[str]:
    """Modules imported when the code runs: top level and inside functions, but not the
    imports kept under `if TYPE_CHECKING:`, which only the type checker follows."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking_only(child):
                for other in child.orelse:
                    visit(other)
                continue
            if isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names)
            elif isinstance(child, ast.ImportFrom) and child.module and child.level == 0:
                found.add(child.module)
                found.update(f"{child.module}.{alias.name}" for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_no_module_is_over_the_size_limit() -> None:
    oversized = {
        str(path.relative_to(ROOT)): lines
        for _, path in modules()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert oversized == {}, f"split these modules (limit {MAX_MODULE_LINES} lines)"


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layers_import_in_one_direction(layer: str) -> None:
    wrong = {
        name: sorted(
            imported
            for imported in runtime_imports(path)
            if imported.split(".")[0] in FORBIDDEN[layer]
        )
        for name, path in modules()
        if name.split(".")[0] == layer
    }
    assert {name: found for name, found in wrong.items() if found} == {}


def test_no_two_schema_modules_import_each_other() -> None:
    known = {name for name, _ in modules() if name.startswith("schema")}
    graph = {
        name: {imported for imported in runtime_imports(path) if imported in known} - {name}
        for name, path in modules()
        if name.startswith("schema")
    }
    # Any cycle, not only pairs: a depth-first search over the import graph.
    cycles: list[list[str]] = []
    state: dict[str, str] = {}

    def walk(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for imported in sorted(graph.get(name, ())):
            if state.get(imported) == "open":
                cycles.append([*trail[trail.index(imported) :], imported])
            elif imported not in state:
                walk(imported, [*trail, imported])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            walk(name, [name])
    # A package's __init__ re-exporting its modules is not a cycle of two modules.
    real = [cycle for cycle in cycles if len({part for part in cycle if part in graph}) > 1]
    assert real == []
