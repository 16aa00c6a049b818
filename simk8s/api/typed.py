"""Typed, read-only views of the kinds the controllers read most: Pod, StatefulSet, claims, volumes, nodes.

The store keeps holding plain frozen dicts; a view wraps one (``PodView(pod).node_name``) so that
readers name what they want instead of spelling the dict path (``get_in(pod, ("spec", "nodeName"))``).
Views are cheap (``__slots__``, one attribute, properties computed on each read) and never copy or
change the object: build a body to write with ``thaw`` as before. Optional fields that are missing read
as upstream's zero values (``""``, ``0``, empty, None); fields the store defaults are read as stored.
"""

# No ``from __future__ import annotations``: the ``annotations`` property would shadow its name.
from collections.abc import Mapping, Sequence
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.frozen import FrozenDict

__all__ = ["ClaimView", "NodeView", "ObjectView", "PodView", "StatefulSetView", "VolumeView", "condition"]

Obj = Mapping[str, Any]
_EMPTY: Obj = FrozenDict()
_TERMINAL = ("Succeeded", "Failed")


def condition(obj: Obj, type_: str) -> Obj | None:
    """The ``status.conditions`` entry of ``type_`` (Pod ``Ready``, Node ``Ready``, ...), or None."""
    for c in (obj.get("status") or _EMPTY).get("conditions") or ():
        if c.get("type") == type_:
            return c
    return None


class ObjectView:
    """What every object has: its metadata."""

    __slots__ = ("obj",)

    def __init__(self, obj: Obj) -> None:
        self.obj = obj

    @property
    def name(self) -> str:
        return meta.name(self.obj)

    @property
    def namespace(self) -> str:
        return meta.namespace(self.obj)

    @property
    def uid(self) -> str:
        return meta.uid(self.obj)

    @property
    def key(self) -> tuple[str, str]:
        return meta.key(self.obj)

    @property
    def labels(self) -> Mapping[str, str]:
        return meta.labels(self.obj)

    @property
    def annotations(self) -> Mapping[str, str]:
        return meta.annotations(self.obj)

    @property
    def owner_refs(self) -> Sequence[Obj]:
        return meta.owner_refs(self.obj)

    @property
    def controller_ref(self) -> Obj | None:
        return meta.controller_ref(self.obj)

    @property
    def owner_uid(self) -> str | None:
        """The uid of the controller (the ownerReference with ``controller: true``); None: an orphan."""
        return meta.controller_uid(self.obj)

    @property
    def deleting(self) -> bool:
        return meta.deleting(self.obj)

    @property
    def finalizers(self) -> Sequence[str]:
        return meta.metadata(self.obj).get("finalizers") or ()

    @property
    def spec(self) -> Obj:
        return self.obj.get("spec") or _EMPTY

    @property
    def status(self) -> Obj:
        return self.obj.get("status") or _EMPTY

    @property
    def phase(self) -> str:
        """``status.phase`` (Pod, claim, volume); ``""`` before one is set."""
        return str(self.status.get("phase") or "")


class PodView(ObjectView):
    __slots__ = ()

    @property
    def node_name(self) -> str:
        """``spec.nodeName``; ``""`` while the pod is not scheduled."""
        return str(self.spec.get("nodeName") or "")

    @property
    def scheduler_name(self) -> str:
        return str(self.spec.get("schedulerName", "default-scheduler"))

    @property
    def terminal(self) -> bool:
        """Succeeded or Failed: the pod's containers will not run again."""
        return self.phase in _TERMINAL

    @property
    def ready(self) -> bool:
        """podutil.IsPodReady: the Ready condition has status True."""
        c = condition(self.obj, "Ready")
        return c is not None and c.get("status") == "True"

    @property
    def volumes(self) -> Sequence[Obj]:
        return self.spec.get("volumes") or ()

    @property
    def claims(self) -> list[str]:
        """The claim names of the pod's persistentVolumeClaim volumes, in volume order."""
        return [pvc["claimName"] for v in self.volumes
                if (pvc := v.get("persistentVolumeClaim")) and pvc.get("claimName")]

    @property
    def pod_ip(self) -> str:
        return str(self.status.get("podIP") or "")


class StatefulSetView(ObjectView):
    __slots__ = ()

    @property
    def replicas(self) -> int:
        """``spec.replicas``, as the store defaulted it."""
        return int(self.spec["replicas"])

    @property
    def selector(self) -> Obj | None:
        return self.spec.get("selector")

    @property
    def min_ready_seconds(self) -> int:
        return int(self.spec.get("minReadySeconds") or 0)

    @property
    def service_name(self) -> str:
        return str(self.spec.get("serviceName") or "")


class ClaimView(ObjectView):
    """A PersistentVolumeClaim."""

    __slots__ = ()

    @property
    def volume_name(self) -> str:
        return str(self.spec.get("volumeName") or "")

    @property
    def storage_class(self) -> str:
        return str(self.spec.get("storageClassName") or "")

    @property
    def access_modes(self) -> Sequence[str]:
        return self.spec.get("accessModes") or ()

    @property
    def bound(self) -> bool:
        return self.phase == "Bound"


class VolumeView(ObjectView):
    """A PersistentVolume."""

    __slots__ = ()

    @property
    def claim_ref(self) -> Obj | None:
        return self.spec.get("claimRef") or None

    @property
    def reclaim_policy(self) -> str:
        return str(self.spec.get("persistentVolumeReclaimPolicy") or "Retain")

    @property
    def node_affinity_terms(self) -> Sequence[Obj]:
        """``spec.nodeAffinity.required.nodeSelectorTerms``."""
        required = (self.spec.get("nodeAffinity") or _EMPTY).get("required") or _EMPTY
        return required.get("nodeSelectorTerms") or ()


class NodeView(ObjectView):
    __slots__ = ()

    @property
    def unschedulable(self) -> bool:
        return bool(self.spec.get("unschedulable"))

    @property
    def ready(self) -> bool:
        """The Ready condition has status True."""
        c = condition(self.obj, "Ready")
        return c is not None and c.get("status") == "True"
