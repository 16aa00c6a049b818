"""The default scheduler's decision for one pod: filter plugins, scores, and the FitError message.

Filters run in the default profile's order and a node fails on the first plugin that rejects it:
NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeResourcesFit, VolumeBinding,
InterPodAffinity. Feasible nodes are scored (LeastAllocated with the scheduler's non-zero request
defaults, spreading of pods of the same owner, preferred inter-pod affinity, PreferNoSchedule
taints); ties are broken with the injected RNG, as upstream picks randomly among the best.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from simk8s.logic import affinity
from simk8s.logic.volumes import find_matching_volume, node_affinity_matches, pv_matches_node, storage

__all__ = ["ScheduleResult", "fit_error", "schedule", "tolerates"]

Obj = Mapping[str, Any]

UNSCHEDULABLE = "node(s) were unschedulable"
NODE_NAME = "node(s) didn't match the requested node name"
NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector"
VOLUME_AFFINITY = "node(s) had volume node affinity conflict"
NO_VOLUMES = "node(s) didn't find available persistent volumes to bind"
TOO_MANY_PODS = "Too many pods"
RWOP_CONFLICT = "node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode"
# Reasons preemption could resolve (by evicting lower-priority pods).
RESOLVABLE = {TOO_MANY_PODS, "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage",
              RWOP_CONFLICT}
DEFAULT_CPU = Fraction(1, 10)          # 100m: the scheduler's non-zero default for scoring
DEFAULT_MEMORY = Fraction(200 * 1024 * 1024)
NO_PROVISIONER = "kubernetes.io/no-provisioner"


@dataclass
class ScheduleResult:
    node: str | None = None
    claims_to_select: list[str] = field(default_factory=list)
    static_bindings: dict[str, str] = field(default_factory=dict)
    error: str | None = None


def tolerates(tolerations: Sequence[Obj], taint: Obj) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("operator") == "Exists":
            if not t.get("key") or t.get("key") == taint.get("key"):
                return True
        elif t.get("key") == taint.get("key") and (t.get("value") or "") == (taint.get("value") or ""):
            return True
    return False


def _requests(pod: Obj) -> dict[str, Fraction]:
    total: dict[str, Fraction] = {}
    for c in (pod.get("spec") or {}).get("containers") or ():
        for k, v in (((c.get("resources") or {}).get("requests")) or {}).items():
            total[k] = total.get(k, Fraction(0)) + storage(v)
    for c in (pod.get("spec") or {}).get("initContainers") or ():
        for k, v in (((c.get("resources") or {}).get("requests")) or {}).items():
            total[k] = max(total.get(k, Fraction(0)), storage(v))
    return total


def _claims(pod: Obj) -> list[str]:
    return [v["persistentVolumeClaim"]["claimName"] for v in (pod.get("spec") or {}).get("volumes") or ()
            if (v.get("persistentVolumeClaim") or {}).get("claimName")]


def fit_error(total: int, reasons: Mapping[str, int], *, prefilter: str | None = None) -> str:
    """FitError.Error(): the histogram of reasons, then what preemption could do about it."""
    if prefilter is not None:
        head = f"0/{total} nodes are available: {prefilter}."
        return f"{head} preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling."
    parts = sorted(f"{n} {r}" for r, n in reasons.items())
    head = f"0/{total} nodes are available: {', '.join(parts)}."
    return f"{head} preemption: {_preemption(total, reasons)}"


def _preemption(total: int, reasons: Mapping[str, int]) -> str:
    helpful = sum(n for r, n in reasons.items() if r in RESOLVABLE)
    parts = []
    if total - helpful:
        parts.append(f"{total - helpful} Preemption is not helpful for scheduling")
    if helpful:
        parts.append(f"{helpful} No preemption victims found for incoming pod")
    return f"0/{total} nodes are available: {', '.join(sorted(parts))}."


def _taint_text(t: Obj) -> str:
    return f"{{{t.get('key', '')}: {t.get('value', '')}}}"


def _filter(pod: Obj, node: Obj, pods_here: Sequence[Obj], ctx: _Ctx) -> list[str]:
    spec = pod.get("spec") or {}
    nspec = node.get("spec") or {}
    tolerations = spec.get("tolerations") or ()
    name = node["metadata"]["name"]
    if nspec.get("unschedulable") and not tolerates(tolerations, {"key": "node.kubernetes.io/unschedulable",
                                                                  "effect": "NoSchedule"}):
        return [UNSCHEDULABLE]
    if spec.get("nodeName") and spec["nodeName"] != name:
        return [NODE_NAME]
    for taint in nspec.get("taints") or ():
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
            return [f"node(s) had untolerated taint {_taint_text(taint)}"]
    labels = node["metadata"].get("labels") or {}
    selector = spec.get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return [NODE_AFFINITY]
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution")) or {}).get("nodeSelectorTerms")
    if terms and not node_affinity_matches(terms, node):
        return [NODE_AFFINITY]
    alloc = (node.get("status") or {}).get("allocatable") or {}
    reasons = []
    if len(pods_here) + 1 > int(storage(alloc.get("pods", 110))):
        reasons.append(TOO_MANY_PODS)
    want = ctx.requests
    for res in ("cpu", "memory", "ephemeral-storage"):
        if want.get(res):
            used = sum((_requests(p).get(res, Fraction(0)) for p in pods_here), Fraction(0))
            if used + want[res] > storage(alloc.get(res, 0)):
                reasons.append(f"Insufficient {res}")
    if reasons:
        return reasons
    if ctx.rwop_conflict:
        # VolumeRestrictions: the count is cluster-wide, so every node that gets this far fails.
        return [RWOP_CONFLICT]
    for claim_name in ctx.claim_names:
        claim = ctx.claims[claim_name]
        vol = (claim.get("spec") or {}).get("volumeName")
        if vol and (claim.get("status") or {}).get("phase") == "Bound":
            pv = ctx.volumes.get(vol)
            if pv is not None and not pv_matches_node(pv, node):
                return [VOLUME_AFFINITY]
            continue
        if find_matching_volume(claim, list(ctx.volumes.values()), node) is not None:
            continue
        sc = ctx.classes.get((claim.get("spec") or {}).get("storageClassName") or "")
        if sc is None or sc.get("provisioner") == NO_PROVISIONER:
            return [NO_VOLUMES]
    why = affinity.check(pod, node, ctx.nodes, ctx.pods_on)
    if why:
        return [why]
    return []


@dataclass
class _Ctx:
    requests: dict[str, Fraction]
    claim_names: list[str]
    claims: Mapping[str, Obj]
    volumes: Mapping[str, Obj]
    classes: Mapping[str, Obj]
    nodes: Sequence[Obj]
    pods_by_node: Mapping[str, Sequence[Obj]]
    rwop_conflict: bool = False

    def pods_on(self, node: str) -> Sequence[Obj]:
        return self.pods_by_node.get(node) or ()


def _owner_uid(pod: Obj) -> str | None:
    for ref in pod["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return str(ref.get("uid"))
    return None


def _score(pod: Obj, node: Obj, pods_here: Sequence[Obj], ctx: _Ctx) -> float:
    alloc = (node.get("status") or {}).get("allocatable") or {}
    cpu_cap = storage(alloc.get("cpu", 1)) or Fraction(1)
    mem_cap = storage(alloc.get("memory", 1)) or Fraction(1)

    def req(p: Obj) -> tuple[Fraction, Fraction]:
        r = _requests(p)
        return r.get("cpu") or DEFAULT_CPU, r.get("memory") or DEFAULT_MEMORY

    cpu = sum((req(p)[0] for p in pods_here), Fraction(0)) + req(pod)[0]
    mem = sum((req(p)[1] for p in pods_here), Fraction(0)) + req(pod)[1]
    least = (max(0.0, 1 - float(cpu / cpu_cap)) + max(0.0, 1 - float(mem / mem_cap))) / 2 * 100
    owner = _owner_uid(pod)
    same = sum(1 for p in pods_here if owner and _owner_uid(p) == owner)
    spread = 100.0 / (1 + same)
    prefer_no = sum(1 for t in (node.get("spec") or {}).get("taints") or ()
                    if t.get("effect") == "PreferNoSchedule"
                    and not tolerates((pod.get("spec") or {}).get("tolerations") or (), t))
    return least + 2 * spread + affinity.score(pod, node, ctx.nodes, ctx.pods_on) - 10 * prefer_no


def _rwop_in_use(pod: Obj, names: Sequence[str], claims: Mapping[str, Obj],
                 pods_by_node: Mapping[str, Sequence[Obj]]) -> bool:
    """True when another scheduled pod already uses one of ``pod``'s ReadWriteOncePod claims."""
    rwop = {n for n in names if "ReadWriteOncePod" in ((claims[n].get("spec") or {}).get("accessModes") or ())}
    if not rwop:
        return False
    ns = pod["metadata"].get("namespace", "default")
    uid = pod["metadata"].get("uid")
    return any(p["metadata"].get("uid") != uid and p["metadata"].get("namespace", "default") == ns
               and rwop & set(_claims(p)) for here in pods_by_node.values() for p in here)


def schedule(pod: Obj, nodes: Sequence[Obj], pods_by_node: Mapping[str, Sequence[Obj]], claims: Mapping[str, Obj],
             volumes: Mapping[str, Obj], storage_classes: Mapping[str, Obj], *,
             rng: random.Random | None = None) -> ScheduleResult:
    """Where ``pod`` goes, or the FailedScheduling message when it can go nowhere."""
    total = len(nodes)
    names = _claims(pod)
    for claim_name in names:
        claim = claims.get(claim_name)
        if claim is None:
            return ScheduleResult(error=fit_error(total, {}, prefilter=f'persistentvolumeclaim "{claim_name}" not found'))
        if claim["metadata"].get("deletionTimestamp"):
            return ScheduleResult(error=fit_error(
                total, {}, prefilter=f'persistentvolumeclaim "{claim_name}" is being deleted'))
        bound = (claim.get("status") or {}).get("phase") == "Bound"
        sc = storage_classes.get((claim.get("spec") or {}).get("storageClassName") or "")
        wffc = sc is not None and sc.get("volumeBindingMode") == "WaitForFirstConsumer"
        if not bound and not wffc:
            return ScheduleResult(error=fit_error(total, {}, prefilter="pod has unbound immediate PersistentVolumeClaims"))
    ctx = _Ctx(_requests(pod), names, claims, volumes, storage_classes, nodes, pods_by_node,
               _rwop_in_use(pod, names, claims, pods_by_node))
    reasons: dict[str, int] = {}
    feasible: list[Obj] = []
    for node in nodes:
        here = pods_by_node.get(node["metadata"]["name"]) or ()
        why = _filter(pod, node, here, ctx)
        if why:
            for r in why:
                reasons[r] = reasons.get(r, 0) + 1
        else:
            feasible.append(node)
    if not feasible:
        return ScheduleResult(error=fit_error(total, reasons))
    scored = [(_score(pod, n, pods_by_node.get(n["metadata"]["name"]) or (), ctx), n["metadata"]["name"])
              for n in feasible]
    top = max(s for s, _ in scored)
    best = sorted(name for s, name in scored if s >= top - 1e-9)
    chosen_name = (rng or random.Random(0)).choice(best)
    chosen = next(n for n in feasible if n["metadata"]["name"] == chosen_name)
    result = ScheduleResult(node=chosen_name)
    taken: set[str] = set()
    for claim_name in names:
        claim = claims[claim_name]
        if (claim.get("status") or {}).get("phase") == "Bound":
            continue
        free = {k: v for k, v in volumes.items() if k not in taken}
        pv = find_matching_volume(claim, list(free.values()), chosen)
        if pv is not None:
            result.static_bindings[claim_name] = pv["metadata"]["name"]
            taken.add(pv["metadata"]["name"])
        else:
            result.claims_to_select.append(claim_name)
    return result
