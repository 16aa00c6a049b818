"""``Server``: the cluster's API over HTTP and its DNS over UDP/TCP, on one asyncio loop.

The loop owns the cluster while it serves: :class:`~simk8s.serve.loop.SimLoop` advances the
simulation, and every request handler runs between two simulation steps (``sync`` first, ``kick``
after a write). Errors are the API server's ``Status`` objects; an unexpected exception in a
handler answers 500 and leaves the loop running.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import web

import simk8s.api.kinds as kinds
import simk8s.node.network as network
import simk8s.serve.auth as auth
import simk8s.serve.crds as crds
import simk8s.serve.discovery as discovery
import simk8s.serve.openapi as openapi
import simk8s.serve.pods as pods
import simk8s.serve.tables as tables
from simk8s.api.errors import ApiError, InternalError, NotFound, RequestEntityTooLarge, Timeout
from simk8s.api.frozen import FrozenDict
from simk8s.api.kinds import Kind
from simk8s.api.limits import MAX_BYTES as MAX_REQUEST_BYTES
from simk8s.dns.resolver import ClusterResolver
from simk8s.serve.dnsproto import DnsEndpoint
from simk8s.serve.loop import SimLoop
from simk8s.serve.rest import NOT_FOUND, Target, decode_body, parse_resource_path, verb
from simk8s.serve.watch import WRITE_TIMEOUT, watch
from simk8s.store.authz import Authorizer

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["MAX_BODY", "Server"]

log = logging.getLogger("simk8s.serve")

#: The API server's request body limit (3 MiB), answered with 413.
MAX_BODY = MAX_REQUEST_BYTES
#: Seconds a client may take to send a request body.
BODY_TIMEOUT = 30.0
#: Seconds a connection without a request in progress stays open (aiohttp closes it after that,
#: including one that never sent a request).
KEEPALIVE = 75.0


def _json(code: int, body: Any, headers: Mapping[str, str] | None = None) -> web.Response:
    return web.Response(body=json.dumps(body, separators=(",", ":")).encode(), status=code,
                        content_type="application/json", headers=headers)


def _status(e: ApiError) -> web.Response:
    return _json(e.code, e.status)


class Server:
    """Serve ``cluster`` on ``host:port`` (HTTP) and ``host:dns_port`` (DNS, when given).

    ``speed`` is the simulation speed against the wall clock (None: as fast as idle).
    ``await start()`` binds (port 0: an ephemeral port); ``await stop()`` closes everything.
    """

    def __init__(self, cluster: Cluster, *, host: str = "127.0.0.1", port: int = 0, dns_port: int | None = None,
                 speed: float | None = 1.0, bookmark_interval: float = 60.0) -> None:
        self.cluster = cluster
        # Limits (attributes so tests can shorten them).
        self.body_timeout = BODY_TIMEOUT
        self.keepalive = KEEPALIVE
        self.write_timeout = WRITE_TIMEOUT
        self.host = host
        self.requested_port = port
        self.requested_dns_port = dns_port
        self.sim = SimLoop(cluster, speed)
        self.bookmark_interval = bookmark_interval
        self.port = 0
        self.dns_port: int | None = None
        self._watchers: dict[str, set[asyncio.Event]] = {}
        self._encoded: dict[int, tuple[Any, bytes]] = {}
        self._rows: dict[int, tuple[Any, Any, list[Any]]] = {}
        self._runner: web.AppRunner | None = None
        self._driver: asyncio.Task[None] | None = None
        self._dns: DnsEndpoint | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.resolver = ClusterResolver(lambda: network.dns_snapshot(cluster.core))
        self.authorizer = Authorizer(cluster.store)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # ---------------------------------------------------------------------------- lifecycle
    async def start(self) -> Server:
        self._unsubscribe = self.cluster.store.subscribe(self._on_event)
        app = web.Application(client_max_size=MAX_BODY, handler_args={"max_field_size": 16384})
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, keepalive_timeout=self.keepalive, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.requested_port, backlog=1024)
        await site.start()
        server = site._server
        assert server is not None and hasattr(server, "sockets")
        self.port = int(server.sockets[0].getsockname()[1])
        if self.requested_dns_port is not None:
            self._dns = DnsEndpoint(self.resolver, self.sim.sync)
            self.dns_port = await self._dns.start(self.host, self.requested_dns_port)
        self._driver = asyncio.get_running_loop().create_task(self.sim.run(), name="simk8s-sim")
        return self

    async def stop(self) -> None:
        if self._driver is not None:
            self._driver.cancel()
            try:
                await self._driver
            except (asyncio.CancelledError, Exception):
                pass
        if self._dns is not None:
            self._dns.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._unsubscribe is not None:
            self._unsubscribe()

    async def serve_forever(self) -> None:
        """Run until cancelled; a crash inside the simulation ends it with that exception."""
        assert self._driver is not None
        await self._driver

    # ------------------------------------------------------------------------------ watchers
    def _on_event(self, ev: Any) -> None:
        if ev.old is not None:
            self._encoded.pop(id(ev.old), None)
            self._rows.pop(id(ev.old), None)
        for wake in self._watchers.get(ev.kind.kind, ()):
            wake.set()

    def encode(self, obj: Any) -> bytes:
        """A stored object's JSON, encoded once per version (lists and every watcher share it).

        Keyed by identity: stored objects are frozen, and the cache holds each one it encodes so
        its id cannot be reused while the entry lives; entries go when the store replaces the
        object, and all of them when the cache outgrows the store."""
        hit = self._encoded.get(id(obj))
        if hit is not None and hit[0] is obj:
            return hit[1]
        data = json.dumps(obj, separators=(",", ":")).encode()
        if len(self._encoded) > 4 * len(self.cluster.store.log) + 10_000:
            self._encoded.clear()
        self._encoded[id(obj)] = (obj, data)
        return data

    def _list_json(self, code: int, body: dict[str, Any]) -> web.Response:
        head = json.dumps({k: v for k, v in body.items() if k != "items"}, separators=(",", ":")).encode()
        items = b",".join(self.encode(o) for o in body["items"])
        return web.Response(body=head[:-1] + b',"items":[' + items + b"]}", status=code,
                            content_type="application/json")

    def add_watcher(self, kind: str, wake: asyncio.Event) -> Callable[[], None]:
        self._watchers.setdefault(kind, set()).add(wake)
        return lambda: self._watchers.get(kind, set()).discard(wake)

    def watcher_count(self) -> int:
        return sum(len(ws) for ws in self._watchers.values())

    # --------------------------------------------------------------------------------- kinds
    def served(self) -> list[Kind]:
        return list(self.cluster.store.kinds)

    def _by_plural(self, api_version: str) -> dict[str, Kind] | None:
        ks = {k.plural: k for k in self.served() if k.api_version == api_version}
        return ks or None

    def columns(self, kind: Kind) -> tables.Columns:
        """The kind's Table columns; rows are remembered per object version and second (a
        kubectl polling a big list costs one printer call per changed object per second)."""
        head, row = tables.columns_for(kind, crds.columns)
        rows = self._rows

        def cached(obj: Any, now: Any) -> list[Any]:
            hit = rows.get(id(obj))
            if hit is not None and hit[0] is obj and hit[1] == now:
                return hit[2]
            cells = row(obj, now)
            if len(rows) > 4 * len(self.cluster.store.log) + 10_000:
                rows.clear()
            rows[id(obj)] = (obj, now, cells)
            return cells

        return head, cached

    # ------------------------------------------------------------------------------- routing
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        try:
            self.sim.sync()
            return await self._dispatch(request)
        except ApiError as e:
            return _status(e)
        except kinds.UnknownKind:
            return _status(NotFound(NOT_FOUND))
        except (asyncio.CancelledError, ConnectionError):
            raise
        except Exception as e:
            log.exception("simk8s serve: %s %s failed", request.method, request.path)
            return _status(InternalError(f"Internal error occurred: {type(e).__name__}: {e}"))
        finally:
            if request.method not in ("GET", "HEAD", "OPTIONS"):
                self.sim.kick()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        accept = request.headers.get("Accept", "")
        get = request.method in ("GET", "HEAD")
        user = auth.request_user(self.authorizer, request.headers, request.headers.getall("Impersonate-Group", []))
        if get and len(parts) <= 3:
            doc = self._document(parts, accept)
            if doc is not None:
                auth.check(self.authorizer, user, auth.request_attributes(request.method, None, path=request.path))
                return doc
        if parts[:2] == ["api", "v1"]:
            api_version, rest = "v1", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            api_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        elif parts[:1] == ["openapi"] and get:
            auth.check(self.authorizer, user, auth.request_attributes(request.method, None, path=request.path))
            return self._openapi(parts[1:], request.query_string)
        else:
            raise NotFound(NOT_FOUND)
        if request.method == "POST" and len(rest) == 1 and (api_version, rest[0]) in auth.REVIEWS:
            raw = await self._read_body(request)
            content_type = request.headers.get("Content-Type", "application/json")
            body = auth.decode_review(raw, rest[0]) if "protobuf" in content_type else decode_body(raw, content_type)
            return _json(201, auth.review(self.authorizer, user, api_version, rest[0],
                                          body if isinstance(body, dict) else {}))
        by_plural = self._by_plural(api_version)
        if by_plural is None or not rest:
            raise NotFound(NOT_FOUND)
        watching = rest[0] == "watch"
        if watching:
            rest = rest[1:]
        t = parse_resource_path(rest, by_plural)
        query = request.query
        watches = watching or (get and t.sub is None and query.get("watch") in ("true", "1"))
        auth.check(self.authorizer, user, auth.request_attributes(request.method, t, watching=bool(watches)))
        if t.sub in pods.STREAMING:
            return await pods.handle(self, request, t)
        if get and t.sub is None and watches:
            return await watch(self, request, t, query, tables.wants_table(accept))
        if watching:
            raise NotFound(NOT_FOUND)
        raw = b"" if get else await self._read_body(request)
        content_type = request.headers.get("Content-Type", "application/json")
        code, body = verb(self.cluster.store, request.method, t, query,
                          lambda: decode_body(raw, content_type, t.kind), content_type)
        if tables.wants_table(accept) and get and t.sub is None:
            return _json(code, self._table(t, body, query))
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            return self._list_json(code, body)
        if isinstance(body, FrozenDict):
            return web.Response(body=self.encode(body), status=code, content_type="application/json")
        return _json(code, body)

    async def _read_body(self, request: web.Request) -> bytes:
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BODY}")
        try:
            return await asyncio.wait_for(request.read(), self.body_timeout)
        except web.HTTPRequestEntityTooLarge:
            raise RequestEntityTooLarge(f"Request entity too large: limit is {MAX_BODY}") from None
        except TimeoutError:
            raise Timeout("request did not complete within the allotted timeout") from None

    def _table(self, t: Target, body: Any, query: Mapping[str, str]) -> dict[str, Any]:
        cols = self.columns(t.kind)
        now = self.cluster.store.now()
        if t.name is not None:
            return tables.table(cols, [body], now, body["metadata"].get("resourceVersion", ""))
        meta = body.get("metadata") or {}
        return tables.table(cols, body["items"], now, meta.get("resourceVersion", ""),
                            continue_token=meta.get("continue", ""))

    def _document(self, parts: list[str], accept: str) -> web.Response | None:
        served = self.served()
        if parts == ["version"]:
            return _json(200, discovery.version_info(), {"Cache-Control": "no-store"})
        if len(parts) == 1 and parts[0] in ("healthz", "livez", "readyz"):
            return web.Response(text="ok")
        if parts in (["api"], ["apis"]):
            core = parts == ["api"]
            if discovery.wants_aggregated(accept):
                return web.Response(body=json.dumps(discovery.aggregated(served, core)).encode(),
                                    headers={"Content-Type": discovery.AGGREGATED_TYPE})
            if core:
                return _json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                    {"clientCIDR": "0.0.0.0/0", "serverAddress": f"{self.host}:{self.port}"}]})
            return _json(200, discovery.group_list(served))
        groups = discovery.group_versions(served)
        if parts == ["api", "v1"]:
            return _json(200, discovery.resource_list("v1", groups["v1"]))
        if len(parts) == 2 and parts[0] == "apis":
            versions = [v.partition("/")[2] for v in groups if v.startswith(parts[1] + "/")]
            if not versions:
                raise NotFound(NOT_FOUND)
            return _json(200, {"kind": "APIGroup", "apiVersion": "v1", "name": parts[1], "versions": [
                {"groupVersion": f"{parts[1]}/{v}", "version": v} for v in versions],
                "preferredVersion": {"groupVersion": f"{parts[1]}/{versions[0]}", "version": versions[0]}})
        if len(parts) == 3 and parts[0] == "apis":
            gv = f"{parts[1]}/{parts[2]}"
            if gv not in groups:
                raise NotFound(NOT_FOUND)
            return _json(200, discovery.resource_list(gv, groups[gv]))
        return None

    def _openapi(self, parts: list[str], query_string: str) -> web.Response:
        served = self.served()
        if parts == ["v2"]:
            return _json(200, openapi.v2(served, crds.schema))
        if parts == ["v3"]:
            return _json(200, openapi.v3_index(served, crds.schema))
        if parts[:1] == ["v3"] and len(parts) >= 2:
            doc = openapi.v3_group_version("/".join(parts[1:]), served, crds.schema)
            if doc is not None:
                return _json(200, doc, {"Cache-Control": "public, immutable"} if "hash=" in query_string else None)
        raise NotFound(NOT_FOUND)
