"""Per-kind server behaviour that is not validation: the registry strategies of the API server.

Which kinds track ``metadata.generation``, which have a status subresource, what status a new
object starts with, which kinds delete gracefully and with what grace period. Pure functions over
plain (thawed) dicts; the store calls them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.crd.definition import CustomKind, initial_crd_status
from simk8s.api.crd.objects import scale_of_custom
from simk8s.api.kinds import Kind
from simk8s.api.selectors import from_api

__all__ = [
    "GENERATION_KINDS",
    "SCALE_KINDS",
    "STATUS_KINDS",
    "deletion_grace_period",
    "generation_changed",
    "has_scale",
    "has_status",
    "initial_status",
    "pod_qos_class",
    "replicas_path",
    "scale_of",
]

# Kinds whose strategy bumps metadata.generation on every spec change.
GENERATION_KINDS = frozenset({"StatefulSet", "Deployment", "ReplicaSet", "CustomResourceDefinition"})

# Kinds with a status subresource: the main resource ignores status writes and /status ignores
# everything but status.
STATUS_KINDS = frozenset({
    "Pod", "Node", "Namespace", "Service", "PersistentVolumeClaim", "PersistentVolume",
    "StatefulSet", "Deployment", "ReplicaSet", "CustomResourceDefinition",
})


def has_status(kind: Kind) -> bool:
    """Whether ``kind`` has a status subresource (built-in, or declared by its CRD)."""
    return kind.status_subresource if isinstance(kind, CustomKind) else kind.kind in STATUS_KINDS


def has_scale(kind: Kind) -> bool:
    """Whether ``kind`` has a scale subresource (built-in, or declared by its CRD)."""
    return kind.scale_subresource is not None if isinstance(kind, CustomKind) else kind.kind in SCALE_KINDS


def generation_changed(kind: Kind, new: Mapping[str, Any], old: Mapping[str, Any]) -> bool | None:
    """Whether an update bumps ``metadata.generation``; None for kinds that do not track it.

    Built-in kinds bump on a spec change; custom resources on a change of anything but metadata
    (and status, when it is a subresource), as the custom resource strategy's PrepareForUpdate.
    """
    if isinstance(kind, CustomKind):
        skip = ("metadata", "status") if kind.status_subresource else ("metadata",)
        return {k: v for k, v in new.items() if k not in skip} != {k: v for k, v in old.items() if k not in skip}
    if kind.kind not in GENERATION_KINDS:
        return None
    return new.get("spec") != old.get("spec")


def replicas_path(kind: Kind) -> str:
    """Where the scale subresource writes its replicas in an object of ``kind``."""
    return kind.scale_subresource[0] if isinstance(kind, CustomKind) and kind.scale_subresource else ".spec.replicas"


def pod_qos_class(pod: Mapping[str, Any]) -> str:
    """``Guaranteed``, ``Burstable`` or ``BestEffort`` from the containers' requests and limits."""
    containers = [*pod.get("spec", {}).get("initContainers", []), *pod.get("spec", {}).get("containers", [])]
    any_resources = False
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        requests = {k: v for k, v in (res.get("requests") or {}).items() if k in ("cpu", "memory")}
        limits = {k: v for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory")}
        if requests or limits:
            any_resources = True
        if set(limits) != {"cpu", "memory"} or any(requests.get(k, limits[k]) != limits[k] for k in limits):
            guaranteed = False
    if not any_resources:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def initial_status(kind: Kind, obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The status a newly created object starts with, or None to keep what the client sent."""
    k = kind.kind
    if k == "Pod":
        return {"phase": "Pending", "qosClass": pod_qos_class(obj)}
    if k in ("PersistentVolumeClaim", "PersistentVolume"):
        return {"phase": "Pending"}
    if k == "Namespace":
        return {"phase": "Active"}
    if k == "StatefulSet":
        return {"replicas": 0, "availableReplicas": 0}
    if k == "ReplicaSet":
        return {"replicas": 0}
    if k == "Deployment":
        return {}
    if k == "Service":
        return {"loadBalancer": {}}
    if kind.kind == "CustomResourceDefinition" and not isinstance(kind, CustomKind):
        return initial_crd_status(obj)
    return None


def deletion_grace_period(kind: Kind, obj: Mapping[str, Any], requested: int | None) -> int:
    """Seconds of graceful deletion the API server grants (pod strategy's CheckGracefulDelete).

    Only pods delete gracefully: the requested period, else the pod's
    ``terminationGracePeriodSeconds``; but at once when the pod was never scheduled or has
    already finished.
    """
    if kind.kind != "Pod":
        return 0
    if requested is not None:
        period = requested
    else:
        period = int(obj.get("spec", {}).get("terminationGracePeriodSeconds", 30) or 0)
    if not obj.get("spec", {}).get("nodeName"):
        return 0
    if obj.get("status", {}).get("phase") in ("Failed", "Succeeded"):
        return 0
    return max(0, period)


# Kinds with a scale subresource (autoscaling/v1 Scale).
SCALE_KINDS = frozenset({"StatefulSet", "Deployment", "ReplicaSet"})


def scale_of(obj: Mapping[str, Any], kind: Kind | None = None) -> dict[str, Any]:
    """The ``/scale`` subresource of a scalable object: an autoscaling/v1 Scale with the object's
    identity, ``spec.replicas`` and, in status, the observed replicas and the selector as a string
    (a custom resource's from the paths its CRD names)."""
    if isinstance(kind, CustomKind) and kind.scale_subresource is not None:
        return scale_of_custom(kind, obj)
    meta = obj["metadata"]
    selector = (obj.get("spec") or {}).get("selector")
    return {
        "kind": "Scale", "apiVersion": "autoscaling/v1",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 0)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                   "selector": str(from_api(selector)) if selector else ""},
    }
