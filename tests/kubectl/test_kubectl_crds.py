"""The kubectl emulation with custom resources: apply a CRD then its objects, get them by plural,
short name or kind with the CRD's printer columns (wide ones with -o wide), scale them."""

from __future__ import annotations

from pathlib import Path

import pytest

from simk8s import Cluster

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.fixture
def cluster() -> Cluster:
    c = Cluster(seed=1)
    out = c.kubectl(f"apply -f {EXAMPLES / 'postgres-crd.yaml'}")
    assert out.stdout == "customresourcedefinition.apiextensions.k8s.io/postgresclusters.db.example.com created\n"
    out = c.kubectl(f"apply -f {EXAMPLES / 'postgres-cluster.yaml'}")
    assert out.stdout == "postgrescluster.db.example.com/orders created\n"
    return c


def test_get_shows_the_crds_printer_columns(cluster: Cluster) -> None:
    expected = ("NAME     VERSION   REPLICAS   READY    AGE\n"
                "orders   16        3          <none>   0s\n")
    for name in ("postgresclusters", "pgc", "PostgresCluster", "postgrescluster.db.example.com"):
        assert cluster.kubectl(f"get {name}").stdout == expected
    assert cluster.kubectl("get pgc -o wide").stdout == (
        "NAME     VERSION   REPLICAS   READY    STORAGE   AGE\n"
        "orders   16        3          <none>   1Gi       0s\n")
    assert cluster.kubectl("get pgc -o name").stdout == "postgrescluster.db.example.com/orders\n"
    assert cluster.kubectl("get crd").stdout == (
        "NAME                              CREATED AT\n"
        "postgresclusters.db.example.com   2024-06-01T09:00:00Z\n")


def test_apply_again_is_unchanged_then_configured_and_scale_uses_the_subresource(cluster: Cluster) -> None:
    path = EXAMPLES / "postgres-cluster.yaml"
    assert cluster.kubectl(f"apply -f {path}").stdout == "postgrescluster.db.example.com/orders unchanged\n"
    out = cluster.kubectl("scale pgc orders --replicas=5")
    assert out.stdout == "postgrescluster.db.example.com/orders scaled\n"
    assert cluster.get("pgc", "orders")["spec"]["replicas"] == 5
    out = cluster.kubectl("scale pgc orders --replicas=12")
    assert "spec.replicas in body should be less than or equal to 9" in out.stderr


def test_an_invalid_object_is_refused_with_the_servers_message(cluster: Cluster, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: db.example.com/v1\nkind: PostgresCluster\nmetadata:\n  name: bad\n"
                   "spec:\n  version: \"16\"\n  replicas: three\n")
    out = cluster.kubectl(f"apply -f {bad}")
    assert out.stderr == (
        'The PostgresCluster "bad" is invalid: \n'
        '* spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"\n'
        '* .spec.replicas: Invalid value: 0: .spec.replicas accessor error: three is of the type string, expected '
        'int64\n')
    assert cluster.kubectl("get pgc bad").stderr == (
        'Error from server (NotFound): postgresclusters.db.example.com "bad" not found\n')


def test_deleting_the_crd_removes_its_objects_and_its_resource_type(cluster: Cluster) -> None:
    out = cluster.kubectl("delete crd postgresclusters.db.example.com")
    assert out.stdout == 'customresourcedefinition.apiextensions.k8s.io "postgresclusters.db.example.com" deleted\n'
    assert cluster.kubectl("get pgc").stderr == 'error: the server doesn\'t have a resource type "pgc"\n'
