"""StatefulSet reconcile planning: pods, claims and status from one snapshot, as upstream decides them.

One call of :func:`plan` is one pass of upstream ``updateStatefulSet`` (``stateful_set_control.go``):
it partitions pods into in-range replicas (with in-memory placeholders for missing ordinals) and
condemned pods, then runs the replica pass, the condemned-claim ownerRef pass, the condemned (scale
down) pass and the rolling-update pass, and returns the writes as an ordered list of actions plus the
status the controller writes afterwards. The controller applies actions in order and stops at the
first failure (recording :func:`failure_events`), then writes ``plan.status_after(n_succeeded)``.

Object builders follow ``stateful_set_utils.go``: :func:`new_pod` (newStatefulSetPod + revision label),
:func:`new_claims` (getPersistentVolumeClaims + retention-policy ownerRefs), :func:`identity_matches`,
:func:`storage_matches`. Deviation: Go builds claim volumes from a map (random order); we keep the
volumeClaimTemplates order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple

from simk8s.api.frozen import thaw
from simk8s.logic import podutil as pu
from simk8s.logic.revisions import REVISION_LABEL, RevisionPlan, apply_revision, set_owner_ref

__all__ = [
    "POD_INDEX_LABEL",
    "POD_NAME_LABEL",
    "REVISION_LABEL",
    "Action",
    "CreateClaim",
    "CreatePod",
    "DeletePod",
    "Event",
    "FailSync",
    "Plan",
    "PlanMemo",
    "UpdateClaim",
    "UpdatePod",
    "claim_name",
    "claims_match_retention_policy",
    "failure_event",
    "failure_events",
    "identity_matches",
    "is_claim_owner_up_to_date",
    "new_claims",
    "new_pod",
    "plan",
    "retention_policy",
    "storage_matches",
    "template_name",
    "update_claim_owner_refs",
    "versioned_pod",
]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
MAX_BATCH_SIZE = 500

Obj = Mapping[str, Any]
Now = float | datetime | str


# ----------------------------------------------------------------------------------------- actions

@dataclass(frozen=True)
class Event:
    """A Kubernetes Event on the StatefulSet: ``type`` Normal/Warning, ``reason``, ``message``."""

    type: str
    reason: str
    message: str


@dataclass(frozen=True)
class CreateClaim:
    """Create ``claim`` for pod ``pod_name``. ``pod_verb`` names the pod operation that fails with it."""

    claim: dict[str, Any]
    set_name: str
    pod_name: str
    event: Event
    pod_verb: str | None = "create"
    batch: int = 0


@dataclass(frozen=True)
class CreatePod:
    pod: dict[str, Any]
    set_name: str
    event: Event
    batch: int = 0


@dataclass(frozen=True)
class UpdatePod:
    """Replace the pod (identity labels, volumes); ``pod`` keeps the listed resourceVersion."""

    pod: dict[str, Any]
    set_name: str
    event: Event
    batch: int = 0


@dataclass(frozen=True)
class DeletePod:
    """Delete pod ``name`` (precondition ``uid``). ``reason``: Failed, Succeeded, ScaleDown or Update.

    For ``Update`` deletions a NotFound error counts as success (upstream tolerates it).
    """

    name: str
    uid: str
    reason: str
    set_name: str
    event: Event
    batch: int = 0


@dataclass(frozen=True)
class UpdateClaim:
    """Rewrite a claim's ownerReferences for the retention policy (no success event upstream)."""

    claim: dict[str, Any]
    set_name: str
    pod_name: str
    pod_verb: str | None = None
    warnings: tuple[Event, ...] = ()
    batch: int = 0


@dataclass(frozen=True)
class FailSync:
    """The pass cannot continue (e.g. ``pvc www-web-0 is being deleted``): record ``event``, requeue."""

    error: str
    set_name: str
    event: Event | None
    batch: int = 0


Action = CreateClaim | CreatePod | UpdatePod | DeletePod | UpdateClaim | FailSync


def _pod_event(verb: str, pod: str, set_name: str, error: str | None = None) -> Event:
    if error is None:
        return Event("Normal", f"Successful{verb.title()}", f"{verb} Pod {pod} in StatefulSet {set_name} successful")
    return Event("Warning", f"Failed{verb.title()}",
                 f"{verb} Pod {pod} in StatefulSet {set_name} failed error: {error}")


def _claim_event(verb: str, claim: str, pod: str, set_name: str, error: str | None = None) -> Event:
    if error is None:
        return Event("Normal", f"Successful{verb.title()}",
                     f"{verb} Claim {claim} Pod {pod} in StatefulSet {set_name} success")
    return Event("Warning", f"Failed{verb.title()}",
                 f"{verb} Claim {claim} for Pod {pod} in StatefulSet {set_name} failed error: {error}")


def failure_events(action: Action, error_message: str) -> list[Event]:
    """Events upstream records when ``action`` fails with ``error_message`` (in recording order).

    A CreatePod failing with AlreadyExists records nothing upstream; the controller skips the call then.
    """
    a = action
    if isinstance(a, CreatePod):
        return [_pod_event("create", a.pod["metadata"]["name"], a.set_name, error_message)]
    if isinstance(a, UpdatePod):
        return [_pod_event("update", a.pod["metadata"]["name"], a.set_name, error_message)]
    if isinstance(a, DeletePod):
        return [_pod_event("delete", a.name, a.set_name, error_message)]
    if isinstance(a, CreateClaim):
        name = a.claim["metadata"]["name"]
        out = [_claim_event("create", name, a.pod_name, a.set_name, error_message)]
        if a.pod_verb:
            out.append(_pod_event(a.pod_verb, a.pod_name, a.set_name,
                                  f"failed to create PVC {name}: {error_message}"))
        return out
    if isinstance(a, UpdateClaim):
        if not a.pod_verb:
            return []
        msg = f"could not update claim {a.claim['metadata']['name']} for delete policy ownerRefs: {error_message}"
        return [_pod_event(a.pod_verb, a.pod_name, a.set_name, msg)]
    return [a.event] if a.event else []


def failure_event(action: Action, error_message: str) -> Event | None:
    """The primary event for a failed action (the first of :func:`failure_events`)."""
    events = failure_events(action, error_message)
    return events[0] if events else None


# ----------------------------------------------------------------------------------- set accessors

def _name(o: Obj) -> str:
    return str((o.get("metadata") or {}).get("name") or "")


def _uid(o: Obj) -> str:
    return str((o.get("metadata") or {}).get("uid") or "")


def _ns(o: Obj) -> str:
    return str((o.get("metadata") or {}).get("namespace") or "default")


def _spec(sts: Obj) -> Obj:
    return sts.get("spec") or {}


def _start(sts: Obj) -> int:
    ordinals = _spec(sts).get("ordinals")
    return int(ordinals.get("start") or 0) if ordinals is not None else 0


def _replicas(sts: Obj) -> int:
    r = _spec(sts).get("replicas")
    return 1 if r is None else int(r)


def _in_range(sts: Obj, ordinal: int) -> bool:
    return _start(sts) <= ordinal <= _start(sts) + _replicas(sts) - 1


def _pod_ordinal(pod: Obj) -> int:
    return pu.get_parent_and_ordinal(_name(pod))[1]


def _pod_revision(pod: Obj) -> str:
    return str(((pod.get("metadata") or {}).get("labels") or {}).get(REVISION_LABEL, ""))


def retention_policy(sts: Obj) -> tuple[str, str]:
    """``(whenDeleted, whenScaled)``, each ``Retain`` unless set."""
    p = _spec(sts).get("persistentVolumeClaimRetentionPolicy") or {}
    return p.get("whenDeleted") or "Retain", p.get("whenScaled") or "Retain"


def claim_name(template: str, set_name: str, ordinal: int) -> str:
    return f"{template}-{set_name}-{ordinal}"


# --------------------------------------------------------------------------------- pods and claims

def _desired_claims(sts: Obj, ordinal: int) -> list[dict[str, Any]]:
    """getPersistentVolumeClaims: template copies named per ordinal, labels merged with matchLabels."""
    match = dict((_spec(sts).get("selector") or {}).get("matchLabels") or {})
    out = []
    for tmpl in _spec(sts).get("volumeClaimTemplates") or ():
        claim = thaw(tmpl)
        claim.pop("status", None)
        md = claim.setdefault("metadata", {})
        md["name"] = claim_name(md.get("name", ""), _name(sts), ordinal)
        md["namespace"] = _ns(sts)
        md["labels"] = {**md["labels"], **match} if md.get("labels") is not None else dict(match)
        out.append({"apiVersion": "v1", "kind": "PersistentVolumeClaim", **claim})
    return out


def template_name(tmpl: Obj) -> str:
    """A claim template's name ("" when it has none: upstream does not validate the templates)."""
    return str((tmpl.get("metadata") or {}).get("name") or "")


def _claim_names(sts: Obj, ordinal: int) -> list[str]:
    """The names of :func:`_desired_claims` without building the claims."""
    set_name = _name(sts)
    return [claim_name(template_name(t), set_name, ordinal) for t in _spec(sts).get("volumeClaimTemplates") or ()]


def update_storage(sts: Obj, pod: Obj) -> dict[str, Any]:
    """The pod with one PVC volume per claim template (same-named template volumes replaced)."""
    out: dict[str, Any] = thaw(pod)
    ordinal = _pod_ordinal(pod)
    templates = [template_name(t) for t in _spec(sts).get("volumeClaimTemplates") or ()]
    spec = out.setdefault("spec", {})
    volumes = [{"name": t, "persistentVolumeClaim": {"claimName": claim_name(t, _name(sts), ordinal)}}
               for t in templates]
    volumes += [v for v in spec.get("volumes") or () if v.get("name") not in templates]
    if volumes:
        spec["volumes"] = volumes
    return out


def update_identity(sts: Obj, pod: Obj) -> dict[str, Any]:
    """updateIdentity: name, namespace, pod-name and pod-index labels (hostname is immutable)."""
    out: dict[str, Any] = thaw(pod)
    ordinal = _pod_ordinal(pod)
    md = out.setdefault("metadata", {})
    md["name"] = f"{_name(sts)}-{ordinal}"
    md["namespace"] = _ns(sts)
    labels = md.setdefault("labels", {})
    labels[POD_NAME_LABEL] = md["name"]
    labels[POD_INDEX_LABEL] = str(ordinal)
    return out


def identity_matches(sts: Obj, pod: Obj) -> bool:
    """Name ``<set>-<ordinal>``, the set's namespace, and the pod-name label equal to the name."""
    parent, ordinal = pu.get_parent_and_ordinal(_name(pod))
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return (ordinal >= 0 and parent == _name(sts) and _name(pod) == f"{_name(sts)}-{ordinal}"
            and _ns(pod) == _ns(sts) and labels.get(POD_NAME_LABEL) == _name(pod))


def storage_matches(sts: Obj, pod: Obj) -> bool:
    """Every claim template has a pod volume of that name pointing at ``<tmpl>-<set>-<ordinal>``."""
    ordinal = _pod_ordinal(pod)
    if ordinal < 0:
        return False
    volumes = {v.get("name"): v for v in (pod.get("spec") or {}).get("volumes") or ()}
    for tmpl in _spec(sts).get("volumeClaimTemplates") or ():
        t = template_name(tmpl)
        pvc = (volumes.get(t) or {}).get("persistentVolumeClaim")
        if not pvc or pvc.get("claimName") != claim_name(t, _name(sts), ordinal):
            return False
    return True


def _pod_from_set(sts: Obj, ordinal: int) -> dict[str, Any]:
    """newStatefulSetPod: GetPodFromTemplate + initIdentity + updateStorage."""
    tmpl = _spec(sts).get("template") or {}
    tmd = tmpl.get("metadata") or {}
    name = f"{_name(sts)}-{ordinal}"
    meta: dict[str, Any] = {"name": name, "generateName": f"{_name(sts)}-", "namespace": _ns(sts),
                            "labels": {**(tmd.get("labels") or {}), POD_NAME_LABEL: name,
                                       POD_INDEX_LABEL: str(ordinal)}}
    if tmd.get("annotations"):
        meta["annotations"] = dict(tmd["annotations"])
    if tmd.get("finalizers"):
        meta["finalizers"] = list(tmd["finalizers"])
    meta["ownerReferences"] = [set_owner_ref(sts)]
    spec = thaw(tmpl.get("spec") or {})
    spec["hostname"] = name
    if _spec(sts).get("serviceName"):
        spec["subdomain"] = _spec(sts)["serviceName"]
    return update_storage(sts, {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec})


def new_pod(sts: Obj, ordinal: int, revision: Obj | None) -> dict[str, Any]:
    """The pod for ``ordinal`` at ``revision`` (template from the revision, revision-name label)."""
    source = apply_revision(sts, revision) if revision is not None and "data" in revision else sts
    pod = _pod_from_set(source, ordinal)
    if revision is not None:
        pod["metadata"]["labels"][REVISION_LABEL] = _name(revision)
    return pod


def _uses_current_revision(sts: Obj, ordinal: int) -> bool:
    """newVersionedStatefulSetPod's choice: below the partition the current revision, else the update one."""
    strategy = _spec(sts).get("updateStrategy") or {}
    ru = strategy.get("rollingUpdate")
    start = _start(sts)
    # Same operator precedence as upstream: the partition clause does not re-check the type.
    current_count = int((sts.get("status") or {}).get("currentReplicas") or 0)
    return ((strategy.get("type", "RollingUpdate") == "RollingUpdate" and ru is None
             and ordinal < start + current_count)
            or (ru is not None and ordinal < start + int(ru.get("partition") or 0)))


def versioned_pod(current_set: Obj, update_set: Obj, current_name: str, update_name: str,
                  ordinal: int) -> dict[str, Any]:
    """newVersionedStatefulSetPod: below the partition the current revision, else the update one."""
    use_current = _uses_current_revision(current_set, ordinal)
    pod = _pod_from_set(current_set if use_current else update_set, ordinal)
    pod["metadata"]["labels"][REVISION_LABEL] = current_name if use_current else update_name
    return pod


# ---------------------------------------------------------------------------- claim ownerRefs (§4)

def _pod_ref(pod: Obj) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "name": _name(pod), "uid": _uid(pod),
            "controller": True, "blockOwnerDeletion": True}


def _matches(ref: Obj, api: str, kind: str, name: str) -> bool:
    return ref.get("apiVersion") == api and ref.get("kind") == kind and ref.get("name") == name


def _refs(claim: Obj) -> list[Obj]:
    return list((claim.get("metadata") or {}).get("ownerReferences") or ())


def _has_ref(claim: Obj, owner: Obj) -> bool:
    return any(r.get("uid") == _uid(owner) for r in _refs(claim))


def _stale(claim: Obj, owner: Obj, api: str, kind: str) -> bool:
    for r in _refs(claim):
        if _matches(r, api, kind, _name(owner)):
            return r.get("uid") != _uid(owner)
    return False


def _unexpected_controller(claim: Obj, sts: Obj, pod: Obj) -> bool:
    if retention_policy(sts) == ("Retain", "Retain"):
        return False
    for r in _refs(claim):
        if _matches(r, "apps/v1", "StatefulSet", _name(sts)):
            if r.get("uid") != _uid(sts):
                return True
            continue
        if _matches(r, "v1", "Pod", _name(pod)):
            if r.get("uid") != _uid(pod):
                return True
            continue
        if r.get("controller"):
            return True
    return False


def is_claim_owner_up_to_date(claim: Obj, sts: Obj, pod: Obj) -> bool:
    """isClaimOwnerUpToDate: the claim's refs to set/pod agree with the retention policy."""
    if _stale(claim, sts, "apps/v1", "StatefulSet") or _stale(claim, pod, "v1", "Pod"):
        return True  # managed by a previous incarnation: leave it to the garbage collector
    if _unexpected_controller(claim, sts, pod):
        return not (_has_ref(claim, sts) or _has_ref(claim, pod))
    if any(r.get("uid") in (_uid(sts), _uid(pod)) and not r.get("controller") for r in _refs(claim)):
        return False
    when_deleted, when_scaled = retention_policy(sts)
    scaled_down = not _in_range(sts, _pod_ordinal(pod))
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
    unexpected = _unexpected_controller(claim, sts, pod)
    refs = [dict(r) for r in _refs(claim) if not (_matches(r, "apps/v1", "StatefulSet", _name(sts))
                                               or _matches(r, "v1", "Pod", _name(pod)))]
    if not unexpected:
        when_deleted, when_scaled = retention_policy(sts)
        scaled_down = not _in_range(sts, _pod_ordinal(pod))
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
    return [update_claim_owner_refs(c, sts, pod) for c in _desired_claims(sts, ordinal)]


def claims_match_retention_policy(sts: Obj, pod: Obj, claims: Mapping[str, Obj]) -> bool:
    """ClaimsMatchRetentionPolicy over the existing claims (missing ones are skipped)."""
    for name in _claim_names(sts, _pod_ordinal(pod)):
        existing = claims.get(name)
        if existing is not None and not is_claim_owner_up_to_date(existing, sts, pod):
            return False
    return True


# ------------------------------------------------------------------------------------------ status

class _Facts(NamedTuple):
    """What the planner asks of a pod, computed once per pod object (see :class:`PlanMemo`)."""

    created: bool
    running_ready: bool
    terminating: bool
    revision: str
    ready: bool                  # the Ready condition is True
    ready_since: float | None    # its lastTransitionTime (epoch seconds), when it has one

    def available(self, min_ready: int, now: float) -> bool:
        """``IsPodAvailable``: ready, and ready since strictly more than ``min_ready`` seconds."""
        return self.ready and (min_ready == 0 or (self.ready_since is not None and self.ready_since + min_ready < now))

    def unavailable(self, min_ready: int, now: float) -> bool:
        """``isUnavailable``: not healthy, or not yet available (placeholders count)."""
        return not self.running_ready or self.terminating or not self.available(min_ready, now)


def _facts(pod: Obj) -> _Facts:
    ready = pu.is_pod_ready(pod)
    since = (pu.pod_ready_condition(pod) or {}).get("lastTransitionTime") if ready else None
    return _Facts(pu.is_created(pod), pu.is_running_and_ready(pod), pu.is_terminating(pod), _pod_revision(pod),
                  ready, pu.parse_time(since) if since else None)


def _count_status(facts: Iterable[_Facts], current: str, update: str, min_ready: int, now: float
                  ) -> dict[str, int]:
    """computeReplicaStatus over the pods' facts (placeholders count for nothing)."""
    replicas = ready = available = current_n = updated = 0
    for f in facts:
        replicas += f.created
        if f.running_ready:
            ready += 1
            available += f.available(min_ready, now)
        if f.created and not f.terminating:
            current_n += f.revision == current
            updated += f.revision == update
    return {"replicas": replicas, "readyReplicas": ready, "availableReplicas": available,
            "currentReplicas": current_n, "updatedReplicas": updated}


class PlanMemo:
    """What the planner learned about one StatefulSet's pods, kept by the caller between plans.

    Stored objects are immutable snapshots, so a verdict on a pod holds for as long as the very same
    pod object comes back (checked by identity, keyed by pod name): its facts (phase, readiness and
    since when, revision), and "the replica pass has nothing to do for it" while its claims'
    existence, deletion and ownerReferences, the set's generation and its update revision are also
    unchanged (that verdict is only kept once the pod is available, which later times do not undo).
    Placeholders for missing ordinals and claim names are kept per version of the set.
    A plan with a memo equals one without.
    """

    def __init__(self) -> None:
        self.facts: dict[str, tuple[Obj, _Facts]] = {}
        self.steady: dict[str, tuple[Obj, tuple[Any, ...], tuple[Any, ...]]] = {}
        # Valid for one version of the set (uid, generation, current and update revision):
        self.version: tuple[Any, ...] = ()
        self.placeholders: dict[tuple[int, str], dict[str, Any]] = {}
        self.claim_names: dict[int, tuple[str, ...]] = {}

    def begin(self, version: tuple[Any, ...]) -> None:
        """Start a plan of the set at ``version``: what was built for another version is dropped."""
        if version != self.version:
            self.version, self.placeholders, self.claim_names = version, {}, {}

    def forget_all_but(self, pods: Sequence[Obj]) -> None:
        """Drop what was learned about pods (and placeholders) that are gone."""
        if len(self.facts) <= len(pods) and len(self.steady) <= len(pods):
            return
        names = {_name(p) for p in pods}
        for table in (self.facts, self.steady):
            for name in [n for n in table if n not in names]:
                del table[name]


@dataclass
class Plan:
    """The ordered writes of one sync and the status to write after them.

    ``status`` assumes every action succeeds; after a failure at index ``k`` write
    ``status_after(k)`` (upstream does not count an update deletion that failed). ``requeue_after``
    (seconds) is set when minReadySeconds > 0 and not every replica is available yet.
    """

    actions: list[Action]
    status: dict[str, Any]
    requeue_after: float | None = None
    _base: dict[str, Any] = field(default_factory=dict, repr=False)
    _complete_for: int | None = field(default=None, repr=False)

    def status_after(self, succeeded: int) -> dict[str, Any]:
        """The status if only the first ``succeeded`` actions were applied."""
        deletions = sum(1 for a in self.actions[:succeeded] if isinstance(a, DeletePod) and a.reason == "Update")
        return _finish_status(self._base, deletions, self._complete_for)


def _finish_status(base: Mapping[str, Any], update_deletions: int, complete_for: int | None) -> dict[str, Any]:
    """Decrement currentReplicas per update deletion, apply completeRollingUpdate, drop Go-omitted zeros."""
    s = dict(base)
    s["currentReplicas"] -= update_deletions
    if (complete_for is not None and s["updatedReplicas"] == complete_for
            and s["readyReplicas"] == complete_for and s["replicas"] == complete_for):
        s["currentReplicas"] = s["updatedReplicas"]
        s["currentRevision"] = s["updateRevision"]
    out: dict[str, Any] = {}
    if s["observedGeneration"]:
        out["observedGeneration"] = s["observedGeneration"]
    out["replicas"] = s["replicas"]
    for k in ("readyReplicas", "currentReplicas", "updatedReplicas", "currentRevision", "updateRevision"):
        if s[k]:
            out[k] = s[k]
    out["collisionCount"] = s["collisionCount"]
    out["availableReplicas"] = s["availableReplicas"]
    return out


# ----------------------------------------------------------------------------------------- planner

class _ClaimTable(dict[str, Obj]):
    """The claims the planner knows: those it plans to write, over the stored ones (by name)."""

    def __init__(self, stored: Mapping[str, Obj]) -> None:
        super().__init__()
        self.stored = stored

    def __missing__(self, name: str) -> Obj:
        return self.stored[name]

    def __contains__(self, name: object) -> bool:
        return dict.__contains__(self, name) or name in self.stored

    def get(self, name: str, default: Any = None) -> Any:
        if dict.__contains__(self, name):
            return dict.__getitem__(self, name)
        return self.stored.get(name, default)


class _Planner:
    """One pass of updateStatefulSet over an immutable snapshot; collects actions."""

    def __init__(self, sts: Obj, pods: Sequence[Obj], claims: Sequence[Obj] | Mapping[str, Obj], rp: RevisionPlan,
                 now: Now, gate: bool, memo: PlanMemo | None = None) -> None:
        self.sts, self.pods, self.rp, self.now, self.gate = sts, pods, rp, now, gate
        self.set_name = _name(sts)
        self.current_name, self.update_name = _name(rp.current), _name(rp.update)
        self.claims: dict[str, Obj] = (_ClaimTable(claims) if isinstance(claims, Mapping)
                                       else {_name(c): c for c in claims})
        self.min_ready = int(_spec(sts).get("minReadySeconds") or 0)
        self.monotonic = _spec(sts).get("podManagementPolicy") != "Parallel"
        self.actions: list[Action] = []
        self.batch = 0
        self.memo = memo
        self.now_s = pu.to_seconds(now)
        self.claim_templates = bool(_spec(sts).get("volumeClaimTemplates"))
        md = sts.get("metadata") or {}
        self.context = (md.get("uid"), md.get("generation"), self.update_name, self.min_ready, self.monotonic)
        self.claim_names: dict[int, tuple[str, ...]] = {}   # per ordinal, shared through the memo
        if memo is not None:
            memo.begin((md.get("uid"), md.get("generation"), self.current_name, self.update_name))
            self.claim_names = memo.claim_names

    # -- helpers
    @cached_property
    def current_set(self) -> dict[str, Any]:
        return apply_revision(self.sts, self.rp.current)

    @cached_property
    def update_set(self) -> dict[str, Any]:
        return apply_revision(self.sts, self.rp.update)

    def placeholder(self, ordinal: int) -> Obj:
        """The in-memory pod for a missing ordinal (:func:`versioned_pod`), remembered per revision."""
        memo = self.memo
        if memo is None:
            return versioned_pod(self.current_set, self.update_set, self.current_name, self.update_name, ordinal)
        use_current = _uses_current_revision(self.sts, ordinal)
        key = (ordinal, self.current_name if use_current else self.update_name)
        pod = memo.placeholders.get(key)
        if pod is None:
            pod = memo.placeholders[key] = versioned_pod(self.current_set, self.update_set, self.current_name,
                                                         self.update_name, ordinal)
        return pod

    def facts(self, pod: Obj) -> _Facts:
        memo = self.memo
        if memo is None:
            return _facts(pod)
        name = pod["metadata"]["name"]
        hit = memo.facts.get(name)
        if hit is not None and hit[0] is pod:
            return hit[1]
        f = _facts(pod)
        memo.facts[name] = (pod, f)   # placeholders too: they are kept in the memo as well
        return f

    def unavailable(self, pod: Obj) -> bool:
        return self.facts(pod).unavailable(self.min_ready, self.now_s)

    def claim_facts(self, pod: Obj) -> tuple[Any, ...]:
        """What the replica pass reads of the pod's claims: whether each exists, is being deleted,
        and its ownerReferences (binding and annotations do not matter to it)."""
        if not self.claim_templates:
            return ()
        ordinal = _pod_ordinal(pod)
        names = self.claim_names.get(ordinal)
        if names is None:
            names = self.claim_names[ordinal] = tuple(_claim_names(self.sts, ordinal))
        out = []
        for n in names:
            c = self.claims.get(n)
            md = c.get("metadata") or {} if c is not None else None
            out.append(None if md is None else (md.get("uid"), md.get("deletionTimestamp"), md.get("ownerReferences")))
        return tuple(out)

    def run_for_all(self, n: int, fn: Callable[[int], bool]) -> bool:
        """runForAll: sequential with blocking (monotonic) or slow-start batches 1, 2, 4... (Parallel)."""
        if self.monotonic:
            for i in range(n):
                self.batch += 1
                if fn(i):
                    return True
            return False
        i, size = 0, min(n, 1)
        while size > 0:
            self.batch += 1
            for k in range(i, i + size):
                fn(k)
            i += size
            size = min(2 * size, n - i, MAX_BATCH_SIZE)
        return False

    def ensure_claims(self, pod: Obj, pod_verb: str | None) -> bool:
        """createPersistentVolumeClaims: create missing claims; False (after FailSync) if one is deleting."""
        errors = []
        ordinal = _pod_ordinal(pod)
        names = _claim_names(self.sts, ordinal)
        if all(n in self.claims for n in names) and not any(
                (self.claims[n].get("metadata") or {}).get("deletionTimestamp") is not None for n in names):
            return True  # nothing to create, nothing being deleted: skip building the claims
        for claim in new_claims(self.update_set, ordinal, pod):
            name = _name(claim)
            existing = self.claims.get(name)
            if existing is None:
                self.actions.append(CreateClaim(claim, self.set_name, _name(pod),
                                                _claim_event("create", name, _name(pod), self.set_name),
                                                pod_verb, self.batch))
                self.claims[name] = claim
            elif (existing.get("metadata") or {}).get("deletionTimestamp") is not None:
                errors.append(f"pvc {name} is being deleted")
        if not errors:
            return True
        err = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        event = _pod_event(pod_verb, _name(pod), self.set_name, err) if pod_verb else None
        self.actions.append(FailSync(err, self.set_name, event, self.batch))
        return False

    def fix_claim_refs(self, pod: Obj, pod_verb: str | None) -> None:
        """UpdatePodClaimForRetentionPolicy over the existing claims of ``pod``."""
        for name in _claim_names(self.update_set, _pod_ordinal(pod)):
            existing = self.claims.get(name)
            if existing is None or is_claim_owner_up_to_date(existing, self.update_set, pod):
                continue
            warnings: tuple[Event, ...] = ()
            if _unexpected_controller(existing, self.update_set, pod):
                warnings = (Event("Warning", "ConflictingController",
                                  f"PersistentVolumeClaim {_name(existing)} has a conflicting OwnerReference "
                                  "that acts as a manging controller, the retention policy is ignored for "
                                  "this claim"),)
            updated = update_claim_owner_refs(existing, self.update_set, pod)
            self.actions.append(UpdateClaim(updated, self.set_name, _name(pod), pod_verb, warnings, self.batch))
            self.claims[_name(updated)] = updated

    def claim_is_stale(self, pod: Obj) -> bool:
        if retention_policy(self.sts)[1] == "Retain":
            return False
        for name in _claim_names(self.sts, _pod_ordinal(pod)):
            existing = self.claims.get(name)
            if existing is not None and _stale(existing, pod, "v1", "Pod"):
                return True
        return False

    def delete(self, pod: Obj, reason: str) -> None:
        self.actions.append(DeletePod(_name(pod), _uid(pod), reason, self.set_name,
                                      _pod_event("delete", _name(pod), self.set_name), self.batch))

    # -- passes
    def process_replica(self, pod: Obj) -> bool:
        memo = self.memo
        if memo is None:
            return self._process_replica(pod)
        name = pod["metadata"]["name"]
        hit = memo.steady.get(name)
        if hit is not None and hit[0] is pod and hit[1] == self.context and (
                not hit[2] or hit[2] == self.claim_facts(pod)):
            return False
        planned = len(self.actions)
        blocked = self._process_replica(pod)
        if not blocked and len(self.actions) == planned and pu.is_created(pod):
            memo.steady[name] = (pod, self.context, self.claim_facts(pod))
        return blocked

    def _process_replica(self, pod: Obj) -> bool:
        if pu.is_failed(pod) or pu.is_succeeded(pod):
            if not pu.is_terminating(pod):
                self.delete(pod, "Failed" if pu.is_failed(pod) else "Succeeded")
            return True  # the replacement is created once the old object is gone
        if not pu.is_created(pod):
            if self.claim_is_stale(pod):
                return True
            if not self.ensure_claims(pod, "create"):
                return True
            self.actions.append(CreatePod(thaw(pod), self.set_name,
                                          _pod_event("create", _name(pod), self.set_name), self.batch))
            self.fix_claim_refs(pod, "update")
            return self.monotonic
        if pu.is_pending(pod):
            if not self.ensure_claims(pod, None):
                return True
            self.fix_claim_refs(pod, "update")
        if self.monotonic and (pu.is_terminating(pod) or not pu.is_running_and_ready(pod)
                               or not pu.is_running_and_available(pod, self.min_ready, self.now)):
            return True
        retention_ok = claims_match_retention_policy(self.update_set, pod, self.claims)
        identity_ok, storage_ok = identity_matches(self.sts, pod), storage_matches(self.sts, pod)
        if identity_ok and storage_ok and retention_ok:
            return False
        return self.update_pod(pod, identity_ok, storage_ok, retention_ok)

    def update_pod(self, pod: Obj, identity_ok: bool, storage_ok: bool, retention_ok: bool) -> bool:
        """UpdateStatefulPod: fix identity/storage, create missing claims, fix claim refs, write the pod."""
        new: dict[str, Any] = thaw(pod)
        if not identity_ok:
            new = update_identity(self.update_set, new)
        if not storage_ok:
            new = update_storage(self.update_set, new)
            if not self.ensure_claims(new, "update"):
                return True
        if not retention_ok:
            self.fix_claim_refs(new, "update")
        self.actions.append(UpdatePod(new, self.set_name, _pod_event("update", _name(new), self.set_name),
                                      self.batch))
        return False

    def process_condemned(self, pod: Obj, first_unavailable: str | None) -> bool:
        if pu.is_terminating(pod):
            return self.monotonic
        if self.monotonic and _name(pod) != first_unavailable and self.unavailable(pod):
            return True
        self.delete(pod, "ScaleDown")
        return True

    def rolling_update(self, replicas: Sequence[Obj]) -> None:
        ru = (_spec(self.sts).get("updateStrategy") or {}).get("rollingUpdate")
        update_min = int(ru.get("partition") or 0) if ru is not None else 0
        if self.gate:
            self.rolling_update_max_unavailable(replicas, update_min, ru)
            return
        self.batch += 1
        for target in range(len(replicas) - 1, update_min - 1, -1):
            pod = replicas[target]
            f = self.facts(pod)
            if f.revision != self.update_name and not f.terminating:
                self.delete(pod, "Update")
                return
            if f.unavailable(self.min_ready, self.now_s):
                return

    def rolling_update_max_unavailable(self, replicas: Sequence[Obj], update_min: int,
                                       ru: Obj | None) -> None:
        """updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet gate)."""
        max_unavailable = 1
        if ru is not None:
            max_unavailable = _scaled_max_unavailable(ru.get("maxUnavailable"), _replicas(self.sts))
        unavailable = sum(1 for p in replicas if self.unavailable(p))
        if unavailable >= max_unavailable:
            return
        budget = max_unavailable - unavailable
        self.batch += 1
        for target in range(len(replicas) - 1, update_min - 1, -1):
            if budget <= 0:
                return
            pod = replicas[target]
            if _pod_revision(pod) != self.update_name and not pu.is_terminating(pod):
                self.delete(pod, "Update")
                budget -= 1

    def run(self) -> Plan:
        sts, start, n = self.sts, _start(self.sts), _replicas(self.sts)
        slots: list[Obj | None] = [None] * n
        condemned: list[Obj] = []
        for pod in self.pods:
            ordinal = pu.get_ordinal(self.set_name, _name(pod))
            if start <= ordinal < start + n:
                slots[ordinal - start] = pod
            elif ordinal >= 0:
                condemned.append(pod)
        replicas = [p if p is not None else self.placeholder(start + i) for i, p in enumerate(slots)]
        condemned.sort(key=_pod_ordinal, reverse=True)
        first_unavailable = next((_name(p) for p in [*replicas, *reversed(condemned)]
                                  if self.unavailable(p)), None)
        status_pods: Sequence[Obj] = [*replicas, *condemned]
        if (sts.get("metadata") or {}).get("deletionTimestamp") is None:
            self.plan_writes(replicas, condemned, first_unavailable)
        else:
            status_pods = self.pods
        if self.memo is not None:
            self.memo.forget_all_but([*replicas, *condemned])
        return self.build(status_pods)

    def plan_writes(self, replicas: Sequence[Obj], condemned: list[Obj], first: str | None) -> None:
        if self.run_for_all(len(replicas), lambda i: self.process_replica(replicas[i])):
            return
        if self.run_for_all(len(condemned), lambda i: self.fix_condemned_claims(condemned[i])):
            return
        if self.run_for_all(len(condemned), lambda i: self.process_condemned(condemned[i], first)):
            return
        if (_spec(self.sts).get("updateStrategy") or {}).get("type") == "OnDelete":
            return
        self.rolling_update(replicas)

    def fix_condemned_claims(self, pod: Obj) -> bool:
        if not claims_match_retention_policy(self.update_set, pod, self.claims):
            self.fix_claim_refs(pod, None)
        return False

    def build(self, status_pods: Sequence[Obj]) -> Plan:
        base: dict[str, Any] = {
            "observedGeneration": int((self.sts.get("metadata") or {}).get("generation") or 0),
            "currentRevision": self.current_name, "updateRevision": self.update_name,
            "collisionCount": self.rp.collision_count,
            **_count_status(map(self.facts, status_pods), self.current_name, self.update_name, self.min_ready,
                            self.now_s),
        }
        rolling = (_spec(self.sts).get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
        complete_for = _replicas(self.sts) if rolling else None
        p = Plan(self.actions, {}, None, base, complete_for)
        p.status = p.status_after(len(self.actions))
        if self.min_ready > 0 and p.status["availableReplicas"] != _replicas(self.sts):
            p.requeue_after = float(self.min_ready)
        return p


def _scaled_max_unavailable(value: Any, replicas: int) -> int:
    """getStatefulSetMaxUnavailable: int or percentage rounded down, default 1, at least 1."""
    if value is None:
        n = 1
    elif isinstance(value, str) and value.endswith("%"):
        n = int(value[:-1]) * replicas // 100
    else:
        n = int(value)
    return max(n, 1)


def plan(sts: Obj, pods: Sequence[Obj], claims: Sequence[Obj] | Mapping[str, Obj], revisions_plan: RevisionPlan,
         now: Now, *, max_unavailable_gate: bool = False, memo: PlanMemo | None = None) -> Plan:
    """Plan one sync of StatefulSet ``sts``.

    ``pods``: the set's pods (owned, selector-matching; others with unparsable ordinals are ignored);
    ``claims``: PVCs in the set's namespace (at least those named by its templates), or a mapping
    name -> PVC of the namespace;
    ``revisions_plan``: from :func:`simk8s.logic.revisions.compute_revisions`, already written;
    ``now``: the current time (epoch seconds or datetime) for minReadySeconds;
    ``memo``: a :class:`PlanMemo` the caller keeps for this set between plans (same plan, less work).
    """
    return _Planner(sts, pods, claims, revisions_plan, now, max_unavailable_gate, memo).run()
