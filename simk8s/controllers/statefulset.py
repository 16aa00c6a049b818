"""The StatefulSet controller: adoption, revisions, and the upstream sync applied action by action.

All decisions come from ``logic.statefulset`` (pure: adoption, then the plan); this reconciler gathers
the set's pods, claims and ControllerRevisions, writes the adoptions, applies the planned actions in
order (stopping at the first that fails, as the upstream sync does), records the upstream events and
writes the status.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from simk8s.api.errors import AlreadyExists, ApiError, NotFound
from simk8s.api.frozen import FrozenDict, get_in
from simk8s.api.selectors import from_api
from simk8s.api.typed import PodView, StatefulSetView
from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.fastpaths import FAST
from simk8s.logic import revisions as rev_logic
from simk8s.logic import statefulset as sts_logic
from simk8s.logic.podutil import is_pod_ready
from simk8s.logic.statefulset.adoption import Adopt, Release, claim_pods, claim_revisions
from simk8s.store import WatchEvent
from simk8s.store.events import EventRecorder

__all__ = ["RESYNC_PERIOD", "StatefulSetController"]

#: Upstream registers its StatefulSet handler with a 30 s resync period (``statefulSetResyncPeriod``):
#: every set is synced again every 30 s from the controller's start, with or without a change.
#: A resync can only change something when time alone changes a sync's outcome, which for a set is
#: a Ready pod passing its minReadySeconds; so the simulation keeps just those ticks (the first one
#: after that moment) and a cluster with nothing pending still settles.
RESYNC_PERIOD = 30.0


@dataclass
class _Batch:
    """One sync's plan (from the set as that sync read it) and how far its writes went. Upstream's
    sync waits in the client's rate limiter before each write; here a sync short of tokens keeps its
    batch and goes on with it when the controller looks again."""

    sts: FrozenDict
    plan: sts_logic.Plan
    rev_plan: rev_logic.RevisionPlan
    next: int = 0   # the next action to send
    done: int = 0   # actions applied


class StatefulSetController(Controller):
    name = "statefulset-controller"
    watch_kinds = frozenset(('StatefulSet', 'Pod', 'ControllerRevision', 'PersistentVolumeClaim'))
    min_interval = 0.1

    def __init__(self, core: Core) -> None:
        self.recorder = EventRecorder(core.store, "statefulset-controller")
        # Pods by the uid of their controller (None: orphans), as the watch delivers them.
        self.by_owner: dict[str | None, dict[tuple[str, str], FrozenDict]] = {}
        self.pod_owner: dict[tuple[str, str], str | None] = {}
        self._sorted: dict[str | None, list[tuple[str, str]]] = {}
        self._matches: dict[tuple[str, str], tuple[FrozenDict, str, bool]] = {}
        self.memos: dict[tuple[str, str], tuple[str, sts_logic.PlanMemo]] = {}
        self._rev_plans: dict[tuple[str, str], tuple[tuple[Any, ...], tuple[FrozenDict, ...], Any]] = {}
        self.max_unavailable_gate = bool(core.feature_gates["MaxUnavailableStatefulSet"])
        self._batches: dict[Hashable, _Batch] = {}
        super().__init__(core)

    # ------------------------------------------------------------------------------ wiring
    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        kind = ev.kind.kind
        meta = ev.obj["metadata"]
        ns = meta.get("namespace", "")
        if kind == "StatefulSet":
            return ((ns, meta["name"]),)
        if kind == "Pod":
            self._index_pod(ev)
            self._availability_check(ev)
        if kind in ("Pod", "ControllerRevision", "PersistentVolumeClaim"):
            keys = []
            for obj in (ev.obj, ev.old):
                if obj is None:
                    continue
                for ref in obj["metadata"].get("ownerReferences") or ():
                    if ref.get("kind") == "StatefulSet":
                        keys.append((ns, ref["name"]))
            if kind == "Pod" and not keys:
                # An orphan: any set whose selector matches may adopt it.
                labels = meta.get("labels") or {}
                for sts in self.store.list("StatefulSet", ns):
                    if from_api(get_in(sts, ("spec", "selector"))).matches(labels):
                        keys.append((ns, sts["metadata"]["name"]))
            if kind == "PersistentVolumeClaim" and ev.type == "DELETED":
                # A pending pod's deleted claim is recreated by its set.
                for sts in self.store.list("StatefulSet", ns):
                    keys.append((ns, sts["metadata"]["name"]))
            return keys
        return ()

    def _availability_check(self, ev: WatchEvent) -> None:
        """Upstream's updatePod: a pod of a set with minReadySeconds that just became Ready requeues
        its set minReadySeconds + 1 s later, when the pod has become available. Without it a set
        whose status already counts enough available pods (a condemned one among them) would not
        sync again, and a monotonic scale-down waiting for that pod would never finish."""
        if ev.type != "MODIFIED" or ev.old is None or not is_pod_ready(ev.obj) or is_pod_ready(ev.old):
            return
        pod = PodView(ev.obj)
        ref = pod.controller_ref
        if ref is None or ref.get("kind") != "StatefulSet":
            return
        sts = self.store.try_get("StatefulSet", ref["name"], pod.namespace)
        if sts is None or sts["metadata"]["uid"] != ref.get("uid"):
            return
        min_ready = StatefulSetView(sts).min_ready_seconds
        if min_ready > 0:
            self.queue.add_after((pod.namespace, ref["name"]), min_ready + 1.0)

    def _index_pod(self, ev: WatchEvent) -> None:
        """Keep the pods of each controller uid, and the orphans, so a sync reads only its own."""
        key = ev.key
        had = key in self.pod_owner
        old = self.pod_owner.pop(key, None)
        if had:
            del self.by_owner[old][key]
        if ev.type == "DELETED":
            self._matches.pop(key, None)
            if had:
                self._sorted.pop(old, None)
            return
        new = PodView(ev.obj).owner_uid
        self.pod_owner[key] = new
        self.by_owner.setdefault(new, {})[key] = ev.obj
        if not had or old != new:
            self._sorted.pop(new, None)
            self._sorted.pop(old, None)

    def _sorted_keys(self, owner: str | None) -> list[tuple[str, str]]:
        keys = self._sorted.get(owner)
        if keys is None:
            keys = self._sorted[owner] = sorted(self.by_owner.get(owner, ()))
        return keys

    def _candidates(self, sts: FrozenDict) -> list[FrozenDict]:
        """The set's own pods and the namespace's orphans, in name order."""
        ns, uid = sts["metadata"]["namespace"], sts["metadata"]["uid"]
        keys = [k for k in self._sorted_keys(uid) if k[0] == ns]
        orphans = [k for k in self._sorted_keys(None) if k[0] == ns]
        if orphans:
            keys = sorted(keys + orphans)
        return [self.by_owner[self.pod_owner[k]][k] for k in keys]

    def _selects(self, sts: FrozenDict, selector: Any, pod: FrozenDict) -> bool:
        """``selector.matches`` on the pod's labels, remembered per pod object (selectors are immutable)."""
        key = (pod["metadata"].get("namespace", ""), pod["metadata"]["name"])
        hit = self._matches.get(key)
        if hit is not None and hit[0] is pod and hit[1] == sts["metadata"]["uid"]:
            return hit[2]
        matches = bool(selector.matches(pod["metadata"].get("labels") or {}))
        self._matches[key] = (pod, sts["metadata"]["uid"], matches)
        return matches

    # -------------------------------------------------------------------------------- sync
    def sync(self, key: Any) -> float | None:
        ns, name = key
        sts = self.store.try_get("StatefulSet", name, ns)
        if sts is None:
            self.memos.pop(key, None)
            self._rev_plans.pop(key, None)
            self._batches.pop(key, None)
            return None
        batch = self._batches.get(key)
        if batch is not None:
            if batch.sts["metadata"]["uid"] == sts["metadata"]["uid"]:
                return self._send(key, sts, batch)
            del self._batches[key]
        uid = sts["metadata"]["uid"]
        if key not in self.memos or self.memos[key][0] != uid:
            self.memos[key] = (uid, sts_logic.PlanMemo())
        pods = self._claim_pods(sts)
        revisions = self._revisions(sts)
        rev_plan = self._revision_plan(key, sts, revisions)
        if not sts["metadata"].get("deletionTimestamp"):
            if rev_plan.to_create is not None:
                try:
                    self.store.create("ControllerRevision", rev_plan.to_create)
                except ApiError:
                    return 1.0
            if rev_plan.to_update is not None:
                self.store.update("ControllerRevision", rev_plan.to_update)
        claims = self.store.view("PersistentVolumeClaim", ns)
        now = self.store.epoch.timestamp() + self.env.now
        plan = sts_logic.plan(sts, pods, claims, rev_plan, now, max_unavailable_gate=self.max_unavailable_gate,
                              memo=self.memos[key][1] if FAST.memos else None)
        return self._send(key, sts, _Batch(sts, plan, rev_plan))

    def _send(self, key: Any, sts: FrozenDict, batch: _Batch) -> float | None:
        """The plan's writes in order (stopping at the first that fails, as upstream's sync does),
        then the status and the history: each write waits for a token of the client's rate limiter;
        a sync without one is blocked there (kept in ``_batches``) until the token comes."""
        ns, name = key
        plan = batch.plan
        while batch.next < len(plan.actions):
            action = plan.actions[batch.next]
            if not isinstance(action, sts_logic.FailSync) and not self.may_send():
                self._batches[key] = batch
                return self.limiter_wait()
            batch.next += 1
            if not self._apply(batch.sts, action):
                break
            batch.done += 1
        self._batches.pop(key, None)
        self._write_status(batch.sts, plan.status_after(batch.done))
        if not sts["metadata"].get("deletionTimestamp"):
            pods = self._owned_pods(sts)
            revisions = self._revisions(sts)
            for rname in rev_logic.history_to_truncate(self.store.get("StatefulSet", name, ns), revisions, pods,
                                                       batch.rev_plan.current, batch.rev_plan.update):
                try:
                    self.store.delete("ControllerRevision", rname, ns)
                except ApiError:
                    pass
        return self._requeue(plan)

    def _requeue(self, plan: sts_logic.Plan) -> float | None:
        """Upstream's ``minReadySeconds`` requeue, or the first resync tick after a pod becomes
        available (see :data:`RESYNC_PERIOD`), whichever comes first."""
        if plan.available_from is None:
            return plan.requeue_after
        after = plan.available_from - self.store.epoch.timestamp()
        tick = (math.floor(after / RESYNC_PERIOD) + 1) * RESYNC_PERIOD - self.env.now
        return tick if plan.requeue_after is None else min(plan.requeue_after, tick)

    def _revision_plan(self, key: Any, sts: FrozenDict, revisions: list[FrozenDict]) -> rev_logic.RevisionPlan:
        """``compute_revisions``, reused while its inputs are the same: the set's uid, generation (its
        template), annotations, collision count and current revision, and the same revision objects."""
        status = sts.get("status") or {}
        inputs = (sts["metadata"]["uid"], sts["metadata"].get("generation"), sts["metadata"].get("annotations"),
                  status.get("collisionCount"), status.get("currentRevision"))
        hit = self._rev_plans.get(key)
        if hit is not None and hit[0] == inputs and len(hit[1]) == len(revisions) and all(
                a is b for a, b in zip(hit[1], revisions, strict=True)):
            return hit[2]
        plan = rev_logic.compute_revisions(sts, revisions)
        self._rev_plans[key] = (inputs, tuple(revisions), plan)
        return plan

    def _event(self, sts: FrozenDict, ev: Any) -> None:
        if ev is not None:
            self.recorder.event(sts, ev.type, ev.reason, ev.message)

    def _apply(self, sts: FrozenDict, action: Any) -> bool:
        """Apply one planned write; False (after recording the failure events) stops the sync."""
        ns = sts["metadata"]["namespace"]
        try:
            if isinstance(action, sts_logic.FailSync):
                self._event(sts, action.event)
                return False
            if isinstance(action, sts_logic.CreateClaim):
                self.store.create("PersistentVolumeClaim", action.claim, ns)
            elif isinstance(action, sts_logic.CreatePod):
                self.store.create("Pod", action.pod, ns)
            elif isinstance(action, sts_logic.UpdatePod):
                self.store.update("Pod", action.pod)
            elif isinstance(action, sts_logic.UpdateClaim):
                self.store.update("PersistentVolumeClaim", action.claim)
                for warning in action.warnings:
                    self._event(sts, warning)
            elif isinstance(action, sts_logic.DeletePod):
                self.store.delete("Pod", action.name, ns, uid=action.uid)
            else:
                raise TypeError(f"unknown action {action!r}")
        except NotFound:
            return bool(isinstance(action, sts_logic.DeletePod) and action.reason == "Update")
        except AlreadyExists:
            return False
        except ApiError as e:
            for ev in sts_logic.failure_events(action, str(e)):
                self._event(sts, ev)
            return False
        self._event(sts, getattr(action, "event", None))
        return True

    def _write_status(self, sts: FrozenDict, status: Any) -> None:
        if status is None:
            return
        cur = self.store.try_get("StatefulSet", sts["metadata"]["name"], sts["metadata"]["namespace"])
        if cur is None or (cur.get("status") or {}) == status:
            return
        try:
            self.store.set_status("StatefulSet", cur["metadata"]["name"], cur["metadata"]["namespace"], status,
                                  uid=cur["metadata"]["uid"])
        except ApiError:
            self.queue.add_after((sts["metadata"]["namespace"], sts["metadata"]["name"]), 0.1)

    # ----------------------------------------------------------------- adoption and lookup
    def _owned_pods(self, sts: FrozenDict) -> list[FrozenDict]:
        ns, uid = sts["metadata"]["namespace"], sts["metadata"]["uid"]
        own = self.by_owner.get(uid, {})
        return [own[k] for k in self._sorted_keys(uid) if k[0] == ns]

    def _claim_pods(self, sts: FrozenDict) -> list[FrozenDict]:
        """Adopt matching orphans that are members by name, release owned pods that stopped matching."""
        selector = from_api(get_in(sts, ("spec", "selector")))
        return self._write_claims("Pod", claim_pods(sts, self._candidates(sts),
                                                    lambda pod: self._selects(sts, selector, pod)))

    def _revisions(self, sts: FrozenDict) -> list[FrozenDict]:
        """The set's ControllerRevisions, adopting matching ownerless ones."""
        uid, ns = sts["metadata"]["uid"], sts["metadata"]["namespace"]
        selector = from_api(get_in(sts, ("spec", "selector")))
        # The set's own revisions and the namespace's ownerless ones, in name order.
        candidates = [r for r in (*self.store.by_index("ControllerRevision", "owner", uid),
                                  *self.store.by_index("ControllerRevision", "owner", None))
                      if r["metadata"]["namespace"] == ns]
        candidates.sort(key=lambda r: r["metadata"]["name"])
        return self._write_claims("ControllerRevision", claim_revisions(
            sts, candidates, lambda rev: selector.matches(rev["metadata"].get("labels") or {})))

    def _write_claims(self, kind: str, decisions: Iterable[Any]) -> list[FrozenDict]:
        """Write the adoption decisions in order; what the set keeps: its objects and those adopted."""
        out = []
        for d in decisions:
            if isinstance(d, Adopt | Release):
                try:
                    written = self.store.update(kind, d.body)
                except ApiError:
                    continue
                if isinstance(d, Adopt):
                    out.append(written)
            else:
                out.append(d)
        return out
