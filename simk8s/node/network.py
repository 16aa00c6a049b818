"""The cluster network as pods see it: DNS through the cluster resolver, and HTTP to pod and Service IPs.

``dns_snapshot(core)`` (:mod:`simk8s.dns.view`) gives the state CoreDNS answers from; ``query``
answers one question in-process with the same bytes a real client would get from ``simk8s dns``.
``http`` delivers a request to the pod behind an IP (a Service ClusterIP picks one ready endpoint, as kube-proxy does); ``connect`` opens a TCP
connection. Both judge the connection against the NetworkPolicies after the Service's DNAT
(:mod:`simk8s.node.netpolicy`) and answer ``DROPPED`` when a policy denies it: the client times out.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from dnslib import QTYPE, DNSRecord

import simk8s.logic.loadbalancer as loadbalancer
import simk8s.node.netpolicy as netpolicy
from simk8s.api.frozen import get_in
from simk8s.dns.resolver import ClusterResolver
from simk8s.dns.view import dns_snapshot
from simk8s.logic.dnsconfig import pod_dns
from simk8s.node.shell.timeouts import DROPPED, Dropped
from simk8s.node.tools import ResolvConf

if TYPE_CHECKING:
    from simk8s.core import Core

__all__ = ["connect", "dns_allowed", "dns_snapshot", "http", "pod_by_ip", "query", "resolv_conf", "resolve",
           "route"]

def query(core: Core, qname: str, qtype: int | str) -> Any:
    """A dnslib reply record for one question, exactly as the cluster DNS server would send it."""
    code = getattr(QTYPE, qtype) if isinstance(qtype, str) else qtype
    resolver = core.dns_resolver
    if resolver is None:
        resolver = ClusterResolver(lambda: dns_snapshot(core))
        core.dns_resolver = resolver
    request = DNSRecord.question(qname, QTYPE[code])
    request.header.id = 0
    wire = resolver.handle_wire(request.pack(), "udp")
    return DNSRecord.parse(wire)


def resolv_conf(core: Core, namespace: str, pod: Any = None) -> Any:
    """The resolver settings of a pod in ``namespace`` (``pod``'s own dnsPolicy and dnsConfig when
    given, see :mod:`simk8s.logic.dnsconfig`)."""
    zone = core.topology.zone
    if pod is None:
        return ResolvConf(search=[f"{namespace}.svc.{zone}", f"svc.{zone}", zone],
                          nameserver=core.topology.dns_ip, ndots=5)
    dns = pod_dns(pod, core.topology.dns_ip, zone)
    return ResolvConf(search=list(dns.searches), nameserver=(dns.nameservers or (core.topology.dns_ip,))[0],
                      ndots=dns.ndots)


def resolve(core: Core, name: str, qtype: str = "A", from_pod: str | None = None,
            namespace: str = "default") -> list[str]:
    """Answer data (IPs, SRV lines, PTR targets) for ``name``, walking the pod's search list."""
    ns = namespace
    pod = None
    if from_pod is not None:
        pod = core.store.get("Pod", from_pod, namespace)
        ns = pod["metadata"]["namespace"]
    conf = resolv_conf(core, ns, pod)
    candidates = [name] if name.endswith(".") else (
        [f"{name}.{d}" for d in conf.search] + [name] if name.count(".") < conf.ndots else
        [name] + [f"{name}.{d}" for d in conf.search])
    for cand in candidates:
        reply = query(core, cand.rstrip("."), qtype)
        if reply.header.rcode == 0 and reply.rr:
            return [str(rr.rdata) for rr in reply.rr if rr.rtype == reply.q.qtype]
    return []


def pod_by_ip(core: Core, ip: str) -> Any:
    for p in core.store.list("Pod", None):
        if get_in(p, ("status", "podIP")) == ip and not p["metadata"].get("deletionTimestamp"):
            return p
    return None


def _slices(core: Core, svc: Any) -> list[Any]:
    ns, name = svc["metadata"]["namespace"], svc["metadata"]["name"]
    return list(core.store.list("EndpointSlice", ns, where=lambda s: (
        s["metadata"].get("labels") or {}).get("kubernetes.io/service-name") == name))


def _pick(core: Core, svc: Any, port: int, on_node: str | None = None) -> tuple[Any, int] | None:
    """One ready endpoint of ``svc``'s ``port`` (only those on ``on_node`` when given), as kube-proxy picks."""
    sport = next((p for p in svc["spec"].get("ports") or () if p.get("port") == port), None)
    if sport is None:
        return None
    backends = []
    for sl in _slices(core, svc):
        for ep in sl.get("endpoints") or ():
            if get_in(ep, ("conditions", "ready")) and (on_node is None or ep.get("nodeName") == on_node):
                target = next((p["port"] for p in sl.get("ports") or () if p.get("name", "") == sport.get("name", "")),
                              None)
                if target is not None:
                    backends.append((ep["addresses"][0], target))
    if not backends:
        return None
    ip, target = core.ip_rng.choice(sorted(backends))
    return pod_by_ip(core, ip), int(target)


def _frontend(core: Core, ip: str, port: int) -> tuple[Any, int, str | None] | Dropped | None:
    """Where kube-proxy sends a packet for ``ip:port``: (Service, service port, the node its
    endpoints must be on or None) for a ClusterIP, a load-balancer address (through the node that
    announces it) or a node's ``IP:nodePort``; DROPPED when such an address has nobody to answer
    (its node is down, no node announces it); None when it is no Service address (or, on a node
    IP, no node port: the connection is refused)."""
    services = core.store.list("Service", None)
    for svc in services:
        if svc["spec"].get("clusterIP") == ip:
            return svc, port, None
    for svc in services:
        if loadbalancer.handled(svc) and ip in loadbalancer.ingress_ips(svc):
            speaker = loadbalancer.announcer(svc, core.store.list("Node"), _slices(core, svc))
            kubelet = core.kubelet(speaker) if speaker else None
            if kubelet is None or not kubelet.alive:
                return DROPPED
            local = svc["spec"].get("externalTrafficPolicy") == "Local"
            return svc, port, speaker if local else None
    node = next((n for n in core.store.list("Node") if any(
        a.get("address") == ip for a in get_in(n, ("status", "addresses"), ()) or ())), None)
    if node is None:
        return None
    name = node["metadata"]["name"]
    kubelet = core.kubelet(name)
    if kubelet is None or not kubelet.alive:
        return DROPPED
    found = loadbalancer.node_frontend(services, port)
    if found is None:
        return None
    target, sport = found
    local = target["spec"].get("externalTrafficPolicy") == "Local"
    return target, int(sport["port"]), name if local else None


def dns_allowed(core: Core, src: Any, protocol: str = "UDP") -> bool:
    """May pod ``src`` reach the cluster DNS? (Without a pod, as from a node, always.)"""
    return src is None or netpolicy.dns_verdict(core, src, protocol).allowed


def _route(core: Core, src: Any, host_ip: str, port: int) -> tuple[Any, int] | Dropped | None:
    """The pod and port a connection to ``host_ip:port`` lands on (after a Service's DNAT), DROPPED
    when a NetworkPolicy denies it, None when it is refused (no such pod, no ready endpoint)."""
    target = None
    tport = port
    if host_ip in ("127.0.0.1", "::1"):
        target = src
    else:
        front = _frontend(core, host_ip, port)
        if isinstance(front, Dropped):
            return front
        if front is not None:
            svc, sport, on_node = front
            picked = _pick(core, svc, sport, on_node)
            if picked is None:
                # kube-proxy rejects a Service with no endpoints; with externalTrafficPolicy Local
                # it drops what reaches a node without a local one.
                return DROPPED if on_node is not None else None
            target, tport = picked
        else:
            try:
                ipaddress.ip_address(host_ip)
            except ValueError:
                return None
            target = pod_by_ip(core, host_ip)
    if target is None:
        return None
    if src is not None and host_ip not in ("127.0.0.1", "::1"):
        # The client's current labels decide (the object a shell holds may predate a relabel).
        meta = src["metadata"]
        current = core.store.try_get("Pod", meta["name"], meta.get("namespace", "default")) or src
        if not netpolicy.verdict(core, current, target, tport).allowed:
            return DROPPED
    return target, tport


def route(core: Core, src: Any, host_ip: str, port: int) -> tuple[Any, int] | Dropped | None:
    """Where a TCP connection from pod ``src`` to ``host_ip:port`` lands: (pod, port) after a
    Service's DNAT, DROPPED by a NetworkPolicy, or None when refused."""
    return _route(core, src, host_ip, port)


def connect(core: Core, src: Any, host_ip: str, port: int) -> bool | Dropped | None:
    """Open a TCP connection: True when something listens there, DROPPED, or None (refused)."""
    routed = _route(core, src, host_ip, port)
    if routed is None or isinstance(routed, Dropped):
        return routed
    target, tport = routed
    kubelet = core.kubelet(get_in(target, ("spec", "nodeName")))
    if kubelet is None or not kubelet.alive:
        return None
    return True if kubelet.runtime.listening(target, tport) else None


def http(core: Core, src: Any, host_ip: str, port: int, method: str, path: str) -> Any:
    """Deliver an HTTP request; ``None`` means the connection was refused or nobody answered,
    ``DROPPED`` that a NetworkPolicy dropped it."""
    routed = _route(core, src, host_ip, port)
    if routed is None or isinstance(routed, Dropped):
        return routed
    target, tport = routed
    node = get_in(target, ("spec", "nodeName"))
    kubelet = core.kubelet(node)
    if kubelet is None or not kubelet.alive:
        return None
    loopback = host_ip in ("127.0.0.1", "::1")
    client_ip = host_ip if loopback else (get_in(src, ("status", "podIP")) if src is not None else "127.0.0.1")
    return kubelet.runtime.serve_http(target, tport, method, path, client_ip or "127.0.0.1")
