"""The control plane: simpy reconcilers that watch the store, queue keys, re-read and converge.

Each takes a :class:`~simk8s.core.Core`; :func:`start_all` starts them in the order their watches
should fire. The kubelets are the node side's (:mod:`simk8s.node`).
"""

from __future__ import annotations

from typing import Any

from simk8s.controllers.accounts import ClusterRoleAggregationController, ServiceAccountsController
from simk8s.controllers.endpoints import EndpointsController
from simk8s.controllers.gc import GarbageCollector
from simk8s.controllers.loadbalancer import LoadBalancerController
from simk8s.controllers.nodelifecycle import NodeLifecycleController
from simk8s.controllers.replicaset import DeploymentController, ReplicaSetController
from simk8s.controllers.scheduler import Scheduler
from simk8s.controllers.statefulset import StatefulSetController
from simk8s.controllers.volumes import PersistentVolumeController
from simk8s.core import Core

__all__ = ["start_all"]


def start_all(core: Core) -> list[Any]:
    """Start the control plane's controllers; returns them in start order."""
    controllers: list[Any] = [
        GarbageCollector(core),
        StatefulSetController(core),
        DeploymentController(core),
        ReplicaSetController(core),
        PersistentVolumeController(core),
        Scheduler(core),
        EndpointsController(core),
        NodeLifecycleController(core),
        ServiceAccountsController(core),
        ClusterRoleAggregationController(core),
    ]
    if core.topology.load_balancer_pool:
        controllers.append(LoadBalancerController(core))
    return controllers
