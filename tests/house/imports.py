"""The import graph of the simk8s package, read from the code (every import statement, wherever it
stands: module level, inside functions, under ``if TYPE_CHECKING``)."""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "simk8s"


@dataclass(frozen=True)
class Import:
    source: str        # the importing module
    target: str        # the imported module
    line: int
    local: bool        # inside a function
    comment: str       # the comment lines right above it


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _comment_above(lines: list[str], lineno: int) -> str:
    out = []
    i = lineno - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        out.append(lines[i].strip())
        i -= 1
    return " ".join(reversed(out))


def imports() -> list[Import]:
    mods = modules()
    out: list[Import] = []
    for name, path in mods.items():
        text = path.read_text()
        lines = text.splitlines()
        tree = ast.parse(text)
        is_pkg = path.name == "__init__.py"

        def visit(node: ast.AST, local: bool, name: str = name, is_pkg: bool = is_pkg,
                  lines: list[str] = lines) -> None:
            for child in ast.iter_child_nodes(node):
                inner = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                targets: list[str] = []
                if isinstance(child, ast.Import):
                    targets = [a.name for a in child.names]
                elif isinstance(child, ast.ImportFrom):
                    base = child.module or ""
                    if child.level:
                        pkg = name.split(".") if is_pkg else name.split(".")[:-1]
                        pkg = pkg[: len(pkg) - child.level + 1]
                        base = ".".join([*pkg, base] if base else pkg)
                    for a in child.names:
                        full = f"{base}.{a.name}"
                        targets.append(full if full in mods else base)
                    # `from pkg import mod` runs pkg/__init__ first and reads `mod` off it: an
                    # import of the package too.
                    if base in mods and base != name:
                        targets.append(base)
                for t in targets:
                    while t and t not in mods and "." in t:
                        t = t.rsplit(".", 1)[0]
                    if t in mods and t != name:
                        out.append(Import(name, t, child.lineno, local, _comment_above(lines, child.lineno)))
                visit(child, inner, name, is_pkg, lines)

        visit(tree, False)
    return out


def cycles(edges: list[Import]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for e in edges:
        graph.setdefault(e.source, set()).add(e.target)
        graph.setdefault(e.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for v in sorted(graph):
            if v not in index:
                strong(v)
    finally:
        sys.setrecursionlimit(limit)
    return found
