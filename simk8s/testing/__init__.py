"""Property-based testing of StatefulSet-shaped logic against a simulated cluster.

- :mod:`simk8s.testing.strategies`: hypothesis strategies for sets, topologies and operations;
- :class:`ClusterMachine`: a state machine you subclass; failing examples print a replayable scenario;
- :class:`RuntimeChecker`: ordering invariants checked as each write happens;
- :mod:`simk8s.testing.controllers`: run your own reconciler (``cluster.add_controller``).

hypothesis is needed only for the machine and the strategies (the ``test`` extra), so those are
imported when first used: the checker and controllers work in a plain install.
"""

from __future__ import annotations

from typing import Any

from simk8s.testing.checker import RuntimeChecker
from simk8s.testing.controllers import PrimaryReplicaController, UserController, check_single_primary

__all__ = ["ClusterMachine", "PrimaryReplicaController", "RuntimeChecker", "UserController",
           "check_single_primary", "to_scenario"]


def __getattr__(name: str) -> Any:
    if name in ("ClusterMachine", "to_scenario"):
        # hypothesis is an optional dependency (the test extra): the machine loads when first used.
        from simk8s.testing import machine

        return getattr(machine, name)
    raise AttributeError(f"module 'simk8s.testing' has no attribute {name!r}")
