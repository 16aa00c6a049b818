"""Bench: DNS queries per second, simk8s's server against dnslib's stock threaded server.

    python bench/dns_qps.py [--seconds 5] [--rate 60000] [--clients 1]

Both serve the same ClusterResolver over the seed lab's cluster on loopback; dnsperf (Debian's
dnsperf package) sends the same query file to each for the same bounded time and maximum rate,
in this one command. Prints the qps of each and the ratio.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from dnslib.server import DNSLogger, DNSServer

from simk8s import Cluster
from simk8s.dns.resolver import ClusterResolver
from simk8s.dns.server import DnsServer
from simk8s.examples import WEB_YAML
from simk8s.node import network

QUERIES = [
    "nginx.default.svc.cluster.local A", "nginx.default.svc.cluster.local SRV",
    "web-0.nginx.default.svc.cluster.local A", "web-1.nginx.default.svc.cluster.local A",
    "_web._tcp.nginx.default.svc.cluster.local SRV", "kube-dns.kube-system.svc.cluster.local A",
    "nope.default.svc.cluster.local A", "kubernetes.default.svc.cluster.local A",
]


def dnsperf(port: int, qfile: str, seconds: int, rate: int, clients: int) -> float:
    out = subprocess.run(["dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", qfile, "-l", str(seconds),
                          "-Q", str(rate), "-c", str(clients), "-q", "200"], capture_output=True, text=True,
                         check=True).stdout
    m = re.search(r"Queries per second:\s+([\d.]+)", out)
    lost = re.search(r"Queries lost:\s+(\d+)", out)
    if not m:
        raise RuntimeError(out)
    print(f"    (dnsperf: {m.group(1)} qps, lost {lost.group(1) if lost else '?'})")
    return float(m.group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--rate", type=int, default=60_000)
    ap.add_argument("--clients", type=int, default=1)
    a = ap.parse_args()
    if shutil.which("dnsperf") is None:
        raise SystemExit("dnsperf is needed: apt-get install dnsperf")
    cluster = Cluster(seed=1)
    cluster.apply(WEB_YAML)
    cluster.settle()
    resolver = ClusterResolver(lambda: network.dns_snapshot(cluster.core))
    with tempfile.TemporaryDirectory() as tmp:
        qfile = str(Path(tmp) / "queries.txt")
        Path(qfile).write_text("\n".join(QUERIES) + "\n")
        with DnsServer(resolver, port=0) as ours:
            print("simk8s DnsServer:")
            q_ours = dnsperf(ours.port, qfile, a.seconds, a.rate, a.clients)
        quiet = DNSLogger("-request,-reply,-truncated,-error,-recv,-send,-data", logf=lambda s: None)
        stock = DNSServer(resolver, address="127.0.0.1", port=0, logger=quiet)
        stock.start_thread()
        try:
            print("dnslib stock DNSServer (thread per packet):")
            q_stock = dnsperf(stock.server.server_address[1], qfile, a.seconds, a.rate, a.clients)
        finally:
            stock.server.shutdown()
            stock.server.server_close()
    print(f"simk8s {q_ours:.0f} qps, dnslib stock {q_stock:.0f} qps, ratio {q_ours / max(q_stock, 1):.1f}x")


if __name__ == "__main__":
    main()
