"""The shell package's modules import each other without a circle.

Every import counts, wherever it stands (inside functions, under ``if TYPE_CHECKING``), and
``from package import module`` counts as an import of the package too.
"""

import ast
from pathlib import Path

import simk8s.node.shell as package

HERE = Path(package.__file__).parent


def _graph() -> dict[str, set[str]]:
    modules = {package.__name__ if f.stem == "__init__" else f"{package.__name__}.{f.stem}": f
               for f in HERE.glob("*.py")}
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        here = name.split(".") if path.stem == "__init__" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else []))
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            else:
                continue
            edges[name].update(t for t in targets if t in modules and t != name)
    return edges


def _cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_sees_the_modules_and_their_imports():
    edges = _graph()
    assert f"{package.__name__}.interp" in edges[package.__name__]
    assert f"{package.__name__}.builtins" in edges[f"{package.__name__}.interp"]


def test_finds_a_planted_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_no_import_cycle_in_the_shell():
    assert _cycle(_graph()) is None
