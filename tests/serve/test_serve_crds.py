"""The real kubectl 1.32 against ``simk8s serve`` with a CustomResourceDefinition: apply the CRD and an
object of it, list it with the CRD's printer columns (the same rows as the emulation on a twin
cluster), watch an event arrive, scale it through its scale subresource; and the discovery and
OpenAPI documents that make this work. Skipped, with the reason, where kubectl is absent."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("aiohttp", reason="simk8s serve needs the serve extra (aiohttp)")

from simk8s import Cluster
from simk8s.serve import Endpoint, wall_epoch

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CRD, CR = EXAMPLES / "postgres-crd.yaml", EXAMPLES / "postgres-cluster.yaml"
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Cluster, Endpoint, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("crd")
    c = Cluster(seed=1, epoch=wall_epoch())
    with c.serve(speed=None) as endpoint:
        env = {**os.environ, "KUBECONFIG": str(endpoint.kubeconfig), "KUBECACHEDIR": str(tmp / "cache")}
        yield c, endpoint, env


def kubectl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, timeout=60)


@needs_kubectl
def test_1_apply_the_crd_then_an_object_and_get_it_with_printer_columns(
        served: tuple[Cluster, Endpoint, dict[str, str]]) -> None:
    cluster, endpoint, env = served
    out = kubectl(env, "apply", "-f", str(CRD))
    assert out.stdout == "customresourcedefinition.apiextensions.k8s.io/postgresclusters.db.example.com created\n", \
        out.stderr
    out = kubectl(env, "apply", "-f", str(CR))
    assert out.stdout == "postgrescluster.db.example.com/orders created\n", out.stderr
    got = kubectl(env, "get", "pgc")
    assert got.stdout.splitlines()[0].split() == ["NAME", "VERSION", "REPLICAS", "READY", "AGE"]
    assert got.stdout.splitlines()[1].split()[:4] == ["orders", "16", "3", "<none>"]
    emulated = endpoint.call(lambda: cluster.kubectl("get pgc -o wide"))
    real = kubectl(env, "get", "pgc", "-o", "wide")
    assert [r.split()[:-1] for r in real.stdout.splitlines()] == \
        [r.split()[:-1] for r in emulated.stdout.splitlines()]
    assert kubectl(env, "get", "postgresclusters.db.example.com", "orders", "-o", "name").stdout == \
        "postgrescluster.db.example.com/orders\n"


@needs_kubectl
def test_2_invalid_objects_get_the_servers_message(served: tuple[Cluster, Endpoint, dict[str, str]],
                                                   tmp_path: Path) -> None:
    _, _, env = served
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: db.example.com/v1\nkind: PostgresCluster\nmetadata:\n  name: bad\n"
                   "spec:\n  version: \"16\"\n  replicas: three\n")
    out = kubectl(env, "apply", "-f", str(bad))
    assert out.returncode != 0
    assert ('spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'
            in out.stderr), out.stderr


@needs_kubectl
def test_3_watch_receives_the_scale(served: tuple[Cluster, Endpoint, dict[str, str]]) -> None:
    cluster, endpoint, env = served
    watch = subprocess.Popen(["kubectl", "get", "pgc", "-w"], env=env, text=True, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
    try:
        time.sleep(1.5)
        out = kubectl(env, "scale", "pgc", "orders", "--replicas=5")
        assert out.stdout == "postgrescluster.db.example.com/orders scaled\n", out.stderr
        time.sleep(1.5)
    finally:
        watch.send_signal(signal.SIGTERM)
        text, _ = watch.communicate(timeout=30)
    rows = [line.split() for line in text.splitlines()]
    assert rows[0][:4] == ["NAME", "VERSION", "REPLICAS", "READY"]
    assert [r[2] for r in rows[1:]] == ["3", "5"]
    assert endpoint.call(lambda: cluster.get("pgc", "orders"))["spec"]["replicas"] == 5


def test_discovery_and_openapi_show_the_custom_resource(served: tuple[Cluster, Endpoint, dict[str, str]]) -> None:
    from tests.serve.conftest import Api

    cluster, endpoint, _ = served
    if endpoint.call(lambda: cluster.store.kinds.get("PostgresCluster")) is None:
        endpoint.call(lambda: cluster.apply(CRD.read_text()))
    api = Api(endpoint)
    group = api("GET", "/apis/db.example.com/v1").json
    assert [(r["name"], r["kind"], r.get("shortNames")) for r in group["resources"]] == [
        ("postgresclusters", "PostgresCluster", ["pgc"]), ("postgresclusters/status", "PostgresCluster", None),
        ("postgresclusters/scale", "Scale", None)]
    doc = api("GET", "/openapi/v3/apis/db.example.com/v1").json
    schema = doc["components"]["schemas"]["com.example.db.v1.PostgresCluster"]
    assert schema["properties"]["spec"]["properties"]["replicas"]["maximum"] == 9
