"""The objects a new cluster has before anyone applies anything, and the pod CIDR of each node.

Namespaces, the nodes, the default storage class, the API server's and the cluster DNS's Services,
a default service account per namespace and the API server's RBAC bootstrap roles, created in that
order. The first cluster of a shape sends them through the whole create pipeline (a dry run); later
clusters of the same shape insert the prepared objects directly (the same stored objects and watch
events, much faster): see :func:`bootstrap`.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable
from typing import Any

import simk8s.api.kinds as kinds
from simk8s.api.frozen import FrozenDict, FrozenList, thaw
from simk8s.api.kinds import Kind
from simk8s.core.base import Core
from simk8s.fastpaths import FAST
from simk8s.logic.nodes import new_node
from simk8s.logic.rbac_bootstrap import bootstrap_objects as bootstrap_rbac

__all__ = ["NAMESPACES", "bootstrap"]

NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")

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


def bootstrap(core: Core, *, trusted: bool = True) -> None:
    """Give every node a pod CIDR and create the bootstrap objects in ``core``'s store.

    ``trusted``: insert them from templates instead of through the whole create pipeline.
    """
    s = core.store
    pod_net = _network(core.topology.pod_cidr)
    # One /24 per node, at random places in the pod CIDR (as Calico-like IPAM hands out blocks).
    n_blocks = 2 ** max(0, 24 - pod_net.prefixlen)
    if len(core.topology.nodes) > n_blocks - 2:
        raise ValueError(f"pod CIDR {pod_net} has room for {n_blocks - 2} nodes' /24 blocks, "
                         f"not {len(core.topology.nodes)}")
    blocks = core.ip_rng.sample(range(1, n_blocks - 1), k=len(core.topology.nodes))
    for i, spec in enumerate(core.topology.nodes):
        core.pod_cidrs[spec.name] = _network(f"{pod_net.network_address + blocks[i] * 256}/24")
    if not (trusted and FAST.trusted_bootstrap):
        for kind, obj in _objects(core):
            s.create(kind, obj)
        return
    key = (repr(core.topology), s.timestamp())
    templates = _TEMPLATES.get(key)
    if templates is None:
        # The first cluster of this shape: the whole pipeline (dry run), then commit.
        templates = []
        for kind, obj in _objects(core):
            prepared = s.create(kind, obj, dry_run=True)
            s.create_trusted(kind, prepared)
            templates.append((kinds.resolve(kind), prepared))
        if len(_TEMPLATES) < 64:
            _TEMPLATES[key] = templates
        return
    for k, prepared in templates:
        if k.kind == "Node":
            prepared = _with_pod_cidr(prepared, str(core.pod_cidrs[prepared["metadata"]["name"]]))
        s.create_trusted(k, prepared)


def _objects(core: Core) -> Iterable[tuple[str, dict[str, Any]]]:
    """The bootstrap objects, in creation order."""
    topology = core.topology
    for ns in NAMESPACES:
        yield "Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}}
    for i, spec in enumerate(topology.nodes):
        node = new_node(spec.name, control_plane=spec.control_plane, cpu=spec.cpu, memory=spec.memory,
                        pods=spec.pods, zone=spec.zone, internal_ip=spec.ip or f"192.168.10.{100 + i}",
                        pod_cidr=str(core.pod_cidrs[spec.name]), now_iso=core.store.timestamp())
        node = thaw(node)
        node["metadata"].setdefault("labels", {}).update(spec.labels)
        yield "Node", node
    if topology.storage_class:
        yield ("StorageClass", {
            "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": topology.storage_class, "annotations": {
                "storageclass.kubernetes.io/is-default-class": "true"}},
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer"})
    yield ("Service", {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "kubernetes", "namespace": "default",
                     "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {"clusterIP": topology.api_ip, "type": "ClusterIP", "sessionAffinity": "None",
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}]}})
    api_ip = next((n.ip for n in topology.nodes if n.control_plane), None) or "192.168.10.10"
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
        "spec": {"clusterIP": topology.dns_ip, "selector": {"k8s-app": "kube-dns"},
                 "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                           {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                           {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}})
    # What the serviceaccount controller and the API server's RBAC bootstrap have made by the
    # time a learner first looks: a default service account per namespace, the default roles.
    for ns in NAMESPACES:
        yield "ServiceAccount", {"apiVersion": "v1", "kind": "ServiceAccount",
                                 "metadata": {"name": "default", "namespace": ns}}
    for obj in bootstrap_rbac():
        yield obj["kind"], obj
