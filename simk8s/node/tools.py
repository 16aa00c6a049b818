"""The DNS client tools as they run inside a pod: BIND 9.18 ``nslookup``, ``dig`` and ``host``,
busybox 1.28 ``nslookup``, and glibc's ``getent hosts``. Each resolves through ``query(name, qtype)``
(the cluster DNS, in-process) with the pod's ``/etc/resolv.conf`` and prints what the real tool prints.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dnslib import QTYPE, RCODE, DNSError, DNSRecord

__all__ = ["ResolvConf", "run_dns_tool", "unreachable_dns_tool"]

Query = Callable[[str, int], DNSRecord]
DIG_VERSION = "9.18.28-1~deb12u2-Debian"


@dataclass
class ResolvConf:
    search: list[str] = field(default_factory=list)
    nameserver: str = "10.200.1.10"
    ndots: int = 5

    def candidates(self, name: str) -> list[str]:
        if name.endswith("."):
            return [name]
        searched = [f"{name}.{d}." for d in self.search]
        if name.count(".") >= self.ndots:
            return [name + ".", *searched]
        return [*searched, name + "."]


def _qtype(text: str) -> int:
    try:
        code = getattr(QTYPE, text.upper(), None)
    except DNSError:
        code = None
    if not isinstance(code, int):
        raise ValueError(text)
    return code


def _reverse_name(text: str) -> str | None:
    try:
        return ipaddress.ip_address(text).reverse_pointer + "."
    except ValueError:
        return None


def _rdata(rr: Any) -> str:
    return str(rr.rdata)


def _noslash(name: Any) -> str:
    return str(name).rstrip(".")


def run_dns_tool(argv: list[str], resolv: ResolvConf, query: Query, *, flavor: str = "bind") -> tuple[str, str, int]:
    """(stdout, stderr, exit code) of ``argv`` (``nslookup ...``, ``dig ...``, ``host ...``, ``getent ...``)."""
    prog = argv[0].rsplit("/", 1)[-1]
    if prog == "nslookup":
        return _busybox_nslookup(argv, resolv, query) if flavor == "busybox" else _nslookup(argv, resolv, query)
    if prog == "dig":
        return _dig(argv, resolv, query)
    if prog == "host":
        return _host(argv, resolv, query)
    if prog == "getent":
        return _getent(argv, resolv, query)
    return "", f"{prog}: not found\n", 127


# BIND 9.18's tools: 3 tries of 5 s over UDP (dighost.h UDP_TIMEOUT, resolv.conf's default attempts);
# each failed try prints a "communications error" warning, the last one "no servers could be reached".
_BIND_TRIES, _BIND_TIMEOUT = 3, 5.0
# A stub resolver (busybox's, glibc's getent): timeout:5 x attempts:2, silently.
_STUB_TIMEOUT = 10.0


def unreachable_dns_tool(argv: list[str], resolv: ResolvConf, *, flavor: str = "bind"
                         ) -> tuple[str, str, int, float]:
    """(stdout, stderr, exit code, seconds waited) of a DNS tool whose name server never answers."""
    prog = argv[0].rsplit("/", 1)[-1]
    server = resolv.nameserver
    tries = "".join(f";; communications error to {server}#53: timed out\n" for _ in range(_BIND_TRIES))
    waited = _BIND_TRIES * _BIND_TIMEOUT
    if prog == "nslookup" and flavor == "busybox":
        names = [a for a in argv[1:] if not a.startswith("-")]
        name = names[0] if names else ""
        # busybox 1.28 first looks the server's own name up, then the name: both time out.
        return (f"Server:    {server}\nAddress 1: {server}\n\n", f"nslookup: can't resolve '{name}'\n", 1,
                2 * _STUB_TIMEOUT)
    if prog == "nslookup":
        return tries + ";; no servers could be reached\n\n", "", 1, waited
    if prog == "dig":
        if any(a == "+short" for a in argv[1:]):
            return tries + ";; no servers could be reached\n", "", 9, waited
        shown = " ".join(argv[1:])
        return (tries + f"\n; <<>> DiG {DIG_VERSION} <<>> {shown}\n;; global options: +cmd\n"
                ";; no servers could be reached\n\n", "", 9, waited)
    if prog == "host":
        return tries + ";; no servers could be reached\n\n", "", 1, waited
    if prog == "getent":
        return "", "", 2, _STUB_TIMEOUT
    return "", f"{prog}: not found\n", 127, 0.0


# ------------------------------------------------------------------------------------ nslookup
def _nslookup(argv: list[str], resolv: ResolvConf, query: Query) -> tuple[str, str, int]:
    qtype = QTYPE.A
    names: list[str] = []
    for a in argv[1:]:
        if a.startswith("-") and "=" in a:
            opt, _, value = a[1:].partition("=")
            if opt in ("type", "query", "querytype", "q", "ty"):
                try:
                    qtype = _qtype(value)
                except ValueError:
                    return "", f"unknown query type: {value}\n", 1
        elif not a.startswith("-"):
            names.append(a)
    if not names:
        return "", "", 0
    name = names[0]
    server = resolv.nameserver
    out: list[str] = []
    header = f"Server:\t\t{server}\nAddress:\t{server}#53\n\n"
    reverse = _reverse_name(name)
    if reverse is not None and qtype == QTYPE.A:
        reply = query(reverse, QTYPE.PTR)
        if not reply.header.ra:
            out.append(f";; Got recursion not available from {server}\n")
        if reply.header.rcode != RCODE.NOERROR or not reply.rr:
            out.append(header)
            out.append(f"** server can't find {reverse.rstrip('.')}: {RCODE[reply.header.rcode]}\n\n")
            return "".join(out), "", 1
        for rr in reply.rr:
            out.append(f"{_noslash(rr.rname)}\tname = {_rdata(rr)}\n")
        out.append("\n")
        return "".join(out), "", 0
    found = None
    last = None
    for cand in resolv.candidates(name):
        reply = query(cand, qtype)
        last = reply
        if not reply.header.ra:
            out.append(f";; Got recursion not available from {server}\n")
        if reply.header.rcode == RCODE.NXDOMAIN:
            continue
        found = reply
        break
    out.append(header)
    if found is None:
        code = RCODE[last.header.rcode] if last is not None else "NXDOMAIN"
        out.append(f"** server can't find {name}: {code}\n\n")
        return "".join(out), "", 1
    if found.header.rcode != RCODE.NOERROR:
        out.append(f"** server can't find {name}: {RCODE[found.header.rcode]}\n\n")
        return "".join(out), "", 1
    if not found.header.aa:
        out.append("Non-authoritative answer:\n")
    answers = [rr for rr in found.rr]
    out.extend(_nslookup_rr(rr) for rr in answers)
    if qtype == QTYPE.A:
        aaaa = query(str(found.q.qname), QTYPE.AAAA)
        out.extend(_nslookup_rr(rr) for rr in aaaa.rr)
        if not aaaa.header.ra:
            out.append(f";; Got recursion not available from {server}\n")
        if not answers and not aaaa.rr:
            out.append(f"*** Can't find {name}: No answer\n")
    elif not answers:
        out.append(f"*** Can't find {name}: No answer\n")
    out.append("\n")
    return "".join(out), "", 0


def _nslookup_rr(rr: Any) -> str:
    owner = _noslash(rr.rname)
    if rr.rtype in (QTYPE.A, QTYPE.AAAA):
        return f"Name:\t{owner}\nAddress: {_rdata(rr)}\n"
    label = {QTYPE.SRV: "service", QTYPE.CNAME: "canonical name", QTYPE.PTR: "name", QTYPE.TXT: "text",
             QTYPE.NS: "nameserver", QTYPE.MX: "mail exchanger"}.get(rr.rtype, QTYPE[rr.rtype].lower())
    if rr.rtype == QTYPE.SOA:
        soa = rr.rdata
        return (f"{owner}\n\torigin = {_noslash(soa.mname)}\n\tmail addr = {_noslash(soa.rname)}\n"
                f"\tserial = {soa.times[0]}\n\trefresh = {soa.times[1]}\n\tretry = {soa.times[2]}\n"
                f"\texpire = {soa.times[3]}\n\tminimum = {soa.times[4]}\n")
    return f"{owner}\t{label} = {_rdata(rr)}\n"


def _busybox_nslookup(argv: list[str], resolv: ResolvConf, query: Query) -> tuple[str, str, int]:
    """busybox 1.28 (libc resolver): the format of the Kubernetes StatefulSet tutorial."""
    names = [a for a in argv[1:] if not a.startswith("-")]
    if not names:
        return "", "BusyBox v1.28.4 (2018-05-22 17:00:17 UTC) multi-call binary.\n", 1
    name = names[0]
    server = resolv.nameserver
    ptr = query(_reverse_name(server) or "", QTYPE.PTR)
    server_name = next((_noslash(rr.rdata) for rr in ptr.rr), "")
    out = [f"Server:    {server}\nAddress 1: {server}{' ' + server_name if server_name else ''}\n\n"]
    for cand in resolv.candidates(name):
        reply = query(cand, QTYPE.A)
        if reply.header.rcode == RCODE.NOERROR and reply.rr:
            out.append(f"Name:      {name}\n")
            for i, rr in enumerate(r for r in reply.rr if r.rtype == QTYPE.A):
                back = query(_reverse_name(_rdata(rr)) or "", QTYPE.PTR)
                host = next((" " + _noslash(p.rdata) for p in back.rr), "")
                out.append(f"Address {i + 1}: {_rdata(rr)}{host}\n")
            return "".join(out), "", 0
    return "".join(out), f"nslookup: can't resolve '{name}'\n", 1


# ----------------------------------------------------------------------------------------- dig
def _col(text: str, target: int) -> str:
    if len(text.expandtabs()) >= target:
        return text + " "
    while len(text.expandtabs()) < target:
        text += "\t"
    return text


def _dig_rr(rr: Any) -> str:
    line = _col(str(rr.rname), 24) + str(rr.ttl)
    line = _col(line, 32) + "IN"
    line = _col(line, 40) + QTYPE[rr.rtype]
    line = _col(line, 48) + _rdata(rr)
    return line


# dig's display flags: +noall clears them, +[no]<flag> sets one (dig 9.18's defaults are all on).
_DIG_SHOW = ("cmd", "comments", "question", "answer", "authority", "additional", "stats")


def _dig(argv: list[str], resolv: ResolvConf, query: Query) -> tuple[str, str, int]:
    short = False
    search = False
    tcp = False
    show = dict.fromkeys(_DIG_SHOW, True)
    qtype = QTYPE.A
    name = None
    reverse = None
    server = resolv.nameserver
    args = argv[1:]
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("+"):
            opt = a[1:].lower()
            short = short or opt == "short"
            search = search or opt == "search"
            search = search and opt != "nosearch"
            tcp = (tcp or opt in ("tcp", "vc")) and opt not in ("notcp", "novc")
            if opt in ("all", "noall"):
                show = dict.fromkeys(_DIG_SHOW, opt == "all")
            elif opt.removeprefix("no") in show:
                show[opt.removeprefix("no")] = not opt.startswith("no")
        elif a.startswith("@"):
            server = a[1:]
        elif a == "-t" and i + 1 < len(args):
            i += 1
            qtype = _qtype(args[i])
        elif a == "-x" and i + 1 < len(args):
            i += 1
            reverse = _reverse_name(args[i])
            qtype = QTYPE.PTR
        elif a == "-p" and i + 1 < len(args):
            i += 1
        elif not a.startswith("-"):
            try:
                if name is not None:
                    qtype = _qtype(a)
                else:
                    qtype_try = _qtype(a)
                    if a.upper() in ("A", "AAAA", "SRV", "PTR", "TXT", "NS", "SOA", "CNAME", "MX", "ANY"):
                        qtype = qtype_try
                    else:
                        name = a
            except ValueError:
                name = a
        i += 1
    target = reverse or (name or ".")
    if reverse is None and not target.endswith("."):
        candidates = resolv.candidates(target) if search else [target + "."]
    else:
        candidates = [target]
    reply = None
    for cand in candidates:
        reply = query(cand, qtype)
        if reply.header.rcode != RCODE.NXDOMAIN:
            break
    assert reply is not None
    if short:
        return "".join(_rdata(rr) + "\n" for rr in reply.rr if rr.rtype == qtype or qtype == QTYPE.ANY), "", 0
    h = reply.header
    flags = " ".join(f for f, on in (("qr", h.qr), ("aa", h.aa), ("tc", h.tc), ("rd", h.rd), ("ra", h.ra),
                                     ("ad", h.ad), ("cd", h.cd)) if on)
    shown = " ".join(a for a in argv[1:])
    out = [f"\n; <<>> DiG {DIG_VERSION} <<>> {shown}\n", ";; global options: +cmd\n"] if show["cmd"] else []
    comments = show["comments"]
    qname = str(reply.q.qname)
    if comments:
        out.append(";; Got answer:\n")
        if qname.rstrip(".").lower().endswith(".local"):
            out.append(";; WARNING: .local is reserved for Multicast DNS\n")
            out.append(";; You are currently testing what happens when an mDNS query is leaked to DNS\n")
        out.append(f";; ->>HEADER<<- opcode: QUERY, status: {RCODE[h.rcode]}, id: {h.id}\n")
        out.append(f";; flags: {flags}; QUERY: 1, ANSWER: {len(reply.rr)}, AUTHORITY: {len(reply.auth)}, "
                   f"ADDITIONAL: {len(reply.ar) + 1}\n")
        if h.rd and not h.ra:
            out.append(";; WARNING: recursion requested but not available\n")
        out.append("\n;; OPT PSEUDOSECTION:\n; EDNS: version: 0, flags:; udp: 1232\n")
    if show["question"]:
        out.append((";; QUESTION SECTION:\n" if comments else "") + f";{qname}\t\t\tIN\t{QTYPE[reply.q.qtype]}\n")
    for title, rrs in (("ANSWER", reply.rr), ("AUTHORITY", reply.auth), ("ADDITIONAL", reply.ar)):
        if rrs and show[title.lower()]:
            if comments:
                out.append(f"\n;; {title} SECTION:\n")
            out.extend(_dig_rr(rr) + "\n" for rr in rrs)
    if show["stats"]:
        size = len(reply.pack()) + 11
        out.append(f"\n;; Query time: 0 msec\n;; SERVER: {server}#53({server}) ({'TCP' if tcp else 'UDP'})\n"
                   f";; WHEN: Sat Jun 01 09:00:00 UTC 2024\n;; MSG SIZE  rcvd: {size}\n\n")
    return "".join(out), "", 0


# ---------------------------------------------------------------------------------------- host
def _host(argv: list[str], resolv: ResolvConf, query: Query) -> tuple[str, str, int]:
    qtypes: list[int] | None = None
    names = []
    args = argv[1:]
    i = 0
    while i < len(args):
        if args[i] == "-t" and i + 1 < len(args):
            i += 1
            qtypes = [_qtype(args[i])]
        elif not args[i].startswith("-"):
            names.append(args[i])
        i += 1
    if not names:
        return "", "Usage: host [-aCdilrTvVw] [-c class] [-N ndots] [-t type] [-W time]\n", 1
    name = names[0]
    reverse = _reverse_name(name)
    if reverse is not None:
        reply = query(reverse, QTYPE.PTR)
        if not reply.rr:
            return f"Host {reverse.rstrip('.')} not found: 3(NXDOMAIN)\n", "", 1
        return "".join(f"{_noslash(rr.rname)} domain name pointer {_rdata(rr)}\n" for rr in reply.rr), "", 0
    for cand in resolv.candidates(name):
        first = query(cand, (qtypes or [QTYPE.A])[0])
        if first.header.rcode == RCODE.NXDOMAIN:
            continue
        out = []
        for qt in qtypes or [QTYPE.A, QTYPE.AAAA, QTYPE.MX]:
            reply = first if qt == (qtypes or [QTYPE.A])[0] else query(cand, qt)
            for rr in reply.rr:
                owner = _noslash(rr.rname)
                if rr.rtype == QTYPE.A:
                    out.append(f"{owner} has address {_rdata(rr)}\n")
                elif rr.rtype == QTYPE.AAAA:
                    out.append(f"{owner} has IPv6 address {_rdata(rr)}\n")
                elif rr.rtype == QTYPE.SRV:
                    out.append(f"{owner} has SRV record {_rdata(rr)}\n")
                elif rr.rtype == QTYPE.CNAME:
                    out.append(f"{owner} is an alias for {_rdata(rr)}\n")
                elif rr.rtype == QTYPE.PTR:
                    out.append(f"{owner} domain name pointer {_rdata(rr)}\n")
                else:
                    out.append(f"{owner} has {QTYPE[rr.rtype]} record {_rdata(rr)}\n")
        if qtypes and not out:
            return f"{cand.rstrip('.')} has no {QTYPE[qtypes[0]]} record\n", "", 0
        return "".join(out), "", 0
    return f"Host {name} not found: 3(NXDOMAIN)\n", "", 1


# -------------------------------------------------------------------------------------- getent
def _getent(argv: list[str], resolv: ResolvConf, query: Query) -> tuple[str, str, int]:
    if len(argv) < 3 or argv[1] not in ("hosts", "ahosts"):
        return "", "", 2 if len(argv) < 2 else 1
    name = argv[2]
    for cand in resolv.candidates(name):
        reply = query(cand, QTYPE.A)
        if reply.header.rcode == RCODE.NOERROR and reply.rr:
            ips = [_rdata(rr) for rr in reply.rr if rr.rtype == QTYPE.A]
            owner = cand.rstrip(".")
            if argv[1] == "hosts":
                return "".join(f"{ip:<15} {owner}\n" for ip in ips[:1]) if ips else "", "", 0 if ips else 2
            lines = []
            for ip in ips:
                lines += [f"{ip:<15} STREAM {owner}\n", f"{ip:<15} DGRAM  \n", f"{ip:<15} RAW    \n"]
            return "".join(lines), "", 0
        if reply.header.rcode == RCODE.NOERROR:
            break
    return "", "", 2
