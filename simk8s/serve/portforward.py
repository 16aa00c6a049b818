"""``pods/portforward``: TCP connections into a pod, answered by the pod's simulated HTTP server.

Three transports reach the same :class:`PodConnection`:

- kubectl 1.31+ first asks for SPDY/3.1 tunneled in WebSocket (``GET``, subprotocol
  ``SPDY/3.1+portforward.k8s.io``), and falls back to a plain ``POST`` with ``Upgrade: SPDY/3.1``
  and ``X-Stream-Protocol-Version: portforward.k8s.io`` when that is refused. Either way the
  session is the kubelet's (``httpstream.go``): per forwarded connection the client opens an
  ``error`` and a ``data`` stream carrying ``port`` and ``requestID`` headers; the pair's data
  stream is the connection, and a failure (the pod gone, nothing listening) is written on its
  error stream as the kubelet and containerd word it, then both streams are closed.
- the official client's WebSocket channel protocol (``v4.channel.k8s.io``/``portforward.k8s.io``,
  ``?ports=``): per port a data channel and an error channel, each opened with the port number.

The framing is :mod:`simk8s.serve.spdy`; this module is the handler and the pod end.
"""

from __future__ import annotations

import asyncio
import hashlib
import struct
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

import simk8s.serve.spdy as spdy
from simk8s.api.errors import BadRequest
from simk8s.api.frozen import get_in
from simk8s.node.nginx import error_page
from simk8s.node.shell.net import REASONS
from simk8s.serve.rest import Target

if TYPE_CHECKING:
    from simk8s.serve.context import ServerContext

__all__ = ["PodConnection", "forward_error", "handle"]

TUNNEL_PROTOCOL = "SPDY/3.1+portforward.k8s.io"
SPDY_PROTOCOL = "portforward.k8s.io"
CHANNEL_PROTOCOLS = ("v4.channel.k8s.io", "portforward.k8s.io")
#: Seconds the kubelet waits for the second stream of a pair (``streamCreationTimeout``).
STREAM_CREATION_TIMEOUT = 30.0
#: Seconds a port-forward connection may sit without traffic before it is closed.
SESSION_IDLE = 3600.0
#: Bytes of an HTTP request head the pod's server reads before it answers 400.
MAX_REQUEST_HEAD = 1 << 14
#: Bytes buffered from the client while the transport waits for the handler to read them.
READ_HIGH_WATER = 1 << 20


async def handle(srv: ServerContext, request: web.Request, t: Target) -> web.StreamResponse:
    pod = srv.cluster.store.get("Pod", t.name or "", t.namespace)
    upgrade = request.headers.get("Upgrade", "").strip().lower()
    offered = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",")]
    if upgrade == "spdy/3.1":
        return await _spdy_upgrade(srv, request, pod)
    if upgrade == "websocket" and TUNNEL_PROTOCOL in offered:
        _require_running(pod)
        ws = web.WebSocketResponse(protocols=(TUNNEL_PROTOCOL,), autoping=True, max_msg_size=spdy.MAX_DATA_FRAME + 8)
        if not ws.can_prepare(request).ok:
            raise BadRequest("Upgrade request required")
        await ws.prepare(request)
        await _Forwarder(srv, pod, _WsLink(ws, srv.write_timeout), request.remote or "").run()
        return ws
    return await _channels(srv, request, pod)


def _require_running(pod: Any) -> None:
    phase = get_in(pod, ("status", "phase"))
    if phase != "Running":
        raise BadRequest(f"unable to forward port because pod is not running. Current status={phase}")


# ------------------------------------------------------------------------------------ the pod end
def _sandbox(uid: str) -> tuple[str, str]:
    """The pod sandbox's id and network namespace path, as containerd names them."""
    sid = hashlib.sha256(f"{uid}/sandbox".encode()).hexdigest()
    u = hashlib.sha256(f"{uid}/netns".encode()).hexdigest()
    return sid, f"/var/run/netns/cni-{u[:8]}-{u[8:12]}-{u[12:16]}-{u[16:20]}-{u[20:32]}"


def forward_error(srv: ServerContext, pod: Any, port: int) -> str | None:
    """What the kubelet writes on the error stream when it cannot connect to ``port`` in ``pod``
    (containerd's words), or None when something listens there."""
    uid = pod["metadata"]["uid"]
    sandbox, netns = _sandbox(uid)
    prefix = f"error forwarding port {port} to pod {sandbox}, uid : "
    srv.sim.sync()
    cur = srv.cluster.store.try_get("Pod", pod["metadata"]["name"], pod["metadata"]["namespace"])
    kubelet = srv.cluster.kubelet(get_in(cur or pod, ("spec", "nodeName")))
    rt = kubelet.pods.get((pod["metadata"]["namespace"], pod["metadata"]["name"])) if kubelet is not None else None
    if cur is None or cur["metadata"]["uid"] != uid or rt is None or rt.uid != uid:
        return prefix + f'failed to find sandbox "{sandbox}" in store: not found'
    if not kubelet.runtime.listening(cur, port):
        return (prefix + f'failed to execute portforward in network namespace "{netns}": failed to connect to '
                f'localhost:{port} inside namespace "{sandbox}", IPv4: dial tcp4 127.0.0.1:{port}: connect: '
                "connection refused IPv6 dial tcp6: address localhost: no suitable address found ")
    return None


class PodConnection:
    """One TCP connection into ``pod``'s ``port``: HTTP/1.x requests in, the simulated server's
    answers out (keep-alive as nginx does it; ``Connection: close`` or HTTP/1.0 ends it)."""

    def __init__(self, srv: ServerContext, pod: Any, port: int) -> None:
        self.srv, self.pod, self.port = srv, pod, port
        self._buf = bytearray()
        self._skip = 0
        self.closed = False

    def feed(self, data: bytes) -> bytes:
        """The server's bytes for ``data``; :attr:`closed` tells whether it has hung up."""
        if self.closed:
            return b""
        self._buf += data
        out = bytearray()
        while not self.closed:
            if self._skip:
                n = min(self._skip, len(self._buf))
                del self._buf[:n]
                self._skip -= n
                if self._skip:
                    break
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                if len(self._buf) > MAX_REQUEST_HEAD:
                    out += self._reply(400, [("Content-Type", "text/html")], error_page(400, "nginx"), False)
                    self.closed = True
                break
            head = bytes(self._buf[:end]).decode("latin-1")
            del self._buf[:end + 4]
            out += self._request(head)
        return bytes(out)

    def _request(self, head: str) -> bytes:
        lines = head.split("\r\n")
        parts = lines[0].split()
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            self.closed = True
            return self._reply(400, [("Content-Type", "text/html")], error_page(400, "nginx"), False)
        method, path, version = parts
        conn = headers.get("connection", "").lower()
        keep = conn != "close" if version == "HTTP/1.1" else conn == "keep-alive"
        length = headers.get("content-length", "0")
        self._skip = int(length) if length.isdigit() else 0
        if "chunked" in headers.get("transfer-encoding", "").lower():
            keep = False   # a chunked upload: answered, then the connection ends
        self.srv.sim.sync()
        kubelet = self.srv.cluster.kubelet(get_in(self.pod, ("spec", "nodeName")))
        reply = kubelet.runtime.serve_http(self.pod, self.port, method, path, "127.0.0.1",
                                           user_agent=headers.get("user-agent", "-")) if kubelet else None
        if reply is None:   # the server went away: the connection is reset
            self.closed = True
            return b""
        status, fields, body = reply
        if not keep:
            self.closed = True
        return self._reply(status, fields, body, keep)

    @staticmethod
    def _reply(status: int, fields: list[tuple[str, str]], body: str, keep: bool) -> bytes:
        data = body.encode()
        lines = [f"HTTP/1.1 {status} {REASONS.get(status, '')}"]
        lines += [f"{k}: {v}" for k, v in fields if k.lower() != "connection"]
        if not any(k.lower() == "content-length" for k, _ in fields):
            lines.append(f"Content-Length: {len(data)}")
        lines += [f"Connection: {'keep-alive' if keep else 'close'}", "", ""]
        return "\r\n".join(lines).encode() + data


# ------------------------------------------------------------------------------- SPDY transports
class _WsLink:
    """SPDY bytes in WebSocket binary messages (client-go's TunnelingConnection)."""

    def __init__(self, ws: web.WebSocketResponse, write_timeout: float) -> None:
        self.ws, self.write_timeout = ws, write_timeout

    async def read(self, timeout: float) -> bytes | None:
        msg = await asyncio.wait_for(self.ws.receive(), timeout)
        return bytes(msg.data) if msg.type == WSMsgType.BINARY else None   # text or close: the end

    async def write(self, data: bytes) -> None:
        await asyncio.wait_for(self.ws.send_bytes(data), self.write_timeout)

    async def close(self) -> None:
        await self.ws.close()


class _RawLink(asyncio.Protocol):
    """The upgraded socket itself: takes the transport over from aiohttp after the 101."""

    def __init__(self, request: web.Request, write_timeout: float) -> None:
        transport = request.transport
        assert transport is not None
        self.transport = transport
        self.previous = request.protocol
        self.write_timeout = write_timeout
        self._buf = bytearray()
        self._eof = False
        self._wake = asyncio.Event()
        self._writable = asyncio.Event()
        self._writable.set()
        request.protocol.keep_alive(False)   # aiohttp closes the socket once the handler returns
        transport.set_protocol(self)

    def data_received(self, data: bytes) -> None:
        self._buf += data
        self._wake.set()
        if len(self._buf) > READ_HIGH_WATER:
            self.transport.pause_reading()

    def eof_received(self) -> bool:
        self._eof = True
        self._wake.set()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._eof = True
        self._wake.set()
        self._writable.set()
        self.previous.connection_lost(exc)   # aiohttp's bookkeeping of the connection

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    async def read(self, timeout: float) -> bytes | None:
        if not self._buf and not self._eof:
            self._wake.clear()
            await asyncio.wait_for(self._wake.wait(), timeout)
        if not self._buf:
            return None
        data = bytes(self._buf)
        self._buf.clear()
        self.transport.resume_reading()
        return data

    async def write(self, data: bytes) -> None:
        if self.transport.is_closing():
            raise ConnectionResetError("the client closed the connection")
        self.transport.write(data)
        await asyncio.wait_for(self._writable.wait(), self.write_timeout)

    async def close(self) -> None:
        self.transport.close()


async def _spdy_upgrade(srv: ServerContext, request: web.Request, pod: Any) -> web.StreamResponse:
    """``Upgrade: SPDY/3.1``: the protocol handshake of ``httpstream.Handshake``, then the session."""
    offered = [p.strip() for v in request.headers.getall("X-Stream-Protocol-Version", []) for p in v.split(",")]
    if not offered:
        raise BadRequest("unable to upgrade: X-Stream-Protocol-Version is required")
    if SPDY_PROTOCOL not in offered:
        return web.Response(status=403, text=f"unable to upgrade: unable to negotiate protocol: client supports "
                                             f"[{' '.join(offered)}], server accepts [{SPDY_PROTOCOL}]\n",
                            headers={"X-Accepted-Stream-Protocol-Versions": SPDY_PROTOCOL})
    _require_running(pod)
    if "upgrade" not in request.headers.get("Connection", "").lower() or request.transport is None:
        raise BadRequest("unable to upgrade: missing upgrade headers in request")
    resp = web.StreamResponse(status=101, headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1",
                                                   "X-Stream-Protocol-Version": SPDY_PROTOCOL})
    writer = await resp.prepare(request)
    assert writer is not None
    await writer.drain()   # the 101 goes out before the socket changes hands
    await _Forwarder(srv, pod, _RawLink(request, srv.write_timeout), request.remote or "").run()
    return resp


@dataclass
class _Pair:
    request_id: str
    deadline: float
    error: int | None = None
    data: int | None = None
    port: int = 0
    conn: PodConnection | None = None
    pending: bytearray = field(default_factory=bytearray)


class _Forwarder:
    """The kubelet's side of one SPDY port-forward connection (``httpStreamHandler``)."""

    def __init__(self, srv: ServerContext, pod: Any, link: _WsLink | _RawLink, peer: str) -> None:
        self.srv, self.pod, self.link, self.peer = srv, pod, link, peer
        self.session = spdy.Session()
        self.pairs: dict[str, _Pair] = {}
        self.by_stream: dict[int, _Pair] = {}

    async def run(self) -> None:
        idle_since = time.monotonic()
        try:
            while not self.session.going_away:
                now = time.monotonic()
                deadlines = [p.deadline for p in self.pairs.values() if p.conn is None]
                wait = min([idle_since + SESSION_IDLE, *deadlines]) - now
                try:
                    chunk = await self.link.read(max(wait, 0.0))
                except TimeoutError:
                    chunk = b""
                    if time.monotonic() >= idle_since + SESSION_IDLE:
                        break
                if chunk is None:
                    break
                if chunk:
                    idle_since = time.monotonic()
                    try:
                        for event in self.session.receive(chunk):
                            self._event(event)
                    except spdy.ProtocolError:
                        self.session.fail()
                self._expire()
                out = self.session.take()
                if out:
                    await self.link.write(out)
        except (TimeoutError, ConnectionError):
            pass
        finally:
            await self.link.close()

    # ------------------------------------------------------------------------------ events
    def _event(self, ev: spdy.Event) -> None:
        if isinstance(ev, spdy.StreamOpened):
            self._opened(ev.stream_id, ev.headers)
            return
        pair = self.by_stream.get(getattr(ev, "stream_id", -1))
        if pair is None:
            return
        if isinstance(ev, spdy.DataReceived) and ev.stream_id == pair.data:
            if pair.conn is not None:
                self.session.send(ev.stream_id, pair.conn.feed(ev.data))
                if pair.conn.closed:
                    self._finish(pair)
            else:
                pair.pending += ev.data
                if len(pair.pending) > MAX_REQUEST_HEAD:
                    self._finish(pair)
        elif isinstance(ev, spdy.StreamEnded) and ev.stream_id == pair.data and pair.conn is not None:
            self._finish(pair)   # the client closed its side: so does the pod's server
        elif isinstance(ev, spdy.StreamReset):
            self._finish(pair)

    def _opened(self, sid: int, headers: Any) -> None:
        port_text, kind = headers.get("port", ""), headers.get("streamtype", "")
        if not port_text.isdigit() or not 0 < int(port_text) < 65536 or kind not in ("error", "data"):
            self.session.reset(sid)   # what spdystream does with a stream its handler refuses
            return
        self.session.reply(sid)
        rid = headers.get("requestid") or str(sid if kind == "error" else sid - 2)
        pair = self.pairs.get(rid)
        if pair is None:
            pair = self.pairs[rid] = _Pair(rid, time.monotonic() + STREAM_CREATION_TIMEOUT)
        if getattr(pair, kind) is not None:
            self._print(pair, f"error processing stream for request {rid}: {kind} stream already assigned")
            return
        setattr(pair, kind, sid)
        self.by_stream[sid] = pair
        if kind == "data":
            pair.port = int(port_text)
        if pair.error is not None and pair.data is not None:
            self._start(pair)

    def _start(self, pair: _Pair) -> None:
        failure = forward_error(self.srv, self.pod, pair.port)
        if failure is not None:
            self._print(pair, failure)
            self._finish(pair)
            return
        pair.conn = PodConnection(self.srv, self.pod, pair.port)
        if pair.pending and pair.data is not None:
            self.session.send(pair.data, pair.conn.feed(bytes(pair.pending)))
            pair.pending.clear()
            if pair.conn.closed:
                self._finish(pair)

    def _print(self, pair: _Pair, message: str) -> None:
        if pair.error is not None:
            self.session.send(pair.error, message.encode())

    def _finish(self, pair: _Pair) -> None:
        """The pair is done: close the error stream, then the data stream, and forget both."""
        for sid in (pair.error, pair.data):
            if sid is not None:
                self.session.close(sid)
                self.session.forget(sid)
                self.by_stream.pop(sid, None)
        self.pairs.pop(pair.request_id, None)

    def _expire(self) -> None:
        now = time.monotonic()
        for pair in [p for p in self.pairs.values() if p.conn is None and p.deadline <= now]:
            self._print(pair, f"(conn={self.peer}, request={pair.request_id}) timed out waiting for streams")
            self._finish(pair)


# -------------------------------------------------------------------- the WebSocket channel protocol
async def _channels(srv: ServerContext, request: web.Request, pod: Any) -> web.StreamResponse:
    """Per port a data and an error channel, each opened by the port number; each data channel is
    one connection to the pod's server."""
    ports: list[int] = []
    for text in request.query.getall("ports", []):
        for part in text.split(","):
            if not part.strip().isdigit() or not 0 < int(part) < 65536:
                raise BadRequest(f'invalid port "{part}"')
            ports.append(int(part))
    if not ports:
        raise BadRequest("at least one port must be specified")
    _require_running(pod)
    ws = web.WebSocketResponse(protocols=CHANNEL_PROTOCOLS, autoping=True, max_msg_size=1 << 20)
    if not ws.can_prepare(request).ok:
        raise BadRequest("Upgrade request required")
    await ws.prepare(request)
    for i, port in enumerate(ports):
        for ch in (2 * i, 2 * i + 1):
            await ws.send_bytes(bytes([ch]) + struct.pack("<H", port))
    conns: dict[int, PodConnection] = {}
    try:
        while True:
            msg = await asyncio.wait_for(ws.receive(), SESSION_IDLE)
            if msg.type != WSMsgType.BINARY:
                if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR):
                    break
                continue
            raw: bytes = msg.data
            if not raw or raw[0] % 2 or raw[0] // 2 >= len(ports):
                continue
            ch = raw[0]
            if ch not in conns:
                failure = forward_error(srv, pod, ports[ch // 2])
                if failure is not None:
                    await ws.send_bytes(bytes([ch + 1]) + failure.encode())
                    break
                conns[ch] = PodConnection(srv, pod, ports[ch // 2])
            reply = conns[ch].feed(raw[1:])
            if reply:
                await asyncio.wait_for(ws.send_bytes(bytes([ch]) + reply), srv.write_timeout)
    except (TimeoutError, ConnectionError):
        pass
    await ws.close()
    return ws
