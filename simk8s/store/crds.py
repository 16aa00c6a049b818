"""The apiextensions controllers, run by the store as a definition's writes happen: the naming
and establishing controllers (accepted names, the ``NamesAccepted`` and ``Established``
conditions, then the kind served), and the finalizer that deletes a deleted definition's custom
resources before the definition goes.

Upstream these are controllers that react within milliseconds; here they run synchronously right
after the write that concerns them (the definition's ADDED, then a MODIFIED with its status), so a
client sees the same sequence of watch events, deterministically.
"""

from __future__ import annotations

from typing import Any, Protocol

from simk8s.api.crd.definition import CLEANUP_FINALIZER, CRD, CustomKind, custom_kind, names_status
from simk8s.api.errors import MethodNotAllowed
from simk8s.api.frozen import thaw
from simk8s.api.kinds import Kind, Registry
from simk8s.store.watch import WatchEvent


class Store(Protocol):
    """What the controllers use of the store (which calls them: it cannot be imported here)."""

    kinds: Registry

    def try_get(self, kind: Any, name: str, namespace: str | None = None) -> Any: ...
    def list(self, kind: Any, namespace: str | None = None) -> list[Any]: ...
    def count(self, kind: Any) -> int: ...
    def timestamp(self, offset: float = 0) -> str: ...
    def set_status(self, kind: Any, name: str, namespace: str | None, status: Any) -> Any: ...
    def update(self, kind: Any, obj: Any) -> Any: ...
    def delete(self, kind: Any, name: str, namespace: str | None = None) -> Any: ...
    def serve_kind(self, k: Kind) -> None: ...
    def forget_kind(self, kind: str) -> None: ...

__all__ = ["check_create", "observe", "on_delete"]


def _established(crd: Any) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or ())


def _serve(store: Store, k: CustomKind) -> None:
    current = store.kinds.get(k.kind)
    if current is not None and current == k and isinstance(current, CustomKind) and (
            current.schema, current.status_subresource, current.scale_subresource, current.columns,
            current.categories) == (k.schema, k.status_subresource, k.scale_subresource, k.columns, k.categories):
        return
    store.serve_kind(k)


def _unserve(store: Store, crd_name: str) -> None:
    for k in list(store.kinds):
        if isinstance(k, CustomKind) and k.crd == crd_name:
            store.forget_kind(k.kind)


def _kind_of(store: Store, crd_name: str) -> CustomKind | None:
    return next((k for k in store.kinds if isinstance(k, CustomKind) and k.crd == crd_name), None)


def observe(store: Store, ev: WatchEvent) -> None:
    """React to a write of a definition, or to the removal of a custom resource."""
    if ev.kind is CRD:
        _definition(store, ev)
    elif isinstance(ev.kind, CustomKind) and ev.type == "DELETED" and ev.kind in store.kinds:
        crd = store.try_get(CRD, ev.kind.crd)
        if crd is not None and crd["metadata"].get("deletionTimestamp") and not store.count(ev.kind):
            _finalize(store, crd["metadata"]["name"])


def _definition(store: Store, ev: WatchEvent) -> None:
    name = ev.obj["metadata"]["name"]
    if ev.type == "DELETED":
        _unserve(store, name)
        return
    crd = store.try_get(CRD, name)
    if crd is None:
        return
    if crd["metadata"].get("deletionTimestamp"):
        _finalize(store, name)
        return
    status = names_status(crd, store.list(CRD), store.kinds, store.timestamp())
    if thaw(crd.get("status") or {}) != status:
        crd = store.set_status(CRD, name, None, status)    # observed again, with its new status
        return
    if _established(crd):
        k = custom_kind(crd)
        if k is not None:
            _serve(store, k)


def on_delete(store: Store, crd: Any, finalizers: list[str]) -> None:
    """A definition's first delete request: it keeps the cleanup finalizer until its custom
    resources are gone (apiextensions' REST Delete)."""
    if not crd["metadata"].get("deletionTimestamp") and CLEANUP_FINALIZER not in finalizers:
        finalizers.append(CLEANUP_FINALIZER)


def _finalize(store: Store, name: str) -> None:
    """Delete every custom resource of a terminating definition; drop the finalizer once none is left."""
    k = _kind_of(store, name)
    if k is not None:
        for obj in store.list(k):
            if k not in store.kinds:
                return          # the last deletion finished the definition already
            meta = obj["metadata"]
            if not meta.get("deletionTimestamp") and store.try_get(k, meta["name"], meta.get("namespace")):
                store.delete(k, meta["name"], meta.get("namespace") or None)
        if k in store.kinds and store.count(k):
            return
    crd = store.try_get(CRD, name)
    if crd is None or CLEANUP_FINALIZER not in (crd["metadata"].get("finalizers") or ()):
        return
    _unserve(store, name)
    body = thaw(crd)
    body["metadata"]["finalizers"] = [f for f in body["metadata"]["finalizers"] if f != CLEANUP_FINALIZER]
    store.update(CRD, body)


def check_create(store: Store, k: Kind) -> None:
    """Custom resources cannot be created while their definition is being deleted."""
    crd = store.try_get(CRD, k.crd) if isinstance(k, CustomKind) else None
    if crd is not None and crd["metadata"].get("deletionTimestamp"):
        raise MethodNotAllowed("create not allowed while custom resource definition is terminating")
