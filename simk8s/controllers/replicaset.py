"""Deployment and ReplicaSet controllers, for the seed's contrast with StatefulSet naming.

Deployment → ReplicaSet ``<deploy>-<pod-template-hash>`` → pods ``<rs>-<5 random chars>``
(``generateName``, completed by the API server with the seeded RNG). Replacement pods get new
names; a template change rolls out through a new ReplicaSet (maxSurge / maxUnavailable).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from simk8s.api.errors import AlreadyExists, ApiError
from simk8s.api.frozen import FrozenDict, get_in, thaw
from simk8s.core import Core
from simk8s.core.reconciler import Controller
from simk8s.logic import replicaset as rs_logic
from simk8s.store import WatchEvent
from simk8s.store.events import EventRecorder

__all__ = ["DeploymentController", "ReplicaSetController"]


def _owner_keys(ev: WatchEvent, kind: str) -> list[tuple[str, str]]:
    ns = ev.obj["metadata"].get("namespace", "")
    keys = []
    for obj in (ev.obj, ev.old):
        if obj is None:
            continue
        for ref in obj["metadata"].get("ownerReferences") or ():
            if ref.get("kind") == kind and ref.get("controller"):
                keys.append((ns, ref["name"]))
    return keys


def _owned(store: Any, kind: str, owner: FrozenDict) -> list[FrozenDict]:
    uid = owner["metadata"]["uid"]
    return store.list(kind, owner["metadata"]["namespace"], where=lambda o: any(
        r.get("uid") == uid and r.get("controller") for r in o["metadata"].get("ownerReferences") or ()))


@dataclass
class _Batch:
    """One sync's planned writes (from the ReplicaSet as that sync read it) and the status to write
    after them. Upstream's sync waits in the client's rate limiter before each write; here a sync
    short of tokens keeps its batch and goes on with it when the controller looks again."""

    rs: FrozenDict
    creates: int
    deletes: list[str]
    status: dict[str, Any]


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    watch_kinds = frozenset(('ReplicaSet', 'Pod'))
    min_interval = 0.1

    def __init__(self, core: Core) -> None:
        self.recorder = EventRecorder(core.store, "replicaset-controller")
        self._batches: dict[Hashable, _Batch] = {}
        super().__init__(core)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        if ev.kind.kind == "ReplicaSet":
            return ((ev.obj["metadata"]["namespace"], ev.obj["metadata"]["name"]),)
        if ev.kind.kind == "Pod":
            return _owner_keys(ev, "ReplicaSet")
        return ()

    def sync(self, key: Any) -> float | None:
        ns, name = key
        rs = self.store.try_get("ReplicaSet", name, ns)
        if rs is None or rs["metadata"].get("deletionTimestamp"):
            self._batches.pop(key, None)
            return None
        batch = self._batches.get(key)
        if batch is None or batch.rs["metadata"]["uid"] != rs["metadata"]["uid"]:
            pods = [p for p in _owned(self.store, "Pod", rs) if not p["metadata"].get("deletionTimestamp")
                    and get_in(p, ("status", "phase")) not in ("Succeeded", "Failed")]
            now = self.store.epoch.timestamp() + self.env.now
            creates, deletes, status = rs_logic.replicaset_plan(rs, pods, now=now)
            batch = _Batch(rs, creates, deletes, status)
        return self._send(key, batch)

    def _send(self, key: Any, batch: _Batch) -> float | None:
        """manageReplicas' writes, then the status: each write waits for a token of the client's rate
        limiter; a sync without one is blocked there (kept in ``_batches``) until the token comes."""
        ns, name = key
        rs = batch.rs
        while batch.creates:
            if not self.may_send():
                self._batches[key] = batch
                return self.limiter_wait()
            batch.creates -= 1
            try:
                created = self.store.create("Pod", rs_logic.pod_for_replicaset(rs), ns)
            except ApiError as e:
                self.recorder.event(rs, "Warning", "FailedCreate", f"Error creating: {e}")
                batch.creates = 0   # slowStartBatch skips the rest after a failure
                break
            self.recorder.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
        while batch.deletes:
            if not self.may_send():
                self._batches[key] = batch
                return self.limiter_wait()
            pod_name = batch.deletes.pop(0)
            try:
                self.store.delete("Pod", pod_name, ns)
            except ApiError:
                continue
            self.recorder.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pod_name}")
        self._batches.pop(key, None)
        cur = self.store.get("ReplicaSet", name, ns)
        if thaw(cur.get("status") or {}) != batch.status:
            body = thaw(cur)
            body["status"] = batch.status
            self.store.update_status("ReplicaSet", body)
        return None


class DeploymentController(Controller):
    name = "deployment-controller"
    watch_kinds = frozenset(('Deployment', 'ReplicaSet', 'Pod'))
    min_interval = 0.1

    def __init__(self, core: Core) -> None:
        self.recorder = EventRecorder(core.store, "deployment-controller")
        super().__init__(core)

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        if ev.kind.kind == "Deployment":
            return ((ev.obj["metadata"]["namespace"], ev.obj["metadata"]["name"]),)
        if ev.kind.kind == "ReplicaSet":
            return _owner_keys(ev, "Deployment")
        if ev.kind.kind == "Pod" and ev.type == "DELETED":
            # deletePod: a Recreate rollout waits for the old ReplicaSets' last pod to go.
            ns = ev.obj["metadata"]["namespace"]
            keys: list[Hashable] = []
            for ref in ev.obj["metadata"].get("ownerReferences") or ():
                rs = self.store.try_get("ReplicaSet", ref["name"], ns) if ref.get("kind") == "ReplicaSet" else None
                for owner in (rs["metadata"].get("ownerReferences") or ()) if rs is not None else ():
                    if owner.get("kind") == "Deployment":
                        keys.append((ns, owner["name"]))
            return keys
        return ()

    def sync(self, key: Any) -> float | None:
        ns, name = key
        deploy = self.store.try_get("Deployment", name, ns)
        if deploy is None or deploy["metadata"].get("deletionTimestamp"):
            return None
        rss = _owned(self.store, "ReplicaSet", deploy)
        pods = self.store.list("Pod", ns)
        now = self.store.epoch.timestamp() + self.env.now
        plan = rs_logic.deployment_rolling_plan(deploy, rss, pods, now=now)
        if plan.create is not None:
            try:
                created = self.store.create("ReplicaSet", plan.create, ns)
            except AlreadyExists:
                return 0.1
            replicas = created["spec"]["replicas"]
            self.recorder.event(deploy, "Normal", "ScalingReplicaSet",
                                f"Scaled up replica set {created['metadata']['name']} from 0 to {replicas}")
        scales, status = plan.scales, plan.status
        for rs_name, replicas in scales:
            cur = self.store.get("ReplicaSet", rs_name, ns)
            old = int(cur["spec"]["replicas"])
            if old == replicas:
                continue
            body = thaw(cur)
            body["spec"]["replicas"] = replicas
            self.store.update("ReplicaSet", body)
            verb = "up" if replicas > old else "down"
            self.recorder.event(deploy, "Normal", "ScalingReplicaSet",
                                f"Scaled {verb} replica set {rs_name} from {old} to {replicas}")
        cur = self.store.get("Deployment", name, ns)
        if thaw(cur.get("status") or {}) != status:
            body = thaw(cur)
            body["status"] = status
            self.store.update_status("Deployment", body)
        return None
