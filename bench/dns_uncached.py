"""Bench: DNS answers not in the reply cache against cached ones, for a headless Service of many
pods, in process (``ClusterResolver.handle_wire``, the server's whole per-packet path but the
socket), in the same run.

    python bench/dns_uncached.py [--pods 100] [--seconds 2] [--dnsperf 5]

The queries: the service's A and SRV records (every pod), three pods' own A records, a ClusterIP
Service, a name that does not exist, a PTR; over UDP without EDNS (so big answers are truncated
to 512 bytes, as dig without +tcp sees them) and with a 4096-byte EDNS buffer. "uncached" runs the
same queries through a resolver without a reply cache; "after a change" adds a write to the
cluster before each round of queries, so the DNS view is brought up to date (and every cache is
cold) each time. ``--dnsperf N`` also serves the cluster with simk8s's DnsServer, once with the
reply cache and once without, and has dnsperf send the same queries to each for N seconds.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from dnslib import EDNS0, DNSRecord

from simk8s import Cluster
from simk8s.dns.resolver import ClusterResolver
from simk8s.dns.server import DnsServer
from simk8s.examples import WEB_YAML
from simk8s.node import network


def _names(pods: int) -> list[tuple[str, str]]:
    return [("nginx.default.svc.cluster.local", "A"), ("nginx.default.svc.cluster.local", "SRV"),
             ("_web._tcp.nginx.default.svc.cluster.local", "SRV"),
             ("web-0.nginx.default.svc.cluster.local", "A"), (f"web-{pods // 2}.nginx.default.svc.cluster.local", "A"),
             (f"web-{pods - 1}.nginx.default.svc.cluster.local", "A"), ("kubernetes.default.svc.cluster.local", "A"),
             ("nope.default.svc.cluster.local", "A"), ("1.0.200.10.in-addr.arpa", "PTR")]


def _packets(pods: int) -> list[bytes]:
    out = []
    for name, qtype in _names(pods):
        for edns in (False, True):
            q = DNSRecord.question(name, qtype)
            if edns:
                q.add_ar(EDNS0(udp_len=4096))
            out.append(q.pack())
    return out


def _qps(fn: object, packets: list[bytes], seconds: float) -> float:
    n = 0
    start = time.process_time()
    while time.process_time() - start < seconds:
        for p in packets:
            fn(p)  # type: ignore[operator]
        n += len(packets)
    return n / (time.process_time() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=2.0)
    ap.add_argument("--dnsperf", type=int, default=0, help="seconds of dnsperf per server (0: skip)")
    a = ap.parse_args()
    cluster = Cluster(seed=1)
    cluster.apply(WEB_YAML.replace("replicas: 2", f"replicas: {a.pods}")
                  .replace('serviceName: "nginx"', 'serviceName: "nginx"\n  podManagementPolicy: Parallel'))
    cluster.settle()
    ready = sum(1 for p in cluster.store.list("Pod") if p["status"].get("podIP"))
    packets = _packets(a.pods)
    cached = ClusterResolver(lambda: network.dns_snapshot(cluster.core))
    uncached = ClusterResolver(lambda: network.dns_snapshot(cluster.core), cache_size=0)
    for p in packets:
        assert cached.handle_wire(p) == uncached.handle_wire(p)
    hot = _qps(cached.handle_wire, packets, a.seconds)
    cold = _qps(uncached.handle_wire, packets, a.seconds)

    def changed(p: bytes, state: list[int] = [0]) -> None:  # noqa: B006 (a counter between calls)
        if p is packets[0]:
            state[0] += 1
            cluster.store.patch("Service", "kubernetes", {"metadata": {"labels": {"round": str(state[0])}}},
                                "default")
        cached.handle_wire(p)
    after = _qps(changed, packets, a.seconds)
    print(f"headless Service of {ready} ready pods, {len(packets)} queries (UDP, with and without EDNS)")
    print(f"  cached: {hot:,.0f} qps; uncached: {cold:,.0f} qps (1/{hot / cold:.1f} of cached); "
          f"after a change each round: {after:,.0f} qps (1/{hot / after:.1f})")
    if a.dnsperf and shutil.which("dnsperf"):
        from dns_qps import dnsperf

        with tempfile.TemporaryDirectory() as tmp:
            qfile = str(Path(tmp) / "queries.txt")
            Path(qfile).write_text("".join(f"{n} {t}\n" for n, t in _names(a.pods)))
            rates = []
            for resolver in (cached, uncached):
                with DnsServer(resolver, port=0) as server:
                    rates.append(dnsperf(server.port, qfile, a.dnsperf, 60_000, 1))
        print(f"  DnsServer under dnsperf: cached {rates[0]:,.0f} qps, uncached {rates[1]:,.0f} qps "
              f"(1/{rates[0] / rates[1]:.1f})")
    print(f"  command: python bench/dns_uncached.py --pods {a.pods} --seconds {a.seconds:g} --dnsperf {a.dnsperf}")


if __name__ == "__main__":
    main()
