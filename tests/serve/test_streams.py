"""Pod streams through the official client: exec over the v4 channel protocol, and port-forward
to a pod's simulated HTTP server."""

from __future__ import annotations

from typing import Any

import pytest

from simk8s.serve import Endpoint

pytest.importorskip("aiohttp", reason="simk8s serve needs the serve extra (aiohttp)")
kubernetes = pytest.importorskip("kubernetes", reason="the official client is in the test extra")
from kubernetes.stream import portforward, stream  # noqa: E402


def _core(endpoint: Endpoint) -> Any:
    return kubernetes.client.CoreV1Api(kubernetes.config.new_client_from_config(config_file=str(endpoint.kubeconfig)))


def test_exec_through_the_official_client(endpoint: Endpoint) -> None:
    core = _core(endpoint)
    out = stream(core.connect_get_namespaced_pod_exec, "web-0", "default", command=["hostname"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    assert out == "web-0\n"
    resp = stream(core.connect_get_namespaced_pod_exec, "web-1", "default", command=["sh", "-c", "exit 4"],
                  stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    resp.run_forever(timeout=10)
    assert resp.returncode == 4


def test_port_forward_reaches_the_pods_web_server(endpoint: Endpoint) -> None:
    core = _core(endpoint)
    endpoint.call(lambda: endpoint.cluster.exec("web-0", "echo hello-pf > /usr/share/nginx/html/index.html"))
    pf = portforward(core.connect_get_namespaced_pod_portforward, "web-0", "default", ports="80")
    sock = pf.socket(80)
    sock.setblocking(True)
    sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    data = b""
    sock.settimeout(10)
    while b"hello-pf" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    sock.close()
    assert data.startswith(b"HTTP/1.1 200")
    assert b"hello-pf\n" in data
    assert pf.error(80) is None
