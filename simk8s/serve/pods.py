"""Pod streaming subresources: ``log`` (with follow), ``exec`` and ``attach`` over WebSocket, and
``portforward`` (:mod:`simk8s.serve.portforward`) to a pod's simulated HTTP server.

exec/attach speak the ``channel.k8s.io`` WebSocket protocols kubectl and the official client
offer (``v5`` first, then ``v4``; ``v1`` without the Status error channel): binary messages whose
first byte is the stream (0 stdin, 1 stdout, 2 stderr, 3 error, 4 resize, 255 close). A
command runs in the simulated container's shell between two simulation steps; with a TTY and an
interactive shell (``run -it ... -- zsh``) each typed line runs as it is entered, echoed as a
terminal echoes it. The exit status goes on the error channel as the kubelet words it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

import simk8s.serve.portforward as portforward
from simk8s.api.errors import ApiError, BadRequest, MethodNotAllowed
from simk8s.api.frozen import get_in
from simk8s.node.runtime import ExecError, Terminal
from simk8s.serve.rest import Target

if TYPE_CHECKING:
    from simk8s.serve.context import ServerContext

__all__ = ["STREAMING", "handle"]

STREAMING = frozenset({"log", "exec", "attach", "portforward"})
PROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io", "channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
#: Seconds a remote command waits for the client's first resize (kubectl sends one at once).
RESIZE_WAIT = 1.0
#: Seconds an interactive session may sit without input before it is closed.
SESSION_IDLE = 3600.0
LOG_POLL = 0.25


async def handle(srv: ServerContext, request: web.Request, t: Target) -> web.StreamResponse:
    if t.sub == "log" and request.method == "GET":
        return await _logs(srv, request, t)
    if t.sub in ("exec", "attach") and request.method in ("GET", "POST"):
        return await _remote_command(srv, request, t)
    if t.sub == "portforward" and request.method in ("GET", "POST"):
        return await portforward.handle(srv, request, t)
    raise MethodNotAllowed("the server does not allow this method on the requested resource")


def _flag(query: Mapping[str, str], name: str) -> bool:
    return query.get(name, "").lower() in ("true", "1")


def _pod_and_container(srv: ServerContext, t: Target, query: Mapping[str, str]) -> tuple[Any, str]:
    pod = srv.cluster.store.get("Pod", t.name or "", t.namespace)
    names = [c["name"] for c in pod["spec"]["containers"]]
    container = query.get("container") or ""
    if not container:
        if len(names) > 1:
            raise BadRequest(f"a container name must be specified for pod {t.name}, choose one of: "
                             f"[{' '.join(names)}]")
        container = names[0]
    elif container not in names:
        raise BadRequest(f"container {container} is not valid for pod {t.name}")
    return pod, container


def _kubelet(srv: ServerContext, pod: Any) -> Any:
    return srv.cluster.kubelet(get_in(pod, ("spec", "nodeName")))


# ---------------------------------------------------------------------------------------- logs
def _waiting(pod: Any, container: str) -> str | None:
    for cs in get_in(pod, ("status", "containerStatuses")) or ():
        if cs.get("name") == container and "waiting" in (cs.get("state") or {}):
            return cs["state"]["waiting"].get("reason", "")
    return None if get_in(pod, ("status", "containerStatuses")) else "ContainerCreating"


def _log_entries(srv: ServerContext, pod: Any, container: str, previous: bool = False) -> list[tuple[float, str]]:
    """The container's log lines written by now, as (virtual time, line)."""
    kubelet = _kubelet(srv, pod)
    c = kubelet.runtime.containers.get((pod["metadata"]["uid"], container)) if kubelet is not None else None
    if c is None:
        return []
    now = srv.cluster.now
    return [(t, line) for t, line in (c.previous if previous else c.logs) if t <= now]


def _select(entries: list[tuple[float, str]], query: Mapping[str, str], now: float) -> list[tuple[float, str]]:
    since = query.get("sinceSeconds")
    if since:
        try:
            cut = now - int(since)
        except ValueError:
            raise BadRequest(f'sinceSeconds: Invalid value: "{since}"') from None
        entries = [e for e in entries if e[0] >= cut]
    tail = query.get("tailLines")
    if tail:
        try:
            n = int(tail)
        except ValueError:
            raise BadRequest(f'tailLines: Invalid value: "{tail}"') from None
        entries = entries[len(entries) - n:] if 0 <= n < len(entries) else entries
    return entries


def _format(srv: ServerContext, line: str, t: float, timestamps: bool) -> str:
    if not timestamps:
        return line + "\n"
    at = srv.cluster.store.epoch + timedelta(seconds=t)
    return at.strftime("%Y-%m-%dT%H:%M:%S.") + f"{at.microsecond * 1000:09d}Z {line}\n"


async def _logs(srv: ServerContext, request: web.Request, t: Target) -> web.StreamResponse:
    query = request.query
    pod, container = _pod_and_container(srv, t, query)
    previous = _flag(query, "previous")
    if previous and not _log_entries(srv, pod, container, previous=True):
        raise BadRequest(f'previous terminated container "{container}" in pod "{t.name}" not found')
    waiting = _waiting(pod, container)
    if waiting is not None and not previous:
        raise BadRequest(f'container "{container}" in pod "{t.name}" is waiting to start: {waiting}')
    entries = _log_entries(srv, pod, container, previous)
    timestamps = _flag(query, "timestamps")
    text = "".join(_format(srv, line, at, timestamps) for at, line in _select(entries, query, srv.cluster.now))
    limit = query.get("limitBytes")
    if limit and limit.isdigit():
        text = text[: int(limit)]
    if not _flag(query, "follow") or previous:
        return web.Response(text=text, content_type="text/plain")
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    await resp.write(text.encode())
    sent = len(entries)
    uid = pod["metadata"]["uid"]
    while True:
        await asyncio.sleep(LOG_POLL)
        if request.transport is None or request.transport.is_closing():
            return resp
        srv.sim.sync()
        cur = srv.cluster.store.try_get("Pod", t.name or "", t.namespace)
        entries = _log_entries(srv, pod, container)
        if len(entries) > sent:
            chunk = "".join(_format(srv, line, at, timestamps) for at, line in entries[sent:])
            sent = len(entries)
            try:
                await asyncio.wait_for(resp.write(chunk.encode()), srv.write_timeout)
            except (TimeoutError, ConnectionError):
                return resp
        kubelet = _kubelet(srv, pod)
        rt = kubelet.pods.get((t.namespace, t.name)) if kubelet is not None else None
        if cur is None or cur["metadata"]["uid"] != uid or rt is None or container not in rt.running:
            return resp


# ------------------------------------------------------------------------------- exec / attach
class _Channel:
    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.protocol = ws.ws_protocol or ""
        self.status_json = self.protocol in ("v5.channel.k8s.io", "v4.channel.k8s.io")

    async def send(self, channel: int, data: str | bytes) -> None:
        raw = data.encode() if isinstance(data, str) else data
        if raw:
            await self.ws.send_bytes(bytes([channel]) + raw)

    async def finish(self, code: int, message: str = "", reason: str = "") -> None:
        if self.status_json:
            if message or reason:
                status: dict[str, Any] = {"metadata": {}, "status": "Failure", "message": message,
                                          "reason": reason or "InternalError", "code": 500}
            elif code:
                status = {"metadata": {}, "status": "Failure", "reason": "NonZeroExitCode",
                          "message": f"command terminated with non-zero exit code: error executing command, "
                                     f"exit code {code}",
                          "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}
            else:
                status = {"metadata": {}, "status": "Success"}
            await self.send(ERROR, json.dumps(status))
        elif message or code:
            await self.send(ERROR, message or f"command terminated with non-zero exit code: {code}")
        await self.ws.close()


def _crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


async def _remote_command(srv: ServerContext, request: web.Request, t: Target) -> web.StreamResponse:
    query = request.query
    pod, container = _pod_and_container(srv, t, query)
    attach = t.sub == "attach"
    argv = list(query.getall("command", []))
    if not attach and not argv:
        raise BadRequest("you must specify at least 1 command")
    phase = get_in(pod, ("status", "phase"))
    if phase in ("Succeeded", "Failed"):
        raise BadRequest(f"cannot {'attach to' if attach else 'exec into'} a container in a completed pod; "
                         f"current phase is {phase}")
    kubelet = _kubelet(srv, pod)
    if kubelet is None:
        raise BadRequest(f'pod {t.name} does not have a host assigned')
    rt = kubelet.pods.get((t.namespace, t.name))
    if rt is None or container not in rt.running:
        raise BadRequest(f'container not found ("{container}")')
    if attach:
        spec = next(c for c in pod["spec"]["containers"] if c["name"] == container)
        argv = [*(spec.get("command") or []), *(spec.get("args") or [])]
    ws = web.WebSocketResponse(protocols=PROTOCOLS, autoping=True, max_msg_size=1 << 20)
    if not ws.can_prepare(request).ok:
        raise BadRequest("Upgrade request required")
    await ws.prepare(request)
    chan = _Channel(ws)
    tty = _flag(query, "tty")
    stdin = _flag(query, "stdin")
    try:
        term = kubelet.runtime.terminal(pod, container, argv) if tty and stdin else None
        if term is not None:
            await _session(srv, chan, term, attach, (t.namespace or "default", t.name or "", container))
            return ws
        data = await _read_stdin(chan) if stdin else b""
        if tty and not stdin:
            await _wait_resize(chan)
        srv.sim.sync()
        if attach and not stdin:
            # Nothing to feed the main process: the session lasts until the client leaves.
            await _read_stdin(chan)
            await chan.finish(0)
            return ws
        result = kubelet.exec(t.namespace or "default", t.name or "", container, argv,
                              data.decode(errors="replace"), tty=tty)
        if attach:
            # The main process read its whole stdin and ended: so does the container.
            kubelet.main_exited(t.namespace or "default", t.name or "", container, int(result.code))
        srv.sim.kick()
        if tty:
            await chan.send(STDOUT, _crlf(result.output))
        else:
            await chan.send(STDOUT, result.stdout)
            await chan.send(STDERR, result.stderr)
        await chan.finish(int(result.code))
    except ExecError as e:
        await chan.finish(e.code, str(e))
    except ApiError as e:
        await chan.finish(1, e.message, e.reason)
    except (ConnectionError, asyncio.CancelledError):
        pass
    return ws


async def _read_stdin(chan: _Channel) -> bytes:
    """Everything the client sends on stdin until it closes stdin (channel 255) or the socket."""
    data = bytearray()
    while True:
        msg = await asyncio.wait_for(chan.ws.receive(), SESSION_IDLE)
        if msg.type != WSMsgType.BINARY:
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR):
                return bytes(data)
            continue
        raw: bytes = msg.data
        if not raw:
            continue
        if raw[0] == STDIN:
            data.extend(raw[1:])
            if len(data) > 1 << 24:
                raise BadRequest("stdin too large")
        elif raw[0] == CLOSE:
            return bytes(data)


async def _wait_resize(chan: _Channel) -> None:
    try:
        while True:
            msg = await asyncio.wait_for(chan.ws.receive(), RESIZE_WAIT)
            if msg.type != WSMsgType.BINARY:
                return
            if msg.data[:1] == bytes([RESIZE]):
                return
    except TimeoutError:
        return


async def _session(srv: ServerContext, chan: _Channel, term: Terminal, attach: bool, key: tuple[str, str, str]) -> None:
    """A live terminal: echo keystrokes, run each line as it is entered, finish on ``exit``."""
    await chan.send(STDOUT, _crlf(term.start()))
    line = bytearray()
    while True:
        msg = await asyncio.wait_for(chan.ws.receive(), SESSION_IDLE)
        if msg.type != WSMsgType.BINARY:
            if msg.type in (WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING, WSMsgType.ERROR):
                return
            continue
        raw: bytes = msg.data
        if not raw or raw[0] != STDIN:
            if raw[:1] == bytes([CLOSE]):
                break
            continue
        for byte in raw[1:]:
            ch = bytes([byte])
            if ch in (b"\r", b"\n"):
                await chan.send(STDOUT, "\r\n")
                srv.sim.sync()
                out = term.feed(line.decode(errors="replace"))
                srv.sim.kick()
                line.clear()
                await chan.send(STDOUT, _crlf(out))
                if term.exited:
                    await _ended(srv, chan, term.code, attach, key)
                    return
            elif ch in (b"\x7f", b"\x08"):
                if line:
                    line.pop()
                    await chan.send(STDOUT, b"\x08 \x08")
            elif ch == b"\x03":
                line.clear()
                await chan.send(STDOUT, "^C\r\n" + term.prompt)
            elif ch == b"\x04" and not line:
                term.feed("exit")
                await _ended(srv, chan, term.code, attach, key)
                return
            elif byte >= 32 or ch == b"\t":
                line.append(byte)
                await chan.send(STDOUT, ch)
    await _ended(srv, chan, term.code, attach, key)


async def _ended(srv: ServerContext, chan: _Channel, code: int, attach: bool, key: tuple[str, str, str]) -> None:
    if attach:
        # The attached process was the container's main process: the container ends with it.
        srv.sim.sync()
        kubelet = srv.cluster.kubelet(get_in(srv.cluster.store.try_get("Pod", key[1], key[0]) or {},
                                             ("spec", "nodeName")))
        if kubelet is not None:
            kubelet.main_exited(key[0], key[1], key[2], code)
        srv.sim.kick()
    await chan.finish(code)
