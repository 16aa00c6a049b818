"""StatefulSet reconcile planning: pods, claims and status from one snapshot, as upstream decides them.

One call of :func:`plan` is one pass of upstream ``updateStatefulSet`` (``stateful_set_control.go``):
it partitions pods into in-range replicas (with in-memory placeholders for missing ordinals) and
condemned pods, then runs the replica pass, the condemned-claim ownerRef pass, the condemned (scale
down) pass and the rolling-update pass, and returns the writes as an ordered list of actions plus the
status the controller writes afterwards. The controller applies actions in order and stops at the
first failure (recording ``failure_events``), then writes ``plan.status_after(n_succeeded)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from functools import cached_property
from itertools import chain
from typing import Any

import simk8s.api.meta as meta
from simk8s.api.frozen import thaw
from simk8s.logic import podutil as pu
from simk8s.logic.revisions import RevisionPlan, apply_revision
from simk8s.logic.statefulset.actions import (
    Action,
    CreateClaim,
    CreatePod,
    DeletePod,
    Event,
    FailSync,
    UpdateClaim,
    UpdatePod,
    claim_event,
    pod_event,
)
from simk8s.logic.statefulset.identity import (
    claim_names_of,
    identity_matches,
    pod_ordinal,
    pod_revision,
    replica_count,
    spec_of,
    start_ordinal,
    storage_matches,
    update_identity,
    update_storage,
    uses_current_revision,
    versioned_pod,
)
from simk8s.logic.statefulset.memo import PlanMemo
from simk8s.logic.statefulset.retention import (
    claims_match_retention_policy,
    is_claim_owner_up_to_date,
    new_claims,
    retention_policy,
    stale_ref,
    unexpected_controller,
    update_claim_owner_refs,
)
from simk8s.logic.statefulset.status import Plan, PodFacts, count_status, next_availability, pod_facts

__all__ = ["BURST_PODS", "MAX_BATCH_SIZE", "plan"]

MAX_BATCH_SIZE = 500
# Pods one Parallel plan creates at most (deviation: upstream's slowStartBatch goes on to the end, so
# a set of 2**31 - 1 replicas would never finish a sync; ReplicaSets cap creates at burstReplicas, 500).
# The controller sends them at its client's rate (20 a second after a burst of 30), as upstream's does.
BURST_PODS = 500

Obj = Mapping[str, Any]
Now = float | datetime | str


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


class _Replicas:
    """The in-range replicas by position (ordinal - start): the stored pod, or else a placeholder,
    built when a pass first reads it. A set may ask for 2**31 - 1 replicas: only its pods and the
    placeholders the passes read exist."""

    def __init__(self, n: int, start: int, stored: dict[int, Obj], placeholder: Callable[[int], Obj]) -> None:
        self.n, self.start, self.stored, self.placeholder = n, start, stored, placeholder
        self.built: dict[int, Obj] = {}

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Obj:
        pod = self.stored.get(i)
        if pod is None:
            pod = self.built.get(i)
            if pod is None:
                pod = self.built[i] = self.placeholder(self.start + i)
        return pod

    def __iter__(self) -> Iterator[Obj]:
        return (self[i] for i in range(self.n))

    def read(self) -> list[Obj]:
        """The stored pods and the placeholders read so far (placeholders count for nothing in the status)."""
        return [*self.stored.values(), *self.built.values()]


class _Planner:
    """One pass of updateStatefulSet over an immutable snapshot; collects actions."""

    def __init__(self, sts: Obj, pods: Sequence[Obj], claims: Sequence[Obj] | Mapping[str, Obj], rp: RevisionPlan,
                 now: Now, gate: bool, memo: PlanMemo | None = None) -> None:
        self.sts, self.pods, self.rp, self.now, self.gate = sts, pods, rp, now, gate
        self.set_name = meta.name(sts)
        self.current_name, self.update_name = meta.name(rp.current), meta.name(rp.update)
        self.claims: dict[str, Obj] = (_ClaimTable(claims) if isinstance(claims, Mapping)
                                       else {meta.name(c): c for c in claims})
        self.min_ready = int(spec_of(sts).get("minReadySeconds") or 0)
        self.monotonic = spec_of(sts).get("podManagementPolicy") != "Parallel"
        self.actions: list[Action] = []
        self.batch = 0
        self.creates = 0   # CreatePod actions planned
        self.memo = memo
        self.now_s = pu.to_seconds(now)
        self.claim_templates = bool(spec_of(sts).get("volumeClaimTemplates"))
        md = meta.metadata(sts)
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
        use_current = uses_current_revision(self.sts, ordinal)
        key = (ordinal, self.current_name if use_current else self.update_name)
        pod = memo.placeholders.get(key)
        if pod is None:
            pod = memo.placeholders[key] = versioned_pod(self.current_set, self.update_set, self.current_name,
                                                         self.update_name, ordinal)
        return pod

    def facts(self, pod: Obj) -> PodFacts:
        memo = self.memo
        if memo is None:
            return pod_facts(pod)
        name = pod["metadata"]["name"]
        hit = memo.facts.get(name)
        if hit is not None and hit[0] is pod:
            return hit[1]
        f = pod_facts(pod)
        memo.facts[name] = (pod, f)   # placeholders too: they are kept in the memo as well
        return f

    def unavailable(self, pod: Obj) -> bool:
        return self.facts(pod).unavailable(self.min_ready, self.now_s)

    def claim_facts(self, pod: Obj) -> tuple[Any, ...]:
        """What the replica pass reads of the pod's claims: whether each exists, is being deleted,
        and its ownerReferences (binding and annotations do not matter to it)."""
        if not self.claim_templates:
            return ()
        ordinal = pod_ordinal(pod)
        names = self.claim_names.get(ordinal)
        if names is None:
            names = self.claim_names[ordinal] = tuple(claim_names_of(self.sts, ordinal))
        out = []
        for n in names:
            c = self.claims.get(n)
            md = meta.metadata(c) if c is not None else None
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
                if self.creates >= BURST_PODS:
                    return True   # only once more than BURST_PODS ordinals were read: the rest next sync
                fn(k)
            i += size
            size = min(2 * size, n - i, MAX_BATCH_SIZE)
        return False

    def ensure_claims(self, pod: Obj, pod_verb: str | None) -> bool:
        """createPersistentVolumeClaims: create missing claims; False (after FailSync) if one is deleting."""
        errors = []
        ordinal = pod_ordinal(pod)
        names = claim_names_of(self.sts, ordinal)
        if all(n in self.claims for n in names) and not any(
                meta.deleting(self.claims[n]) for n in names):
            return True  # nothing to create, nothing being deleted: skip building the claims
        for claim in new_claims(self.update_set, ordinal, pod):
            name = meta.name(claim)
            existing = self.claims.get(name)
            if existing is None:
                self.actions.append(CreateClaim(claim, self.set_name, meta.name(pod),
                                                claim_event("create", name, meta.name(pod), self.set_name),
                                                pod_verb, self.batch))
                self.claims[name] = claim
            elif meta.deleting(existing):
                errors.append(f"pvc {name} is being deleted")
        if not errors:
            return True
        err = errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"
        event = pod_event(pod_verb, meta.name(pod), self.set_name, err) if pod_verb else None
        self.actions.append(FailSync(err, self.set_name, event, self.batch))
        return False

    def fix_claim_refs(self, pod: Obj, pod_verb: str | None) -> None:
        """UpdatePodClaimForRetentionPolicy over the existing claims of ``pod``."""
        for name in claim_names_of(self.update_set, pod_ordinal(pod)):
            existing = self.claims.get(name)
            if existing is None or is_claim_owner_up_to_date(existing, self.update_set, pod):
                continue
            warnings: tuple[Event, ...] = ()
            if unexpected_controller(existing, self.update_set, pod):
                warnings = (Event("Warning", "ConflictingController",
                                  f"PersistentVolumeClaim {meta.name(existing)} has a conflicting OwnerReference "
                                  "that acts as a manging controller, the retention policy is ignored for "
                                  "this claim"),)
            updated = update_claim_owner_refs(existing, self.update_set, pod)
            self.actions.append(UpdateClaim(updated, self.set_name, meta.name(pod), pod_verb, warnings, self.batch))
            self.claims[meta.name(updated)] = updated

    def claim_is_stale(self, pod: Obj) -> bool:
        if retention_policy(self.sts)[1] == "Retain":
            return False
        for name in claim_names_of(self.sts, pod_ordinal(pod)):
            existing = self.claims.get(name)
            if existing is not None and stale_ref(existing, pod, "v1", "Pod"):
                return True
        return False

    def delete(self, pod: Obj, reason: str) -> None:
        self.actions.append(DeletePod(meta.name(pod), meta.uid(pod), reason, self.set_name,
                                      pod_event("delete", meta.name(pod), self.set_name), self.batch))

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
            self.creates += 1
            self.actions.append(CreatePod(thaw(pod), self.set_name,
                                          pod_event("create", meta.name(pod), self.set_name), self.batch))
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
        self.actions.append(UpdatePod(new, self.set_name, pod_event("update", meta.name(new), self.set_name),
                                      self.batch))
        return False

    def process_condemned(self, pod: Obj, first_unavailable: str | None) -> bool:
        if pu.is_terminating(pod):
            return self.monotonic
        if self.monotonic and meta.name(pod) != first_unavailable and self.unavailable(pod):
            return True
        self.delete(pod, "ScaleDown")
        return True

    def rolling_update(self, replicas: _Replicas) -> None:
        ru = (spec_of(self.sts).get("updateStrategy") or {}).get("rollingUpdate")
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

    def rolling_update_max_unavailable(self, replicas: _Replicas, update_min: int,
                                       ru: Obj | None) -> None:
        """updateStatefulSetAfterInvariantEstablished (MaxUnavailableStatefulSet gate)."""
        max_unavailable = 1
        if ru is not None:
            max_unavailable = _scaled_max_unavailable(ru.get("maxUnavailable"), replica_count(self.sts))
        # Placeholders are unavailable.
        unavailable = sum(1 for p in replicas.stored.values() if self.unavailable(p)) + len(replicas) - len(
            replicas.stored)
        if unavailable >= max_unavailable:
            return
        budget = max_unavailable - unavailable
        self.batch += 1
        for target in range(len(replicas) - 1, update_min - 1, -1):
            if budget <= 0:
                return
            pod = replicas[target]
            if pod_revision(pod) != self.update_name and not pu.is_terminating(pod):
                self.delete(pod, "Update")
                budget -= 1

    def run(self) -> Plan:
        sts, start, n = self.sts, start_ordinal(self.sts), replica_count(self.sts)
        slots: dict[int, Obj] = {}
        condemned: list[Obj] = []
        for pod in self.pods:
            ordinal = pu.get_ordinal(self.set_name, meta.name(pod))
            if start <= ordinal < start + n:
                slots[ordinal - start] = pod
            elif ordinal >= 0:
                condemned.append(pod)
        replicas = _Replicas(n, start, slots, self.placeholder)
        condemned.sort(key=pod_ordinal, reverse=True)
        first_unavailable = next((meta.name(p) for p in chain(replicas, reversed(condemned))
                                  if self.unavailable(p)), None)
        deleting = meta.deleting(sts)
        if not deleting:
            self.plan_writes(replicas, condemned, first_unavailable)
        if self.memo is not None:
            self.memo.forget_all_but([*replicas.read(), *condemned])
        return self.build(self.pods if deleting else [*replicas.read(), *condemned])

    def plan_writes(self, replicas: _Replicas, condemned: list[Obj], first: str | None) -> None:
        if self.run_for_all(len(replicas), lambda i: self.process_replica(replicas[i])):
            return
        if self.run_for_all(len(condemned), lambda i: self.fix_condemned_claims(condemned[i])):
            return
        if self.run_for_all(len(condemned), lambda i: self.process_condemned(condemned[i], first)):
            return
        if (spec_of(self.sts).get("updateStrategy") or {}).get("type") == "OnDelete":
            return
        self.rolling_update(replicas)

    def fix_condemned_claims(self, pod: Obj) -> bool:
        if not claims_match_retention_policy(self.update_set, pod, self.claims):
            self.fix_claim_refs(pod, None)
        return False

    def build(self, status_pods: Sequence[Obj]) -> Plan:
        base: dict[str, Any] = {
            "observedGeneration": int(meta.metadata(self.sts).get("generation") or 0),
            "currentRevision": self.current_name, "updateRevision": self.update_name,
            "collisionCount": self.rp.collision_count,
            **count_status(map(self.facts, status_pods), self.current_name, self.update_name, self.min_ready,
                            self.now_s),
        }
        rolling = (spec_of(self.sts).get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate"
        complete_for = replica_count(self.sts) if rolling else None
        p = Plan(self.actions, {}, None, base, complete_for)
        p.status = p.status_after(len(self.actions))
        if self.min_ready > 0:
            if p.status["availableReplicas"] != replica_count(self.sts):
                p.requeue_after = float(self.min_ready)
            p.available_from = next_availability(map(self.facts, status_pods), self.min_ready, self.now_s)
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
