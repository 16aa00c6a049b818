"""ReadWriteOnce attaches to one node at a time; ReadWriteOncePod admits one pod."""

from __future__ import annotations

from typing import Any

from simk8s import Cluster


def static_pv(name: str, mode: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name},
            "spec": {"capacity": {"storage": "1Gi"}, "accessModes": [mode], "storageClassName": "",
                     "hostPath": {"path": f"/data/{name}"}}}


def claim(name: str, mode: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": [mode], "storageClassName": "", "resources": {"requests": {"storage": "1Gi"}}}}


def user(name: str, claim_name: str, node: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "nginx:1.25"}],
                            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim_name}}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def test_rwo_volume_used_on_another_node_keeps_the_second_pod_creating_until_released(cluster: Cluster) -> None:
    cluster.create(static_pv("pv-a", "ReadWriteOnce"))
    cluster.create(claim("data", "ReadWriteOnce"))
    cluster.create(user("first", "data", "k8s-w1"))
    cluster.settle()
    cluster.create(user("second", "data", "k8s-w2"))
    cluster.run(30)
    row = cluster.kubectl("get pod second").stdout.splitlines()[1].split()
    assert row[1:3] == ["0/1", "ContainerCreating"]
    messages = [e["message"] for e in cluster.get("events") if e["reason"] == "FailedAttachVolume"]
    assert messages[-1] == 'Multi-Attach error for volume "pv-a" Volume is already used by pod(s) first'
    cluster.delete("pods", "first")
    cluster.run(60)
    assert cluster.get("pods", "second")["status"]["phase"] == "Running"


def test_rwop_claim_in_use_leaves_a_second_pod_pending(cluster: Cluster) -> None:
    cluster.create(static_pv("pv-b", "ReadWriteOncePod"))
    cluster.create(claim("solo", "ReadWriteOncePod"))
    cluster.create(user("one", "solo"))
    cluster.settle()
    cluster.create(user("two", "solo"))
    cluster.settle()
    assert cluster.get("pods", "two")["spec"].get("nodeName") is None
    message = [e["message"] for e in cluster.get("events") if e["reason"] == "FailedScheduling"][-1]
    assert message == ("0/4 nodes are available: 1 node(s) had untolerated taint "
                       "{node-role.kubernetes.io/control-plane: }, 3 node has pod using PersistentVolumeClaim with the "
                       "same name and ReadWriteOncePod access mode. preemption: 0/4 nodes are available: 1 Preemption "
                       "is not helpful for scheduling, 3 No preemption victims found for incoming pod.")


def test_local_path_cannot_provision_shared_access_modes_but_a_static_rwx_volume_binds(cluster: Cluster) -> None:
    rwx = claim("shared", "ReadWriteMany")
    del rwx["spec"]["storageClassName"]          # the default class: local-path
    cluster.create(rwx)
    cluster.create(user("reader", "shared"))
    cluster.run(30)
    assert cluster.get("pvc", "shared")["status"]["phase"] == "Pending"
    assert [e["message"] for e in cluster.get("events") if e["reason"] == "ProvisioningFailed"] == [
        'failed to provision volume with StorageClass "local-path": NodePath only supports ReadWriteOnce and '
        "ReadWriteOncePod (1.22+) access modes"]
    cluster.create(static_pv("nfs-like", "ReadWriteMany"))
    cluster.create(claim("static-rwx", "ReadWriteMany"))
    cluster.create(user("a", "static-rwx", "k8s-w1"))
    cluster.create(user("b", "static-rwx", "k8s-w2"))
    cluster.settle()
    assert {cluster.get("pods", n)["status"]["phase"] for n in ("a", "b")} == {"Running"}
