"""Real clients against simk8s serve: the official Python client's watch, and a kopf operator
(examples/primary_operator.py) that keeps reconciling through a node failure."""

from __future__ import annotations

import asyncio
import importlib.util
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simk8s import Cluster
from simk8s.examples import WEB_YAML

pytest.importorskip("aiohttp", reason="simk8s serve needs the serve extra (aiohttp)")
kubernetes = pytest.importorskip("kubernetes", reason="the official client is in the test extra")

from simk8s.serve import Endpoint  # noqa: E402

ROOT = Path(__file__).parent.parent.parent


def _client(endpoint: Endpoint) -> Any:
    return kubernetes.config.new_client_from_config(config_file=str(endpoint.kubeconfig))


def test_official_client_watch_sees_a_scale_out_as_it_happens() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    with c.serve(speed=None) as ep:
        core = kubernetes.client.CoreV1Api(_client(ep))
        apps = kubernetes.client.AppsV1Api(_client(ep))
        listed = core.list_namespaced_pod("default", label_selector="app=nginx")
        assert [p.metadata.name for p in listed.items] == ["web-0", "web-1"]
        seen: list[tuple[str, str, str | None]] = []

        def watch() -> None:
            w = kubernetes.watch.Watch()
            for ev in w.stream(core.list_namespaced_pod, "default", label_selector="app=nginx",
                               resource_version=listed.metadata.resource_version, timeout_seconds=5):
                pod = ev["object"]
                seen.append((ev["type"], pod.metadata.name, pod.status.phase))
                if pod.metadata.name == "web-2" and pod.status.phase == "Running":
                    w.stop()

        reader = threading.Thread(target=watch)
        reader.start()
        apps.patch_namespaced_stateful_set_scale("web", "default", {"spec": {"replicas": 3}})
        reader.join(timeout=30)
    assert seen[0] == ("ADDED", "web-2", "Pending")
    assert ("MODIFIED", "web-2", "Running") in seen
    assert {name for _, name, _ in seen} == {"web-2"}


def _load_operator() -> Any:
    spec = importlib.util.spec_from_file_location("primary_operator", ROOT / "examples" / "primary_operator.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _until(check: Callable[[], bool], timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def operator_cluster(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Cluster, Endpoint]]:
    kopf = pytest.importorskip("kopf", reason="kopf is in the test extra")
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    c.scale("statefulsets", "web", 3)
    c.settle()
    with c.serve(speed=None) as ep:
        monkeypatch.setenv("KUBECONFIG", str(ep.kubeconfig))
        previous = kopf.get_default_registry()
        registry = kopf.OperatorRegistry()
        kopf.set_default_registry(registry)
        try:
            _load_operator()   # its decorators register into ``registry``
        finally:
            kopf.set_default_registry(previous)
        ready, stop = threading.Event(), threading.Event()

        def run() -> None:
            asyncio.run(kopf.operator(registry=registry, standalone=True, namespaces=["default"],
                                      ready_flag=ready, stop_flag=stop))

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        assert ready.wait(30)
        yield c, ep
        stop.set()
        thread.join(timeout=30)


def test_kopf_operator_moves_the_primary_when_its_node_fails(operator_cluster: tuple[Cluster, Endpoint]) -> None:
    c, ep = operator_cluster

    def roles() -> dict[str, str]:
        return ep.call(lambda: {p["metadata"]["name"]: p["metadata"].get("labels", {}).get("role", "")
                                for p in c.get("pods", selector="app=nginx")})

    assert _until(lambda: roles() == {"web-0": "primary", "web-1": "replica", "web-2": "replica"}), roles()
    node = ep.call(lambda: c.get("pods", "web-0")["spec"]["nodeName"])
    ep.call(lambda: c.fail_node(node))
    # web-0 stops being Ready (and is evicted, Terminating on the dead node): web-1 takes over.
    assert _until(lambda: roles().get("web-1") == "primary"), roles()
    ep.call(lambda: c.recover_node(node))
    # The node returns, web-0 is recreated with its volume and is the lowest Ready ordinal again.
    assert _until(lambda: roles() == {"web-0": "primary", "web-1": "replica", "web-2": "replica"}), roles()
