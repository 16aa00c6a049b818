"""CustomResourceDefinitions in the store: a definition's kind appears once its names are accepted;
its objects are pruned, defaulted, validated, stored, listed and watched, with the status and scale
subresources it declares; deleting the definition deletes its objects, then the kind."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from simk8s import Cluster
from simk8s.api.crd.definition import CustomKind
from simk8s.api.errors import BadRequest, Invalid, MethodNotAllowed, NotFound
from simk8s.api.frozen import thaw
from simk8s.api.kinds import UnknownKind
from simk8s.api.manifest import load_manifests
from simk8s.store import Store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CRD_YAML = (EXAMPLES / "postgres-crd.yaml").read_text()
CR_YAML = (EXAMPLES / "postgres-cluster.yaml").read_text()


def make_store() -> Store:
    s = Store(rng=random.Random(1))
    s.create("Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return s


def crd() -> dict[str, Any]:
    return load_manifests(CRD_YAML)[0]


def cluster_obj(name: str = "orders", **spec: Any) -> dict[str, Any]:
    obj = load_manifests(CR_YAML)[0]
    obj["metadata"]["name"] = name
    obj["spec"].update(spec)
    return obj


def with_crd() -> Store:
    s = make_store()
    s.create("crd", crd())
    return s


def test_a_created_definition_gets_its_names_accepted_and_its_kind_served() -> None:
    s = make_store()
    with pytest.raises(UnknownKind):
        s.kinds.resolve("pgc")
    created = s.create("customresourcedefinitions", crd())
    assert thaw(created["status"]) == {"acceptedNames": {"plural": "", "kind": ""}, "storedVersions": ["v1"]}
    assert created["spec"]["names"]["listKind"] == "PostgresClusterList"
    assert created["spec"]["conversion"] == {"strategy": "None"}
    stored = s.get("crd", "postgresclusters.db.example.com")
    status = thaw(stored["status"])
    assert status["acceptedNames"] == {"plural": "postgresclusters", "singular": "postgrescluster",
                                       "shortNames": ["pgc"], "kind": "PostgresCluster",
                                       "listKind": "PostgresClusterList"}
    assert [(c["type"], c["status"], c["reason"]) for c in status["conditions"]] == [
        ("NamesAccepted", "True", "NoConflicts"), ("Established", "True", "InitialNamesAccepted")]
    assert [(e.type, e.kind.kind) for e in s.log[-2:]] == [("ADDED", "CustomResourceDefinition"),
                                                           ("MODIFIED", "CustomResourceDefinition")]
    k = s.kinds.resolve("pgc")
    assert isinstance(k, CustomKind) and k is s.kinds.resolve("postgresclusters.db.example.com")
    assert (k.kind, k.api_version, k.namespaced, k.qualified_resource) == (
        "PostgresCluster", "db.example.com/v1", True, "postgresclusters.db.example.com")
    assert s.kinds.for_object(cluster_obj()) is k


def test_bad_definitions_get_the_api_servers_messages_and_change_nothing() -> None:
    s = make_store()
    bad = crd()
    bad["metadata"]["name"] = "postgres.db.example.com"
    bad["spec"]["versions"][0]["storage"] = False
    rv = s.resource_version
    with pytest.raises(Invalid) as e:
        s.create("crd", bad)
    assert str(e.value).startswith('CustomResourceDefinition.apiextensions.k8s.io "postgres.db.example.com" is '
                                   'invalid: [metadata.name: Invalid value: "postgres.db.example.com": must be '
                                   'spec.names.plural+"."+spec.group, spec.versions: Invalid value: ')
    assert "must have exactly one version marked as storage version" in str(e.value)
    assert s.resource_version == rv and s.count("crd") == 0


def test_custom_objects_are_defaulted_validated_listed_and_watched() -> None:
    s = with_crd()
    created = s.create("pgc", cluster_obj(replicas=None))
    assert created["spec"] == {"version": "16", "replicas": 1, "storage": "1Gi"}
    assert created["metadata"]["generation"] == 1 and created["apiVersion"] == "db.example.com/v1"
    assert [o["metadata"]["name"] for o in s.list("postgresclusters", "default")] == ["orders"]
    assert s.log[-1].type == "ADDED" and s.log[-1].kind is s.kinds.resolve("pgc")
    rv = s.resource_version
    with pytest.raises(Invalid) as e:
        s.create("pgc", cluster_obj("bad", replicas="three", version="9"))
    assert str(e.value) == (
        'PostgresCluster.db.example.com "bad" is invalid: [spec.replicas: Invalid value: "string": spec.replicas in '
        'body must be of type integer: "string", spec.version: Unsupported value: "9": supported values: "15", "16", '
        '"17", .spec.replicas: Invalid value: 0: .spec.replicas accessor error: three is of the type string, expected '
        'int64]')
    with pytest.raises(BadRequest) as b:
        s.create("pgc", cluster_obj("typo", replica=3))
    assert str(b.value) == ('PostgresCluster in version "v1" cannot be handled as a PostgresCluster: strict decoding '
                            'error: unknown field "spec.replica"')
    assert s.resource_version == rv


def test_status_is_a_subresource_and_generation_follows_the_spec() -> None:
    s = with_crd()
    obj = cluster_obj()
    obj["status"] = {"readyReplicas": 3}
    created = s.create("pgc", obj)
    assert "status" not in created           # dropped on create: status is written through /status
    body = thaw(created)
    body["status"] = {"readyReplicas": 2}
    body["spec"]["replicas"] = 5
    updated = s.update("pgc", body)
    assert "status" not in updated and updated["spec"]["replicas"] == 5 and updated["metadata"]["generation"] == 2
    body = thaw(updated)
    body["status"] = {"readyReplicas": 2}
    body["spec"]["replicas"] = 7
    status = s.update("pgc", body, subresource="status")
    assert status["status"] == {"readyReplicas": 2} and status["spec"]["replicas"] == 5
    assert status["metadata"]["generation"] == 2
    with pytest.raises(Invalid, match=r"status.readyReplicas: Invalid value: \"string\""):
        s.update("pgc", {**thaw(status), "status": {"readyReplicas": "x"}}, subresource="status")


def test_scale_subresource_reads_and_writes_the_crds_paths() -> None:
    s = with_crd()
    s.create("pgc", cluster_obj())
    s.update("pgc", {**thaw(s.get("pgc", "orders")), "status": {"readyReplicas": 2}}, subresource="status")
    scaled = s.scale("pgc", "orders", 5)
    assert scaled["spec"]["replicas"] == 5
    patched = s.patch("pgc", "orders", {"spec": {"replicas": 4}}, subresource="scale", patch_type="merge")
    assert patched["spec"]["replicas"] == 4
    with pytest.raises(Invalid, match=r"spec\.replicas in body should be less than or equal to 9"):
        s.scale("pgc", "orders", 10)


def test_deleting_the_definition_deletes_its_objects_then_the_kind() -> None:
    s = with_crd()
    s.create("pgc", cluster_obj("a"))
    s.create("pgc", cluster_obj("b"))
    start = len(s.log)
    s.delete("crd", "postgresclusters.db.example.com")
    events = [(e.type, e.kind.kind, e.obj["metadata"]["name"]) for e in s.log[start:]]
    assert events == [("MODIFIED", "CustomResourceDefinition", "postgresclusters.db.example.com"),
                      ("DELETED", "PostgresCluster", "a"), ("DELETED", "PostgresCluster", "b"),
                      ("DELETED", "CustomResourceDefinition", "postgresclusters.db.example.com")]
    assert list(s.log[start].obj["metadata"]["finalizers"]) == ["customresourcecleanup.apiextensions.k8s.io"]
    with pytest.raises(UnknownKind):
        s.kinds.resolve("pgc")
    assert [k.kind for k, _ in s.iter_all()] == ["Namespace"]


def test_objects_with_finalizers_keep_the_definition_terminating() -> None:
    s = with_crd()
    obj = cluster_obj()
    obj["metadata"]["finalizers"] = ["db.example.com/backup"]
    s.create("pgc", obj)
    s.delete("crd", "postgresclusters.db.example.com")
    assert s.get("crd", "postgresclusters.db.example.com")["metadata"]["deletionTimestamp"]
    with pytest.raises(MethodNotAllowed, match="create not allowed while custom resource definition is terminating"):
        s.create("pgc", cluster_obj("late"))
    s.patch("pgc", "orders", {"metadata": {"finalizers": None}}, patch_type="merge")
    with pytest.raises(NotFound):
        s.get("crd", "postgresclusters.db.example.com")
    with pytest.raises(UnknownKind):
        s.kinds.resolve("pgc")


def test_a_kind_name_already_served_is_not_accepted() -> None:
    s = make_store()
    clash = crd()
    clash["spec"]["names"]["kind"] = "Pod"
    s.create("crd", clash)
    conditions = thaw(s.get("crd", "postgresclusters.db.example.com")["status"]["conditions"])
    assert [(c["type"], c["status"], c["reason"]) for c in conditions] == [
        ("NamesAccepted", "False", "KindConflict"), ("Established", "False", "NotAccepted")]
    with pytest.raises(UnknownKind):
        s.kinds.resolve("pgc")


def test_forks_share_custom_kinds_and_diverge_from_the_same_watch_log() -> None:
    def run() -> Cluster:
        c = Cluster(seed=3)
        c.apply(CRD_YAML)
        c.apply(CR_YAML)
        c.settle()
        return c

    a, b = run(), run()
    assert [(e.rv, e.type, e.kind.kind, e.obj) for e in a.store.log] == \
        [(e.rv, e.type, e.kind.kind, e.obj) for e in b.store.log]
    f = a.fork()
    k = a.store.kinds.resolve("pgc")
    assert f.store.kinds.resolve("pgc") is k
    f.store.scale("pgc", "orders", 2)
    assert a.get("pgc", "orders")["spec"]["replicas"] == 3 and f.get("pgc", "orders")["spec"]["replicas"] == 2
    f.store.delete("crd", "postgresclusters.db.example.com")
    assert a.get("pgc", "orders")["spec"]["replicas"] == 3
    with pytest.raises(UnknownKind):
        f.kind("pgc")
