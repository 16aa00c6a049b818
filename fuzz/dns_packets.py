"""Fuzz campaign: random and mutated DNS packets at the real server, over UDP and TCP.

    python -m fuzz.dns_packets [--packets 1000000] [--seed 1]

Serves the seed lab's cluster on an ephemeral loopback port and sends ``--packets`` packets:
a third random bytes, the rest valid queries (names, types, classes, flags, EDNS versions and
sizes) with bytes flipped, replaced, inserted, cut or repeated; nine in ten over UDP, the rest
length-prefixed over a few TCP connections (some with lying length prefixes, some cut mid-message).
Then every valid query of the corpus is asked again over UDP and TCP and must be answered exactly
as the resolver answers it directly. Prints the figures; exits 1 on any crash or unanswered query.
The test suite runs a short version (``tests/dns/test_fuzz_campaign.py``).
"""

from __future__ import annotations

import argparse
import random
import socket
import struct
import sys
import time
from dataclasses import dataclass

from dnslib import EDNS0, DNSRecord

from simk8s import Cluster
from simk8s.dns.resolver import ClusterResolver
from simk8s.dns.server import DnsServer
from simk8s.examples import WEB_YAML
from simk8s.node import network

NAMES = ["nginx.default.svc.cluster.local", "web-0.nginx.default.svc.cluster.local",
         "_web._tcp.nginx.default.svc.cluster.local", "kubernetes.default.svc.cluster.local",
         "nope.default.svc.cluster.local", "cluster.local", "default.svc.cluster.local",
         "2.6.16.172.in-addr.arpa", "kube-dns.kube-system.svc.cluster.local", "example.com",
         "dns-version.cluster.local", "172-16-6-2.default.pod.cluster.local"]
TYPES = ["A", "AAAA", "SRV", "PTR", "TXT", "SOA", "NS", "CNAME", "ANY", "MX"]


@dataclass
class Figures:
    packets: int = 0
    udp: int = 0
    tcp: int = 0
    replies: int = 0
    handled: int = 0  # fuzzed packets the server handed to the resolver
    server_errors: int = 0
    unanswered: int = 0
    wrong: int = 0
    seconds: float = 0.0

    def ok(self) -> bool:
        return self.server_errors == 0 and self.unanswered == 0 and self.wrong == 0


def corpus(rng: random.Random) -> list[bytes]:
    """Valid queries: every name and type, with and without EDNS, some with other flags."""
    out = []
    for name in NAMES:
        for rtype in TYPES:
            q = DNSRecord.question(name, rtype)
            q.header.id = rng.randrange(65536)
            if rng.random() < 0.5:
                q.add_ar(EDNS0(udp_len=rng.choice([512, 1232, 4096]), flags=rng.choice(["", "do"])))
            out.append(q.pack())
    return out


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        i = rng.randrange(len(b) + 1) if b else 0
        if op == 0 and b:
            b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 2:
            b[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 3:
            del b[i:]
        elif op == 4 and b:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randint(1, 64)]
        else:  # a header count or a label length set to something odd
            if len(b) >= 12:
                k = rng.choice([4, 6, 8, 10, 12])
                b[k:k + 1] = bytes([rng.choice([0, 1, 2, 63, 64, 127, 192, 255])])
    return bytes(b)


def packet(rng: random.Random, valid: list[bytes]) -> bytes:
    if rng.random() < 1 / 3:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 600)))
    return mutate(rng, rng.choice(valid))


def _wait_for(server: DnsServer, count: int, timeout: float = 1.0) -> None:
    """Until the server has handled ``count`` packets (or ``timeout`` passes)."""
    deadline = time.monotonic() + timeout
    while server.packets < count and time.monotonic() < deadline:
        time.sleep(0.0005)


def _drain(sock: socket.socket) -> int:
    got = 0
    while True:
        try:
            sock.recv(65535)
        except (BlockingIOError, InterruptedError):
            return got
        except OSError:
            return got
        got += 1


def campaign(packets: int, seed: int = 1, out: object = None) -> Figures:
    """Run the campaign; returns its figures (``out`` gets progress lines when given)."""
    rng = random.Random(seed)
    cluster = Cluster(seed=1)
    cluster.apply(WEB_YAML)
    cluster.settle()
    resolver = ClusterResolver(lambda: network.dns_snapshot(cluster.core))
    direct = ClusterResolver(lambda: network.dns_snapshot(cluster.core))
    valid = corpus(rng)
    fig = Figures()
    start = time.monotonic()
    with DnsServer(resolver, port=0, idle_timeout=5.0) as server:
        addr = ("127.0.0.1", server.port)
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.setblocking(False)
        tcp: list[socket.socket] = []
        burst = 0
        lying = 0  # TCP packets sent with a false length (not whole queries to the server)
        while fig.packets < packets:
            data = packet(rng, valid)
            fig.packets += 1
            if rng.random() < 0.9:
                fig.udp += 1
                try:
                    u.sendto(data, addr)
                except OSError:
                    pass
                burst += 1
                if burst >= 32:  # pace: let the server keep up so the kernel drops nothing
                    _wait_for(server, fig.packets - lying - 8)
                    fig.replies += _drain(u)
                    burst = 0
                continue
            fig.tcp += 1
            if not tcp or rng.random() < 0.01:
                if len(tcp) >= 8:
                    tcp.pop(0).close()
                c = socket.create_connection(addr, timeout=5)
                c.setblocking(False)
                tcp.append(c)
            c = rng.choice(tcp)
            prefix = len(data) if rng.random() < 0.95 else rng.randrange(65536)
            try:
                c.sendall(struct.pack("!H", prefix) + data)
            except OSError:
                tcp.remove(c)
                c.close()
            if prefix != len(data):  # the server now waits for bytes that never come: hang up
                lying += 1
                tcp.remove(c)
                c.close()
            for c in list(tcp):
                _drain(c)
            if out is not None and fig.packets % 100_000 == 0:
                print(f"  {fig.packets} packets, {time.monotonic() - start:.0f} s", file=out, flush=True)
        for c in tcp:
            c.close()
        fig.replies += _drain(u)
        u.close()
        _wait_for(server, fig.packets - lying)
        fig.handled = server.packets
        # Afterwards every valid query is still answered, over both transports, as asked directly.
        for data in valid:
            expect = direct.handle_wire(data, "udp")
            try:
                got = _ask_udp(addr, data)
            except OSError:
                fig.unanswered += 1
                continue
            fig.wrong += got != expect
            expect_tcp = direct.handle_wire(data, "tcp")
            try:
                got = _ask_tcp(addr, data)
            except OSError:
                fig.unanswered += 1
                continue
            fig.wrong += got != expect_tcp
        fig.server_errors = server.errors
    fig.seconds = time.monotonic() - start
    return fig


def _ask_udp(addr: tuple[str, int], data: bytes) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(3)
        s.sendto(data, addr)
        return s.recv(65535)


def _ask_tcp(addr: tuple[str, int], data: bytes) -> bytes:
    with socket.create_connection(addr, timeout=3) as s:
        s.sendall(struct.pack("!H", len(data)) + data)
        (n,) = struct.unpack("!H", s.recv(2, socket.MSG_WAITALL))
        return s.recv(n, socket.MSG_WAITALL)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    fig = campaign(args.packets, args.seed, sys.stdout)
    print(f"packets fuzzed: {fig.packets} ({fig.udp} UDP, {fig.tcp} TCP) in {fig.seconds:.0f} s; "
          f"handled by the server {fig.handled}, replies seen {fig.replies}")
    print(f"resolver exceptions: {fig.server_errors}; valid queries unanswered afterwards: {fig.unanswered}; "
          f"answered differently than the resolver directly: {fig.wrong}")
    print(f"reproduce: python -m fuzz.dns_packets --packets {args.packets} --seed {args.seed}")
    return 0 if fig.ok() else 1


if __name__ == "__main__":
    sys.exit(main())
