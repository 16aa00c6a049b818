"""The RBAC authorizer, as ``plugin/pkg/auth/authorizer/rbac`` decides: pure, with upstream's reasons.

:func:`authorize` walks the rules that apply to a user the way ``DefaultRuleResolver.VisitRulesFor``
does (ClusterRoleBindings first, in name order, then the RoleBindings of the request's namespace)
and stops at the first rule that allows the request (``RuleAllows``: verb, API group, resource
with ``*/subresource`` wildcards, resource names; or verb and non-resource URL with a trailing
``*``). The reason of an allow names the binding, role and subject (``RBAC: allowed by
ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"``);
a denial is "no opinion" with the errors met on the way (a binding to a missing role).
:func:`forbidden_message` words the API server's 403 for a request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "Attributes",
    "Decision",
    "RuleSource",
    "User",
    "applies_to",
    "authorize",
    "forbidden_message",
    "rule_allows",
    "rules_for",
    "service_account_user",
]

Obj = Mapping[str, Any]
SA_PREFIX = "system:serviceaccount:"


@dataclass(frozen=True)
class User:
    """An authenticated user (``user.Info``): a name and its groups."""

    name: str
    groups: tuple[str, ...] = ()
    uid: str = ""
    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def service_account(self) -> tuple[str, str] | None:
        """(namespace, name) when this is a service account's user."""
        if not self.name.startswith(SA_PREFIX):
            return None
        ns, _, name = self.name[len(SA_PREFIX):].partition(":")
        return (ns, name) if ns and name and ":" not in name else None


def service_account_user(namespace: str, name: str) -> User:
    """The user a service account's token authenticates as, with its groups."""
    return User(f"{SA_PREFIX}{namespace}:{name}",
                ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"))


@dataclass(frozen=True)
class Attributes:
    """One request (``authorizer.Attributes``): a resource request, or a non-resource ``path``."""

    verb: str
    resource: str = ""
    api_group: str = ""
    namespace: str = ""
    name: str = ""
    subresource: str = ""
    path: str = ""

    @property
    def is_resource_request(self) -> bool:
        return not self.path


@dataclass(frozen=True)
class RuleSource:
    """Where a rule came from: a binding, its role, and the subject that matched."""

    binding_kind: str
    binding: str
    binding_namespace: str
    role_kind: str
    role: str
    subject: Obj

    def __str__(self) -> str:
        name = self.binding if self.binding_kind == "ClusterRoleBinding" else f"{self.binding}/{self.binding_namespace}"
        return f'{self.binding_kind} "{name}" of {self.role_kind} "{self.role}" to {_describe(self.subject, self.binding_namespace)}'


def _describe(subject: Obj, binding_namespace: str) -> str:
    kind, name = subject.get("kind", ""), subject.get("name", "")
    if kind == "ServiceAccount":
        return f'{kind} "{name}/{subject.get("namespace") or binding_namespace}"'
    return f'{kind} "{name}"'


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""
    source: RuleSource | None = None
    rule: Obj | None = None


# ------------------------------------------------------------------------------- rule matching
def _verb_matches(rule: Obj, verb: str) -> bool:
    return any(v in ("*", verb) for v in rule.get("verbs") or ())


def _group_matches(rule: Obj, group: str) -> bool:
    return any(g in ("*", group) for g in rule.get("apiGroups") or ())


def _resource_matches(rule: Obj, combined: str, subresource: str) -> bool:
    for r in rule.get("resources") or ():
        if r in ("*", combined):
            return True
        if subresource and len(r) == len(subresource) + 2 and r.startswith("*/") and r.endswith(subresource):
            return True
    return False


def _name_matches(rule: Obj, name: str) -> bool:
    names = rule.get("resourceNames") or ()
    return not names or name in names


def _url_matches(rule: Obj, path: str) -> bool:
    for url in rule.get("nonResourceURLs") or ():
        if url in ("*", path):
            return True
        if url.endswith("*") and path.startswith(url.rstrip("*")):
            return True
    return False


def rule_allows(attrs: Attributes, rule: Obj) -> bool:
    """``RuleAllows``: does this one PolicyRule allow the request?"""
    if attrs.is_resource_request:
        combined = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
        return (_verb_matches(rule, attrs.verb) and _group_matches(rule, attrs.api_group)
                and _resource_matches(rule, combined, attrs.subresource) and _name_matches(rule, attrs.name))
    return _verb_matches(rule, attrs.verb) and _url_matches(rule, attrs.path)


# ------------------------------------------------------------------------------------ subjects
def applies_to(user: User, subjects: Sequence[Obj] | None, namespace: str) -> int | None:
    """The index of the first subject ``user`` is (``appliesTo``), or None."""
    for i, s in enumerate(subjects or ()):
        kind = s.get("kind")
        if kind == "User" and user.name == s.get("name"):
            return i
        if kind == "Group" and s.get("name") in user.groups:
            return i
        if kind == "ServiceAccount":
            ns = s.get("namespace") or namespace
            if ns and user.name == f"{SA_PREFIX}{ns}:{s.get('name', '')}":
                return i
    return None


# --------------------------------------------------------------------------------- resolution
@dataclass
class Policy:
    """The RBAC objects an authorizer reads: roles by (namespace, name), cluster roles by name."""

    roles: Mapping[tuple[str, str], Obj]
    cluster_roles: Mapping[str, Obj]
    role_bindings: Sequence[Obj]
    cluster_role_bindings: Sequence[Obj]

    @classmethod
    def of(cls, roles: Iterable[Obj], cluster_roles: Iterable[Obj], role_bindings: Iterable[Obj],
           cluster_role_bindings: Iterable[Obj]) -> Policy:
        return cls({(r["metadata"].get("namespace", ""), r["metadata"]["name"]): r for r in roles},
                   {r["metadata"]["name"]: r for r in cluster_roles},
                   sorted(role_bindings, key=lambda b: (b["metadata"].get("namespace", ""), b["metadata"]["name"])),
                   sorted(cluster_role_bindings, key=lambda b: b["metadata"]["name"]))

    def role_rules(self, ref: Obj, namespace: str) -> tuple[Sequence[Obj], str]:
        """(rules, error) of a roleRef, as GetRoleReferenceRules words a missing role."""
        kind, name = ref.get("kind", ""), ref.get("name", "")
        if kind == "Role":
            role = self.roles.get((namespace, name))
            if role is None:
                return (), f'role.rbac.authorization.k8s.io "{name}" not found'
        elif kind == "ClusterRole":
            role = self.cluster_roles.get(name)
            if role is None:
                return (), f'clusterrole.rbac.authorization.k8s.io "{name}" not found'
        else:
            return (), f'unsupported role reference kind: "{kind}"'
        return tuple(role.get("rules") or ()), ""


def rules_for(policy: Policy, user: User, namespace: str) -> Iterable[tuple[RuleSource, Obj | None, str]]:
    """(source, rule, error) for every rule that applies to ``user`` in ``namespace``, in
    VisitRulesFor's order; an error entry has no rule."""
    bindings = [("ClusterRoleBinding", b, "") for b in policy.cluster_role_bindings]
    if namespace:
        bindings += [("RoleBinding", b, namespace) for b in policy.role_bindings
                     if b["metadata"].get("namespace", "") == namespace]
    for kind, b, ns in bindings:
        index = applies_to(user, b.get("subjects"), ns)
        if index is None:
            continue
        ref = b.get("roleRef") or {}
        source = RuleSource(kind, b["metadata"]["name"], ns, ref.get("kind", ""), ref.get("name", ""),
                            b["subjects"][index])
        rules, error = policy.role_rules(ref, ns)
        if error:
            yield source, None, error
        for rule in rules:
            yield source, rule, ""


def authorize(policy: Policy, user: User, attrs: Attributes) -> Decision:
    """The RBAC authorizer's decision on one request."""
    errors: list[str] = []
    for source, rule, error in rules_for(policy, user, attrs.namespace):
        if rule is not None and rule_allows(attrs, rule):
            return Decision(True, f"RBAC: allowed by {source}", source, rule)
        if error and error not in errors:
            errors.append(error)
    if not errors:
        return Decision(False)
    return Decision(False, "RBAC: " + (errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"))


def forbidden_message(user: User, attrs: Attributes, reason: str = "") -> str:
    """The API server's 403 text (``responsewriters.forbiddenMessage`` and NewForbidden)."""
    if not attrs.is_resource_request:
        msg = f'User "{user.name}" cannot {attrs.verb} path "{attrs.path}"'
        return f"forbidden: {msg}" + (f": {reason}" if reason else "")
    resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
    where = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
    msg = f'User "{user.name}" cannot {attrs.verb} resource "{resource}" in API group "{attrs.api_group}" {where}'
    if reason:
        msg += f": {reason}"
    qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
    return f'{qualified} "{attrs.name}" is forbidden: {msg}' if attrs.name else f"{qualified} is forbidden: {msg}"
