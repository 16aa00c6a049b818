"""The default scheduler's decision for one pod: filter plugins, scores, and the FitError message.

Filters run in the default profile's order and a node fails on the first plugin that rejects it:
NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeResourcesFit, VolumeBinding,
InterPodAffinity. Feasible nodes are scored (LeastAllocated with the scheduler's non-zero request
defaults, spreading of pods of the same owner, preferred inter-pod affinity, PreferNoSchedule
taints); ties are broken with the injected RNG, as upstream picks randomly among the best.
"""

from __future__ import annotations

import math
import operator
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import simk8s.api.meta as meta
import simk8s.logic.affinity as affinity
from simk8s.logic.hostports import NODE_PORTS, host_ports, ports_conflict
from simk8s.logic.volumes import find_matching_volume, node_affinity_matches, pv_matches_node, storage

__all__ = ["ScheduleResult", "feasible_nodes_to_find", "fit_error", "pod_requests", "schedule", "tolerates"]


def feasible_nodes_to_find(nodes: int, percentage: int = 0) -> int:
    """numFeasibleNodesToFind: all nodes under 100, else an adaptive share (at least 100)."""
    if nodes < 100:
        return nodes
    pct = percentage or max(5, 50 - nodes // 125)
    return max(100, nodes * pct // 100)


def pod_requests(pod: Obj) -> dict[str, float]:
    """The pod's resource requests (init containers as their maximum), as numbers, plus the
    ``nonzero:*`` values scoring uses (100m CPU / 200Mi memory for containers that request none)."""
    out = dict(_requests(pod))
    out[NONZERO_CPU] = out.get("cpu") or DEFAULT_CPU
    out[NONZERO_MEMORY] = out.get("memory") or DEFAULT_MEMORY
    owner = meta.controller_uid(pod)
    if owner:
        out[OWNER_PREFIX + owner] = 1.0
    return out

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
              RWOP_CONFLICT, NODE_PORTS}
DEFAULT_CPU = 0.1                      # 100m: the scheduler's non-zero default for scoring
DEFAULT_MEMORY = 200.0 * 1024 * 1024
NO_PROVISIONER = "kubernetes.io/no-provisioner"
HOSTNAME_LABEL = "kubernetes.io/hostname"
# Keys of the per-node cache holding requests with the scoring defaults applied.
NONZERO_CPU = "nonzero:cpu"
NONZERO_MEMORY = "nonzero:memory"
OWNER_PREFIX = "owner:"       # + controller uid: how many of that controller's pods the node runs


@dataclass
class ScheduleResult:
    node: str | None = None
    claims_to_select: list[str] = field(default_factory=list)
    static_bindings: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    evaluated: int = 0


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


# Identity caches: an object's numbers are computed once per stored version. The entry keeps the
# object alive, so its id cannot be reused while the entry exists.
_REQUESTS: dict[int, tuple[Obj, dict[str, float]]] = {}


def _requests(pod: Obj) -> dict[str, float]:
    hit = _REQUESTS.get(id(pod))
    if hit is not None and hit[0] is pod:
        return hit[1]
    total = _sum_requests(pod)
    if len(_REQUESTS) > 50_000:
        _REQUESTS.clear()
    _REQUESTS[id(pod)] = (pod, total)
    return total


@lru_cache(maxsize=4096)
def _qs(value: str) -> float:
    # A valid quantity can exceed a float (``1e400``): such a request fits no node.
    try:
        return float(storage(value))
    except OverflowError:
        return math.inf


def _q(value: Any) -> float:
    return _qs(value if isinstance(value, str) else str(value))


_ALLOCATABLE: dict[int, tuple[Obj, dict[str, float]]] = {}


def _allocatable(node: Obj) -> dict[str, float]:
    """The node's allocatable resources as numbers, cached per stored node object."""
    hit = _ALLOCATABLE.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    if len(_ALLOCATABLE) > 100_000:
        _ALLOCATABLE.clear()
    raw = (node.get("status") or {}).get("allocatable") or {}
    cached = {k: _q(v) for k, v in raw.items()}
    _ALLOCATABLE[id(node)] = (node, cached)
    return cached


def _sum_requests(pod: Obj) -> dict[str, float]:
    total: dict[str, float] = {}
    for c in (pod.get("spec") or {}).get("containers") or ():
        for k, v in (((c.get("resources") or {}).get("requests")) or {}).items():
            total[k] = total.get(k, 0.0) + _q(v)
    for c in (pod.get("spec") or {}).get("initContainers") or ():
        for k, v in (((c.get("resources") or {}).get("requests")) or {}).items():
            total[k] = max(total.get(k, 0.0), _q(v))
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


def _static_filter(pod: Obj, node: Obj) -> str | None:
    """The node-only filters (cordon, node name, taints, node affinity): same answer for every pod of
    the same shape until the node changes."""
    spec = pod.get("spec") or {}
    nspec = node.get("spec") or {}
    tolerations = spec.get("tolerations") or ()
    name = node["metadata"]["name"]
    if nspec.get("unschedulable") and not tolerates(tolerations, {"key": "node.kubernetes.io/unschedulable",
                                                                  "effect": "NoSchedule"}):
        return UNSCHEDULABLE
    if spec.get("nodeName") and spec["nodeName"] != name:
        return NODE_NAME
    for taint in nspec.get("taints") or ():
        if taint.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, taint):
            return f"node(s) had untolerated taint {_taint_text(taint)}"
    labels = node["metadata"].get("labels") or {}
    selector = spec.get("nodeSelector") or {}
    if any(labels.get(k) != v for k, v in selector.items()):
        return NODE_AFFINITY
    terms = ((((spec.get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution")) or {}).get("nodeSelectorTerms")
    if terms and not node_affinity_matches(terms, node):
        return NODE_AFFINITY
    return None


def _shape(pod: Obj) -> str:
    spec = pod.get("spec") or {}
    return repr((spec.get("tolerations"), spec.get("nodeSelector"), (spec.get("affinity") or {}).get("nodeAffinity"),
                 spec.get("nodeName"), host_ports(pod)))


def _static(pod: Obj, node: Obj, ctx: _Ctx) -> str | None:
    """:func:`_static_filter`, memoised per pod shape and node version when there is a cache."""
    if ctx.static_cache is None:
        return _static_filter(pod, node)
    key = (ctx.shape, node["metadata"]["name"], node["metadata"].get("resourceVersion", ""))
    if key in ctx.static_cache:
        return ctx.static_cache[key]
    static = ctx.static_cache[key] = _static_filter(pod, node)
    return static


def _filter(pod: Obj, node: Obj, pods_here: Sequence[Obj], ctx: _Ctx) -> list[str]:
    static = _static(pod, node, ctx)
    if static is not None:
        return [static]
    return _dynamic_filter(pod, node, pods_here, ctx)


def _dynamic_filter(pod: Obj, node: Obj, pods_here: Sequence[Obj], ctx: _Ctx) -> list[str]:
    """Host ports, resources, volumes and inter-pod affinity: these depend on what is already placed."""
    if ports_conflict(pod, pods_here):
        return [NODE_PORTS]
    reasons = _resource_reasons(node, pods_here, ctx)
    if reasons:
        return reasons
    return _volume_and_affinity_reasons(pod, node, ctx)


def _resource_reasons(node: Obj, pods_here: Sequence[Obj], ctx: _Ctx) -> list[str]:
    """NodeResourcesFit: pod count, then each requested resource that does not fit."""
    alloc = _allocatable(node)
    reasons = []
    if len(pods_here) + 1 > alloc.get("pods", 110.0):
        reasons.append(TOO_MANY_PODS)
    want = ctx.requests
    for res in ("cpu", "memory", "ephemeral-storage"):
        if want.get(res):
            used = ctx.used(node["metadata"]["name"], pods_here, res)
            if used + want[res] > alloc.get(res, 0.0) + 1e-9:
                reasons.append(f"Insufficient {res}")
    return reasons


def _volume_and_affinity_reasons(pod: Obj, node: Obj, ctx: _Ctx) -> list[str]:
    """VolumeRestrictions, VolumeBinding and InterPodAffinity, for a node whose resources fit."""
    if ctx.rwop_conflict:
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
    if ctx.affinity_relevant:
        why = affinity.check(pod, node, ctx.nodes, ctx.pods_on, ctx.anti_terms)
        if why:
            return [why]
    return []


@dataclass
class _Ctx:
    requests: dict[str, float]
    claim_names: list[str]
    claims: Mapping[str, Obj]
    volumes: Mapping[str, Obj]
    classes: Mapping[str, Obj]
    nodes: Sequence[Obj]
    pods_by_node: Mapping[str, Sequence[Obj]]
    anti_terms: Sequence[tuple[Obj, Obj, Obj]] = field(default_factory=list)
    affinity_relevant: bool = False

    requested: Mapping[str, Mapping[str, float]] | None = None
    static_cache: dict[tuple[str, str, str], str | None] | None = None
    shape: str = ""
    own: tuple[float, float, str | None] = (0.0, 0.0, None)   # the pod's scoring cpu, memory, owner
    rwop_conflict: bool = False   # VolumeRestrictions: a ReadWriteOncePod claim is in use elsewhere

    def pods_on(self, node: str) -> Sequence[Obj]:
        return self.pods_by_node.get(node) or ()

    def used(self, node: str, pods_here: Sequence[Obj], res: str) -> float:
        if self.requested is not None:
            return float(self.requested.get(node, {}).get(res, 0.0))
        return sum(_requests(p).get(res, 0.0) for p in pods_here)


def _score(pod: Obj, node: Obj, pods_here: Sequence[Obj], ctx: _Ctx) -> float:
    alloc = _allocatable(node)
    cpu_cap = alloc.get("cpu", 1.0) or 1.0
    mem_cap = alloc.get("memory", 1.0) or 1.0
    cpu, mem, owner = ctx.own
    cached = ctx.requested.get(node["metadata"]["name"]) if ctx.requested is not None else None
    if cached is not None:
        cpu += cached.get(NONZERO_CPU, 0.0)
        mem += cached.get(NONZERO_MEMORY, 0.0)
    else:
        for p in pods_here:
            r = _requests(p)
            cpu += r.get("cpu") or DEFAULT_CPU
            mem += r.get("memory") or DEFAULT_MEMORY
    least = (max(0.0, 1 - cpu / cpu_cap) + max(0.0, 1 - mem / mem_cap)) / 2 * 100
    if not owner:
        same = 0
    elif cached is not None:
        same = int(cached.get(OWNER_PREFIX + owner, 0))
    else:
        same = sum(1 for p in pods_here if meta.controller_uid(p) == owner)
    spread = 100.0 / (1 + same)
    prefer_no = sum(1 for t in (node.get("spec") or {}).get("taints") or ()
                    if t.get("effect") == "PreferNoSchedule"
                    and not tolerates((pod.get("spec") or {}).get("tolerations") or (), t))
    pref = affinity.score(pod, node, ctx.nodes, ctx.pods_on) if ctx.affinity_relevant else 0
    return least + 2 * spread + pref - 10 * prefer_no


_Scan = tuple[dict[str, int], list[tuple[float, Obj]], int]


def _scan(pod: Obj, nodes: Sequence[Obj], pods_by_node: Mapping[str, Sequence[Obj]], ctx: _Ctx, start: int,
          max_feasible: int | None) -> _Scan:
    """Filter nodes from ``start`` (wrapping) until ``max_feasible`` pass; score those that pass.

    Returns the reasons histogram, the (score, node) of the feasible nodes in scan order, and how
    many nodes were looked at.
    """
    reasons: dict[str, int] = {}
    feasible: list[Obj] = []
    evaluated = 0
    count = len(nodes)
    for i in range(count):
        node = nodes[(start + i) % count] if count else nodes[i]
        evaluated += 1
        here = pods_by_node.get(node["metadata"]["name"]) or ()
        why = _filter(pod, node, here, ctx)
        if why:
            for r in why:
                reasons[r] = reasons.get(r, 0) + 1
        else:
            feasible.append(node)
            if max_feasible is not None and len(feasible) >= max_feasible:
                break
    return reasons, [(_score(pod, n, pods_by_node.get(n["metadata"]["name"]) or (), ctx), n) for n in feasible], \
        evaluated


def _hostnames_only(pv: Obj) -> frozenset[str] | None:
    """The hostnames a volume is pinned to when its node affinity is just ``kubernetes.io/hostname In
    [...]`` (local volumes, local-path), else None."""
    terms = (((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {}).get("nodeSelectorTerms")
    if not terms or len(terms) != 1 or terms[0].get("matchFields"):
        return None
    exprs: Sequence[Obj] = terms[0].get("matchExpressions") or []
    if len(exprs) != 1 or exprs[0].get("key") != HOSTNAME_LABEL or exprs[0].get("operator") != "In":
        return None
    return frozenset(exprs[0].get("values") or ())


def _volume_checks(ctx: _Ctx) -> list[tuple[str, Any]] | None:
    """VolumeBinding for this pod as per-claim checks that need no volume scan per node:
    ``("reason", r)`` fails every node with ``r`` (None: passes every node), ``("hosts", names)``
    passes nodes with those hostnames, ``("pv", pv)`` asks the volume's node affinity. None when a
    claim could bind a static volume that depends on the node (then nodes are checked one by one)."""
    checks: list[tuple[str, Any]] = []
    for claim_name in ctx.claim_names:
        claim = ctx.claims[claim_name]
        vol = (claim.get("spec") or {}).get("volumeName")
        if vol and (claim.get("status") or {}).get("phase") == "Bound":
            pv = ctx.volumes.get(vol)
            if pv is None:
                continue
            hosts = _hostnames_only(pv)
            checks.append(("hosts", hosts) if hosts is not None else ("pv", pv))
            continue
        if find_matching_volume(claim, list(ctx.volumes.values()), None) is not None:
            return None
        sc = ctx.classes.get((claim.get("spec") or {}).get("storageClassName") or "")
        if sc is None or sc.get("provisioner") == NO_PROVISIONER:
            checks.append(("reason", NO_VOLUMES))
            break
    return checks


def _fast_scan(pod: Obj, nodes: Sequence[Obj], pods_by_node: Mapping[str, Sequence[Obj]], ctx: _Ctx, start: int,
               max_feasible: int | None, cache: dict[Any, Any], versions: Mapping[str, int]) -> _Scan | None:
    """:func:`_scan` for pods without inter-pod affinity, reusing each node's claim-independent
    filter and score while the node object and its version are the same; None when not applicable."""
    checks = _volume_checks(ctx)
    if checks is None:
        return None
    count = len(nodes)
    if not count:
        return {}, [], 0
    per_node = cache.setdefault((ctx.shape, tuple(sorted(ctx.requests.items())), ctx.own), {})
    hosts = [v for kind, v in checks if kind == "hosts"]
    if hosts and not ctx.rwop_conflict:
        allowed = frozenset.intersection(*hosts)
        if max_feasible is None or len(allowed) < max_feasible:
            # Pinned to a few hosts: fewer feasible nodes than the search wants, so it looks at every
            # node; only the pinned ones can pass. Reasons matter only when none does (then scan all).
            index = _host_index(nodes, cache)
            order = sorted(((i - start) % count, i) for h in allowed for i in index.get(h, ()))
            pinned: list[tuple[float, Obj]] = []
            for _, i in order:
                node = nodes[i]
                why, score = _evaluate(pod, node, pods_by_node, ctx, per_node, versions)
                if not why and not _node_volume_reasons(node, ctx, checks):
                    pinned.append((score, node))
            if pinned:
                return {}, pinned, count
    reasons: dict[str, int] = {}
    feasible: list[tuple[float, Obj]] = []
    evaluated = 0
    plain = not checks and not ctx.rwop_conflict
    for node in (*nodes[start:], *nodes[:start]) if start else nodes:
        evaluated += 1
        hit = per_node.get(node["metadata"]["name"])
        if hit is not None and hit[1] is node and hit[0] == versions.get(node["metadata"]["name"], 0):
            why, score = hit[2], hit[3]
        else:
            why, score = _evaluate(pod, node, pods_by_node, ctx, per_node, versions)
        if not why and not plain:
            why = _node_volume_reasons(node, ctx, checks)
        if why:
            for r in why:
                reasons[r] = reasons.get(r, 0) + 1
        else:
            feasible.append((score, node))
            if max_feasible is not None and len(feasible) >= max_feasible:
                break
    return reasons, feasible, evaluated


def _evaluate(pod: Obj, node: Obj, pods_by_node: Mapping[str, Sequence[Obj]], ctx: _Ctx,
              per_node: dict[str, Any], versions: Mapping[str, int]) -> tuple[list[str], float]:
    """The node's claim-independent filter reasons and (when it passes) its score, remembered."""
    name = node["metadata"]["name"]
    version = versions.get(name, 0)
    hit = per_node.get(name)
    if hit is not None and hit[1] is node and hit[0] == version:
        return hit[2], hit[3]
    here = pods_by_node.get(name) or ()
    static = _static(pod, node, ctx)
    why = [static] if static is not None else (
        [NODE_PORTS] if ports_conflict(pod, here) else _resource_reasons(node, here, ctx))
    score = 0.0 if why else _score(pod, node, here, ctx)   # a score only matters when the node passes
    per_node[name] = (version, node, why, score)
    return why, score


def _host_index(nodes: Sequence[Obj], cache: dict[Any, Any]) -> dict[str, list[int]]:
    """kubernetes.io/hostname -> positions in ``nodes`` (kept while the node objects are the same)."""
    hit = cache.get("host-index")
    if hit is not None and len(hit[0]) == len(nodes) and all(map(operator.is_, hit[0], nodes)):
        return hit[1]
    index: dict[str, list[int]] = {}
    for i, n in enumerate(nodes):
        host = (n["metadata"].get("labels") or {}).get(HOSTNAME_LABEL)
        if host is not None:
            index.setdefault(host, []).append(i)
    cache["host-index"] = (list(nodes), index)
    return index


def _node_volume_reasons(node: Obj, ctx: _Ctx, checks: Sequence[tuple[str, Any]]) -> list[str]:
    if ctx.rwop_conflict:
        return [RWOP_CONFLICT]
    for kind, value in checks:
        if kind == "reason":
            return [value]
        if kind == "hosts":
            if (node["metadata"].get("labels") or {}).get(HOSTNAME_LABEL) not in value:
                return [VOLUME_AFFINITY]
        elif not pv_matches_node(value, node):
            return [VOLUME_AFFINITY]
    return []


def schedule(pod: Obj, nodes: Sequence[Obj], pods_by_node: Mapping[str, Sequence[Obj]], claims: Mapping[str, Obj],
             volumes: Mapping[str, Obj], storage_classes: Mapping[str, Obj], *,
             rng: random.Random | None = None,
             requested: Mapping[str, Mapping[str, float]] | None = None,
             existing_anti: Sequence[tuple[Obj, Obj, Obj]] | None = None, start: int = 0,
             max_feasible: int | None = None,
             static_cache: dict[tuple[str, str, str], str | None] | None = None,
             eval_cache: dict[Any, Any] | None = None,
             node_versions: Mapping[str, int] | None = None) -> ScheduleResult:
    """Where ``pod`` goes, or the FailedScheduling message when it can go nowhere.

    ``requested`` (optional) is the scheduler cache's sum of :func:`pod_requests` per node and
    ``existing_anti`` the placed pods' required anti-affinity terms, both to save recomputing them
    from every pod for every decision; ``static_cache`` memoises the node-only filters per pod shape
    and node resourceVersion. With ``eval_cache`` (a dict the caller keeps) and ``node_versions``
    (a counter per node the caller bumps whenever the node's placed pods change), a node's filter
    and score for a pod of the same shape are reused until the node or its pods change: the same
    decision, at a cost independent of the number of unchanged nodes' pods.
    """
    total = len(nodes)
    names = _claims(pod)
    rwop_conflict = False
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
        if "ReadWriteOncePod" in ((claim.get("spec") or {}).get("accessModes") or ()) and any(
                claim_name in _claims(other) and other["metadata"].get("uid") != pod["metadata"].get("uid")
                for n in nodes for other in pods_by_node.get(n["metadata"]["name"]) or ()):
            rwop_conflict = True
    ctx = _Ctx(_requests(pod), names, claims, volumes, storage_classes, nodes, pods_by_node, requested=requested,
               rwop_conflict=rwop_conflict,
               static_cache=static_cache, shape=_shape(pod) if static_cache is not None else "")
    own = ctx.requests
    ctx.own = (own.get("cpu") or DEFAULT_CPU, own.get("memory") or DEFAULT_MEMORY, meta.controller_uid(pod))
    ctx.anti_terms = existing_anti if existing_anti is not None else affinity.existing_anti_affinity(
        nodes, ctx.pods_on)
    ctx.affinity_relevant = bool(ctx.anti_terms) or affinity.has_terms(pod)
    scan = None
    if eval_cache is not None and node_versions is not None and static_cache is not None \
            and requested is not None and not ctx.affinity_relevant:
        scan = _fast_scan(pod, nodes, pods_by_node, ctx, start, max_feasible, eval_cache, node_versions)
    if scan is None:
        scan = _scan(pod, nodes, pods_by_node, ctx, start, max_feasible)
    reasons, scored, evaluated = scan
    if not scored:
        return ScheduleResult(error=fit_error(total, reasons), evaluated=evaluated)
    feasible = [n for _, n in scored]
    top = max(s for s, _ in scored)
    best = sorted(n["metadata"]["name"] for s, n in scored if s >= top - 1e-9)
    chosen_name = (rng or random.Random(0)).choice(best)
    chosen = next(n for n in feasible if n["metadata"]["name"] == chosen_name)
    result = ScheduleResult(node=chosen_name, evaluated=evaluated)
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
