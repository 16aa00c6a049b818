"""Cases ported from upstream's storage e2e suite (test/e2e/storage/pvc_protection.go, pv_protection.go).

The claim is dynamically provisioned by the default class (local-path, WaitForFirstConsumer), so the
pod that uses it is what binds it, as in the specs' BeforeEach.
"""

from __future__ import annotations

from typing import Any

import pytest

from simk8s import Cluster
from simk8s.api.errors import NotFound


def claim(name: str = "pvc-protection") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}


def pod_using(name: str, claim_name: str = "pvc-protection") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "write-pod", "image": "busybox:1.36", "command": [
                "/bin/sh", "-c", "trap exit TERM; while true; do sleep 1; done"],  # e2epod.MakePod's
                                     "volumeMounts": [{"name": "data", "mountPath": "/mnt/volume1"}]}],
                     "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}]}}


@pytest.fixture
def in_use() -> Cluster:
    """BeforeEach: a claim and a running pod that uses it (the claim carries pvc-protection)."""
    c = Cluster(seed=7)
    c.create(claim())
    c.create(pod_using("pvc-tester"))
    c.settle()
    assert c.get("pods", "pvc-tester")["status"]["phase"] == "Running"
    assert "kubernetes.io/pvc-protection" in c.get("pvc", "pvc-protection")["metadata"]["finalizers"]
    return c


def gone(c: Cluster, kind: str, name: str) -> bool:
    try:
        c.get(kind, name)
    except NotFound:
        return True
    return False


# [sig-storage] PVC Protection Verify "immediate" deletion of a PVC that is not in active use by a pod
def test_immediate_deletion_of_a_pvc_not_in_active_use(in_use: Cluster) -> None:
    in_use.delete("pods", "pvc-tester")
    in_use.settle()
    in_use.delete("pvc", "pvc-protection")
    in_use.settle()
    assert gone(in_use, "pvc", "pvc-protection")


# [sig-storage] PVC Protection Verify that PVC in active use by a pod is not removed immediately
def test_a_pvc_in_active_use_by_a_pod_is_not_removed_immediately(in_use: Cluster) -> None:
    in_use.delete("pvc", "pvc-protection")
    in_use.run(30)
    assert in_use.get("pvc", "pvc-protection")["metadata"].get("deletionTimestamp")
    in_use.delete("pods", "pvc-tester")
    in_use.settle()
    assert gone(in_use, "pvc", "pvc-protection")


# [sig-storage] PVC Protection Verify that scheduling of a pod that uses PVC that is being deleted fails
#   and the pod becomes Unschedulable
def test_scheduling_a_pod_whose_pvc_is_being_deleted_fails(in_use: Cluster) -> None:
    in_use.delete("pvc", "pvc-protection")
    in_use.run(5)
    in_use.create(pod_using("second"))
    in_use.run(10)
    second = in_use.get("pods", "second")
    cond = next(c for c in second["status"]["conditions"] if c["type"] == "PodScheduled")
    assert (cond["status"], cond["reason"]) == ("False", "Unschedulable")
    assert 'persistentvolumeclaim "pvc-protection" is being deleted' in cond["message"]
    # "Deleting the second pod that uses the PVC that is being deleted" and the first: the claim goes.
    in_use.delete("pods", "second")
    in_use.delete("pods", "pvc-tester")
    in_use.settle()
    assert gone(in_use, "pvc", "pvc-protection")


def static_volume(name: str = "pv-protection") -> dict[str, Any]:
    spec: dict[str, Any] = {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                            "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "manual",
                            "hostPath": {"path": "/tmp/data"}}
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}, "spec": spec}


# [sig-storage] PV Protection Verify "immediate" deletion of a PV that is not bound to a PVC
def test_immediate_deletion_of_a_pv_not_bound_to_a_pvc() -> None:
    c = Cluster(seed=7)
    c.create(static_volume())
    c.settle()
    assert c.get("pv", "pv-protection", namespace=None)["status"]["phase"] == "Available"
    assert "kubernetes.io/pv-protection" in c.get("pv", "pv-protection", namespace=None)["metadata"]["finalizers"]
    c.delete("pv", "pv-protection", namespace=None)
    c.settle()
    with pytest.raises(NotFound):
        c.get("pv", "pv-protection", namespace=None)


# [sig-storage] PV Protection Verify that PV bound to a PVC is not removed immediately
def test_a_pv_bound_to_a_pvc_is_not_removed_immediately() -> None:
    c = Cluster(seed=7)
    c.create(static_volume())
    c.create({**claim("pv-claim"), "spec": {**claim()["spec"], "storageClassName": "manual"}})
    c.settle()
    assert c.get("pvc", "pv-claim")["status"]["phase"] == "Bound"
    c.delete("pv", "pv-protection", namespace=None)
    c.run(30)
    assert c.get("pv", "pv-protection", namespace=None)["metadata"].get("deletionTimestamp")
    c.delete("pvc", "pv-claim")
    c.settle()
    with pytest.raises(NotFound):
        c.get("pv", "pv-protection", namespace=None)
