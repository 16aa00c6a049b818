"""Pod status as the kubelet writes it: conditions, container states, phase. Pure functions.

The kubelet controller decides *when* (virtual time); these functions decide *what* the status
looks like at each step, in the field order and wording of kubelet 1.32.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = [
    "container_names",
    "creating_status",
    "phase_for",
    "ready_conditions",
    "set_condition",
    "unready_reason",
]

CONDITION_ORDER = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled",
                   "DisruptionTarget")


def container_names(pod: Mapping[str, Any]) -> list[str]:
    return [c["name"] for c in pod["spec"].get("containers", [])]


def set_condition(conditions: Sequence[Mapping[str, Any]], ctype: str, status: str, now: str, *,
                  reason: str | None = None, message: str | None = None) -> list[Mapping[str, Any]]:
    """Conditions with ``ctype`` set; lastTransitionTime moves only when the status changes."""
    out: list[Mapping[str, Any]] = []
    found = False
    for c in conditions:
        if c.get("type") != ctype:
            out.append(c)  # shared, not copied: conditions are replaced, never changed in place
            continue
        found = True
        new: dict[str, Any] = {"lastProbeTime": None,
                               "lastTransitionTime": c.get("lastTransitionTime") if c.get("status") == status
                               else now}
        if message:
            new["message"] = message
        if reason:
            new["reason"] = reason
        new["status"] = status
        new["type"] = ctype
        out.append(new)
    if not found:
        new = {"lastProbeTime": None, "lastTransitionTime": now}
        if message:
            new["message"] = message
        if reason:
            new["reason"] = reason
        new.update({"status": status, "type": ctype})
        out.append(new)
    rank = {t: i for i, t in enumerate(CONDITION_ORDER)}
    return sorted(out, key=lambda c: rank.get(c.get("type", ""), len(rank)))


def unready_reason(not_ready: Sequence[str]) -> tuple[str, str]:
    return "ContainersNotReady", f"containers with unready status: [{' '.join(not_ready)}]"


def ready_conditions(conditions: Sequence[Mapping[str, Any]], not_ready: Sequence[str], now: str
                     ) -> list[Mapping[str, Any]]:
    """Ready and ContainersReady from the names of the containers that are not ready."""
    if not_ready:
        reason, message = unready_reason(not_ready)
        out = set_condition(conditions, "Ready", "False", now, reason=reason, message=message)
        return set_condition(out, "ContainersReady", "False", now, reason=reason, message=message)
    out = set_condition(conditions, "Ready", "True", now)
    return set_condition(out, "ContainersReady", "True", now)


def waiting_status(container: Mapping[str, Any], reason: str, message: str | None = None,
                   restart_count: int = 0, last_state: Mapping[str, Any] | None = None) -> dict[str, Any]:
    waiting: dict[str, Any] = {"reason": reason}
    if message:
        waiting = {"message": message, "reason": reason}
    return {
        "image": container.get("image", ""),
        "imageID": "",
        "lastState": dict(last_state or {}),
        "name": container["name"],
        "ready": False,
        "restartCount": restart_count,
        "started": False,
        "state": {"waiting": waiting},
    }


def creating_status(pod: Mapping[str, Any], host_ip: str, now: str) -> dict[str, Any]:
    """The kubelet's first status for a pod it admitted: Pending, containers ContainerCreating."""
    names = container_names(pod)
    conditions: list[Mapping[str, Any]] = list(pod.get("status", {}).get("conditions") or [])
    conditions = set_condition(conditions, "PodReadyToStartContainers", "False", now)
    conditions = set_condition(conditions, "Initialized", "True", now)
    conditions = ready_conditions(conditions, names, now)
    conditions = set_condition(conditions, "PodScheduled", "True", now)
    status: dict[str, Any] = {
        "conditions": conditions,
        "containerStatuses": [waiting_status(c, "ContainerCreating") for c in pod["spec"]["containers"]],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "phase": "Pending",
        "qosClass": pod.get("status", {}).get("qosClass", "BestEffort"),
        "startTime": now,
    }
    return status


def phase_for(pod: Mapping[str, Any], statuses: Sequence[Mapping[str, Any]], terminal: bool) -> str:
    """The pod phase from container states (kubelet getPhase, 1.27+ terminal-phase rules)."""
    running = sum(1 for s in statuses if "running" in s.get("state", {}))
    waiting = sum(1 for s in statuses if "waiting" in s.get("state", {}))
    terminated = [s for s in statuses if "terminated" in s.get("state", {})]
    succeeded = sum(1 for s in terminated if s["state"]["terminated"].get("exitCode") == 0)
    policy = pod["spec"].get("restartPolicy", "Always")
    if waiting and not running and not terminated:
        return "Pending"
    if running:
        return "Running"
    if terminated and not waiting:
        if terminal:
            return "Succeeded" if succeeded == len(terminated) else "Failed"
        if policy == "Always":
            return "Running"
        if policy == "OnFailure" and succeeded < len(terminated):
            return "Running"
        return "Succeeded" if succeeded == len(terminated) else "Failed"
    return "Running" if policy == "Always" else "Pending"
