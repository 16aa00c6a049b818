"""The default scheduler: one pod at a time, filters and scores from ``logic.scheduling``.

With WaitForFirstConsumer claims it first writes the chosen node into the claims'
``volume.kubernetes.io/selected-node`` annotation and binds the pod only once the claims are
bound (the volume binding plugin's PreBind wait): that is the seed lab's ~9 s in Pending.
Unschedulable pods get the upstream ``FailedScheduling`` event and ``PodScheduled=False``
condition, and are retried when nodes, claims, volumes or pods change.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import simk8s.logic.podstatus as podstatus
from simk8s.api.errors import ApiError
from simk8s.api.frozen import FrozenDict, get_in, thaw
from simk8s.api.typed import PodView
from simk8s.controllers.volumes import SELECTED_NODE, binding_candidates
from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.fastpaths import FAST
from simk8s.logic.scheduling import feasible_nodes_to_find, pod_requests, schedule
from simk8s.store import WatchEvent
from simk8s.store.events import EventRecorder

__all__ = ["Scheduler"]


class _Pods(Sequence[FrozenDict]):
    """The pods of one node, without copying them out of the cache."""

    def __init__(self, pods: dict[tuple[str, str], FrozenDict]) -> None:
        self.pods = pods

    def __len__(self) -> int:
        return len(self.pods)

    def __iter__(self) -> Iterator[FrozenDict]:
        return iter(self.pods.values())

    def __getitem__(self, i: Any) -> Any:
        return list(self.pods.values())[i]


class _NodePods(Mapping[str, Sequence[FrozenDict]]):
    """A read-only view of the scheduler cache: node name -> its pods."""

    def __init__(self, cache: dict[str, dict[tuple[str, str], FrozenDict]]) -> None:
        self.cache = cache

    def __getitem__(self, node: str) -> Sequence[FrozenDict]:
        return _Pods(self.cache.get(node, {}))

    def __iter__(self) -> Iterator[str]:
        return iter(self.cache)

    def __len__(self) -> int:
        return len(self.cache)

    def get(self, node: str, default: Any = None) -> Any:  # type: ignore[override,unused-ignore]
        pods = self.cache.get(node)
        return _Pods(pods) if pods is not None else default


class Scheduler(Controller):
    name = "default-scheduler"
    watch_kinds = frozenset(('Pod', 'PersistentVolumeClaim', 'Node', 'PersistentVolume', 'StorageClass'))

    def __init__(self, core: Core) -> None:
        self.recorder = EventRecorder(core.store, "default-scheduler")
        self.unschedulable: set[tuple[str, str]] = set()
        # The scheduler cache: the pods bound to each node that still hold resources.
        self.node_pods: dict[str, dict[tuple[str, str], FrozenDict]] = {}
        self.pod_node: dict[tuple[str, str], str] = {}
        self.requested: dict[str, dict[str, float]] = {}
        # Placed pods' required anti-affinity terms, and where the next node search starts.
        self.anti_terms: dict[tuple[str, str], list[tuple[FrozenDict, FrozenDict, FrozenDict]]] = {}
        self.next_start = 0
        self.static_cache: dict[tuple[str, str, str], str | None] = {}
        # Per node, a counter bumped whenever its placed pods change, and the filter/score results
        # per (pod shape, node) that stay valid until then (see logic.scheduling.schedule).
        self.node_versions: dict[str, int] = {}
        self.eval_cache: dict[Any, Any] = {}
        self.sched_rng = core.rng.__class__(f"simk8s:{core.seed}:scheduler")
        super().__init__(core)

    def _wants(self, pod: Any) -> bool:
        v = PodView(pod)
        return not v.node_name and not v.deleting and v.scheduler_name == "default-scheduler"

    def _cache(self, ev: WatchEvent) -> None:
        key = ev.key
        node = get_in(ev.obj, ("spec", "nodeName"))
        old = self.pod_node.pop(key, None)
        if old is not None:
            prev = self.node_pods.get(old, {}).pop(key, None)
            if prev is not None:
                self._account(old, prev, -1.0)
            self.anti_terms.pop(key, None)
        if ev.type != "DELETED" and node and get_in(ev.obj, ("status", "phase")) not in ("Succeeded", "Failed"):
            self.node_pods.setdefault(node, {})[key] = ev.obj
            self.pod_node[key] = node
            self._account(node, ev.obj, 1.0)
            terms = get_in(ev.obj, ("spec", "affinity", "podAntiAffinity",
                                    "requiredDuringSchedulingIgnoredDuringExecution"))
            node_obj = self.store.try_get("Node", node)
            if terms and node_obj is not None:
                self.anti_terms[key] = [(node_obj, ev.obj, t) for t in terms]

    def _account(self, node: str, pod: FrozenDict, sign: float) -> None:
        self.node_versions[node] = self.node_versions.get(node, 0) + 1
        totals = self.requested.setdefault(node, {})
        for res, value in pod_requests(pod).items():
            totals[res] = totals.get(res, 0.0) + sign * value

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        kind = ev.kind.kind
        if kind == "Pod":
            self._cache(ev)
            if ev.type != "DELETED" and self._wants(ev.obj):
                return (ev.key,)
            if ev.type == "DELETED" or get_in(ev.obj, ("spec", "nodeName")):
                self.unschedulable.discard(ev.key)
                if ev.type == "DELETED":
                    return tuple(self.unschedulable)
            return ()
        if kind == "PersistentVolumeClaim":
            ns = ev.obj["metadata"]["namespace"]
            name = ev.obj["metadata"]["name"]
            return [(ns, p["metadata"]["name"]) for p in self.store.by_index("Pod", "claim", (ns, name))
                    if self._wants(p)]
        if kind in ("Node", "PersistentVolume", "StorageClass"):
            return tuple(self.unschedulable)
        return ()

    def sync(self, key: Any) -> float | None:
        ns, name = key
        pod = self.store.try_get("Pod", name, ns)
        if pod is None or not self._wants(pod):
            self.unschedulable.discard(key)
            return None
        mine = PodView(pod).claims
        # Only the pod's own claims, and the volumes that could serve them, matter to this decision.
        claims = {c: obj for c in mine if (obj := self.store.try_get("PersistentVolumeClaim", c, ns)) is not None}
        # Waiting for volumes the scheduler asked for (PreBind): bind once they are all bound.
        if any((get_in(claims.get(c), ("metadata", "annotations")) or {}).get(SELECTED_NODE)
               and get_in(claims.get(c), ("status", "phase")) != "Bound" for c in mine if c in claims):
            return None
        nodes = self.store.list("Node")
        pods_by_node = _NodePods(self.node_pods)
        volumes = {v["metadata"]["name"]: v for c in claims.values() for v in binding_candidates(self.store, c)}
        classes = {c["metadata"]["name"]: c for c in self.store.list("StorageClass")}
        existing = [t for terms in self.anti_terms.values() for t in terms]
        result = schedule(pod, nodes, pods_by_node, claims, volumes, classes, rng=self.sched_rng,
                          requested=self.requested, existing_anti=existing, start=self.next_start,
                          max_feasible=feasible_nodes_to_find(len(nodes)),
                          static_cache=self.static_cache if FAST.memos else None,
                          eval_cache=self.eval_cache if FAST.memos else None, node_versions=self.node_versions)
        if len(self.eval_cache) > 200_000:
            self.eval_cache.clear()
        if nodes:
            self.next_start = (self.next_start + result.evaluated) % len(nodes)
        if result.error:
            self._unschedulable(pod, result.error)
            return None
        self.unschedulable.discard(key)
        assert result.node is not None
        waiting = False
        for claim_name, pv_name in (getattr(result, "static_bindings", None) or {}).items():
            pv = self.store.get("PersistentVolume", pv_name)
            if not get_in(pv, ("spec", "claimRef")):
                claim = claims[claim_name]
                body = thaw(pv)
                body["spec"]["claimRef"] = {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                            "name": claim_name, "namespace": ns,
                                            "resourceVersion": claim["metadata"]["resourceVersion"],
                                            "uid": claim["metadata"]["uid"]}
                body["metadata"].setdefault("annotations", {})["pv.kubernetes.io/bound-by-controller"] = "yes"
                self.store.update("PersistentVolume", body)
                waiting = True
        for claim_name in result.claims_to_select or ():
            claim = self.store.get("PersistentVolumeClaim", claim_name, ns)
            if get_in(claim, ("status", "phase")) == "Bound":
                continue
            body = thaw(claim)
            body["metadata"].setdefault("annotations", {})[SELECTED_NODE] = result.node
            self.store.update("PersistentVolumeClaim", body)
            waiting = True
        if waiting:
            return None
        try:
            self.store.bind(name, ns, result.node)
        except ApiError:
            return None
        self.recorder.event(pod, "Normal", "Scheduled", f"Successfully assigned {ns}/{name} to {result.node}")
        return None

    def _unschedulable(self, pod: FrozenDict, message: str) -> None:
        key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
        self.unschedulable.add(key)
        self.recorder.event(pod, "Warning", "FailedScheduling", message)
        status = dict(pod.get("status") or {})
        conds = status.get("conditions") or []
        current = next((c for c in conds if c.get("type") == "PodScheduled"), None)
        if current and current.get("status") == "False" and current.get("message") == message:
            return
        status["conditions"] = podstatus.set_condition(conds, "PodScheduled", "False", self.store.timestamp(),
                                                       reason="Unschedulable", message=message)
        try:
            self.store.set_status("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"], status,
                                  uid=pod["metadata"]["uid"])
        except ApiError:
            pass
