"""SPDY/3.1 framing, server side, without I/O: what ``kubectl port-forward`` speaks.

kubectl (client-go) multiplexes one port-forward session over SPDY/3.1 (moby/spdystream): either
straight after an HTTP ``Upgrade: SPDY/3.1``, or tunneled in WebSocket binary messages. This module
turns the bytes the client sends into frames and events, and the server's answers into bytes:

- :class:`Decoder` splits a byte stream (cut anywhere) into frames; header blocks are inflated
  with the connection's one zlib stream and the SPDY/3 dictionary.
- :class:`Encoder` writes frames; header blocks share one deflate stream, sync-flushed per frame.
- :class:`Session` keeps the per-stream state of a server's connection: it validates stream ids,
  answers PINGs, and reports :class:`StreamOpened`, :class:`DataReceived`, :class:`StreamEnded`,
  :class:`StreamReset` and :class:`GoneAway`; the caller replies, sends and closes streams, and
  writes out what :meth:`Session.take` returns.

Hostile input is bounded: a frame longer than the limits, a header block inflating past
:data:`MAX_HEADER_BLOCK` (a zlib bomb stops there), a malformed frame or a corrupt zlib stream
raise :class:`ProtocolError` (the caller sends the GOAWAY that :meth:`Session.fail` queues and
drops the connection); streams past :data:`MAX_STREAMS` are refused one by one. Like spdystream
on both ends of Kubernetes, there is no flow control: WINDOW_UPDATE and SETTINGS are read and
ignored, and nothing waits for a window.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = [
    "CANCEL", "DICTIONARY", "INTERNAL_ERROR", "MAX_CONTROL_FRAME", "MAX_DATA_FRAME", "MAX_HEADER_BLOCK",
    "MAX_STREAMS", "PROTOCOL_ERROR", "REFUSED_STREAM", "DataFrame", "DataReceived", "Decoder", "Encoder",
    "Event", "Frame", "GoAway", "GoneAway", "Headers", "Ping", "ProtocolError", "RstStream", "Session",
    "Settings", "StreamEnded", "StreamOpened", "StreamReset", "SynReply", "SynStream", "WindowUpdate",
]

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
FLAG_UNIDIRECTIONAL = 0x02
# RST_STREAM status codes.
PROTOCOL_ERROR, INVALID_STREAM, REFUSED_STREAM, UNSUPPORTED_VERSION, CANCEL, INTERNAL_ERROR = 1, 2, 3, 4, 5, 6
# GOAWAY status codes.
GOAWAY_OK, GOAWAY_PROTOCOL_ERROR, GOAWAY_INTERNAL_ERROR = 0, 1, 2

#: Largest data frame accepted (client-go writes at most 32 KiB per frame).
MAX_DATA_FRAME = 1 << 20
#: Largest control frame accepted (a port-forward SYN_STREAM is a few dozen bytes).
MAX_CONTROL_FRAME = 1 << 16
#: Largest header block after inflating.
MAX_HEADER_BLOCK = 1 << 16
#: Streams open at once on one connection (two per forwarded TCP connection).
MAX_STREAMS = 256
_MAX_ID = 0x7FFFFFFF

_WORDS = (
    "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding",
    "accept-language", "accept-ranges", "age", "allow", "authorization", "cache-control", "connection",
    "content-base", "content-encoding", "content-language", "content-length", "content-location",
    "content-md5", "content-range", "content-type", "date", "etag", "expect", "expires", "from", "host",
    "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified",
    "location", "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer",
    "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "vary", "via",
    "warning", "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url",
    "public", "set-cookie", "keep-alive", "origin",
)
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
#: The zlib dictionary of SPDY/3 header blocks (draft-mbelshe-httpbis-spdy-00, 2.6.10.1).
DICTIONARY = b"".join(struct.pack(">I", len(w)) + w.encode() for w in _WORDS) + _TAIL.encode()


class ProtocolError(Exception):
    """The connection cannot go on (malformed or oversized input): send GOAWAY and close."""


# ------------------------------------------------------------------------------------------ frames
HeaderList = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class DataFrame:
    stream_id: int
    data: bytes
    fin: bool = False


@dataclass(frozen=True)
class SynStream:
    stream_id: int
    headers: HeaderList
    fin: bool = False
    associated: int = 0
    priority: int = 0
    unidirectional: bool = False


@dataclass(frozen=True)
class SynReply:
    stream_id: int
    headers: HeaderList = ()
    fin: bool = False


@dataclass(frozen=True)
class RstStream:
    stream_id: int
    status: int


@dataclass(frozen=True)
class Settings:
    entries: tuple[tuple[int, int, int], ...] = ()   # (flags, id, value)
    clear: bool = False


@dataclass(frozen=True)
class Ping:
    id: int


@dataclass(frozen=True)
class GoAway:
    last_good: int
    status: int = GOAWAY_OK


@dataclass(frozen=True)
class Headers:
    stream_id: int
    headers: HeaderList
    fin: bool = False


@dataclass(frozen=True)
class WindowUpdate:
    stream_id: int
    delta: int


Frame = DataFrame | SynStream | SynReply | RstStream | Settings | Ping | GoAway | Headers | WindowUpdate


def _header_block(raw: bytes) -> HeaderList:
    """An inflated header block: a count, then length-prefixed names and NUL-joined values."""
    end = len(raw)

    def take(pos: int) -> tuple[bytes, int]:
        if pos + 4 > end:
            raise ProtocolError("truncated header block")
        (n,) = struct.unpack_from(">I", raw, pos)
        if n > end - pos - 4:
            raise ProtocolError("header length past the end of the block")
        return raw[pos + 4:pos + 4 + n], pos + 4 + n

    if end < 4:
        raise ProtocolError("truncated header block")
    (count,) = struct.unpack_from(">I", raw, 0)
    if count > (end - 4) // 8:
        raise ProtocolError("header count past the end of the block")
    pos, seen, out = 4, set(), list[tuple[str, str]]()
    for _ in range(count):
        name_raw, pos = take(pos)
        value_raw, pos = take(pos)
        name = name_raw.decode("latin-1")
        if not name or name != name.lower() or name in seen:
            raise ProtocolError(f"invalid header name {name!r}")
        seen.add(name)
        out.extend((name, v) for v in value_raw.decode("latin-1").split("\x00"))
    if pos != end:
        raise ProtocolError("trailing bytes after the header block")
    return tuple(out)


class Decoder:
    """Frames from a byte stream cut anywhere; header blocks share one inflate stream."""

    def __init__(self, *, max_data: int = MAX_DATA_FRAME, max_control: int = MAX_CONTROL_FRAME,
                 max_header_block: int = MAX_HEADER_BLOCK) -> None:
        self.max_data, self.max_control, self.max_header_block = max_data, max_control, max_header_block
        self._buf = bytearray()
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[Frame]:
        self._buf += data
        frames: list[Frame] = []
        pos, buf = 0, self._buf
        while len(buf) - pos >= 8:
            word, flags_length = struct.unpack_from(">II", buf, pos)
            flags, length = flags_length >> 24, flags_length & 0xFFFFFF
            control = bool(word & 0x80000000)
            if length > (self.max_control if control else self.max_data):
                raise ProtocolError(f"frame of {length} bytes is over the limit")
            if len(buf) - pos < 8 + length:
                break
            payload = bytes(buf[pos + 8:pos + 8 + length])
            pos += 8 + length
            if not control:
                if word == 0:
                    raise ProtocolError("data frame on stream 0")
                frames.append(DataFrame(word, payload, bool(flags & FLAG_FIN)))
                continue
            if (word >> 16) & 0x7FFF != VERSION:
                raise ProtocolError(f"unsupported SPDY version {(word >> 16) & 0x7FFF}")
            frame = self._control(word & 0xFFFF, flags, payload)
            if frame is not None:
                frames.append(frame)
        del buf[:pos]
        return frames

    def _headers(self, block: bytes) -> HeaderList:
        try:
            raw = self._inflate.decompress(block, self.max_header_block + 1)
        except zlib.error as e:
            raise ProtocolError(f"corrupt header block: {e}") from None
        if len(raw) > self.max_header_block or self._inflate.unconsumed_tail:
            raise ProtocolError("header block too large")
        return _header_block(raw)

    def _control(self, kind: int, flags: int, p: bytes) -> Frame | None:
        n = len(p)
        fin = bool(flags & FLAG_FIN)
        if kind == SYN_STREAM:
            if n < 10:
                raise ProtocolError("short SYN_STREAM")
            sid, assoc = struct.unpack_from(">II", p)
            sid &= _MAX_ID
            if sid == 0:
                raise ProtocolError("SYN_STREAM on stream 0")
            return SynStream(sid, self._headers(p[10:]), fin, assoc & _MAX_ID, p[8] >> 5,
                             bool(flags & FLAG_UNIDIRECTIONAL))
        if kind in (SYN_REPLY, HEADERS):
            if n < 4:
                raise ProtocolError("short SYN_REPLY/HEADERS")
            sid = struct.unpack_from(">I", p)[0] & _MAX_ID
            headers = self._headers(p[4:])
            if sid == 0:
                raise ProtocolError("SYN_REPLY/HEADERS on stream 0")
            return SynReply(sid, headers, fin) if kind == SYN_REPLY else Headers(sid, headers, fin)
        if kind == RST_STREAM:
            if n != 8:
                raise ProtocolError("RST_STREAM of the wrong size")
            sid, status = struct.unpack(">II", p)
            if sid & _MAX_ID == 0 or status == 0:
                raise ProtocolError("invalid RST_STREAM")
            return RstStream(sid & _MAX_ID, status)
        if kind == SETTINGS:
            if n < 4 or n != 4 + 8 * struct.unpack_from(">I", p)[0]:
                raise ProtocolError("SETTINGS of the wrong size")
            entries = tuple((w >> 24, w & 0xFFFFFF, v) for w, v in struct.iter_unpack(">II", p[4:]))
            return Settings(entries, bool(flags & 0x01))
        if kind == PING:
            if n != 4:
                raise ProtocolError("PING of the wrong size")
            return Ping(struct.unpack(">I", p)[0])
        if kind == GOAWAY:
            if n != 8:
                raise ProtocolError("GOAWAY of the wrong size")
            last, status = struct.unpack(">II", p)
            return GoAway(last & _MAX_ID, status)
        if kind == WINDOW_UPDATE:
            if n != 8:
                raise ProtocolError("WINDOW_UPDATE of the wrong size")
            sid, delta = struct.unpack(">II", p)
            return WindowUpdate(sid & _MAX_ID, delta & _MAX_ID)
        return None   # unknown control frames are ignored (SPDY/3 2.2.1)


class Encoder:
    """Frames as bytes; header blocks share one deflate stream, sync-flushed after each."""

    def __init__(self) -> None:
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, DICTIONARY)

    def _block(self, headers: Iterable[tuple[str, str]]) -> bytes:
        merged: dict[str, list[str]] = {}
        for name, value in headers:
            merged.setdefault(name.lower(), []).append(value)
        raw = bytearray(struct.pack(">I", len(merged)))
        for name, values in merged.items():
            for part in (name.encode("latin-1"), "\x00".join(values).encode("latin-1")):
                raw += struct.pack(">I", len(part)) + part
        return self._deflate.compress(bytes(raw)) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    @staticmethod
    def _control(kind: int, flags: int, payload: bytes) -> bytes:
        return struct.pack(">HHI", 0x8000 | VERSION, kind, flags << 24 | len(payload)) + payload

    def encode(self, frame: Frame) -> bytes:
        if isinstance(frame, DataFrame):
            return struct.pack(">II", frame.stream_id, int(frame.fin) << 24 | len(frame.data)) + frame.data
        if isinstance(frame, SynStream):
            flags = (FLAG_FIN if frame.fin else 0) | (FLAG_UNIDIRECTIONAL if frame.unidirectional else 0)
            return self._control(SYN_STREAM, flags, struct.pack(">IIBB", frame.stream_id, frame.associated,
                                                                frame.priority << 5, 0) + self._block(frame.headers))
        if isinstance(frame, SynReply | Headers):
            kind = SYN_REPLY if isinstance(frame, SynReply) else HEADERS
            return self._control(kind, int(frame.fin), struct.pack(">I", frame.stream_id) + self._block(frame.headers))
        if isinstance(frame, RstStream):
            return self._control(RST_STREAM, 0, struct.pack(">II", frame.stream_id, frame.status))
        if isinstance(frame, Settings):
            body = b"".join(struct.pack(">II", f << 24 | i, v) for f, i, v in frame.entries)
            return self._control(SETTINGS, int(frame.clear), struct.pack(">I", len(frame.entries)) + body)
        if isinstance(frame, Ping):
            return self._control(PING, 0, struct.pack(">I", frame.id))
        if isinstance(frame, GoAway):
            return self._control(GOAWAY, 0, struct.pack(">II", frame.last_good, frame.status))
        return self._control(WINDOW_UPDATE, 0, struct.pack(">II", frame.stream_id, frame.delta))


# ----------------------------------------------------------------------------------------- session
@dataclass(frozen=True)
class StreamOpened:
    stream_id: int
    headers: Mapping[str, str]   # the first value of each header, by lower-case name


@dataclass(frozen=True)
class DataReceived:
    stream_id: int
    data: bytes


@dataclass(frozen=True)
class StreamEnded:
    """The client will send no more on the stream (FIN)."""

    stream_id: int


@dataclass(frozen=True)
class StreamReset:
    stream_id: int
    status: int


@dataclass(frozen=True)
class GoneAway:
    last_good: int
    status: int


Event = StreamOpened | DataReceived | StreamEnded | StreamReset | GoneAway


@dataclass
class _Stream:
    remote_closed: bool = False
    local_closed: bool = False


@dataclass
class Session:
    """A server's side of one SPDY/3.1 connection (client-initiated, odd stream ids)."""

    max_streams: int = MAX_STREAMS
    decoder: Decoder = field(default_factory=Decoder)
    encoder: Encoder = field(default_factory=Encoder)
    streams: dict[int, _Stream] = field(default_factory=dict)
    last_remote_id: int = 0
    going_away: bool = False
    _out: bytearray = field(default_factory=bytearray)

    def receive(self, data: bytes) -> list[Event]:
        """Events for ``data``; raises :class:`ProtocolError` when the connection must end."""
        events: list[Event] = []
        for frame in self.decoder.feed(data):
            self._frame(frame, events)
        return events

    def _frame(self, frame: Frame, events: list[Event]) -> None:
        if isinstance(frame, SynStream):
            sid = frame.stream_id
            if sid % 2 == 0 or sid <= self.last_remote_id:
                self._send(RstStream(sid, PROTOCOL_ERROR))
                return
            self.last_remote_id = sid
            if self.going_away:
                return
            if len(self.streams) >= self.max_streams:
                self._send(RstStream(sid, REFUSED_STREAM))
                return
            self.streams[sid] = _Stream()
            first: dict[str, str] = {}
            for name, value in frame.headers:
                first.setdefault(name, value)
            events.append(StreamOpened(sid, first))
            if frame.fin:
                self._remote_fin(sid, events)
        elif isinstance(frame, DataFrame):
            st = self.streams.get(frame.stream_id)
            if st is None or st.remote_closed:
                return   # a stream that is gone: dropped, as spdystream does
            if frame.data:
                events.append(DataReceived(frame.stream_id, frame.data))
            if frame.fin:
                self._remote_fin(frame.stream_id, events)
        elif isinstance(frame, Headers):
            if frame.fin and frame.stream_id in self.streams:
                self._remote_fin(frame.stream_id, events)
        elif isinstance(frame, RstStream):
            if self.streams.pop(frame.stream_id, None) is not None:
                events.append(StreamReset(frame.stream_id, frame.status))
        elif isinstance(frame, Ping):
            if frame.id % 2:   # the client's ping: echo it; even ids would answer ours (we send none)
                self._send(frame)
        elif isinstance(frame, GoAway):
            self.going_away = True
            events.append(GoneAway(frame.last_good, frame.status))
        # SYN_REPLY (we open no streams), SETTINGS and WINDOW_UPDATE (no flow control): ignored.

    def _remote_fin(self, sid: int, events: list[Event]) -> None:
        st = self.streams[sid]
        st.remote_closed = True
        events.append(StreamEnded(sid))
        if st.local_closed:
            del self.streams[sid]

    def _send(self, frame: Frame) -> None:
        self._out += self.encoder.encode(frame)

    def reply(self, stream_id: int) -> None:
        """Accept a stream the client opened (SYN_REPLY, no headers)."""
        if stream_id in self.streams:
            self._send(SynReply(stream_id))

    def send(self, stream_id: int, data: bytes, fin: bool = False) -> None:
        st = self.streams.get(stream_id)
        if st is None or st.local_closed:
            return
        for at in range(0, len(data), 1 << 16):
            self._send(DataFrame(stream_id, data[at:at + (1 << 16)], fin and at + (1 << 16) >= len(data)))
        if fin:
            if not data:
                self._send(DataFrame(stream_id, b"", True))
            st.local_closed = True
            if st.remote_closed:
                del self.streams[stream_id]

    def close(self, stream_id: int) -> None:
        """Half-close: the server sends no more on the stream (an empty data frame with FIN)."""
        self.send(stream_id, b"", fin=True)

    def forget(self, stream_id: int) -> None:
        """Drop a stream's state; later frames on it are ignored (``RemoveStreams``)."""
        self.streams.pop(stream_id, None)

    def reset(self, stream_id: int, status: int = CANCEL) -> None:
        self._send(RstStream(stream_id, status))
        self.streams.pop(stream_id, None)

    def fail(self, status: int = GOAWAY_PROTOCOL_ERROR) -> None:
        """Queue the GOAWAY that ends the connection."""
        self.going_away = True
        self._send(GoAway(self.last_remote_id, status))

    def take(self) -> bytes:
        """The bytes to write to the client now."""
        out = bytes(self._out)
        self._out.clear()
        return out
