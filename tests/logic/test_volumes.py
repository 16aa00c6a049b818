"""PV matching and local-path provisioning, as the PV controller and provisioner decide."""

from __future__ import annotations

from typing import Any

from simk8s.logic.volumes import find_matching_volume, provision_volume, pv_matches_node


def pv(name: str, size: str, *, cls: str = "manual", modes: tuple[str, ...] = ("ReadWriteOnce",),
       labels: dict[str, str] | None = None, claim_uid: str | None = None, node: str | None = None,
       phase: str = "Available") -> dict[str, Any]:
    spec: dict[str, Any] = {"capacity": {"storage": size}, "accessModes": list(modes), "storageClassName": cls}
    if claim_uid:
        spec["claimRef"] = {"name": "data", "namespace": "default", "uid": claim_uid}
    if node:
        spec["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}
    return {"metadata": {"name": name, "labels": labels or {}}, "spec": spec, "status": {"phase": phase}}


def claim(size: str = "1Gi", cls: str = "manual", **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "data", "namespace": "default", "uid": "u1"},
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}},
                     "storageClassName": cls, **spec}}


def node(name: str) -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}}}


def test_smallest_fitting_available_volume_wins() -> None:
    vols = [pv("big", "10Gi"), pv("small", "2Gi"), pv("tiny", "500Mi")]
    assert find_matching_volume(claim("1Gi"), vols)["metadata"]["name"] == "small"  # type: ignore[index]


def test_class_access_modes_and_selector_must_match() -> None:
    assert find_matching_volume(claim(cls="fast"), [pv("a", "5Gi")]) is None
    assert find_matching_volume({**claim(), "spec": {**claim()["spec"], "accessModes": ["ReadWriteMany"]}},
                                [pv("a", "5Gi")]) is None
    sel = claim(selector={"matchLabels": {"tier": "gold"}})
    assert find_matching_volume(sel, [pv("a", "5Gi"), pv("b", "5Gi", labels={"tier": "gold"})])["metadata"]["name"] == "b"  # type: ignore[index]


def test_prebound_volume_first_and_bound_volumes_skipped() -> None:
    vols = [pv("free", "1Gi"), pv("mine", "5Gi", claim_uid="u1", phase="Bound"),
            pv("theirs", "1Gi", claim_uid="other", phase="Bound")]
    assert find_matching_volume(claim(), vols)["metadata"]["name"] == "mine"  # type: ignore[index]
    assert find_matching_volume(claim(), [pv("theirs", "1Gi", claim_uid="other", phase="Bound")]) is None


def test_node_affinity_is_checked_against_the_selected_node() -> None:
    local = pv("local", "1Gi", node="k8s-w1")
    assert pv_matches_node(local, node("k8s-w1")) and not pv_matches_node(local, node("k8s-w2"))
    assert find_matching_volume(claim(), [local], node("k8s-w2")) is None


def test_local_path_provisions_pvc_uid_on_the_selected_node() -> None:
    sc = {"metadata": {"name": "local-path"}, "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete"}
    out = provision_volume(claim(cls="local-path"), sc, "k8s-w2", "2024-06-01T09:00:09Z")
    assert out["metadata"]["name"] == "pvc-u1"
    assert out["spec"]["capacity"] == {"storage": "1Gi"}
    assert out["spec"]["persistentVolumeReclaimPolicy"] == "Delete"
    assert out["spec"]["claimRef"]["uid"] == "u1"
    assert out["spec"]["hostPath"]["path"] == "/opt/local-path-provisioner/pvc-u1_default_data"
    assert pv_matches_node(out, node("k8s-w2")) and not pv_matches_node(out, node("k8s-w1"))
