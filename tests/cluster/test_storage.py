"""Claims, volumes and their lifecycle in virtual time, as `kubectl get pvc/pv` shows them."""

from __future__ import annotations

from typing import Any

import pytest

from simk8s import Cluster
from simk8s.api.errors import Invalid


def pvc(name: str, cls: str | None = None, size: str = "1Gi") -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if cls is not None:
        spec["storageClassName"] = cls
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": spec}


def pod(name: str, claim: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {
        "containers": [{"name": "c", "image": "nginx:1.25",
                        "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
        "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim}}]}}


def events(c: Cluster, reason: str) -> list[str]:
    return [e["message"] for e in c.get("events") if e["reason"] == reason]


def test_wait_for_first_consumer_then_provision_about_nine_seconds_after_scheduling(cluster: Cluster) -> None:
    cluster.create(pvc("data"))
    cluster.settle()
    assert cluster.get("pvc", "data")["status"]["phase"] == "Pending"
    assert cluster.get("pvc", "data")["spec"]["storageClassName"] == "local-path"   # default class admission
    assert events(cluster, "WaitForFirstConsumer") == ["waiting for first consumer to be created before binding"]
    start = cluster.now
    cluster.create(pod("user", "data"))
    cluster.settle()
    claim = cluster.get("pvc", "data")
    assert claim["status"]["phase"] == "Bound"
    bound_at = next(ev.t for ev in cluster.store.log if ev.kind.kind == "PersistentVolumeClaim"
                    and ev.obj["status"].get("phase") == "Bound")
    assert 8 <= bound_at - start <= 11
    node = cluster.get("pods", "user")["spec"]["nodeName"]
    assert claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == node
    row = cluster.kubectl("get pv").stdout.splitlines()[1].split()
    assert row[0] == claim["spec"]["volumeName"] == f"pvc-{claim['metadata']['uid']}"
    assert row[1:6] == ["1Gi", "RWO", "Delete", "Bound", "default/data"]


def test_delete_reclaim_removes_volume_and_data_retain_keeps_them(cluster: Cluster) -> None:
    cluster.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "keep"},
                    "provisioner": "rancher.io/local-path", "reclaimPolicy": "Retain",
                    "volumeBindingMode": "WaitForFirstConsumer"})
    for name, cls in (("gone", None), ("kept", "keep")):
        cluster.create(pvc(name, cls))
        cluster.create(pod(f"p-{name}", name))
    cluster.settle()
    cluster.exec("p-gone", "echo hi > /data/f")
    vols = {n: cluster.get("pvc", n)["spec"]["volumeName"] for n in ("gone", "kept")}
    for name in ("gone", "kept"):
        cluster.delete("pods", f"p-{name}")
    cluster.settle()
    for name in ("gone", "kept"):
        cluster.delete("pvc", name)
    cluster.settle()
    names = [p["metadata"]["name"] for p in cluster.get("pv")]
    assert vols["gone"] not in names and vols["gone"] not in cluster.volume_data
    kept = cluster.get("pv", vols["kept"])
    assert kept["status"]["phase"] == "Released"


def test_pvc_protection_holds_a_claim_while_a_pod_uses_it(cluster: Cluster) -> None:
    cluster.create(pvc("data"))
    cluster.create(pod("user", "data"))
    cluster.settle()
    cluster.delete("pvc", "data")
    cluster.settle()
    claim = cluster.get("pvc", "data")
    assert claim["metadata"]["deletionTimestamp"] and claim["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    assert cluster.kubectl("get pvc data").stdout.splitlines()[1].split()[1] == "Terminating"
    cluster.delete("pods", "user")
    cluster.settle()
    assert cluster.get("pvc") == []


def test_claims_that_can_never_bind_stay_pending_with_the_upstream_event(cluster: Cluster) -> None:
    cluster.create(pvc("noclass", cls=""))
    cluster.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "now"},
                    "provisioner": "rancher.io/local-path", "volumeBindingMode": "Immediate"})
    cluster.create(pvc("immediate", cls="now"))
    cluster.settle()
    assert {c["metadata"]["name"]: c["status"]["phase"] for c in cluster.get("pvc")} == {
        "immediate": "Pending", "noclass": "Pending"}
    assert "no persistent volumes available for this claim and no storage class is set" in events(cluster, "FailedBinding")
    assert events(cluster, "ProvisioningFailed") == [
        'failed to provision volume with StorageClass "now": configuration error, no node was specified']


def test_static_volume_binds_and_invalid_claims_are_refused(cluster: Cluster) -> None:
    cluster.create({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "manual-1"},
                    "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                             "storageClassName": "manual", "hostPath": {"path": "/srv/1"}}})
    cluster.create(pvc("static", "manual"))
    cluster.settle()
    assert cluster.get("pvc", "static")["spec"]["volumeName"] == "manual-1"
    assert cluster.get("pv", "manual-1")["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    rv = cluster.store.resource_version
    bad = pvc("bad")
    del bad["spec"]["accessModes"]
    with pytest.raises(Invalid, match=r"spec\.accessModes: Required value"):
        cluster.create(bad)
    assert cluster.store.resource_version == rv
