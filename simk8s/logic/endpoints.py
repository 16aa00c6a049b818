"""Endpoints and EndpointSlices of a Service, computed from its pods as the controllers do.

Pure: ``endpoints_for(service, pods)`` and ``slice_endpoints(service, pods)`` return the desired
content; the controller compares and writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simk8s.api.frozen import freeze
from simk8s.logic.podutil import is_pod_ready

__all__ = [
    "MAX_ENDPOINTS",
    "MAX_SLICE_ENDPOINTS",
    "PodEndpoint",
    "endpoints_subsets",
    "pod_endpoint",
    "service_ports_for_pod",
    "should_set_hostname",
    "slice_content",
]

MAX_ENDPOINTS = 1000
MAX_SLICE_ENDPOINTS = 100


def should_set_hostname(pod: Mapping[str, Any], svc: Mapping[str, Any]) -> bool:
    """An endpoint is named only when the pod's hostname and subdomain point at this Service."""
    spec = pod.get("spec", {})
    return bool(spec.get("hostname")) and spec.get("subdomain") == svc["metadata"]["name"] and \
        pod["metadata"].get("namespace") == svc["metadata"].get("namespace")


def _find_port(pod: Mapping[str, Any], port: Mapping[str, Any]) -> int | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    protocol = port.get("protocol", "TCP")
    for c in pod.get("spec", {}).get("containers") or ():
        for cp in c.get("ports") or ():
            if cp.get("name") == target and cp.get("protocol", "TCP") == protocol:
                return int(cp["containerPort"])
    return None


def service_ports_for_pod(svc: Mapping[str, Any], pod: Mapping[str, Any]) -> list[dict[str, Any]]:
    out = []
    for p in svc["spec"].get("ports") or ():
        port = _find_port(pod, p)
        if port is None:
            continue
        entry: dict[str, Any] = {}
        if p.get("name"):
            entry["name"] = p["name"]
        entry["port"] = port
        entry["protocol"] = p.get("protocol", "TCP")
        if p.get("appProtocol"):
            entry["appProtocol"] = p["appProtocol"]
        out.append(entry)
    return out


def _eligible(pod: Mapping[str, Any]) -> bool:
    return bool(pod.get("status", {}).get("podIP")) and pod.get("status", {}).get("phase") not in (
        "Succeeded", "Failed")


def _target_ref(pod: Mapping[str, Any]) -> dict[str, Any]:
    meta = pod["metadata"]
    return {"kind": "Pod", "name": meta["name"], "namespace": meta["namespace"], "uid": meta["uid"]}


@dataclass(frozen=True)
class PodEndpoint:
    """What one pod contributes to a Service's Endpoints and EndpointSlices.

    The same for as long as the pod and the Service objects are, so a controller may keep it
    between syncs (see :func:`pod_endpoint`).
    """

    ports: Any                  # the pod's service ports (frozen list), and their grouping key
    ports_key: str
    slice_ports: Any            # the same as EndpointSlice ports (``name`` always present)
    address: Any                # v1 EndpointAddress (frozen)
    ready: bool                 # counted in ``addresses`` (else ``notReadyAddresses``)
    terminating: bool
    endpoint: Any               # discovery/v1 Endpoint (frozen)


def pod_endpoint(svc: Mapping[str, Any], pod: Mapping[str, Any]) -> PodEndpoint | None:
    """The pod's entry, or None when it has no IP or has finished."""
    if not _eligible(pod):
        return None
    publish = bool(svc["spec"].get("publishNotReadyAddresses"))
    ports = service_ports_for_pod(svc, pod)
    terminating = bool(pod["metadata"].get("deletionTimestamp"))
    ready = is_pod_ready(pod)
    hostname = should_set_hostname(pod, svc)
    node = pod["spec"].get("nodeName")
    addr: dict[str, Any] = {}
    if hostname:
        addr["hostname"] = pod["spec"]["hostname"]
    addr["ip"] = pod["status"]["podIP"]
    if node:
        addr["nodeName"] = node
    addr["targetRef"] = _target_ref(pod)
    ep: dict[str, Any] = {"addresses": [pod["status"]["podIP"]],
                          "conditions": {"ready": publish or (ready and not terminating),
                                         "serving": ready or publish,
                                         "terminating": terminating}}
    if hostname:
        ep["hostname"] = pod["spec"]["hostname"]
    if node:
        ep["nodeName"] = node
    ep["targetRef"] = _target_ref(pod)
    slice_ports = [p if "name" in p else {**p, "name": ""} for p in ports]
    return PodEndpoint(freeze(ports), repr(ports), freeze(slice_ports), freeze(addr), publish or ready, terminating,
                       freeze(ep))


def _entries(svc: Mapping[str, Any], pods: Sequence[Mapping[str, Any]],
             entries: Sequence[PodEndpoint | None] | None) -> Sequence[PodEndpoint | None]:
    return entries if entries is not None else [pod_endpoint(svc, p) for p in pods]


def endpoints_subsets(svc: Mapping[str, Any], pods: Sequence[Mapping[str, Any]],
                      entries: Sequence[PodEndpoint | None] | None = None) -> list[dict[str, Any]]:
    """``subsets`` of the v1 Endpoints object: addresses grouped by identical port lists.

    ``entries`` (optional): :func:`pod_endpoint` of each pod, already computed.
    """
    publish = bool(svc["spec"].get("publishNotReadyAddresses"))
    has_ports = bool(svc["spec"].get("ports"))
    groups: dict[str, dict[str, Any]] = {}
    count = 0
    for e in _entries(svc, pods, entries):
        if e is None or (e.terminating and not publish) or (has_ports and not e.ports):
            continue
        group = groups.setdefault(e.ports_key, {"addresses": [], "notReadyAddresses": [], "ports": e.ports})
        if count >= MAX_ENDPOINTS:
            break
        count += 1
        group["addresses" if e.ready else "notReadyAddresses"].append(e.address)
    subsets = []
    for group in groups.values():
        subset: dict[str, Any] = {}
        for field in ("addresses", "notReadyAddresses"):
            if group[field]:
                subset[field] = sorted(group[field], key=lambda a: (a["ip"], a["targetRef"]["uid"]))
        if group["ports"]:
            subset["ports"] = group["ports"]
        subsets.append(subset)
    subsets.sort(key=lambda s: repr(s.get("ports")))
    return subsets


def slice_content(svc: Mapping[str, Any], pods: Sequence[Mapping[str, Any]],
                  entries: Sequence[PodEndpoint | None] | None = None) -> list[dict[str, Any]]:
    """The desired slices (``endpoints`` and ``ports`` of each), at most 100 endpoints per slice."""
    by_ports: dict[str, tuple[Any, list[Any]]] = {}
    for e in _entries(svc, pods, entries):
        if e is not None:
            by_ports.setdefault(e.ports_key, (e.slice_ports, []))[1].append(e.endpoint)
    slices: list[dict[str, Any]] = []
    for ports, eps in by_ports.values():
        eps.sort(key=lambda e: e["targetRef"]["name"])
        for i in range(0, len(eps), MAX_SLICE_ENDPOINTS):
            slices.append({"endpoints": eps[i:i + MAX_SLICE_ENDPOINTS], "ports": ports})
    if not slices:
        # A selector that matches nothing still gets one slice, with null endpoints and ports.
        slices.append({"endpoints": None, "ports": None})
    return slices
