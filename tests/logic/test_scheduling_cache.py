"""The scheduler's per-node evaluation cache gives the decisions of a full evaluation, pod after pod."""

from __future__ import annotations

import random
from typing import Any

import pytest

from simk8s.api.frozen import freeze
from simk8s.logic.scheduling import feasible_nodes_to_find, pod_requests, schedule


def node(i: int, *, taint: str | None = None, cpu: str = "4") -> Any:
    spec: dict[str, Any] = {}
    if taint:
        spec["taints"] = [{"key": taint, "effect": "NoSchedule" if taint != "soft" else "PreferNoSchedule"}]
    return freeze({"metadata": {"name": f"n{i:03d}", "resourceVersion": "1",
                                "labels": {"kubernetes.io/hostname": f"n{i:03d}", "zone": "a" if i % 2 else "b"}},
                   "spec": spec,
                   "status": {"allocatable": {"cpu": cpu, "memory": "8Gi", "pods": "12"}}})


def pod(name: str, owner: str, cpu: str, claims: dict[str, Any] | None = None, **spec: Any) -> Any:
    body: dict[str, Any] = {
        "metadata": {"name": name, "namespace": "default", "uid": name,
                     "ownerReferences": [{"kind": "StatefulSet", "name": owner, "uid": owner, "controller": True}]},
        "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu}}}], **spec}}
    if claims:
        body["spec"]["volumes"] = [{"name": c, "persistentVolumeClaim": {"claimName": c}} for c in claims]
    return freeze(body)


def bound_claim(name: str, pv: str) -> Any:
    return freeze({"metadata": {"name": name, "namespace": "default", "uid": name},
                   "spec": {"volumeName": pv, "storageClassName": "local-path"}, "status": {"phase": "Bound"}})


def local_pv(name: str, host: str) -> Any:
    return freeze({"metadata": {"name": name}, "spec": {
        "claimRef": {"name": "x", "namespace": "default"}, "storageClassName": "local-path",
        "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [host]}]}]}}}})


class Placer:
    """A minimal scheduler cache around ``schedule``: places pods one by one."""

    def __init__(self, nodes: list[Any], cached: bool) -> None:
        self.nodes = nodes
        self.cached = cached
        self.by_node: dict[str, list[Any]] = {}
        self.requested: dict[str, dict[str, float]] = {}
        self.versions: dict[str, int] = {}
        self.eval_cache: dict[Any, Any] = {}
        self.static_cache: dict[Any, Any] = {}
        self.rng = random.Random(7)
        self.start = 0

    def place(self, p: Any, claims: dict[str, Any] | None = None, volumes: dict[str, Any] | None = None) -> Any:
        r = schedule(p, self.nodes, self.by_node, claims or {}, volumes or {}, {}, rng=self.rng,
                     requested=self.requested, start=self.start, max_feasible=feasible_nodes_to_find(len(self.nodes)),
                     static_cache=self.static_cache, eval_cache=self.eval_cache if self.cached else None,
                     node_versions=self.versions if self.cached else None)
        self.start = (self.start + r.evaluated) % len(self.nodes)
        if r.node is not None:
            self.by_node.setdefault(r.node, []).append(p)
            totals = self.requested.setdefault(r.node, {})
            for k, v in pod_requests(p).items():
                totals[k] = totals.get(k, 0.0) + v
            self.versions[r.node] = self.versions.get(r.node, 0) + 1
        return r.node, r.error, r.evaluated


@pytest.mark.parametrize("n_nodes", [7, 130])
def test_cached_evaluation_places_every_pod_where_a_full_evaluation_does(n_nodes: int) -> None:
    nodes = [node(i, taint="dedicated" if i % 11 == 3 else ("soft" if i % 7 == 2 else None),
                  cpu="2" if i % 5 == 0 else "4") for i in range(n_nodes)]
    full, cached = Placer(nodes, cached=False), Placer(nodes, cached=True)
    decisions = []
    for i in range(n_nodes * 6):
        owner = f"set-{i % 3}"
        p = pod(f"p{i}", owner, "500m" if i % 3 else "1")
        a, b = full.place(p), cached.place(p)
        assert a == b
        decisions.append(a)
    assert any(d[0] is None for d in decisions)          # the cluster filled up: FitErrors agree too
    assert len({d[0] for d in decisions if d[0]}) > 1


def test_cached_evaluation_honours_a_bound_local_volume() -> None:
    nodes = [node(i) for i in range(120)]
    full, cached = Placer(nodes, cached=False), Placer(nodes, cached=True)
    for i in range(40):
        claim = bound_claim(f"data-{i}", f"pv-{i}")
        pv = local_pv(f"pv-{i}", f"n{(i * 37) % 120:03d}")
        p = pod(f"p{i}", "set", "100m", claims={claim["metadata"]["name"]: claim})
        args = ({claim["metadata"]["name"]: claim}, {pv["metadata"]["name"]: pv})
        a, b = full.place(p, *args), cached.place(p, *args)
        assert a == b and a[0] == f"n{(i * 37) % 120:03d}"


def test_a_full_pinned_node_gives_the_same_fit_error_both_ways() -> None:
    nodes = [node(i, cpu="2" if i == 5 else "4") for i in range(120)]
    full, cached = Placer(nodes, cached=False), Placer(nodes, cached=True)
    claim = bound_claim("data-0", "pv-0")
    pv = local_pv("pv-0", "n005")
    args = ({"data-0": claim}, {"pv-0": pv})
    big = pod("big", "set", "3", claims={"data-0": claim})          # more CPU than n005 has
    a, b = full.place(big, *args), cached.place(big, *args)
    assert a == b and a[0] is None
    assert "1 Insufficient cpu" in a[1] and "119 node(s) had volume node affinity conflict" in a[1]
