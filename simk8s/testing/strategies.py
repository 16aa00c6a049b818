"""Hypothesis strategies for StatefulSets, topologies and operation sequences."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from simk8s.cluster import Topology

__all__ = ["IMAGES", "operations", "statefulsets", "topologies"]

IMAGES = ("registry.k8s.io/nginx-slim:0.8", "registry.k8s.io/nginx-slim:0.7")


@st.composite
def statefulsets(draw: Any, name: str = "web", *, policies: tuple[str, ...] = ("OrderedReady", "Parallel"),
                 max_replicas: int = 4) -> dict[str, Any]:
    """A valid StatefulSet (with its headless Service's name as serviceName) as a manifest dict."""
    spec: dict[str, Any] = {
        "serviceName": name,
        "replicas": draw(st.integers(0, max_replicas)),
        "podManagementPolicy": draw(st.sampled_from(policies)),
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{
            "name": "nginx", "image": IMAGES[0], "ports": [{"containerPort": 80, "name": "web"}]}]}},
    }
    if draw(st.booleans()):
        spec["ordinals"] = {"start": draw(st.integers(0, 3))}
    if draw(st.booleans()):
        spec["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"partition": draw(st.integers(0, 3))}}
    elif draw(st.booleans()):
        spec["updateStrategy"] = {"type": "OnDelete"}
    if draw(st.booleans()):
        spec["minReadySeconds"] = draw(st.integers(0, 5))
    if draw(st.booleans()):
        spec["persistentVolumeClaimRetentionPolicy"] = {"whenDeleted": draw(st.sampled_from(("Retain", "Delete"))),
                                                        "whenScaled": draw(st.sampled_from(("Retain", "Delete")))}
    if draw(st.booleans()):
        spec["template"]["spec"]["containers"][0]["volumeMounts"] = [
            {"name": "www", "mountPath": "/usr/share/nginx/html"}]
        spec["volumeClaimTemplates"] = [{"metadata": {"name": "www"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]
    return {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name}, "spec": spec}


def topologies(max_workers: int = 4) -> st.SearchStrategy[Topology]:
    return st.integers(1, max_workers).map(lambda n: Topology.workers(n))


def operations(name: str = "web", workers: int = 3, faults: bool = True) -> st.SearchStrategy[tuple[Any, ...]]:
    """One operation, as a tuple ``(verb, *args)`` that :class:`ClusterMachine` knows how to run."""
    ops = [
        st.tuples(st.just("scale"), st.integers(0, 5)),
        st.tuples(st.just("image"), st.sampled_from(IMAGES)),
        st.tuples(st.just("partition"), st.integers(0, 4)),
        st.tuples(st.just("delete_pod"), st.integers(0, 5)),
        st.tuples(st.just("force_delete_pod"), st.integers(0, 5)),
        st.tuples(st.just("delete_set"), st.sampled_from(("background", "foreground", "orphan"))),
        st.tuples(st.just("advance"), st.sampled_from((1, 5, 30))),
    ]
    if faults:
        nodes = st.sampled_from([f"k8s-w{i}" for i in range(1, workers + 1)])
        ops += [st.tuples(st.just("fail_node"), nodes), st.tuples(st.just("recover_node"), nodes)]
    return st.one_of(*ops)
