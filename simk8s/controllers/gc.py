"""The garbage collector: dependents follow their owners (ownerReferences), as upstream.

Like upstream's GraphBuilder it keeps the ownership graph (owner uid -> dependent uid) up to date
from the watch, so finding an owner's dependents is a graph lookup.

Background deletion removes dependents after the owner is gone; ``orphan`` strips the owner's
references from its dependents before the owner goes; ``foregroundDeletion`` deletes the
blocking dependents first and lets the owner go last. A dependent whose owners all no longer
exist is deleted; a reference to one missing owner among living ones is removed.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from simk8s.api.errors import ApiError
from simk8s.api.frozen import FrozenDict, thaw
from simk8s.api.kinds import Kind
from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.store import WatchEvent

__all__ = ["GarbageCollector"]

class OwnerGraph:
    """A directed graph as two adjacency maps (what the collector needs of one, without loading
    networkx into every process): dependents in the order their edges were added."""

    def __init__(self) -> None:
        self.succ: dict[str, dict[str, None]] = {}
        self.pred: dict[str, dict[str, None]] = {}

    def __contains__(self, node: str) -> bool:
        return node in self.succ

    def add_node(self, node: str) -> None:
        if node not in self.succ:
            self.succ[node] = {}
            self.pred[node] = {}

    def add_edge(self, owner: str, dependent: str) -> None:
        self.add_node(owner)
        self.add_node(dependent)
        self.succ[owner][dependent] = None
        self.pred[dependent][owner] = None

    def remove_edge(self, owner: str, dependent: str) -> None:
        del self.succ[owner][dependent]
        del self.pred[dependent][owner]

    def remove_node(self, node: str) -> None:
        for dependent in self.succ.pop(node):
            del self.pred[dependent][node]
        for owner in self.pred.pop(node):
            del self.succ[owner][node]

    def predecessors(self, node: str) -> list[str]:
        return list(self.pred[node])

    def successors(self, node: str) -> list[str]:
        return list(self.succ[node])


class GarbageCollector(Controller):
    name = "garbage-collector"

    def __init__(self, core: Core) -> None:
        self.uids: dict[str, tuple[str, str, str]] = {}
        self.graph = OwnerGraph()
        super().__init__(core)
        for k, obj in core.store.iter_all():
            self._track(k.kind, obj)

    def _track(self, kind: str, obj: Any) -> None:
        meta = obj["metadata"]
        uid = meta["uid"]
        self.uids[uid] = (kind, meta.get("namespace", ""), meta["name"])
        refs = meta.get("ownerReferences")
        if not refs and uid not in self.graph:
            return  # no edges: the uid map is all the graph needs to know (most objects, every Event)
        self.graph.add_node(uid)
        old = set(self.graph.predecessors(uid))
        new = {r["uid"] for r in refs or ()}
        for owner in old - new:
            self.graph.remove_edge(owner, uid)
        for owner in new - old:
            self.graph.add_edge(owner, uid)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        meta = ev.obj["metadata"]
        uid = meta["uid"]
        keys: list[Hashable] = []
        if ev.type == "DELETED":
            self.uids.pop(uid, None)
            if uid in self.graph:
                for owner in list(self.graph.predecessors(uid)):
                    self.graph.remove_edge(owner, uid)
            keys.append(("owner", uid))
        else:
            self._track(ev.kind.kind, ev.obj)
            fins = meta.get("finalizers") or ()
            if meta.get("deletionTimestamp") and ("orphan" in fins or "foregroundDeletion" in fins):
                keys.append(("owner", uid))
        if meta.get("ownerReferences"):
            keys.append(("dependent", ev.kind.kind, meta.get("namespace", ""), meta["name"]))
            if ev.type == "DELETED":
                # A foreground owner may be waiting for this dependent to go.
                keys.extend(("owner", ref["uid"]) for ref in meta["ownerReferences"])
        return keys

    def _dependents(self, uid: str) -> list[tuple[Kind, FrozenDict]]:
        out: list[tuple[Kind, FrozenDict]] = []
        if uid not in self.graph:
            return out
        for dep in sorted(self.graph.successors(uid), key=lambda d: self.uids.get(d, ("", "", ""))):
            loc = self.uids.get(dep)
            if loc is None:
                continue
            obj = self.store.try_get(loc[0], loc[2], loc[1] or None)
            if obj is not None:
                out.append((self.store.kinds.lookup(loc[0]), obj))
        return out

    def sync(self, key: Any) -> float | None:
        if key[0] == "owner":
            return self._sync_owner(key[1])
        _, kind_name, ns, name = key
        obj = self.store.try_get(kind_name, name, ns or None)
        if obj is None:
            return None
        refs = obj["metadata"].get("ownerReferences") or []
        alive = [r for r in refs if r["uid"] in self.uids]
        if refs and not alive:
            if not obj["metadata"].get("deletionTimestamp"):
                self.store.delete(kind_name, name, ns or None, propagation="Background")
        elif len(alive) < len(refs):
            body = thaw(obj)
            body["metadata"]["ownerReferences"] = thaw(alive)
            self.store.update(kind_name, body)
        return None

    def _sync_owner(self, uid: str) -> float | None:
        loc = self.uids.get(uid)
        dependents = self._dependents(uid)
        if loc is None:
            for k, obj in dependents:
                self.queue.add(("dependent", k.kind, obj["metadata"].get("namespace", ""), obj["metadata"]["name"]))
            if not dependents and uid in self.graph and not self.graph.pred[uid]:
                self.graph.remove_node(uid)
            return None
        kind_name, ns, name = loc
        owner = self.store.try_get(kind_name, name, ns or None)
        if owner is None or not owner["metadata"].get("deletionTimestamp"):
            return None
        fins = list(owner["metadata"].get("finalizers") or ())
        if "orphan" in fins:
            for k, obj in dependents:
                body = thaw(obj)
                body["metadata"]["ownerReferences"] = [r for r in body["metadata"]["ownerReferences"]
                                                       if r["uid"] != uid]
                if not body["metadata"]["ownerReferences"]:
                    del body["metadata"]["ownerReferences"]
                self.store.update(k, body)
            self._drop_finalizer(kind_name, name, ns, "orphan")
            return None
        if "foregroundDeletion" in fins:
            blocking = [(k, o) for k, o in dependents if any(
                r["uid"] == uid and r.get("blockOwnerDeletion") for r in o["metadata"]["ownerReferences"])]
            for k, obj in dependents:
                if not obj["metadata"].get("deletionTimestamp"):
                    try:
                        self.store.delete(k, obj["metadata"]["name"], obj["metadata"].get("namespace") or None,
                                          propagation="Foreground")
                    except ApiError:
                        pass
            if not blocking:
                self._drop_finalizer(kind_name, name, ns, "foregroundDeletion")
        return None

    def _drop_finalizer(self, kind_name: str, name: str, ns: str, finalizer: str) -> None:
        def drop(body: dict[str, Any]) -> None:
            body["metadata"]["finalizers"] = [f for f in body["metadata"].get("finalizers", []) if f != finalizer]

        self.store.mutate(kind_name, name, ns or None, drop)
