"""The Endpoints and EndpointSlice controllers: a Service's ready (and not-ready) pod addresses."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from typing import Any

from simk8s.api.errors import ApiError
from simk8s.api.frozen import FrozenDict, thaw
from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.fastpaths import FAST
from simk8s.logic.endpoints import MAX_ENDPOINTS, PodEndpoint, endpoints_subsets, pod_endpoint, slice_content
from simk8s.store import WatchEvent

__all__ = ["EndpointsController"]

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY = "endpointslice.kubernetes.io/managed-by"
MANAGER = "endpointslice-controller.k8s.io"


class EndpointsController(Controller):
    """Keeps both the v1 Endpoints object and the EndpointSlices of every Service with a selector."""

    name = "endpoint-controller"
    watch_kinds = frozenset(('Service', 'Pod', 'Endpoints', 'EndpointSlice'))
    min_interval = 0.1

    def __init__(self, core: Core) -> None:
        # Per Service: pod name -> (pod object, Service object, its PodEndpoint).
        self._memo: dict[tuple[str, str], dict[str, tuple[FrozenDict, FrozenDict, PodEndpoint | None]]] = {}
        # Per Service: the pods its selector selects, kept from the watch, and their name order.
        self._members: dict[tuple[str, str], dict[str, FrozenDict]] = {}
        self._order: dict[tuple[str, str], list[str]] = {}
        # Services with a selector: the selector, and the Services by one of their selector pairs.
        self._selectors: dict[tuple[str, str], Mapping[str, str]] = {}
        self._by_pair: dict[tuple[str, str, str], set[tuple[str, str]]] = {}
        super().__init__(core)
        for svc in self.store.list("Service"):          # those that exist before the watch starts
            self._select((svc["metadata"]["namespace"], svc["metadata"]["name"]), svc)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        kind = ev.kind.kind
        ns = ev.obj["metadata"].get("namespace", "")
        if kind == "Service":
            key = (ns, ev.obj["metadata"]["name"])
            self._select(key, None if ev.type == "DELETED" else ev.obj)
            return (key,)
        if kind == "Pod":
            name = ev.obj["metadata"]["name"]
            labels_now = ev.obj["metadata"].get("labels") or {}
            labels_old = (ev.old["metadata"].get("labels") or {}) if ev.old is not None else {}
            keys = []
            for key in self._services_for(ns, labels_now, labels_old):
                sel = self._selectors[key]
                selected = all(labels_now.get(k) == v for k, v in sel.items())
                if selected and ev.type != "DELETED":
                    self._add(key, name, ev.obj)
                else:
                    self._discard(key, name)
                if selected or all(labels_old.get(k) == v for k, v in sel.items()):
                    keys.append(key)
            return keys
        if kind in ("Endpoints", "EndpointSlice") and ev.type == "DELETED":
            svc = (ev.obj["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL, ev.obj["metadata"]["name"])
            return ((ns, svc),)
        return ()

    def _services_for(self, ns: str, *label_sets: Mapping[str, str]) -> list[tuple[str, str]]:
        """The Services of ``ns`` whose selector could select pods with these labels (one of its
        pairs is among them), in name order; the caller checks the whole selector."""
        found = {key for labels in label_sets for pair in labels.items()
                 for key in self._by_pair.get((ns, *pair), ())}
        return sorted(found)

    def _select(self, key: tuple[str, str], svc: FrozenDict | None) -> None:
        """(Re)compute a Service's members from the store: it appeared, or its selector may have changed."""
        self._members.pop(key, None)
        self._order.pop(key, None)
        old = self._selectors.pop(key, None)
        if old:
            self._by_pair.get((key[0], *min(old.items())), set()).discard(key)
        sel = svc["spec"].get("selector") if svc is not None else None
        if not sel:
            return
        self._selectors[key] = sel
        self._by_pair.setdefault((key[0], *min(sel.items())), set()).add(key)
        self._members[key] = {p["metadata"]["name"]: p for p in self.store.list("Pod", key[0], where=lambda p: all(
            (p["metadata"].get("labels") or {}).get(k) == v for k, v in sel.items()))}

    def _add(self, key: tuple[str, str], name: str, pod: FrozenDict) -> None:
        members = self._members.setdefault(key, {})
        if name not in members:
            self._order.pop(key, None)
        members[name] = pod

    def _discard(self, key: tuple[str, str], name: str) -> None:
        members = self._members.get(key)
        if members is not None and members.pop(name, None) is not None:
            self._order.pop(key, None)

    def _pods(self, svc: FrozenDict) -> list[FrozenDict]:
        """The pods the Service selects, in name order (as a list of the namespace would give them)."""
        key = (svc["metadata"]["namespace"], svc["metadata"]["name"])
        members = self._members.get(key, {})
        order = self._order.get(key)
        if order is None:
            order = self._order[key] = sorted(members)
        return [members[n] for n in order]

    def _entries(self, svc: FrozenDict, pods: list[FrozenDict]) -> list[PodEndpoint | None]:
        """:func:`pod_endpoint` of each pod, reused while the pod and Service objects are the same."""
        memo = self._memo.setdefault((svc["metadata"]["namespace"], svc["metadata"]["name"]), {})
        out: list[PodEndpoint | None] = []
        for pod in pods:
            name = pod["metadata"]["name"]
            hit = memo.get(name)
            if hit is not None and hit[0] is pod and hit[1] is svc and FAST.memos:
                out.append(hit[2])
                continue
            entry = pod_endpoint(svc, pod)
            memo[name] = (pod, svc, entry)
            out.append(entry)
        if len(memo) > len(pods):
            names = {p["metadata"]["name"] for p in pods}
            for gone in [n for n in memo if n not in names]:
                del memo[gone]
        return out

    def sync(self, key: Any) -> float | None:
        ns, name = key
        svc = self.store.try_get("Service", name, ns)
        if svc is None:
            self._memo.pop(key, None)
            # Owned slices go with the garbage collector; the Endpoints object goes here.
            if self.store.try_get("Endpoints", name, ns) is not None:
                self.store.delete("Endpoints", name, ns)
            return None
        if not svc["spec"].get("selector") or svc["spec"].get("type") == "ExternalName":
            return None
        pods = self._pods(svc)
        entries = self._entries(svc, pods)
        self._sync_endpoints(svc, pods, entries)
        self._sync_slices(svc, pods, entries)
        return None

    def _sync_endpoints(self, svc: FrozenDict, pods: list[FrozenDict], entries: list[PodEndpoint | None]) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        subsets = endpoints_subsets(svc, pods, entries)
        labels = dict(svc["metadata"].get("labels") or {})
        if svc["spec"].get("clusterIP") == "None":
            labels["service.kubernetes.io/headless"] = ""
        cur = self.store.try_get("Endpoints", name, ns)
        annotations: dict[str, str] = {}
        total = sum(len(s.get("addresses", [])) + len(s.get("notReadyAddresses", [])) for s in subsets)
        if total >= MAX_ENDPOINTS:
            annotations["endpoints.kubernetes.io/over-capacity"] = "truncated"
        if cur is None:
            annotations["endpoints.kubernetes.io/last-change-trigger-time"] = self.store.timestamp()
            body: dict[str, Any] = {"apiVersion": "v1", "kind": "Endpoints",
                                    "metadata": {"name": name, "namespace": ns, "labels": labels,
                                                 "annotations": annotations}}
            if subsets:
                body["subsets"] = subsets
            self.store.create_trusted("Endpoints", body)
            return
        if (cur.get("subsets") or []) == subsets and (cur["metadata"].get("labels") or {}) == labels:
            return
        body = dict(cur)
        body["metadata"] = thaw(cur["metadata"])
        body["metadata"]["labels"] = labels
        ann = body["metadata"].setdefault("annotations", {})
        ann["endpoints.kubernetes.io/last-change-trigger-time"] = self.store.timestamp()
        ann.pop("endpoints.kubernetes.io/over-capacity", None)
        ann.update({k: v for k, v in annotations.items()})
        if subsets:
            body["subsets"] = subsets
        else:
            body.pop("subsets", None)
        self.store.replace_trusted("Endpoints", body)

    def _sync_slices(self, svc: FrozenDict, pods: list[FrozenDict], entries: list[PodEndpoint | None]) -> None:
        ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
        wanted = slice_content(svc, pods, entries)
        existing = self.store.list("EndpointSlice", ns, where=lambda s: (
            (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == name
            and (s["metadata"].get("labels") or {}).get(MANAGED_BY) == MANAGER))
        labels = dict(svc["metadata"].get("labels") or {})
        labels[MANAGED_BY] = MANAGER
        labels[SERVICE_NAME_LABEL] = name
        if svc["spec"].get("clusterIP") == "None":
            labels["service.kubernetes.io/headless"] = ""
        for i, content in enumerate(wanted):
            if i < len(existing):
                cur = existing[i]
                if (cur.get("endpoints") == content["endpoints"] and cur.get("ports") == content["ports"]
                        and (cur["metadata"].get("labels") or {}) == labels):
                    continue
                body = dict(cur)
                body["metadata"] = thaw(cur["metadata"])
                body["metadata"]["labels"] = labels
                body["endpoints"] = content["endpoints"]
                body["ports"] = content["ports"]
                self.store.replace_trusted("EndpointSlice", body)
                continue
            body = {
                "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {
                    "generateName": f"{name}-", "namespace": ns, "labels": labels,
                    "annotations": {"endpoints.kubernetes.io/last-change-trigger-time": self.store.timestamp()},
                    "ownerReferences": [{"apiVersion": "v1", "blockOwnerDeletion": True, "controller": True,
                                         "kind": "Service", "name": name, "uid": svc["metadata"]["uid"]}]},
                "addressType": "IPv4",
                "endpoints": content["endpoints"],
                "ports": content["ports"],
            }
            self.store.create_trusted("EndpointSlice", body)
        for extra in existing[len(wanted):]:
            try:
                self.store.delete("EndpointSlice", extra["metadata"]["name"], ns)
            except ApiError:
                pass
