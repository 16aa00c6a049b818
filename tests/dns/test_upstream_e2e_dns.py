"""Cases ported from upstream's DNS e2e suite (test/e2e/network/dns.go), asked from a pod with dig
as the spec's prober pods ask (``dig +notcp +noall +answer +search NAME TYPE`` and ``+tcp``)."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from simk8s import Cluster

SELECTOR = {"dns-test": "true"}


def service(name: str, headless: bool = False, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"selector": SELECTOR, "ports": [{"name": "http", "port": 80, "targetPort": 80}], **spec}
    if headless:
        body["clusterIP"] = "None"
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": body}


def querier(name: str = "dns-test", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": SELECTOR},
            "spec": {"containers": [{"name": "querier", "image": "nicolaka/netshoot",
                                     "command": ["sleep", "infinity"]},
                                    {"name": "webserver", "image": "registry.k8s.io/nginx-slim:0.8",
                                     "ports": [{"containerPort": 80}]}], **spec}}


@pytest.fixture(scope="module")
def c() -> Cluster:
    cluster = Cluster(seed=9)
    cluster.apply([service("dns-test-service"), service("test-service-2", headless=True),
                   service("dns-test-service-2", headless=True),
                   querier(), querier("dns-querier-2", hostname="dns-querier-2", subdomain="dns-test-service-2")])
    cluster.settle()
    return cluster


def dig(c: Cluster, name: str, rtype: str = "A", tcp: bool = False, pod: str = "dns-test") -> list[str]:
    out = c.kubectl(["exec", pod, "-c", "querier", "--", "dig", "+tcp" if tcp else "+notcp", "+noall", "+answer",
                     "+search", name, rtype]).stdout
    # +noall +answer: nothing but the answer's records, whose data is the last field.
    assert all(line and not line.startswith(";") for line in out.splitlines()), out
    return [line.split(None, 4)[4] for line in out.splitlines()]


def pod_ip(c: Cluster, name: str) -> str:
    return str(c.get("pods", name)["status"]["podIP"])


# [sig-network] DNS should provide DNS for the cluster [Conformance]
def test_should_provide_dns_for_the_cluster(c: Cluster) -> None:
    for tcp in (False, True):
        assert dig(c, "kubernetes.default.svc.cluster.local", tcp=tcp) == ["10.200.0.1"]
    dashed = pod_ip(c, "dns-test").replace(".", "-")
    assert dig(c, f"{dashed}.default.pod.cluster.local") == [pod_ip(c, "dns-test")]


# [sig-network] DNS should provide DNS for services [Conformance]
def test_should_provide_dns_for_services(c: Cluster) -> None:
    cluster_ip = c.get("services", "dns-test-service")["spec"]["clusterIP"]
    for tcp in (False, True):
        for name in ("dns-test-service", "dns-test-service.default", "dns-test-service.default.svc"):
            assert dig(c, name, tcp=tcp) == [cluster_ip]
    srv = dig(c, "_http._tcp.dns-test-service.default.svc", "SRV")
    assert srv == ["0 100 80 dns-test-service.default.svc.cluster.local."]
    headless = sorted(dig(c, "_http._tcp.test-service-2.default.svc", "SRV"))
    hosts = sorted(f"{pod_ip(c, p).replace('.', '-')}.test-service-2.default.svc.cluster.local."
                   for p in ("dns-test", "dns-querier-2"))
    assert [line.split()[-1] for line in headless] == hosts
    reverse = ipaddress.ip_address(cluster_ip).reverse_pointer
    assert dig(c, reverse, "PTR") == ["dns-test-service.default.svc.cluster.local."]


# [sig-network] DNS should provide DNS for pods for Hostname [Conformance]
def test_should_provide_dns_for_pods_for_hostname(c: Cluster) -> None:
    name = "dns-querier-2.dns-test-service-2.default.svc.cluster.local"
    for tcp in (False, True):
        assert dig(c, name, tcp=tcp) == [pod_ip(c, "dns-querier-2")]
    assert c.kubectl("exec dns-querier-2 -c querier -- hostname").stdout == "dns-querier-2\n"


# [sig-network] DNS should provide DNS for pods for Subdomain [Conformance]
def test_should_provide_dns_for_pods_for_subdomain(c: Cluster) -> None:
    srv = dig(c, "_http._tcp.dns-test-service-2.default.svc.cluster.local", "SRV")
    assert "0 50 80 dns-querier-2.dns-test-service-2.default.svc.cluster.local." in srv
    assert dig(c, "dns-test-service-2.default.svc.cluster.local") == sorted(
        [pod_ip(c, "dns-test"), pod_ip(c, "dns-querier-2")], key=lambda ip: tuple(map(int, ip.split("."))))


# [sig-network] DNS should resolve DNS of partial qualified names for services [LinuxOnly] [Conformance]
def test_should_resolve_partial_qualified_names_for_services(c: Cluster) -> None:
    cluster_ip = c.get("services", "dns-test-service")["spec"]["clusterIP"]
    for name in ("dns-test-service", "dns-test-service.default", "dns-test-service.default.svc"):
        assert c.resolve(name, from_pod="dns-test") == [cluster_ip]


# [sig-network] DNS should provide DNS for ExternalName services [Conformance]
def test_should_provide_dns_for_external_name_services() -> None:
    c = Cluster(seed=9)
    c.apply([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "dns-test-service-3"},
              "spec": {"type": "ExternalName", "externalName": "foo.example.com"}}, querier()])
    c.settle()
    name = "dns-test-service-3.default.svc.cluster.local"
    assert dig(c, name, "CNAME") == ["foo.example.com."]
    c.patch("services", "dns-test-service-3", {"spec": {"externalName": "bar.example.com"}})
    assert dig(c, name, "CNAME") == ["bar.example.com."]
    c.patch("services", "dns-test-service-3", {"spec": {"type": "ClusterIP", "externalName": None,
                                                        "ports": [{"port": 80, "name": "http"}]}})
    assert dig(c, name) == [c.get("services", "dns-test-service-3")["spec"]["clusterIP"]]
