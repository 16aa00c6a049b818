"""Invariants checked while the cluster runs, at the moment each write happens.

After-the-fact checks (``simk8s.testing.invariants``) see converged states; these see the order of
events, which is where ordered-pod-management bugs show:

- **creation order** (OrderedReady): pod N is created only when every lower in-range ordinal
  exists, is Running and Ready, and is not terminating;
- **scale-down order** (OrderedReady): when the controller deletes a condemned pod, no pod with a
  higher ordinal exists;
- **identity and storage**: a new pod is named ``<set>-<ordinal>``, carries the pod-name label and
  mounts exactly its own claims ``<template>-<set>-<ordinal>``.
"""

from __future__ import annotations

import re
from typing import Any

from simk8s.api.frozen import get_in
from simk8s.logic.podutil import get_ordinal, is_running_and_ready, is_terminating
from simk8s.logic.statefulset.identity import claim_name, template_name
from simk8s.store import WatchEvent

__all__ = ["RuntimeChecker"]

_DELETE = re.compile(r"^delete Pod (\S+) in StatefulSet (\S+) successful$")


class RuntimeChecker:
    def __init__(self, cluster: Any) -> None:
        self.cluster = cluster
        self.violations: list[str] = []
        cluster.store.subscribe(self._on_event, ("Pod", "Event"))

    def _owner(self, pod: Any) -> Any:
        ref = next((r for r in pod["metadata"].get("ownerReferences") or ()
                    if r.get("kind") == "StatefulSet" and r.get("controller")), None)
        if ref is None:
            return None
        sts = self.cluster.store.try_get("StatefulSet", ref["name"], pod["metadata"]["namespace"])
        # Only the set this pod's controller reference names by uid: a pod of an earlier set of
        # the same name (still terminating on a failed node, say) is not this set's pod.
        return sts if sts is not None and sts["metadata"]["uid"] == ref.get("uid") else None

    def _fail(self, text: str) -> None:
        self.violations.append(f"t={self.cluster.now:.1f}s: {text}")

    def _on_event(self, ev: WatchEvent) -> None:
        if ev.kind.kind == "Pod" and ev.type == "ADDED":
            self._on_pod_created(ev.obj)
        elif ev.kind.kind == "Event" and ev.type == "ADDED":
            m = _DELETE.match(ev.obj.get("message", ""))
            if m and ev.obj.get("reason") == "SuccessfulDelete":
                self._on_pod_deleted(m.group(1), m.group(2), ev.obj["metadata"]["namespace"])

    def _on_pod_created(self, pod: Any) -> None:
        sts = self._owner(pod)
        if sts is None:
            return
        name, set_name = pod["metadata"]["name"], sts["metadata"]["name"]
        ordinal = get_ordinal(set_name, name)
        if ordinal < 0:
            self._fail(f"pod {name} is not named <set>-<ordinal> for StatefulSet {set_name}")
            return
        labels = pod["metadata"].get("labels") or {}
        if labels.get("statefulset.kubernetes.io/pod-name") != name:
            self._fail(f"pod {name} lacks its statefulset.kubernetes.io/pod-name label")
        ns = pod["metadata"]["namespace"]
        claims = {get_in(v, ("persistentVolumeClaim", "claimName")) for v in pod["spec"].get("volumes") or ()
                  if get_in(v, ("persistentVolumeClaim", "claimName"))}
        wanted = {claim_name(template_name(t), set_name, ordinal) for t in sts["spec"].get("volumeClaimTemplates") or ()}
        if claims != wanted:
            self._fail(f"pod {name} mounts claims {sorted(claims)}, not its own {sorted(wanted)}")
        if sts["spec"].get("podManagementPolicy", "OrderedReady") == "Parallel":
            return
        start = int(get_in(sts, ("spec", "ordinals", "start"), 0) or 0)
        for lower in range(start, ordinal):
            prev = self.cluster.store.try_get("Pod", f"{set_name}-{lower}", ns)
            if prev is None or not is_running_and_ready(prev) or is_terminating(prev):
                self._fail(f"{name} was created while its predecessor {set_name}-{lower} was not Running and Ready")
                return

    def _on_pod_deleted(self, pod_name: str, set_name: str, ns: str) -> None:
        sts = self.cluster.store.try_get("StatefulSet", set_name, ns)
        if sts is None or sts["spec"].get("podManagementPolicy", "OrderedReady") == "Parallel":
            return
        ordinal = get_ordinal(set_name, pod_name)
        start = int(get_in(sts, ("spec", "ordinals", "start"), 0) or 0)
        if ordinal < start + int(sts["spec"]["replicas"]):
            return   # an update or a failed pod, not a scale-down
        for pod in self.cluster.store.list("Pod", ns):
            if get_ordinal(set_name, pod["metadata"]["name"]) > ordinal and self._owner(pod) is not None:
                self._fail(f"scale-down deleted {pod_name} while {pod['metadata']['name']} still existed")
                return
