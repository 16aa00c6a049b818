"""Bad input against simk8s serve: each gets the API server's answer or is dropped on a timeout,
the store is left as it was, and everyone else keeps being answered."""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib

import pytest

from simk8s import Cluster
from simk8s.serve import Endpoint, portforward, spdy
from tests.serve.conftest import Api
from tests.serve.spdy_client import SpdyClient

PODS = "/api/v1/namespaces/default/pods"
STS = "/apis/apps/v1/namespaces/default/statefulsets"


def versions(ep: Endpoint) -> list[tuple[str, str, str]]:
    c: Cluster = ep.cluster
    ep.call(c.settle)
    return ep.call(lambda: [(k.kind, o["metadata"]["name"], o["metadata"]["resourceVersion"])
                            for k, o in c.objects()])


def alive(api: Api) -> None:
    assert api("GET", "/api/v1/namespaces/default/pods/web-0").status == 200


@pytest.mark.parametrize(("method", "path", "body", "content_type", "code", "words"), [
    ("POST", PODS, b'{"apiVersion": "v1", "kind": "Pod",', "application/json", 400, "json parse error"),
    ("POST", PODS, b"kind: [Pod\n", "application/yaml", 400, "error converting YAML to JSON"),
    ("POST", PODS, b"[1, 2]", "application/json", 400, "must be a JSON object"),
    ("POST", PODS, b"", "application/json", 400, "the body of the request was empty"),
    ("POST", PODS, b'{"apiVersion": "v1", "kind": "Widget", "metadata": {"name": "w"}}', "application/json", 400,
     "the kind in the data does not match"),
    ("POST", PODS, b'{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containerz": []}}',
     "application/json", 400, 'unknown field "spec.containerz"'),
    ("PUT", f"{STS}/web", b'{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "other"}}',
     "application/json", 400, "does not match the name on the URL"),
    ("PATCH", f"{STS}/web", b'[{"op": "explode", "path": "/spec"}]', "application/json-patch+json", 422, ""),
    ("PATCH", f"{STS}/web", b'[{"op": "test", "path": "/spec/replicas", "value": 99}]',
     "application/json-patch+json", 422, ""),
    ("PATCH", f"{STS}/web", b'{"op": "add"}', "application/json-patch+json", 400, "jsonpatch.Patch"),
    ("PATCH", f"{STS}/web", b'{"spec": {"replicas": "many"}}', "application/merge-patch+json", 0, ""),
    ("PATCH", f"{STS}/web", b'{"spec": {"replicas": -1}}', "application/strategic-merge-patch+json", 422,
     "spec.replicas: Invalid value: -1: must be greater than or equal to 0"),
    ("PATCH", f"{STS}/web", b'{"spec": {}}', "application/x-yaml", 415, "unknown format"),
    ("GET", f"{PODS}?labelSelector=app%3D%3D%3Dx", None, "application/json", 400, ""),
    ("GET", f"{PODS}?limit=lots", None, "application/json", 400, "invalid syntax"),
    ("GET", f"{PODS}?continue=garbage", None, "application/json", 400, "continue key is not valid"),
    ("DELETE", f"{PODS}/web-0", b'{"gracePeriodSeconds": "soon"}', "application/json", 400, "gracePeriodSeconds"),
])
def test_refused_requests_leave_the_store_unchanged(api: Api, endpoint: Endpoint, method: str, path: str,
                                                     body: bytes | None, content_type: str, code: int,
                                                     words: str) -> None:
    before = versions(endpoint)
    r = api(method, path, body, content_type=content_type)
    status = r.json
    assert status["kind"] == "Status" and status["status"] == "Failure"
    assert r.status == status["code"] and r.status >= 400
    if code:
        assert r.status == code, status
    assert words in status["message"]
    assert versions(endpoint) == before
    alive(api)


def test_a_body_over_three_mebibytes_is_413(api: Api, endpoint: Endpoint) -> None:
    before = versions(endpoint)
    big = b'{"metadata": {"name": "big", "annotations": {"a": "' + b"x" * (4 * 1024 * 1024) + b'"}}}'
    r = api("POST", "/api/v1/namespaces/default/services", big)
    assert r.status == 413
    assert r.json["message"] == "Request entity too large: limit is 3145728"
    assert versions(endpoint) == before
    alive(api)


def test_unknown_paths_and_methods_are_status_objects(api: Api) -> None:
    assert api("POST", "/version").status == 404
    r = api("PUT", PODS, {"kind": "Pod"})
    assert r.status == 405 and r.json["reason"] == "MethodNotAllowed"
    assert api("GET", "/apis/apps/v1/namespaces/default/statefulsets/web/exec").status == 404


def _raw(endpoint: Endpoint) -> socket.socket:
    return socket.create_connection(("127.0.0.1", endpoint.server.port), timeout=10)


def test_garbage_on_the_socket_is_refused_and_others_are_served(api: Api, endpoint: Endpoint) -> None:
    s = _raw(endpoint)
    s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(200)) + b"\r\n\r\n")
    reply = s.recv(4096)
    s.close()
    assert reply == b"" or reply.startswith(b"HTTP/1.")
    alive(api)


def test_a_slow_body_is_dropped_on_a_timeout(api: Api, endpoint: Endpoint) -> None:
    endpoint.server.body_timeout = 0.5
    before = versions(endpoint)
    s = _raw(endpoint)
    s.sendall(b"POST /api/v1/namespaces/default/services HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: 1000\r\n\r\n{\"metadata\"")
    alive(api)   # the stalled body holds nobody else up
    reply = s.recv(65536)
    s.close()
    assert reply.startswith(b"HTTP/1.1 504")
    assert versions(endpoint) == before


def test_idle_and_half_open_connections_are_closed_and_do_not_block_others(web_cluster: Cluster) -> None:
    ep = web_cluster.serve(speed=None)
    ep.server.keepalive = 1.0
    with ep:
        api = Api(ep)
        idle = [_raw(ep) for _ in range(300)]
        half = _raw(ep)
        half.sendall(b"GET /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\n")   # never finished
        alive(api)
        time.sleep(2.5)
        for s in idle[:5]:
            assert s.recv(10) == b""        # closed by the server
        for s in idle:
            s.close()
        half.close()
        alive(api)


def test_a_watch_client_that_never_reads_is_dropped(web_cluster: Cluster) -> None:
    with web_cluster.serve(speed=None) as ep:
        ep.server.write_timeout = 0.5
        api = Api(ep)
        s = _raw(ep)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.sendall(b"GET /api/v1/namespaces/default/events?watch=true HTTP/1.1\r\nHost: x\r\n\r\n")
        time.sleep(0.3)
        # Many events the stuck watcher would have to receive.
        c = ep.cluster
        for i in range(200):
            ep.call(lambda i=i: c.create({"apiVersion": "v1", "kind": "Event", "metadata": {"name": f"e{i}"},
                                          "involvedObject": {"kind": "Pod", "name": "web-0",
                                                             "namespace": "default"},
                                          "reason": "Spam", "message": "x" * 100000}))
        deadline = time.monotonic() + 20
        while ep.server.watcher_count() and time.monotonic() < deadline:
            alive(api)
            time.sleep(0.2)
        assert ep.server.watcher_count() == 0
        alive(api)
        assert ep.failure is None
        s.close()


def test_many_concurrent_clients_are_all_answered(api: Api) -> None:
    codes: list[int] = []

    def one() -> None:
        codes.append(api("GET", PODS).status)
    threads = [threading.Thread(target=one) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 64


def test_protobuf_bodies_kubectl_does_not_send_are_refused(api: Api, endpoint: Endpoint) -> None:
    before = versions(endpoint)
    garbage = api("POST", "/api/v1/namespaces/default/configmaps", b"k8s\x00\x0a\xff\xff",
                  content_type="application/vnd.kubernetes.protobuf")
    assert garbage.status == 400 and garbage.json["message"].startswith("protobuf:")
    not_k8s = api("POST", PODS, b"\x0a\x03abc", content_type="application/vnd.kubernetes.protobuf")
    assert not_k8s.status == 400
    pod = b"k8s\x00\x0a\x0b\x0a\x02v1\x12\x03Pod\x12\x00"
    unsupported = api("POST", PODS, pod, content_type="application/vnd.kubernetes.protobuf")
    assert unsupported.status == 415 and unsupported.json["reason"] == "UnsupportedMediaType"
    assert versions(endpoint) == before


# --------------------------------------------------------------------- port-forward over SPDY/3.1
def _goaway(c: SpdyClient) -> list[spdy.Frame]:
    frames = c.until(lambda fs: any(isinstance(f, spdy.GoAway) for f in fs))
    c.until(lambda fs: False, timeout=5)   # then the server hangs up
    assert c.closed
    return frames


@pytest.mark.parametrize("garbage", [
    pytest.param(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", id="http-after-the-upgrade"),
    pytest.param(struct.pack(">II", 1, 0xFFFFFF), id="16-MiB-data-frame-announced"),
    pytest.param(struct.pack(">HHI", 0x8003, 1, 0xFFFFFF), id="16-MiB-header-block-announced"),
    pytest.param(struct.pack(">HHI", 0x8003, 1, 14) + struct.pack(">IIH", 1, 0, 0) + b"junk", id="not-zlib"),
])
def test_garbage_frames_get_a_goaway_and_the_server_goes_on(api: Api, endpoint: Endpoint, garbage: bytes) -> None:
    c = SpdyClient(endpoint)
    c.sock.sendall(garbage)
    assert _goaway(c)[-1] == spdy.GoAway(0, 1)
    alive(api)


def test_a_zlib_bomb_in_a_header_block_is_refused(api: Api, endpoint: Endpoint) -> None:
    z = zlib.compressobj(9, zlib.DEFLATED, 15, 9, zlib.Z_DEFAULT_STRATEGY, spdy.DICTIONARY)
    bomb = z.compress(struct.pack(">II", 1, 4) + b"port" + struct.pack(">I", 1 << 26) + bytes(1 << 26))
    bomb += z.flush(zlib.Z_SYNC_FLUSH)   # 64 MiB of header value in about 64 KiB
    assert len(bomb) < spdy.MAX_CONTROL_FRAME - 10
    c = SpdyClient(endpoint)
    c.sock.sendall(struct.pack(">HHI", 0x8003, 1, 10 + len(bomb)) + struct.pack(">IIH", 1, 0, 0) + bomb)
    assert _goaway(c)[-1] == spdy.GoAway(0, 1)
    alive(api)


def test_too_many_streams_are_refused_one_by_one(api: Api, endpoint: Endpoint) -> None:
    endpoint.call(lambda: endpoint.cluster.exec("web-0", "echo up > /usr/share/nginx/html/index.html"))
    c = SpdyClient(endpoint)
    ids = range(1, 2 * spdy.MAX_STREAMS + 41, 2)
    c.send(*(spdy.SynStream(i, (("streamtype", "error"), ("port", "80"), ("requestid", str(i)))) for i in ids))
    frames = c.until(lambda fs: len(fs) >= len(ids))
    assert sum(isinstance(f, spdy.SynReply) for f in frames) == spdy.MAX_STREAMS
    assert sum(f == spdy.RstStream(f.stream_id, spdy.REFUSED_STREAM) for f in frames
               if isinstance(f, spdy.RstStream)) == 20
    # The session still works for the streams it holds: pair one of them and fetch the page.
    data = ids[-1] + 2
    c.send(spdy.RstStream(1, spdy.CANCEL),
           spdy.SynStream(data, (("streamtype", "data"), ("port", "80"), ("requestid", "3"))),
           spdy.DataFrame(data, b"GET / HTTP/1.0\r\n\r\n"))
    body, fin = c.stream(data)
    assert fin and body.endswith(b"\r\n\r\nup\n")
    alive(api)


def test_a_lone_stream_times_out_and_a_huge_request_head_is_refused(api: Api, endpoint: Endpoint,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(portforward, "STREAM_CREATION_TIMEOUT", 0.5)
    c = SpdyClient(endpoint)
    c.send(spdy.SynStream(1, (("streamtype", "error"), ("port", "80"), ("requestid", "7"))))
    message, fin = c.stream(1)
    assert fin and message.endswith(b", request=7) timed out waiting for streams")
    c.next_id = 3
    _, data = c.open_pair(request_id="8")
    c.send(spdy.DataFrame(data, b"GET /" + b"a" * 20000))   # no end of the head in sight
    body, fin = c.stream(data)
    assert fin and body.startswith(b"HTTP/1.1 400 Bad Request\r\n")
    alive(api)
