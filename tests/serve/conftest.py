"""A served cluster and a small HTTP client for the serve tests (ephemeral ports only)."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pytest

pytest.importorskip("aiohttp", reason="simk8s serve needs the serve extra (aiohttp)")

from simk8s import Cluster
from simk8s.examples import WEB_YAML
from simk8s.serve import Endpoint


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    raw: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


class Api:
    """Plain HTTP/1.1 requests against an endpoint (one connection per request)."""

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        u = urlparse(endpoint.url)
        self.host, self.port = u.hostname or "127.0.0.1", int(u.port or 80)

    def __call__(self, method: str, path: str, body: Any = None, *, content_type: str = "application/json",
                 accept: str = "application/json", timeout: float = 30.0) -> Reply:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
        headers = {"Accept": accept}
        if data is not None:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        reply = Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        conn.close()
        return reply

    def lines(self, path: str, timeout: float = 30.0, accept: str = "application/json") -> list[dict[str, Any]]:
        """A watch read to its end (the request must carry a timeout): one dict per event."""
        r = self("GET", path, timeout=timeout, accept=accept)
        assert r.status == 200, r.raw
        return [json.loads(line) for line in r.raw.splitlines() if line.strip()]


@pytest.fixture
def web_cluster() -> Cluster:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    return c


@pytest.fixture
def endpoint(web_cluster: Cluster) -> Iterator[Endpoint]:
    with web_cluster.serve(speed=None) as ep:
        yield ep


@pytest.fixture
def api(endpoint: Endpoint) -> Api:
    return Api(endpoint)
