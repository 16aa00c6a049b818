"""A read-only Kubernetes API over HTTP, so the real ``kubectl`` can look at a simulated cluster.

``ApiServer(cluster).start()`` serves discovery (``/api``, ``/apis``, the resource lists),
``/version``, and GET of objects and lists (JSON, or ``meta.k8s.io/v1`` Tables when kubectl asks
``as=Table``, built by the same printers as the emulation). Point kubectl at it with
``kubectl --server=http://127.0.0.1:<port> get pods``. Writes answer 405. The cluster must not be
running in another thread while it serves (one lock guards every request).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlparse

from simk8s.api import kinds
from simk8s.api.errors import ApiError, MethodNotAllowed, NotFound
from simk8s.api.frozen import thaw
from simk8s.api.kinds import Kind

if TYPE_CHECKING:
    from simk8s.cluster import Cluster

__all__ = ["ApiServer"]

_PRIORITY1 = {"Pod": 4, "StatefulSet": 2, "Deployment": 3, "ReplicaSet": 3, "Service": 1,
              "PersistentVolumeClaim": 1, "PersistentVolume": 1, "Node": 5}


def _groups() -> dict[str, list[Kind]]:
    out: dict[str, list[Kind]] = {}
    for k in kinds.KINDS:
        out.setdefault(k.api_version, []).append(k)
    return out


def _resource_list(api_version: str, ks: list[Kind]) -> dict[str, Any]:
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": api_version, "resources": [
        {"name": k.plural, "singularName": k.singular, "namespaced": k.namespaced, "kind": k.kind,
         "verbs": ["get", "list", "watch"], **({"shortNames": list(k.short_names)} if k.short_names else {})}
        for k in ks]}


def _table(cluster: Cluster, k: Kind, objs: list[Any], list_rv: str) -> dict[str, Any]:
    from simk8s.logic.printers import table

    head, rows = table(k.kind, [thaw(o) for o in objs], cluster.store.now(), wide=True)
    wide = _PRIORITY1.get(k.kind, 0)
    normal = len(head) - wide
    columns = [{"name": h, "type": "string", "format": "name" if i == 0 else "", "description": "",
                "priority": 0 if i < normal else 1} for i, h in enumerate(head)]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": list_rv},
            "columnDefinitions": columns,
            "rows": [{"cells": row, "object": {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                               "metadata": thaw(o["metadata"])}} for row, o in zip(rows, objs,
                                                                                                   strict=True)]}


class ApiServer:
    def __init__(self, cluster: Cluster, host: str = "127.0.0.1", port: int = 0) -> None:
        self.cluster = cluster
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def _send(self, code: int, body: Any) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                with server.lock:
                    try:
                        code, body = server.handle(self.path, self.headers.get("Accept", ""))
                    except ApiError as e:
                        code, body = e.code, e.status
                self._send(code, body)

            def _refuse(self) -> None:
                self._send(405, MethodNotAllowed("the simulated API server is read-only").status)

            do_POST = do_PUT = do_PATCH = do_DELETE = _refuse

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> ApiServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ApiServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------ routing
    def handle(self, raw_path: str, accept: str) -> tuple[int, Any]:
        url = urlparse(raw_path)
        parts = [p for p in url.path.split("/") if p]
        query = parse_qs(url.query)
        groups = _groups()
        if parts == ["version"]:
            return 200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0", "platform": "linux/amd64"}
        if parts == ["api"]:
            return 200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
        if parts == ["apis"]:
            gs = sorted({k.group for k in kinds.KINDS if k.group})
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                 "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"}} for g in gs]}
        if parts[:2] == ["api", "v1"]:
            api_version, rest = "v1", parts[2:]
        elif parts[:1] == ["apis"] and len(parts) >= 3:
            api_version, rest = f"{parts[1]}/{parts[2]}", parts[3:]
        else:
            raise NotFound("the server could not find the requested resource")
        if api_version not in groups:
            raise NotFound("the server could not find the requested resource")
        if not rest:
            return 200, _resource_list(api_version, groups[api_version])
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        k = next((x for x in groups[api_version] if x.plural == rest[0]), None)
        if k is None:
            raise NotFound("the server could not find the requested resource")
        as_table = "as=Table" in accept
        store = self.cluster.store
        if len(rest) >= 2:
            obj = store.get(k, rest[1], namespace)
            if as_table:
                return 200, _table(self.cluster, k, [obj], obj["metadata"]["resourceVersion"])
            return 200, thaw(obj)
        selector = query.get("labelSelector", [None])[0]
        field_selector = query.get("fieldSelector", [None])[0]
        objs = self.cluster.list_frozen(k, namespace, selector=selector, field_selector=field_selector)
        rv = str(store.resource_version)
        if as_table:
            return 200, _table(self.cluster, k, objs, rv)
        return 200, {"kind": f"{k.kind}List", "apiVersion": api_version, "metadata": {"resourceVersion": rv},
                     "items": [thaw(o) for o in objs]}
