"""PVs, PVCs, StorageClasses and volume data in virtual time, as kubectl shows them."""

from __future__ import annotations

from typing import Any

import pytest

from simk8s import Cluster
from simk8s.api.errors import Invalid


def rows(cluster: Cluster, what: str) -> dict[str, list[str]]:
    lines = cluster.kubectl(f"get {what}").stdout.strip().split("\n")
    return {line.split()[0]: line.split() for line in lines[1:]}


def claim(name: str, size: str = "1Gi", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}, **spec}}


def volume(name: str, size: str, **spec: Any) -> dict[str, Any]:
    body = {"capacity": {"storage": size}, "accessModes": ["ReadWriteOnce"], "hostPath": {"path": f"/mnt/{name}"},
            "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "manual"}
    body.update(spec)
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name}, "spec": body}


def pod(name: str, claim_name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "app", "image": "nginx:1.25",
                                     "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
                     "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": claim_name}}], **spec}}


def events_for(cluster: Cluster, name: str) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in cluster.get("events") if e["involvedObject"]["name"] == name]


def test_seed_claims_are_bound_to_provisioned_volumes_as_kubectl_shows(web: Cluster) -> None:
    pvc = rows(web, "pvc")
    for name in ("www-web-0", "www-web-1"):
        uid = web.get("pvc", name)["metadata"]["uid"]
        assert pvc[name][1:6] == ["Bound", f"pvc-{uid}", "1Gi", "RWO", "local-path"]
    pv = rows(web, "pv")
    header = web.kubectl("get pv").stdout.split("\n")[0]
    assert "RECLAIM POLICY" in header and "CLAIM" in header
    uid = web.get("pvc", "www-web-0")["metadata"]["uid"]
    assert pv[f"pvc-{uid}"][1:7] == ["1Gi", "RWO", "Delete", "Bound", "default/www-web-0", "local-path"]


def test_wait_for_first_consumer_keeps_the_claim_pending_until_a_pod_is_scheduled(cluster: Cluster) -> None:
    cluster.create(claim("data"))
    cluster.run(60)
    assert cluster.get("pvc", "data")["status"]["phase"] == "Pending"
    assert ("WaitForFirstConsumer", "waiting for first consumer to be created before binding") \
        in events_for(cluster, "data")
    t0 = cluster.now
    cluster.create(pod("user", "data"))
    cluster.settle()
    c = cluster.get("pvc", "data")
    assert c["status"]["phase"] == "Bound"
    node = cluster.get("pods", "user")["spec"]["nodeName"]
    assert c["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == node
    bound = next(ev.t for ev in cluster.store.log if ev.kind.kind == "PersistentVolumeClaim"
                 and ev.obj.get("status", {}).get("phase") == "Bound")
    assert 9 * 0.7 <= bound - t0 <= 9 * 1.3 + 1
    reasons = [r for r, _ in events_for(cluster, "data")]
    assert "ProvisioningSucceeded" in reasons


def test_an_immediate_local_path_class_fails_to_provision_without_a_node(cluster: Cluster) -> None:
    cluster.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fast"},
                    "provisioner": "rancher.io/local-path", "volumeBindingMode": "Immediate"})
    cluster.create(claim("data", storageClassName="fast"))
    cluster.run(60)
    assert cluster.get("pvc", "data")["status"]["phase"] == "Pending"
    msgs = [m for r, m in events_for(cluster, "data") if r == "ProvisioningFailed"]
    assert msgs and "configuration error, no node was specified" in msgs[0]


def test_static_binding_picks_the_smallest_fitting_matching_volume(cluster: Cluster) -> None:
    cluster.create(volume("big", "10Gi"))
    cluster.create(volume("small", "2Gi"))
    cluster.create(volume("tiny", "500Mi"))
    cluster.create(volume("rwx", "1Gi", accessModes=["ReadWriteMany"]))
    cluster.create(volume("other", "1Gi", storageClassName="other"))
    cluster.create(claim("data", storageClassName="manual"))
    cluster.run(30)
    assert cluster.get("pvc", "data")["spec"]["volumeName"] == "small"
    assert rows(cluster, "pvc")["data"][1:6] == ["Bound", "small", "2Gi", "RWO", "manual"]
    assert rows(cluster, "pv")["big"][4] == "Available"


def test_selector_and_pre_bound_volumes(cluster: Cluster) -> None:
    v = volume("labelled", "5Gi")
    v["metadata"]["labels"] = {"tier": "gold"}
    cluster.create(v)
    cluster.create(volume("plain", "1Gi"))
    cluster.create(volume("reserved", "1Gi", claimRef={"namespace": "default", "name": "mine"}))
    cluster.create(claim("gold", storageClassName="manual", selector={"matchLabels": {"tier": "gold"}}))
    cluster.create(claim("mine", storageClassName="manual"))
    cluster.create(claim("named", storageClassName="manual", volumeName="plain"))
    cluster.run(30)
    assert cluster.get("pvc", "gold")["spec"]["volumeName"] == "labelled"
    assert cluster.get("pvc", "mine")["spec"]["volumeName"] == "reserved"
    assert cluster.get("pvc", "named")["spec"]["volumeName"] == "plain"


def test_reclaim_delete_removes_the_volume_and_retain_releases_it(web: Cluster) -> None:
    pv_name = web.get("pvc", "www-web-0")["spec"]["volumeName"]
    web.scale("statefulsets", "web", 0)
    web.settle()
    web.kubectl("delete pvc www-web-0")
    web.settle()
    assert pv_name not in rows(web, "pv")
    web.create(volume("kept", "1Gi"))
    web.create(claim("k", storageClassName="manual"))
    web.run(30)
    web.delete("pvc", "k")
    web.settle()
    assert rows(web, "pv")["kept"][4] == "Released"
    assert rows(web, "pv")["kept"][5] == "default/k"


def test_a_claim_in_use_is_protected_until_its_pod_goes(cluster: Cluster) -> None:
    cluster.create(claim("data"))
    cluster.create(pod("user", "data"))
    cluster.settle()
    cluster.delete("pvc", "data")
    cluster.settle()
    c = cluster.get("pvc", "data")
    assert c["metadata"]["deletionTimestamp"]
    assert "kubernetes.io/pvc-protection" in c["metadata"]["finalizers"]
    assert rows(cluster, "pvc")["data"][1] == "Terminating"
    pv = cluster.get("pv", c["spec"]["volumeName"])
    assert "kubernetes.io/pv-protection" in pv["metadata"]["finalizers"]
    cluster.delete("pods", "user")
    cluster.settle()
    assert cluster.get("pvc") == [] and cluster.get("pv") == []


def test_data_survives_pod_deletion_and_is_lost_with_the_volume(web: Cluster) -> None:
    for name in ("web-0", "web-1"):
        web.exec(name, "sh -c 'echo $(hostname)-pv-test > /usr/share/nginx/html/index.html'")
    web.kubectl("delete pod -l app=nginx")
    web.settle()
    for name in ("web-0", "web-1"):
        assert web.exec(name, "cat /usr/share/nginx/html/index.html").stdout == f"{name}-pv-test\n"
    web.scale("statefulsets", "web", 0)
    web.settle()
    web.kubectl("delete pvc --all")
    web.settle()
    assert web.get("pv") == []
    web.scale("statefulsets", "web", 1)
    web.settle()
    assert "web-0-pv-test" not in web.exec("web-0", "cat /usr/share/nginx/html/index.html").stdout


def test_losing_the_node_of_a_local_volume_keeps_the_replacement_pending(web: Cluster) -> None:
    node = web.get("pods", "web-0")["spec"]["nodeName"]
    web.fail_node(node)
    web.run(60)
    web.kubectl("delete pod web-0 --grace-period=0 --force")
    web.run(60)
    p = web.get("pods", "web-0")
    assert p["status"]["phase"] == "Pending"
    msgs = [m for r, m in events_for(web, "web-0") if r == "FailedScheduling"]
    assert msgs and msgs[-1] == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, "
        "2 node(s) had volume node affinity conflict. "
        "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")
    web.recover_node(node)
    web.settle()
    p = web.get("pods", "web-0")
    assert p["status"]["phase"] == "Running" and p["spec"]["nodeName"] == node


def test_a_claim_without_a_class_and_no_volumes_stays_pending(cluster: Cluster) -> None:
    cluster.create(claim("nothing", storageClassName=""))
    cluster.run(60)
    assert cluster.get("pvc", "nothing")["status"]["phase"] == "Pending"
    assert ("FailedBinding", "no persistent volumes available for this claim and no storage class is set") \
        in events_for(cluster, "nothing")


def test_invalid_specs_are_rejected_and_nothing_is_stored(cluster: Cluster) -> None:
    bad = claim("bad")
    bad["spec"]["accessModes"] = []
    with pytest.raises(Invalid) as e:
        cluster.create(bad)
    assert str(e.value) == ('PersistentVolumeClaim "bad" is invalid: spec.accessModes: '
                            'Required value: at least 1 access mode is required')
    bad_pv = volume("bad", "1Gi")
    del bad_pv["spec"]["capacity"]
    with pytest.raises(Invalid) as e:
        cluster.create(bad_pv)
    assert str(e.value) == ('PersistentVolume "bad" is invalid: [spec.capacity: Required value, spec.capacity: '
                            'Unsupported value: core.ResourceList{}: supported values: "storage"]')
    no_type = volume("bad", "1Gi")
    del no_type["spec"]["hostPath"]
    with pytest.raises(Invalid) as e:
        cluster.create(no_type)
    assert str(e.value) == 'PersistentVolume "bad" is invalid: spec: Required value: must specify a volume type'
    bogus = claim("bad", accessModes=["ReadWriteOnce", "Bogus"])
    with pytest.raises(Invalid) as e:
        cluster.create(bogus)
    assert str(e.value) == ('PersistentVolumeClaim "bad" is invalid: spec.accessModes: Unsupported value: "Bogus": '
                            'supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"')
    assert cluster.get("pvc") == [] and cluster.get("pv") == []


def test_a_pod_whose_immediate_claim_cannot_bind_is_unschedulable(cluster: Cluster) -> None:
    cluster.create(claim("nothing", storageClassName=""))
    cluster.create(pod("user", "nothing"))
    cluster.run(30)
    assert rows(cluster, "pvc")["nothing"][1] == "Pending"
    msgs = [m for r, m in events_for(cluster, "user") if r == "FailedScheduling"]
    assert msgs and msgs[0] == ("0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. "
                                "preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.")


def test_a_claim_larger_than_every_volume_of_a_missing_class_stays_pending(cluster: Cluster) -> None:
    cluster.create(volume("small", "1Gi"))
    cluster.create(claim("huge", "100Gi", storageClassName="manual"))
    cluster.run(60)
    assert cluster.get("pvc", "huge")["status"]["phase"] == "Pending"
    assert rows(cluster, "pv")["small"][4] == "Available"
    assert ("ProvisioningFailed", 'storageclass.storage.k8s.io "manual" not found') in events_for(cluster, "huge")


def test_the_provisioner_records_its_provisioning_event(web: Cluster) -> None:
    assert ("Provisioning", 'External provisioner is provisioning volume for claim "default/www-web-0"') \
        in events_for(web, "www-web-0")


def test_a_read_write_once_pod_claim_admits_a_single_pod(cluster: Cluster) -> None:
    cluster.create(claim("d", accessModes=["ReadWriteOncePod"]))
    cluster.create(pod("a", "d"))
    cluster.settle()
    cluster.create(pod("b", "d"))
    cluster.run(30)
    assert cluster.get("pods", "b")["status"]["phase"] == "Pending"
    msgs = [m for r, m in events_for(cluster, "b") if r == "FailedScheduling"]
    assert msgs and msgs[0] == (
        "0/4 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "3 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode. "
        "preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, "
        "3 No preemption victims found for incoming pod.")
    cluster.delete("pods", "a")
    cluster.settle()
    assert cluster.get("pods", "b")["status"]["phase"] == "Running"


def test_a_retained_volume_keeps_its_data_until_an_admin_frees_it(cluster: Cluster) -> None:
    cluster.create({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "keep"},
                    "provisioner": "rancher.io/local-path", "volumeBindingMode": "WaitForFirstConsumer",
                    "reclaimPolicy": "Retain"})
    cluster.create(claim("d", storageClassName="keep"))
    cluster.create(pod("a", "d"))
    cluster.settle()
    cluster.exec("a", "sh -c 'echo kept > /data/f'")
    pv = cluster.get("pvc", "d")["spec"]["volumeName"]
    cluster.delete("pods", "a")
    cluster.delete("pvc", "d")
    cluster.settle()
    assert rows(cluster, "pv")[pv][1:6] == ["1Gi", "RWO", "Retain", "Released", "default/d"]
    cluster.patch("pv", pv, {"spec": {"claimRef": None}}, patch_type="merge")
    cluster.settle()
    assert rows(cluster, "pv")[pv][4] == "Available"
    cluster.create(claim("again", storageClassName="keep", volumeName=pv))
    cluster.create(pod("b", "again"))
    cluster.settle()
    assert cluster.exec("b", "cat /data/f").stdout == "kept\n"


def test_a_bound_volume_is_protected_until_its_claim_is_deleted(cluster: Cluster) -> None:
    cluster.create(volume("v", "1Gi"))
    cluster.create(claim("d", storageClassName="manual"))
    cluster.run(20)
    cluster.delete("pv", "v")
    cluster.run(20)
    assert rows(cluster, "pv")["v"][4] == "Terminating"
    assert "kubernetes.io/pv-protection" in cluster.get("pv", "v")["metadata"]["finalizers"]
    assert rows(cluster, "pvc")["d"][1] == "Bound"
    cluster.delete("pvc", "d")
    cluster.settle()
    assert cluster.get("pv") == [] and cluster.get("pvc") == []


def test_binding_candidates_are_the_volumes_a_claim_could_bind(cluster: Cluster) -> None:
    from simk8s.api.frozen import thaw
    from simk8s.controllers.volumes import binding_candidates

    for name in ("pv-b", "pv-a", "pv-other", "pv-mine", "pv-named"):
        cluster.store.create("PersistentVolume", volume(name, "1Gi"))
    for name, ref in (("pv-other", "someone-else"), ("pv-mine", "data"), ("pv-named", "someone-else")):
        body = thaw(cluster.store.get("PersistentVolume", name))
        body["spec"]["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": "default", "name": ref}
        cluster.store.update("PersistentVolume", body)
    c = cluster.store.create("PersistentVolumeClaim", claim("data", volumeName="pv-named"))
    names = [pv["metadata"]["name"] for pv in binding_candidates(cluster.store, c)]
    # Unclaimed ones, the one pre-bound to this claim, the one it names; not another claim's.
    assert names == ["pv-a", "pv-b", "pv-mine", "pv-named"]
