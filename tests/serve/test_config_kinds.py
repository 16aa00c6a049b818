"""ConfigMaps, Secrets and Leases through simk8s serve: stored, validated, listed, watched, printed."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess

import pytest

from simk8s.serve import Endpoint
from tests.serve.conftest import Api

NS = "/api/v1/namespaces/default"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def test_configmap_crud_and_table(api: Api) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "conf"}, "data": {"a.conf": "x=1"}}
    assert api("POST", f"{NS}/configmaps", cm).status == 201
    table = api("GET", f"{NS}/configmaps", accept=TABLE).json
    assert [c["name"] for c in table["columnDefinitions"]] == ["NAME", "DATA", "AGE"]
    assert table["rows"][0]["cells"][:2] == ["conf", "1"]
    bad = api("POST", f"{NS}/configmaps", {**cm, "metadata": {"name": "bad"}, "data": {"no/slash": "x"}})
    assert bad.status == 422 and bad.json["details"]["causes"][0]["field"] == "data[no/slash]"
    frozen = api("PATCH", f"{NS}/configmaps/conf", {"immutable": True}, content_type="application/merge-patch+json")
    assert frozen.status == 200
    refused = api("PATCH", f"{NS}/configmaps/conf", {"data": {"a.conf": "x=2"}},
                  content_type="application/merge-patch+json")
    assert refused.status == 422 and "field is immutable when `immutable` is set" in refused.json["message"]


def test_secret_string_data_is_stored_as_base64_data(api: Api) -> None:
    s = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "pw"}, "stringData": {"password": "hunter2"}}
    r = api("POST", f"{NS}/secrets", s)
    assert r.status == 201
    assert r.json["type"] == "Opaque" and "stringData" not in r.json
    assert base64.b64decode(r.json["data"]["password"]) == b"hunter2"
    bad = api("POST", f"{NS}/secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "b"},
                                         "data": {"k": "not base64!"}})
    assert bad.status == 422


def test_leases_for_leader_election(api: Api) -> None:
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": "leader"},
             "spec": {"holderIdentity": "me", "leaseDurationSeconds": 15,
                      "renewTime": "2024-06-01T09:00:00.123456Z"}}
    path = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
    created = api("POST", path, lease).json
    taken = dict(created, spec={**created["spec"], "holderIdentity": "you"})
    assert api("PUT", f"{path}/leader", taken).status == 200
    assert api("PUT", f"{path}/leader", taken).status == 409   # the stale version loses the election
    assert api("GET", f"{path}/leader", accept=TABLE).json["rows"][0]["cells"][:2] == ["leader", "you"]
    assert api("POST", path, {**lease, "metadata": {"name": "x"}, "spec": {"leaseDurationSeconds": 0}}).status == 422


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kubectl_creates_and_lists_configmaps(endpoint: Endpoint, tmp_path: object) -> None:
    env = {**os.environ, "KUBECONFIG": str(endpoint.kubeconfig), "KUBECACHEDIR": str(tmp_path)}
    r = subprocess.run(["kubectl", "create", "configmap", "app", "--from-literal=mode=fast"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.stdout == "configmap/app created\n", r.stderr
    r = subprocess.run(["kubectl", "get", "cm", "app"], env=env, capture_output=True, text=True, timeout=60)
    assert r.stdout.splitlines()[0].split() == ["NAME", "DATA", "AGE"]
    assert r.stdout.splitlines()[1].split()[:2] == ["app", "1"]
    r = subprocess.run(["kubectl", "create", "secret", "generic", "db", "--from-literal=password=s3cret"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.stdout == "secret/db created\n", r.stderr      # kubectl sends these two as protobuf
    r = subprocess.run(["kubectl", "get", "secret", "db", "-o", "jsonpath={.data.password}"], env=env,
                       capture_output=True, text=True, timeout=60)
    assert base64.b64decode(r.stdout) == b"s3cret"
