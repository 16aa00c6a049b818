"""Deployments and ReplicaSets in virtual time, the seed lab's contrast to StatefulSets."""

from __future__ import annotations

import re
from typing import Any

import pytest

from simk8s import Cluster

ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def deployment(replicas: int = 3, image: str = "nginx:1.25") -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "d"}},
                     "template": {"metadata": {"labels": {"app": "d"}},
                                  "spec": {"containers": [{"name": "nginx", "image": image}]}}}}


@pytest.fixture
def deploy(cluster: Cluster) -> Cluster:
    cluster.create(deployment())
    cluster.settle()
    return cluster


def test_pods_are_named_deploy_hash_and_five_random_chars(deploy: Cluster) -> None:
    rs = deploy.get("replicasets")
    assert len(rs) == 1
    h = rs[0]["metadata"]["labels"]["pod-template-hash"]
    assert rs[0]["metadata"]["name"] == f"web-{h}"
    pods = deploy.get("pods")
    assert len(pods) == 3
    for p in pods:
        assert re.fullmatch(rf"web-{h}-[{ALPHABET}]{{5}}", p["metadata"]["name"])
        assert p["metadata"]["ownerReferences"][0]["kind"] == "ReplicaSet"
    d = deploy.get("deployments", "web")["status"]
    assert d["readyReplicas"] == d["updatedReplicas"] == d["availableReplicas"] == 3


def test_a_deleted_pod_is_replaced_under_a_new_name(deploy: Cluster) -> None:
    names = {p["metadata"]["name"] for p in deploy.get("pods")}
    victim = sorted(names)[0]
    deploy.delete("pods", victim)
    deploy.settle()
    now = {p["metadata"]["name"] for p in deploy.get("pods")}
    assert len(now) == 3 and victim not in now and len(now - names) == 1


def test_default_rolling_update_replaces_every_pod_and_keeps_capacity(deploy: Cluster) -> None:
    old_rs = deploy.get("replicasets")[0]["metadata"]["name"]
    deploy.patch("deployments", "web",
                 {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}})
    deploy.settle()
    rs = {r["metadata"]["name"]: r for r in deploy.get("replicasets")}
    assert rs[old_rs]["spec"]["replicas"] == 0
    new = [n for n in rs if n != old_rs]
    assert len(new) == 1 and rs[new[0]]["status"]["readyReplicas"] == 3
    pods = deploy.get("pods")
    assert len(pods) == 3 and all(p["metadata"]["name"].startswith(new[0] + "-") for p in pods)
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"nginx:1.26"}
    # 25% maxSurge and maxUnavailable of 3: never more than 4 pods, never fewer than 3 available
    live: set[str] = set()
    peak = 0
    for ev in deploy.store.log:
        if ev.kind.kind != "Pod":
            continue
        if ev.type == "DELETED":
            live.discard(ev.obj["metadata"]["name"])
        elif not ev.obj["metadata"].get("deletionTimestamp"):
            live.add(ev.obj["metadata"]["name"])
        else:
            live.discard(ev.obj["metadata"]["name"])
        peak = max(peak, len(live))
    assert peak == 4


def test_recreate_removes_every_old_pod_before_creating_new_ones(cluster: Cluster) -> None:
    d = deployment()
    d["spec"]["strategy"] = {"type": "Recreate"}
    cluster.create(d)
    cluster.settle()
    old_rs = cluster.get("replicasets")[0]["metadata"]["name"]
    t0 = cluster.now
    cluster.patch("deployments", "web",
                  {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.26"}]}}}})
    cluster.settle()
    changes = [(ev.type, ev.obj["metadata"]["name"]) for ev in cluster.store.log
               if ev.t >= t0 and ev.kind.kind == "Pod" and ev.type != "MODIFIED"]
    assert [t for t, _ in changes] == ["DELETED"] * 3 + ["ADDED"] * 3
    assert all(n.startswith(old_rs) for _, n in changes[:3])
    msgs = [e["message"] for e in cluster.get("events") if e["involvedObject"]["kind"] == "Deployment"]
    new_rs = next(r["metadata"]["name"] for r in cluster.get("replicasets") if r["metadata"]["name"] != old_rs)
    assert msgs[-2:] == [f"Scaled down replica set {old_rs} from 3 to 0",
                         f"Scaled up replica set {new_rs} from 0 to 3"]
    assert cluster.get("deployments", "web")["status"]["readyReplicas"] == 3


def test_a_broken_image_stalls_the_rollout_with_capacity_kept() -> None:
    deploy = Cluster(seed=1, missing_images=["nginx:nope"])
    deploy.create(deployment())
    deploy.settle()
    old_rs = deploy.get("replicasets")[0]["metadata"]["name"]
    deploy.patch("deployments", "web",
                 {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:nope"}]}}}})
    deploy.run(300)
    rs = {r["metadata"]["name"]: r["spec"]["replicas"] for r in deploy.get("replicasets")}
    assert rs.pop(old_rs) == 3 and list(rs.values()) == [1]
    s = deploy.get("deployments", "web")["status"]
    assert s["availableReplicas"] == 3 and s["updatedReplicas"] == 1 and s["unavailableReplicas"] == 1


def test_deleting_a_deployment_cascades_to_its_replicasets_and_pods(deploy: Cluster) -> None:
    deploy.kubectl("delete deployment web")
    deploy.settle()
    assert deploy.get("replicasets") == [] and deploy.get("pods") == []


def test_scaling_down_removes_pods_and_keeps_the_names_of_the_rest(deploy: Cluster) -> None:
    names = {p["metadata"]["name"] for p in deploy.get("pods")}
    deploy.scale("deployments", "web", 1)
    deploy.settle()
    left = {p["metadata"]["name"] for p in deploy.get("pods")}
    assert len(left) == 1 and left <= names
