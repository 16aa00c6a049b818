"""Reading an object's ``metadata``: one place for the accessors every layer used to redefine.

They accept any JSON-shaped object, stored (frozen, defaulted) or not: a missing ``metadata``, or a
missing or null field, reads as empty. ``namespace`` takes the value to use when there is none, since
callers differ on purpose (``""`` for cluster-scoped keys, ``"default"`` where upstream defaults it).
The one builder is :func:`new_controller_ref`; other writers build bodies with ``thaw`` / ``assoc_in``.
"""

# No ``from __future__ import annotations``: it would bind the name ``annotations`` this module defines.
from collections.abc import Mapping, Sequence
from typing import Any

from simk8s.api.frozen import FrozenDict

__all__ = [
    "annotations",
    "controller_ref",
    "controller_uid",
    "deleting",
    "key",
    "labels",
    "metadata",
    "name",
    "namespace",
    "new_controller_ref",
    "owner_refs",
    "uid",
]

Obj = Mapping[str, Any]
_EMPTY: Mapping[str, Any] = FrozenDict()


def metadata(obj: Obj) -> Obj:
    """``obj.metadata``, or an empty mapping."""
    return obj.get("metadata") or _EMPTY


def name(obj: Obj) -> str:
    return str(metadata(obj).get("name") or "")


def namespace(obj: Obj, default: str = "") -> str:
    return str(metadata(obj).get("namespace") or default)


def uid(obj: Obj) -> str:
    return str(metadata(obj).get("uid") or "")


def key(obj: Obj) -> tuple[str, str]:
    """``(namespace, name)``, the key the store and the work queues use (``""``: cluster-scoped)."""
    md = metadata(obj)
    return str(md.get("namespace") or ""), str(md.get("name") or "")


def labels(obj: Obj) -> Mapping[str, str]:
    return metadata(obj).get("labels") or _EMPTY


def annotations(obj: Obj) -> Mapping[str, str]:
    return metadata(obj).get("annotations") or _EMPTY


def owner_refs(obj: Obj) -> Sequence[Obj]:
    return metadata(obj).get("ownerReferences") or ()


def controller_ref(obj: Obj) -> Obj | None:
    """metav1.GetControllerOf: the first ownerReference with ``controller: true``, or None."""
    for ref in owner_refs(obj):
        if ref.get("controller"):
            return ref
    return None


def controller_uid(obj: Obj) -> str | None:
    """The uid of the object's controller, or None for an orphan."""
    ref = controller_ref(obj)
    return None if ref is None else str(ref.get("uid"))


def deleting(obj: Obj) -> bool:
    """Has a ``deletionTimestamp`` (graceful deletion or finalizers pending)."""
    return metadata(obj).get("deletionTimestamp") is not None


def new_controller_ref(owner: Obj, api_version: str, kind: str) -> dict[str, Any]:
    """metav1.NewControllerRef: the ownerReference a controller puts on the objects it creates."""
    md = metadata(owner)
    return {"apiVersion": api_version, "kind": kind, "name": md.get("name", ""), "uid": md.get("uid", ""),
            "controller": True, "blockOwnerDeletion": True}
