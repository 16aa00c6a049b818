"""Cases ported from upstream's StatefulSet e2e suite (test/e2e/apps/statefulset.go).

Each test names the ginkgo spec it follows; the steps are the spec's, run against a simulated
cluster through the public API, with the spec's waits as ``settle``/``run`` in virtual time.
"""

from __future__ import annotations

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
