"""The house's contract (issue #18), enforced.

- No import cycle among simk8s modules, counting every import (module level, inside functions,
  under ``if TYPE_CHECKING``): :mod:`tests.house.imports` reads them from the code.
- No simk8s import inside a function, except one that lazily loads a face needing an optional
  third-party dependency (aiohttp, hypothesis), with a comment right above it saying "optional".
- The import-linter contracts in pyproject.toml (the layers, every top-level module named; the pure
  layers) hold: ``lint-imports`` passes.
- Every public module (no part of its name starts with ``_``) defines ``__all__``, and
  ``public_api.txt`` pins them: a change of the public API is a visible, deliberate diff. After a
  deliberate change, regenerate the snapshot and commit it with the change::

      SIMK8S_UPDATE_PUBLIC_API=1 python -m pytest tests/house -k public_api

- Every ``package-data`` pattern of pyproject.toml names at least one file (the wheel carries what
  the package reads).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from .imports import PACKAGE, ROOT, Import, cycles, imports, modules

SNAPSHOT = Path(__file__).with_name("public_api.txt")


def test_cycles_finds_a_planted_circle():
    edges = [Import("a", "b", 1, False, ""), Import("b", "c", 1, True, ""), Import("c", "a", 1, False, ""),
             Import("c", "d", 1, False, "")]
    assert cycles(edges) == [["a", "b", "c"]]


def test_the_graph_sees_every_kind_of_import():
    edges = {(e.source, e.target) for e in imports()}
    assert ("simk8s.cluster", "simk8s.store") in edges                 # module level
    assert ("simk8s.kubectl.context", "simk8s.cluster") in edges       # under TYPE_CHECKING
    assert ("simk8s", "simk8s.serve") in edges                         # inside a function


def test_no_import_cycle():
    assert cycles(imports()) == []


def _hidden(edges: list[Import]) -> list[str]:
    return [f"{e.source}:{e.line} imports {e.target}" for e in edges
            if e.local and "optional" not in e.comment.lower()]


def test_a_local_import_without_its_comment_is_seen():
    edges = [Import("a", "b", 3, True, ""), Import("a", "c", 9, True, "# c needs an optional extra"),
             Import("a", "d", 1, False, "")]
    assert _hidden(edges) == ["a:3 imports b"]


def test_function_local_imports_load_only_optional_dependencies():
    """A simk8s import inside a function hides an upward import or a circle, unless it lazily loads
    a face that needs an optional third-party dependency: then a comment right above it says so."""
    assert _hidden(imports()) == []


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the package under ``root``, with this interpreter (no command on PATH)."""
    if importlib.util.find_spec("importlinter") is None:
        pytest.fail("import-linter is not installed; install the test extra: pip install -e '.[test]'")
    code = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run([sys.executable, "-c", code, "--no-cache", "--no-logo"], cwd=root, env=env,
                          capture_output=True, text=True)


def test_the_import_contracts_hold():
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_import_contracts_see_an_upward_import(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copytree(ROOT / "simk8s", tmp_path / "simk8s", ignore=shutil.ignore_patterns("__pycache__"))
    with (tmp_path / "simk8s" / "logic" / "dns.py").open("a") as f:
        f.write("\nfrom simk8s import cluster as _upward  # noqa: E402\n")
    result = _lint_imports(tmp_path)
    assert result.returncode != 0
    assert "simk8s.logic.dns -> simk8s.cluster" in result.stdout


def _public_api() -> dict[str, list[str] | None]:
    """Each public module's ``__all__`` (None: it defines none), read from the code (a literal)."""
    out: dict[str, list[str] | None] = {}
    for name, path in modules().items():
        if any(part.startswith("_") for part in name.split(".")):
            continue
        names = None
        for node in ast.parse(path.read_text()).body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
                node.target if isinstance(node, ast.AnnAssign) else None)
            if isinstance(target, ast.Name) and target.id == "__all__" and node.value is not None:
                names = list(ast.literal_eval(node.value))
        out[name] = names
    return out


def _snapshot_text(api: dict[str, list[str] | None]) -> str:
    return "".join(f"{m}: {' '.join(sorted(names or ()))}".rstrip() + "\n" for m, names in sorted(api.items()))


def test_every_public_module_defines_all():
    assert [m for m, names in _public_api().items() if names is None] == []


def test_public_api_is_the_pinned_snapshot():
    text = _snapshot_text(_public_api())
    if os.environ.get("SIMK8S_UPDATE_PUBLIC_API"):
        SNAPSHOT.write_text(text)
    assert SNAPSHOT.read_text() == text, (
        "the public API (__all__) changed; if deliberate: SIMK8S_UPDATE_PUBLIC_API=1 python -m pytest "
        "tests/house -k public_api, and commit tests/house/public_api.txt")


def test_public_api_snapshot_sees_a_change():
    api = _public_api()
    changed = {**api, "simk8s": [*(api["simk8s"] or ()), "Extra"]}
    assert _snapshot_text(changed) != _snapshot_text(api)
    assert "simk8s: " in _snapshot_text(api)


def test_package_data_patterns_name_files():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = config["tool"]["setuptools"]["package-data"]
    assert "py.typed" in data["simk8s"]
    empty = [f"{package}: {pattern}" for package, patterns in data.items() for pattern in patterns
             if not any(p.is_file() for p in (ROOT / package.replace(".", "/")).glob(pattern))]
    assert empty == []
    assert (PACKAGE / "py.typed").is_file()
