"""Node objects and the node lifecycle controller's decisions, as kubelet and controller-manager make them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from simk8s.api.frozen import thaw

__all__ = ["mark_ready", "mark_unreachable", "new_node", "noexecute_eviction_due",
           "pod_ready_false_for_unreachable_node"]

UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"

_PRESSURE = (
    ("MemoryPressure", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    ("DiskPressure", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    ("PIDPressure", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
)


def _conditions(now: str, ready: str, reason: str, message: str) -> list[dict[str, Any]]:
    out = [{"lastHeartbeatTime": now, "lastTransitionTime": now, "message": m, "reason": r,
            "status": "False" if ready != "Unknown" else "Unknown", "type": t} for t, r, m in _PRESSURE]
    if ready == "Unknown":
        for c in out:
            c["reason"] = "NodeStatusUnknown"
            c["message"] = "Kubelet stopped posting node status."
    out.append({"lastHeartbeatTime": now, "lastTransitionTime": now, "message": message, "reason": reason,
                "status": ready, "type": "Ready"})
    return out


def new_node(name: str, *, control_plane: bool = False, cpu: str = "2", memory: str = "4Gi", pods: int = 110,
             zone: str | None = None, kubelet_version: str = "v1.32.0", internal_ip: str = "192.168.10.100",
             pod_cidr: str | None = None, now_iso: str = "") -> dict[str, Any]:
    """A Node as a freshly joined kubeadm node registers itself."""
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    if control_plane:
        labels["node-role.kubernetes.io/control-plane"] = ""
        labels["node.kubernetes.io/exclude-from-external-load-balancers"] = ""
    if zone:
        labels["topology.kubernetes.io/zone"] = zone
    spec: dict[str, Any] = {}
    if pod_cidr:
        spec["podCIDR"] = pod_cidr
        spec["podCIDRs"] = [pod_cidr]
    if control_plane:
        spec["taints"] = [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    capacity = {"cpu": cpu, "ephemeral-storage": "61202244Ki", "hugepages-2Mi": "0", "memory": memory,
                "pods": str(pods)}
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": labels,
                     "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                     "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": spec,
        "status": {
            "addresses": [{"address": internal_ip, "type": "InternalIP"}, {"address": name, "type": "Hostname"}],
            "allocatable": dict(capacity),
            "capacity": capacity,
            "conditions": _conditions(now_iso, "True", "KubeletReady", "kubelet is posting ready status"),
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": {"architecture": "amd64", "bootID": "", "containerRuntimeVersion": "containerd://1.7.22",
                         "kernelVersion": "5.15.0-119-generic", "kubeProxyVersion": kubelet_version,
                         "kubeletVersion": kubelet_version, "machineID": "", "operatingSystem": "linux",
                         "osImage": "Ubuntu 22.04.4 LTS", "systemUUID": ""},
        },
    }


def mark_unreachable(node: Mapping[str, Any], now_iso: str) -> dict[str, Any]:
    """The node lifecycle controller's view of a node whose kubelet went silent."""
    body = thaw(node)
    body["status"]["conditions"] = [
        {**c, "status": "Unknown", "reason": "NodeStatusUnknown", "message": "Kubelet stopped posting node status.",
         "lastTransitionTime": now_iso} for c in body["status"].get("conditions", [])]
    taints = [t for t in body["spec"].get("taints", []) if t.get("key") not in (UNREACHABLE, NOT_READY)]
    taints += [{"effect": "NoSchedule", "key": UNREACHABLE, "timeAdded": now_iso},
               {"effect": "NoExecute", "key": UNREACHABLE, "timeAdded": now_iso}]
    body["spec"]["taints"] = taints
    return body


def mark_ready(node: Mapping[str, Any], now_iso: str) -> dict[str, Any]:
    body = thaw(node)
    body["status"]["conditions"] = _conditions(now_iso, "True", "KubeletReady", "kubelet is posting ready status")
    return body


def pod_ready_false_for_unreachable_node(pod: Mapping[str, Any], now_iso: str) -> dict[str, Any]:
    """MarkPodsNotReady: the Ready condition goes False when the node is lost."""
    body = thaw(pod)
    for c in body.get("status", {}).get("conditions", []):
        if c.get("type") == "Ready" and c.get("status") != "False":
            c["status"] = "False"
            c["lastTransitionTime"] = now_iso
            c["lastProbeTime"] = None
    return body


def noexecute_eviction_due(pod: Mapping[str, Any], node: Mapping[str, Any], now: float) -> float | None:
    """Seconds after the NoExecute taints until the taint manager evicts ``pod``; None if tolerated forever."""
    taints = [t for t in (node.get("spec") or {}).get("taints") or () if t.get("effect") == "NoExecute"]
    if not taints:
        return None
    seconds: list[float] = []
    for taint in taints:
        tol = next((t for t in (pod.get("spec") or {}).get("tolerations") or ()
                    if _tolerates(t, taint)), None)
        if tol is None:
            return 0.0
        if tol.get("tolerationSeconds") is not None:
            seconds.append(max(0.0, float(tol["tolerationSeconds"])))
    return min(seconds) if seconds else None


def _tolerates(t: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    if t.get("effect") not in (None, "", taint.get("effect")):
        return False
    if t.get("operator") == "Exists":
        return not t.get("key") or t.get("key") == taint.get("key")
    return t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or "")
