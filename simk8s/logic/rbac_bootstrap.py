"""The API server's bootstrap RBAC policy (the subset a learner meets) and ClusterRole aggregation.

From ``plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go``: ``cluster-admin`` (bound to
``system:masters``, and by kubeadm to ``kubeadm:cluster-admins``), the user-facing ``admin``,
``edit`` and ``view`` roles, which are *aggregated* from every ClusterRole labelled
``rbac.authorization.k8s.io/aggregate-to-<role>: "true"`` (the ``system:aggregate-to-*`` roles
carry the built-in rules; ``admin`` aggregates ``edit`` which aggregates ``view``), and the
discovery roles every authenticated user holds. :func:`aggregated_rules` is what the
clusterrole-aggregation controller writes into an aggregated role.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from simk8s.api.selectors import from_api

__all__ = ["ADMIN_USER", "aggregated_rules", "bootstrap_objects"]

Obj = Mapping[str, Any]
RBAC = "rbac.authorization.k8s.io"
RBAC_V1 = f"{RBAC}/v1"
READ = ["get", "list", "watch"]
WRITE = ["create", "delete", "deletecollection", "patch", "update"]
AGG = f"{RBAC}/aggregate-to-"
BOOTSTRAP_LABELS = {"kubernetes.io/bootstrapping": "rbac-defaults"}
AUTOUPDATE = {"rbac.authorization.kubernetes.io/autoupdate": "true"}

#: The user kubeadm's admin.conf authenticates as (a client certificate, O=kubeadm:cluster-admins).
ADMIN_USER = ("kubernetes-admin", ("kubeadm:cluster-admins", "system:authenticated"))


def _rule(verbs: list[str], groups: list[str], resources: list[str]) -> dict[str, Any]:
    return {"apiGroups": groups, "resources": resources, "verbs": verbs}


def _url_rule(verbs: list[str], urls: list[str]) -> dict[str, Any]:
    return {"nonResourceURLs": urls, "verbs": verbs}


_VIEW_RULES = [
    _rule(READ, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status",
                       "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
                       "services", "services/status"]),
    _rule(READ, [""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                       "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"]),
    _rule(READ, [""], ["namespaces"]),
    _rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
    _rule(READ, ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments",
                           "deployments/scale", "deployments/status", "replicasets", "replicasets/scale",
                           "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"]),
    _rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
    _rule(READ, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
    _rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
    _rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
]
_EDIT_RULES = [
    _rule(["impersonate"], [""], ["serviceaccounts"]),
    _rule(WRITE, [""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
    _rule(["create"], [""], ["pods/eviction"]),
    _rule(WRITE, [""], ["configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
                        "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"]),
    _rule(["create"], [""], ["serviceaccounts/token"]),
    _rule(WRITE, ["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                            "replicasets/scale", "statefulsets", "statefulsets/scale"]),
    _rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
    _rule(WRITE, ["batch"], ["cronjobs", "jobs"]),
    _rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
    _rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
    _rule(READ, [""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"]),
]
_ADMIN_RULES = [
    _rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
    _rule([*READ, *WRITE], [RBAC], ["rolebindings", "roles"]),
]


def _cluster_role(name: str, rules: list[Any], labels: Mapping[str, str] | None = None,
                  aggregate_from: Iterable[str] = ()) -> dict[str, Any]:
    obj: dict[str, Any] = {"apiVersion": RBAC_V1, "kind": "ClusterRole",
                           "metadata": {"name": name, "labels": {**BOOTSTRAP_LABELS, **(labels or {})},
                                        "annotations": dict(AUTOUPDATE)}}
    selectors = [{"matchLabels": {f"{AGG}{role}": "true"}} for role in aggregate_from]
    if selectors:
        obj["aggregationRule"] = {"clusterRoleSelectors": selectors}
    obj["rules"] = rules
    return obj


def _binding(name: str, role: str, groups: Iterable[str]) -> dict[str, Any]:
    return {"apiVersion": RBAC_V1, "kind": "ClusterRoleBinding",
            "metadata": {"name": name, "labels": dict(BOOTSTRAP_LABELS), "annotations": dict(AUTOUPDATE)},
            "roleRef": {"apiGroup": RBAC, "kind": "ClusterRole", "name": role},
            "subjects": [{"apiGroup": RBAC, "kind": "Group", "name": g} for g in groups]}


def bootstrap_objects() -> list[dict[str, Any]]:
    """The ClusterRoles (aggregated ones already filled in) and ClusterRoleBindings of a new cluster."""
    roles = [
        _cluster_role("cluster-admin", [_rule(["*"], ["*"], ["*"]), _url_rule(["*"], ["*"])]),
        _cluster_role("admin", [], aggregate_from=["admin"]),
        _cluster_role("edit", [], {f"{AGG}admin": "true"}, aggregate_from=["edit"]),
        _cluster_role("view", [], {f"{AGG}admin": "true", f"{AGG}edit": "true"}, aggregate_from=["view"]),
        _cluster_role("system:aggregate-to-admin", _ADMIN_RULES, {f"{AGG}admin": "true"}),
        _cluster_role("system:aggregate-to-edit", _EDIT_RULES, {f"{AGG}edit": "true"}),
        _cluster_role("system:aggregate-to-view", _VIEW_RULES, {f"{AGG}view": "true"}),
        _cluster_role("system:basic-user", [_rule(["create"], ["authorization.k8s.io"], [
            "selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            _rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])]),
        _cluster_role("system:discovery", [_url_rule(["get"], [
            "/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz",
            "/version", "/version/"])]),
        _cluster_role("system:public-info-viewer", [_url_rule(["get"], [
            "/healthz", "/livez", "/readyz", "/version", "/version/"])]),
    ]
    by_name = {r["metadata"]["name"]: r for r in roles}
    # What the aggregation controller converges to, in dependency order (view feeds edit feeds admin).
    for name in ("view", "edit", "admin"):
        by_name[name]["rules"] = aggregated_rules(by_name[name], roles)
    bindings = [
        _binding("cluster-admin", "cluster-admin", ["system:masters"]),
        _binding("system:basic-user", "system:basic-user", ["system:authenticated"]),
        _binding("system:discovery", "system:discovery", ["system:authenticated"]),
        _binding("system:public-info-viewer", "system:public-info-viewer",
                 ["system:authenticated", "system:unauthenticated"]),
    ]
    kubeadm = _binding("kubeadm:cluster-admins", "cluster-admin", ["kubeadm:cluster-admins"])
    kubeadm["metadata"] = {"name": "kubeadm:cluster-admins"}  # created by kubeadm, not the API server
    return [*roles, *bindings, kubeadm]


def aggregated_rules(role: Obj, cluster_roles: Iterable[Obj]) -> list[Any]:
    """The rules of an aggregated ClusterRole: the rules of every other ClusterRole one of its
    selectors matches, in name order, without duplicates (the aggregation controller's sync)."""
    selectors = [from_api(s) for s in (role.get("aggregationRule") or {}).get("clusterRoleSelectors") or ()]
    rules: list[Any] = []
    seen: list[Any] = []
    name = role["metadata"]["name"]
    for other in sorted(cluster_roles, key=lambda r: r["metadata"]["name"]):
        if other["metadata"]["name"] == name:
            continue
        labels = other["metadata"].get("labels") or {}
        if not any(s.matches(labels) for s in selectors):
            continue
        for rule in other.get("rules") or ():
            plain = _plain(rule)
            if plain not in seen:
                seen.append(plain)
                rules.append(plain)
    return rules


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
