"""StatefulSet status from the pods' facts (upstream computeReplicaStatus, completeRollingUpdate)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from simk8s.logic import podutil as pu
from simk8s.logic.statefulset.actions import Action, DeletePod
from simk8s.logic.statefulset.identity import pod_revision

__all__ = ["Plan", "PodFacts", "count_status", "next_availability", "pod_facts"]

Obj = Mapping[str, Any]


class PodFacts(NamedTuple):
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

    def available_from(self, min_ready: int, now: float) -> float | None:
        """The epoch second after which a Ready pod that is not available yet will be (else None)."""
        if not self.ready or self.ready_since is None or self.available(min_ready, now):
            return None
        return self.ready_since + min_ready


def next_availability(facts: Iterable[PodFacts], min_ready: int, now: float) -> float | None:
    """The earliest :meth:`PodFacts.available_from` among the pods (None when no pod is waiting)."""
    times = [t for f in facts if (t := f.available_from(min_ready, now)) is not None]
    return min(times) if times else None


def pod_facts(pod: Obj) -> PodFacts:
    ready = pu.is_pod_ready(pod)
    since = (pu.pod_ready_condition(pod) or {}).get("lastTransitionTime") if ready else None
    return PodFacts(pu.is_created(pod), pu.is_running_and_ready(pod), pu.is_terminating(pod), pod_revision(pod),
                  ready, pu.parse_time(since) if since else None)


def count_status(facts: Iterable[PodFacts], current: str, update: str, min_ready: int, now: float
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


@dataclass
class Plan:
    """The ordered writes of one sync and the status to write after them.

    ``status`` assumes every action succeeds; after a failure at index ``k`` write
    ``status_after(k)`` (upstream does not count an update deletion that failed). ``requeue_after``
    (seconds) is set when minReadySeconds > 0 and not every replica is available yet.
    ``available_from`` (epoch seconds) is when the first Ready pod still inside its minReadySeconds
    becomes available: no watch event marks that moment, so the controller looks again after it.
    """

    actions: list[Action]
    status: dict[str, Any]
    requeue_after: float | None = None
    _base: dict[str, Any] = field(default_factory=dict, repr=False)
    _complete_for: int | None = field(default=None, repr=False)
    available_from: float | None = None

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
