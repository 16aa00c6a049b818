"""The kubelet refuses pods bound to a node where they cannot run (pkg/kubelet/lifecycle), and the
StatefulSet controller replaces a pod that failed that way."""

from __future__ import annotations

from typing import Any

from simk8s import Cluster


def pod(name: str, node: str = "k8s-w1", **spec: Any) -> dict[str, Any]:
    container = {"name": "c", "image": "nginx:1.27", **spec.pop("container", {})}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"nodeName": node, "containers": [container], **spec}}


def rejected(cluster: Cluster, name: str) -> tuple[str, str, str]:
    status = cluster.get("pods", name)["status"]
    return status["phase"], status.get("reason", ""), status.get("message", "")


def test_a_taken_host_port_rejects_the_second_pod(cluster: Cluster) -> None:
    port = {"ports": [{"containerPort": 80, "hostPort": 8080}]}
    cluster.create(pod("first", container=port))
    cluster.settle()
    cluster.create(pod("second", container=port))
    cluster.settle()
    message = "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports"
    assert rejected(cluster, "second") == ("Failed", "NodePorts", f"Pod was rejected: {message}")
    assert ("NodePorts", message) in [(e["reason"], e["message"]) for e in cluster.get("events")
                                      if e["involvedObject"]["name"] == "second" and e["type"] == "Warning"]
    row = cluster.kubectl("get pod second").stdout.splitlines()[1].split()
    assert row[1:4] == ["0/1", "NodePorts", "0"]
    assert "containerStatuses" not in cluster.get("pods", "second")["status"]


def test_insufficient_cpu_and_memory_are_out_of_resource(cluster: Cluster) -> None:
    cluster.create(pod("cpu", container={"resources": {"requests": {"cpu": "3"}}}))
    cluster.create(pod("mem", node="k8s-w2", container={"resources": {"requests": {"memory": "5Gi"}}}))
    cluster.settle()
    assert rejected(cluster, "cpu") == (
        "Failed", "OutOfcpu", "Pod was rejected: Node didn't have enough resource: cpu, requested: 3000, used: 0, "
                              "capacity: 2000")
    phase, reason, message = rejected(cluster, "mem")
    assert (phase, reason) == ("Failed", "OutOfmemory")
    assert message.startswith("Pod was rejected: Node didn't have enough resource: memory, requested: 5368709120, ")


def test_node_selector_and_noexecute_taints_are_checked_for_a_pod_with_node_name(cluster: Cluster) -> None:
    cluster.create(pod("picky", nodeSelector={"disk": "ssd"}))
    cluster.settle()
    assert rejected(cluster, "picky")[1:] == (
        "NodeAffinity", "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node "
                        "affinity/selector")
    cluster.patch("nodes", "k8s-w3", {"spec": {"taints": [{"key": "maint", "value": "true", "effect": "NoExecute"}]}})
    cluster.create(pod("tainted", node="k8s-w3"))
    cluster.create(pod("control", node="k8s-m"))  # NoSchedule taints do not stop a pod with nodeName
    cluster.settle()
    assert rejected(cluster, "tainted")[1:] == (
        "TaintToleration", "Pod was rejected: Predicate TaintToleration failed: node(s) had taints that the pod "
                           "didn't tolerate")
    assert cluster.get("pods", "control")["status"]["phase"] == "Running"


STS = """
apiVersion: v1
kind: Service
metadata: {name: test}
spec: {clusterIP: None, selector: {app: ss}, ports: [{port: 80}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ss}
spec:
  serviceName: test
  replicas: 1
  selector: {matchLabels: {app: ss}}
  template:
    metadata: {labels: {app: ss}}
    spec:
      nodeName: k8s-w1
      containers:
      - name: webserver
        image: registry.k8s.io/e2e-test-images/httpd:2.4.38-4
        ports: [{containerPort: 21017, hostPort: 21017, name: conflict}]
"""


def test_should_recreate_evicted_statefulset(cluster: Cluster) -> None:
    # [sig-apps] StatefulSet Basic StatefulSet functionality [StatefulSetBasic]
    # Should recreate evicted statefulset [Conformance] (test/e2e/apps/statefulset.go)
    cluster.create(pod("test-pod", container={"ports": [{"containerPort": 21017, "hostPort": 21017,
                                                         "name": "conflict"}]}))
    cluster.settle()
    assert cluster.get("pods", "test-pod")["status"]["phase"] == "Running"
    start = len(cluster.store.log)
    cluster.apply(STS)
    cluster.run(20)
    seen = [(ev.type, ev.obj["metadata"]["uid"], ev.obj.get("status", {}).get("phase"))
            for ev in cluster.store.log[start:] if ev.kind.kind == "Pod" and ev.obj["metadata"]["name"] == "ss-0"]
    first_uid = seen[0][1]
    assert ("MODIFIED", first_uid, "Failed") in seen
    assert ("DELETED", first_uid, "Failed") in [(t, u, p) for t, u, p in seen if t == "DELETED"]
    assert len({u for _, u, _ in seen}) >= 2  # recreated at least once
    cluster.delete("pods", "test-pod", grace_period=0)
    cluster.run(30)
    ss0 = cluster.get("pods", "ss-0")
    assert ss0["status"]["phase"] == "Running" and ss0["metadata"]["uid"] != first_uid


def test_the_scheduler_keeps_host_ports_apart_and_a_fourth_pod_pending(cluster: Cluster) -> None:
    for i in range(4):
        p = pod(f"hp-{i}", container={"ports": [{"containerPort": 80, "hostPort": 80}]})
        del p["spec"]["nodeName"]
        cluster.create(p)
        cluster.settle()
    nodes = [cluster.get("pods", f"hp-{i}")["spec"].get("nodeName") for i in range(4)]
    assert sorted(n for n in nodes[:3] if n) == ["k8s-w1", "k8s-w2", "k8s-w3"] and nodes[3] is None
    message = [e["message"] for e in cluster.get("events") if e["reason"] == "FailedScheduling"][-1]
    assert message == ("0/4 nodes are available: 1 node(s) had untolerated taint "
                       "{node-role.kubernetes.io/control-plane: }, 3 node(s) didn't have free ports for the "
                       "requested pod ports. preemption: 0/4 nodes are available: 1 Preemption is not helpful for "
                       "scheduling, 3 No preemption victims found for incoming pod.")
