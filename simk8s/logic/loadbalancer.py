"""Service load balancers as a MetalLB-style layer-2 controller provides them on a bare-metal cluster.

Decisions only (pure): which pool address a ``type: LoadBalancer`` Service gets, which node answers
for it, and which Service (and node restriction) a packet to a LoadBalancer address or to a node's
``IP:nodePort`` reaches, as kube-proxy forwards it.

- A pool is a list of entries, each a CIDR (``192.168.10.240/28``, every address in it) or a range
  (``192.168.10.240-192.168.10.250``), MetalLB's IPAddressPool syntax. The lowest free address
  is handed out; ``spec.loadBalancerIP`` (or the ``metallb.universe.tf/loadBalancerIPs``
  annotation) asks for a given one. Services with a ``loadBalancerClass`` belong to another
  implementation and are left alone.
- The announcing node is MetalLB's layer-2 election: among the candidate nodes (Ready, not
  labelled ``node.kubernetes.io/exclude-from-external-load-balancers``, and with
  ``externalTrafficPolicy: Local`` only those with a ready endpoint of the Service), the one whose
  ``sha256(node + "#" + ip)`` sorts first.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.frozen import get_in

__all__ = ["EXCLUDE_LABEL", "IP_ANNOTATION", "announcer", "handled", "ingress_ips", "node_frontend",
           "parse_pool", "pick_address", "requested_ips"]

EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
IP_ANNOTATION = "metallb.universe.tf/loadBalancerIPs"

Obj = Mapping[str, Any]


def parse_pool(entries: Iterable[str]) -> list[str]:
    """Every address of the pool, in order; ValueError names a malformed entry."""
    out: list[str] = []
    for entry in entries:
        text = entry.strip()
        try:
            if "-" in text:
                lo_text, hi_text = (t.strip() for t in text.split("-", 1))
                lo, hi = ipaddress.ip_address(lo_text), ipaddress.ip_address(hi_text)
                if lo.version != hi.version or int(hi) < int(lo):
                    raise ValueError
                out.extend(str(ipaddress.ip_address(n)) for n in range(int(lo), int(hi) + 1))
            else:
                out.extend(str(ip) for ip in ipaddress.ip_network(text, strict=False))
        except ValueError:
            raise ValueError(f"invalid address pool entry {entry!r}: want a CIDR or a range a.b.c.d-e.f.g.h") \
                from None
    return out


def handled(svc: Obj) -> bool:
    """A Service this controller serves: type LoadBalancer without another implementation's class."""
    spec = svc.get("spec") or {}
    return spec.get("type") == "LoadBalancer" and not spec.get("loadBalancerClass")


def ingress_ips(svc: Obj) -> list[str]:
    return [str(i["ip"]) for i in get_in(svc, ("status", "loadBalancer", "ingress"), ()) or () if i.get("ip")]


def requested_ips(svc: Obj) -> list[str]:
    annotation = meta.annotations(svc).get(IP_ANNOTATION, "")
    if annotation:
        return [ip.strip() for ip in annotation.split(",") if ip.strip()]
    ip = (svc.get("spec") or {}).get("loadBalancerIP")
    return [str(ip)] if ip else []


def pick_address(svc: Obj, pool: Sequence[str], used: Mapping[str, str]) -> tuple[str | None, str | None]:
    """(address, None) for ``svc`` given the addresses other Services hold (address -> "ns/name"),
    or (None, why not) in MetalLB's wording. A Service keeps the address it has while it is still
    in the pool."""
    name = f"{svc['metadata'].get('namespace', '')}/{svc['metadata']['name']}"
    wanted = requested_ips(svc)
    if wanted:
        ip = wanted[0]
        if ip not in pool:
            return None, f'Failed to allocate IP for "{name}": ["{ip}"] is not allowed in config'
        if ip in used:
            return None, (f'Failed to allocate IP for "{name}": can\'t change sharing key for "{name}", '
                          f"address also in use by {used[ip]}")
        return ip, None
    for ip in ingress_ips(svc):
        if ip in pool and ip not in used:
            return ip, None
    free = next((ip for ip in pool if ip not in used), None)
    if free is None:
        return None, f'Failed to allocate IP for "{name}": no available IPs'
    return free, None


def _ready(node: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in get_in(node, ("status", "conditions"), ()) or ())


def _local_endpoint_nodes(svc: Obj, slices: Iterable[Obj]) -> set[str]:
    out: set[str] = set()
    for sl in slices:
        for ep in sl.get("endpoints") or ():
            if get_in(ep, ("conditions", "ready")) and ep.get("nodeName"):
                out.add(str(ep["nodeName"]))
    return out


def announcer(svc: Obj, nodes: Iterable[Obj], slices: Iterable[Obj]) -> str | None:
    """The node that answers ARP for the Service's address (layer-2 election), or None."""
    ips = ingress_ips(svc)
    if not ips:
        return None
    candidates = [n["metadata"]["name"] for n in nodes
                  if _ready(n) and EXCLUDE_LABEL not in (n["metadata"].get("labels") or {})]
    if (svc.get("spec") or {}).get("externalTrafficPolicy") == "Local":
        local = _local_endpoint_nodes(svc, slices)
        candidates = [n for n in candidates if n in local]
    if not candidates:
        return None
    return min(candidates, key=lambda n: hashlib.sha256(f"{n}#{ips[0]}".encode()).digest())


def node_frontend(services: Iterable[Obj], port: int) -> tuple[Obj, Obj] | None:
    """The Service and service port behind ``<any node IP>:port`` (a nodePort), or None."""
    for svc in services:
        for p in (svc.get("spec") or {}).get("ports") or ():
            if p.get("nodePort") == port and p.get("protocol", "TCP") == "TCP":
                return svc, p
    return None
