"""The house's contract (issue #18), enforced.

- No import cycle among simk8s modules, counting every import (module level, inside functions,
  under ``if TYPE_CHECKING``): :mod:`tests.house.imports` reads them from the code.
"""

from __future__ import annotations

from .imports import Import, cycles, imports


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
