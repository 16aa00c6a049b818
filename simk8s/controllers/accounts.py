"""Two small reconcilers of access control.

- The ServiceAccount controller (``pkg/controller/serviceaccount``): every active namespace has a
  service account named ``default``; a new namespace gets one, a deleted one comes back.
- The ClusterRole aggregation controller (``pkg/controller/clusterroleaggregation``): a ClusterRole
  with an ``aggregationRule`` holds the rules of every ClusterRole its selectors match, so a new
  ClusterRole labelled ``rbac.authorization.k8s.io/aggregate-to-edit: "true"`` extends ``edit``
  (and, through it, ``admin``).
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

from simk8s.api.errors import AlreadyExists
from simk8s.api.frozen import thaw
from simk8s.core.reconciler import Controller
from simk8s.logic.rbac_bootstrap import aggregated_rules
from simk8s.store import WatchEvent

__all__ = ["ClusterRoleAggregationController", "ServiceAccountsController"]


class ServiceAccountsController(Controller):
    name = "serviceaccount-controller"
    watch_kinds = frozenset(("Namespace", "ServiceAccount"))

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        meta = ev.obj["metadata"]
        if ev.kind.kind == "Namespace" and ev.type != "DELETED":
            return (meta["name"],)
        if ev.kind.kind == "ServiceAccount" and ev.type == "DELETED" and meta["name"] == "default":
            return (meta.get("namespace", ""),)
        return ()

    def sync(self, key: Any) -> float | None:
        ns = self.store.try_get("Namespace", key)
        if ns is None or ns["metadata"].get("deletionTimestamp") or (ns.get("status") or {}).get("phase") == "Terminating":
            return None
        if self.store.try_get("ServiceAccount", "default", key) is None:
            try:
                self.store.create("ServiceAccount", {"apiVersion": "v1", "kind": "ServiceAccount",
                                                     "metadata": {"name": "default"}}, key)
            except AlreadyExists:
                pass
        return None


class ClusterRoleAggregationController(Controller):
    name = "clusterrole-aggregation-controller"
    watch_kinds = frozenset(("ClusterRole",))

    def keys_for(self, ev: WatchEvent) -> Iterable[Hashable]:
        # Any ClusterRole may feed any aggregated one: look at them all (as upstream enqueues them all).
        return [r["metadata"]["name"] for r in self.store.list("ClusterRole") if r.get("aggregationRule")]

    def sync(self, key: Any) -> float | None:
        role = self.store.try_get("ClusterRole", key)
        if role is None or not role.get("aggregationRule"):
            return None
        rules = aggregated_rules(role, self.store.list("ClusterRole"))
        if thaw(role.get("rules") or []) == rules:
            return None
        body = thaw(role)
        body["rules"] = rules
        self.store.update("ClusterRole", body)
        return None
