"""Random and mutated packets never crash the resolver or the server."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import dns.message
import dns.query
import pytest
from dnslib import DNSRecord
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simk8s import Cluster
from simk8s.dns.resolver import ClusterResolver
from simk8s.dns.server import DnsServer
from simk8s.examples import WEB_YAML
from simk8s.node import network

_cluster = Cluster(seed=1)
_cluster.apply(WEB_YAML)
_cluster.settle()
RESOLVER = ClusterResolver(lambda: network.dns_snapshot(_cluster.core))
VALID = DNSRecord.question("nginx.default.svc.cluster.local", "SRV").pack()


@pytest.fixture(scope="module")
def server() -> Iterator[DnsServer]:
    with DnsServer(RESOLVER, port=0) as s:
        yield s


def check(data: bytes) -> None:
    reply = RESOLVER.handle_wire(data, "udp")
    if reply is not None:
        parsed = DNSRecord.parse(reply)
        assert parsed.header.qr == 1
        assert parsed.header.id == int.from_bytes(data[:2], "big")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    check(data)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VALID) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_mutated_queries(flips: list[tuple[int, int]]) -> None:
    data = bytearray(VALID)
    for pos, value in flips:
        data[pos] = value
    check(bytes(data))


@settings(max_examples=60, deadline=None)
@given(st.binary(min_size=0, max_size=120))
def test_live_server_survives_and_keeps_answering(server: DnsServer, data: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(data or b"\x00", ("127.0.0.1", server.port))
    q = dns.message.make_query("web-0.nginx.default.svc.cluster.local", "A")
    assert dns.query.udp(q, "127.0.0.1", port=server.port, timeout=3).answer
