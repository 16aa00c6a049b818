"""The DNS view kept current from watch events equals one built afresh from the store, at every step."""

from __future__ import annotations

from typing import Any

import pytest
from dnslib import QTYPE, DNSRecord

from simk8s import Cluster
from simk8s.dns.view import DNS_KINDS
from simk8s.examples import WEB_YAML
from simk8s.logic.dns import DnsConfig, DnsSnapshot, answer
from simk8s.node import network

QUERIES = [("nginx.default.svc.cluster.local", "A"), ("Nginx.default.svc.cluster.local", "SRV"),
           ("web-0.nginx.default.svc.cluster.local", "A"), ("_web._tcp.nginx.default.svc.cluster.local", "SRV"),
           ("front.default.svc.cluster.local", "A"), ("front.default.svc.cluster.local", "SRV"),
           ("alias.default.svc.cluster.local", "A"), ("nope.default.svc.cluster.local", "A"),
           ("1.0.200.10.in-addr.arpa", "PTR")]

EXTRA = """\
apiVersion: v1
kind: Service
metadata: {name: front}
spec: {selector: {app: nginx}, ports: [{name: http, port: 8080, targetPort: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: alias}
spec: {type: ExternalName, externalName: front.default.svc.cluster.local}
"""


def fresh(c: Cluster) -> DnsSnapshot:
    s = c.store
    version = tuple(s.kind_version(k) for k in DNS_KINDS)
    return DnsSnapshot.build(s.list("Namespace"), s.list("Service", None), s.list("EndpointSlice", None),
                             s.list("Pod", None), getattr(c, "dns_config", None) or DnsConfig(), serial=max(version))


def shape(snap: DnsSnapshot) -> Any:
    return (snap.serial, snap.namespaces, dict(snap.services), dict(snap.pod_ips), snap.reverse, snap.dns_ip)


def same(c: Cluster) -> None:
    live, built = network.dns_snapshot(c.core), fresh(c)
    assert shape(live) == shape(built)
    for name, qtype in QUERIES:
        code = getattr(QTYPE, qtype)
        for _ in range(2):    # the second time from the answers the service keeps
            a, b = answer(live, name + ".", code), answer(built, name + ".", code)
            assert (a.rcode, a.answer, a.authority, a.additional) == (b.rcode, b.answer, b.authority, b.additional)


@pytest.mark.parametrize("mode", ["insecure", "verified"])
def test_view_follows_every_change(mode: str) -> None:
    c = Cluster(seed=3)
    c.dns_config = DnsConfig(pods_mode=mode)
    same(c)
    c.apply(WEB_YAML)
    same(c)                                   # loaded while pods are still pending
    c.settle()
    same(c)
    c.apply(EXTRA)
    c.scale("statefulsets", "web", 4)
    c.run(5)
    same(c)                                   # mid-way: some endpoints not ready yet
    c.settle()
    same(c)
    c.delete("pods", "web-1", grace_period=0)
    c.run(1)
    same(c)
    c.patch("services", "front", {"spec": {"ports": [{"name": "http", "port": 9090, "targetPort": 80}]}},
            patch_type="merge")
    c.settle()
    same(c)
    c.delete("services", "nginx")
    c.settle()
    same(c)
    c.scale("statefulsets", "web", 1)
    c.settle()
    same(c)


def test_a_pod_write_keeps_unrelated_services_and_their_answers() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.apply(EXTRA)
    c.settle()
    before = network.dns_snapshot(c.core)
    reply = network.query(c.core, "front.default.svc.cluster.local", "A")
    c.store.patch("Pod", "web-0", {"metadata": {"labels": {"x": "y"}}}, "default")
    after = network.dns_snapshot(c.core)
    assert after is not before and after.serial > before.serial
    assert after.services[("default", "front")] is before.services[("default", "front")]
    assert network.query(c.core, "front.default.svc.cluster.local", "A").rr == reply.rr
    assert DNSRecord.parse(network.query(c.core, "nope.default.svc.cluster.local", "A").pack()).auth[0].rdata.times[0] \
        == after.serial
