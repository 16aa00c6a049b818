"""The admission plugins a default cluster runs, as mutating hooks on the store's write path.

ServiceAccount (the projected token volume; the account name and DefaultTolerationSeconds come with
``api.defaults``), DefaultStorageClass,
StorageObjectInUseProtection (pvc/pv-protection finalizers) and the Service IP/port allocators.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from simk8s.api.errors import FieldError, Forbidden, Invalid
from simk8s.api.frozen import freeze
from simk8s.api.kinds import Kind, lookup
from simk8s.store import Store

__all__ = ["default_admission"]

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
SA_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"
SERVICE = lookup("Service")


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
    name = spec["serviceAccountName"]
    ns = obj["metadata"].get("namespace", "default")
    account = store.try_get("ServiceAccount", name, ns)
    # The plugin waits a moment for "default" (the serviceaccount controller is about to create
    # it in a new namespace); any other missing account is refused.
    if account is None and name != "default":
        raise Forbidden.for_object(kind, obj["metadata"].get("name", ""),
                                   f'error looking up service account {ns}/{name}: serviceaccount "{name}" not found')
    automount = spec.get("automountServiceAccountToken")
    if automount is None and account is not None:
        automount = account.get("automountServiceAccountToken")
    if automount is False:
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


NODE_PORT_RANGE = (30000, 32767)


def _needs_node_ports(spec: Mapping[str, Any]) -> bool:
    """needsNodePort: NodePort services, and LoadBalancers unless allocateLoadBalancerNodePorts is false."""
    stype = spec.get("type")
    return stype == "NodePort" or (stype == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True)
                                   is not False)


def _needs_health_check_port(spec: Mapping[str, Any]) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _node_ports_of(spec: Mapping[str, Any]) -> set[int]:
    ports = {int(p["nodePort"]) for p in spec.get("ports") or () if p.get("nodePort")}
    if spec.get("healthCheckNodePort"):
        ports.add(int(spec["healthCheckNodePort"]))
    return ports


def _drop_type_dependent_fields(spec: dict[str, Any], old: Mapping[str, Any]) -> None:
    """dropTypeDependentFields: a type change drops the fields the new type cannot have, when the
    request left them as they were (a changed value is the user's, and validation judges it)."""
    def same(field: str) -> bool:
        return spec.get(field) == old.get(field)

    def drop(*fields: str) -> None:
        for field in fields:
            if field in spec and same(field):
                del spec[field]

    stype, old_type = spec.get("type"), old.get("type")
    if old_type != "ExternalName" and stype == "ExternalName":
        if same("clusterIP") and list(spec.get("clusterIPs") or []) == list(old.get("clusterIPs") or []):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        drop("ipFamilies", "ipFamilyPolicy", "internalTrafficPolicy")
    ports, old_ports = spec.get("ports") or [], old.get("ports") or []
    if _needs_node_ports(old) and not _needs_node_ports(spec) and \
            [p.get("nodePort") for p in ports] == [p.get("nodePort") for p in old_ports]:
        for p in ports:
            p.pop("nodePort", None)
    if _needs_health_check_port(old) and not _needs_health_check_port(spec):
        drop("healthCheckNodePort")
    if old_type == "LoadBalancer" and stype != "LoadBalancer":
        drop("allocateLoadBalancerNodePorts", "loadBalancerClass")
    if stype not in ("NodePort", "LoadBalancer"):
        drop("externalTrafficPolicy")


class NodePortAllocator:
    """The API server's node port allocator over 30000-32767.

    Dynamic ports come from the upper band first (randomScanStrategyWithOffset: a random start,
    then the next free port, wrapping), leaving the lowest min(max(16, size/32), 128) ports (86
    here) to users who pick their own; the lower band is used only when the upper one is full.
    A port a user names must be in range and free. On update, ports the new spec leaves out are
    carried over from the stored Service by port name (patchAllocatedValues) when both versions
    need node ports.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        self.base, last = NODE_PORT_RANGE
        self.size = last - self.base + 1
        self.offset = min(max(16, self.size // 32), 128) if self.size > 16 else 0

    def _used(self, skip_uid: str | None) -> set[int]:
        return {port for svc in self.store.list("Service", None) if svc["metadata"].get("uid") != skip_uid
                for port in _node_ports_of(svc["spec"])}

    def _next(self, used: set[int]) -> int:
        rng = self.store.rng
        for lo, n in ((self.offset, self.size - self.offset), (0, self.offset)):
            if n <= 0:
                continue
            start = rng.randrange(n)
            for i in range(n):
                port = self.base + lo + (start + i) % n
                if port not in used:
                    return port
        raise Invalid("Internal error occurred: failed to allocate a nodePort: range is full")

    def _take(self, obj: Mapping[str, Any], port: Any, path: str, used: set[int]) -> None:
        """Allocate(port): a requested port must be in range and free (the first failure is the error)."""
        if not isinstance(port, int) or not self.base <= port < self.base + self.size:
            detail = (f"provided port is not in the valid range. The range of valid ports is "
                      f"{self.base}-{self.base + self.size - 1}")
        elif port in used:
            detail = "provided port is already allocated"
        else:
            used.add(port)
            return
        raise Invalid.for_object(SERVICE, obj["metadata"].get("name", ""), [FieldError.invalid(path, port, detail)])

    def create(self, obj: dict[str, Any]) -> None:
        """initNodePorts: in port order; ports with the same number share one node port."""
        spec = obj.get("spec") or {}
        if spec.get("type") == "ExternalName":
            return
        used = self._used(None)
        allocate = _needs_node_ports(spec)
        ports = spec.get("ports") or []
        by_number: dict[Any, int] = {}
        for i, p in enumerate(ports):
            if not p.get("nodePort") and not allocate:
                continue  # no new ports, but requested ones are respected
            shared = by_number.get(p.get("port"))
            if shared is None:
                requested = next((q["nodePort"] for q in ports[i:] if q.get("port") == p.get("port")
                                  and q.get("nodePort")), None)
                if requested is not None:
                    self._take(obj, requested, f"spec.ports[{i}].nodePort", used)
                    p["nodePort"] = requested
                else:
                    p["nodePort"] = self._next(used)
                    used.add(p["nodePort"])
                by_number[p.get("port")] = p["nodePort"]
            elif not p.get("nodePort"):
                p["nodePort"] = shared
            elif p["nodePort"] != shared:
                self._take(obj, p["nodePort"], f"spec.ports[{i}].nodePort", used)
        self._health_check(obj, set(), used)

    def update(self, obj: dict[str, Any], old: Mapping[str, Any]) -> None:
        """patchAllocatedValues, then updateNodePorts (no sharing by number on update)."""
        spec, old_spec = obj["spec"], old["spec"]
        if spec.get("type") == "ExternalName":
            return
        ports = spec.get("ports") or []
        if _needs_node_ports(old_spec) and _needs_node_ports(spec):
            taken = {p["nodePort"] for p in old_spec.get("ports") or () if p.get("nodePort")} & {
                p["nodePort"] for p in ports if p.get("nodePort")}
            by_name = {p.get("name", ""): p.get("nodePort") for p in old_spec.get("ports") or ()}
            for p in ports:
                known = by_name.get(p.get("name", ""))
                if not p.get("nodePort") and known and known not in taken:
                    p["nodePort"] = known
        if _needs_health_check_port(old_spec) and _needs_health_check_port(spec) and \
                not spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = old_spec.get("healthCheckNodePort")
        held = _node_ports_of(old_spec)
        used = self._used(obj["metadata"].get("uid"))
        allocate = _needs_node_ports(spec)
        for i, p in enumerate(ports):
            if not p.get("nodePort"):
                if allocate:
                    p["nodePort"] = self._next(used | held)
                    used.add(p["nodePort"])
            elif p["nodePort"] not in held:
                self._take(obj, p["nodePort"], f"spec.ports[{i}].nodePort", used)
        self._health_check(obj, held, used)

    def _health_check(self, obj: dict[str, Any], held: set[int], used: set[int]) -> None:
        spec = obj["spec"]
        if not _needs_health_check_port(spec):
            return
        port = spec.get("healthCheckNodePort")
        if port and port not in held:
            self._take(obj, port, "spec.healthCheckNodePort", used)
        elif not port:
            spec["healthCheckNodePort"] = self._next(used | held)


class ServiceAllocator:
    """ClusterIP and NodePort allocation from the service CIDR, random like the API server's."""

    def __init__(self, store: Store, cidr: str = "10.200.0.0/16") -> None:
        self.store = store
        self.network = ipaddress.ip_network(cidr)
        self.node_ports = NodePortAllocator(store)

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

    def __call__(self, operation: str, kind: Kind, obj: dict[str, Any], old: Mapping[str, Any] | None) -> None:
        if kind.kind != "Service":
            return
        spec = obj.setdefault("spec", {})
        if old is not None:
            _drop_type_dependent_fields(spec, old["spec"])
            for field in ("clusterIP", "clusterIPs"):
                if field not in spec and field in old["spec"] and spec.get("type") != "ExternalName":
                    spec[field] = list(old["spec"][field]) if field == "clusterIPs" else old["spec"][field]
            # The registry keeps clusterIP and clusterIPs[0] in step (so validation sees the change).
            ips = spec.get("clusterIPs") or []
            if spec.get("clusterIP") and ips and spec["clusterIP"] != ips[0] and \
                    list(ips) == list(old["spec"].get("clusterIPs") or []):
                spec["clusterIPs"] = [spec["clusterIP"], *ips[1:]]
            if spec.get("type") != "ExternalName" and not spec.get("clusterIP"):
                # ExternalName -> another type: the Service needs a cluster IP now.
                spec["clusterIP"] = self.allocate_ip()
                spec["clusterIPs"] = [spec["clusterIP"]]
            self.node_ports.update(obj, old)
            return
        if spec.get("type") == "ExternalName":
            return
        ip = spec.get("clusterIP")
        if not ip:
            ip = self.allocate_ip()
            spec["clusterIP"] = ip
        spec["clusterIPs"] = [ip]
        self.node_ports.create(obj)


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
