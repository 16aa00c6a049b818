"""The store behaves like the API server: versions, conflicts, graceful deletion, finalizers, watch."""

from __future__ import annotations

import gc
import random

import pytest

from simk8s.api.errors import AlreadyExists, Conflict, Expired, NotFound
from simk8s.api.frozen import UNTRACK, FrozenDict, thaw
from simk8s.store import Store, WatchEvent


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def make_store() -> tuple[Store, Clock]:
    clock = Clock()
    s = Store(clock=clock, rng=random.Random(1))
    s.create("Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    return s, clock


def pod(name: str, node: str | None = None) -> dict:
    spec: dict = {"containers": [{"name": "nginx", "image": "nginx"}], "terminationGracePeriodSeconds": 30}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": "nginx"}}, "spec": spec}


def test_create_sets_server_fields_and_hands_out_frozen_objects() -> None:
    s, clock = make_store()
    clock.t = 18.7
    p = s.create("pods", pod("web-0"))
    meta = p["metadata"]
    assert meta["namespace"] == "default"
    assert meta["creationTimestamp"] == "2024-06-01T09:00:18Z"
    assert int(meta["resourceVersion"]) == s.resource_version
    assert len(meta["uid"]) == 36
    assert p["status"]["phase"] == "Pending"
    assert isinstance(p, FrozenDict)
    with pytest.raises(TypeError):
        p["metadata"]["name"] = "x"  # type: ignore[index]
    assert list(p)[:3] == ["apiVersion", "kind", "metadata"]


def test_same_seed_gives_same_uids() -> None:
    a, _ = make_store()
    b, _ = make_store()
    assert a.create("pods", pod("x"))["metadata"]["uid"] == b.create("pods", pod("x"))["metadata"]["uid"]


def test_duplicate_name_is_already_exists_and_changes_nothing() -> None:
    s, _ = make_store()
    s.create("pods", pod("web-0"))
    rv = s.resource_version
    with pytest.raises(AlreadyExists, match='pods "web-0" already exists'):
        s.create("pods", pod("web-0"))
    assert s.resource_version == rv


def test_missing_namespace_is_not_found() -> None:
    s, _ = make_store()
    with pytest.raises(NotFound, match='namespaces "prod" not found'):
        s.create("pods", pod("web-0"), "prod")


def test_generate_name_uses_the_upstream_alphabet() -> None:
    s, _ = make_store()
    body = pod("")
    body["metadata"] = {"generateName": "deploy-cf9b57fb9-"}
    name = s.create("pods", body)["metadata"]["name"]
    assert name.startswith("deploy-cf9b57fb9-") and len(name) == len("deploy-cf9b57fb9-") + 5
    assert set(name[-5:]) <= set("bcdfghjklmnpqrstvwxz2456789")


def test_stale_resource_version_is_a_conflict() -> None:
    s, _ = make_store()
    p = thaw(s.create("pods", pod("web-0")))
    p["metadata"]["labels"]["x"] = "1"
    s.update("pods", p)
    p["metadata"]["labels"]["x"] = "2"
    with pytest.raises(Conflict, match='Operation cannot be fulfilled on pods "web-0": the object has been modified'):
        s.update("pods", p)


def test_no_op_update_keeps_the_resource_version() -> None:
    s, _ = make_store()
    p = s.create("pods", pod("web-0"))
    assert s.update("pods", thaw(p)) is p


def test_main_resource_ignores_status_and_status_subresource_ignores_spec() -> None:
    s, _ = make_store()
    p = thaw(s.create("pods", pod("web-0")))
    p["status"]["phase"] = "Running"
    assert s.update("pods", p)["status"]["phase"] == "Pending"
    p = thaw(s.get("pods", "web-0"))
    p["status"]["phase"] = "Running"
    p["metadata"]["labels"]["changed"] = "yes"
    after = s.update_status("pods", p)
    assert after["status"]["phase"] == "Running"
    assert "changed" not in after["metadata"]["labels"]


def test_scheduled_pod_deletes_gracefully_and_goes_with_a_zero_grace_delete() -> None:
    s, clock = make_store()
    s.create("pods", pod("web-0", node="k8s-w1"))
    clock.t = 10
    after = s.delete("pods", "web-0")
    assert after is not None
    assert after["metadata"]["deletionTimestamp"] == "2024-06-01T09:00:40Z"
    assert after["metadata"]["deletionGracePeriodSeconds"] == 30
    assert s.delete("pods", "web-0", grace_period=0) is None
    assert s.try_get("pods", "web-0") is None


def test_unscheduled_pod_is_removed_at_once() -> None:
    s, _ = make_store()
    s.create("pods", pod("web-0"))
    assert s.delete("pods", "web-0") is None


def test_finalizers_hold_an_object_until_removed() -> None:
    s, _ = make_store()
    body = pod("web-0")
    body["metadata"]["finalizers"] = ["example.com/hold"]
    s.create("pods", body)
    held = s.delete("pods", "web-0")
    assert held is not None and held["metadata"]["deletionTimestamp"]
    s.mutate("pods", "web-0", "default", lambda b: b["metadata"].update(finalizers=[]))
    assert s.try_get("pods", "web-0") is None


def test_orphan_propagation_adds_the_orphan_finalizer() -> None:
    s, _ = make_store()
    s.create("pods", pod("web-0"))
    held = s.delete("pods", "web-0", propagation="Orphan")
    assert held is not None and held["metadata"]["finalizers"] == ["orphan"]


def test_watch_log_replays_from_a_resource_version_and_expires_when_compacted() -> None:
    s, _ = make_store()
    seen: list[WatchEvent] = []
    s.subscribe(seen.append)
    rv = s.resource_version
    s.create("pods", pod("a"))
    s.create("pods", pod("b"))
    s.delete("pods", "a")
    assert [(e.type, e.obj["metadata"]["name"]) for e in s.events_since(rv)] == [
        ("ADDED", "a"), ("ADDED", "b"), ("DELETED", "a")]
    assert [e.rv for e in seen] == [e.rv for e in s.events_since(rv)]
    s.compact(1)
    with pytest.raises(Expired):
        s.events_since(rv)


def test_binding_sets_node_and_condition_once() -> None:
    s, _ = make_store()
    s.create("pods", pod("web-0"))
    bound = s.bind("web-0", "default", "k8s-w1")
    assert bound["spec"]["nodeName"] == "k8s-w1"
    assert bound["status"]["conditions"][-1]["type"] == "PodScheduled"
    with pytest.raises(Conflict, match="already assigned"):
        s.bind("web-0", "default", "k8s-w2")


def test_lists_are_sorted_by_namespace_and_name() -> None:
    s, _ = make_store()
    s.create("Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}})
    for ns, name in (("default", "web-1"), ("a", "z"), ("default", "web-0")):
        s.create("pods", pod(name), ns)
    assert [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in s.list("pods")] == [
        ("a", "z"), ("default", "web-0"), ("default", "web-1")]
    assert [p["metadata"]["name"] for p in s.list("pods", "default")] == ["web-0", "web-1"]


def test_subscribers_see_only_their_kinds_in_subscription_order() -> None:
    s, _ = make_store()
    seen: list[tuple[str, str]] = []
    s.subscribe(lambda ev: seen.append(("all", ev.kind.kind)))
    unsubscribe = s.subscribe(lambda ev: seen.append(("pods", ev.kind.kind)), ("Pod",))
    s.create("Service", {"metadata": {"name": "c"}, "spec": {"ports": [{"port": 80}]}})
    s.create("Pod", pod("a"))
    unsubscribe()
    s.create("Pod", pod("b"))
    assert seen == [("all", "Service"), ("all", "Pod"), ("pods", "Pod"), ("all", "Pod")]


def test_pods_by_claim_index_follows_creates_and_deletes() -> None:
    s, _ = make_store()

    def with_claims(name: str, *claims: str) -> dict:
        body = pod(name)
        body["spec"]["volumes"] = [{"name": f"v{i}", "persistentVolumeClaim": {"claimName": c}}
                                   for i, c in enumerate(claims)]
        return body

    s.create("Pod", with_claims("b", "data"))
    s.create("Pod", with_claims("a", "data", "logs"))
    s.create("Pod", pod("c"))
    names = lambda claim: [p["metadata"]["name"] for p in s.by_index("Pod", "claim", ("default", claim))]  # noqa: E731
    assert names("data") == ["a", "b"]          # (namespace, name) order, like list()
    assert names("logs") == ["a"]
    assert names("other") == []
    s.delete("Pod", "a")
    assert names("data") == ["b"] and names("logs") == []


def test_volumes_by_claim_uid_index_follows_claim_ref_changes() -> None:
    s, _ = make_store()
    pv = {"metadata": {"name": "pv1"}, "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                                               "hostPath": {"path": "/tmp/pv1"}}}
    stored = s.create("PersistentVolume", pv)
    assert s.by_index("PersistentVolume", "claim-uid", "u1") == []
    body = thaw(stored)
    body["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": "default", "name": "c", "uid": "u1"}
    s.update("PersistentVolume", body)
    assert [v["metadata"]["name"] for v in s.by_index("PersistentVolume", "claim-uid", "u1")] == ["pv1"]
    body = thaw(s.get("PersistentVolume", "pv1"))
    del body["spec"]["claimRef"]
    s.update("PersistentVolume", body)
    assert s.by_index("PersistentVolume", "claim-uid", "u1") == []


def test_the_store_keeps_untracked_versions_and_watch_events():
    s = Store()
    s.create("Namespace", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "default"}})
    cm = s.create("ConfigMap", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
                                "data": {"k": "v"}})
    new = s.update("ConfigMap", {**thaw(cm), "data": {"k": "w"}})
    tracked = gc.is_tracked if UNTRACK is not None else (lambda _: False)
    assert not any(tracked(x) for x in (cm, new, new["metadata"], new["data"], *s.log))
