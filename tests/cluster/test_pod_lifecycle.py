"""Pods through scheduler and kubelet in virtual time, as the seed lab shows them."""

from __future__ import annotations

from typing import Any

import pytest

from simk8s import Cluster, NotSettled
from simk8s.api.errors import Invalid, NotFound


def bare_pod(name: str, image: str = "nginx:1.25", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"app": name}},
            "spec": {"containers": [{"name": "app", "image": image}], **spec}}


def pod_rows(cluster: Cluster, name: str) -> list[tuple[float, str, str]]:
    """(time, event type, phase) of every change to one pod."""
    return [(ev.t, ev.type, ev.obj.get("status", {}).get("phase", "")) for ev in cluster.store.log
            if ev.kind.kind == "Pod" and ev.obj["metadata"]["name"] == name]


def test_a_pod_is_scheduled_off_the_tainted_control_plane_and_runs(cluster: Cluster) -> None:
    cluster.create(bare_pod("a"))
    cluster.settle()
    pod = cluster.get("pods", "a")
    assert pod["spec"]["nodeName"] in ("k8s-w1", "k8s-w2", "k8s-w3")
    assert pod["status"]["phase"] == "Running"
    assert pod["status"]["podIP"].startswith("172.16.")
    ready = {c["type"]: c["status"] for c in pod["status"]["conditions"]}
    assert ready["Ready"] == "True" and ready["PodScheduled"] == "True"
    reasons = [e["reason"] for e in cluster.get("events") if e["involvedObject"]["name"] == "a"]
    assert reasons[:4] == ["Scheduled", "Pulling", "Pulled", "Created"]


def test_first_pull_is_slow_and_a_cached_image_starts_in_a_second_or_two(cluster: Cluster) -> None:
    node = {"nodeName": "k8s-w1"}
    cluster.create(bare_pod("first", **node))
    cluster.settle()
    first = pod_rows(cluster, "first")
    running_first = next(t for t, _, phase in first if phase == "Running") - first[0][0]
    start = cluster.now
    cluster.create(bare_pod("second", **node))
    cluster.settle()
    second = pod_rows(cluster, "second")
    running_second = next(t for t, _, phase in second if phase == "Running") - start
    assert 7 <= running_first <= 12
    assert running_second <= 2.5


def test_graceful_delete_waits_for_the_kubelet_and_force_delete_does_not(cluster: Cluster) -> None:
    cluster.create(bare_pod("a"))
    cluster.settle()
    left = cluster.delete("pods", "a")
    assert left is not None and left["metadata"]["deletionGracePeriodSeconds"] == 30
    cluster.settle()
    with pytest.raises(NotFound):
        cluster.get("pods", "a")
    types = [t for _, t, _ in pod_rows(cluster, "a")]
    assert types[-2:] == ["MODIFIED", "DELETED"]


def test_a_shell_as_pid_1_ignores_sigterm_and_takes_the_whole_grace_period(cluster: Cluster) -> None:
    cluster.create({**bare_pod("sleeper", "busybox"),
                    "spec": {"containers": [{"name": "c", "image": "busybox",
                                             "command": ["sh", "-c", "while true; do sleep 1; done"]}],
                             "terminationGracePeriodSeconds": 20}})
    cluster.settle()
    start = cluster.now
    cluster.delete("pods", "sleeper")
    cluster.settle()
    assert 20 <= cluster.now - start <= 22


def test_an_unknown_image_backs_off_and_never_settles(cluster: Cluster) -> None:
    cluster.create(bare_pod("bad", "example.invalid/nope:1"))
    with pytest.raises(NotSettled):
        cluster.settle(limit=120)
    state = cluster.get("pods", "bad")["status"]["containerStatuses"][0]["state"]
    assert state["waiting"]["reason"] in ("ErrImagePull", "ImagePullBackOff")


def test_invalid_pod_is_refused_and_nothing_is_stored(cluster: Cluster) -> None:
    rv = cluster.store.resource_version
    with pytest.raises(Invalid) as e:
        cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"},
                        "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    assert 'Pod "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"' in str(e.value)
    assert cluster.store.resource_version == rv


def test_node_failure_marks_pods_not_ready_then_evicts_them_into_terminating(cluster: Cluster) -> None:
    cluster.create(bare_pod("a", nodeName="k8s-w2"))
    cluster.settle()
    cluster.fail_node("k8s-w2")
    cluster.run(45)
    node = cluster.get("nodes", "k8s-w2")
    assert {t["key"] for t in node["spec"]["taints"]} == {"node.kubernetes.io/unreachable"}
    ready = next(c for c in cluster.get("pods", "a")["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False"
    cluster.run(300)
    assert cluster.get("pods", "a")["metadata"].get("deletionTimestamp")
    cluster.run(600)
    assert cluster.get("pods", "a")["status"]["phase"] == "Running"  # nobody can confirm the kill
    cluster.recover_node("k8s-w2")
    cluster.settle()
    assert cluster.get("pods") == []


def test_deleting_a_node_garbage_collects_its_pods(cluster: Cluster) -> None:
    cluster.create(bare_pod("a", nodeName="k8s-w3"))
    cluster.settle()
    cluster.fail_node("k8s-w3")
    cluster.delete_node("k8s-w3")
    cluster.settle()
    assert cluster.get("pods") == []


def test_a_crashing_container_restarts_with_crash_loop_back_off(cluster: Cluster) -> None:
    cluster.create({**bare_pod("crash", "busybox"),
                    "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sh", "-c", "sleep 5; exit 1"]}]}})
    cluster.run(70)
    statuses = [cluster.kubectl("get pod crash").stdout.splitlines()[1].split()]
    seen = [(ev.obj["status"]["containerStatuses"][0]["state"], ev.obj["status"]["containerStatuses"][0]["restartCount"])
            for ev in cluster.store.log if ev.kind.kind == "Pod" and ev.obj["metadata"]["name"] == "crash"
            and ev.obj["status"].get("containerStatuses")]
    reasons = [next(iter(s.values())).get("reason") for s, _ in seen]
    assert "Error" in reasons and "CrashLoopBackOff" in reasons
    assert max(r for _, r in seen) >= 3
    waits = [s["waiting"]["message"] for s, _ in seen if "waiting" in s and s["waiting"].get("reason") == "CrashLoopBackOff"]
    assert waits[0].startswith("back-off 10s restarting failed container=c pod=crash_default(")
    assert waits[1].startswith("back-off 20s")
    assert statuses[0][0] == "crash"


def test_a_finished_never_restart_pod_is_completed(cluster: Cluster) -> None:
    cluster.create({**bare_pod("once", "busybox"), "spec": {"restartPolicy": "Never", "containers": [
        {"name": "c", "image": "busybox", "command": ["sleep", "3"]}]}})
    cluster.settle()
    row = cluster.kubectl("get pod once").stdout.splitlines()[1].split()
    assert row[1:4] == ["0/1", "Completed", "0"]
    assert cluster.get("pods", "once")["status"]["phase"] == "Succeeded"
