"""Inter-pod affinity and anti-affinity, as the scheduler's InterPodAffinity plugin judges them.

Pure: ``check(pod, node, nodes, pods_on)`` says whether a node passes the required terms (and
which upstream reason it fails with); ``score(pod, node, nodes, pods_on)`` sums the weights of the
preferred terms a node satisfies (anti-affinity counts against). ``pods_on(node_name)`` returns the
pods bound to a node. Existing pods' required anti-affinity toward the incoming pod is honoured
too (the symmetric rule).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.selectors import from_api

__all__ = ["AFFINITY_REASON", "ANTI_AFFINITY_REASON", "EXISTING_ANTI_AFFINITY_REASON", "check",
           "existing_anti_affinity", "has_terms", "score"]

AFFINITY_REASON = "node(s) didn't match pod affinity rules"
ANTI_AFFINITY_REASON = "node(s) didn't match pod anti-affinity rules"
EXISTING_ANTI_AFFINITY_REASON = "node(s) didn't satisfy existing pods anti-affinity rules"

Obj = Mapping[str, Any]
PodsOn = Callable[[str], Sequence[Obj]]


def _terms(pod: Obj, kind: str, mode: str) -> list[Obj]:
    aff = ((pod.get("spec") or {}).get("affinity") or {}).get(kind) or {}
    return list(aff.get(mode) or ())


def _namespaces(pod: Obj, term: Obj) -> set[str]:
    names = set(term.get("namespaces") or ())
    return names or {pod["metadata"].get("namespace", "default")}


def _matching(pod: Obj, term: Obj, candidates: Iterable[Obj]) -> bool:
    selector = from_api(term.get("labelSelector"))
    namespaces = _namespaces(pod, term)
    return any(p["metadata"].get("namespace") in namespaces and selector.matches(meta.labels(p))
               and p["metadata"].get("uid") != pod["metadata"].get("uid") for p in candidates)


def _same_domain(node: Obj, nodes: Sequence[Obj], key: str) -> list[Obj]:
    value = meta.labels(node).get(key)
    if value is None:
        return []
    return [n for n in nodes if meta.labels(n).get(key) == value]


def _pods_in_domain(node: Obj, nodes: Sequence[Obj], key: str, pods_on: PodsOn) -> list[Obj]:
    return [p for n in _same_domain(node, nodes, key) for p in pods_on(n["metadata"]["name"])]


def has_terms(pod: Obj) -> bool:
    """Whether the pod declares any inter-pod (anti-)affinity at all."""
    aff = (pod.get("spec") or {}).get("affinity") or {}
    return bool(aff.get("podAffinity") or aff.get("podAntiAffinity"))


def existing_anti_affinity(nodes: Sequence[Obj], pods_on: PodsOn) -> list[tuple[Obj, Obj, Obj]]:
    """(node, pod, term) for every required anti-affinity term of the pods already placed."""
    out = []
    for n in nodes:
        for other in pods_on(n["metadata"]["name"]):
            for term in _terms(other, "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"):
                out.append((n, other, term))
    return out


def check(pod: Obj, node: Obj, nodes: Sequence[Obj], pods_on: PodsOn,
          existing: Sequence[tuple[Obj, Obj, Obj]] | None = None) -> str | None:
    """None if ``node`` passes; else the upstream reason it fails with.

    ``existing`` is :func:`existing_anti_affinity` computed once per scheduling cycle.
    """
    for term in _terms(pod, "podAntiAffinity", "requiredDuringSchedulingIgnoredDuringExecution"):
        if _matching(pod, term, _pods_in_domain(node, nodes, term.get("topologyKey", ""), pods_on)):
            return ANTI_AFFINITY_REASON
    for term in _terms(pod, "podAffinity", "requiredDuringSchedulingIgnoredDuringExecution"):
        domain = _pods_in_domain(node, nodes, term.get("topologyKey", ""), pods_on)
        if not _matching(pod, term, domain):
            # The first pod of a group may land anywhere its own labels would satisfy the term.
            everywhere = [p for n in nodes for p in pods_on(n["metadata"]["name"])]
            if _matching(pod, term, everywhere) or not _self_match(pod, term):
                return AFFINITY_REASON
    # Existing pods whose required anti-affinity rejects the incoming pod.
    if existing is None:
        existing = existing_anti_affinity(nodes, pods_on)
    for n, other, term in existing:
        key = term.get("topologyKey", "")
        if meta.labels(n).get(key) is None or meta.labels(n).get(key) != meta.labels(node).get(key):
            continue
        if pod["metadata"].get("namespace") in _namespaces(other, term) and \
                from_api(term.get("labelSelector")).matches(meta.labels(pod)):
            return EXISTING_ANTI_AFFINITY_REASON
    return None


def _self_match(pod: Obj, term: Obj) -> bool:
    return pod["metadata"].get("namespace") in _namespaces(pod, term) and \
        from_api(term.get("labelSelector")).matches(meta.labels(pod))


def score(pod: Obj, node: Obj, nodes: Sequence[Obj], pods_on: PodsOn) -> int:
    """Sum of the weights of satisfied preferred affinity terms minus satisfied anti-affinity ones."""
    total = 0
    for kind, sign in (("podAffinity", 1), ("podAntiAffinity", -1)):
        for pref in _terms(pod, kind, "preferredDuringSchedulingIgnoredDuringExecution"):
            term = pref.get("podAffinityTerm") or {}
            domain = _pods_in_domain(node, nodes, term.get("topologyKey", ""), pods_on)
            if _matching(pod, term, domain):
                total += sign * int(pref.get("weight", 1))
    return total
