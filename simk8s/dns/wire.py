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

    def name(self, labels: tuple[bytes, ...], compress: bool = True, checked: bool = False) -> None:
        if not checked and len(b".".join(labels)) > 253:
            raise DNSLabelError(f"Domain label too long: {labels!r}")
        names = self.names
        for i in range(len(labels)):
            if compress:
                suffix = labels[i:] if i else labels
                pointer = names.get(suffix)
                if pointer is not None:
                    self.parts.append(_H.pack((pointer & 0x3FFF) | 0xC000))
                    self.offset += 2
                    return
                names[suffix] = self.offset
            element = labels[i]
            if len(element) > 63:
                raise DNSLabelError(f"Label component too long: {element!r}")
            self.raw(bytes((len(element),)) + element)
        self.raw(b"\0")

    def record(self, rr: Any) -> None:
        """One resource record, as ``RR.pack`` writes it."""
        pieces = rr.__dict__.get(_PIECES)
        if pieces is None:
            pieces = rr.__dict__[_PIECES] = _pieces(rr)
        owner, tail, names = pieces
        self.name(owner, checked=True)
        if names is None:
            self.raw(tail)
            return
        # Names in the data are compressed against the packet: the length is known only after.
        self.raw(tail)
        length_at = len(self.parts)
        self.raw(b"\0\0")
        start = self.offset
        for labels in names[:-1]:
            self.name(labels, checked=True)
        self.raw(names[-1])
        self.parts[length_at] = _H.pack(self.offset - start)


#: Where a record keeps its packed pieces (records are shared by the answers a service keeps, so
#: each is taken apart once): (owner labels, bytes after the owner, None) for records whose data
#: is the same anywhere in a packet, or (owner labels, type/class/TTL bytes, (names..., fixed tail))
#: for data with compressed names (CNAME, PTR, NS, SOA).
_PIECES = "_simk8s_wire"


def _pieces(rr: Any) -> tuple[tuple[bytes, ...], bytes, tuple[Any, ...] | None]:
    owner = rr.rname.label
    if len(b".".join(owner)) > 253:
        raise DNSLabelError(f"Domain label too long: {owner!r}")
    rtype, rdata = rr.rtype, rr.rdata
    head = _HHI.pack(rtype, rr.rclass, rr.ttl)
    if rtype in _NAMED:
        return owner, head, (_checked(rdata.label.label), b"")
    if rtype == QTYPE.SOA:
        return owner, head, (_checked(rdata.mname.label), _checked(rdata.rname.label), _SOA_TIMES.pack(*rdata.times))
    if rtype == QTYPE.A or rtype == QTYPE.AAAA:
        data = bytes(rdata.data)
    elif rtype == QTYPE.SRV:
        w = _Writer()
        w.raw(_HHH.pack(rdata.priority, rdata.weight, rdata.port))
        w.name(rdata.target.label, compress=False)
        data = b"".join(w.parts)
    elif rtype == QTYPE.TXT:
        if any(len(item) > 255 for item in rdata.data):
            raise _Unsupported()
        data = b"".join(bytes((len(item),)) + item for item in rdata.data)
    elif rtype == QTYPE.OPT and not rdata:
        data = b""
    else:
        raise _Unsupported()
    return owner, head + _H.pack(len(data)) + data, None


def _checked(labels: tuple[bytes, ...]) -> tuple[bytes, ...]:
    if len(b".".join(labels)) > 253:
        raise DNSLabelError(f"Domain label too long: {labels!r}")
    return labels


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
    # OPT records own no names (the root), so their bytes are the same anywhere.
    opt_wire = b""
    for opt in opts:
        ow = _Writer()
        ow.record(opt)
        opt_wire += b"".join(ow.parts)
    ends: list[tuple[int, int]] = []          # (offset after the record, its section: 0 an, 1 ns, 2 ar)
    over = False
    for section, records in enumerate((reply.rr, reply.auth, reply.ar)):
        for rr in records:
            w.record(rr)
            ends.append((w.offset, section))
            if w.offset + len(opt_wire) > limit and rr.rtype != QTYPE.OPT:
                over = True    # this record cannot be kept: nothing after it will be
                break
        if over:
            break
    body = b"".join(w.parts)
    if not over and len(body) <= limit:
        return _HEADER.pack(header.id, header.bitmap, 1, len(reply.rr), len(reply.auth), len(reply.ar)) + body[12:]
    # Truncated: the records in order while they fit, the OPT record(s) (last in the additional section) kept.
    bitmap = DNSHeader(id=header.id, bitmap=header.bitmap, qr=1)
    bitmap.tc = 1
    best = _HEADER.pack(header.id, bitmap.bitmap, 1, 0, 0, 0) + body[12:after_question]
    kept = [0, 0, 0]
    for (end, section), rr in zip(ends, (*reply.rr, *reply.auth, *reply.ar), strict=False):
        if rr.rtype == QTYPE.OPT:
            continue
        kept[section] += 1
        if end + len(opt_wire) > limit:
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
