"""A small SPDY/3.1 port-forward client over a raw socket, as kubectl speaks it without the
WebSocket tunnel (``POST .../portforward`` with ``Upgrade: SPDY/3.1``)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from simk8s.serve import spdy
from simk8s.serve.endpoint import Endpoint


class SpdyClient:
    def __init__(self, endpoint: Endpoint, pod: str = "web-0", protocol: str = "portforward.k8s.io",
                 timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", endpoint.server.port), timeout=timeout)
        head = (f"POST /api/v1/namespaces/default/pods/{pod}/portforward HTTP/1.1\r\nHost: x\r\n"
                f"Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n"
                f"X-Stream-Protocol-Version: {protocol}\r\n\r\n")
        self.sock.sendall(head.encode())
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            raw += chunk
        self.head, _, rest = raw.partition(b"\r\n\r\n")
        self.status = int(self.head.split()[1]) if self.head else 0
        self.encoder, self.decoder = spdy.Encoder(), spdy.Decoder()
        self.frames: list[spdy.Frame] = self.decoder.feed(rest) if self.status == 101 else []
        self.body = rest if self.status != 101 else b""
        self.closed = False
        self.next_id = 1

    def send(self, *frames: spdy.Frame) -> None:
        self.sock.sendall(b"".join(self.encoder.encode(f) for f in frames))

    def until(self, done: Callable[[list[spdy.Frame]], bool], timeout: float = 10.0) -> list[spdy.Frame]:
        """Frames received so far (kept) once ``done`` holds for them, or the connection closed."""
        deadline = time.monotonic() + timeout
        while not done(self.frames) and not self.closed:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                break
            except ConnectionError:
                chunk = b""
            if not chunk:
                self.closed = True
                break
            self.frames += self.decoder.feed(chunk)
        return self.frames

    def open_pair(self, port: int = 80, request_id: str = "0") -> tuple[int, int]:
        """kubectl's two streams for one forwarded connection: error (closed at once), then data."""
        err, data = self.next_id, self.next_id + 2
        self.next_id += 4
        hdr = (("port", str(port)), ("requestid", request_id))
        self.send(spdy.SynStream(err, (("streamtype", "error"), *hdr)), spdy.DataFrame(err, b"", fin=True))
        self.send(spdy.SynStream(data, (("streamtype", "data"), *hdr)))
        self.until(lambda fs: any(isinstance(f, spdy.SynReply) and f.stream_id == data for f in fs))
        return err, data

    def stream(self, sid: int, timeout: float = 10.0) -> tuple[bytes, bool]:
        """Everything received on ``sid`` so far and whether the server closed it (FIN), waiting
        up to ``timeout`` for the FIN."""
        def fin(fs: list[spdy.Frame]) -> bool:
            return any(isinstance(f, spdy.DataFrame) and f.stream_id == sid and f.fin for f in fs)

        frames = self.until(fin, timeout)
        data = b"".join(f.data for f in frames if isinstance(f, spdy.DataFrame) and f.stream_id == sid)
        return data, fin(frames)

    def close(self) -> None:
        self.sock.close()
