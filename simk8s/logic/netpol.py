"""NetworkPolicy semantics (networking.k8s.io/v1), as a pure decision with its reasons.

:func:`evaluate` answers "may ``src`` open a connection to ``dst`` on ``port``/``protocol``?" the
way a policy-enforcing CNI does, following the upstream API contract:

- A pod is *isolated for egress* when some policy in its namespace selects it (``podSelector``)
  and lists ``Egress`` in ``policyTypes``; likewise for ingress. A pod that no policy isolates
  in a direction is open in that direction.
- An isolated pod's traffic is allowed when **any** rule of **any** policy isolating it matches
  (rules only add; there is no deny rule). A connection needs both the source's egress and the
  destination's ingress to allow it.
- A peer with ``podSelector`` alone selects pods in the policy's namespace; ``namespaceSelector``
  alone selects every pod of the matching namespaces; both together select the matching pods of
  the matching namespaces; ``ipBlock`` matches addresses in ``cidr`` but not in ``except``.
  An empty ``from``/``to`` matches every peer, an empty ``ports`` every port.
- A port is a number (with ``endPort`` a range) or the name of a container port of the
  *destination* pod; ``protocol`` defaults to TCP.
- Connections to Services are judged after kube-proxy's DNAT: against the backend pod and its
  target port, never the ClusterIP.

A :class:`Verdict` carries both directions' :class:`Decision` with the policies that isolated
each end and the rules that let the connection through, so a learner can be told *why*.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.selectors import from_api

__all__ = ["Decision", "Endpoint", "RuleRef", "Verdict", "endpoint_for_ip", "endpoint_for_pod", "evaluate",
           "isolating_policies"]

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Endpoint:
    """One end of a connection: a pod (``namespace`` set) or a bare address outside the pod network."""

    ip: str
    namespace: str | None = None
    name: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    #: container port name -> (number, protocol), for named ports in policies.
    named_ports: Mapping[str, tuple[int, str]] = field(default_factory=dict)

    @property
    def is_pod(self) -> bool:
        return self.namespace is not None

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}" if self.is_pod else self.ip


def endpoint_for_pod(pod: Obj) -> Endpoint:
    """The connection end a pod object is: its IP, namespace, labels and named container ports."""
    named: dict[str, tuple[int, str]] = {}
    for c in (pod.get("spec") or {}).get("containers") or ():
        for p in c.get("ports") or ():
            if p.get("name"):
                named.setdefault(p["name"], (int(p.get("containerPort", 0)), p.get("protocol") or "TCP"))
    md = pod["metadata"]
    return Endpoint(str((pod.get("status") or {}).get("podIP") or ""), md.get("namespace", "default"),
                    md["name"], dict(md.get("labels") or {}), named)


def endpoint_for_ip(ip: str) -> Endpoint:
    return Endpoint(ip)


@dataclass(frozen=True)
class RuleRef:
    """``default/allow-db`` ingress rule 0 (``index`` None: the policy isolates, no rule of it matched)."""

    policy: str
    direction: str
    index: int | None = None

    def __str__(self) -> str:
        if self.index is None:
            return f"{self.policy} (no {self.direction.lower()} rule matches)"
        return f"{self.policy} {self.direction.lower()}[{self.index}]"


@dataclass(frozen=True)
class Decision:
    """One direction's verdict: which policies isolate the pod, and which of their rules allow."""

    direction: str
    allowed: bool
    isolated: bool
    policies: tuple[str, ...] = ()
    rules: tuple[RuleRef, ...] = ()

    def explain(self, end: Endpoint) -> str:
        if not end.is_pod:
            return f"{self.direction}: {end} is not a pod; no policy applies"
        if not self.isolated:
            return f"{self.direction}: no policy selects {end} for {self.direction}; allowed"
        how = ", ".join(str(r) for r in self.rules) if self.allowed else "no rule of them matches"
        return (f"{self.direction}: {end} is isolated by {', '.join(self.policies)}; "
                f"{'allowed by ' + how if self.allowed else 'denied: ' + how}")


@dataclass(frozen=True)
class Verdict:
    src: Endpoint
    dst: Endpoint
    port: int
    protocol: str
    egress: Decision
    ingress: Decision

    @property
    def allowed(self) -> bool:
        return self.egress.allowed and self.ingress.allowed

    def explain(self) -> str:
        """A few lines a learner reads: the verdict, then each direction's reasons."""
        head = f"{self.src} -> {self.dst} port {self.port}/{self.protocol}: {'ALLOWED' if self.allowed else 'DENIED'}"
        return "\n".join([head, "  " + self.egress.explain(self.src), "  " + self.ingress.explain(self.dst)])


def _types(policy: Obj) -> Sequence[str]:
    spec = policy.get("spec") or {}
    types = spec.get("policyTypes")
    if types:
        return list(types)
    # Stored objects are defaulted; a raw manifest defaults the same way.
    return ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]


def isolating_policies(policies: Iterable[Obj], pod: Endpoint, direction: str) -> list[Obj]:
    """The policies of the pod's namespace that select it and govern ``direction``, by name."""
    if not pod.is_pod:
        return []
    out = [p for p in policies
           if p["metadata"].get("namespace", "default") == pod.namespace and direction in _types(p)
           and from_api((p.get("spec") or {}).get("podSelector") or {}).matches(pod.labels)]
    return sorted(out, key=lambda p: p["metadata"]["name"])


def _in_block(ip: str, block: Obj) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
        if addr not in ipaddress.ip_network(block.get("cidr", ""), strict=False):
            return False
        return not any(addr in ipaddress.ip_network(e, strict=False) for e in block.get("except") or ())
    except ValueError:
        return False


def _peer_matches(peer: Obj, policy_ns: str, other: Endpoint, namespaces: Mapping[str, Mapping[str, str]]) -> bool:
    if peer.get("ipBlock") is not None:
        return bool(other.ip) and _in_block(other.ip, peer["ipBlock"])
    if not other.is_pod:
        return False
    ns_sel = peer.get("namespaceSelector")
    if ns_sel is not None:
        if not from_api(ns_sel).matches(namespaces.get(other.namespace or "", {})):
            return False
    elif other.namespace != policy_ns:
        return False
    pod_sel = peer.get("podSelector")
    return pod_sel is None or from_api(pod_sel).matches(other.labels)


def _port_matches(rule_port: Obj, port: int, protocol: str, dst: Endpoint) -> bool:
    if (rule_port.get("protocol") or "TCP") != protocol:
        return False
    want = rule_port.get("port")
    if want is None:
        return True
    if isinstance(want, str) and not want.isdigit():
        named = dst.named_ports.get(want)
        return named is not None and named == (port, protocol)
    low = int(want)
    high = int(rule_port.get("endPort") or low)
    return low <= port <= high


def _rule_matches(rule: Obj, peers_key: str, policy_ns: str, other: Endpoint, port: int, protocol: str,
                  dst: Endpoint, namespaces: Mapping[str, Mapping[str, str]]) -> bool:
    ports = rule.get("ports") or ()
    if ports and not any(_port_matches(p, port, protocol, dst) for p in ports):
        return False
    peers = rule.get(peers_key) or ()
    return not peers or any(_peer_matches(p, policy_ns, other, namespaces) for p in peers)


def _decide(policies: Sequence[Obj], direction: str, pod: Endpoint, other: Endpoint, port: int, protocol: str,
            dst: Endpoint, namespaces: Mapping[str, Mapping[str, str]]) -> Decision:
    isolating = isolating_policies(policies, pod, direction)
    if not isolating:
        return Decision(direction, True, False)
    key, peers_key = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    rules = []
    for p in isolating:
        for i, rule in enumerate((p.get("spec") or {}).get(key) or ()):
            if _rule_matches(rule, peers_key, p["metadata"].get("namespace", "default"), other, port, protocol,
                             dst, namespaces):
                rules.append(RuleRef("/".join(meta.key(p)), direction, i))
    names = tuple("/".join(meta.key(p)) for p in isolating)
    if rules:
        return Decision(direction, True, True, names, tuple(rules))
    return Decision(direction, False, True, names, tuple(RuleRef(n, direction) for n in names))


def evaluate(policies: Iterable[Obj], namespaces: Mapping[str, Mapping[str, str]], src: Endpoint, dst: Endpoint,
             port: int, protocol: str = "TCP") -> Verdict:
    """The verdict on a connection from ``src`` to ``dst`` at ``port``/``protocol``.

    ``policies`` are NetworkPolicy objects of any namespaces (defaulted or not); ``namespaces``
    maps each namespace name to its labels (``kubernetes.io/metadata.name`` included, as the API
    server sets it). Pure: no clock, no store.
    """
    pols = list(policies)
    egress = _decide(pols, "Egress", src, dst, port, protocol, dst, namespaces)
    ingress = _decide(pols, "Ingress", dst, src, port, protocol, dst, namespaces)
    return Verdict(src, dst, port, protocol, egress, ingress)
