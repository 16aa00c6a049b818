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
    # Positive answers by (question name, type): they depend on nothing but this service (and the
    # configuration), so they are kept for as long as the service is (see ``DnsIndex``).
    answers: dict[tuple[str, int], Answer] = field(default_factory=dict, compare=False, repr=False)
    keep_answers: bool = field(default=True, compare=False, repr=False)

    @property
    def headless(self) -> bool:
        return not self.cluster_ips or self.cluster_ips == ["None"]


#: Positive answers kept per service (a client asking for many spellings of names cannot grow it).
_ANSWERS_PER_SERVICE = 512


@dataclass
class DnsSnapshot:
    """What the cluster DNS answers from at one moment; never changed once made."""

    config: DnsConfig
    serial: int
    namespaces: frozenset[str]
    services: Mapping[tuple[str, str], _Service]
    pod_ips: Mapping[str, frozenset[str]]         # namespace -> pod IPs (verified mode only)
    dns_ip: str | None
    _reverse: dict[str, list[str]] | None = field(default=None, repr=False, compare=False)

    @property
    def reverse(self) -> dict[str, list[str]]:
        """ip -> PTR targets (without the trailing dot), worked out on the first reverse query."""
        if self._reverse is None:
            self._reverse = _reverse_map(self.services.values(), self.config.zone)
        return self._reverse

    @classmethod
    def build(cls, namespaces: Iterable[Obj], services: Iterable[Obj], endpoint_slices: Iterable[Obj],
              pods: Iterable[Obj], config: DnsConfig | None = None, serial: int = 1) -> DnsSnapshot:
        index = DnsIndex(config or DnsConfig())
        for kind, objs in (("Namespace", namespaces), ("Service", services), ("EndpointSlice", endpoint_slices),
                           ("Pod", pods)):
            for obj in objs:
                index.apply(kind, obj, None)
        return index.snapshot(serial)


Key = tuple[str, str]


def _key(obj: Obj) -> Key:
    return obj["metadata"].get("namespace", ""), obj["metadata"].get("name") or f"#{id(obj)}"  # (nameless: tests)


def _slice_service(sl: Obj) -> Key:
    return sl["metadata"]["namespace"], (sl["metadata"].get("labels") or {}).get("kubernetes.io/service-name") or ""


class DnsIndex:
    """The DNS view, kept current from watch events (:meth:`apply` per change of a Namespace,
    Service, EndpointSlice or Pod) instead of rebuilt from every object: :meth:`snapshot` rebuilds
    only the services whose Service or EndpointSlices changed since the last one, and shares the
    others (with the answers they keep). A snapshot equals ``DnsSnapshot.build`` over the objects."""

    def __init__(self, config: DnsConfig, *, keep_answers: bool = True) -> None:
        self.config = config
        self.keep_answers = keep_answers
        self._namespaces: set[str] = set()
        self._service_objs: dict[Key, Obj] = {}
        self._slices: dict[Key, dict[Key, Obj]] = {}       # service key -> {slice key: slice}
        self._slice_of: dict[Key, Key] = {}                 # slice key -> the service key it names
        self._services: dict[Key, _Service] = {}
        self._dirty: set[Key] = set()
        self._pod_ips: dict[str, dict[str, int]] = {}       # namespace -> pod IP -> pods with it
        self._pod_ip: dict[Key, str] = {}
        self._changed = True
        self._last: DnsSnapshot | None = None

    def apply(self, kind: str, obj: Obj, old: Obj | None, deleted: bool = False) -> None:
        """Take one change: ``obj`` as it now is (or as it was last, with ``deleted``)."""
        if kind == "Service":
            key = _key(obj)
            if deleted:
                self._service_objs.pop(key, None)
            else:
                self._service_objs[key] = obj
            self._dirty.add(key)
        elif kind == "EndpointSlice":
            key = _key(obj)
            before = self._slice_of.pop(key, None)
            if before is not None:
                self._slices[before].pop(key, None)
                self._dirty.add(before)
            if not deleted:
                svc = _slice_service(obj)
                self._slice_of[key] = svc
                self._slices.setdefault(svc, {})[key] = obj
                self._dirty.add(svc)
        elif kind == "Pod":
            if self.config.pods_mode != "verified":
                return
            key = _key(obj)
            ip = None if deleted else (obj.get("status") or {}).get("podIP")
            if self._pod_ip.get(key) == ip:
                return
            self._pod_ip_change(key, ip)
        elif kind == "Namespace":
            if deleted:
                self._namespaces.discard(obj["metadata"]["name"])
            else:
                self._namespaces.add(obj["metadata"]["name"])
        else:
            return
        self._changed = True

    def _pod_ip_change(self, key: Key, ip: str | None) -> None:
        old = self._pod_ip.pop(key, None)
        if old is not None:
            ips = self._pod_ips[key[0]]
            ips[old] -= 1
            if not ips[old]:
                del ips[old]
        if ip:
            self._pod_ip[key] = ip
            ips = self._pod_ips.setdefault(key[0], {})
            ips[ip] = ips.get(ip, 0) + 1

    def snapshot(self, serial: int) -> DnsSnapshot:
        """The view now (the previous snapshot again when nothing changed and the serial is the same)."""
        last = self._last
        if last is not None and not self._changed and last.serial == serial:
            return last
        for key in self._dirty:
            obj = self._service_objs.get(key)
            if obj is None:
                self._services.pop(key, None)
            else:
                self._services[key] = self._service(key, obj)
        self._dirty.clear()
        dns_key = (self.config.dns_service[1], self.config.dns_service[0])
        dns_svc = self._services.get(dns_key)
        pod_ips = {ns: frozenset(ips) for ns, ips in self._pod_ips.items()}
        snap = DnsSnapshot(self.config, serial, frozenset(self._namespaces), dict(self._services), pod_ips,
                           dns_svc.cluster_ips[0] if dns_svc and not dns_svc.headless else None)
        if last is not None and not self._changed:
            snap._reverse = last._reverse
        self._last, self._changed = snap, False
        return snap

    def _service(self, key: Key, s: Obj) -> _Service:
        spec = s.get("spec") or {}
        ips = [ip for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else [])]
        ports = [(p.get("name", ""), int(p["port"]), p.get("protocol", "TCP")) for p in spec.get("ports") or ()]
        svc = _Service(key[1], key[0], spec.get("type", "ClusterIP"), ips, spec.get("externalName", ""), ports, [],
                       keep_answers=self.keep_answers)
        for _, sl in sorted(self._slices.get(key, {}).items()):
            slice_ports = [(p.get("name", "") or "", int(p["port"]), p.get("protocol", "TCP"))
                           for p in sl.get("ports") or () if p.get("port") is not None]
            for ep in sl.get("endpoints") or ():
                if (ep.get("conditions") or {}).get("ready") is False:
                    continue
                for ip in ep.get("addresses") or ():
                    svc.endpoints.append(_Endpoint(ip, ep.get("hostname"), slice_ports))
        return svc


def _reverse_map(services: Iterable[_Service], zone: str) -> dict[str, list[str]]:
    """PTR targets by IP: a Service's ClusterIP names the Service; other endpoint IPs name their
    endpoints (hostname or dashed IP) under each Service, in (namespace, name) order."""
    ordered = sorted(services, key=lambda s: (s.namespace, s.name))
    reverse: dict[str, list[str]] = {}
    for svc in ordered:
        if not svc.headless:
            for ip in svc.cluster_ips:
                reverse[ip] = [f"{svc.name}.{svc.namespace}.svc.{zone}"]
    cluster_ips = set(reverse)
    for svc in ordered:
        base = f"{svc.name}.{svc.namespace}.svc.{zone}"
        for ep in svc.endpoints:
            if ep.ip in cluster_ips:
                continue   # a Service IP's PTR wins
            target = f"{ep.hostname or _dashed(ep.ip)}.{base}"
            targets = reverse.setdefault(ep.ip, [])
            if target not in targets:
                targets.append(target)
    return reverse


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
    if svc.type == "ExternalName":
        return _external_name(snap, qname, svc, rest[:-1], qtype, out, negative)
    kept = svc.answers.get((qname, qtype))
    if kept is not None:
        return kept
    result = _service_answer(snap, qname, svc, rest[:-1], qtype, out, negative)
    if svc.keep_answers and result.rcode == RCODE.NOERROR and not result.authority:   # negatives carry the serial
        if len(svc.answers) >= _ANSWERS_PER_SERVICE:
            svc.answers.clear()
        svc.answers[(qname, qtype)] = result
    return result


def _external_name(snap: DnsSnapshot, qname: str, svc: _Service, prefix: list[str], qtype: int, out: Answer,
                   negative: Any) -> Answer:
    ttl = snap.config.ttl
    zlabels = snap.config.zone.lower().split(".")
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


def _service_answer(snap: DnsSnapshot, qname: str, svc: _Service, prefix: list[str], qtype: int, out: Answer,
                    negative: Any) -> Answer:
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

