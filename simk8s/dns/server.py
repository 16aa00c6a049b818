"""A single-threaded DNS server (UDP and TCP on one port) around :class:`ClusterResolver`.

One ``selectors`` loop in one background thread serves both sockets: no thread per packet (dnslib's
stock server spawns one), several length-prefixed queries per TCP connection, UDP replies
truncated to the client's limit with TC=1 so clients retry over TCP.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
from typing import Any

from simk8s.dns.resolver import ClusterResolver

__all__ = ["DnsServer"]


class DnsServer:
    def __init__(self, resolver: ClusterResolver, host: str = "127.0.0.1", port: int = 5353) -> None:
        self.resolver = resolver
        self.host = host
        self.requested_port = port
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._sel: selectors.BaseSelector | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._buffers: dict[socket.socket, bytearray] = {}
        self.lock = threading.Lock()

    @property
    def port(self) -> int:
        assert self._udp is not None
        return int(self._udp.getsockname()[1])

    def start(self) -> DnsServer:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        for attempt in range(20):
            udp = socket.socket(family, socket.SOCK_DGRAM)
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            udp.bind((self.host, self.requested_port))
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
            try:
                return self.resolver.handle_wire(data, protocol)
            except Exception:
                return None

    def _loop(self) -> None:
        assert self._sel is not None
        while not self._stop.is_set():
            for key, _ in self._sel.select(timeout=0.2):
                kind = key.data
                sock: Any = key.fileobj
                if kind == "udp":
                    self._serve_udp(sock)
                elif kind == "accept":
                    try:
                        conn, _ = sock.accept()
                    except OSError:
                        continue
                    conn.setblocking(False)
                    self._buffers[conn] = bytearray()
                    self._sel.register(conn, selectors.EVENT_READ, "tcp")
                else:
                    self._serve_tcp(sock)

    def _serve_udp(self, sock: socket.socket) -> None:
        for _ in range(64):
            try:
                data, addr = sock.recvfrom(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            reply = self._answer(data, "udp")
            if reply is not None:
                try:
                    sock.sendto(reply, addr)
                except OSError:
                    pass

    def _close(self, conn: socket.socket) -> None:
        assert self._sel is not None
        try:
            self._sel.unregister(conn)
        except (KeyError, ValueError):
            pass
        self._buffers.pop(conn, None)
        conn.close()

    def _serve_tcp(self, conn: socket.socket) -> None:
        try:
            chunk = conn.recv(65535)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not chunk:
            self._close(conn)
            return
        buf = self._buffers[conn]
        buf.extend(chunk)
        while len(buf) >= 2:
            (length,) = struct.unpack("!H", buf[:2])
            if len(buf) < 2 + length:
                break
            data = bytes(buf[2:2 + length])
            del buf[:2 + length]
            reply = self._answer(data, "tcp")
            if reply is None:
                continue
            try:
                conn.settimeout(1.0)   # a client that never reads cannot stall the loop for long
                conn.sendall(struct.pack("!H", len(reply)) + reply)
                conn.setblocking(False)
            except OSError:
                self._close(conn)
                return

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        for conn in list(self._buffers):
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
