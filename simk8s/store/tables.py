"""The store's tables: the objects of one kind, their (namespace, name) order and secondary indexes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.frozen import FrozenDict

__all__ = ["INDEXES", "Table"]


def _pod_claims(pod: FrozenDict) -> list[tuple[str, str]]:
    ns = pod["metadata"].get("namespace", "")
    return [(ns, c["claimName"]) for v in (pod.get("spec") or {}).get("volumes") or ()
            if (c := v.get("persistentVolumeClaim")) and c.get("claimName")]


def _volume_claim_uid(pv: FrozenDict) -> list[str]:
    ref = (pv.get("spec") or {}).get("claimRef")
    return [ref["uid"]] if ref and ref.get("uid") else []


def _volume_claim_ref(pv: FrozenDict) -> list[tuple[str, str] | None]:
    ref = (pv.get("spec") or {}).get("claimRef")
    return [(ref.get("namespace", "default"), ref.get("name", ""))] if ref else [None]


def _owner_uids(obj: FrozenDict) -> list[str | None]:
    refs = meta.owner_refs(obj)
    return [r.get("uid") for r in refs] if refs else [None]


# Secondary indexes shared by every reader (client-go's informer Indexers): kind -> {name: values of}.
INDEXES: dict[str, dict[str, Callable[[FrozenDict], Iterable[Any]]]] = {
    "Pod": {"claim": _pod_claims},                         # (namespace, claimName) of each PVC volume
    "ControllerRevision": {"owner": _owner_uids},          # uid of each ownerReference; None: no owner
    "PersistentVolume": {
        "claim-uid": _volume_claim_uid,                    # spec.claimRef.uid
        "claim-ref": _volume_claim_ref,                    # (namespace, name) of spec.claimRef; None: unclaimed
    },
}


class Table:
    """The objects of one kind: O(1) lookups, (namespace, name)-ordered listings cached until an
    object is added or removed (updates keep the order), and the kind's secondary indexes.

    :meth:`fork` is O(1): both tables share their maps until one of them writes, which then copies
    them first (copy-on-write; the objects themselves are frozen and stay shared).
    """

    def __init__(self, indexers: Mapping[str, Callable[[FrozenDict], Iterable[Any]]] | None = None) -> None:
        self.by_key: dict[tuple[str, str], FrozenDict] = {}
        self.by_ns: dict[str, dict[str, FrozenDict]] = {}
        self._order: dict[str | None, list[tuple[str, str]]] = {}
        self.indexers = dict(indexers or {})
        self._index: dict[str, dict[Any, set[tuple[str, str]]]] = {n: {} for n in self.indexers}
        self._indexed: dict[str, dict[tuple[str, str], tuple[Any, ...]]] = {n: {} for n in self.indexers}
        self._shared = False    # the maps above are shared with a fork: copy them before a write

    def fork(self) -> Table:
        new = Table.__new__(Table)
        new.__dict__.update(self.__dict__)
        new._order = dict(self._order)   # cached listings are never changed in place, only replaced
        self._shared = new._shared = True
        return new

    def own(self) -> None:
        """Make the maps this table's own (before a write, or before handing out a live view)."""
        if self._shared:
            self.by_key = dict(self.by_key)
            self.by_ns = {ns: dict(names) for ns, names in self.by_ns.items()}
            self._index = {n: {v: set(keys) for v, keys in index.items()} for n, index in self._index.items()}
            self._indexed = {n: dict(indexed) for n, indexed in self._indexed.items()}
            self._shared = False

    def get(self, key: tuple[str, str]) -> FrozenDict | None:
        return self.by_key.get(key)

    def __contains__(self, key: tuple[str, str]) -> bool:
        return key in self.by_key

    def __len__(self) -> int:
        return len(self.by_key)

    def put(self, key: tuple[str, str], obj: FrozenDict) -> None:
        if self._shared:
            self.own()
        if key not in self.by_key:
            self._order.clear()
        self.by_key[key] = obj
        self.by_ns.setdefault(key[0], {})[key[1]] = obj
        if self.indexers:
            self._reindex(key, obj)

    def pop(self, key: tuple[str, str]) -> FrozenDict:
        if self._shared:
            self.own()
        obj = self.by_key.pop(key)
        del self.by_ns[key[0]][key[1]]
        self._order.clear()
        if self.indexers:
            self._reindex(key, None)
        return obj

    def _reindex(self, key: tuple[str, str], obj: FrozenDict | None) -> None:
        for name, fn in self.indexers.items():
            indexed = self._indexed[name]
            old = indexed.get(key, ())
            new = tuple(fn(obj)) if obj is not None else ()
            if old == new:
                continue
            index = self._index[name]
            for value in old:
                keys = index[value]
                keys.discard(key)
                if not keys:
                    del index[value]
            for value in new:
                index.setdefault(value, set()).add(key)
            if new:
                indexed[key] = new
            else:
                del indexed[key]

    def lookup(self, index: str, value: Any) -> list[FrozenDict]:
        return [self.by_key[k] for k in sorted(self._index[index].get(value, ()))]

    def ordered(self, ns: str | None = None) -> list[tuple[str, str]]:
        order = self._order.get(ns)
        if order is None:
            if ns is None:
                order = sorted(self.by_key)
            else:
                order = [(ns, n) for n in sorted(self.by_ns.get(ns, ()))]
            self._order[ns] = order
        return order
