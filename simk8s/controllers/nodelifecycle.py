"""Node lifecycle and PodGC: what happens to a node that stops talking, and to its pods.

After ``node-monitor-grace-period`` without a heartbeat the node turns ``Ready=Unknown`` and gets
the ``unreachable`` NoExecute/NoSchedule taints; its pods are marked not Ready (so endpoints and
DNS drop them). Pods whose toleration of the taint runs out are evicted (a graceful delete the
dead kubelet never completes: they stay Terminating). When the Node object is deleted, PodGC
force-deletes its pods; when the kubelet comes back, the taints go and its pods report again.
"""

from __future__ import annotations

from collections.abc import Generator, Hashable, Iterable
from typing import Any

import simpy

from simk8s.api.errors import ApiError
from simk8s.api.frozen import get_in, thaw
from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.logic import nodes as node_logic
from simk8s.store import WatchEvent
from simk8s.store.events import EventRecorder

__all__ = ["NodeLifecycleController"]


class NodeLifecycleController(Controller):
    name = "node-controller"
    watch_kinds = frozenset(('Node',))

    def __init__(self, core: Core) -> None:
        self.watchdogs: dict[str, simpy.Process] = {}
        self.recorder = EventRecorder(core.store, "node-controller")
        super().__init__(core)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        if ev.kind.kind == "Node" and ev.type == "DELETED":
            return (("podgc", ev.obj["metadata"]["name"]),)
        return ()

    def sync(self, key: Any) -> float | None:
        if key[0] == "podgc":
            node = key[1]
            for pod in self.store.list("Pod", None, where=lambda p: get_in(p, ("spec", "nodeName")) == node):
                try:
                    self.store.delete("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"], grace_period=0)
                except ApiError:
                    pass
        return None

    # Called by the kubelet of the node.
    def node_failed(self, node: str) -> None:
        self.watchdogs[node] = self.env.process(self._watch(node))

    def node_recovered(self, node: str) -> None:
        proc = self.watchdogs.pop(node, None)
        if proc is not None and proc.is_alive:
            proc.interrupt("recovered")
        cur = self.store.try_get("Node", node)
        if cur is not None:
            self.store.update_status("Node", node_logic.mark_ready(thaw(cur), self.store.timestamp()))
            cur = self.store.get("Node", node)
            body = thaw(cur)
            body["spec"]["taints"] = [t for t in body["spec"].get("taints", [])
                                      if t.get("key") not in ("node.kubernetes.io/unreachable",
                                                              "node.kubernetes.io/not-ready")]
            if not body["spec"]["taints"]:
                del body["spec"]["taints"]
            self.store.update("Node", body)

    def _watch(self, node: str) -> Generator[simpy.Event, Any, None]:
        try:
            yield self.env.timeout(self.core.timing.node_monitor_grace)
            cur = self.store.try_get("Node", node)
            if cur is None:
                return
            marked = node_logic.mark_unreachable(thaw(cur), self.store.timestamp())
            self.store.update_status("Node", marked)
            body = thaw(self.store.get("Node", node))
            body["spec"]["taints"] = thaw(marked["spec"].get("taints", []))
            self.store.update("Node", body)
            self.recorder.event(cur, "Normal", "NodeNotReady", f"Node {node} status is now: NodeNotReady")
            evictions: list[tuple[float, str, str]] = []
            for pod in self.store.list("Pod", None, where=lambda p: get_in(p, ("spec", "nodeName")) == node):
                try:
                    self.store.update_status("Pod", node_logic.pod_ready_false_for_unreachable_node(
                        thaw(pod), self.store.timestamp()))
                except ApiError:
                    pass
                due = node_logic.noexecute_eviction_due(pod, self.store.get("Node", node), self.env.now)
                if due is not None:
                    evictions.append((due, pod["metadata"]["namespace"], pod["metadata"]["name"]))
            start = self.env.now
            for due, ns, name in sorted(evictions):
                wait = max(0.0, start + due - self.env.now)
                if wait:
                    yield self.env.timeout(wait)
                self._evict(ns, name)
        except simpy.Interrupt:
            return

    def _evict(self, ns: str, name: str) -> None:
        pod = self.store.try_get("Pod", name, ns)
        if pod is None or pod["metadata"].get("deletionTimestamp"):
            return
        body = thaw(pod)
        conditions = [c for c in body["status"].get("conditions", []) if c.get("type") != "DisruptionTarget"]
        conditions.append({"lastProbeTime": None, "lastTransitionTime": self.store.timestamp(),
                           "message": "Taint manager: deleting due to NoExecute taint",
                           "reason": "DeletionByTaintManager", "status": "True", "type": "DisruptionTarget"})
        body["status"]["conditions"] = conditions
        try:
            self.store.update_status("Pod", body)
            self.recorder.event(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {ns}/{name}")
            self.store.delete("Pod", name, ns)
        except ApiError:
            pass
