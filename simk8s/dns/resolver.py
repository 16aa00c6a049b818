"""A dnslib ``BaseResolver`` over the cluster's DNS snapshot, framed as CoreDNS frames replies.

``ClusterResolver.handle_wire(data, protocol)`` turns one request packet into one reply packet and
never raises: malformed packets get FORMERR when their header can be read (and nothing otherwise),
opcodes other than QUERY get NOTIMP, EDNS versions above 0 get BADVERS (RFC 6891), names with a
label over 63 bytes or over 255 bytes in all FORMERR, classes other than IN REFUSED, internal errors
SERVFAIL. A label that contains a dot stays one label (it never matches a cluster name).
Replies are cached per (question labels, flags, EDNS size) for as long as the snapshot is the same
object, with only the message ID patched; the cache keeps the ``cache_size`` most recently used
replies (least recently used evicted first).
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from dnslib import CLASS, EDNS0, OPCODE, QTYPE, RCODE, DNSError, DNSHeader, DNSLabel, DNSRecord
from dnslib.server import BaseResolver

from simk8s.dns.wire import pack_within
from simk8s.logic.dns import DnsSnapshot, answer

__all__ = ["ClusterResolver", "truncate"]

BADVERS = 16


def _opt(request: DNSRecord) -> Any:
    return next((r for r in request.ar if r.rtype == QTYPE.OPT), None)


def _qname_text(label: DNSLabel) -> str:
    """The question name as the zone logic reads it: dotted text, where a dot *inside* a label
    (legal on the wire) becomes a NUL so the label stays one label and matches no cluster name."""
    return ".".join(part.replace(b".", b"\0").decode("latin-1") for part in label.label) + "."


def _well_formed(label: DNSLabel) -> bool:
    """RFC 1035 2.3.4: labels of at most 63 bytes, names of at most 255 on the wire."""
    parts = label.label
    return all(0 < len(p) <= 63 for p in parts) and sum(len(p) + 1 for p in parts) + 1 <= 255


def truncate(reply: DNSRecord, limit: int) -> bytes:
    """The reply packed within ``limit`` bytes: question kept, whole RRs only, TC=1 if anything was cut."""
    return pack_within(reply, limit)


class ClusterResolver(BaseResolver):  # type: ignore[misc,unused-ignore]
    def __init__(self, snapshot_source: Callable[[], DnsSnapshot], cache_size: int = 4096) -> None:
        self.snapshot_source = snapshot_source
        self._cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._raw: OrderedDict[tuple[str, bytes], bytes] = OrderedDict()
        # The snapshot the caches belong to (held, not its id: ids are reused once objects die).
        self._cache_for: Any = None
        self.cache_size = cache_size

    def resolve(self, request: DNSRecord, handler: Any) -> DNSRecord:
        return self._reply(request, self.snapshot_source())

    def _reply(self, request: DNSRecord, snap: DnsSnapshot) -> DNSRecord:
        reply = request.reply(ra=0, aa=1)
        reply.header.ad = 0
        reply.header.tc = 0
        opt = _opt(request)
        if opt is not None:
            reply.add_ar(EDNS0(udp_len=max(512, opt.edns_len), flags="do" if opt.edns_do else ""))
        if request.header.opcode != OPCODE.QUERY:
            reply.header.rcode = RCODE.NOTIMP
            reply.header.aa = 0
            return reply
        if len(request.questions) != 1:
            reply.header.rcode = RCODE.FORMERR
            return reply
        if opt is not None and opt.edns_ver > 0:
            # RFC 6891 6.1.3: the low 4 bits in the header, the high 8 in the OPT record; version 0
            reply.header.rcode = BADVERS & 0xF
            reply.header.aa = 0
            reply.ar = [EDNS0(udp_len=max(512, opt.edns_len), ext_rcode=BADVERS >> 4)]
            return reply
        q = request.q
        if not _well_formed(q.qname):
            reply.header.rcode = RCODE.FORMERR
            reply.header.aa = 0
            return reply
        if q.qclass != CLASS.IN:  # no CHAOS zone is served; ANY/CH/HS are not for the cluster
            reply.header.rcode = RCODE.REFUSED
            reply.header.aa = 0
            return reply
        result = answer(snap, _qname_text(q.qname), q.qtype)
        reply.header.rcode = result.rcode
        if result.rcode == RCODE.REFUSED and opt is not None:
            # errorFunc's SizeAndDo hands the request's own UDP size back, unclamped.
            reply.ar = [EDNS0(udp_len=opt.edns_len, flags="do" if opt.edns_do else "")]
        reply.header.aa = 1 if result.aa else 0
        reply.header.ra = 1 if result.ra else 0
        # Whole sections at once (add_answer recounts the header per record); the OPT record stays last.
        reply.rr.extend(result.answer)
        reply.auth.extend(result.authority)
        at = len(reply.ar) - (1 if opt is not None else 0)
        reply.ar[at:at] = result.additional
        reply.set_header_qa()
        return reply

    def handle_wire(self, data: bytes, protocol: str = "udp") -> bytes | None:
        """One request packet in, one reply packet out (None when nothing sensible can be sent)."""
        if len(data) < 12:
            return None
        snap = self.snapshot_source()
        if self._cache_for is not snap:
            self._cache.clear()
            self._raw.clear()
            self._cache_for = snap
        # Fast path: the very same request bytes (but the ID) were answered for this snapshot.
        raw_key = (protocol, bytes(data[2:]))
        hit = self._raw.get(raw_key)
        if hit is not None:
            self._raw.move_to_end(raw_key)
            return data[:2] + hit[2:]
        try:
            request = DNSRecord.parse(data)
        except (DNSError, UnicodeError, ValueError, IndexError, struct.error):
            return self._formerr(data)
        if request.header.qr:
            return None
        opt = _opt(request)
        limit = 65535 if protocol == "tcp" else max(512, opt.edns_len if opt is not None else 512)
        key = None
        if len(request.questions) == 1:
            q = request.q
            if not _well_formed(q.qname):
                return self._formerr(data)
            key = (tuple(q.qname.label), q.qtype, q.qclass, request.header.bitmap & ~0x8000,
                   None if opt is None else (opt.edns_len, opt.edns_do, opt.edns_ver), limit)
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return data[:2] + cached[2:]
        try:
            reply = self._reply(request, snap)
            wire = truncate(reply, limit)
        except Exception:
            servfail = request.reply(ra=0, aa=0)
            servfail.header.rcode = RCODE.SERVFAIL
            try:
                return bytes(servfail.pack())
            except Exception:  # the question itself cannot be packed again: header only
                return self._formerr(data, RCODE.SERVFAIL)
        if key is not None and self.cache_size > 0:
            self._remember(self._cache, key, wire)
            self._remember(self._raw, raw_key, wire)
        return wire

    def _remember(self, cache: OrderedDict[Any, bytes], key: Any, wire: bytes) -> None:
        cache[key] = wire
        cache.move_to_end(key)
        while len(cache) > self.cache_size:
            cache.popitem(last=False)

    @staticmethod
    def _formerr(data: bytes, rcode: int = RCODE.FORMERR) -> bytes | None:
        try:
            ident, flags = struct.unpack("!HH", data[:4])
        except struct.error:
            return None
        if flags & 0x8000:
            return None
        header = DNSHeader(id=ident, qr=1, opcode=(flags >> 11) & 0xF, rd=(flags >> 8) & 1, rcode=rcode)
        return bytes(DNSRecord(header).pack())


