"""Cluster DNS answers as CoreDNS's kubernetes plugin gives them (reference dns.md §1). Pure.

``DnsSnapshot.build(...)`` indexes Services, EndpointSlices, Pods and Namespaces once;
``answer(snapshot, qname, qtype)`` returns the rcode, flags and resource records for one question:
ClusterIP and headless A/AAAA, endpoint hostnames, SRV with CoreDNS weights (``max(1, 100 // N)``,
N counted before de-duplication) and additional records, PTR, ExternalName CNAME, pod A records,
``dns-version`` TXT, SOA/NS at the apex, and NXDOMAIN versus NODATA with the SOA in authority. The
owner names keep the case of the question.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dnslib import AAAA, CNAME, NS, PTR, QTYPE, RCODE, RR, SOA, SRV, TXT, A

__all__ = ["Answer", "DnsConfig", "DnsSnapshot", "answer"]

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class DnsConfig:
    zone: str = "cluster.local"
    ttl: int = 5
    pods_mode: str = "insecure"          # disabled | insecure | verified
    dns_service: tuple[str, str] = ("kube-dns", "kube-system")
    reverse_zones: tuple[str, ...] = ("in-addr.arpa", "ip6.arpa")


@dataclass
class Answer:
    rcode: int = RCODE.NOERROR
    aa: bool = True
    ra: bool = False
    answer: list[RR] = field(default_factory=list)
    authority: list[RR] = field(default_factory=list)
    additional: list[RR] = field(default_factory=list)


@dataclass
class _Endpoint:
    ip: str
    hostname: str | None
    ports: list[tuple[str, int, str]]      # (name, port, protocol)


@dataclass
class _Service:
    name: str
    namespace: str
    type: str
    cluster_ips: list[str]
    external_name: str
    ports: list[tuple[str, int, str]]
    endpoints: list[_Endpoint]

    @property
    def headless(self) -> bool:
        return not self.cluster_ips or self.cluster_ips == ["None"]


@dataclass
class DnsSnapshot:
    config: DnsConfig
    serial: int
    namespaces: set[str]
    services: dict[tuple[str, str], _Service]
    pod_ips: dict[str, set[str]]                # namespace -> pod IPs (verified mode)
    reverse: dict[str, list[str]]               # ip -> PTR targets (without the trailing dot)
    dns_ip: str | None

    @classmethod
    def build(cls, namespaces: Iterable[Obj], services: Iterable[Obj], endpoint_slices: Iterable[Obj],
              pods: Iterable[Obj], config: DnsConfig | None = None, serial: int = 1) -> DnsSnapshot:
        config = config or DnsConfig()
        zone = config.zone
        svcs: dict[tuple[str, str], _Service] = {}
        for s in services:
            spec = s.get("spec") or {}
            ips = [ip for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])]
            ports = [(p.get("name", ""), int(p["port"]), p.get("protocol", "TCP")) for p in spec.get("ports") or ()]
            key = (s["metadata"]["namespace"], s["metadata"]["name"])
            svcs[key] = _Service(key[1], key[0], spec.get("type", "ClusterIP"), ips, spec.get("externalName", ""),
                                 ports, [])
        for sl in endpoint_slices:
            name = (sl["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
            svc = svcs.get((sl["metadata"]["namespace"], name or ""))
            if svc is None:
                continue
            ports = [(p.get("name", "") or "", int(p["port"]), p.get("protocol", "TCP"))
                     for p in sl.get("ports") or () if p.get("port") is not None]
            for ep in sl.get("endpoints") or ():
                ready = (ep.get("conditions") or {}).get("ready")
                if ready is False:
                    continue
                for ip in ep.get("addresses") or ():
                    svc.endpoints.append(_Endpoint(ip, ep.get("hostname"), ports))
        reverse: dict[str, list[str]] = {}
        for svc in sorted(svcs.values(), key=lambda s: (s.namespace, s.name)):
            base = f"{svc.name}.{svc.namespace}.svc.{zone}"
            if not svc.headless:
                for ip in svc.cluster_ips:
                    reverse[ip] = [base]
        cluster_ips = set(reverse)
        for svc in sorted(svcs.values(), key=lambda s: (s.namespace, s.name)):
            base = f"{svc.name}.{svc.namespace}.svc.{zone}"
            for ep in svc.endpoints:
                if ep.ip in cluster_ips:
                    continue   # a Service IP's PTR wins
                target = f"{ep.hostname or _dashed(ep.ip)}.{base}"
                targets = reverse.setdefault(ep.ip, [])
                if target not in targets:
                    targets.append(target)
        pod_ips: dict[str, set[str]] = {}
        for p in pods:
            ip = (p.get("status") or {}).get("podIP")
            if ip:
                pod_ips.setdefault(p["metadata"]["namespace"], set()).add(ip)
        dns_svc = svcs.get((config.dns_service[1], config.dns_service[0]))
        dns_ip = dns_svc.cluster_ips[0] if dns_svc and not dns_svc.headless else None
        ns_names = {n["metadata"]["name"] for n in namespaces}
        return cls(config, serial, ns_names, svcs, pod_ips, reverse, dns_ip)


def _dashed(ip: str) -> str:
    return ip.replace(".", "-").replace(":", "-")


def _strip_zone(labels: list[str], zone: list[str]) -> list[str] | None:
    lower = [x.lower() for x in labels]
    if len(lower) >= len(zone) and lower[len(lower) - len(zone):] == zone:
        return labels[:len(labels) - len(zone)]
    return None


def _weight(n: int) -> int:
    return max(1, 100 // n) if n else 100


def _soa(owner: str, snap: DnsSnapshot, zone: str) -> RR:
    ttl = snap.config.ttl
    return RR(owner, QTYPE.SOA, ttl=min(ttl, 300),
              rdata=SOA(f"ns.dns.{zone}.", f"hostmaster.{zone}.", (snap.serial & 0xFFFFFFFF, 7200, 1800, 86400, ttl)))


def answer(snap: DnsSnapshot, qname: str, qtype: int) -> Answer:
    """CoreDNS's reply content for one question."""
    name = qname.rstrip(".")
    labels = name.split(".") if name else []
    zone = snap.config.zone
    zlabels = zone.lower().split(".")
    ttl = snap.config.ttl
    rel = _strip_zone(labels, zlabels)
    zone_owner = ".".join(labels[len(labels) - len(zlabels):]) + "." if rel is not None else ""
    if qtype in (QTYPE.AXFR, QTYPE.IXFR) and (rel is not None or _in_reverse(labels, snap)):
        # The kubernetes plugin returns REFUSED without writing; the server's errorFunc then
        # answers with the question echoed, no records and neither AA nor RA.
        return Answer(rcode=RCODE.REFUSED, aa=False, ra=False)
    if rel is None:
        return _reverse(snap, labels, qtype) if _in_reverse(labels, snap) else Answer(
            rcode=RCODE.NXDOMAIN, aa=False, ra=True)
    out = Answer()

    def negative(exists: bool) -> Answer:
        out.rcode = RCODE.NOERROR if exists else RCODE.NXDOMAIN
        out.answer.clear()
        out.additional.clear()
        out.authority.append(_soa(zone_owner, snap, zone))
        return out

    if not rel:
        if qtype == QTYPE.SOA:
            out.answer.append(_soa(qname if qname.endswith(".") else qname + ".", snap, zone))
            return out
        if qtype == QTYPE.NS:
            ns_name = f"kube-dns.kube-system.svc.{zone}." if snap.dns_ip else f"ns.dns.{zone}."
            out.answer.append(RR(qname, QTYPE.NS, ttl=ttl, rdata=NS(ns_name)))
            if snap.dns_ip:
                out.additional.append(RR(ns_name, QTYPE.A, ttl=ttl, rdata=A(snap.dns_ip)))
            return out
        return negative(True)
    low = [x.lower() for x in rel]
    if low == ["dns-version"]:
        if qtype == QTYPE.TXT:
            out.answer.append(RR(qname, QTYPE.TXT, ttl=28800, rdata=TXT("1.1.0")))
            return out
        return negative(qtype != QTYPE.A and qtype != QTYPE.AAAA)
    if low == ["ns", "dns"]:
        if qtype == QTYPE.A and snap.dns_ip:
            out.answer.append(RR(qname, QTYPE.A, ttl=ttl, rdata=A(snap.dns_ip)))
            return out
        return negative(True)
    if qtype == QTYPE.SOA:
        return negative(True)
    kind = low[-1]
    if kind not in ("svc", "pod"):
        return negative(False)
    if len(low) == 1:
        return negative(True)
    ns = low[-2]
    if len(low) == 2:
        return negative(ns in snap.namespaces)
    if kind == "pod":
        return _pod(snap, qname, rel, qtype, out, negative)
    rest = rel[:-2]
    svc = snap.services.get((ns, rest[-1].lower()))
    if svc is None or len(rest) > 3:
        return negative(False)
    prefix = rest[:-1]
    if svc.type == "ExternalName":
        if prefix:
            return negative(False)
        target = svc.external_name.rstrip(".") + "."
        if qtype in (QTYPE.A, QTYPE.AAAA, QTYPE.TXT, QTYPE.CNAME):
            out.answer.append(RR(qname, QTYPE.CNAME, ttl=ttl, rdata=CNAME(target)))
            if qtype != QTYPE.CNAME and _strip_zone(target.rstrip(".").split("."), zlabels) is not None:
                chased = answer(snap, target, qtype)
                out.answer.extend(chased.answer)
            return out
        return negative(True)
    if len(prefix) == 2:
        return _port_query(snap, qname, svc, prefix, qtype, out, negative)
    if len(prefix) == 1:
        return _endpoint_query(snap, qname, svc, prefix[0], qtype, out, negative)
    return _service_query(snap, qname, svc, qtype, out, negative)


def _family(ip: str) -> int:
    return ipaddress.ip_address(ip).version


def _addr_rr(owner: str, ip: str, ttl: int) -> RR:
    return RR(owner, QTYPE.A, ttl=ttl, rdata=A(ip)) if _family(ip) == 4 else RR(owner, QTYPE.AAAA, ttl=ttl,
                                                                                   rdata=AAAA(ip))


def _service_query(snap: DnsSnapshot, qname: str, svc: _Service, qtype: int, out: Answer, negative: Any) -> Answer:
    ttl = snap.config.ttl
    owner = qname if qname.endswith(".") else qname + "."
    base = f"{svc.name}.{svc.namespace}.svc.{snap.config.zone}."
    if svc.headless:
        if not svc.endpoints:
            return negative(False)
        if qtype in (QTYPE.A, QTYPE.AAAA):
            want = 4 if qtype == QTYPE.A else 6
            seen: set[str] = set()
            for ep in svc.endpoints:
                if ep.ip not in seen and _family(ep.ip) == want:
                    seen.add(ep.ip)
                    out.answer.append(_addr_rr(owner, ep.ip, ttl))
            return out if out.answer else negative(True)
        if qtype == QTYPE.SRV:
            entries = [(f"{ep.hostname or _dashed(ep.ip)}.{base}", port, ep.ip) for ep in svc.endpoints
                       for (_, port, _) in ep.ports]
            return _srv(owner, entries, ttl, out, negative)
        return negative(True)
    if qtype in (QTYPE.A, QTYPE.AAAA):
        want = 4 if qtype == QTYPE.A else 6
        out.answer.extend(_addr_rr(owner, ip, ttl) for ip in svc.cluster_ips if _family(ip) == want)
        return out if out.answer else negative(True)
    if qtype == QTYPE.SRV:
        entries = [(base, port, ip) for ip in svc.cluster_ips for (_, port, _) in svc.ports]
        return _srv(owner, entries, ttl, out, negative)
    return negative(True)


def _srv(owner: str, entries: Sequence[tuple[str, int, str]], ttl: int, out: Answer, negative: Any) -> Answer:
    if not entries:
        return negative(True)
    weight = _weight(len(entries))
    seen: set[tuple[str, int]] = set()
    extra: set[tuple[str, str]] = set()
    for target, port, ip in entries:
        if (target, port) not in seen:
            seen.add((target, port))
            out.answer.append(RR(owner, QTYPE.SRV, ttl=ttl, rdata=SRV(0, weight, port, target)))
        if (target, ip) not in extra:
            extra.add((target, ip))
            out.additional.append(_addr_rr(target, ip, ttl))
    return out


def _endpoint_query(snap: DnsSnapshot, qname: str, svc: _Service, label: str, qtype: int, out: Answer,
                    negative: Any) -> Answer:
    ttl = snap.config.ttl
    owner = qname if qname.endswith(".") else qname + "."
    low = label.lower()
    eps = [ep for ep in svc.endpoints if (ep.hostname or _dashed(ep.ip)).lower() == low]
    if not eps:
        return negative(False)
    if qtype in (QTYPE.A, QTYPE.AAAA):
        want = 4 if qtype == QTYPE.A else 6
        out.answer.extend(_addr_rr(owner, ep.ip, ttl) for ep in eps if _family(ep.ip) == want)
        return out if out.answer else negative(True)
    if qtype == QTYPE.SRV:
        entries = [(owner, port, ep.ip) for ep in eps for (_, port, _) in ep.ports]
        if not entries:
            return negative(True)
        for target, port, ip in entries:
            out.answer.append(RR(owner, QTYPE.SRV, ttl=ttl, rdata=SRV(0, 100, port, target)))
            out.additional.append(_addr_rr(target, ip, ttl))
        return out
    return negative(True)


def _port_query(snap: DnsSnapshot, qname: str, svc: _Service, prefix: list[str], qtype: int, out: Answer,
                negative: Any) -> Answer:
    ttl = snap.config.ttl
    owner = qname if qname.endswith(".") else qname + "."
    pname = prefix[0].lower().removeprefix("_")
    proto = prefix[1].lower().removeprefix("_")
    base = f"{svc.name}.{svc.namespace}.svc.{snap.config.zone}."

    def ok(name: str, protocol: str) -> bool:
        return (not pname or name.lower() == pname) and (not proto or protocol.lower() == proto)

    if svc.headless:
        entries = [(f"{ep.hostname or _dashed(ep.ip)}.{base}", port, ep.ip) for ep in svc.endpoints
                   for (name, port, protocol) in ep.ports if ok(name, protocol)]
    else:
        entries = [(base, port, ip) for ip in svc.cluster_ips for (name, port, protocol) in svc.ports
                   if ok(name, protocol)]
    if not entries:
        return negative(False)
    if qtype == QTYPE.SRV:
        return _srv(owner, entries, ttl, out, negative)
    if qtype in (QTYPE.A, QTYPE.AAAA):
        want = 4 if qtype == QTYPE.A else 6
        ips = {ip for _, _, ip in entries if _family(ip) == want}
        if svc.headless:
            out.answer.extend(_addr_rr(owner, ip, ttl) for ip in sorted(ips))
        else:
            out.answer.extend(_addr_rr(owner, ip, ttl) for ip in svc.cluster_ips if ip in ips)
        return out if out.answer else negative(True)
    return negative(True)


def _pod(snap: DnsSnapshot, qname: str, rel: list[str], qtype: int, out: Answer, negative: Any) -> Answer:
    mode = snap.config.pods_mode
    ns = rel[-2].lower()
    if mode == "disabled" or len(rel) != 3 or ns not in snap.namespaces:
        return negative(False)
    label = rel[0]
    if label.count("-") == 3 and "--" not in label:
        text = label.replace("-", ".")
    else:
        text = label.replace("-", ":")
    try:
        ip = str(ipaddress.ip_address(text))
    except ValueError:
        return negative(False)
    if mode == "verified" and ip not in snap.pod_ips.get(ns, set()):
        return negative(False)
    owner = qname if qname.endswith(".") else qname + "."
    want = 4 if qtype == QTYPE.A else 6 if qtype == QTYPE.AAAA else 0
    if want and _family(ip) == want:
        out.answer.append(_addr_rr(owner, ip, snap.config.ttl))
        return out
    return negative(True)


def _in_reverse(labels: list[str], snap: DnsSnapshot) -> bool:
    name = ".".join(labels).lower()
    return any(name == z or name.endswith("." + z) for z in snap.config.reverse_zones)


def _reverse(snap: DnsSnapshot, labels: list[str], qtype: int) -> Answer:
    name = ".".join(labels)
    low = name.lower()
    out = Answer()
    ip = None
    if low.endswith(".in-addr.arpa"):
        parts = low[:-len(".in-addr.arpa")].split(".")
        if len(parts) == 4:
            ip = ".".join(reversed(parts))
    elif low.endswith(".ip6.arpa"):
        nibbles = low[:-len(".ip6.arpa")].split(".")
        if len(nibbles) == 32:
            hexs = "".join(reversed(nibbles))
            try:
                ip = str(ipaddress.ip_address(":".join(hexs[i:i + 4] for i in range(0, 32, 4))))
            except ValueError:
                ip = None
    zone = "in-addr.arpa" if low.endswith("in-addr.arpa") else "ip6.arpa"
    targets = snap.reverse.get(ip or "", [])
    if qtype == QTYPE.PTR and targets:
        for t in targets:
            out.answer.append(RR(name + ".", QTYPE.PTR, ttl=snap.config.ttl, rdata=PTR(t + ".")))
        return out
    out.rcode = RCODE.NOERROR if targets else RCODE.NXDOMAIN
    ttl = snap.config.ttl
    out.authority.append(RR(zone + ".", QTYPE.SOA, ttl=min(ttl, 300), rdata=SOA(
        f"ns.dns.{zone}.", f"hostmaster.{zone}.", (snap.serial & 0xFFFFFFFF, 7200, 1800, 86400, ttl))))
    return out

