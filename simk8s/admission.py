"""The admission plugins a default cluster runs, as mutating hooks on the store's write path.

ServiceAccount (the projected token volume; the account name and DefaultTolerationSeconds come with
``api.defaults``), DefaultStorageClass,
StorageObjectInUseProtection (pvc/pv-protection finalizers) and the Service IP/port allocators.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from simk8s.api.errors import Invalid
from simk8s.api.frozen import freeze
from simk8s.api.kinds import Kind
from simk8s.store import Store

__all__ = ["default_admission"]

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


# The projected token volume's source, the same for every pod (frozen: shared, not copied).
_TOKEN_PROJECTION = freeze({"defaultMode": 420, "sources": [
    {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
    {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
    {"downwardAPI": {"items": [{"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"},
                                "path": "namespace"}]}},
]})


def _service_account(store: Store, kind: Kind, obj: dict[str, Any], old: Mapping[str, Any] | None) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("serviceAccountName", "default")
    spec["serviceAccount"] = spec["serviceAccountName"]
    if spec.get("automountServiceAccountToken") is False:
        return
    volumes = spec.setdefault("volumes", [])
    if any(v.get("name", "").startswith("kube-api-access-") for v in volumes):
        return
    name = "kube-api-access-" + store.random_suffix()
    volumes.append({"name": name, "projected": _TOKEN_PROJECTION})
    for c in [*spec.get("initContainers", []), *spec.get("containers", [])]:
        mounts = c.setdefault("volumeMounts", [])
        if not any(m.get("mountPath") == SA_MOUNT for m in mounts):
            mounts.append({"mountPath": SA_MOUNT, "name": name, "readOnly": True})


def _default_storage_class(store: Store, obj: dict[str, Any]) -> None:
    spec = obj.setdefault("spec", {})
    if "storageClassName" in spec and spec["storageClassName"] is not None:
        return
    defaults = [sc for sc in store.list("StorageClass")
                if (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"]
    if defaults:
        # Several defaults: the newest wins (since 1.26).
        newest = sorted(defaults, key=lambda sc: (sc["metadata"]["creationTimestamp"], sc["metadata"]["name"]))
        spec["storageClassName"] = newest[-1]["metadata"]["name"]


def _add_finalizer(obj: dict[str, Any], finalizer: str) -> None:
    fins = obj["metadata"].setdefault("finalizers", [])
    if finalizer not in fins:
        fins.append(finalizer)


class ServiceAllocator:
    """ClusterIP and NodePort allocation from the service CIDR, random like the API server's."""

    def __init__(self, store: Store, cidr: str = "10.200.0.0/16") -> None:
        self.store = store
        self.network = ipaddress.ip_network(cidr)

    def used_ips(self) -> set[str]:
        return {ip for svc in self.store.list("Service") for ip in svc["spec"].get("clusterIPs") or ()}

    def allocate_ip(self) -> str:
        used = self.used_ips()
        size = self.network.num_addresses
        for _ in range(1000):
            ip = str(self.network[self.store.rng.randrange(1, size - 1)])
            if ip not in used:
                return ip
        raise Invalid("Internal error occurred: failed to allocate a serviceIP: range is full")

    def allocate_node_port(self) -> int:
        used = {p.get("nodePort") for svc in self.store.list("Service") for p in svc["spec"].get("ports") or ()}
        for _ in range(1000):
            port = self.store.rng.randrange(30000, 32768)
            if port not in used:
                return port
        raise Invalid("Internal error occurred: failed to allocate a nodePort: range is full")

    def __call__(self, operation: str, kind: Kind, obj: dict[str, Any], old: Mapping[str, Any] | None) -> None:
        if kind.kind != "Service":
            return
        spec = obj.setdefault("spec", {})
        if old is not None:
            for field in ("clusterIP", "clusterIPs"):
                if field not in spec and field in old["spec"]:
                    spec[field] = list(old["spec"][field]) if field == "clusterIPs" else old["spec"][field]
            # The registry keeps clusterIP and clusterIPs[0] in step (so validation sees the change).
            ips = spec.get("clusterIPs") or []
            if spec.get("clusterIP") and ips and spec["clusterIP"] != ips[0] and \
                    list(ips) == list(old["spec"].get("clusterIPs") or []):
                spec["clusterIPs"] = [spec["clusterIP"], *ips[1:]]
            return
        if spec.get("type") == "ExternalName":
            return
        ip = spec.get("clusterIP")
        if not ip:
            ip = self.allocate_ip()
            spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
        if spec.get("type") in ("NodePort", "LoadBalancer"):
            for p in spec.get("ports", []):
                p.setdefault("nodePort", self.allocate_node_port())


class _Plugins:
    """ServiceAccount, DefaultStorageClass and the storage-object-in-use finalizers (a class, not a
    closure over ``store``, so that ``Cluster.fork()`` gives the fork's chain the fork's store)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def __call__(self, operation: str, kind: Kind, obj: dict[str, Any], old: Mapping[str, Any] | None) -> None:
        if operation != "CREATE":
            return
        if kind.kind == "Pod":
            _service_account(self.store, kind, obj, old)
        elif kind.kind == "PersistentVolumeClaim":
            _default_storage_class(self.store, obj)
            _add_finalizer(obj, "kubernetes.io/pvc-protection")
        elif kind.kind == "PersistentVolume":
            _add_finalizer(obj, "kubernetes.io/pv-protection")


def default_admission(store: Store, service_cidr: str = "10.200.0.0/16") -> list[Any]:
    """The mutating admission chain of a kubeadm-like cluster, bound to ``store``."""
    return [_Plugins(store), ServiceAllocator(store, service_cidr)]
