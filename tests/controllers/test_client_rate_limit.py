"""kube-controller-manager's client rate limiter (--kube-api-qps=20, --kube-api-burst=30): each
controller's writes beyond the burst wait for tokens, so a valid ``replicas: 2147483647`` grows
by 20 pods a second instead of without bound."""

from __future__ import annotations

from typing import Any

from simk8s import Cluster
from simk8s.core.reconciler import KUBE_API_BURST, KUBE_API_QPS, TokenBucketRateLimiter

HUGE = 2**31 - 1


def test_the_bucket_starts_full_and_refills_at_qps() -> None:
    b = TokenBucketRateLimiter(20.0, 30)
    assert [b.try_accept(0.0) for _ in range(31)] == [True] * 30 + [False]
    assert b.wait_time(0.0) == 0.05
    assert not b.try_accept(0.04)
    assert b.try_accept(0.05)
    assert [b.try_accept(1.05) for _ in range(21)] == [True] * 20 + [False]
    assert [b.try_accept(100.0) for _ in range(31)] == [True] * 30 + [False]   # never more than the burst


def deployment(replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "big"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "big"}},
                     "template": {"metadata": {"labels": {"app": "big"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}}


def statefulset(replicas: int) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "big"},
            "spec": {"serviceName": "big", "replicas": replicas, "podManagementPolicy": "Parallel",
                     "selector": {"matchLabels": {"app": "big"}},
                     "template": {"metadata": {"labels": {"app": "big"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.25"}]}}}}


def pods(c: Cluster) -> int:
    return len(c.store.list("Pod"))


def test_a_replicaset_creates_its_burst_at_once_then_qps_pods_a_second() -> None:
    c = Cluster(seed=1)
    c.create(deployment(40))
    c.run(0.01)
    assert pods(c) == KUBE_API_BURST
    rs = c.store.list("ReplicaSet")[0]
    c.run(0.1)
    assert pods(c) == KUBE_API_BURST + 2
    c.run(0.4)
    assert pods(c) == 40
    # As upstream's sync, blocked in the rate limiter, writes the status it computed before its
    # creations: the ReplicaSet's status catches up on the next sync.
    c.settle()
    assert c.store.get("ReplicaSet", rs["metadata"]["name"], "default")["status"]["replicas"] == 40
    created = [e for e in c.store.list("Event") if e["reason"] == "SuccessfulCreate"
               and e["involvedObject"]["kind"] == "ReplicaSet"]
    assert len(created) == 40


def test_a_deployment_of_int32_max_replicas_runs_a_minute_with_a_bounded_number_of_pods() -> None:
    c = Cluster(seed=1)
    c.create(deployment(HUGE))
    c.run(60)
    n = pods(c)
    assert n <= KUBE_API_BURST + KUBE_API_QPS * 60
    assert n >= KUBE_API_BURST + KUBE_API_QPS * 55
    line = c.kubectl("get deploy big").stdout.splitlines()[1].split()
    assert line[0] == "big" and line[1].endswith("/2147483647")


def test_a_parallel_set_of_int32_max_replicas_runs_a_minute_with_a_bounded_number_of_pods() -> None:
    c = Cluster(seed=1)
    c.create(statefulset(HUGE))
    c.run(60)
    n = pods(c)
    assert n <= KUBE_API_BURST + KUBE_API_QPS * 60
    assert n >= KUBE_API_BURST + KUBE_API_QPS * 55
    names = {p["metadata"]["name"] for p in c.store.list("Pod")}
    assert names == {f"big-{i}" for i in range(n)}


def test_the_controllers_have_a_client_each() -> None:
    c = Cluster(seed=1)
    c.create(deployment(KUBE_API_BURST))
    c.create(statefulset(KUBE_API_BURST))
    c.run(0.01)
    assert pods(c) == 2 * KUBE_API_BURST
