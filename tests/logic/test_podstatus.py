"""Pod status as the kubelet reports it."""

from __future__ import annotations

from simk8s.logic.podstatus import creating_status, phase_for, ready_conditions, set_condition

POD = {"metadata": {"name": "web-0"}, "spec": {"restartPolicy": "Always",
                                               "containers": [{"name": "nginx", "image": "nginx"}]},
       "status": {"phase": "Pending", "qosClass": "BestEffort",
                  "conditions": [{"type": "PodScheduled", "status": "True"}]}}


def test_first_status_is_container_creating_with_conditions_in_kubelet_order() -> None:
    st = creating_status(POD, "192.168.10.101", "2024-06-01T09:00:09Z")
    assert [c["type"] for c in st["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
    ready = next(c for c in st["conditions"] if c["type"] == "Ready")
    assert ready["reason"] == "ContainersNotReady"
    assert ready["message"] == "containers with unready status: [nginx]"
    assert st["containerStatuses"][0]["state"] == {"waiting": {"reason": "ContainerCreating"}}


def test_transition_time_moves_only_when_status_changes() -> None:
    conds = set_condition([], "Ready", "False", "t1")
    conds = set_condition(conds, "Ready", "False", "t2")
    assert conds[0]["lastTransitionTime"] == "t1"
    conds = ready_conditions(conds, [], "t3")
    assert next(c for c in conds if c["type"] == "Ready")["lastTransitionTime"] == "t3"


def test_deleted_pod_whose_containers_exit_zero_ends_succeeded_else_failed() -> None:
    ok = [{"state": {"terminated": {"exitCode": 0}}}]
    killed = [{"state": {"terminated": {"exitCode": 137}}}]
    assert phase_for(POD, ok, terminal=True) == "Succeeded"
    assert phase_for(POD, killed, terminal=True) == "Failed"
    assert phase_for(POD, killed, terminal=False) == "Running"  # restartPolicy Always: it restarts
