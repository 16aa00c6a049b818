"""DNS replies to wire format, byte for byte as dnslib packs them, in linear time.

``pack_within(reply, limit)`` is what ``DNSRecord.pack()`` gives when that fits in ``limit`` bytes,
and otherwise the truncated reply a server sends (TC=1, the question, as many whole records as fit
in answer, authority, additional order, the OPT record kept). dnslib builds that by packing the
reply again for every record added (quadratic in the records: most of the cost of a large answer
not in the reply cache); here the reply is packed once, the offset after each record noted, and
the truncated reply cut from it, which gives the same bytes because name compression only points
backwards. Records are packed by a small encoder that compresses names exactly as dnslib's
``DNSBuffer.encode_name`` does (a suffix seen before, case-sensitively, becomes a pointer); record
types it does not know go through dnslib itself.
"""

from __future__ import annotations

import struct
from typing import Any

from dnslib import QTYPE, DNSHeader, DNSLabelError, DNSRecord

__all__ = ["pack_within"]

_H = struct.Struct("!H")
_HHI = struct.Struct("!HHI")
_HEADER = struct.Struct("!HHHHHH")
_HH = struct.Struct("!HH")
_HHH = struct.Struct("!HHH")
_SOA_TIMES = struct.Struct("!IIIII")
_NAMED = frozenset({QTYPE.CNAME, QTYPE.PTR, QTYPE.NS})


class _Unsupported(Exception):
    """A record this encoder does not pack: dnslib packs the reply instead."""


class _Writer:
    """An append-only packet with dnslib's name compression table."""

    __slots__ = ("names", "offset", "parts")

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0
        self.names: dict[tuple[bytes, ...], int] = {}

    def raw(self, data: bytes) -> None:
        self.parts.append(data)
        self.offset += len(data)

    def name(self, labels: tuple[bytes, ...], compress: bool = True) -> None:
        if len(b".".join(labels)) > 253:
            raise DNSLabelError(f"Domain label too long: {labels!r}")
        for i in range(len(labels)):
            if compress:
                suffix = labels[i:]
                pointer = self.names.get(suffix)
                if pointer is not None:
                    self.raw(_H.pack((pointer & 0x3FFF) | 0xC000))
                    return
                self.names[suffix] = self.offset
            element = labels[i]
            if len(element) > 63:
                raise DNSLabelError(f"Label component too long: {element!r}")
            self.raw(bytes((len(element),)) + element)
        self.raw(b"\0")

    def record(self, rr: Any) -> None:
        """One resource record, as ``RR.pack`` writes it."""
        self.name(rr.rname.label)
        rtype, rdata = rr.rtype, rr.rdata
        self.raw(_HHI.pack(rtype, rr.rclass, rr.ttl))
        length_at = len(self.parts)
        self.raw(b"\0\0")
        start = self.offset
        if rtype == QTYPE.A or rtype == QTYPE.AAAA:
            self.raw(bytes(rdata.data))
        elif rtype == QTYPE.SRV:
            self.raw(_HHH.pack(rdata.priority, rdata.weight, rdata.port))
            self.name(rdata.target.label, compress=False)
        elif rtype in _NAMED:
            self.name(rdata.label.label)
        elif rtype == QTYPE.SOA:
            self.name(rdata.mname.label)
            self.name(rdata.rname.label)
            self.raw(_SOA_TIMES.pack(*rdata.times))
        elif rtype == QTYPE.TXT:
            for item in rdata.data:
                if len(item) > 255:
                    raise _Unsupported()
                self.raw(bytes((len(item),)) + item)
        elif rtype == QTYPE.OPT and not rdata:
            pass
        else:
            raise _Unsupported()
        self.parts[length_at] = _H.pack(self.offset - start)


def pack_within(reply: DNSRecord, limit: int) -> bytes:
    """The reply packed within ``limit`` bytes: question kept, whole RRs only, TC=1 if anything was cut."""
    if len(reply.questions) != 1:
        return _truncate(reply, limit)
    try:
        return _pack_within(reply, limit)
    except _Unsupported:
        return _truncate(reply, limit)


def _pack_within(reply: DNSRecord, limit: int) -> bytes:
    opts = [rr for rr in reply.ar if rr.rtype == QTYPE.OPT]
    if opts and any(rr.rtype != QTYPE.OPT for rr in reply.ar[len(reply.ar) - len(opts):]):
        raise _Unsupported()   # an OPT record before other additional records: cut offsets would move
    header = reply.header
    q = reply.q
    w = _Writer()
    w.raw(b"\0" * 12)
    w.name(q.qname.label)
    w.raw(_HH.pack(q.qtype, q.qclass))
    after_question = w.offset
    ends: list[tuple[int, int]] = []          # (offset after the record, its section: 0 an, 1 ns, 2 ar)
    for section, records in enumerate((reply.rr, reply.auth, reply.ar)):
        for rr in records:
            w.record(rr)
            ends.append((w.offset, section))
    body = b"".join(w.parts)
    counts = [len(reply.rr), len(reply.auth), len(reply.ar)]
    if len(body) <= limit:
        return _HEADER.pack(header.id, header.bitmap, 1, *counts) + body[12:]
    # Truncated: the records in order, the OPT record(s) (last in the additional section) kept.
    opt_wire = b""
    for opt in opts:
        ow = _Writer()
        ow.record(opt)
        opt_wire += b"".join(ow.parts)
    bitmap = DNSHeader(id=header.id, bitmap=header.bitmap, qr=1)
    bitmap.tc = 1
    best = _HEADER.pack(header.id, bitmap.bitmap, 1, 0, 0, 0) + body[12:after_question]
    kept = [0, 0, 0]
    for (end, section), rr in zip(ends, (*reply.rr, *reply.auth, *reply.ar), strict=True):
        if rr.rtype == QTYPE.OPT:
            continue
        kept[section] += 1
        size = end + len(opt_wire)
        if size > limit:
            return best
        best = (_HEADER.pack(header.id, bitmap.bitmap, 1, kept[0], kept[1], kept[2] + len(opts))
                + body[12:end] + opt_wire)
    return best


def _truncate(reply: DNSRecord, limit: int) -> bytes:
    """dnslib's own way (any record type, any number of questions): pack again per record."""
    wire: bytes = reply.pack()
    if len(wire) <= limit:
        return wire
    opt = [r for r in reply.ar if r.rtype == QTYPE.OPT]
    cut = DNSRecord(DNSHeader(id=reply.header.id, bitmap=reply.header.bitmap, qr=1), q=reply.q)
    cut.header.tc = 1
    best: bytes = cut.pack()
    for section in ("rr", "auth", "ar"):
        for rr in getattr(reply, section):
            if rr.rtype == QTYPE.OPT:
                continue
            getattr(cut, section).append(rr)
            trial = DNSRecord(cut.header, questions=cut.questions, rr=cut.rr, auth=cut.auth, ar=cut.ar + opt).pack()
            if len(trial) > limit:
                getattr(cut, section).pop()
                return best
            best = trial
    return best
