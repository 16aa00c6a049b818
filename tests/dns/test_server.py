"""The DNS server on loopback, with real clients: dnspython and BIND's dig."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
from collections.abc import Iterator

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from simk8s import Cluster
from simk8s.dns.resolver import ClusterResolver
from simk8s.dns.server import DnsServer
from simk8s.examples import WEB_YAML
from simk8s.node import network

BIG = """\
apiVersion: v1
kind: Service
metadata: {name: big}
spec: {clusterIP: None, selector: {app: big}, ports: [{name: web, port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: big}
spec:
  serviceName: big
  replicas: 40
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: big}}
  template:
    metadata: {labels: {app: big}}
    spec: {containers: [{name: nginx, image: nginx:1.25, ports: [{containerPort: 80, name: web}]}]}
"""


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.apply(BIG)
    c.settle()
    return c


@pytest.fixture(scope="module")
def server(cluster: Cluster) -> Iterator[DnsServer]:
    with DnsServer(ClusterResolver(lambda: network.dns_snapshot(cluster.core)), port=0) as s:
        yield s


def ask(server: DnsServer, name: str, rtype: str, tcp: bool = False) -> dns.message.Message:
    q = dns.message.make_query(name, rtype)
    if tcp:
        return dns.query.tcp(q, "127.0.0.1", port=server.port, timeout=3)
    return dns.query.udp(q, "127.0.0.1", port=server.port, timeout=3)


def pod_ip(cluster: Cluster, name: str) -> str:
    return str(cluster.get("pods", name)["status"]["podIP"])


def test_udp_and_tcp_answer_the_headless_service(cluster: Cluster, server: DnsServer) -> None:
    for tcp in (False, True):
        r = ask(server, "nginx.default.svc.cluster.local", "A", tcp)
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA and not r.flags & dns.flags.RA
        assert sorted(rr.address for rr in r.answer[0]) == sorted([pod_ip(cluster, "web-0"), pod_ip(cluster, "web-1")])


def test_forty_replica_srv_truncates_over_udp_and_is_whole_over_tcp(server: DnsServer) -> None:
    q = dns.message.make_query("big.default.svc.cluster.local", "SRV")
    with pytest.raises(dns.message.Truncated):
        dns.query.udp(q, "127.0.0.1", port=server.port, timeout=3, ignore_trailing=True, raise_on_truncation=True)
    r, used_tcp = dns.query.udp_with_fallback(q, "127.0.0.1", port=server.port, timeout=3)
    assert used_tcp and len(r.answer[0]) == 40
    assert {rr.weight for rr in r.answer[0]} == {2}


def test_several_queries_on_one_tcp_connection(server: DnsServer) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=3) as s:
        ids = []
        for name in ("nginx.default.svc.cluster.local", "web-0.nginx.default.svc.cluster.local", "nope.cluster.local"):
            q = dns.message.make_query(name, "A")
            ids.append(q.id)
            wire = q.to_wire()
            s.sendall(struct.pack("!H", len(wire)) + wire)
        got = []
        for _ in ids:
            (n,) = struct.unpack("!H", s.recv(2, socket.MSG_WAITALL))
            got.append(dns.message.from_wire(s.recv(n, socket.MSG_WAITALL)).id)
    assert got == ids


def test_garbage_gets_formerr_or_silence_and_the_server_keeps_serving(server: DnsServer) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1)
        s.sendto(b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xff\xff", ("127.0.0.1", server.port))
        reply = dns.message.from_wire(s.recv(512))
        assert reply.id == 0x1234 and reply.rcode() == dns.rcode.FORMERR
        s.sendto(b"\x00", ("127.0.0.1", server.port))
    assert ask(server, "api.nowhere", "A").rcode() == dns.rcode.NXDOMAIN


def test_real_dig_over_udp_and_tcp(cluster: Cluster, server: DnsServer) -> None:
    assert shutil.which("dig"), "dig is required: .ci/run installs bind9-dnsutils"
    base = ["dig", "-p", str(server.port), "@127.0.0.1", "+short"]
    out = subprocess.run([*base, "web-0.nginx.default.svc.cluster.local"], capture_output=True, text=True,
                         timeout=10).stdout
    assert out == pod_ip(cluster, "web-0") + "\n"
    srv = subprocess.run([*base, "+tcp", "SRV", "_web._tcp.nginx.default.svc.cluster.local"], capture_output=True,
                         text=True, timeout=10).stdout.splitlines()
    assert sorted(srv) == ["0 50 80 web-0.nginx.default.svc.cluster.local.",
                           "0 50 80 web-1.nginx.default.svc.cluster.local."]
    full = subprocess.run([*base[:-1], "nope.default.svc.cluster.local"], capture_output=True, text=True,
                          timeout=10).stdout
    assert "status: NXDOMAIN" in full and "SOA\tns.dns.cluster.local. hostmaster.cluster.local." in full


def test_recreated_pod_resolves_to_its_new_ip_and_an_unready_pod_vanishes() -> None:
    c = Cluster(seed=2)
    c.apply(WEB_YAML)
    c.settle()
    old = pod_ip(c, "web-0")
    c.delete("pods", "web-0")
    c.settle()
    assert c.resolve("web-0.nginx") == [pod_ip(c, "web-0")] != [old]
    node = c.get("pods", "web-1")["spec"]["nodeName"]
    c.fail_node(node)
    c.run(60)
    assert c.resolve("nginx") == [pod_ip(c, "web-0")]
    assert c.resolve("web-1.nginx") == []


def test_zone_transfers_are_refused_with_the_question_echoed(server: DnsServer) -> None:
    # coredns plugin/kubernetes/handler.go: AXFR and IXFR return REFUSED without writing; the
    # server's errorFunc replies with the question, no records, no AA/RA, the request's OPT size.
    for rtype, name in (("AXFR", "cluster.local"), ("IXFR", "cluster.local"),
                        ("AXFR", "nginx.default.svc.cluster.local"), ("AXFR", "10.in-addr.arpa")):
        q = dns.message.make_query(name, rtype, use_edns=0, payload=1232)
        r = dns.query.tcp(q, "127.0.0.1", port=server.port, timeout=3)
        assert r.rcode() == dns.rcode.REFUSED, (rtype, name)
        assert [(str(x.name), x.rdtype) for x in r.question] == [(name + ".", dns.rdatatype.from_text(rtype))]
        assert (r.answer, r.authority, r.additional) == ([], [], [])
        assert not r.flags & dns.flags.AA and not r.flags & dns.flags.RA and r.flags & dns.flags.RD
        assert r.edns == 0 and r.payload == 1232
    outside = dns.query.tcp(dns.message.make_query("example.com", "AXFR"), "127.0.0.1", port=server.port, timeout=3)
    assert outside.rcode() != dns.rcode.REFUSED  # not the plugin's zones: the next plugin (forward) answers


def test_dig_axfr_reports_the_refusal(server: DnsServer) -> None:
    assert shutil.which("dig"), "dig is required: .ci/run installs bind9-dnsutils"
    out = subprocess.run(["dig", "-p", str(server.port), "@127.0.0.1", "AXFR", "cluster.local"],
                         capture_output=True, text=True, timeout=10).stdout
    assert "; Transfer failed." in out
