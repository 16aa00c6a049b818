"""rbac.authorization.k8s.io/v1 and ServiceAccount validation, as ``pkg/apis/rbac/validation`` words it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import simk8s.api.validation.common as common
from simk8s.api.errors import FieldError, GoValue, go_string_slice

__all__ = [
    "RBAC_GROUP",
    "validate_binding",
    "validate_cluster_role",
    "validate_role",
    "validate_service_account",
]

Errors = list[FieldError]
RBAC_GROUP = "rbac.authorization.k8s.io"


def path_segment_name(name: str, prefix: bool = False) -> list[str]:
    """apimachinery's IsValidPathSegmentName: RBAC object names only avoid what breaks a URL path."""
    if name in (".", ".."):
        return [f"may not be '{name}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in name]



def validate_policy_rule(rule: Mapping[str, Any], namespaced: bool, path: str) -> Errors:
    errs: Errors = []
    if not rule.get("verbs"):
        errs.append(FieldError.required(f"{path}.verbs", "verbs must contain at least one value"))
    urls = rule.get("nonResourceURLs") or []
    if urls:
        shown = go_string_slice(urls)
        if namespaced:
            errs.append(FieldError.invalid(f"{path}.nonResourceURLs", shown,
                                           "namespaced rules cannot apply to non-resource URLs"))
        if rule.get("apiGroups") or rule.get("resources") or rule.get("resourceNames"):
            errs.append(FieldError.invalid(f"{path}.nonResourceURLs", shown,
                                           "rules cannot apply to both regular resources and non-resource URLs"))
        return errs
    if not rule.get("apiGroups"):
        errs.append(FieldError.required(f"{path}.apiGroups", "resource rules must supply at least one api group"))
    if not rule.get("resources"):
        errs.append(FieldError.required(f"{path}.resources", "resource rules must supply at least one resource"))
    return errs


def _rules(rules: Sequence[Mapping[str, Any]] | None, namespaced: bool) -> Errors:
    errs: Errors = []
    for i, rule in enumerate(rules or ()):
        errs.extend(validate_policy_rule(rule, namespaced, f"rules[{i}]"))
    return errs


def validate_role(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    return common.object_meta(obj, old, True, path_segment_name) + _rules(obj.get("rules"), True)


def validate_cluster_role(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    errs = common.object_meta(obj, old, False, path_segment_name) + _rules(obj.get("rules"), False)
    agg = obj.get("aggregationRule")
    if agg is not None:
        selectors = agg.get("clusterRoleSelectors") or []
        if not selectors:
            errs.append(FieldError.required("aggregationRule.clusterRoleSelectors",
                                            "at least one clusterRoleSelector required if aggregationRule is non-nil"))
        for i, sel in enumerate(selectors):
            errs.extend(common.validate_label_selector(sel, f"aggregationRule.clusterRoleSelectors[{i}]"))
    return errs


def _subject(subject: Mapping[str, Any], namespaced: bool, path: str) -> Errors:
    errs: Errors = []
    name = subject.get("name") or ""
    if not name:
        errs.append(FieldError.required(f"{path}.name", ""))
    kind = subject.get("kind") or ""
    group = subject.get("apiGroup") or ""
    if kind == "ServiceAccount":
        if name:
            errs.extend(FieldError.invalid(f"{path}.name", name, m) for m in common.name_is_dns1123_subdomain(name, False))
        if group:
            errs.append(FieldError.not_supported(f"{path}.apiGroup", group, [""]))
        if not namespaced and not subject.get("namespace"):
            errs.append(FieldError.required(f"{path}.namespace", ""))
    elif kind in ("User", "Group"):
        if group != RBAC_GROUP:
            errs.append(FieldError.not_supported(f"{path}.apiGroup", group, [RBAC_GROUP]))
    else:
        errs.append(FieldError.not_supported(f"{path}.kind", kind, ["ServiceAccount", "User", "Group"]))
    return errs


def _go_role_ref(ref: Mapping[str, Any]) -> GoValue:
    return GoValue(f'rbac.RoleRef{{APIGroup:"{ref.get("apiGroup", "")}", Kind:"{ref.get("kind", "")}", '
                   f'Name:"{ref.get("name", "")}"}}')


def validate_binding(obj: Mapping[str, Any], old: Mapping[str, Any] | None, *, namespaced: bool) -> Errors:
    """ValidateRoleBinding / ValidateClusterRoleBinding (and their updates: roleRef is immutable)."""
    errs = common.object_meta(obj, None, namespaced, path_segment_name) if old is None else []
    ref = obj.get("roleRef") or {}
    if ref.get("apiGroup", "") != RBAC_GROUP:
        errs.append(FieldError.not_supported("roleRef.apiGroup", ref.get("apiGroup", ""), [RBAC_GROUP]))
    kinds = ["Role", "ClusterRole"] if namespaced else ["ClusterRole"]
    if ref.get("kind", "") not in kinds:
        errs.append(FieldError.not_supported("roleRef.kind", ref.get("kind", ""), kinds))
    name = ref.get("name") or ""
    if not name:
        errs.append(FieldError.required("roleRef.name", ""))
    else:
        errs.extend(FieldError.invalid("roleRef.name", name, m) for m in path_segment_name(name))
    for i, subject in enumerate(obj.get("subjects") or ()):
        errs.extend(_subject(subject, namespaced, f"subjects[{i}]"))
    if old is not None:
        errs.extend(common.object_meta(obj, old, namespaced, path_segment_name))
        old_ref = old.get("roleRef") or {}
        if {k: old_ref.get(k, "") for k in ("apiGroup", "kind", "name")} != \
                {k: ref.get(k, "") for k in ("apiGroup", "kind", "name")}:
            errs.append(FieldError.invalid("roleRef", _go_role_ref(ref), "cannot change roleRef"))
    return errs


def validate_service_account(obj: Mapping[str, Any], old: Mapping[str, Any] | None) -> Errors:
    return common.object_meta(obj, old)
