"""The cluster DNS on the serving loop: UDP and TCP on one port, answered between simulation steps.

Answers come from :meth:`ClusterResolver.handle_wire` (the same resolver ``simk8s dns`` serves), so
they reflect the cluster as it is at that moment of simulated time. TCP connections carry several
length-prefixed queries; one that is idle for :data:`TCP_IDLE` seconds, or does not read its
replies, is closed.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable

from simk8s.dns.resolver import ClusterResolver

__all__ = ["TCP_IDLE", "DnsEndpoint"]

TCP_IDLE = 30.0


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, owner: DnsEndpoint) -> None:
        self.owner = owner
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = self.owner.answer(data, "udp")
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)

    def error_received(self, exc: Exception) -> None:
        return None


class DnsEndpoint:
    def __init__(self, resolver: ClusterResolver, sync: Callable[[], None]) -> None:
        self.resolver = resolver
        self.sync = sync
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None

    def answer(self, data: bytes, protocol: str) -> bytes | None:
        self.sync()
        try:
            return self.resolver.handle_wire(data, protocol)
        except Exception:
            return None

    async def start(self, host: str, port: int) -> int:
        """Bind UDP and TCP on the same port (port 0: a free pair); returns the port."""
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for attempt in range(20):
            udp, _ = await loop.create_datagram_endpoint(lambda: _Udp(self), local_addr=(host, port), family=family)
            bound = int(udp.get_extra_info("sockname")[1])
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, host, bound, family=family, backlog=128)
            except OSError:
                udp.close()
                if port or attempt == 19:
                    raise
                continue
            self._udp = udp
            return bound
        raise OSError("no free port pair for DNS")

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await asyncio.wait_for(reader.readexactly(2), TCP_IDLE)
                (length,) = struct.unpack("!H", head)
                data = await asyncio.wait_for(reader.readexactly(length), TCP_IDLE)
                reply = self.answer(data, "tcp")
                if reply is None:
                    continue
                writer.write(struct.pack("!H", len(reply)) + reply)
                await asyncio.wait_for(writer.drain(), TCP_IDLE)
        except (TimeoutError, asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            writer.close()

    def close(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
