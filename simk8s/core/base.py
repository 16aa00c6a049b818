"""The core a simulated cluster's parts share: one clock, one store, random streams, the topology.

:class:`Core` is what the control plane (:mod:`simk8s.controllers`), the node side
(:mod:`simk8s.node`) and the cluster DNS (:mod:`simk8s.dns`) receive: never the ``Cluster``
facade, which wires a core and offers the user API on top of it. Next to the core live the
timing model (:mod:`~simk8s.core.timing`), the reconciler base every controller builds on
(:mod:`~simk8s.core.reconciler`), the bootstrap objects of a new cluster
(:mod:`~simk8s.core.bootstrap`) and ``fork`` (:mod:`~simk8s.core.fork`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from simk8s.core.fork import ForkableEnvironment
from simk8s.core.timing import Timing
from simk8s.logic.dns import DnsConfig
from simk8s.store import DEFAULT_EPOCH, Store
from simk8s.store.admission import default_admission

__all__ = ["FEATURE_GATES", "Core", "Images", "NodeSpec", "Topology"]


@dataclass(frozen=True)
class NodeSpec:
    name: str
    control_plane: bool = False
    cpu: str = "2"
    memory: str = "4Gi"
    pods: int = 110
    zone: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    ip: str | None = None


def _seed_nodes() -> tuple[NodeSpec, ...]:
    return (
        NodeSpec("k8s-m", control_plane=True, ip="192.168.10.10"),
        NodeSpec("k8s-w1", ip="192.168.10.101"),
        NodeSpec("k8s-w2", ip="192.168.10.102"),
        NodeSpec("k8s-w3", ip="192.168.10.103"),
    )


@dataclass(frozen=True)
class Topology:
    """The shape of a cluster; the default is the seed lab's (a tainted control plane, three workers)."""

    nodes: tuple[NodeSpec, ...] = field(default_factory=_seed_nodes)
    pod_cidr: str = "172.16.0.0/16"
    service_cidr: str = "10.200.0.0/16"
    dns_ip: str = "10.200.1.10"
    api_ip: str = "10.200.0.1"
    zone: str = "cluster.local"
    storage_class: str | None = "local-path"
    # Addresses for `type: LoadBalancer` Services (MetalLB IPAddressPool syntax: CIDRs or a-b ranges),
    # handed out by a layer-2 load-balancer controller. Empty: no load-balancer implementation, so
    # such Services stay <pending> as on a bare kubeadm cluster.
    load_balancer_pool: tuple[str, ...] = ("192.168.10.240/28",)

    @staticmethod
    def workers(n: int, *, control_plane: bool = True, **node: Any) -> Topology:
        nodes = [NodeSpec("k8s-m", control_plane=True, ip="192.168.10.10")] if control_plane else []
        nodes += [NodeSpec(f"k8s-w{i}", ip=f"192.168.{10 + (100 + i) // 250}.{(100 + i) % 250 + 1}", **node)
                  for i in range(1, n + 1)]
        # Past 138 workers the node addresses reach the default pool: use a range no node has.
        pool = Topology.load_balancer_pool if n < 139 else ("192.168.255.0/24",)
        return Topology(nodes=tuple(nodes), load_balancer_pool=pool)


#: Kubernetes 1.32's defaults for the gates the simulation reads (docs/decisions.md).
FEATURE_GATES: Mapping[str, bool] = {
    "MaxUnavailableStatefulSet": False,
    "PodIndexLabel": True,
    "StatefulSetStartOrdinal": True,
}


class Images(Protocol):
    """Which images exist (the node side's registry: :class:`simk8s.node.images.ImageRegistry`)."""

    def lookup(self, ref: str) -> Any: ...

    def pull_error(self, ref: str) -> str: ...


class _Random(random.Random):
    """``random.Random`` whose copy (in ``Cluster.fork``) moves its state at once, not int by int."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Random:
        new = _Random.__new__(_Random)     # not _Random(): that seeds from the OS first
        new.setstate(self.getstate())
        return new


def rng(seed: int, purpose: str) -> random.Random:
    """The random stream of ``purpose`` in the cluster of ``seed`` (one per purpose, so that adding a
    draw in one place does not shift every other)."""
    return _Random(f"simk8s:{seed}:{purpose}")


class Core:
    """The clock, the store and what every part of a simulated cluster reads besides them.

    - ``env`` (the simpy clock), ``store``, ``topology``, ``timing``, ``seed``;
    - random streams: ``rng`` (durations), ``ip_rng`` (addresses, load balancing);
      :func:`rng` makes more;
    - cluster switches: ``feature_gates``, ``dns_config``;
    - node services, filled in by the node side: ``images`` (which images exist), ``volume_data``
      (each PersistentVolume's files), ``pod_cidrs``, the kubelets (:meth:`kubelet`);
    - ``controllers``: everything running, in start order;
    - caches derived from the store that several readers share (``dns_view``, ``dns_resolver``,
      ``netpol_cache``): dropped and rebuilt at will.
    """

    def __init__(self, seed: int, topology: Topology, timing: Timing, images: Images, *,
                 epoch: datetime = DEFAULT_EPOCH, feature_gates: Mapping[str, bool] | None = None) -> None:
        unknown = sorted(set(feature_gates or ()) - set(FEATURE_GATES))
        if unknown:
            raise ValueError(f"unrecognized feature gate: {unknown[0]}")
        self.seed = seed
        self.topology = topology
        self.timing = timing
        self.feature_gates: Mapping[str, bool] = {**FEATURE_GATES, **(feature_gates or {})}
        self.dns_config = DnsConfig(zone=topology.zone)
        self.env = ForkableEnvironment()
        self.rng = rng(seed, "timing")
        self.store = Store(clock=self.clock, rng=rng(seed, "store"), epoch=epoch)
        self.store.admission.extend(default_admission(self.store, topology.service_cidr))
        self.ip_rng = rng(seed, "ips")
        self.images = images
        self.volume_data: dict[str, Any] = {}
        self.pod_cidrs: dict[str, Any] = {}
        self.controllers: list[Any] = []
        self.kubelets: dict[str, Any] = {}
        self.dns_view: Any = None
        self.dns_resolver: Any = None
        self.netpol_cache: Any = None

    def clock(self) -> float:
        return self.env.now

    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started."""
        return float(self.env.now)

    def run(self, seconds: float) -> None:
        """Advance virtual time by ``seconds``, running everything due in between."""
        self.env.run_until(self.env.now + seconds)

    def kubelet(self, node: str | None) -> Any:
        """The kubelet of ``node``, or None (no such node, or no controllers running)."""
        return self.kubelets.get(node or "")
