"""Host ports (the scheduler's NodePorts filter, which the kubelet's admission runs as well). Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["NODE_PORTS", "host_ports", "ports_conflict"]

NODE_PORTS = "node(s) didn't have free ports for the requested pod ports"


def host_ports(pod: Mapping[str, Any]) -> tuple[tuple[str, str, int], ...]:
    """(hostIP, protocol, hostPort) of every container port the pod asks the node for."""
    return tuple((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", int(p["hostPort"]))
                 for c in (pod.get("spec") or {}).get("containers") or ()
                 for p in c.get("ports") or () if p.get("hostPort"))


def ports_conflict(pod: Mapping[str, Any], others: Sequence[Mapping[str, Any]]) -> bool:
    """True when a host port of ``pod`` is taken by one of ``others`` (same protocol and port, and
    the same address or either one the wildcard)."""
    wanted = host_ports(pod)
    if not wanted:
        return False
    for other in others:
        for uip, uproto, uport in host_ports(other):
            for ip, proto, port in wanted:
                if port == uport and proto == uproto and (ip == uip or "0.0.0.0" in (ip, uip)):
                    return True
    return False
