"""A pod's DNS configuration as the kubelet computes it (pkg/kubelet/network/dns). Pure.

``dnsPolicy`` ClusterFirst (the default, and ClusterFirstWithHostNet) gives the cluster DNS
Service as name server, the search list ``<ns>.svc.<zone> svc.<zone> <zone>`` and ``ndots:5``;
``None`` starts empty. ``dnsConfig`` is then merged in: name servers and search domains appended
without duplicates (at most 3 name servers and 32 search domains), options by name (a pod's
``ndots: "2"`` replaces ``ndots:5``). ``Default`` (the node's own resolv.conf) is not modelled:
it falls back to ClusterFirst (docs/not-simulated.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import simk8s.api.meta as meta

__all__ = ["PodDns", "pod_dns"]

_MAX_NAMESERVERS = 3
_MAX_SEARCHES = 32


@dataclass(frozen=True)
class PodDns:
    nameservers: tuple[str, ...]
    searches: tuple[str, ...]
    options: tuple[str, ...]

    @property
    def ndots(self) -> int:
        for op in self.options:
            if op.startswith("ndots:") and op[6:].isdigit():
                return min(int(op[6:]), 15)
        return 1  # the resolver's own default

    def resolv_conf(self) -> str:
        """The file containerd writes from it."""
        text = f"search {' '.join(self.searches)}\n" if self.searches else ""
        text += "".join(f"nameserver {ns}\n" for ns in self.nameservers)
        return text + (f"options {' '.join(self.options)}\n" if self.options else "")


def _unique(items: list[str]) -> list[str]:
    out: list[str] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


def pod_dns(pod: Mapping[str, Any], cluster_dns: str, zone: str) -> PodDns:
    """The DNS settings the kubelet hands the runtime for ``pod``."""
    spec = pod.get("spec") or {}
    ns = meta.namespace(pod, "default")
    if spec.get("dnsPolicy") == "None":
        servers: list[str] = []
        searches: list[str] = []
        options: dict[str, str] = {}
    else:
        servers, searches, options = [cluster_dns], [f"{ns}.svc.{zone}", f"svc.{zone}", zone], {"ndots": "5"}
    config = spec.get("dnsConfig") or {}
    servers = _unique(servers + [str(s) for s in config.get("nameservers") or ()])[:_MAX_NAMESERVERS]
    searches = _unique(searches + [str(s) for s in config.get("searches") or ()])[:_MAX_SEARCHES]
    for op in config.get("options") or ():
        if op.get("name"):
            options[str(op["name"])] = str(op.get("value") or "")
    # Go ranges over a map here, so upstream's order is random; the simulation keeps the first
    # option where it was and appends the pod's new ones in order.
    rendered = tuple(f"{k}:{v}" if v else k for k, v in options.items())
    return PodDns(tuple(servers), tuple(searches), rendered)
