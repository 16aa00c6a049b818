"""A single-threaded DNS server (UDP and TCP on one port) around :class:`ClusterResolver`.

One ``selectors`` loop in one background thread serves both sockets: no thread per packet (dnslib's
stock server spawns one), several length-prefixed queries per TCP connection, UDP replies
truncated to the client's limit with TC=1 so clients retry over TCP.

No client can stall it: every socket is non-blocking and each TCP connection has its own input and
output buffer. A connection whose replies pile up unread (``max_pending`` bytes) is no longer read
until it drains, so a client that pipelines queries and never reads costs a bounded buffer and
nobody else's time; one that sends nothing and reads nothing for ``idle_timeout`` seconds is
closed (as CoreDNS's server closes idle TCP connections); at most ``max_connections`` are open at
once (further ones are accepted and closed at once). Each turn of the loop answers a bounded
number of queries per socket, so UDP is served between any TCP client's queries.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from simk8s.dns.resolver import ClusterResolver

__all__ = ["DnsServer"]

_BATCH = 64  # queries answered per socket per turn of the loop (fairness between clients)


@dataclass
class _Conn:
    sock: socket.socket
    inbuf: bytearray = field(default_factory=bytearray)
    outbuf: bytearray = field(default_factory=bytearray)
    last: float = 0.0  # monotonic time of the last byte in or out
    events: int = 0  # what the selector watches for now


def _complete(buf: bytearray) -> bool:
    """``buf`` starts with a whole length-prefixed message."""
    return len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]


class DnsServer:
    """Serve ``resolver`` on ``host:port`` (port 0: an ephemeral port shared by UDP and TCP)."""

    def __init__(self, resolver: ClusterResolver, host: str = "127.0.0.1", port: int = 5353, *,
                 idle_timeout: float = 8.0, max_connections: int = 256,
                 max_pending: int = 65536 * 2) -> None:
        self.resolver = resolver
        self.host = host
        self.requested_port = port
        self.idle_timeout = idle_timeout
        self.max_connections = max_connections
        self.max_pending = max_pending
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._sel: selectors.BaseSelector | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._conns: dict[socket.socket, _Conn] = {}
        self._pending_input: set[socket.socket] = set()  # connections with queries left to answer
        self.lock = threading.Lock()
        self.packets = 0  # queries handed to the resolver
        self.errors = 0  # of which the resolver raised on (it never should: the fuzz campaign counts)

    @property
    def port(self) -> int:
        assert self._udp is not None
        return int(self._udp.getsockname()[1])

    @property
    def connections(self) -> int:
        """TCP connections open now."""
        return len(self._conns)

    def start(self) -> DnsServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        for attempt in range(20):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                udp.bind((self.host, self.requested_port))
            except OSError:
                udp.close()
                raise
            port = udp.getsockname()[1]
            tcp = socket.socket(family, socket.SOCK_STREAM)
            tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                tcp.bind((self.host, port))
                break
            except OSError:
                # An ephemeral UDP port whose TCP twin is taken: try another pair.
                udp.close()
                tcp.close()
                if self.requested_port or attempt == 19:
                    raise
        tcp.listen(128)
        udp.setblocking(False)
        tcp.setblocking(False)
        self._udp, self._tcp = udp, tcp
        self._sel = selectors.DefaultSelector()
        self._sel.register(udp, selectors.EVENT_READ, "udp")
        self._sel.register(tcp, selectors.EVENT_READ, "accept")
        self._thread = threading.Thread(target=self._loop, name="simk8s-dns", daemon=True)
        self._thread.start()
        return self

    def _answer(self, data: bytes, protocol: str) -> bytes | None:
        with self.lock:
            self.packets += 1
            try:
                return self.resolver.handle_wire(data, protocol)
            except Exception:  # handle_wire never raises; a bug there must not kill the server
                self.errors += 1
                return None

    def _loop(self) -> None:
        assert self._sel is not None
        while not self._stop.is_set():
            timeout = 0.0 if self._pending_input else min(0.2, self.idle_timeout / 2)
            for key, mask in self._sel.select(timeout=timeout):
                kind = key.data
                sock: Any = key.fileobj
                if kind == "udp":
                    self._serve_udp(sock)
                elif kind == "accept":
                    self._accept(sock)
                else:
                    conn = self._conns.get(sock)
                    if conn is None:
                        continue
                    if mask & selectors.EVENT_WRITE:
                        self._flush(conn)
                    if mask & selectors.EVENT_READ and sock in self._conns:
                        self._serve_tcp(conn)
            self._expire(time.monotonic())

    def _accept(self, listener: socket.socket) -> None:
        assert self._sel is not None
        for _ in range(_BATCH):
            try:
                sock, _ = listener.accept()
            except OSError:
                return
            if len(self._conns) >= self.max_connections:
                sock.close()  # full: the client sees the connection closed and may retry
                continue
            sock.setblocking(False)
            conn = _Conn(sock, last=time.monotonic(), events=selectors.EVENT_READ)
            self._conns[sock] = conn
            self._sel.register(sock, selectors.EVENT_READ, "tcp")

    def _serve_udp(self, sock: socket.socket) -> None:
        for _ in range(_BATCH):
            try:
                data, addr = sock.recvfrom(65535)
            except OSError:  # nothing more to read (or an ICMP error reported late)
                return
            reply = self._answer(data, "udp")
            if reply is not None:
                try:
                    sock.sendto(reply, addr)
                except OSError:
                    pass

    def _serve_tcp(self, conn: _Conn) -> None:
        try:
            chunk = conn.sock.recv(65535 + 2)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not chunk:
            self._close(conn)
            return
        conn.last = time.monotonic()
        conn.inbuf.extend(chunk)
        self._drain_input(conn)

    def _drain_input(self, conn: _Conn) -> None:
        """Answer the complete queries buffered, as many as the output buffer allows."""
        buf = conn.inbuf
        answered = 0
        while _complete(buf) and answered < _BATCH and len(conn.outbuf) < self.max_pending:
            (length,) = struct.unpack("!H", buf[:2])
            data = bytes(buf[2:2 + length])
            del buf[:2 + length]
            answered += 1
            reply = self._answer(data, "tcp")
            if reply is not None:
                conn.outbuf.extend(struct.pack("!H", len(reply)) + reply)
        self._flush(conn)

    def _flush(self, conn: _Conn) -> None:
        if conn.outbuf:
            try:
                sent = conn.sock.send(conn.outbuf)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._close(conn)
                return
            if sent:
                del conn.outbuf[:sent]
                conn.last = time.monotonic()
        # Read only while replies can still be buffered (backpressure); write only while some wait.
        # Read more only when no whole query is waiting, so the input buffer stays within one
        # query and one read.
        want = selectors.EVENT_WRITE if conn.outbuf else 0
        if len(conn.outbuf) < self.max_pending and not _complete(conn.inbuf):
            want |= selectors.EVENT_READ
        if want != conn.events:
            assert self._sel is not None
            if not want:  # a selector cannot watch for nothing: leave it until there is work
                self._sel.unregister(conn.sock)
            elif conn.events:
                self._sel.modify(conn.sock, want, "tcp")
            else:
                self._sel.register(conn.sock, want, "tcp")
            conn.events = want
        if len(conn.outbuf) < self.max_pending and _complete(conn.inbuf):
            # Queries left over from a full buffer or a capped batch: answer them next turn.
            self._pending_input.add(conn.sock)

    def _expire(self, now: float) -> None:
        for sock in list(self._pending_input):
            self._pending_input.discard(sock)
            conn = self._conns.get(sock)
            if conn is not None:
                self._drain_input(conn)
        for conn in list(self._conns.values()):
            if now - conn.last > self.idle_timeout:
                self._close(conn)

    def _close(self, conn: _Conn) -> None:
        assert self._sel is not None
        if conn.events:
            self._sel.unregister(conn.sock)
        self._conns.pop(conn.sock, None)
        self._pending_input.discard(conn.sock)
        conn.sock.close()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for conn in list(self._conns.values()):
            self._close(conn)
        for s in (self._udp, self._tcp):
            if s is not None:
                s.close()
        if self._sel is not None:
            self._sel.close()

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
