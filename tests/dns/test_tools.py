"""nslookup, dig, host and getent as run inside a pod print what the real tools print (dns.md §2.3)."""

from __future__ import annotations

import pytest

from simk8s import Cluster
from simk8s.examples import WEB_YAML
from simk8s.node import network
from simk8s.node.tools import run_dns_tool


@pytest.fixture(scope="module")
def c() -> Cluster:
    cluster = Cluster(seed=1)
    cluster.apply(WEB_YAML)
    cluster.settle()
    return cluster


def run(c: Cluster, *argv: str, flavor: str = "bind") -> tuple[str, str, int]:
    return run_dns_tool(list(argv), network.resolv_conf(c.core, "default"), lambda q, t: network.query(c.core, q, t),
                        flavor=flavor)


def ip(c: Cluster, pod: str) -> str:
    return str(c.get("pods", pod)["status"]["podIP"])


HEAD = ";; Got recursion not available from 10.200.1.10\nServer:\t\t10.200.1.10\nAddress:\t10.200.1.10#53\n\n"


def test_nslookup_a_walks_the_search_list_and_prints_every_address(c: Cluster) -> None:
    out, _, code = run(c, "nslookup", "web-0.nginx")
    assert code == 0
    assert out == (HEAD + f"Name:\tweb-0.nginx.default.svc.cluster.local\nAddress: {ip(c, 'web-0')}\n"
                   ";; Got recursion not available from 10.200.1.10\n\n")


def test_nslookup_srv_prints_service_lines(c: Cluster) -> None:
    out, _, code = run(c, "nslookup", "-type=srv", "nginx")
    assert code == 0 and out == HEAD + (
        "nginx.default.svc.cluster.local\tservice = 0 50 80 web-0.nginx.default.svc.cluster.local.\n"
        "nginx.default.svc.cluster.local\tservice = 0 50 80 web-1.nginx.default.svc.cluster.local.\n\n")


def test_nslookup_of_an_unknown_name_fails_after_the_whole_search_list(c: Cluster) -> None:
    out, _, code = run(c, "nslookup", "nope")
    assert code == 1
    assert out == (";; Got recursion not available from 10.200.1.10\n" * 3 +
                   "Server:\t\t10.200.1.10\nAddress:\t10.200.1.10#53\n\n** server can't find nope: NXDOMAIN\n\n")


def test_reverse_lookup(c: Cluster) -> None:
    out, _, _ = run(c, "nslookup", ip(c, "web-1"))
    rev = ".".join(reversed(ip(c, "web-1").split(".")))
    assert out.endswith(f"{rev}.in-addr.arpa\tname = web-1.nginx.default.svc.cluster.local.\n\n")


def test_dig_short_host_and_getent(c: Cluster) -> None:
    assert sorted(run(c, "dig", "+short", "nginx.default.svc.cluster.local")[0].splitlines()) == sorted(
        [ip(c, "web-0"), ip(c, "web-1")])
    assert run(c, "dig", "+short", "nope.default.svc.cluster.local") == ("", "", 0)
    host = run(c, "host", "-t", "srv", "nginx")[0]
    assert "nginx.default.svc.cluster.local has SRV record 0 50 80 web-0.nginx.default.svc.cluster.local.\n" in host
    assert run(c, "getent", "hosts", "web-1.nginx")[0] == f"{ip(c, 'web-1'):<15} web-1.nginx.default.svc.cluster.local\n"
    assert run(c, "host", "nope")[0] == "Host nope not found: 3(NXDOMAIN)\n"


def test_busybox_nslookup_format(c: Cluster) -> None:
    out, _, code = run(c, "nslookup", "web-0.nginx", flavor="busybox")
    assert code == 0
    assert out == ("Server:    10.200.1.10\nAddress 1: 10.200.1.10 kube-dns.kube-system.svc.cluster.local\n\n"
                   f"Name:      web-0.nginx\nAddress 1: {ip(c, 'web-0')} web-0.nginx.default.svc.cluster.local\n")


def test_full_dig_output_has_the_header_flags_and_sections(c: Cluster) -> None:
    out = run(c, "dig", "SRV", "_web._tcp.nginx.default.svc.cluster.local")[0]
    assert ";; flags: qr aa rd; QUERY: 1, ANSWER: 2, AUTHORITY: 0, ADDITIONAL: 3\n" in out
    assert ";; WARNING: recursion requested but not available\n" in out
    assert "_web._tcp.nginx.default.svc.cluster.local. 5 IN SRV 0 50 80 web-0.nginx.default.svc.cluster.local.\n" in out
