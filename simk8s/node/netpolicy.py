"""NetworkPolicy enforcement in the simulated pod network, as a policy-enforcing CNI does it.

:func:`verdict` judges one connection against the cluster's current NetworkPolicies and
Namespaces with :func:`simk8s.logic.netpol.evaluate`; :mod:`simk8s.node.network` asks it before
delivering a packet (after a Service's DNAT, so the backend pod and its target port are judged)
and drops what it denies. DNS traffic goes to CoreDNS, whose pods the simulator does not run:
it is judged against a stand-in endpoint with CoreDNS's labels (``k8s-app: kube-dns``), named
ports (``dns`` 53/UDP, ``dns-tcp`` 53/TCP, ``metrics`` 9153/TCP) and namespace (kube-system), so
the classic gotcha holds: a default-deny egress policy blocks name resolution until an egress
rule allows port 53 to it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from simk8s.api.frozen import get_in
from simk8s.logic.netpol import Endpoint, Verdict, endpoint_for_ip, endpoint_for_pod, evaluate

if TYPE_CHECKING:
    from simk8s.core import Core

__all__ = ["DNS_LABELS", "coredns_endpoint", "dns_verdict", "endpoint_at", "is_address", "policy_state", "verdict"]

DNS_LABELS = {"k8s-app": "kube-dns"}
_DNS_PORTS = {"dns": (53, "UDP"), "dns-tcp": (53, "TCP"), "metrics": (9153, "TCP")}


def policy_state(core: Core) -> tuple[list[Any], dict[str, Mapping[str, str]]]:
    """The policies of all namespaces and each namespace's labels (cached until either changes)."""
    s = core.store
    version = (s.kind_version("NetworkPolicy"), s.kind_version("Namespace"))
    cached = core.netpol_cache
    if cached is not None and cached[0] == version:
        return cached[1]
    namespaces: dict[str, Mapping[str, str]] = {
        ns["metadata"]["name"]: dict(ns["metadata"].get("labels") or {}) for ns in s.list("Namespace")}
    state: tuple[list[Any], dict[str, Mapping[str, str]]] = (list(s.list("NetworkPolicy", None)), namespaces)
    core.netpol_cache = (version, state)
    return state


def coredns_endpoint(core: Core) -> Endpoint:
    """Where the cluster DNS answers from: a CoreDNS pod in kube-system on the control plane's range."""
    cp = next((n.name for n in core.topology.nodes if n.control_plane), None)
    cidr = core.pod_cidrs.get(cp or "") or next(iter(core.pod_cidrs.values()), None)
    ip = str(ipaddress.ip_network(str(cidr))[2]) if cidr is not None else ""
    return Endpoint(ip, "kube-system", "coredns", DNS_LABELS, _DNS_PORTS)


def endpoint_at(core: Core, target: Any) -> Endpoint:
    """A pod object, a pod's name as ``ns/name``, or an IP (a pod's, the cluster DNS's, else an
    address outside the pod network)."""
    if isinstance(target, Mapping):
        return endpoint_for_pod(target)
    text = str(target)
    if text == core.topology.dns_ip:
        return coredns_endpoint(core)  # kube-proxy sends it on to CoreDNS
    if "/" in text and not is_address(text):
        ns, _, name = text.partition("/")
        return endpoint_for_pod(core.store.get("Pod", name, ns))
    for p in core.store.list("Pod", None):
        if get_in(p, ("status", "podIP")) == text and not p["metadata"].get("deletionTimestamp"):
            return endpoint_for_pod(p)
    return endpoint_for_ip(text)


def is_address(text: str) -> bool:
    """An IP address or CIDR (as opposed to a pod reference)."""
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def verdict(core: Core, src: Any, dst: Any, port: int, protocol: str = "TCP") -> Verdict:
    """The verdict on ``src`` connecting to ``dst`` (pod objects, ``ns/name`` or IPs)."""
    policies, namespaces = policy_state(core)
    return evaluate(policies, namespaces, endpoint_at(core, src), endpoint_at(core, dst), int(port), protocol)


def dns_verdict(core: Core, src: Any, protocol: str = "UDP") -> Verdict:
    """May ``src`` ask the cluster DNS (port 53 of CoreDNS)?"""
    policies, namespaces = policy_state(core)
    return evaluate(policies, namespaces, endpoint_at(core, src), coredns_endpoint(core), 53, protocol)
