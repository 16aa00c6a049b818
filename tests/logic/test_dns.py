"""CoreDNS kubernetes-plugin answers (reference dns.md §1), pure."""

from __future__ import annotations

from typing import Any

import pytest
from dnslib import QTYPE, RCODE

from simk8s.logic.dns import DnsConfig, DnsSnapshot, answer

Z = "cluster.local"


def ns(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name}}


def svc(name: str, namespace: str = "default", ip: str | None = None, ports: list[Any] | None = None,
        **spec: Any) -> dict[str, Any]:
    s: dict[str, Any] = {"ports": ports if ports is not None else [{"name": "web", "port": 80, "protocol": "TCP"}]}
    if ip:
        s["clusterIP"] = ip
        s["clusterIPs"] = [ip]
    s.update(spec)
    return {"metadata": {"name": name, "namespace": namespace}, "spec": s}


def eps(service: str, endpoints: list[tuple[str, str | None, bool]], ports: list[tuple[str, int]] | None = None,
        namespace: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": f"{service}-abcde", "namespace": namespace,
                         "labels": {"kubernetes.io/service-name": service}},
            "endpoints": [{"addresses": [ip], **({"hostname": h} if h else {}), "conditions": {"ready": ready}}
                          for ip, h, ready in endpoints],
            "ports": [{"name": n, "port": p, "protocol": "TCP"} for n, p in (ports or [("web", 80)])]}


def snapshot(**config: Any) -> DnsSnapshot:
    return DnsSnapshot.build(
        [ns("default"), ns("kube-system")],
        [svc("nginx", clusterIP="None"), svc("api", ip="10.200.5.5"),
         svc("kube-dns", "kube-system", "10.200.1.10", [{"name": "dns", "port": 53, "protocol": "UDP"},
                                                         {"name": "dns-tcp", "port": 53, "protocol": "TCP"},
                                                         {"name": "metrics", "port": 9153, "protocol": "TCP"}]),
         svc("ext", type="ExternalName", externalName="api.default.svc.cluster.local", ports=[]),
         svc("empty", clusterIP="None")],
        [eps("nginx", [("172.16.1.2", "web-0", True), ("172.16.2.2", "web-1", True), ("172.16.3.2", "web-2", False)]),
         eps("api", [("172.16.1.9", None, True)])],
        [{"metadata": {"namespace": "default"}, "status": {"podIP": "172.16.1.2"}}],
        DnsConfig(**config), serial=7)


def data(a: Any) -> list[str]:
    return sorted(str(rr.rdata) for rr in a.answer)


def test_headless_a_lists_ready_endpoints_only() -> None:
    a = answer(snapshot(), f"nginx.default.svc.{Z}", QTYPE.A)
    assert (a.rcode, a.aa, a.ra) == (RCODE.NOERROR, True, False)
    assert data(a) == ["172.16.1.2", "172.16.2.2"]
    assert all(rr.ttl == 5 for rr in a.answer)


def test_headless_srv_weights_and_additional_records() -> None:
    a = answer(snapshot(), f"nginx.default.svc.{Z}", QTYPE.SRV)
    assert data(a) == [f"0 50 80 web-0.nginx.default.svc.{Z}.", f"0 50 80 web-1.nginx.default.svc.{Z}."]
    assert sorted(str(rr.rname) for rr in a.additional) == [f"web-0.nginx.default.svc.{Z}.",
                                                           f"web-1.nginx.default.svc.{Z}."]
    named = answer(snapshot(), f"_web._tcp.nginx.default.svc.{Z}", QTYPE.SRV)
    assert data(named) == data(a)


def test_clusterip_srv_counts_ports_before_dedup() -> None:
    a = answer(snapshot(), f"kube-dns.kube-system.svc.{Z}", QTYPE.SRV)
    assert data(a) == [f"0 33 53 kube-dns.kube-system.svc.{Z}.", f"0 33 9153 kube-dns.kube-system.svc.{Z}."]


def test_endpoint_hostname_and_missing_names() -> None:
    assert data(answer(snapshot(), f"web-0.nginx.default.svc.{Z}", QTYPE.A)) == ["172.16.1.2"]
    assert answer(snapshot(), f"web-2.nginx.default.svc.{Z}", QTYPE.A).rcode == RCODE.NXDOMAIN  # not ready
    missing = answer(snapshot(), f"nope.default.svc.{Z}", QTYPE.A)
    assert missing.rcode == RCODE.NXDOMAIN and str(missing.authority[0].rdata).startswith(f"ns.dns.{Z}.")


def test_nodata_for_other_types_and_empty_headless_is_nxdomain() -> None:
    aaaa = answer(snapshot(), f"nginx.default.svc.{Z}", QTYPE.AAAA)
    assert aaaa.rcode == RCODE.NOERROR and not aaaa.answer and aaaa.authority
    txt = answer(snapshot(), f"api.default.svc.{Z}", QTYPE.TXT)
    assert txt.rcode == RCODE.NOERROR and not txt.answer
    assert answer(snapshot(), f"empty.default.svc.{Z}", QTYPE.A).rcode == RCODE.NXDOMAIN


def test_clusterip_answers_even_without_endpoints_and_ptr_prefers_the_service() -> None:
    assert data(answer(snapshot(), f"api.default.svc.{Z}", QTYPE.A)) == ["10.200.5.5"]
    assert data(answer(snapshot(), "5.5.200.10.in-addr.arpa", QTYPE.PTR)) == [f"api.default.svc.{Z}."]
    assert data(answer(snapshot(), "2.1.16.172.in-addr.arpa", QTYPE.PTR)) == [f"web-0.nginx.default.svc.{Z}."]
    assert data(answer(snapshot(), "9.1.16.172.in-addr.arpa", QTYPE.PTR)) == [f"172-16-1-9.api.default.svc.{Z}."]
    assert answer(snapshot(), "9.9.9.9.in-addr.arpa", QTYPE.PTR).rcode == RCODE.NXDOMAIN


def test_externalname_is_a_cname_chased_in_zone() -> None:
    a = answer(snapshot(), f"ext.default.svc.{Z}", QTYPE.A)
    assert [QTYPE[rr.rtype] for rr in a.answer] == ["CNAME", "A"]
    assert str(a.answer[1].rdata) == "10.200.5.5"


def test_namespace_and_zone_levels() -> None:
    assert answer(snapshot(), f"default.svc.{Z}", QTYPE.A).rcode == RCODE.NOERROR
    assert answer(snapshot(), f"nons.svc.{Z}", QTYPE.A).rcode == RCODE.NXDOMAIN
    assert answer(snapshot(), f"foo.{Z}", QTYPE.A).rcode == RCODE.NXDOMAIN
    soa = answer(snapshot(), Z, QTYPE.SOA)
    assert str(soa.answer[0].rdata) == f"ns.dns.{Z}. hostmaster.{Z}. 7 7200 1800 86400 5"
    ns_reply = answer(snapshot(), Z, QTYPE.NS)
    assert data(ns_reply) == [f"kube-dns.kube-system.svc.{Z}."] and str(ns_reply.additional[0].rdata) == "10.200.1.10"
    txt = answer(snapshot(), f"dns-version.{Z}", QTYPE.TXT)
    assert data(txt) == ['"1.1.0"'] and txt.answer[0].ttl == 28800


@pytest.mark.parametrize("mode,expected", [("insecure", RCODE.NOERROR), ("disabled", RCODE.NXDOMAIN),
                                           ("verified", RCODE.NOERROR)])
def test_pod_records_by_mode(mode: str, expected: int) -> None:
    assert answer(snapshot(pods_mode=mode), f"172-16-1-2.default.pod.{Z}", QTYPE.A).rcode == expected
    unknown = answer(snapshot(pods_mode=mode), f"172-16-9-9.default.pod.{Z}", QTYPE.A).rcode
    assert unknown == (RCODE.NXDOMAIN if mode != "insecure" else RCODE.NOERROR)


def test_case_is_kept_from_the_question_and_out_of_zone_is_upstream_nxdomain() -> None:
    a = answer(snapshot(), f"NGINX.Default.svc.{Z}", QTYPE.A)
    assert {str(rr.rname) for rr in a.answer} == {f"NGINX.Default.svc.{Z}."}
    out = answer(snapshot(), "example.com", QTYPE.A)
    assert (out.rcode, out.aa, out.ra) == (RCODE.NXDOMAIN, False, True)


def test_wildcards_are_literal_labels() -> None:
    assert answer(snapshot(), f"*.nginx.default.svc.{Z}", QTYPE.A).rcode == RCODE.NXDOMAIN
