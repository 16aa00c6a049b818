from simk8s.api import kinds
from simk8s.api.strategy import deletion_grace_period, initial_status, pod_qos_class

POD = kinds.lookup("Pod")


def test_pod_without_resources_is_best_effort_and_starts_pending() -> None:
    pod = {"spec": {"containers": [{"name": "nginx"}]}}
    assert pod_qos_class(pod) == "BestEffort"
    assert initial_status(POD, pod) == {"phase": "Pending", "qosClass": "BestEffort"}


def test_equal_requests_and_limits_are_guaranteed() -> None:
    res = {"limits": {"cpu": "1", "memory": "1Gi"}}
    assert pod_qos_class({"spec": {"containers": [{"name": "a", "resources": res}]}}) == "Guaranteed"
    res2 = {"requests": {"cpu": "500m"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    assert pod_qos_class({"spec": {"containers": [{"name": "a", "resources": res2}]}}) == "Burstable"


def test_scheduled_running_pod_gets_its_termination_grace_period() -> None:
    pod = {"spec": {"nodeName": "k8s-w1", "terminationGracePeriodSeconds": 30}, "status": {"phase": "Running"}}
    assert deletion_grace_period(POD, pod, None) == 30
    assert deletion_grace_period(POD, pod, 5) == 5
    unscheduled = {"spec": {"terminationGracePeriodSeconds": 30}, "status": {"phase": "Pending"}}
    assert deletion_grace_period(POD, unscheduled, None) == 0
