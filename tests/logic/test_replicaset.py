"""Deployments and ReplicaSets: hashed ReplicaSet names, random pod names, rank-based scale-down."""

import random

from simk8s.logic.hashing import ALPHANUMS, random_suffix
from simk8s.logic.replicaset import (
    deployment_rolling_plan,
    max_surge_unavailable,
    pod_for_replicaset,
    pods_to_delete,
    replicaset_plan,
    rs_for_deployment,
)


def deploy(replicas=4, image="nginx:1", **strategy):
    d = {"apiVersion": "apps/v1", "kind": "Deployment",
         "metadata": {"name": "nginx", "namespace": "default", "uid": "d1", "generation": 1,
                      "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}", "team": "a"}},
         "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "nginx"}},
                  "template": {"metadata": {"labels": {"app": "nginx"}},
                               "spec": {"containers": [{"name": "nginx", "image": image}]}}},
         "status": {}}
    if strategy:
        d["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": strategy}
    return d


def test_replicaset_is_named_after_the_template_hash():
    rs = rs_for_deployment(deploy(), None)
    h = rs["spec"]["template"]["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"nginx-{h}" and set(h) <= set(ALPHANUMS)
    assert rs["spec"]["selector"]["matchLabels"] == {"app": "nginx", "pod-template-hash": h}
    assert rs["metadata"]["labels"] == {"app": "nginx", "pod-template-hash": h}
    assert rs["metadata"]["annotations"] == {
        "team": "a", "deployment.kubernetes.io/desired-replicas": "4",
        "deployment.kubernetes.io/max-replicas": "5", "deployment.kubernetes.io/revision": "1"}
    assert rs["metadata"]["ownerReferences"][0]["kind"] == "Deployment"
    assert rs_for_deployment(deploy(image="nginx:2"), None)["metadata"]["name"] != rs["metadata"]["name"]


def test_replicaset_pods_use_generate_name():
    rs = rs_for_deployment(deploy(), None)
    pod = pod_for_replicaset(rs)
    assert pod["metadata"]["generateName"] == rs["metadata"]["name"] + "-"
    assert "name" not in pod["metadata"]
    assert pod["metadata"]["ownerReferences"][0] == {
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"], "uid": "",
        "controller": True, "blockOwnerDeletion": True}
    name = pod["metadata"]["generateName"] + random_suffix(random.Random(1))
    assert len(name.rsplit("-", 1)[1]) == 5


def test_default_surge_rounds_up_and_unavailable_rounds_down():
    assert max_surge_unavailable(deploy(replicas=10)) == (3, 2)
    assert max_surge_unavailable(deploy(replicas=1)) == (1, 0)
    assert max_surge_unavailable(deploy(replicas=4, maxSurge=0, maxUnavailable=0)) == (0, 1)


def _pod(name, *, node="n1", phase="Running", ready=True, created="2024-01-01T00:00:00Z", ready_at=None):
    p = {"metadata": {"name": name, "uid": name, "creationTimestamp": created},
         "spec": {"nodeName": node} if node else {},
         "status": {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                                    "lastTransitionTime": ready_at or created}]}}
    return p


def test_scale_down_prefers_unscheduled_pending_unready_then_newest():
    pods = [
        _pod("old-ready", created="2024-01-01T00:00:00Z"),
        _pod("new-ready", created="2024-01-01T01:00:00Z"),
        _pod("unready", ready=False),
        _pod("pending", phase="Pending", ready=False),
        _pod("unscheduled", node="", phase="Pending", ready=False),
    ]
    order = [p["metadata"]["name"] for p in pods_to_delete(pods, pods, 5)]
    assert order == ["unscheduled", "pending", "unready", "new-ready", "old-ready"]


def test_replicaset_plan_creates_or_deletes_the_difference():
    rs = rs_for_deployment(deploy(), None, replicas=3)
    assert replicaset_plan(rs, [_pod("a")])[:2] == (2, [])
    pods = [_pod("a"), _pod("b", created="2024-01-02T00:00:00Z"), _pod("c"), _pod("d")]
    creates, deletes, status = replicaset_plan(rs, pods)
    assert creates == 0 and deletes == ["b"]
    assert status["replicas"] == 4 and status["readyReplicas"] == 4


def test_rolling_update_never_exceeds_surge_nor_drops_below_min_available():
    d = deploy(replicas=4)
    old = rs_for_deployment(d, None, replicas=4)
    old["metadata"].update(uid="rs-old", creationTimestamp="2024-01-01T00:00:00Z")
    rss = {old["metadata"]["name"]: old}
    pods = []
    serial = 0

    def owned(rs):
        return [p for p in pods if p["metadata"]["ownerReferences"][0]["uid"] == rs["metadata"]["uid"]]

    def reconcile_replicasets():
        nonlocal serial, pods
        for rs in rss.values():
            creates, deletes, _ = replicaset_plan(rs, owned(rs))
            pods = [p for p in pods if p["metadata"]["name"] not in deletes]
            for _ in range(creates):
                serial += 1
                p = pod_for_replicaset(rs)
                p["metadata"].update(name=f"{rs['metadata']['name']}-{serial}", uid=f"p{serial}",
                                     creationTimestamp="2024-01-01T00:00:00Z")
                p["spec"]["nodeName"] = "n1"
                p["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
                pods.append(p)

    reconcile_replicasets()
    d2 = deploy(replicas=4, image="nginx:2")
    first = deployment_rolling_plan(d2, list(rss.values()), pods)
    assert first.create is not None and first.create["spec"]["replicas"] == 1
    assert first.scales == [(old["metadata"]["name"], 3)]
    assert first.create["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    for _ in range(20):
        plan = deployment_rolling_plan(d2, list(rss.values()), pods)
        if plan.create:
            plan.create["metadata"].update(uid="rs-new", creationTimestamp="2024-01-01T00:05:00Z")
            rss[plan.create["metadata"]["name"]] = plan.create
        for name, n in plan.scales:
            rss[name] = dict(rss[name], spec=dict(rss[name]["spec"], replicas=n))
        assert sum(r["spec"]["replicas"] for r in rss.values()) <= 5
        reconcile_replicasets()
        assert len(pods) <= 5 and len(pods) >= 3
    new_name = next(n for n in rss if n != old["metadata"]["name"])
    assert rss[new_name]["spec"]["replicas"] == 4 and rss[old["metadata"]["name"]]["spec"]["replicas"] == 0
    status = deployment_rolling_plan(d2, list(rss.values()), pods).status
    assert status == {"observedGeneration": 1, "replicas": 4, "updatedReplicas": 4, "readyReplicas": 4,
                      "availableReplicas": 4}
