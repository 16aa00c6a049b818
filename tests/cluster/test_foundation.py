"""Cluster API, garbage collection, probes and scheduling rules in virtual time."""

from __future__ import annotations

from typing import Any

import pytest

from simk8s import Cluster, Topology
from simk8s.api.errors import BadRequest, Invalid, NotFound


def pod(name: str, labels: dict[str, str] | None = None, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": name}},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}], **spec}}


def rs(name: str, replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": "nginx:1.25"}]}}}}


def test_get_list_and_selectors_return_plain_dicts(cluster: Cluster) -> None:
    cluster.create(pod("a", {"app": "x", "tier": "web"}))
    cluster.create(pod("b", {"app": "y"}))
    names = [p["metadata"]["name"] for p in cluster.get("pods", selector="app in (x,y),tier!=db")]
    assert names == ["a", "b"]
    assert [p["metadata"]["name"] for p in cluster.get("pods", selector="!tier")] == ["b"]
    assert [n["metadata"]["name"] for n in cluster.get("nodes")] == ["k8s-m", "k8s-w1", "k8s-w2", "k8s-w3"]
    got = cluster.get("pods", "a")
    got["metadata"]["labels"]["changed"] = "yes"      # a copy: the store is untouched
    assert "changed" not in cluster.get("pods", "a")["metadata"]["labels"]
    with pytest.raises(BadRequest, match="unable to parse requirement"):
        cluster.get("pods", selector="app in (x")


def test_strategic_merge_patch_keeps_list_items_by_name(cluster: Cluster) -> None:
    cluster.create(rs("r", 1))
    out = cluster.patch("replicasets", "r", {"spec": {"template": {"spec": {"containers": [
        {"name": "app", "image": "nginx:1.26"}]}}}})
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert out["metadata"]["generation"] == 2
    with pytest.raises(Invalid, match=r"spec\.replicas: Invalid value: -1"):
        cluster.patch("replicasets", "r", {"spec": {"replicas": -1}})


def test_background_deletion_removes_dependents(cluster: Cluster) -> None:
    cluster.create(rs("r", 2))
    cluster.settle()
    assert len(cluster.get("pods", selector="app=r")) == 2
    cluster.delete("replicasets", "r")
    cluster.settle()
    assert cluster.get("pods", selector="app=r") == []


def test_orphan_deletion_keeps_pods_without_owner_references(cluster: Cluster) -> None:
    cluster.create(rs("r", 2))
    cluster.settle()
    cluster.delete("replicasets", "r", propagation="Orphan")
    cluster.settle()
    pods = cluster.get("pods", selector="app=r")
    assert len(pods) == 2 and all("ownerReferences" not in p["metadata"] for p in pods)
    with pytest.raises(NotFound):
        cluster.get("replicasets", "r")


def test_foreground_deletion_keeps_the_owner_until_dependents_are_gone(cluster: Cluster) -> None:
    cluster.create(rs("r", 2))
    cluster.settle()
    cluster.delete("replicasets", "r", propagation="Foreground")
    owner = cluster.get("replicasets", "r")
    assert owner["metadata"]["finalizers"] == ["foregroundDeletion"]
    cluster.run(1)
    assert cluster.get("replicasets", "r")["metadata"]["deletionTimestamp"]
    cluster.settle()
    with pytest.raises(NotFound):
        cluster.get("replicasets", "r")
    assert cluster.get("pods", selector="app=r") == []


def test_http_readiness_probe_fails_on_an_empty_volume_until_index_html_exists(cluster: Cluster) -> None:
    probe = {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 2, "periodSeconds": 5}
    cluster.create({**pod("web"), "spec": {
        "containers": [{"name": "nginx", "image": "k8s.gcr.io/nginx-slim:0.8", "readinessProbe": probe,
                        "volumeMounts": [{"name": "html", "mountPath": "/usr/share/nginx/html"}]}],
        "volumes": [{"name": "html", "emptyDir": {}}]}})
    cluster.settle()
    p = cluster.get("pods", "web")
    assert p["status"]["phase"] == "Running" and not p["status"]["containerStatuses"][0]["ready"]
    assert cluster.exec("web", ["curl", "-s", "-I", "http://localhost/"]).stdout.startswith("HTTP/1.1 403 Forbidden")
    cluster.exec("web", "echo ok > /usr/share/nginx/html/index.html")
    cluster.settle()
    assert cluster.get("pods", "web")["status"]["containerStatuses"][0]["ready"] is True
    assert cluster.kubectl("get pod web").stdout.splitlines()[1].split()[1:3] == ["1/1", "Running"]


def test_required_anti_affinity_spreads_replicas_and_leaves_the_fourth_pending() -> None:
    c = Cluster(seed=3)
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}}
    for i in range(4):
        c.create(pod(f"db-{i}", {"app": "db"}, affinity=anti))
        c.settle()
    nodes = [c.get("pods", f"db-{i}")["spec"].get("nodeName") for i in range(4)]
    assert sorted(n for n in nodes[:3] if n) == ["k8s-w1", "k8s-w2", "k8s-w3"]
    assert nodes[3] is None
    message = [e["message"] for e in c.get("events") if e["reason"] == "FailedScheduling"][-1]
    assert message == ("0/4 nodes are available: 1 node(s) had untolerated taint "
                       "{node-role.kubernetes.io/control-plane: }, 3 node(s) didn't match pod anti-affinity rules. "
                       "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")


def test_insufficient_cpu_is_reported_and_retried_when_room_frees_up() -> None:
    c = Cluster(seed=1, topology=Topology.workers(1, cpu="1"))
    big = {"containers": [{"name": "app", "image": "nginx:1.25", "resources": {"requests": {"cpu": "800m"}}}]}
    c.create({**pod("a"), "spec": big})
    c.create({**pod("b"), "spec": big})
    c.settle()
    assert c.get("pods", "b")["spec"].get("nodeName") is None
    message = [e["message"] for e in c.get("events") if e["reason"] == "FailedScheduling"][-1]
    assert "1 Insufficient cpu" in message and "1 No preemption victims found for incoming pod" in message
    c.delete("pods", "a")
    c.settle()
    assert c.get("pods", "b")["spec"]["nodeName"] == "k8s-w1"


def test_cordoned_node_takes_no_new_pods() -> None:
    c = Cluster(seed=1, topology=Topology.workers(1))
    assert c.kubectl("cordon k8s-w1").stdout == "node/k8s-w1 cordoned\n"
    c.create(pod("a"))
    c.settle()
    assert "node(s) were unschedulable" in [e["message"] for e in c.get("events")
                                             if e["reason"] == "FailedScheduling"][-1]
    c.kubectl("uncordon k8s-w1")
    c.settle()
    assert c.get("pods", "a")["status"]["phase"] == "Running"
