"""Watch streams: one JSON ``WatchEvent`` per line over a chunked response, read from the store's log.

A watch starts from a ``resourceVersion`` (``""``/``"0"``: the current objects as ADDED events
first), replays the store's log after it and then follows it. Nothing is queued per watcher: each
one keeps the last resourceVersion it sent and re-reads the log when woken, so a slow reader holds
no memory; one that stops reading is dropped when a write has not drained for
:data:`WRITE_TIMEOUT` seconds. History the log has compacted away gets an ``ERROR`` event with 410
(``Expired``), as the API server sends it, and the client relists.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

import simk8s.serve.tables as tables
from simk8s.api.errors import BadRequest, Expired, strconv_syntax
from simk8s.api.frozen import FrozenDict
from simk8s.api.selectors import FieldSelector, LabelSelector
from simk8s.serve.rest import Target, selectors_of
from simk8s.store import WatchEvent

if TYPE_CHECKING:
    from simk8s.serve.context import ServerContext

__all__ = ["WRITE_TIMEOUT", "watch"]

#: Seconds a watch write may wait for the client to read before the connection is dropped.
WRITE_TIMEOUT = 30.0
#: Seconds between idle checks (client gone? timeout? bookmark due?).
IDLE_CHECK = 2.0


def _passes(obj: Any, ns: str | None, lsel: LabelSelector | None, fsel: FieldSelector | None) -> bool:
    if obj is None:
        return False
    meta = obj["metadata"]
    if ns is not None and meta.get("namespace", "") != ns:
        return False
    if lsel is not None and not lsel.matches(meta.get("labels") or {}):
        return False
    return fsel is None or fsel.matches(obj)


def _with_rv(obj: Any, rv: int) -> dict[str, Any]:
    return {**obj, "metadata": {**obj["metadata"], "resourceVersion": str(rv)}}


def translate(ev: WatchEvent, ns: str | None, lsel: LabelSelector | None, fsel: FieldSelector | None
              ) -> tuple[str, Any] | None:
    """The event a watcher with these filters sees (objects entering or leaving its selection are
    ADDED or DELETED, as the API server's watch cache reports them), or None."""
    new_ok = ev.type != "DELETED" and _passes(ev.obj, ns, lsel, fsel)
    if ev.type == "ADDED":
        return ("ADDED", ev.obj) if new_ok else None
    if ev.type == "DELETED":
        return ("DELETED", ev.obj) if _passes(ev.obj, ns, lsel, fsel) else None
    old_ok = _passes(ev.old, ns, lsel, fsel)
    if new_ok:
        return ("MODIFIED" if old_ok else "ADDED"), ev.obj
    if old_ok and ev.old is not None:
        return "DELETED", _with_rv(ev.old, ev.rv)
    return None


def _parse_rv(text: str) -> int | None:
    if text in ("", "0"):
        return None
    try:
        rv = int(text)
    except ValueError:
        raise BadRequest(f'resourceVersion: Invalid value: "{text}": {strconv_syntax("ParseUint", text)}') from None
    if rv < 0:
        raise BadRequest(f'resourceVersion: Invalid value: "{text}"')
    return rv


def _timeout(query: Mapping[str, str]) -> float:
    """Seconds the watch may run: ``timeoutSeconds`` and kubectl's ``timeout`` (a Go duration)."""
    limits = []
    text = query.get("timeoutSeconds")
    if text:
        try:
            limits.append(float(int(text)))
        except ValueError:
            raise BadRequest(f'invalid timeoutSeconds: "{text}"') from None
    text = query.get("timeout")
    if text:
        try:
            limits.append(_go_duration(text))
        except ValueError:
            raise BadRequest(f'invalid timeout: "{text}"') from None
    if limits:
        return min(limits)
    # The API server's default: between the minimum request timeout (1800 s) and twice that.
    return 1800.0 * (1 + random.random())


def _go_duration(text: str) -> float:
    """``9m21s``, ``2s``, ``1h``, ``0.5s``."""
    total, num, seen = 0.0, "", False
    units = {"h": 3600.0, "m": 60.0, "s": 1.0}
    for ch in text:
        if ch.isdigit() or ch == ".":
            num += ch
        elif ch in units and num:
            total += float(num) * units[ch]
            num, seen = "", True
        else:
            raise ValueError(text)
    if num or not seen:
        raise ValueError(text)
    return total


class _Stream:
    """One watch connection's writer: JSON lines, Tables when the client asked for them."""

    def __init__(self, srv: ServerContext, t: Target, resp: web.StreamResponse, as_table: bool) -> None:
        self.srv = srv
        self.t = t
        self.resp = resp
        self.cols = srv.columns(t.kind) if as_table else None
        self.headers_sent = False

    def _at(self, seconds: float) -> datetime:
        return self.srv.cluster.store.epoch + timedelta(seconds=int(seconds))

    def encode(self, type_: str, obj: Any, t: float) -> bytes:
        if self.cols is not None and type_ in ("ADDED", "MODIFIED", "DELETED"):
            obj = tables.table(self.cols, [obj], self._at(t), obj["metadata"].get("resourceVersion", ""),
                               headers=not self.headers_sent)
            self.headers_sent = True
        elif isinstance(obj, FrozenDict):
            return b'{"type":"' + type_.encode() + b'","object":' + self.srv.encode(obj) + b"}\n"
        return json.dumps({"type": type_, "object": obj}, separators=(",", ":")).encode() + b"\n"

    async def send(self, data: bytes) -> None:
        await asyncio.wait_for(self.resp.write(data), self.srv.write_timeout)


def _naming(query: Mapping[str, str], t: Target) -> Mapping[str, str]:
    """A watch of one object by its URL is a watch with ``metadata.name`` as its field selector
    (as the API server treats it); a field selector may only repeat that name."""
    field = query.get("fieldSelector") or ""
    if field:
        fsel = selectors_of(t.kind, query)[1]
        names = [term.value for term in fsel.terms if term.field == "metadata.name" and not term.negated] \
            if fsel is not None else []
        if names != [t.name]:
            raise BadRequest("fieldSelector metadata.name doesn't match requested name")
        return query
    return {**query, "fieldSelector": f"metadata.name={t.name}"}


async def watch(srv: ServerContext, request: web.Request, t: Target, query: Mapping[str, str], as_table: bool
                ) -> web.StreamResponse:
    """Serve one watch request until its timeout, the client leaving, or 410."""
    store = srv.cluster.store
    if t.name is not None:
        query = _naming(query, t)
    lsel, fsel = selectors_of(t.kind, query)
    start = _parse_rv(query.get("resourceVersion") or "")
    deadline = time.monotonic() + _timeout(query)
    bookmarks = query.get("allowWatchBookmarks") in ("true", "1") and not as_table
    initial_end = query.get("sendInitialEvents") == "true"
    ns = t.namespace if t.kind.namespaced else None
    resp = web.StreamResponse(status=200, headers={"Content-Type": "application/json",
                                                  "Cache-Control": "no-cache, private"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    stream = _Stream(srv, t, resp, as_table)
    wake = asyncio.Event()
    unregister = srv.add_watcher(t.kind.kind, wake)
    try:
        if start is None:
            last = store.resource_version
            now = float(srv.cluster.env.now)
            for obj in store.list(t.kind, ns, selector=lsel, field_selector=fsel):
                await stream.send(stream.encode("ADDED", obj, now))
            if initial_end:
                await stream.send(stream.encode("BOOKMARK", _bookmark(t, last, initial_end=True), now))
        else:
            last = start
        next_bookmark = time.monotonic() + srv.bookmark_interval
        while True:
            try:
                events = store.events_since(last)
            except Expired as e:
                await stream.send(json.dumps({"type": "ERROR", "object": e.status}).encode() + b"\n")
                return resp
            for ev in events:
                if ev.kind.kind != t.kind.kind:
                    continue
                out = translate(ev, ns, lsel, fsel)
                if out is not None:
                    await stream.send(stream.encode(out[0], out[1], ev.t))
            if events:
                last = events[-1].rv
            now_wall = time.monotonic()
            if now_wall >= deadline or _gone(request):
                return resp
            if bookmarks and now_wall >= next_bookmark:
                await stream.send(stream.encode("BOOKMARK", _bookmark(t, store.resource_version), 0.0))
                last = max(last, store.resource_version)
                next_bookmark = now_wall + srv.bookmark_interval
            wake.clear()
            wait = min(deadline - now_wall, IDLE_CHECK, max(0.01, next_bookmark - now_wall) if bookmarks else IDLE_CHECK)
            try:
                await asyncio.wait_for(wake.wait(), timeout=max(0.0, wait))
            except TimeoutError:
                pass
    except (TimeoutError, ConnectionResetError, ConnectionError):
        # The client stopped reading (or left): drop the connection, keep serving everyone else.
        if request.transport is not None:
            request.transport.close()
        return resp
    finally:
        unregister()


def _gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _bookmark(t: Target, rv: int, *, initial_end: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {"kind": t.kind.kind, "apiVersion": t.kind.api_version, "metadata": meta}

