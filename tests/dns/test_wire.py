"""The linear reply packer gives dnslib's bytes: whole replies and truncated ones, any name case."""

from __future__ import annotations

import itertools

import pytest
from dnslib import EDNS0, QTYPE, RR, SOA, TXT, A, DNSRecord

from simk8s import Cluster
from simk8s.dns import wire
from simk8s.dns.resolver import ClusterResolver
from simk8s.examples import WEB_YAML
from simk8s.node import network

EXTERNAL = """\
apiVersion: v1
kind: Service
metadata: {name: ext}
spec: {type: ExternalName, externalName: nginx.default.svc.cluster.local}
---
apiVersion: v1
kind: Service
metadata: {name: front}
spec: {selector: {app: nginx}, ports: [{name: http, port: 8080, targetPort: 80}]}
"""

NAMES = [
    "nginx.default.svc.cluster.local", "NGINX.Default.svc.cluster.local", "_web._tcp.nginx.default.svc.cluster.local",
    "web-0.nginx.default.svc.cluster.local", "Web-7.nginx.DEFAULT.svc.cluster.local", "front.default.svc.cluster.local",
    "_http._tcp.front.default.svc.cluster.local", "ext.default.svc.cluster.local", "nope.default.svc.cluster.local",
    "cluster.local", "dns-version.cluster.local", "1.0.200.10.in-addr.arpa", "10-200-0-1.default.pod.cluster.local",
    "example.com",
]
QTYPES = ["A", "AAAA", "SRV", "PTR", "TXT", "SOA", "NS", "CNAME", "ANY"]


@pytest.fixture(scope="module")
def setup() -> tuple[Cluster, ClusterResolver]:
    c = Cluster(seed=5)
    c.apply(WEB_YAML.replace("replicas: 2", "replicas: 40")
            .replace('serviceName: "nginx"', 'serviceName: "nginx"\n  podManagementPolicy: Parallel'))
    c.apply(EXTERNAL)
    c.settle()
    return c, ClusterResolver(lambda: network.dns_snapshot(c.core))


def test_replies_pack_as_dnslib_packs_them(setup: tuple[Cluster, ClusterResolver]) -> None:
    cluster, resolver = setup
    snap = network.dns_snapshot(cluster.core)
    checked = truncated = 0
    for name, qtype, edns in itertools.product(NAMES, QTYPES, (None, 512, 1232, 4096)):
        request = DNSRecord.question(name, qtype)
        request.header.id = 4242
        if edns is not None:
            request.add_ar(EDNS0(udp_len=edns, flags="do" if edns == 1232 else ""))
        reply = resolver._reply(request, snap)
        for limit in (512, 700, 1232, 4096, 65535):
            fast, slow = wire.pack_within(reply, limit), wire._truncate(reply, limit)
            assert fast == slow, (name, qtype, edns, limit)
            checked += 1
            truncated += len(slow) < len(reply.pack())
    assert checked > 2000 and truncated > 50


def test_whole_replies_with_every_record_kind() -> None:
    reply = DNSRecord.question("a.example.", "A").reply()
    reply.add_answer(RR("a.example.", QTYPE.A, ttl=5, rdata=A("10.0.0.1")))
    reply.add_answer(RR("A.example.", QTYPE.TXT, ttl=5, rdata=TXT(["x" * 200, "y"])))
    reply.add_auth(RR("example.", QTYPE.SOA, ttl=5, rdata=SOA("ns.example.", "host.example.", (1, 2, 3, 4, 5))))
    reply.add_ar(EDNS0(udp_len=1232))
    for limit in (12, 40, 60, 300, 512):
        assert wire.pack_within(reply, limit) == wire._truncate(reply, limit)


def test_unknown_record_types_go_through_dnslib() -> None:
    reply = DNSRecord.question("a.example.", "MX").reply()
    reply.add_answer(*RR.fromZone("a.example. 5 IN MX 10 mail.a.example."))
    assert wire.pack_within(reply, 512) == reply.pack()
