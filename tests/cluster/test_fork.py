"""``Cluster.fork()``: a fork continues exactly as its original would, byte for byte."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from simk8s import Cluster
from simk8s.core.fork import ForkError
from simk8s.examples import WEB_YAML
from simk8s.testing import machine


def full_log(c: Cluster) -> str:
    """Every stored change with the whole object, as bytes a test can compare."""
    return "\n".join(json.dumps([ev.rv, ev.t, ev.type, ev.kind.kind, ev.obj, ev.old], sort_keys=False)
                     for ev in c.store.log)


def lesson(c: Cluster) -> list[str]:
    """A few minutes of a lab: scale, write data, delete a pod, lose and recover a node, DNS."""
    out = []
    c.scale("statefulsets", "web", 4)
    c.settle()
    out.append(c.exec("web-1", "echo hello > /usr/share/nginx/html/index.html; cat /usr/share/nginx/html/index.html")
               .stdout)
    c.delete("pods", "web-0")
    c.settle()
    out.append(repr(c.resolve("web-0.nginx", from_pod="web-1")))
    node = c.get("pods", "web-2")["spec"]["nodeName"]
    c.fail_node(node)
    c.run(120)
    c.recover_node(node)
    c.settle()
    c.patch("statefulsets", "web", {"spec": {"replicas": 1}})
    c.settle()
    out.append(c.kubectl("get pods,pvc -o wide").stdout)
    out.append(c.kubectl("get events").stdout)
    return out


def both(original: Cluster, fork: Cluster, steps: Callable[[Cluster], list[str]]) -> None:
    """Run ``steps`` on both and require the same outputs and the same watch log."""
    assert steps(original) == steps(fork)
    assert full_log(original) == full_log(fork)
    assert original.now == fork.now


def test_fork_of_a_fresh_cluster_continues_as_the_original() -> None:
    c = Cluster(seed=7)
    f = c.fork()

    def steps(x: Cluster) -> list[str]:
        x.apply(WEB_YAML)
        x.settle()
        return lesson(x)
    both(c, f, steps)


def test_fork_after_apply_before_running() -> None:
    c = Cluster(seed=3)
    c.apply(WEB_YAML)
    f = c.fork()

    def steps(x: Cluster) -> list[str]:
        x.settle()
        return lesson(x)
    both(c, f, steps)


def test_fork_of_a_settled_cluster_continues_as_the_original() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    f = c.fork()
    assert full_log(f) == full_log(c)
    both(c, f, lesson)


def test_fork_of_a_fork_and_independence() -> None:
    c = Cluster(seed=2)
    c.apply(WEB_YAML)
    c.settle()
    f = c.fork()
    g = f.fork()
    before = full_log(c)
    f.scale("statefulsets", "web", 5)
    f.settle()
    assert full_log(c) == before                      # the original did not move
    assert c.store.count("Pod") == 2 and f.store.count("Pod") == 5
    assert c.kubectl("get pods").stdout.count("web-") == 2
    both(c, g, lesson)


def test_busy_cluster_refuses_to_fork_and_stays_as_it_was() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.run(3)                                          # pods are being created: timers pending
    before = full_log(c)
    with pytest.raises(ForkError, match="settle"):
        c.fork()
    assert full_log(c) == before
    c.settle()
    c.fork()


def test_fork_shares_stored_objects() -> None:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    f = c.fork()
    assert f.store.get("Pod", "web-0") is c.store.get("Pod", "web-0")
    assert f.store.log[-1] is c.store.log[-1]


def test_property_machine_forks_a_start_it_has_seen() -> None:
    """Two examples that start alike: the second forks the first's settled start, and both then
    see the same cluster (same watch log, same recorded steps)."""
    manifest = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"}, "spec": {
        "serviceName": "web", "replicas": 2, "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "nginx", "image": "k8s.gcr.io/nginx-slim:0.8"}]}}}}
    machine._STARTS.clear()
    first = machine.ClusterMachine()
    first.start(manifest=manifest, seed=11)
    assert len(machine._STARTS) == 1
    second = machine.ClusterMachine()
    second.start(manifest=manifest, seed=11)
    assert first.cluster is not None and second.cluster is not None
    assert second.cluster is not first.cluster and second.checker.cluster is second.cluster
    assert full_log(first.cluster) == full_log(second.cluster) and first.steps == second.steps
    for m in (first, second):
        m.operate(("scale", 3))
    assert full_log(first.cluster) == full_log(second.cluster) and first.steps == second.steps
