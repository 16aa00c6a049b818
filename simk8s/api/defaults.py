"""Defaulting of API objects, as the API server fills in omitted fields on create and update.

:func:`apply_defaults` mutates a plain (thawed) object in place, the way the ``SetDefaults_*``
functions of core/v1, apps/v1, storage/v1 and discovery/v1 do, plus the few fields that admission
plugins always add to pods (priority, service account, not-ready/unreachable tolerations), so
that ``kubectl get -o yaml`` after a create shows the same fields as a real 1.32 cluster. Status
is not touched here except inside StatefulSet claim templates (the store's strategy owns status).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

from simk8s.api.crd.definition import apply_crd_defaults
from simk8s.api.frozen import freeze
from simk8s.api.kinds import Kind

__all__ = ["apply_defaults", "default_pod_spec", "default_pod_template", "image_pull_policy"]

Obj = dict[str, Any]

_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
# Frozen: appended as they are (shared by every pod, never copied or frozen again).
_DEFAULT_TOLERATIONS = tuple(freeze(t) for t in (
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
    {
        "effect": "NoExecute",
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "tolerationSeconds": 300,
    },
))


def image_pull_policy(image: str) -> str:
    """``Always`` for ``:latest`` or an untagged image, else ``IfNotPresent`` (digests count as tags)."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.rsplit(":", 1)[1] if ":" in last else ""
    return "Always" if tag in ("", "latest") else "IfNotPresent"


def _sub(obj: Obj, key: str) -> Obj:
    """``obj[key]`` as a dict, created when missing or null."""
    value = obj.get(key)
    if not isinstance(value, dict):
        value = {}
        obj[key] = value
    return value


def _probe(probe: Obj) -> None:
    probe.setdefault("timeoutSeconds", 1)
    probe.setdefault("periodSeconds", 10)
    probe.setdefault("successThreshold", 1)
    probe.setdefault("failureThreshold", 3)
    if isinstance(probe.get("httpGet"), dict):
        probe["httpGet"].setdefault("path", "/")
        probe["httpGet"].setdefault("scheme", "HTTP")


def _container(c: Obj) -> None:
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    if not c.get("imagePullPolicy"):
        c["imagePullPolicy"] = image_pull_policy(str(c.get("image") or ""))
    if c.get("resources") is None:
        c["resources"] = {}
    for port in c.get("ports") or []:
        port.setdefault("protocol", "TCP")
    for env in c.get("env") or []:
        field_ref = (env.get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    for name in _PROBES:
        if isinstance(c.get(name), dict):
            _probe(c[name])


# The volume source fields of core/v1 Volume (one must be set; validation checks exactly one).
VOLUME_SOURCE_KEYS = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)


def _volume(vol: Obj) -> None:
    if not any(vol.get(k) is not None for k in VOLUME_SOURCE_KEYS):
        vol["emptyDir"] = {}
    for key in ("configMap", "secret", "downwardAPI", "projected"):
        if isinstance(vol.get(key), dict):
            vol[key].setdefault("defaultMode", 420)
    if isinstance(vol.get("hostPath"), dict):
        vol["hostPath"].setdefault("type", "")


def default_pod_spec(spec: Obj) -> None:
    """SetDefaults_PodSpec and the container/volume defaulters it implies."""
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    spec.setdefault("schedulerName", "default-scheduler")
    for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        _container(c)
    for vol in spec.get("volumes") or []:
        _volume(vol)


def default_pod_template(template: Obj) -> None:
    """A pod template: its spec's defaults and the ``creationTimestamp: null`` Go serialises."""
    meta = _sub(template, "metadata")
    meta.setdefault("creationTimestamp", None)
    default_pod_spec(_sub(template, "spec"))


def _pod(pod: Obj) -> None:
    spec = _sub(pod, "spec")
    default_pod_spec(spec)
    # SetDefaults_Pod: requests default to limits.
    for c in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        res = c.get("resources") or {}
        limits = res.get("limits") or {}
        if limits:
            requests = _sub(res, "requests")
            for k, v in limits.items():
                requests.setdefault(k, v)
    spec.setdefault("enableServiceLinks", True)
    # Admission: Priority, ServiceAccount, DefaultTolerationSeconds.
    spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
    spec.setdefault("serviceAccountName", spec.get("serviceAccount") or "default")
    spec.setdefault("serviceAccount", spec["serviceAccountName"])
    tolerations = spec.setdefault("tolerations", [])
    for tol in _DEFAULT_TOLERATIONS:
        if not any(
            t.get("key") == tol["key"] and t.get("effect") in ("NoExecute", None, "") for t in tolerations
        ):
            tolerations.append(tol)


def _claim_template(pvc: Obj) -> None:
    pvc.setdefault("apiVersion", "v1")
    pvc.setdefault("kind", "PersistentVolumeClaim")
    _sub(pvc, "metadata").setdefault("creationTimestamp", None)
    _sub(pvc, "spec").setdefault("volumeMode", "Filesystem")
    _sub(pvc, "status").setdefault("phase", "Pending")


def _stateful_set(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    spec.setdefault("podManagementPolicy", "OrderedReady")
    strategy = _sub(spec, "updateStrategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        _sub(strategy, "rollingUpdate").setdefault("partition", 0)
    retention = _sub(spec, "persistentVolumeClaimRetentionPolicy")
    retention.setdefault("whenDeleted", "Retain")
    retention.setdefault("whenScaled", "Retain")
    spec.setdefault("replicas", 1)
    spec.setdefault("revisionHistoryLimit", 10)
    default_pod_template(_sub(spec, "template"))
    for pvc in spec.get("volumeClaimTemplates") or []:
        _claim_template(pvc)


def _deployment(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    spec.setdefault("replicas", 1)
    strategy = _sub(spec, "strategy")
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        ru = _sub(strategy, "rollingUpdate")
        ru.setdefault("maxUnavailable", "25%")
        ru.setdefault("maxSurge", "25%")
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault("progressDeadlineSeconds", 600)
    default_pod_template(_sub(spec, "template"))


def _replica_set(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    spec.setdefault("replicas", 1)
    default_pod_template(_sub(spec, "template"))


def _service(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    spec.setdefault("sessionAffinity", "None")
    stype = spec.setdefault("type", "ClusterIP")
    for port in spec.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if port.get("targetPort") in (None, 0, ""):
            port["targetPort"] = port.get("port")
    if stype in ("NodePort", "LoadBalancer"):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if stype == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)
    if not spec.get("clusterIPs") and spec.get("clusterIP"):
        spec["clusterIPs"] = [spec["clusterIP"]]
    if stype != "ExternalName":
        spec.setdefault("internalTrafficPolicy", "Cluster")
        # Set by the service registry's IP-family logic (single-stack IPv4 cluster); a headless
        # service without a selector asks for every family the cluster has.
        headless_no_selector = spec.get("clusterIP") == "None" and not spec.get("selector")
        spec.setdefault("ipFamilyPolicy", "RequireDualStack" if headless_no_selector else "SingleStack")
        spec.setdefault("ipFamilies", ["IPv4"])


def _pvc(obj: Obj) -> None:
    _sub(obj, "spec").setdefault("volumeMode", "Filesystem")


def _pv(obj: Obj) -> None:
    spec = _sub(obj, "spec")
    spec.setdefault("persistentVolumeReclaimPolicy", "Retain")
    spec.setdefault("volumeMode", "Filesystem")
    if isinstance(spec.get("hostPath"), dict):
        spec["hostPath"].setdefault("type", "")


def _storage_class(obj: Obj) -> None:
    obj.setdefault("reclaimPolicy", "Delete")
    obj.setdefault("volumeBindingMode", "Immediate")


def _namespace(obj: Obj) -> None:
    name = _sub(obj, "metadata").get("name")
    if name:
        _sub(obj["metadata"], "labels")["kubernetes.io/metadata.name"] = name
    _sub(obj, "spec").setdefault("finalizers", ["kubernetes"])


def _node(obj: Obj) -> None:
    status = obj.get("status")
    if isinstance(status, dict) and status.get("capacity") and "allocatable" not in status:
        status["allocatable"] = dict(status["capacity"])


def _endpoints(obj: Obj) -> None:
    for subset in obj.get("subsets") or []:
        for port in subset.get("ports") or []:
            port.setdefault("protocol", "TCP")


def _endpoint_slice(obj: Obj) -> None:
    for port in obj.get("ports") or []:
        port.setdefault("name", "")
        port.setdefault("protocol", "TCP")


def _event(obj: Obj) -> None:
    obj.setdefault("reportingComponent", "")
    obj.setdefault("reportingInstance", "")


def _network_policy(obj: Obj) -> None:
    # SetDefaults_NetworkPolicyPort and SetDefaults_NetworkPolicy: every policy is at least an
    # Ingress policy; it is an Egress one too when it lists egress rules.
    spec = _sub(obj, "spec")
    for direction in ("ingress", "egress"):
        for rule in spec.get(direction) or ():
            for port in rule.get("ports") or ():
                if port.get("protocol") is None:
                    port["protocol"] = "TCP"
    if not spec.get("policyTypes"):
        spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
    spec.setdefault("podSelector", {})


def _binding(obj: Obj) -> None:
    # SetDefaults_Subject / SetDefaults_*RoleBinding: users and groups live in the RBAC group.
    ref = _sub(obj, "roleRef")
    if not ref.get("apiGroup"):
        ref["apiGroup"] = "rbac.authorization.k8s.io"
    for subject in obj.get("subjects") or ():
        if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
            subject["apiGroup"] = "rbac.authorization.k8s.io"


def _secret(obj: Obj) -> None:
    """``type`` defaults to Opaque; ``stringData`` is write-only: merged into ``data`` (base64)."""
    obj.setdefault("type", "Opaque")
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict) and string_data:
        data = obj.get("data") or {}
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()
        obj["data"] = data


_DEFAULTERS: dict[str, Callable[[Obj], None]] = {
    "Secret": _secret,
    "Pod": _pod,
    "StatefulSet": _stateful_set,
    "Deployment": _deployment,
    "ReplicaSet": _replica_set,
    "Service": _service,
    "PersistentVolumeClaim": _pvc,
    "PersistentVolume": _pv,
    "StorageClass": _storage_class,
    "Namespace": _namespace,
    "Node": _node,
    "Endpoints": _endpoints,
    "EndpointSlice": _endpoint_slice,
    "Event": _event,
    "NetworkPolicy": _network_policy,
    "RoleBinding": _binding,
    "ClusterRoleBinding": _binding,
    "CustomResourceDefinition": apply_crd_defaults,
}


def apply_defaults(kind: Kind, obj: dict[str, Any]) -> None:
    """Fill in defaults in place on a mutable (thawed) object; idempotent. (A custom resource's
    defaults come from its CRD's schema, as it is decoded.)"""
    defaulter = _DEFAULTERS.get(kind.kind)
    if defaulter is not None:
        defaulter(obj)
