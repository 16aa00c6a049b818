"""Deployment / ReplicaSet decisions, for contrast with StatefulSets (random names, interchangeable pods).

Upstream: ``pkg/controller/deployment`` (getNewReplicaSet, rolloutRolling, NewRSNewReplicas,
reconcileOldReplicaSets, calculateStatus), ``pkg/controller/deployment/util``, ``pkg/controller/replicaset``
(manageReplicas, getPodsToDelete, calculateStatus) and ``controller_utils.go`` (ActivePodsWithRanks).

Deviations: pod-template-hash values are approximations (see :mod:`simk8s.logic.hashing`); the
LogarithmicScaleDown bucketing of ready/creation times is not modelled (exact times are compared);
Deployment conditions (Available/Progressing) are not computed; ``burstReplicas`` caps creates at 500
(the controller sends them at its client's rate, :class:`simk8s.core.reconciler.TokenBucketRateLimiter`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.frozen import thaw
from simk8s.logic import podutil as pu
from simk8s.logic.hashing import pod_template_hash

__all__ = [
    "HASH_LABEL",
    "REVISION_ANNOTATION",
    "DeploymentPlan",
    "deployment_rolling_plan",
    "max_surge_unavailable",
    "pod_for_replicaset",
    "pods_to_delete",
    "replicaset_plan",
    "rs_for_deployment",
]

HASH_LABEL = "pod-template-hash"
REVISION_ANNOTATION = "deployment.kubernetes.io/revision"
DESIRED_ANNOTATION = "deployment.kubernetes.io/desired-replicas"
MAX_ANNOTATION = "deployment.kubernetes.io/max-replicas"
BURST_REPLICAS = 500
# Annotations the deployment controller never copies onto ReplicaSets.
_SKIPPED = {"kubectl.kubernetes.io/last-applied-configuration", REVISION_ANNOTATION,
            "deployment.kubernetes.io/revision-history", DESIRED_ANNOTATION, MAX_ANNOTATION,
            "deprecated.deployment.rollback.to"}

Obj = Mapping[str, Any]
Now = float | datetime | str


def _replicas(o: Obj) -> int:
    """``spec.replicas``, as the store defaulted it."""
    return int(o["spec"]["replicas"])


def _scaled(value: Any, total: int, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str) and value.endswith("%"):
        exact = int(value[:-1]) * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    return int(value)


def max_surge_unavailable(deploy: Obj) -> tuple[int, int]:
    """ResolveFenceposts: (maxSurge rounded up, maxUnavailable rounded down), defaults 25%/25%."""
    ru = ((deploy.get("spec") or {}).get("strategy") or {}).get("rollingUpdate") or {}
    replicas = _replicas(deploy)
    surge = _scaled(ru.get("maxSurge", "25%"), replicas, True)
    unavailable = _scaled(ru.get("maxUnavailable", "25%"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def rs_for_deployment(deploy: Obj, collision_count: int | None, *, revision: int = 1,
                      replicas: int = 0) -> dict[str, Any]:
    """The new ReplicaSet ``<deploy>-<pod-template-hash>`` for the Deployment's current template."""
    spec = deploy.get("spec") or {}
    template = thaw(spec.get("template") or {})
    h = pod_template_hash(template, collision_count)
    tmd = template.setdefault("metadata", {})
    tmd["labels"] = {**(tmd.get("labels") or {}), HASH_LABEL: h}
    selector = thaw(spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: h}
    surge, _ = max_surge_unavailable(deploy)
    annotations = {k: v for k, v in meta.annotations(deploy).items() if k not in _SKIPPED}
    annotations[DESIRED_ANNOTATION] = str(_replicas(deploy))
    annotations[MAX_ANNOTATION] = str(_replicas(deploy) + surge)
    annotations[REVISION_ANNOTATION] = str(revision)
    rs_spec: dict[str, Any] = {"replicas": replicas, "selector": selector, "template": template}
    if spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = spec["minReadySeconds"]
    return {
        "apiVersion": "apps/v1", "kind": "ReplicaSet",
        "metadata": {"name": f"{meta.metadata(deploy).get('name', '')}-{h}",
                     "namespace": meta.metadata(deploy).get("namespace", "default"),
                     "labels": dict(tmd["labels"]), "annotations": annotations,
                     "ownerReferences": [meta.new_controller_ref(deploy, "apps/v1", "Deployment")]},
        "spec": rs_spec,
    }


def pod_for_replicaset(rs: Obj) -> dict[str, Any]:
    """GetPodFromTemplate: ``generateName: <rs>-`` (the API server appends 5 random characters)."""
    template = (rs.get("spec") or {}).get("template") or {}
    tmd = template.get("metadata") or {}
    md: dict[str, Any] = {"generateName": f"{meta.metadata(rs).get('name', '')}-",
                          "namespace": meta.metadata(rs).get("namespace", "default"),
                          "labels": dict(tmd.get("labels") or {})}
    if tmd.get("annotations"):
        md["annotations"] = dict(tmd["annotations"])
    if tmd.get("finalizers"):
        md["finalizers"] = list(tmd["finalizers"])
    md["ownerReferences"] = [meta.new_controller_ref(rs, "apps/v1", "ReplicaSet")]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": thaw(template.get("spec") or {})}


def _active(pods: Sequence[Obj]) -> list[Obj]:
    """FilterActivePods: not Succeeded/Failed and not being deleted."""
    return [p for p in pods if not (pu.is_failed(p) or pu.is_succeeded(p) or pu.is_terminating(p))]


def _ready_time(p: Obj) -> float:
    c = pu.pod_ready_condition(p) or {}
    return pu.parse_time(c["lastTransitionTime"]) if c.get("lastTransitionTime") else math.inf


def _created(p: Obj) -> float:
    ts = meta.metadata(p).get("creationTimestamp")
    return pu.parse_time(ts) if ts else math.inf


def _restarts(p: Obj) -> int:
    return max((int(c.get("restartCount") or 0) for c in (p.get("status") or {}).get("containerStatuses") or ()),
               default=0)


_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


def pods_to_delete(pods: Sequence[Obj], related: Sequence[Obj], count: int) -> list[Obj]:
    """getPodsToDelete: the ``count`` best victims by ActivePodsWithRanks (rank = pods on the same node)."""
    per_node: dict[str, int] = {}
    for p in _active(related):
        node = (p.get("spec") or {}).get("nodeName") or ""
        if node:
            per_node[node] = per_node.get(node, 0) + 1

    def key(p: Obj) -> tuple[Any, ...]:
        node = (p.get("spec") or {}).get("nodeName") or ""
        phase = str((p.get("status") or {}).get("phase") or "")
        ready = pu.is_pod_ready(p)
        return (
            bool(node),                                   # 1. unassigned first
            _PHASE_ORDER.get(phase, 3),                   # 2. Pending < Unknown < Running
            ready,                                        # 3. not ready first
            -per_node.get(node, 0) if node else 0,        # 4. doubled-up nodes first
            -_ready_time(p) if ready else 0,              # 5. ready for less time first
            -_restarts(p),                                # 6. more restarts first
            -_created(p),                                 # 7. newer first (no timestamp first)
            meta.metadata(p).get("uid", ""),
        )

    return sorted(pods, key=key)[:count]


def _rs_status(rs: Obj, pods: Sequence[Obj], now: Now | None) -> dict[str, Any]:
    """ReplicaSet calculateStatus over its active pods."""
    active = _active(pods)
    tmpl_labels = ((rs.get("spec") or {}).get("template") or {}).get("metadata", {}).get("labels") or {}
    min_ready = int((rs.get("spec") or {}).get("minReadySeconds") or 0)
    ready = [p for p in active if pu.is_pod_ready(p)]
    available = [p for p in ready if pu.is_pod_available(p, min_ready, now if now is not None else math.inf)]
    fully = [p for p in active if all((meta.labels(p).get(k) == v) for k, v in tmpl_labels.items())]
    status: dict[str, Any] = {"replicas": len(active)}
    for key, n in (("fullyLabeledReplicas", len(fully)), ("readyReplicas", len(ready)),
                   ("availableReplicas", len(available))):
        if n:
            status[key] = n
    if meta.metadata(rs).get("generation"):
        status["observedGeneration"] = meta.metadata(rs)["generation"]
    return status


def replicaset_plan(rs: Obj, pods: Sequence[Obj], *, related: Sequence[Obj] | None = None,
                    now: Now | None = None) -> tuple[int, list[str], dict[str, Any]]:
    """manageReplicas: (pods to create, names of pods to delete, status computed from ``pods``).

    ``pods`` are the ReplicaSet's own pods; ``related`` all pods of sibling ReplicaSets (for the
    same-node rank); ``now`` is needed for minReadySeconds (None: every ready pod is available).
    """
    active = _active(pods)
    diff = len(active) - _replicas(rs)
    creates, deletes = 0, []
    if diff < 0:
        creates = min(-diff, BURST_REPLICAS)
    elif diff > 0:
        victims = pods_to_delete(active, related if related is not None else pods, min(diff, BURST_REPLICAS))
        deletes = [str(meta.metadata(p).get("name", "")) for p in victims]
    return creates, deletes, _rs_status(rs, pods, now)


@dataclass
class DeploymentPlan:
    """One rolloutRolling pass: a ReplicaSet to create, ReplicaSet scalings, and the Deployment status."""

    create: dict[str, Any] | None
    scales: list[tuple[str, int]] = field(default_factory=list)
    status: dict[str, Any] = field(default_factory=dict)


def _owned_by(pod: Obj, rs: Obj) -> bool:
    return any(r.get("uid") == meta.metadata(rs).get("uid") and r.get("controller") for r in meta.owner_refs(pod))


def _same_template(rs: Obj, deploy: Obj) -> bool:
    """EqualIgnoreHash: templates equal once the pod-template-hash label is removed."""
    def strip(t: Obj) -> Any:
        t2 = thaw(t)
        (t2.get("metadata") or {}).get("labels", {}).pop(HASH_LABEL, None)
        return t2
    return bool(strip((rs.get("spec") or {}).get("template") or {})
                == strip((deploy.get("spec") or {}).get("template") or {}))


def _revision(rs: Obj) -> int:
    try:
        return int(meta.annotations(rs).get(REVISION_ANNOTATION, "0"))
    except ValueError:
        return 0


def deployment_rolling_plan(deploy: Obj, rss: Sequence[Obj], pods: Sequence[Obj], *,
                            now: Now | None = None) -> DeploymentPlan:
    """rolloutRolling for the default RollingUpdate strategy (maxSurge 25% up, maxUnavailable 25% down).

    Each ReplicaSet's status is recomputed from ``pods`` (as the ReplicaSet controller keeps it).
    Scale up the new ReplicaSet within the surge budget; if nothing scaled up, scale old ones down
    (unhealthy first, then oldest first) while keeping ``replicas - maxUnavailable`` available.
    """
    if ((deploy.get("spec") or {}).get("strategy") or {}).get("type") == "Recreate":
        return _recreate_plan(deploy, rss, pods, now)
    replicas = _replicas(deploy)
    surge, unavailable = max_surge_unavailable(deploy)
    max_unavailable = 0 if replicas == 0 else min(unavailable, replicas)
    spec_of: dict[str, int] = {}
    avail_of: dict[str, int] = {}
    statuses = _rs_statuses(rss, pods, now)
    for rs, st in zip(rss, statuses, strict=True):
        name = str(meta.metadata(rs).get("name"))
        spec_of[name] = _replicas(rs)
        avail_of[name] = int(st.get("availableReplicas", 0))
    new = next((rs for rs in rss if _same_template(rs, deploy)), None)
    create = None
    if new is None:
        collision = (deploy.get("status") or {}).get("collisionCount")
        new = rs_for_deployment(deploy, collision, revision=max((_revision(r) for r in rss), default=0) + 1)
        create = new
        spec_of[new["metadata"]["name"]] = 0
        avail_of[new["metadata"]["name"]] = 0
    new_name = str(meta.metadata(new)["name"])
    old = sorted((rs for rs in rss if meta.metadata(rs).get("name") != new_name),
                 key=lambda r: (meta.metadata(r).get("creationTimestamp") or "", meta.metadata(r).get("name") or ""))
    scales: list[tuple[str, int]] = []

    def scale(name: str, n: int) -> None:
        if name == new_name and create is not None:
            create["spec"]["replicas"] = n
        else:
            scales.append((name, n))
        spec_of[name] = n

    scaled_up = False
    target = _new_rs_replicas(spec_of, new_name, replicas, surge)
    if create is not None:
        scale(new_name, target)          # created at its NewRSNewReplicas size: not a scale-up
    elif spec_of[new_name] > replicas:
        scale(new_name, replicas)
    elif target != spec_of[new_name]:
        scale(new_name, target)
        scaled_up = True
    if not scaled_up:
        _scale_down_old(old, new_name, spec_of, avail_of, replicas - max_unavailable, scale)
    status = _deployment_status(deploy, rss, statuses, new_name)
    return DeploymentPlan(create, scales, status)


def _recreate_plan(deploy: Obj, rss: Sequence[Obj], pods: Sequence[Obj], now: Now | None) -> DeploymentPlan:
    """rolloutRecreate: old ReplicaSets to 0, wait until none of their pods is left running (terminating
    pods count), then create or scale the new ReplicaSet straight to ``replicas``."""
    replicas = _replicas(deploy)
    new = next((rs for rs in rss if _same_template(rs, deploy)), None)
    new_name = str(meta.metadata(new)["name"]) if new is not None else ""
    old = [rs for rs in rss if meta.metadata(rs).get("name") != new_name]
    scales = [(str(meta.metadata(rs)["name"]), 0) for rs in old if _replicas(rs) != 0]
    running = any(_owned_by(p, rs) and (p.get("status") or {}).get("phase") not in ("Failed", "Succeeded")
                  for rs in old for p in pods)
    create = None
    if not scales and not running:
        if new is None:
            collision = (deploy.get("status") or {}).get("collisionCount")
            create = rs_for_deployment(deploy, collision, revision=max((_revision(r) for r in rss), default=0) + 1)
            create["spec"]["replicas"] = replicas
        elif _replicas(new) != replicas:
            scales.append((new_name, replicas))
    return DeploymentPlan(create, scales, _deployment_status(deploy, rss, _rs_statuses(rss, pods, now), new_name))


def _new_rs_replicas(spec_of: Mapping[str, int], new_name: str, replicas: int, surge: int) -> int:
    """NewRSNewReplicas (RollingUpdate): grow the new ReplicaSet up to replicas + maxSurge pods in total."""
    current = spec_of[new_name]
    total = sum(spec_of.values())
    if total >= replicas + surge:
        return current
    return current + max(0, min(replicas + surge - total, replicas - current))


def _scale_down_old(old: Sequence[Obj], new_name: str, spec_of: dict[str, int], avail_of: dict[str, int],
                    min_available: int, scale: Any) -> None:
    """reconcileOldReplicaSets: cleanupUnhealthyReplicas, then scaleDownOldReplicaSetsForRollingUpdate."""
    names = [str(meta.metadata(r)["name"]) for r in old]
    if sum(spec_of[n] for n in names) == 0:
        return
    new_unavailable = spec_of[new_name] - avail_of[new_name]
    max_down = sum(spec_of.values()) - min_available - new_unavailable
    if max_down <= 0:
        return
    cleaned = 0
    for n in names:
        if cleaned >= max_down:
            break
        if spec_of[n] == 0 or avail_of[n] == spec_of[n]:
            continue
        k = min(max_down - cleaned, spec_of[n] - avail_of[n])
        scale(n, spec_of[n] - k)
        cleaned += k
    available = sum(avail_of.values())
    budget = available - min_available
    for n in names:
        if budget <= 0:
            break
        if spec_of[n] == 0:
            continue
        k = min(spec_of[n], budget)
        scale(n, spec_of[n] - k)
        budget -= k


def _rs_statuses(rss: Sequence[Obj], pods: Sequence[Obj], now: Now | None) -> list[dict[str, Any]]:
    """Each ReplicaSet's status recomputed from its pods (as the ReplicaSet controller keeps it)."""
    mine: dict[str, list[Obj]] = {str(meta.metadata(rs).get("uid")): [] for rs in rss}
    for p in pods:
        for r in meta.owner_refs(p):
            if r.get("controller") and r.get("uid") in mine:
                mine[r["uid"]].append(p)
                break
    return [_rs_status(rs, mine[str(meta.metadata(rs).get("uid"))], now) for rs in rss]


def _deployment_status(deploy: Obj, rss: Sequence[Obj], statuses: Sequence[Mapping[str, Any]],
                       new_name: str) -> dict[str, Any]:
    """calculateStatus over the ReplicaSets' statuses (recomputed from their pods)."""
    totals = {"replicas": 0, "updatedReplicas": 0, "readyReplicas": 0, "availableReplicas": 0, "spec": 0}
    for rs, st in zip(rss, statuses, strict=True):
        totals["replicas"] += st["replicas"]
        totals["readyReplicas"] += st.get("readyReplicas", 0)
        totals["availableReplicas"] += st.get("availableReplicas", 0)
        totals["spec"] += _replicas(rs)
        if meta.metadata(rs).get("name") == new_name:
            totals["updatedReplicas"] = st["replicas"]
    out: dict[str, Any] = {}
    if meta.metadata(deploy).get("generation"):
        out["observedGeneration"] = meta.metadata(deploy)["generation"]
    for k in ("replicas", "updatedReplicas", "readyReplicas", "availableReplicas"):
        if totals[k]:
            out[k] = totals[k]
    unavailable = max(totals["spec"] - totals["availableReplicas"], 0)
    if unavailable:
        out["unavailableReplicas"] = unavailable
    if (deploy.get("status") or {}).get("collisionCount") is not None:
        out["collisionCount"] = deploy["status"]["collisionCount"]
    return out
