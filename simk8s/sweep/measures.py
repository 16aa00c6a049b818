"""What a sweep point measures, recorded from the cluster's watch as the run happens.

- ``time_to_ready``: virtual seconds from the first StatefulSet's creation to the first moment every
  StatefulSet has ``status.readyReplicas == spec.replicas`` (NaN if that never happens);
- ``ready_pod_seconds_lost``: after that moment, the integral over time of the Ready pods missing
  (the sum over sets of ``spec.replicas - status.readyReplicas`` when positive), in pod-seconds;
- ``longest_degraded``: the longest stretch, after that moment, with any pod missing (seconds);
- ``invariant_violations``: ordering violations seen as writes happened
  (:class:`~simk8s.testing.checker.RuntimeChecker`) plus, if the cluster is idle at the end,
  :func:`simk8s.testing.invariants.check_cluster` over every StatefulSet; the first messages go in
  ``violations``;
- ``events_by_reason``: Kubernetes Events by reason, counting repeats (``events.<Reason>`` columns);
- ``dns_answer_changes``: how many times the A answer of a headless Service changed;
- ``expectation_failures``: the scenario's own failed expectations and checks.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from typing import Any

import simk8s.node.network as network
from simk8s.cluster import Cluster
from simk8s.store import WatchEvent
from simk8s.testing.checker import RuntimeChecker
from simk8s.testing.invariants import check_cluster

__all__ = ["Recorder"]

#: How many violation messages a row keeps (the count is always exact).
KEEP_VIOLATIONS = 5


class Recorder:
    """Subscribes to ``cluster`` before the run; :meth:`finish` returns the measures' columns."""

    def __init__(self, cluster: Cluster, measures: Iterable[str]) -> None:
        self.cluster = cluster
        self.measures = tuple(measures)
        self.deficits: dict[tuple[str, str], int] = {}
        self.start: float | None = None       # first StatefulSet created
        self.ready_at: float | None = None    # first moment every set was fully Ready
        self.lost = 0.0
        self.longest = 0.0
        self.degraded_since: float | None = None
        self.last_t = 0.0
        cluster.store.subscribe(self._on_set, ("StatefulSet",))
        self.answers: dict[str, tuple[str, ...]] = {}
        self.dns_changes = 0
        if "dns_answer_changes" in self.measures:
            # The DNS view follows the watch too: start it first, so that it has seen a change
            # when this recorder asks it for the answers after that change.
            network.dns_snapshot(cluster.core)
            cluster.store.subscribe(self._on_dns, ("EndpointSlice", "Service"))
        self.checker = RuntimeChecker(cluster) if "invariant_violations" in self.measures else None

    # ------------------------------------------------------------------ ready pods over time
    def _advance(self, t: float) -> None:
        """Account for the time since the last change, at the deficit that held during it."""
        if self.ready_at is not None:
            missing = sum(self.deficits.values())
            self.lost += missing * (t - self.last_t)
            if self.degraded_since is not None:
                self.longest = max(self.longest, t - self.degraded_since)
        self.last_t = t

    def _on_set(self, ev: WatchEvent) -> None:
        t = self.cluster.now
        self._advance(t)
        meta = ev.obj["metadata"]
        key = (str(meta.get("namespace", "")), str(meta["name"]))
        if ev.type == "DELETED":
            self.deficits.pop(key, None)
        else:
            replicas = ev.obj["spec"].get("replicas")
            want = 1 if replicas is None else int(replicas)
            ready = int((ev.obj.get("status") or {}).get("readyReplicas") or 0)
            self.deficits[key] = max(0, want - ready)
        if self.start is None:
            self.start = t
        missing = sum(self.deficits.values())
        if self.ready_at is None:
            if missing == 0 and self.deficits:
                self.ready_at = t
        elif missing and self.degraded_since is None:
            self.degraded_since = t
        elif not missing:
            self.degraded_since = None

    # --------------------------------------------------------------------------------- DNS
    def _on_dns(self, ev: WatchEvent) -> None:
        store = self.cluster.store
        for svc in store.list("Service", None):
            if svc["spec"].get("clusterIP") != "None":
                continue
            fqdn = f"{svc['metadata']['name']}.{svc['metadata']['namespace']}.svc.{self.cluster.topology.zone}."
            answer = tuple(sorted(network.resolve(self.cluster.core, fqdn)))
            if answer != self.answers.get(fqdn, ()):
                self.dns_changes += 1
                self.answers[fqdn] = answer

    # ------------------------------------------------------------------------------ results
    def finish(self, expectation_failures: int = 0) -> dict[str, Any]:
        """The columns of this run's row, as of now (the end of the run)."""
        self._advance(self.cluster.now)
        row: dict[str, Any] = {}
        m = self.measures
        if "time_to_ready" in m:
            row["time_to_ready"] = (round(self.ready_at - self.start, 6)
                                    if self.ready_at is not None and self.start is not None else math.nan)
        if "ready_pod_seconds_lost" in m:
            row["ready_pod_seconds_lost"] = round(self.lost, 6)
        if "longest_degraded" in m:
            row["longest_degraded"] = round(self.longest, 6)
        if self.checker is not None:
            found = list(self.checker.violations)
            if self.cluster.idle():
                found += check_cluster(self.cluster)
            row["invariant_violations"] = len(found)
            row["violations"] = "\n".join(found[:KEEP_VIOLATIONS])
        if "events_by_reason" in m:
            counts: Counter[str] = Counter()
            for ev in self.cluster.store.list("Event", None):
                counts[str(ev.get("reason") or "")] += int(ev.get("count") or 1)
            row.update({f"events.{reason}": n for reason, n in sorted(counts.items())})
        if "dns_answer_changes" in m:
            row["dns_answer_changes"] = self.dns_changes
        if "expectation_failures" in m:
            row["expectation_failures"] = expectation_failures
        return row
