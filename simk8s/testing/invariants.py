"""StatefulSet invariants, written once: the checks upstream's controller tests run after every sync.

Each check returns a list of violation messages (empty when the invariant holds), worded like the
errors of ``stateful_set_control_test.go`` (assertMonotonicInvariants, assertBurstInvariants,
assertUpdateInvariants, checkClaimInvariants), so unit tests, state machines, scenarios and a runtime
checker can share them. Inputs are plain or frozen dicts; nothing is mutated.

``pods`` are the set's pods as a selector would list them (condemned and terminating included);
``claims`` are the PersistentVolumeClaims of the namespace (a list, or a mapping by name).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import simk8s.api.meta as meta
from simk8s.logic import podutil as pu
from simk8s.logic.statefulset.identity import claim_name, identity_matches, storage_matches, template_name
from simk8s.logic.statefulset.retention import retention_policy

__all__ = [
    "check_at_most_one_pod_per_ordinal",
    "check_burst",
    "check_claim",
    "check_cluster",
    "check_converged",
    "check_monotonic",
    "check_statefulset",
    "check_update",
]

Obj = Mapping[str, Any]


def _claims_by_name(claims: Iterable[Obj] | Mapping[str, Obj]) -> Mapping[str, Obj]:
    if isinstance(claims, Mapping):
        return claims
    return {meta.name(c): c for c in claims}


def _sorted_pods(sts: Obj, pods: Iterable[Obj]) -> list[Obj]:
    return sorted(pods, key=lambda p: pu.get_ordinal(meta.name(sts), meta.name(p)))


def _has_ref(claim: Obj, owner: Obj) -> bool:
    return any(r.get("uid") == meta.uid(owner) for r in (claim.get("metadata") or {}).get("ownerReferences") or ())


def _refs_repr(claim: Obj) -> str:
    refs = (claim.get("metadata") or {}).get("ownerReferences") or ()
    return "[" + " ".join(f"{{{r.get('kind')} {r.get('name')} {r.get('uid')}}}" for r in refs) + "]"


def _in_range(sts: Obj, pod: Obj) -> bool:
    spec = sts.get("spec") or {}
    start = int((spec.get("ordinals") or {}).get("start") or 0)
    replicas = 1 if spec.get("replicas") is None else int(spec["replicas"])
    return start <= pu.get_ordinal(meta.name(sts), meta.name(pod)) < start + replicas


def check_claim(sts: Obj, pod: Obj, claim: Obj | None) -> list[str]:
    """checkClaimInvariants: the claim exists (when retained) and its ownerRefs fit the policy."""
    when_deleted, when_scaled = retention_policy(sts)
    if claim is None:
        return [f"claim for Pod {meta.name(pod)} was not created"] if when_scaled == "Retain" else []
    if not pu.is_running_and_ready(pod):
        return []  # owner refs are only expected once the pod has spun up
    c, s, p = meta.name(claim), meta.name(sts), meta.name(pod)
    has_set, has_pod, live = _has_ref(claim, sts), _has_ref(claim, pod), _in_range(sts, pod)
    out = []
    if when_scaled == "Delete" and when_deleted == "Delete":
        if not live and (not has_pod or has_set):
            out.append(f"condemned claim {c} has bad owner refs: {_refs_repr(claim)}")
        if live and (has_pod or not has_set):
            out.append(f"live claim {c} has bad owner refs: {_refs_repr(claim)}")
    elif when_scaled == "Delete":
        if has_set:
            out.append(f"claim {c} has unexpected owner ref on {s} for scaledown only")
        if not live and not has_pod:
            out.append(f"claim {c} does not have owner ref on condemned pod {p} for scaledown delete")
        if live and has_pod:
            out.append(f"claim {c} has unexpected owner ref on condemned pod {p} for scaledown delete")
    elif when_deleted == "Delete":
        if not has_set:
            out.append(f"claim {c} does not have owner ref on {s} for StatefulSet deletion")
        if has_pod:
            out.append(f"claim {c} has unexpected owner ref on pod {p} for StatefulSet deletion")
    else:
        if has_set:
            out.append(f"claim {c} has unexpected owner ref on {s} for StatefulSet retain")
        if has_pod:
            out.append(f"claim {c} has unexpected owner ref on pod {p} for StatefulSet retain")
    return out


def _pod_claim_errors(sts: Obj, pod: Obj, claims: Mapping[str, Obj], must_exist: bool) -> list[str]:
    out = []
    ordinal = pu.get_ordinal(meta.name(sts), meta.name(pod))
    for tmpl in (sts.get("spec") or {}).get("volumeClaimTemplates") or ():
        name = claim_name(template_name(tmpl), meta.name(sts), ordinal)
        claim = claims.get(name)
        if claim is None and must_exist:
            out.append(f'persistentvolumeclaim "{name}" not found')
            continue
        out += check_claim(sts, pod, claim)
    return out


def _shape_errors(sts: Obj, pod: Obj, claims: Mapping[str, Obj], must_exist: bool, noun: str) -> list[str]:
    out = []
    if not storage_matches(sts, pod):
        out.append(f"{noun} {meta.name(pod)} does not match the storage specification of StatefulSet {meta.name(sts)} ")
    out += _pod_claim_errors(sts, pod, claims, must_exist)
    if not identity_matches(sts, pod):
        out.append(f"{noun} {meta.name(pod)} does not match the identity specification of StatefulSet {meta.name(sts)} ")
    return out


def check_monotonic(sts: Obj, pods: Iterable[Obj], claims: Iterable[Obj] | Mapping[str, Obj]) -> list[str]:
    """assertMonotonicInvariants (OrderedReady): readiness and existence form a prefix of the range."""
    by_name = _claims_by_name(claims)
    ordered = _sorted_pods(sts, pods)
    start = int(((sts.get("spec") or {}).get("ordinals") or {}).get("start") or 0)
    out = []
    for idx, pod in enumerate(ordered):
        if idx > 0 and pu.is_running_and_ready(pod) and not pu.is_running_and_ready(ordered[idx - 1]):
            out.append(f"successor {meta.name(pod)} is Running and Ready while {meta.name(ordered[idx - 1])} is not")
        if pu.get_ordinal(meta.name(sts), meta.name(pod)) != start + idx:
            out.append(f"pods {meta.name(pod)} deployed in the wrong order {start + idx}")
        out += _shape_errors(sts, pod, by_name, False, "pods")
    return out


def check_burst(sts: Obj, pods: Iterable[Obj], claims: Iterable[Obj] | Mapping[str, Obj]) -> list[str]:
    """assertBurstInvariants (Parallel): storage, identity, claims (which must all exist)."""
    by_name = _claims_by_name(claims)
    out: list[str] = []
    for pod in pods:
        out += _shape_errors(sts, pod, by_name, True, "pods")
    return out


def check_update(sts: Obj, pods: Iterable[Obj], claims: Iterable[Obj] | Mapping[str, Obj]) -> list[str]:
    """assertUpdateInvariants: shape, then (RollingUpdate) current pods first, updated pods last."""
    by_name = _claims_by_name(claims)
    ordered = _sorted_pods(sts, pods)
    out: list[str] = []
    for pod in ordered:
        out += _shape_errors(sts, pod, by_name, True, "pod")
    strategy = ((sts.get("spec") or {}).get("updateStrategy") or {}).get("type", "RollingUpdate")
    if strategy != "RollingUpdate":
        return out
    status = sts.get("status") or {}

    def rev(p: Obj) -> str:
        return str(((p.get("metadata") or {}).get("labels") or {}).get("controller-revision-hash", ""))

    want_current = status.get("currentRevision", "")
    for pod in ordered[: int(status.get("currentReplicas") or 0)]:
        if rev(pod) != want_current:
            out.append(f"pod {meta.name(pod)} want current revision {want_current} got {rev(pod)}")
    want_update = status.get("updateRevision", "")
    updated = int(status.get("updatedReplicas") or 0)
    for pod in ordered[len(ordered) - min(updated, len(ordered)):]:
        if rev(pod) != want_update:
            out.append(f"pod {meta.name(pod)} want update revision {want_update} got {rev(pod)}")
    return out


def check_at_most_one_pod_per_ordinal(sts: Obj, pods: Sequence[Obj]) -> list[str]:
    """No two pods of the set claim the same ordinal (the at-most-one guarantee)."""
    seen: dict[int, str] = {}
    out = []
    for pod in pods:
        ordinal = pu.get_ordinal(meta.name(sts), meta.name(pod))
        if ordinal < 0:
            continue
        if ordinal in seen:
            out.append(f"pods {seen[ordinal]} and {meta.name(pod)} both have ordinal {ordinal}")
        seen[ordinal] = meta.name(pod)
    return out


def check_statefulset(sts: Obj, pods: Sequence[Obj], claims: Iterable[Obj] | Mapping[str, Obj], *,
                      ordered: bool | None = None) -> list[str]:
    """The invariants that fit the set's policy: monotonic for OrderedReady, burst for Parallel.

    ``ordered`` overrides the choice. The at-most-one-pod-per-ordinal check is always included.
    """
    if ordered is None:
        ordered = (sts.get("spec") or {}).get("podManagementPolicy") != "Parallel"
    by_name = _claims_by_name(claims)
    out = check_at_most_one_pod_per_ordinal(sts, pods)
    out += check_monotonic(sts, pods, by_name) if ordered else check_burst(sts, pods, by_name)
    return out


def check_cluster(cluster: Any) -> list[str]:
    """Every StatefulSet's invariants against its pods and claims in a live cluster (``sts: message``)."""
    store = cluster.store
    out: list[str] = []
    for sts in store.list("StatefulSet", None):
        uid = sts["metadata"]["uid"]
        ns = sts["metadata"]["namespace"]
        pods = store.list("Pod", ns, where=lambda p, uid=uid: any(
            r.get("uid") == uid and r.get("controller") for r in p["metadata"].get("ownerReferences") or ()))
        claims = store.list("PersistentVolumeClaim", ns)
        out.extend(f"{ns}/{sts['metadata']['name']}: {v}" for v in check_statefulset(sts, pods, claims))
    return out


def check_converged(cluster: Any) -> list[str]:
    """Every StatefulSet not being deleted has reached its spec (``ns/name: message``): the status
    observes the set's generation and counts ``spec.replicas`` pods, all of them Ready (what
    upstream's e2e framework waits for before it checks anything else)."""
    out: list[str] = []
    for sts in cluster.store.list("StatefulSet", None):
        meta = sts["metadata"]
        if meta.get("deletionTimestamp"):
            continue
        want = int(sts["spec"]["replicas"])
        status = sts.get("status") or {}
        have = (status.get("observedGeneration", 0), status.get("replicas", 0), status.get("readyReplicas", 0))
        if have != (meta.get("generation", 0), want, want):
            out.append(f"{meta['namespace']}/{meta['name']}: not converged: {want} replicas wanted, status has "
                       f"replicas={have[1]} readyReplicas={have[2]} observedGeneration={have[0]} "
                       f"(generation {meta.get('generation', 0)})")
    return out
