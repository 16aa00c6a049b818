"""Inter-pod (anti-)affinity: spreading replicas across nodes, co-locating with a peer."""

from __future__ import annotations

from typing import Any

from simk8s.logic.affinity import (
    AFFINITY_REASON,
    ANTI_AFFINITY_REASON,
    EXISTING_ANTI_AFFINITY_REASON,
    check,
    score,
)


def node(name: str, zone: str = "z1") -> dict[str, Any]:
    return {"metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "zone": zone}}}


def pod(name: str, labels: dict[str, str], affinity: dict[str, Any] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if affinity:
        spec["affinity"] = affinity
    return {"metadata": {"name": name, "namespace": "default", "uid": name, "labels": labels}, "spec": spec}


ANTI = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"app": "db"}}, "topologyKey": "kubernetes.io/hostname"}]}}
NODES = [node("w1"), node("w2", "z2")]


def test_required_anti_affinity_keeps_replicas_off_a_node_that_has_one() -> None:
    placed = {"w1": [pod("db-0", {"app": "db"}, ANTI)], "w2": []}
    incoming = pod("db-1", {"app": "db"}, ANTI)
    assert check(incoming, NODES[0], NODES, lambda n: placed[n]) == ANTI_AFFINITY_REASON
    assert check(incoming, NODES[1], NODES, lambda n: placed[n]) is None


def test_existing_pods_anti_affinity_rejects_the_newcomer_symmetrically() -> None:
    placed = {"w1": [pod("db-0", {"app": "db"}, ANTI)], "w2": []}
    plain = pod("db-x", {"app": "db"})
    assert check(plain, NODES[0], NODES, lambda n: placed[n]) == EXISTING_ANTI_AFFINITY_REASON


def test_required_affinity_needs_a_peer_in_the_topology_domain() -> None:
    aff = {"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "zone"}]}}
    placed = {"w1": [pod("cache-0", {"app": "cache"})], "w2": []}
    web = pod("web-0", {"app": "web"}, aff)
    assert check(web, NODES[0], NODES, lambda n: placed[n]) is None
    assert check(web, NODES[1], NODES, lambda n: placed[n]) == AFFINITY_REASON


def test_preferred_anti_affinity_scores_the_empty_node_higher() -> None:
    pref = {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 100, "podAffinityTerm": {"labelSelector": {"matchLabels": {"app": "db"}},
                                            "topologyKey": "kubernetes.io/hostname"}}]}}
    placed = {"w1": [pod("db-0", {"app": "db"})], "w2": []}
    incoming = pod("db-1", {"app": "db"}, pref)
    assert score(incoming, NODES[0], NODES, lambda n: placed[n]) == -100
    assert score(incoming, NODES[1], NODES, lambda n: placed[n]) == 0
