"""Reconcilers: simpy processes that watch the store, queue keys, re-read and converge."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["start_all"]


def start_all(cluster: Cluster) -> list[Any]:
    """Start the control plane and a kubelet per node, in the order their watches should fire."""
    from simk8s.controllers.accounts import ClusterRoleAggregationController, ServiceAccountsController
    from simk8s.controllers.endpoints import EndpointsController
    from simk8s.controllers.gc import GarbageCollector
    from simk8s.controllers.kubelet import Kubelet, KubeletDispatcher
    from simk8s.controllers.loadbalancer import LoadBalancerController
    from simk8s.controllers.nodelifecycle import NodeLifecycleController
    from simk8s.controllers.replicaset import DeploymentController, ReplicaSetController
    from simk8s.controllers.scheduler import Scheduler
    from simk8s.controllers.statefulset import StatefulSetController
    from simk8s.controllers.volumes import PersistentVolumeController

    controllers: list[Any] = [
        GarbageCollector(cluster),
        StatefulSetController(cluster),
        DeploymentController(cluster),
        ReplicaSetController(cluster),
        PersistentVolumeController(cluster),
        Scheduler(cluster),
        EndpointsController(cluster),
        NodeLifecycleController(cluster),
        ServiceAccountsController(cluster),
        ClusterRoleAggregationController(cluster),
    ]
    if cluster.topology.load_balancer_pool:
        controllers.append(LoadBalancerController(cluster))
    kubelets = {n["metadata"]["name"]: Kubelet(cluster, n["metadata"]["name"]) for n in cluster.store.list("Node")}
    KubeletDispatcher(cluster, kubelets)
    controllers.extend(kubelets.values())
    return controllers
