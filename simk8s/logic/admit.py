"""The kubelet's admission of a pod bound to its node (pkg/kubelet/lifecycle/predicate.go). Pure.

A pod whose ``nodeName`` was set without the scheduler (or placed on a node that changed since)
can land where it cannot run. Before starting it the kubelet runs the scheduler's
``AdmissionCheck`` over the pods it already admitted: resources (pods, cpu, memory,
ephemeral-storage), node affinity and selector, node name, host ports; then the node's
``NoExecute`` taints. The first failure rejects the pod: phase Failed with the predicate's reason
(``OutOfcpu``, ``NodeAffinity``, ``NodePorts``, ``TaintToleration``...) and message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from simk8s.api.quantity import parse_quantity
from simk8s.logic.hostports import NODE_PORTS, ports_conflict
from simk8s.logic.scheduling import NODE_AFFINITY, NODE_NAME, tolerates
from simk8s.logic.volumes import node_affinity_matches

__all__ = ["NODE_PORTS", "TAINTS", "admit", "rejected_status"]

Obj = Mapping[str, Any]

TAINTS = "node(s) had taints that the pod didn't tolerate"
_RESOURCES = (("cpu", "OutOfcpu"), ("memory", "OutOfmemory"), ("ephemeral-storage", "OutOfephemeral-storage"))


def _requests(pod: Obj) -> dict[str, int]:
    """The pod's requests as the scheduler's framework counts them: cpu in millicores, the rest
    in units; init containers as their maximum."""
    total: dict[str, int] = {}
    spec = pod.get("spec") or {}
    for key, combine in (("containers", lambda a, b: a + b), ("initContainers", max)):
        for c in spec.get(key) or ():
            for name, value in ((c.get("resources") or {}).get("requests") or {}).items():
                q = parse_quantity(value)
                amount = int(-(-q * 1000 // 1)) if name == "cpu" else int(-(-q // 1))
                total[name] = combine(total.get(name, 0), amount)
    return total


def _allocatable(node: Obj, name: str) -> int:
    raw = ((node.get("status") or {}).get("allocatable") or {}).get(name)
    if raw is None:
        return 0
    q = parse_quantity(raw)
    return int(q * 1000) if name == "cpu" else int(q)


def admit(pod: Obj, node: Obj, others: Sequence[Obj]) -> tuple[str, str] | None:
    """None when the kubelet admits ``pod`` to ``node`` next to the admitted ``others``; else its
    (reason, message) for the first failed check, in the kubelet's order."""
    reasons: list[tuple[str, str]] = []
    pods_allowed = _allocatable(node, "pods")
    if len(others) + 1 > pods_allowed:
        reasons.append(("OutOfpods", f"Node didn't have enough resource: pods, requested: 1, used: {len(others)}, "
                                     f"capacity: {pods_allowed}"))
    want = _requests(pod)
    if any(want.values()):
        used: dict[str, int] = {}
        for other in others:
            for name, amount in _requests(other).items():
                used[name] = used.get(name, 0) + amount
        for name, reason in _RESOURCES:
            capacity = _allocatable(node, name)
            if want.get(name, 0) > 0 and want[name] > capacity - used.get(name, 0):
                reasons.append((reason, f"Node didn't have enough resource: {name}, requested: {want[name]}, "
                                        f"used: {used.get(name, 0)}, capacity: {capacity}"))
    spec = pod.get("spec") or {}
    labels = node["metadata"].get("labels") or {}
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution")) or {}).get("nodeSelectorTerms")
    if any(labels.get(k) != v for k, v in (spec.get("nodeSelector") or {}).items()) or (
            terms and not node_affinity_matches(terms, node)):
        reasons.append(("NodeAffinity", f"Predicate NodeAffinity failed: {NODE_AFFINITY}"))
    if spec.get("nodeName") and spec["nodeName"] != node["metadata"]["name"]:
        reasons.append(("NodeName", f"Predicate NodeName failed: {NODE_NAME}"))
    if ports_conflict(pod, others):
        reasons.append(("NodePorts", f"Predicate NodePorts failed: {NODE_PORTS}"))
    tolerations = spec.get("tolerations") or ()
    if any(t.get("effect") == "NoExecute" and not tolerates(tolerations, t)
           for t in (node.get("spec") or {}).get("taints") or ()):
        reasons.append(("TaintToleration", f"Predicate TaintToleration failed: {TAINTS}"))
    return reasons[0] if reasons else None


def rejected_status(pod: Obj, reason: str, message: str, now: str) -> dict[str, Any]:
    """The status the kubelet's status manager writes for a rejected pod: Failed, the reason, the
    message after ``Pod was rejected: ``; conditions it does not own (PodScheduled) stay."""
    old = pod.get("status") or {}
    status: dict[str, Any] = {}
    kept = [c for c in old.get("conditions") or () if c.get("type") == "PodScheduled"]
    if kept:
        status["conditions"] = kept
    status.update({"message": f"Pod was rejected: {message}", "phase": "Failed",
                   "qosClass": old.get("qosClass", "BestEffort"), "reason": reason,
                   "startTime": old.get("startTime") or now})
    return status
