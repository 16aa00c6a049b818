"""Your own reconcilers in a simulated cluster, and an example: primary/replica election.

A reconciler is any object with ``watches`` (kind names whose changes wake it) and
``reconcile(cluster, key) -> float | None`` (``key`` is ``(kind, namespace, name)`` of the object
that changed; return seconds to look again, or None). Register it with
``cluster.add_controller(obj)``; it runs as a level-triggered work queue like the built-in
controllers, in virtual time, and its writes go through the same API rules.
"""

from __future__ import annotations

from typing import Any

from simk8s.api.errors import ApiError
from simk8s.api.frozen import get_in
from simk8s.controllers.user import Reconciler, UserController
from simk8s.logic.podutil import get_ordinal, is_running_and_ready, is_terminating

__all__ = ["PrimaryReplicaController", "Reconciler", "UserController", "check_single_primary"]

ROLE = "role"


class PrimaryReplicaController:
    """Labels the lowest-ordinal Running+Ready pod of a StatefulSet ``role=primary`` and the rest
    ``role=replica``; when the primary stops being ready, the next healthy ordinal is elected."""

    watches = ("Pod", "StatefulSet")

    def __init__(self, set_name: str, namespace: str = "default") -> None:
        self.set_name = set_name
        self.namespace = namespace

    def reconcile(self, cluster: Any, key: tuple[str, str, str]) -> float | None:
        store = cluster.store
        pods = [p for p in store.list("Pod", self.namespace) if get_ordinal(self.set_name, p["metadata"]["name"]) >= 0]
        healthy = sorted((p for p in pods if is_running_and_ready(p) and not is_terminating(p)),
                         key=lambda p: get_ordinal(self.set_name, p["metadata"]["name"]))
        primary = healthy[0]["metadata"]["name"] if healthy else None
        for p in pods:
            want = "primary" if p["metadata"]["name"] == primary else "replica"
            if (p["metadata"].get("labels") or {}).get(ROLE) == want:
                continue
            try:
                store.patch("Pod", p["metadata"]["name"], {"metadata": {"labels": {ROLE: want}}}, self.namespace)
            except ApiError:
                return 0.5
        return None


def check_single_primary(cluster: Any, set_name: str, namespace: str = "default") -> list[str]:
    """At most one primary, and when a pod is healthy, the primary is the lowest healthy ordinal."""
    pods = [p for p in cluster.store.list("Pod", namespace) if get_ordinal(set_name, p["metadata"]["name"]) >= 0]
    primaries = [p["metadata"]["name"] for p in pods if get_in(p, ("metadata", "labels", ROLE)) == "primary"]
    out = []
    if len(primaries) > 1:
        out.append(f"several primaries: {primaries}")
    healthy = sorted((p["metadata"]["name"] for p in pods if is_running_and_ready(p) and not is_terminating(p)),
                     key=lambda n: get_ordinal(set_name, n))
    if healthy and primaries != [healthy[0]]:
        out.append(f"primary is {primaries}, expected {healthy[0]}")
    return out
