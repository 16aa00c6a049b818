"""PVC retention policy (``persistentVolumeClaimRetentionPolicy``): which owners a set's claims carry.

Upstream ``stateful_set_utils.go``: isClaimOwnerUpToDate, updateClaimOwnerRefForSetAndPod,
ClaimsMatchRetentionPolicy. ``whenDeleted: Delete`` makes the set own its claims; ``whenScaled:
Delete`` makes a condemned pod own its claims, so the garbage collector removes them with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.frozen import thaw
from simk8s.logic.revisions import set_owner_ref
from simk8s.logic.statefulset.identity import (
    claim_names_of,
    desired_claims,
    in_range,
    pod_ordinal,
    spec_of,
)

__all__ = [
    "claims_match_retention_policy",
    "is_claim_owner_up_to_date",
    "new_claims",
    "retention_policy",
    "stale_ref",
    "unexpected_controller",
    "update_claim_owner_refs",
]

Obj = Mapping[str, Any]


def retention_policy(sts: Obj) -> tuple[str, str]:
    """``(whenDeleted, whenScaled)``, each ``Retain`` unless set."""
    p = spec_of(sts).get("persistentVolumeClaimRetentionPolicy") or {}
    return p.get("whenDeleted") or "Retain", p.get("whenScaled") or "Retain"



def _pod_ref(pod: Obj) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "name": meta.name(pod), "uid": meta.uid(pod),
            "controller": True, "blockOwnerDeletion": True}


def _matches(ref: Obj, api: str, kind: str, name: str) -> bool:
    return ref.get("apiVersion") == api and ref.get("kind") == kind and ref.get("name") == name


def _refs(claim: Obj) -> list[Obj]:
    return list(meta.owner_refs(claim))


def _has_ref(claim: Obj, owner: Obj) -> bool:
    return any(r.get("uid") == meta.uid(owner) for r in _refs(claim))


def stale_ref(claim: Obj, owner: Obj, api: str, kind: str) -> bool:
    for r in _refs(claim):
        if _matches(r, api, kind, meta.name(owner)):
            return r.get("uid") != meta.uid(owner)
    return False


def unexpected_controller(claim: Obj, sts: Obj, pod: Obj) -> bool:
    if retention_policy(sts) == ("Retain", "Retain"):
        return False
    for r in _refs(claim):
        if _matches(r, "apps/v1", "StatefulSet", meta.name(sts)):
            if r.get("uid") != meta.uid(sts):
                return True
            continue
        if _matches(r, "v1", "Pod", meta.name(pod)):
            if r.get("uid") != meta.uid(pod):
                return True
            continue
        if r.get("controller"):
            return True
    return False


def is_claim_owner_up_to_date(claim: Obj, sts: Obj, pod: Obj) -> bool:
    """isClaimOwnerUpToDate: the claim's refs to set/pod agree with the retention policy."""
    if stale_ref(claim, sts, "apps/v1", "StatefulSet") or stale_ref(claim, pod, "v1", "Pod"):
        return True  # managed by a previous incarnation: leave it to the garbage collector
    if unexpected_controller(claim, sts, pod):
        return not (_has_ref(claim, sts) or _has_ref(claim, pod))
    if any(r.get("uid") in (meta.uid(sts), meta.uid(pod)) and not r.get("controller") for r in _refs(claim)):
        return False
    when_deleted, when_scaled = retention_policy(sts)
    scaled_down = not in_range(sts, pod_ordinal(pod))
    has_set, has_pod = _has_ref(claim, sts), _has_ref(claim, pod)
    if when_scaled == "Delete" and when_deleted == "Delete":
        return scaled_down != has_set and scaled_down == has_pod
    if when_scaled == "Delete":
        return not has_set and scaled_down == has_pod
    if when_deleted == "Delete":
        return has_set and not has_pod
    return not has_set and not has_pod


def update_claim_owner_refs(claim: Obj, sts: Obj, pod: Obj) -> dict[str, Any]:
    """updateClaimOwnerRefForSetAndPod: the claim with set/pod refs rewritten for the policy."""
    out: dict[str, Any] = thaw(claim)
    unexpected = unexpected_controller(claim, sts, pod)
    refs = [dict(r) for r in _refs(claim) if not (_matches(r, "apps/v1", "StatefulSet", meta.name(sts))
                                               or _matches(r, "v1", "Pod", meta.name(pod)))]
    if not unexpected:
        when_deleted, when_scaled = retention_policy(sts)
        scaled_down = not in_range(sts, pod_ordinal(pod))
        if when_scaled == "Delete" and scaled_down:
            refs.append(_pod_ref(pod))
        if when_deleted == "Delete" and not (when_scaled == "Delete" and scaled_down):
            refs.append(set_owner_ref(sts))
    md = out.setdefault("metadata", {})
    if refs:
        md["ownerReferences"] = refs
    else:
        md.pop("ownerReferences", None)
    return out


def new_claims(sts: Obj, ordinal: int, pod: Obj) -> list[dict[str, Any]]:
    """The claims to create for ``pod`` at ``ordinal``, carrying the retention-policy ownerRefs."""
    return [update_claim_owner_refs(c, sts, pod) for c in desired_claims(sts, ordinal)]


def claims_match_retention_policy(sts: Obj, pod: Obj, claims: Mapping[str, Obj]) -> bool:
    """ClaimsMatchRetentionPolicy over the existing claims (missing ones are skipped)."""
    for name in claim_names_of(sts, pod_ordinal(pod)):
        existing = claims.get(name)
        if existing is not None and not is_claim_owner_up_to_date(existing, sts, pod):
            return False
    return True
