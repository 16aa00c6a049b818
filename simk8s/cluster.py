"""``Cluster``: one simulated Kubernetes cluster in virtual time.

It wires one ``simpy.Environment`` (the clock), the seeded RNGs, the object store with the
default admission chain, and the controllers (scheduler, a kubelet per node, StatefulSet,
ReplicaSet, Deployment, PV binder and local-path provisioner, endpoints, garbage collector, node
lifecycle), and offers the client-side API users call: ``apply``, ``get``, ``delete``, ``patch``,
``run``, ``settle``, fault injection and (with the kubectl emulation) ``kubectl``.
"""

from __future__ import annotations

import functools
import ipaddress
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import simpy

from simk8s import netpolicy
from simk8s.admission import default_admission
from simk8s.api import kinds
from simk8s.api.errors import ApiError
from simk8s.api.frozen import FrozenDict, FrozenList, thaw
from simk8s.api.kinds import Kind
from simk8s.fastpaths import FAST
from simk8s.fork import ForkableEnvironment, fork_cluster
from simk8s.images import ImageRegistry
from simk8s.logic.rbac_bootstrap import bootstrap_objects as bootstrap_rbac
from simk8s.store import DEFAULT_EPOCH, Store
from simk8s.timing import Timing

__all__ = ["Cluster", "NodeSpec", "NotSettled", "Topology"]


class NotSettled(RuntimeError):
    """``settle()`` ran out of virtual time with work still pending."""


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


_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")

#: Bootstrap templates by (topology, start time): what a dry-run create returned for each object.
_TEMPLATES: dict[tuple[str, str], list[tuple[Kind, FrozenDict]]] = {}


@functools.lru_cache(maxsize=4096)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """``ipaddress.ip_network`` (its immutable result cached: clusters keep parsing the same CIDRs)."""
    return ipaddress.ip_network(cidr)


def _with_pod_cidr(node: FrozenDict, cidr: str) -> FrozenDict:
    """A prepared Node with another pod CIDR (the one thing that varies with the seed)."""
    spec = FrozenDict({**node["spec"], "podCIDR": cidr, "podCIDRs": FrozenList([cidr])})
    return FrozenDict({**node, "spec": spec})


class _Random(random.Random):
    """``random.Random`` whose copy (in ``Cluster.fork``) moves its state at once, not int by int."""

    def __deepcopy__(self, memo: dict[int, Any]) -> _Random:
        new = _Random.__new__(_Random)     # not _Random(): that seeds from the OS first
        new.setstate(self.getstate())
        return new


def _rng(seed: int, purpose: str) -> random.Random:
    return _Random(f"simk8s:{seed}:{purpose}")


class Cluster:
    """A simulated cluster. ``Cluster(seed=1)`` is the seed lab's cluster at virtual time 0."""

    def __init__(self, seed: int = 1, *, topology: Topology | None = None, timing: Timing | None = None,
                 epoch: datetime = DEFAULT_EPOCH, controllers: bool = True,
                 missing_images: Iterable[str] = ()) -> None:
        from simk8s import controllers as ctl

        self.seed = seed
        self.topology = topology or Topology()
        self.timing = timing or Timing()
        self.env: simpy.Environment = ForkableEnvironment()
        self.rng = _rng(seed, "timing")
        self.store = Store(clock=self._clock, rng=_rng(seed, "store"), epoch=epoch)
        self.store.admission.extend(default_admission(self.store, self.topology.service_cidr))
        self.ip_rng = _rng(seed, "ips")
        self.volume_data: dict[str, Any] = {}
        #: Which images exist: every well-formed reference but ``missing_images`` (ErrImagePull).
        self.images = ImageRegistry(missing_images)
        self._bootstrap()
        self.controllers: list[Any] = []
        if controllers:
            self.controllers = ctl.start_all(self)
        self._kubelets = {c.node_name: c for c in self.controllers if hasattr(c, "node_name")}

    # ------------------------------------------------------------------------------ bootstrap
    #: Insert the bootstrap objects from templates (:func:`_bootstrap_templates`) instead of
    #: through the whole create pipeline; the stored objects and watch events are the same.
    trusted_bootstrap = True

    def _bootstrap(self) -> None:
        s = self.store
        pod_net = _network(self.topology.pod_cidr)
        # One /24 per node, at random places in the pod CIDR (as Calico-like IPAM hands out blocks).
        n_blocks = 2 ** max(0, 24 - pod_net.prefixlen)
        if len(self.topology.nodes) > n_blocks - 2:
            raise ValueError(f"pod CIDR {pod_net} has room for {n_blocks - 2} nodes' /24 blocks, "
                             f"not {len(self.topology.nodes)}")
        blocks = self.ip_rng.sample(range(1, n_blocks - 1), k=len(self.topology.nodes))
        self.pod_cidrs: dict[str, ipaddress.IPv4Network] = {}
        for i, spec in enumerate(self.topology.nodes):
            cidr = _network(f"{pod_net.network_address + blocks[i] * 256}/24")
            self.pod_cidrs[spec.name] = cidr  # type: ignore[assignment]
        if not (self.trusted_bootstrap and FAST.trusted_bootstrap):
            for kind, obj in self._bootstrap_objects():
                s.create(kind, obj)
            return
        key = (repr(self.topology), s.timestamp())
        templates = _TEMPLATES.get(key)
        if templates is None:
            # The first cluster of this shape: the whole pipeline (dry run), then commit.
            templates = []
            for kind, obj in self._bootstrap_objects():
                prepared = s.create(kind, obj, dry_run=True)
                s.create_trusted(kind, prepared)
                templates.append((kinds.resolve(kind), prepared))
            if len(_TEMPLATES) < 64:
                _TEMPLATES[key] = templates
            return
        for k, prepared in templates:
            if k.kind == "Node":
                prepared = _with_pod_cidr(prepared, str(self.pod_cidrs[prepared["metadata"]["name"]]))
            s.create_trusted(k, prepared)

    def _bootstrap_objects(self) -> Iterable[tuple[str, dict[str, Any]]]:
        """The objects a new cluster has (namespaces, nodes, the default storage class, the API and
        DNS services), in creation order."""
        from simk8s.logic.nodes import new_node

        s = self.store
        for ns in _NAMESPACES:
            yield "Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
        for i, spec in enumerate(self.topology.nodes):
            node = new_node(spec.name, control_plane=spec.control_plane, cpu=spec.cpu, memory=spec.memory,
                            pods=spec.pods, zone=spec.zone, internal_ip=spec.ip or f"192.168.10.{100 + i}",
                            pod_cidr=str(self.pod_cidrs[spec.name]), now_iso=s.timestamp())
            node = thaw(node)
            node["metadata"].setdefault("labels", {}).update(spec.labels)
            yield "Node", node
        if self.topology.storage_class:
            yield ("StorageClass", {
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": {"name": self.topology.storage_class, "annotations": {
                    "storageclass.kubernetes.io/is-default-class": "true"}},
                "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
                "volumeBindingMode": "WaitForFirstConsumer"})
        yield ("Service", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": self.topology.api_ip, "type": "ClusterIP", "sessionAffinity": "None",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}})
        api_ip = next((n.ip for n in self.topology.nodes if n.control_plane), None) or "192.168.10.10"
        yield ("Endpoints", {
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": api_ip}],
                         "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]})
        yield ("EndpointSlice", {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [api_ip], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]})
        yield ("Service", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                    "kubernetes.io/name": "CoreDNS"},
                         "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
            "spec": {"clusterIP": self.topology.dns_ip, "selector": {"k8s-app": "kube-dns"},
                     "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                               {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                               {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}})
        # What the serviceaccount controller and the API server's RBAC bootstrap have made by the
        # time a learner first looks: a default service account per namespace, the default roles.
        for ns in _NAMESPACES:
            yield "ServiceAccount", {"apiVersion": "v1", "kind": "ServiceAccount",
                                     "metadata": {"name": "default", "namespace": ns}}
        for obj in bootstrap_rbac():
            yield obj["kind"], obj

    # ---------------------------------------------------------------------------------- time
    def _clock(self) -> float:
        return self.env.now

    @property
    def now(self) -> float:
        """Virtual seconds since the cluster started."""
        return float(self.env.now)

    def run(self, seconds: float) -> None:
        """Advance virtual time by ``seconds``, running everything due in between."""
        self.env.run(until=self.env.now + seconds)

    def idle(self) -> bool:
        """True when nothing is scheduled: every controller and kubelet is waiting for a change."""
        return self.env.peek() == float("inf")

    def settle(self, limit: float = 3600.0) -> float:
        """Run until nothing is pending; returns the virtual time used.

        Raises :class:`NotSettled` if work is still scheduled after ``limit`` virtual seconds
        (a crash-looping pod, say, never settles).
        """
        start = self.env.now
        deadline = start + limit
        while True:
            t = self.env.peek()
            if t == float("inf"):
                return float(self.env.now - start)
            if t > deadline:
                self.env.run(until=deadline)
                raise NotSettled(f"still busy after {limit:g} virtual seconds")
            self.env.step()

    def run_until_quiet(self, quiet: float = 5.0, limit: float = 3600.0) -> float:
        """Run until no object changed for ``quiet`` virtual seconds, or nothing is pending."""
        start = self.env.now
        while self.env.now - start < limit:
            if self.idle():
                break
            rv = self.store.resource_version
            self.env.run(until=min(self.env.now + quiet, start + limit))
            if self.store.resource_version == rv:
                break
        return float(self.env.now - start)

    def fork(self) -> Cluster:
        """A copy that continues exactly as this cluster would, from the same inputs.

        Stored objects are shared; queues, caches, RNG streams and runtimes are copied. Only a
        cluster that has not run yet or has settled can be forked (:class:`~simk8s.fork.ForkError`
        otherwise): see :mod:`simk8s.fork`.
        """
        return fork_cluster(self)[0]

    # --------------------------------------------------------------------------- client API
    @staticmethod
    def kind(resource: str | Kind) -> Kind:
        return kinds.resolve(resource) if isinstance(resource, str) else resource

    def apply(self, source: Any, namespace: str | None = None) -> list[tuple[Kind, str, str]]:
        """``kubectl apply``: create or three-way-merge each object; returns (kind, name, action).

        ``source`` is YAML/JSON text, a path to a file or directory, a dict, or a list of those.
        The action is ``created``, ``configured`` or ``unchanged``.
        """
        from simk8s import client

        return [(k, name, action) for k, name, action in client.apply_objects(
            self.store, client.objects_from(source), namespace)]

    def create(self, obj: Mapping[str, Any], namespace: str | None = None) -> dict[str, Any]:
        k = kinds.for_object(obj)
        return thaw(self.store.create(k, obj, namespace))

    def get(self, resource: str | Kind, name: str | None = None, namespace: str | None = "default", *,
            selector: str | None = None, field_selector: str | None = None) -> Any:
        """One object (by name) or a list of objects, as JSON-shaped dicts the caller may change.

        ``namespace=None`` lists all namespaces; cluster-scoped kinds ignore it.
        """
        k = self.kind(resource)
        if name is not None:
            return thaw(self.store.get(k, name, namespace))
        return [thaw(o) for o in self.list_frozen(k, namespace, selector=selector, field_selector=field_selector)]

    def list_frozen(self, resource: str | Kind, namespace: str | None = "default", *,
                    selector: str | None = None, field_selector: str | None = None) -> list[FrozenDict]:
        from simk8s.api.selectors import parse_field_selector, parse_label_selector

        k = self.kind(resource)
        sel = parse_label_selector(selector) if selector else None
        fsel = parse_field_selector(field_selector) if field_selector else None
        return self.store.list(k, namespace if k.namespaced else None, selector=sel, field_selector=fsel)

    def delete(self, resource: str | Kind, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None, propagation: str | None = None,
               uid: str | None = None, resource_version: str | None = None) -> dict[str, Any] | None:
        """Delete as the API does (pods gracefully); returns the object if it still exists.
        ``uid`` / ``resource_version`` are preconditions (``Conflict`` when the object is another)."""
        k = self.kind(resource)
        out = self.store.delete(k, name, namespace, grace_period=grace_period, propagation=propagation,
                                uid=uid, resource_version=resource_version)
        return thaw(out) if out is not None else None

    def patch(self, resource: str | Kind, name: str, patch: Any, namespace: str | None = "default", *,
              patch_type: str = "strategic") -> dict[str, Any]:
        """PATCH an object: ``strategic`` (default), ``merge`` or ``json``."""
        return thaw(self.store.patch(self.kind(resource), name, patch, namespace, patch_type=patch_type))

    def scale(self, resource: str | Kind, name: str, replicas: int, namespace: str | None = "default") -> None:
        self.store.scale(self.kind(resource), name, replicas, namespace)

    def add_controller(self, reconciler: Any) -> Any:
        """Run a user reconciler (``watches`` kinds, ``reconcile(cluster, key)``) in this cluster.

        See :mod:`simk8s.testing.controllers`; returns the running controller.
        """
        from simk8s.testing.controllers import UserController

        controller = UserController(self, reconciler)
        self.controllers.append(controller)
        for kind in reconciler.watches:
            for obj in self.store.list(kind, None):
                controller.queue.add((kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))
        return controller

    # ------------------------------------------------------------------------------ serving
    def serve(self, *, host: str = "127.0.0.1", port: int = 0, dns_port: int | None = None,
              speed: float | None = 1.0, kubeconfig: str | None = None, bookmark_interval: float = 60.0) -> Any:
        """Serve this cluster as a live Kubernetes API (and DNS when ``dns_port`` is given).

        Returns a :class:`simk8s.serve.Endpoint`, meant for ``with cluster.serve() as endpoint:``;
        ``endpoint.url``, ``endpoint.kubeconfig``. The simulation runs at ``speed`` times the wall
        clock (None: as fast as it can while anything is due). While it serves, the server's
        thread owns the cluster: touch it only through ``endpoint.call(fn)``.
        """
        # aiohttp is an optional dependency (the serve extra): imported only when serving.
        from simk8s.serve import Endpoint

        return Endpoint(self, host=host, port=port, dns_port=dns_port, speed=speed, kubeconfig=kubeconfig,
                        bookmark_interval=bookmark_interval)

    # ----------------------------------------------------------------------------- faults
    def kubelet(self, node: str | None) -> Any:
        """The kubelet of ``node``, or None (no such node, or no controllers running)."""
        return self._kubelets.get(node or "")

    def _kubelet(self, node: str) -> Any:
        kubelet = self.kubelet(node)
        if kubelet is None:
            raise KeyError(node)
        return kubelet

    def fail_node(self, node: str) -> None:
        """The node stops: its kubelet posts nothing more, its containers are unreachable."""
        self.store.get("Node", node)
        self._kubelet(node).fail()

    def recover_node(self, node: str) -> None:
        """The node comes back: its kubelet resumes and reports its pods again."""
        self.store.get("Node", node)
        self._kubelet(node).recover()

    def delete_node(self, node: str) -> None:
        """Remove the Node object (its pods are then garbage-collected by PodGC)."""
        self.store.delete("Node", node)

    # --------------------------------------------------------------------------- kubectl
    def kubectl(self, cmdline: str | Sequence[str], stdin: str = "") -> Any:
        """Run a kubectl command line against this cluster: a result with stdout, stderr, code."""
        from simk8s.kubectl import run_kubectl

        return run_kubectl(self, cmdline, stdin=stdin)

    def exec(self, pod: str, command: str | Sequence[str], namespace: str = "default", *,
             container: str | None = None, stdin: str = "") -> Any:
        """Run a command in a pod's container (as ``kubectl exec``): stdout, stderr, code."""
        node = self.store.get("Pod", pod, namespace)["spec"].get("nodeName")
        if not node:
            raise ApiError(f"unable to upgrade connection: container not found ({container or ''})")
        argv = ["sh", "-c", command] if isinstance(command, str) else list(command)
        return self._kubelet(node).exec(namespace, pod, container, argv, stdin)

    def resolve(self, name: str, qtype: str = "A", from_pod: str | None = None,
                namespace: str = "default") -> list[str]:
        """The answer data for ``name`` from the cluster DNS (search list of ``from_pod`` if given)."""
        from simk8s import netsim

        return netsim.resolve(self, name, qtype, from_pod, namespace)

    def explain_connection(self, src: Any, dst: Any, port: int, protocol: str = "TCP", *,
                           namespace: str = "default") -> Any:
        """Why may (or may not) ``src`` open a connection to ``dst`` on ``port``/``protocol``?

        ``src`` and ``dst`` are pods (``name`` in ``namespace``, ``ns/name`` or a pod dict) or IP
        addresses. Returns a :class:`simk8s.logic.netpol.Verdict`: ``.allowed``, the egress and
        ingress decisions with the policies and rules that made them, ``.explain()`` as text.
        Raises NotFound for a pod that does not exist.
        """
        def ref(x: Any) -> Any:
            if isinstance(x, str) and "/" not in x and not netpolicy.is_address(x):
                return f"{namespace}/{x}"
            return x

        return netpolicy.verdict(self, ref(src), ref(dst), int(port), protocol.upper())

    def objects(self) -> Iterable[tuple[Kind, FrozenDict]]:
        return self.store.iter_all()

    def _repr_html_(self) -> str:
        """A notebook cell showing a cluster shows its pods, sets and claims as kubectl tables."""
        from simk8s.viz import cluster_html

        return cluster_html(self)

    def __repr__(self) -> str:
        pods = self.store.count("Pod")
        return f"<Cluster seed={self.seed} t={self.env.now:g}s nodes={self.store.count('Node')} pods={pods}>"

