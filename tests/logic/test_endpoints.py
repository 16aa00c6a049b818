"""Endpoints and slices follow pod readiness, termination and the hostname/subdomain rule."""

from __future__ import annotations

from typing import Any

from simk8s.logic.endpoints import endpoints_subsets, slice_content

SVC: dict[str, Any] = {"metadata": {"name": "nginx", "namespace": "default"},
                       "spec": {"clusterIP": "None", "selector": {"app": "nginx"},
                                "ports": [{"name": "web", "port": 80, "protocol": "TCP", "targetPort": 80}]}}


def pod(name: str, ip: str | None, ready: bool, *, subdomain: str = "nginx", terminating: bool = False,
        phase: str = "Running") -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default", "uid": f"uid-{name}", "labels": {"app": "nginx"}}
    if terminating:
        meta["deletionTimestamp"] = "2024-06-01T09:01:00Z"
    status: dict[str, Any] = {"phase": phase, "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    if ip:
        status["podIP"] = ip
    return {"metadata": meta, "spec": {"hostname": name, "subdomain": subdomain, "nodeName": "k8s-w1",
                                       "containers": [{"name": "nginx", "ports": [{"containerPort": 80,
                                                                                  "name": "web"}]}]},
            "status": status}


def test_ready_pods_are_addresses_with_their_hostname_and_unready_ones_are_not_ready() -> None:
    subsets = endpoints_subsets(SVC, [pod("web-0", "172.16.1.2", True), pod("web-1", "172.16.2.2", False)])
    assert len(subsets) == 1
    assert [(a["hostname"], a["ip"]) for a in subsets[0]["addresses"]] == [("web-0", "172.16.1.2")]
    assert [a["ip"] for a in subsets[0]["notReadyAddresses"]] == ["172.16.2.2"]
    assert subsets[0]["ports"] == [{"name": "web", "port": 80, "protocol": "TCP"}]


def test_hostname_needs_the_subdomain_to_name_this_service() -> None:
    subsets = endpoints_subsets(SVC, [pod("web-0", "172.16.1.2", True, subdomain="other")])
    assert "hostname" not in subsets[0]["addresses"][0]


def test_pods_without_ip_or_finished_are_left_out_and_terminating_only_in_slices() -> None:
    pods = [pod("a", None, False), pod("b", "172.16.1.3", True, phase="Succeeded"),
            pod("c", "172.16.1.4", True, terminating=True)]
    assert endpoints_subsets(SVC, pods) == []
    (sl,) = slice_content(SVC, pods)
    assert [e["conditions"] for e in sl["endpoints"]] == [{"ready": False, "serving": True, "terminating": True}]


def test_publish_not_ready_addresses_makes_every_pod_ready() -> None:
    svc = {**SVC, "spec": {**SVC["spec"], "publishNotReadyAddresses": True}}
    (sl,) = slice_content(svc, [pod("web-0", "172.16.1.2", False)])
    assert sl["endpoints"][0]["conditions"]["ready"] is True
    assert endpoints_subsets(svc, [pod("web-0", "172.16.1.2", False)])[0]["addresses"][0]["ip"] == "172.16.1.2"


def test_named_target_port_resolves_per_pod_and_empty_selection_gives_a_null_slice() -> None:
    svc = {**SVC, "spec": {**SVC["spec"], "ports": [{"name": "http", "port": 8080, "targetPort": "web"}]}}
    (sl,) = slice_content(svc, [pod("web-0", "172.16.1.2", True)])
    assert sl["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
    assert slice_content(SVC, []) == [{"endpoints": None, "ports": None}]


def test_slices_hold_at_most_100_endpoints() -> None:
    pods = [pod(f"web-{i}", f"172.16.{i // 200}.{i % 200 + 2}", True) for i in range(250)]
    assert [len(s["endpoints"]) for s in slice_content(SVC, pods)] == [100, 100, 50]
