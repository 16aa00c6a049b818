"""NetworkPolicy semantics against the upstream e2e ``netpol`` truth tables.

Each case below carries one test of ``test/e2e/network/netpol/network_policy.go`` (its name in the
``upstream`` field): the same pods (namespaces x, y, z; pods a, b, c labelled ``pod=<name>``,
serving ports 80 and 81 with the named ports ``serve-80-tcp`` ...), the same policies, and the
same expected reachability matrix, built as the e2e ``Reachability`` helper builds it (everything
allowed, then ``ExpectPeer``/``ExpectAllIngress``/``ExpectAllEgress``/``Expect`` overrides).
Loopback pairs are ignored, as upstream ignores them (kubernetes/kubernetes#95879).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from simk8s.logic.netpol import Endpoint, endpoint_for_ip, evaluate

NAMESPACES = ("x", "y", "z")
PODS = ("a", "b", "c")
NS_KEY = "kubernetes.io/metadata.name"


def _ip(ns: str, pod: str) -> str:
    return f"172.16.{NAMESPACES.index(ns) + 1}.{PODS.index(pod) + 10}"


def _endpoint(ns: str, pod: str, labels: Mapping[str, str] | None = None) -> Endpoint:
    named = {f"serve-{port}-{proto.lower()}": (port, proto) for port in (80, 81) for proto in ("TCP", "UDP", "SCTP")}
    return Endpoint(_ip(ns, pod), ns, pod, dict(labels or {"pod": pod}), named)


def policy(name: str, ns: str, selector: Mapping[str, Any] | None = None, *,
           ingress: list[Any] | None = None, egress: list[Any] | None = None) -> dict[str, Any]:
    """GenNetworkPolicyWithNameAndPodSelector + SetSpecIngressRules/SetSpecEgressRules."""
    spec: dict[str, Any] = {"podSelector": dict(selector or {}), "policyTypes": []}
    if ingress is not None:
        spec["ingress"] = ingress
        spec["policyTypes"].append("Ingress")
    if egress is not None:
        spec["egress"] = egress
        spec["policyTypes"].append("Egress")
    return {"metadata": {"name": name, "namespace": ns}, "spec": spec}


def match(**labels: str) -> dict[str, Any]:
    return {"matchLabels": labels}


def ns_is(ns: str) -> dict[str, Any]:
    return match(**{NS_KEY: ns})


def ns_not(ns: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": NS_KEY, "operator": "NotIn", "values": [ns]}]}


Pair = tuple[str, str]  # "x/a", "y/b"


@dataclass
class Reachability:
    """The e2e Reachability matrix over ``pods`` (``"x/a"``...), everything allowed to start with."""

    pods: tuple[str, ...]
    cells: dict[Pair, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.cells = {(f, t): True for f in self.pods for t in self.pods}

    @staticmethod
    def _in(pod: str, ns: str | None, name: str | None) -> bool:
        pns, pname = pod.split("/")
        return (ns is None or pns == ns) and (name is None or pname == name)

    def expect_peer(self, frm: tuple[str | None, str | None], to: tuple[str | None, str | None],
                    value: bool) -> Reachability:
        for (f, t) in self.cells:
            if self._in(f, *frm) and self._in(t, *to):
                self.cells[(f, t)] = value
        return self

    def expect_all_ingress(self, pod: str, value: bool) -> Reachability:
        return self.expect_peer((None, None), tuple(pod.split("/")), value)  # type: ignore[arg-type]

    def expect_all_egress(self, pod: str, value: bool) -> Reachability:
        return self.expect_peer(tuple(pod.split("/")), (None, None), value)  # type: ignore[arg-type]

    def expect(self, frm: str, to: str, value: bool) -> Reachability:
        self.cells[(frm, to)] = value
        return self


@dataclass
class Case:
    upstream: str
    pods: tuple[str, ...]
    policies: list[dict[str, Any]]
    port: int
    protocol: str
    expected: Callable[[Reachability], Reachability]
    ns_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    pod_labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def _ns_labels(extra: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    return {ns: {NS_KEY: ns, **extra.get(ns, {})} for ns in NAMESPACES}


def _observed(case: Case) -> dict[Pair, bool]:
    namespaces = _ns_labels(case.ns_labels)
    ends = {p: _endpoint(*p.split("/"), labels=case.pod_labels.get(p)) for p in case.pods}  # type: ignore[misc]
    return {(f, t): evaluate(case.policies, namespaces, ends[f], ends[t], case.port, case.protocol).allowed
            for f in case.pods for t in case.pods}


ALL3 = ("x/a", "x/b", "y/a")

CASES = [
    Case("should support a 'default-deny-ingress' policy", ("x/a", "x/b", "y/a", "y/b"),
         [policy("deny-ingress", "x", ingress=[])], 80, "TCP",
         lambda r: r.expect_peer((None, None), ("x", None), False)),
    Case("should support a 'default-deny-all' policy", ALL3,
         [policy("deny-all", "x", ingress=[], egress=[])], 80, "TCP",
         lambda r: r.expect_peer((None, None), ("x", None), False).expect_peer(("x", None), (None, None), False)),
    Case("should enforce policy to allow traffic from pods within server namespace based on PodSelector",
         ("x/a", "x/b", "x/c", "y/a"),
         [policy("x-a-allows-x-b", "x", match(pod="a"), ingress=[{"from": [{"podSelector": match(pod="b")}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False).expect("x/b", "x/a", True)),
    Case("should enforce policy to allow ingress traffic for a target", ALL3,
         [policy("deny-all", "x", ingress=[]),
          policy("allow-all-to-a", "x", match(pod="a"),
                 ingress=[{"from": [{"podSelector": {}, "namespaceSelector": {}}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", True).expect_all_ingress("x/b", False)),
    Case("should enforce policy to allow ingress traffic from pods in all namespaces", ("x/a", "x/b", "y/a", "z/a"),
         [policy("allow-from-another-ns", "x", match(pod="a"), ingress=[{"from": [{"namespaceSelector": {}}]}])],
         80, "TCP", lambda r: r),
    Case("should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector",
         ("x/a", "x/b", "y/a", "z/a"),
         [policy("allow-client-a-via-ns-selector", "x", match(pod="a"),
                 ingress=[{"from": [{"namespaceSelector": ns_is("y")}]}])],
         80, "TCP", lambda r: r.expect_peer(("x", None), ("x", "a"), False).expect_peer(("z", None), ("x", "a"), False)),
    Case("should enforce policy based on PodSelector with MatchExpressions", ALL3,
         [policy("x-a-allows-x-b", "x", match(pod="a"), ingress=[{"from": [{"podSelector": {
             "matchExpressions": [{"key": "pod", "operator": "In", "values": ["b"]}]}}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False).expect("x/b", "x/a", True)),
    Case("should enforce policy based on NamespaceSelector with MatchExpressions", ("x/a", "x/b", "y/a", "z/a"),
         [policy("allow-ns-y-match-selector", "x", match(pod="a"), ingress=[{"from": [{"namespaceSelector": {
             "matchExpressions": [{"key": NS_KEY, "operator": "In", "values": ["y"]}]}}]}])],
         80, "TCP", lambda r: r.expect_peer(("x", None), ("x", "a"), False).expect_peer(("z", None), ("x", "a"), False)),
    Case("should enforce policy based on PodSelector or NamespaceSelector", ("x/a", "x/b", "x/c", "y/a"),
         [policy("allow-ns-y-match-selector", "x", match(pod="a"), ingress=[{"from": [
             {"namespaceSelector": ns_not("x")}, {"podSelector": match(pod="b")}]}])],
         80, "TCP", lambda r: r.expect("x/a", "x/a", False).expect("x/c", "x/a", False)),
    Case("should enforce policy based on PodSelector and NamespaceSelector", ("x/a", "x/b", "y/a", "y/b", "z/b"),
         [policy("allow-ns-y-podselector-and-nsselector", "x", match(pod="a"), ingress=[{"from": [
             {"namespaceSelector": ns_not("x"), "podSelector": match(pod="b")}]}])],
         80, "TCP",
         lambda r: r.expect_all_ingress("x/a", False).expect("y/b", "x/a", True).expect("z/b", "x/a", True)),
    Case("should enforce policy based on Multiple PodSelectors and NamespaceSelectors",
         ("x/a", "x/b", "y/a", "y/b", "y/c"),
         [policy("allow-ns-y-z-pod-b-c", "x", match(pod="a"), ingress=[{"from": [
             {"namespaceSelector": ns_not("x"),
              "podSelector": {"matchExpressions": [{"key": "pod", "operator": "In", "values": ["b", "c"]}]}}]}])],
         80, "TCP", lambda r: r.expect_peer(("x", None), ("x", "a"), False).expect("y/a", "x/a", False)),
    Case("should enforce policy based on any PodSelectors", ("x/a", "x/b", "x/c"),
         [policy("allow-ns-x-pod-b-c", "x", match(pod="a"), ingress=[{"from": [
             {"podSelector": match(pod="b")}, {"podSelector": match(pod="c")}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False).expect("x/b", "x/a", True).expect("x/c", "x/a", True)),
    Case("should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector "
         "and NamespaceSelector", ("x/a", "x/b", "y/a", "y/b", "z/a"),
         [policy("allow-ns-y-pod-a-via-namespace-pod-selector", "x", match(pod="a"), ingress=[{"from": [
             {"namespaceSelector": ns_is("y"), "podSelector": match(pod="a")}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False).expect("y/a", "x/a", True)),
    Case("should enforce policy based on Ports", ("x/a", "x/b", "y/a", "y/b", "z/a"),
         [policy("allow-client-a-via-ns-selector", "x", match(pod="a"), ingress=[{
             "from": [{"namespaceSelector": ns_is("y")}], "ports": [{"port": 81, "protocol": "TCP"}]}])],
         81, "TCP", lambda r: r.expect_peer(("x", None), ("x", "a"), False).expect_peer(("y", None), ("x", "a"), True)
         .expect_peer(("z", None), ("x", "a"), False)),
    Case("should enforce multiple, stacked policies with overlapping podSelectors (port 80 before the second)",
         ("x/a", "x/b", "y/a", "y/b", "z/a"),
         [policy("allow-client-a-via-ns-selector", "x", match(pod="a"), ingress=[{
             "from": [{"namespaceSelector": ns_is("y")}], "ports": [{"port": 81, "protocol": "TCP"}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False)),
    Case("should enforce multiple, stacked policies with overlapping podSelectors (port 80 unblocked)",
         ("x/a", "x/b", "y/a", "y/b", "z/a"),
         [policy("allow-client-a-via-ns-selector", "x", match(pod="a"), ingress=[{
             "from": [{"namespaceSelector": ns_is("y")}], "ports": [{"port": 81, "protocol": "TCP"}]}]),
          policy("allow-client-a-via-ns-selector-80", "x", match(pod="a"), ingress=[{
              "from": [{"namespaceSelector": ns_is("y")}], "ports": [{"port": 80, "protocol": "TCP"}]}])],
         80, "TCP", lambda r: r.expect_peer(("x", None), ("x", "a"), False).expect_peer(("y", None), ("x", "a"), True)
         .expect_peer(("z", None), ("x", "a"), False)),
    Case("should support allow-all policy", ALL3, [policy("allow-all", "x", ingress=[{}])], 81, "TCP", lambda r: r),
    Case("should allow ingress access on one named port (81)", ALL3,
         [policy("allow-all", "x", ingress=[{"ports": [{"port": "serve-81-tcp"}]}])], 81, "TCP", lambda r: r),
    Case("should allow ingress access on one named port (80)", ALL3,
         [policy("allow-all", "x", ingress=[{"ports": [{"port": "serve-81-tcp"}]}])], 80, "TCP",
         lambda r: r.expect_peer((None, None), ("x", None), False)),
    Case("should allow ingress access from namespace on one named port (80)", ("x/a", "x/b", "y/a", "z/a"),
         [policy("allow-client-a-via-ns-selector-80", "x", match(pod="a"), ingress=[{
             "from": [{"namespaceSelector": ns_is("y")}], "ports": [{"port": "serve-80-tcp", "protocol": "TCP"}]}])],
         80, "TCP", lambda r: r.expect_peer(("x", None), ("x", "a"), False).expect_peer(("z", None), ("x", "a"), False)),
    Case("should allow ingress access from namespace on one named port (81)", ("x/a", "x/b", "y/a", "z/a"),
         [policy("allow-client-a-via-ns-selector-80", "x", match(pod="a"), ingress=[{
             "from": [{"namespaceSelector": ns_is("y")}], "ports": [{"port": "serve-80-tcp", "protocol": "TCP"}]}])],
         81, "TCP", lambda r: r.expect_all_ingress("x/a", False)),
    Case("should allow egress access on one named port (80)", ("x/a", "y/a"),
         [policy("allow-egress", "x", egress=[{"ports": [{"port": "serve-80-tcp"}]}])], 80, "TCP", lambda r: r),
    Case("should allow egress access on one named port (81)", ("x/a", "y/a"),
         [policy("allow-egress", "x", egress=[{"ports": [{"port": "serve-80-tcp"}]}])], 81, "TCP",
         lambda r: r.expect_peer(("x", None), (None, None), False)),
    Case("should enforce updated policy (after the update to deny all)", ("x/a", "y/a"),
         [policy("allow-all-mutate-to-deny-all", "x", ingress=[])], 81, "TCP",
         lambda r: r.expect_peer((None, None), ("x", None), False)),
    Case("should allow ingress access from updated namespace (before the label)", ("x/a", "y/a"),
         [policy("allow-client-a-via-ns-selector", "x", match(pod="a"),
                 ingress=[{"from": [{"namespaceSelector": match(ns2="updated")}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False)),
    Case("should allow ingress access from updated namespace (after the label)", ("x/a", "y/a"),
         [policy("allow-client-a-via-ns-selector", "x", match(pod="a"),
                 ingress=[{"from": [{"namespaceSelector": match(ns2="updated")}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False).expect_peer(("y", None), (None, None), True),
         ns_labels={"y": {"ns2": "updated"}}),
    Case("should allow ingress access from updated pod (after the label)", ("x/a", "x/b"),
         [policy("allow-client-a-via-pod-selector", "x", match(pod="a"),
                 ingress=[{"from": [{"podSelector": match(pod="b", pod2="updated")}]}])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False).expect("x/b", "x/a", True),
         pod_labels={"x/b": {"pod": "b", "pod2": "updated"}}),
    Case("should deny ingress from pods on other namespaces", ("x/a", "x/b", "y/a", "z/a"),
         [policy("deny-empty-policy", "x", ingress=[{"from": [{"podSelector": {"matchLabels": {}}}]}])],
         80, "TCP", lambda r: r.expect_peer(("y", None), ("x", None), False).expect_peer(("z", None), ("x", None), False)),
    Case("should deny ingress access to updated pod (after the label)", ("x/a", "y/a"),
         [policy("deny-ingress-via-label-selector", "x", match(target="isolated"), ingress=[])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False),
         pod_labels={"x/a": {"pod": "a", "target": "isolated"}}),
    Case("should deny egress from pods based on PodSelector", ALL3,
         [policy("deny-egress-pod-a", "x", match(pod="a"), egress=[])], 80, "TCP",
         lambda r: r.expect_all_egress("x/a", False)),
    Case("should deny egress from all pods in a namespace", ALL3,
         [policy("deny-egress-ns-x", "x", egress=[])], 80, "TCP",
         lambda r: r.expect_peer(("x", None), (None, None), False)),
    Case("should work with Ingress, Egress specified together (81)", ("x/a", "x/b", "x/c", "y/a"),
         [{"metadata": {"name": "allow-client-a-via-pod-selector", "namespace": "x"},
           "spec": {"podSelector": match(pod="a"), "policyTypes": ["Egress", "Ingress"],
                    "ingress": [{"from": [{"podSelector": match(pod="b")}]}],
                    "egress": [{"ports": [{"port": 80}]}]}}],
         81, "TCP", lambda r: r.expect_all_ingress("x/a", False).expect_all_egress("x/a", False)
         .expect("x/b", "x/a", True)),
    Case("should support denying of egress traffic on the client side (even if the server explicitly allows "
         "this traffic)", ("x/a", "y/a", "y/b"),
         [policy("allow-to-ns-y-pod-a", "x", match(pod="a"), egress=[{"to": [
             {"namespaceSelector": ns_is("y"), "podSelector": match(pod="a")}]}]),
          policy("allow-from-xa-on-ya-match-selector", "y", match(pod="a"), ingress=[{"from": [
              {"namespaceSelector": ns_is("x"), "podSelector": match(pod="a")}]}]),
          policy("allow-from-xa-on-yb-match-selector", "y", match(pod="b"), ingress=[{"from": [
              {"namespaceSelector": ns_is("x"), "podSelector": match(pod="a")}]}])],
         80, "TCP", lambda r: r.expect_peer(("x", "a"), (None, None), False).expect_peer((None, None), ("y", "a"), False)
         .expect_peer(("x", "a"), ("y", "a"), True).expect_peer((None, None), ("y", "b"), False)),
    Case("should enforce egress policy allowing traffic to a server in a different namespace based on "
         "PodSelector and NamespaceSelector", ("x/a", "y/a", "y/b"),
         [policy("allow-to-ns-y-pod-a", "x", match(pod="a"), egress=[{"to": [
             {"namespaceSelector": ns_is("y"), "podSelector": match(pod="a")}]}])],
         80, "TCP", lambda r: r.expect_all_egress("x/a", False).expect("x/a", "y/a", True)),
    Case("should enforce ingress policy allowing any port traffic to a server on a specific protocol (UDP)",
         ("x/a", "y/a"), [policy("allow-ingress-by-proto", "x", match(pod="a"),
                                 ingress=[{"ports": [{"protocol": "TCP"}]}])],
         80, "UDP", lambda r: r.expect_peer((None, None), ("x", "a"), False)),
    Case("should enforce ingress policy allowing any port traffic to a server on a specific protocol (TCP)",
         ("x/a", "y/a"), [policy("allow-ingress-by-proto", "x", match(pod="a"),
                                 ingress=[{"ports": [{"protocol": "TCP"}]}])], 80, "TCP", lambda r: r),
    Case("should enforce multiple ingress policies with ingress allow-all policy taking precedence", ("x/a", "y/a"),
         [policy("allow-ingress-port-80", "x", ingress=[{"ports": [{"port": 80}]}]),
          policy("allow-ingress", "x", ingress=[{}])], 81, "TCP", lambda r: r),
    Case("should enforce multiple egress policies with egress allow-all policy taking precedence (port 80 only)",
         ("x/a", "y/a"), [policy("allow-egress-port-80", "x", egress=[{"ports": [{"port": 80}]}])], 81, "TCP",
         lambda r: r.expect_peer(("x", None), (None, None), False)),
    Case("should enforce multiple egress policies with egress allow-all policy taking precedence", ("x/a", "y/a"),
         [policy("allow-egress-port-80", "x", egress=[{"ports": [{"port": 80}]}]),
          policy("allow-egress", "x", egress=[{}])], 81, "TCP", lambda r: r),
    Case("should stop enforcing policies after they are deleted", ("x/a", "y/a"), [], 80, "TCP", lambda r: r),
    Case("should allow egress access to server in CIDR block", ("x/a", "y/a", "y/b"),
         [policy("allow-client-a-via-cidr-egress-rule", "x", match(pod="a"),
                 egress=[{"to": [{"ipBlock": {"cidr": _ip("y", "b") + "/32"}}]}])],
         80, "TCP", lambda r: r.expect_all_egress("x/a", False).expect("x/a", "y/b", True)),
    Case("should enforce except clause while egress access to server in CIDR block", ("x/a", "x/b", "x/c"),
         [policy("allow-client-a-via-cidr-egress-rule", "x", match(pod="a"), egress=[{"to": [
             {"ipBlock": {"cidr": "172.16.0.0/16", "except": [_ip("x", "b") + "/32"]}}]}])],
         80, "TCP", lambda r: r.expect("x/a", "x/b", False)),
    Case("should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed", ("x/a", "x/b", "x/c"),
         [policy("allow-client-a-via-cidr-egress-rule", "x", match(pod="a"),
                 egress=[{"to": [{"ipBlock": {"cidr": _ip("x", "b") + "/32"}}]}])],
         80, "TCP", lambda r: r.expect_all_egress("x/a", False).expect("x/a", "x/b", True)),
    Case("should enforce policies to check ingress and egress policies can be controlled independently based on "
         "PodSelector", ALL3,
         [policy("allow-egress-for-target", "x", match(pod="a"), egress=[{}]),
          policy("deny-ingress-via-label-selector", "x", match(pod="a"), ingress=[])],
         80, "TCP", lambda r: r.expect_all_ingress("x/a", False)),
    Case("should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP",
         ("x/a", "y/a"),
         [policy("deny-ingress", "x", ingress=[]),
          policy("allow-only-sctp-ingress-on-port-81", "x", match(pod="a"),
                 ingress=[{"ports": [{"port": 81, "protocol": "SCTP"}]}])],
         81, "TCP", lambda r: r.expect_peer((None, None), ("x", None), False)),
    Case("should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't "
         "support SCTP", ("x/a", "y/a"),
         [policy("allow-only-sctp-ingress-on-port-80", "x", match(pod="a"),
                 ingress=[{"ports": [{"port": 80, "protocol": "SCTP"}]}])],
         81, "TCP", lambda r: r.expect_all_ingress("x/a", False)),
    Case("should not allow access by TCP when a policy specifies only UDP", ("x/a", "y/a"),
         [policy("allow-only-udp-ingress-on-port-81", "x", match(pod="a"),
                 ingress=[{"ports": [{"port": 81, "protocol": "UDP"}]}])],
         81, "TCP", lambda r: r.expect_all_ingress("x/a", False)),
    # Not an upstream case: endPort (networking.k8s.io/v1, GA in 1.25) admits the whole range.
    Case("simk8s: an endPort range admits every port in it", ("x/a", "y/a"),
         [policy("allow-80-to-90", "x", ingress=[{"ports": [{"port": 80, "endPort": 90}]}])],
         81, "TCP", lambda r: r),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.upstream)
def test_upstream_netpol_truth_table(case: Case) -> None:
    want = case.expected(Reachability(case.pods)).cells
    got = _observed(case)
    wrong = sorted(f"{f} -> {t}: expected {want[(f, t)]}, got {got[(f, t)]}"
                   for (f, t) in want if f != t and want[(f, t)] != got[(f, t)])
    assert wrong == []


def test_verdict_names_the_deciding_policies_and_rules() -> None:
    pols = [policy("default-deny", "x", ingress=[], egress=[]),
            policy("allow-db", "x", match(pod="b"), ingress=[{"from": [{"podSelector": match(pod="a")}],
                                                              "ports": [{"port": 5432}]}]),
            policy("a-egress", "x", match(pod="a"), egress=[{"to": [{"podSelector": match(pod="b")}]}])]
    ns = _ns_labels({})
    v = evaluate(pols, ns, _endpoint("x", "a"), _endpoint("x", "b"), 5432)
    assert v.allowed
    assert [str(r) for r in v.egress.rules] == ["x/a-egress egress[0]"]
    assert [str(r) for r in v.ingress.rules] == ["x/allow-db ingress[0]"]
    assert v.ingress.policies == ("x/allow-db", "x/default-deny")
    denied = evaluate(pols, ns, _endpoint("x", "c"), _endpoint("x", "b"), 5432)
    assert not denied.allowed and not denied.egress.allowed and not denied.ingress.allowed
    assert "x/c is isolated by x/default-deny; denied" in denied.explain()
    outside = evaluate(pols, ns, endpoint_for_ip("8.8.8.8"), _endpoint("x", "b"), 5432)
    assert not outside.allowed and outside.egress.allowed and not outside.egress.isolated


def test_an_unselected_pod_is_open_and_policy_types_default_from_the_rules() -> None:
    ns = _ns_labels({})
    # No policyTypes: a policy with egress rules governs egress too (SetDefaults_NetworkPolicy).
    raw = {"metadata": {"name": "p", "namespace": "x"},
           "spec": {"podSelector": match(pod="a"), "egress": [{"ports": [{"port": 53, "protocol": "UDP"}]}]}}
    assert not evaluate([raw], ns, _endpoint("x", "a"), _endpoint("y", "a"), 80).allowed
    assert evaluate([raw], ns, _endpoint("x", "a"), _endpoint("y", "a"), 53, "UDP").egress.allowed
    assert not evaluate([raw], ns, _endpoint("y", "a"), _endpoint("x", "a"), 80).allowed  # Ingress too
    assert evaluate([raw], ns, _endpoint("y", "b"), _endpoint("x", "b"), 80).allowed
