"""No client can stall the DNS server, and odd questions get the RFC's answer (real sockets, port 0)."""

from __future__ import annotations

import shutil
import socket
import struct
import subprocess
import time
from collections.abc import Iterator

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdataclass
import pytest

import simk8s.dns.resolver as resolver_module
from simk8s import Cluster
from simk8s.dns.resolver import ClusterResolver
from simk8s.dns.server import DnsServer
from simk8s.examples import WEB_YAML
from simk8s.node import network

NAME = "nginx.default.svc.cluster.local"


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    return c


@pytest.fixture
def resolver(cluster: Cluster) -> ClusterResolver:
    return ClusterResolver(lambda: network.dns_snapshot(cluster.core))


@pytest.fixture
def server(resolver: ClusterResolver) -> Iterator[DnsServer]:
    with DnsServer(resolver, port=0, idle_timeout=1.0, max_connections=40, max_pending=4096) as s:
        yield s


def udp(server: DnsServer, q: dns.message.Message, timeout: float = 3) -> dns.message.Message:
    return dns.query.udp(q, "127.0.0.1", port=server.port, timeout=timeout)


def framed(name: str = NAME) -> bytes:
    wire = dns.message.make_query(name, "A").to_wire()
    return struct.pack("!H", len(wire)) + wire


def flooder(server: DnsServer) -> socket.socket:
    """A TCP client that pipelines queries as fast as it can and never reads a reply."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # its window fills after a few replies
    s.connect(("127.0.0.1", server.port))
    s.setblocking(False)
    batch = framed() * 200
    sent = 0
    for _ in range(200):
        try:
            sent += s.send(batch)
        except BlockingIOError:  # the server stopped reading: its buffer for us is full
            break
    assert sent > 0
    return s


def test_a_tcp_client_that_never_reads_does_not_stall_udp_clients(server: DnsServer) -> None:
    clients = [flooder(server) for _ in range(20)]
    try:
        for _ in range(50):
            assert udp(server, dns.message.make_query(NAME, "A"), timeout=2).rcode() == dns.rcode.NOERROR
        # ... nor other TCP clients
        r = dns.query.tcp(dns.message.make_query(NAME, "A"), "127.0.0.1", port=server.port, timeout=3)
        assert r.rcode() == dns.rcode.NOERROR
    finally:
        for c in clients:
            c.close()


def test_idle_and_stuck_connections_are_closed(server: DnsServer) -> None:
    idle = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    stuck = flooder(server)
    deadline = time.monotonic() + 10
    while server.connections and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.connections == 0
    assert idle.recv(10) == b""  # closed by the server after idle_timeout
    idle.close()
    stuck.close()


def test_connections_beyond_the_limit_are_closed_at_once(server: DnsServer) -> None:
    socks = [socket.create_connection(("127.0.0.1", server.port), timeout=3) for _ in range(60)]
    try:
        time.sleep(0.3)
        assert server.connections <= 40
        assert udp(server, dns.message.make_query(NAME, "A")).rcode() == dns.rcode.NOERROR
    finally:
        for s in socks:
            s.close()


def test_the_reply_cache_evicts_the_least_recently_used(cluster: Cluster, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = resolver_module.answer
    monkeypatch.setattr(resolver_module, "answer", lambda snap, name, qtype: calls.append(name) or real(snap, name, qtype))
    r = ClusterResolver(lambda: network.dns_snapshot(cluster.core), cache_size=8)
    names = [f"n{i}.default.svc.cluster.local" for i in range(20)]
    for n in names:
        r.handle_wire(dns.message.make_query(n, "A").to_wire())
    assert len(calls) == 20
    r.handle_wire(dns.message.make_query(names[-1], "A").to_wire())
    assert len(calls) == 20  # still cached: new names keep being cached after the cache is full
    r.handle_wire(dns.message.make_query(names[0], "A").to_wire())
    assert len(calls) == 21  # evicted long ago


def test_edns_version_above_zero_gets_badvers(server: DnsServer) -> None:
    q = dns.message.make_query(NAME, "A", use_edns=1)
    r = udp(server, q)
    assert r.rcode() == dns.rcode.BADVERS and r.edns == 0 and not r.answer


def test_dig_sees_badvers() -> None:
    if not shutil.which("dig"):
        pytest.skip("dig (bind9-dnsutils) is not installed")
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    with DnsServer(ClusterResolver(lambda: network.dns_snapshot(c.core)), port=0) as s:
        out = subprocess.run(["dig", "-p", str(s.port), "@127.0.0.1", "+edns=1", "+noednsneg", NAME],
                             capture_output=True, text=True, timeout=10).stdout
    assert "status: BADVERS" in out


def raw_query(labels: list[bytes], qclass: int = 1) -> bytes:
    name = b"".join(bytes([len(x)]) + x for x in labels) + b"\x00"
    return struct.pack("!HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, qclass)


def test_a_64_byte_label_gets_formerr_not_an_exception(resolver: ClusterResolver, server: DnsServer) -> None:
    data = raw_query([b"a" * 64, b"default", b"svc", b"cluster", b"local"])
    reply = resolver.handle_wire(data)
    assert reply is not None
    parsed = dns.message.from_wire(reply)
    assert parsed.id == 0x4242 and parsed.rcode() == dns.rcode.FORMERR
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(2)
        s.sendto(raw_query([b"x" * 40] * 7), ("127.0.0.1", server.port))  # 288 bytes: over 255
        assert dns.message.from_wire(s.recv(512)).rcode() == dns.rcode.FORMERR


def test_a_label_containing_a_dot_is_one_label(server: DnsServer, cluster: Cluster) -> None:
    dotted = dns.name.Name([b"web-0.nginx", b"default", b"svc", b"cluster", b"local", b""])
    plain = dns.name.from_text("web-0.nginx.default.svc.cluster.local")
    assert len(dotted) == 6 and len(plain) == 7
    for _ in range(2):  # and the cache keeps them apart
        r = udp(server, dns.message.make_query(dotted, "A"))
        assert r.rcode() == dns.rcode.NXDOMAIN and r.question[0].name == dotted
        ok = udp(server, dns.message.make_query(plain, "A"))
        assert ok.rcode() == dns.rcode.NOERROR
        assert [rr.address for rr in ok.answer[0]] == [cluster.get("pods", "web-0")["status"]["podIP"]]


@pytest.mark.parametrize("rdclass", [dns.rdataclass.CH, dns.rdataclass.ANY, dns.rdataclass.HS])
def test_classes_other_than_in_are_refused(server: DnsServer, rdclass: dns.rdataclass.RdataClass) -> None:
    r = udp(server, dns.message.make_query(NAME, "A", rdclass=rdclass))
    assert r.rcode() == dns.rcode.REFUSED and not r.answer
