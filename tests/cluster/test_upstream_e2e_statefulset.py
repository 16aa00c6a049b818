"""Cases ported from upstream's StatefulSet e2e suite (test/e2e/apps/statefulset.go).

Each test names the ginkgo spec it follows; the steps are the spec's, run against a simulated
cluster through the public API, with the spec's waits as ``settle``/``run`` in virtual time.
"""

from __future__ import annotations

import json
from typing import Any

from simk8s import Cluster


def e2e_set(name: str = "ss", replicas: int = 1, claims: bool = True, **spec: Any) -> dict[str, Any]:
    """e2estatefulset.NewStatefulSet: labels foo=bar,baz=blah, headless service "test", an
    httpd-like container, a "datadir" claim template mounted at /data/ when ``claims``."""
    labels = {"foo": "bar", "baz": "blah"}
    container: dict[str, Any] = {"name": "webserver", "image": "registry.k8s.io/nginx-slim:0.8",
                                  "ports": [{"containerPort": 80, "name": "web"}]}
    body: dict[str, Any] = {
        "serviceName": "test", "replicas": replicas, "selector": {"matchLabels": labels},
        "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}}, **spec}
    if claims:
        container["volumeMounts"] = [{"name": "datadir", "mountPath": "/data/"}]
        body["volumeClaimTemplates"] = [{"metadata": {"name": "datadir"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Mi"}}}}]
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name}, "spec": body}


def headless(name: str = "test") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"clusterIP": "None", "selector": {"foo": "bar", "baz": "blah"},
                     "ports": [{"port": 80, "name": "http"}]}}


def ready_replicas(c: Cluster, name: str = "ss") -> int:
    return int((c.get("statefulsets", name).get("status") or {}).get("readyReplicas") or 0)


# [sig-apps] StatefulSet Automatically recreate PVC for pending pod when PVC is missing
#   PVC should be recreated when pod is pending due to missing PVC [Disruptive][Serial]
def test_pvc_is_recreated_when_pod_is_pending_due_to_missing_pvc() -> None:
    c = Cluster(seed=3)
    node = "k8s-w2"
    c.apply([headless(), e2e_set()])
    c.patch("statefulsets", "ss", {"spec": {"template": {"spec": {"nodeSelector": {
        "kubernetes.io/hostname": node}}}}})
    c.settle()
    assert ready_replicas(c) == 1 and c.get("pvc", "datadir-ss-0")
    c.kubectl(f"cordon {node}")
    c.delete("pods", "ss-0")
    c.settle()
    pod = c.get("pods", "ss-0")
    assert pod["status"]["phase"] == "Pending" and not pod["spec"].get("nodeName")
    old_uid = c.get("pvc", "datadir-ss-0")["metadata"]["uid"]
    c.delete("pvc", "datadir-ss-0")
    # pvc-protection: a pod that is not scheduled does not hold its claim.
    c.run(5)
    c.kubectl(f"uncordon {node}")
    c.settle()
    claim = c.get("pvc", "datadir-ss-0")
    assert claim["metadata"]["uid"] != old_uid and claim["status"]["phase"] == "Bound"
    assert ready_replicas(c) == 1
    assert c.get("pods", "ss-0")["spec"]["nodeName"] == node
    created = [e for e in c.get("events") if e["involvedObject"]["kind"] == "StatefulSet"
               and e["message"] == "create Claim datadir-ss-0 Pod ss-0 in StatefulSet ss success"]
    assert [e.get("count") for e in created] == [2]  # the recorder folds the second into the first


def test_a_pending_pods_deleted_claim_goes_at_once_and_is_recreated() -> None:
    # The case: every worker cordoned, web-0 Pending, its claim deleted.
    c = Cluster(seed=1)
    for n in ("k8s-w1", "k8s-w2", "k8s-w3"):
        c.kubectl(f"cordon {n}")
    c.apply([headless(), e2e_set()])
    c.run(30)
    first = c.get("pvc", "datadir-ss-0")["metadata"]["uid"]
    c.delete("pvc", "datadir-ss-0")
    c.run(5)
    again = c.get("pvc", "datadir-ss-0")
    assert again["metadata"]["uid"] != first and not again["metadata"].get("deletionTimestamp")
    for n in ("k8s-w1", "k8s-w2", "k8s-w3"):
        c.kubectl(f"uncordon {n}")
    c.settle()
    assert ready_replicas(c) == 1


def test_a_scheduled_pod_holds_its_claim_until_the_pod_is_gone() -> None:
    c = Cluster(seed=1)
    c.apply([headless(), e2e_set()])
    c.settle()
    c.delete("pvc", "datadir-ss-0")
    c.run(30)
    assert c.get("pvc", "datadir-ss-0")["metadata"].get("deletionTimestamp")  # Terminating: ss-0 uses it
    assert c.get("pods", "ss-0")["status"]["phase"] == "Running"


def probed(name: str = "ss", replicas: int = 3, claims: bool = False, **spec: Any) -> dict[str, Any]:
    """e2e's setHTTPProbe: readiness is GET /index.html every second, one failure is enough."""
    ss = e2e_set(name, replicas, claims, **spec)
    ss["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = {
        "httpGet": {"path": "/index.html", "port": 80}, "periodSeconds": 1, "successThreshold": 1,
        "failureThreshold": 1}
    return ss


def break_probe(c: Cluster, pod: str) -> None:
    """e2e's breakHTTPProbe (the nginx docroot instead of httpd's)."""
    c.exec(pod, ["sh", "-c", "mv -v /usr/share/nginx/html/index.html /tmp/ || true"])


def restore_probe(c: Cluster, pod: str) -> None:
    c.exec(pod, ["sh", "-c", "mv -v /tmp/index.html /usr/share/nginx/html/ || true"])


def pod_names(c: Cluster) -> list[str]:
    return sorted(p["metadata"]["name"] for p in c.get("pods", selector="foo=bar,baz=blah"))


def ready(c: Cluster, pod: str) -> bool:
    return any(cond["type"] == "Ready" and cond["status"] == "True"
               for cond in (c.get("pods", pod).get("status") or {}).get("conditions") or ())


# [sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic]
#   should provide basic identity
def test_should_provide_basic_identity() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), e2e_set(replicas=3)])
    c.settle()
    assert pod_names(c) == ["ss-0", "ss-1", "ss-2"]
    for i in range(3):
        assert c.exec(f"ss-{i}", "hostname").stdout == f"ss-{i}\n"
        c.exec(f"ss-{i}", f"echo ss-{i} > /data/hostname; sync")
    c.scale("statefulsets", "ss", 0)   # e2estatefulset.Restart: scale to 0, then back
    c.settle()
    assert pod_names(c) == []
    c.scale("statefulsets", "ss", 3)
    c.settle()
    for i in range(3):
        assert c.exec(f"ss-{i}", "cat /data/hostname").stdout == f"ss-{i}\n"


# [sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic]
#   Scaling should happen in predictable order and halt if any stateful pod is unhealthy [Slow] [Conformance]
def test_scaling_happens_in_predictable_order_and_halts_if_any_pod_is_unhealthy() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), probed(replicas=1)])
    c.settle()
    assert ready(c, "ss-0")
    break_probe(c, "ss-0")
    c.run(5)
    assert not ready(c, "ss-0")
    c.scale("statefulsets", "ss", 3)
    c.run(30)
    assert pod_names(c) == ["ss-0"]  # "Verifying that stateful set ss was scaled up in order" halts
    restore_probe(c, "ss-0")
    c.settle()
    assert pod_names(c) == ["ss-0", "ss-1", "ss-2"]
    created = [e.obj["metadata"]["name"] for e in c.store.log if e.kind.kind == "Pod" and e.type == "ADDED"]
    assert created == ["ss-0", "ss-1", "ss-2"]
    for pod in pod_names(c):   # breakHTTPProbe runs in every pod of the set
        break_probe(c, pod)
    c.run(5)
    c.scale("statefulsets", "ss", 0)
    c.run(30)
    assert pod_names(c) == ["ss-0", "ss-1", "ss-2"]  # scale down halts: ss-2 is unhealthy and not the first
    for pod in pod_names(c):
        restore_probe(c, pod)
    c.settle()
    deleted = [e.obj["metadata"]["name"] for e in c.store.log if e.kind.kind == "Pod" and e.type == "DELETED"]
    assert deleted == ["ss-2", "ss-1", "ss-0"]


# [sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic]
#   Burst scaling should run to completion even with unhealthy pods [Slow] [Conformance]
def test_burst_scaling_runs_to_completion_even_with_unhealthy_pods() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), probed(replicas=1, podManagementPolicy="Parallel")])
    c.settle()
    break_probe(c, "ss-0")
    c.run(5)
    c.scale("statefulsets", "ss", 3)
    c.run(60)
    assert pod_names(c) == ["ss-0", "ss-1", "ss-2"]
    assert not ready(c, "ss-0") and ready(c, "ss-1") and ready(c, "ss-2")
    c.scale("statefulsets", "ss", 0)
    c.settle()
    assert pod_names(c) == []


# [sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic]
#   should have a working scale subresource [Conformance]
def test_should_have_a_working_scale_subresource() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), e2e_set(replicas=1, claims=False)])
    c.settle()
    got = json.loads(c.kubectl("get sts ss --subresource=scale -o json").stdout)   # getting scale subresource
    assert (got["apiVersion"], got["kind"], got["spec"], got["status"]) == (
        "autoscaling/v1", "Scale", {"replicas": 1}, {"replicas": 1, "selector": "baz=blah,foo=bar"})
    assert c.kubectl("get sts ss --subresource=scale").stdout == (
        "NAME   DESIRED   AVAILABLE\nss     1         1\n")
    r = c.kubectl(["patch", "sts", "ss", "--subresource=scale", "--type=merge", "-p", '{"spec":{"replicas":2}}'])
    assert r.stdout == "scale.autoscaling/ss patched\n"                          # updating a scale subresource
    assert c.get("statefulsets", "ss")["spec"]["replicas"] == 2                 # verifying the replicas were modified
    c.settle()
    assert pod_names(c) == ["ss-0", "ss-1"]
    r = c.kubectl(["patch", "sts", "ss", "--subresource=scale", "-p", '{"spec":{"replicas":4}}'])  # patch it
    assert r.code == 0 and c.get("statefulsets", "ss")["spec"]["replicas"] == 4
    assert c.kubectl("get pod ss-0 --subresource=scale").stderr == (
        "Error from server (NotFound): the server could not find the requested resource\n")
    assert c.kubectl("get sts --subresource=scale").stderr == (
        "error: subresource cannot be used when bulk resources are specified\n")


# [sig-apps] StatefulSet Scaling StatefulSetStartOrdinal
#   Setting .start.ordinal / Increasing .start.ordinal / Decreasing .start.ordinal / Removing .start.ordinal
def test_start_ordinal_setting_increasing_decreasing_and_removing() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), e2e_set(replicas=2, claims=False)])
    c.settle()
    assert pod_names(c) == ["ss-0", "ss-1"]
    c.patch("statefulsets", "ss", {"spec": {"ordinals": {"start": 2}, "replicas": 3}})
    c.settle()
    assert pod_names(c) == ["ss-2", "ss-3", "ss-4"]
    c.patch("statefulsets", "ss", {"spec": {"ordinals": {"start": 4}, "replicas": 2}})
    c.settle()
    assert pod_names(c) == ["ss-4", "ss-5"]
    c.patch("statefulsets", "ss", {"spec": {"ordinals": {"start": 3}}})
    c.settle()
    assert pod_names(c) == ["ss-3", "ss-4"]
    c.patch("statefulsets", "ss", {"spec": {"ordinals": None}})
    c.settle()
    assert pod_names(c) == ["ss-0", "ss-1"]
    status = c.get("statefulsets", "ss")["status"]
    assert (status["replicas"], status["readyReplicas"]) == (2, 2)


# [sig-apps] StatefulSet Non-retain StatefulSetPersistentVolumeClaimPolicy
#   should delete PVCs with a WhenDeleted policy
def test_should_delete_pvcs_with_a_when_deleted_policy() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), e2e_set(replicas=3, persistentVolumeClaimRetentionPolicy={
        "whenDeleted": "Delete", "whenScaled": "Retain"})])
    c.settle()
    c.scale("statefulsets", "ss", 1)
    c.settle()
    assert sorted(p["metadata"]["name"] for p in c.get("pvc")) == ["datadir-ss-0", "datadir-ss-1", "datadir-ss-2"]
    c.delete("statefulsets", "ss")
    c.settle()
    assert c.get("pvc") == []


# [sig-apps] StatefulSet Non-retain StatefulSetPersistentVolumeClaimPolicy
#   should delete PVCs with a OnScaledown policy
def test_should_delete_pvcs_with_an_on_scaledown_policy() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), e2e_set(replicas=3, persistentVolumeClaimRetentionPolicy={
        "whenDeleted": "Retain", "whenScaled": "Delete"})])
    c.settle()
    c.scale("statefulsets", "ss", 1)
    c.settle()
    assert [p["metadata"]["name"] for p in c.get("pvc")] == ["datadir-ss-0"]
    c.delete("statefulsets", "ss")
    c.settle()
    assert [p["metadata"]["name"] for p in c.get("pvc")] == ["datadir-ss-0"]


# [sig-apps] StatefulSet MinReadySeconds should be honored when enabled
def test_min_ready_seconds_is_honored() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), e2e_set(replicas=1, claims=False, minReadySeconds=30)])
    c.run(25)
    assert ready(c, "ss-0")
    assert (c.get("statefulsets", "ss")["status"].get("availableReplicas") or 0) == 0
    c.run(40)
    assert c.get("statefulsets", "ss")["status"]["availableReplicas"] == 1


# [sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic]
#   should implement legacy replacement when the update strategy is OnDelete
def test_should_implement_legacy_replacement_when_the_update_strategy_is_on_delete() -> None:
    c = Cluster(seed=5)
    c.apply([headless(), e2e_set(replicas=3, claims=False, updateStrategy={"type": "OnDelete"})])
    c.settle()
    current = c.get("statefulsets", "ss")["status"]["currentRevision"]
    for i in (0, 2):   # "Restoring Pods to the correct revision when they are deleted"
        c.delete("pods", f"ss-{i}")
    c.settle()
    assert {p["metadata"]["labels"]["controller-revision-hash"] for p in c.get("pods")} == {current}
    c.patch("statefulsets", "ss", {"spec": {"template": {"spec": {"containers": [
        {"name": "webserver", "image": "registry.k8s.io/nginx-slim:0.7"}]}}}})
    c.settle()
    images = {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in c.get("pods")}
    assert set(images.values()) == {"registry.k8s.io/nginx-slim:0.8"}   # nothing replaced by itself
    status = c.get("statefulsets", "ss")["status"]
    update = status["updateRevision"]
    assert update != current and status["currentRevision"] == current
    for i in range(3):   # "Recreating Pods at the new revision"
        c.delete("pods", f"ss-{i}")
    c.settle()
    pods = c.get("pods")
    assert {p["metadata"]["name"]: p["spec"]["containers"][0]["image"] for p in pods} == {
        f"ss-{i}": "registry.k8s.io/nginx-slim:0.7" for i in range(3)}
    assert {p["metadata"]["labels"]["controller-revision-hash"] for p in pods} == {update}
