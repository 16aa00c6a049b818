"""Property-based testing of StatefulSet-shaped logic against a simulated cluster.

- :mod:`simk8s.testing.strategies`: hypothesis strategies for sets, topologies and operations;
- :class:`ClusterMachine`: a state machine you subclass; failing examples print a replayable scenario;
- :class:`RuntimeChecker`: ordering invariants checked as each write happens;
- :mod:`simk8s.testing.controllers`: run your own reconciler (``cluster.add_controller``).
"""

from simk8s.testing.checker import RuntimeChecker
from simk8s.testing.controllers import PrimaryReplicaController, UserController, check_single_primary
from simk8s.testing.machine import ClusterMachine, to_scenario

__all__ = ["ClusterMachine", "PrimaryReplicaController", "RuntimeChecker", "UserController",
           "check_single_primary", "to_scenario"]
