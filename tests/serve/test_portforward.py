"""``kubectl port-forward`` against ``simk8s serve``: the real kubectl over both of its transports
(SPDY tunneled in WebSocket, its default since 1.31, and plain SPDY after an HTTP upgrade), and
the kubelet's stream-pair protocol driven frame by frame."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from simk8s.serve import Endpoint, spdy
from tests.serve.spdy_client import SpdyClient

needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
TRANSPORTS = {"websocket": {}, "spdy": {"KUBECTL_PORT_FORWARD_WEBSOCKETS": "false"}}


def _env(endpoint: Endpoint, tmp_path: Path, transport: str = "websocket") -> dict[str, str]:
    return {**os.environ, "KUBECONFIG": str(endpoint.kubeconfig), "KUBECACHEDIR": str(tmp_path / "cache"),
            **TRANSPORTS[transport]}


@contextmanager
def port_forward(env: dict[str, str], *args: str) -> Iterator[tuple[subprocess.Popen[str], int]]:
    p = subprocess.Popen(["kubectl", "port-forward", *args], env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout is not None
        first = p.stdout.readline()
        m = re.match(r"Forwarding from 127\.0\.0\.1:(\d+) -> \d+", first)
        assert m, (first, p.stderr.read() if p.stderr and p.poll() is not None else "")
        yield p, int(m.group(1))
    finally:
        if p.poll() is None:
            p.terminate()
        p.wait(timeout=20)


def _get(port: int, path: str = "/") -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=20) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


@needs_kubectl
@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_kubectl_port_forward_reaches_the_pods_nginx(endpoint: Endpoint, tmp_path: Path, transport: str) -> None:
    env = _env(endpoint, tmp_path, transport)
    with port_forward(env, "pod/web-0", ":80") as (_, port):
        # The lab's volume starts empty: nginx forbids the directory index.
        status, body = _get(port)
        assert status == 403 and b"<title>403 Forbidden</title>" in body
        # The lab's next step writes each pod's hostname page.
        done = subprocess.run(["kubectl", "exec", "web-0", "--", "sh", "-c",
                               'echo "$(hostname)" > /usr/share/nginx/html/index.html'],
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert _get(port) == (200, b"web-0\n")
        assert _get(port, "/missing")[0] == 404
    logs = endpoint.call(lambda: endpoint.cluster.kubectl("logs web-0").stdout)
    assert re.search(r'127\.0\.0\.1 - - \[.*\] "GET / HTTP/1\.1" 200 6 "-" "Python-urllib/', logs), logs


@needs_kubectl
@pytest.mark.parametrize("transport", list(TRANSPORTS))
def test_kubectl_port_forward_reports_a_closed_port_on_the_error_stream(endpoint: Endpoint, tmp_path: Path,
                                                                        transport: str) -> None:
    with port_forward(_env(endpoint, tmp_path, transport), "pod/web-0", ":81") as (p, port):
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            _get(port)
        _, err = p.communicate(timeout=30)
    assert p.returncode == 1
    assert re.search(rf"an error occurred forwarding {port} -> 81: error forwarding port 81 to pod [0-9a-f]{{64}}, "
                     r"uid : failed to execute portforward in network namespace \\\"/var/run/netns/cni-[-0-9a-f]{36}"
                     r"\\\": failed to connect to localhost:81 inside namespace \\\"[0-9a-f]{64}\\\", IPv4: dial tcp4 "
                     r"127\.0\.0\.1:81: connect: connection refused", err), err
    assert "error: lost connection to pod" in err


@needs_kubectl
def test_kubectl_port_forward_to_a_missing_pod(endpoint: Endpoint, tmp_path: Path) -> None:
    done = subprocess.run(["kubectl", "port-forward", "pod/nope", ":80"], env=_env(endpoint, tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip() == 'Error from server (NotFound): pods "nope" not found'


# ---------------------------------------------------------------------------- frame by frame
def _write_page(endpoint: Endpoint) -> None:
    endpoint.call(lambda: endpoint.cluster.exec("web-0", 'echo "$(hostname)" > /usr/share/nginx/html/index.html'))


def test_spdy_upgrade_answers_with_the_negotiated_protocol(endpoint: Endpoint) -> None:
    c = SpdyClient(endpoint)
    assert c.status == 101
    head = c.head.decode().lower()
    assert "upgrade: spdy/3.1" in head and "x-stream-protocol-version: portforward.k8s.io" in head
    c.close()
    refused = SpdyClient(endpoint, protocol="v4.channel.k8s.io")
    assert refused.status == 403
    assert refused.body.startswith(b"unable to upgrade: unable to negotiate protocol: client supports "
                                   b"[v4.channel.k8s.io], server accepts [portforward.k8s.io]")
    refused.close()
    assert SpdyClient(endpoint, pod="nope").status == 404


def test_a_stream_pair_is_one_keep_alive_connection(endpoint: Endpoint) -> None:
    _write_page(endpoint)
    c = SpdyClient(endpoint)
    err, data = c.open_pair()
    get = b"GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.5.0\r\n\r\n"
    c.send(spdy.DataFrame(data, get), spdy.DataFrame(data, get))
    c.until(lambda fs: sum(f.data.count(b"web-0\n") for f in fs if isinstance(f, spdy.DataFrame)) == 2)
    c.send(spdy.DataFrame(data, b"", fin=True))   # the local connection closed
    body, fin = c.stream(data)
    assert fin and body.count(b"HTTP/1.1 200 OK\r\n") == 2 and body.count(b"Connection: keep-alive") == 2
    assert c.stream(err) == (b"", True)
    # A second forwarded connection on the same session, without a requestID (older clients).
    err2, data2 = c.next_id, c.next_id + 2
    c.send(spdy.SynStream(err2, (("streamtype", "error"), ("port", "80"))),
           spdy.SynStream(data2, (("streamtype", "data"), ("port", "80"))),
           spdy.DataFrame(data2, b"HEAD / HTTP/1.0\r\n\r\n"))
    body, fin = c.stream(data2)
    assert fin and body.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: 6\r\n" in body
    assert body.endswith(b"Connection: close\r\n\r\n")
    c.close()


def test_a_deleted_pod_is_reported_on_the_error_stream(endpoint: Endpoint) -> None:
    c = SpdyClient(endpoint)
    endpoint.call(lambda: endpoint.cluster.delete("Pod", "web-0", grace_period=0))
    err, data = c.open_pair()
    message, fin = c.stream(err)
    assert fin and re.fullmatch(rb'error forwarding port 80 to pod ([0-9a-f]{64}), uid : failed to find sandbox '
                                rb'"\1" in store: not found', message), message
    assert c.stream(data) == (b"", True)
    c.close()


def test_streams_with_bad_headers_are_reset(endpoint: Endpoint) -> None:
    c = SpdyClient(endpoint)
    c.send(spdy.SynStream(1, (("streamtype", "data"),)),
           spdy.SynStream(3, (("streamtype", "data"), ("port", "0"))),
           spdy.SynStream(5, (("streamtype", "bogus"), ("port", "80"))),
           spdy.SynStream(7, (("streamtype", "error"), ("port", "80"), ("requestid", "1"))),
           spdy.SynStream(9, (("streamtype", "error"), ("port", "80"), ("requestid", "1"))))
    frames = c.until(lambda fs: len(fs) >= 6)
    assert [f for f in frames if isinstance(f, spdy.RstStream)] == [
        spdy.RstStream(i, spdy.CANCEL) for i in (1, 3, 5)]
    data, _ = c.stream(7, timeout=1)
    assert data == b"error processing stream for request 1: error stream already assigned"
    c.close()
