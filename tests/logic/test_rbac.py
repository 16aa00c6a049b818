"""The RBAC authorizer's decisions, case by case from upstream's own tables.

- ``TestRuleMatches`` and ``TestAuthorizer`` of ``plugin/pkg/auth/authorizer/rbac/rbac_test.go``;
- ``TestResourceMatches`` of ``pkg/apis/rbac/v1/evaluation_helpers_test.go``;
- ``TestAppliesTo`` of ``pkg/registry/rbac/validation/rule_test.go``.
"""

from __future__ import annotations

from typing import Any

import pytest

from simk8s.logic.rbac import Attributes, Policy, User, applies_to, authorize, forbidden_message, rule_allows
from simk8s.logic.rbac_bootstrap import aggregated_rules, bootstrap_objects


def rule(verbs: str, groups: str = "", resources: str = "", urls: str = "") -> dict[str, Any]:
    """upstream's test helper newRule("verbs", "groups", "resources", "urls"), comma-separated."""
    out: dict[str, Any] = {"verbs": verbs.split(",")}
    if urls:
        out["nonResourceURLs"] = urls.split(",")
    else:
        out["apiGroups"] = groups.split(",")
        out["resources"] = resources.split(",")
    return out


def res(verb: str, group: str, resource: str, sub: str = "") -> Attributes:
    return Attributes(verb, resource, group, "", "", sub)


def url(verb: str, path: str) -> Attributes:
    return Attributes(verb, path=path)


RULE_MATCHES = {  # TestRuleMatches
    "star verb, exact match other": (rule("*", "group1", "resource1"), {
        res("verb1", "group1", "resource1"): True, res("verb1", "group2", "resource1"): False,
        res("verb1", "group1", "resource2"): False, res("verb2", "group1", "resource1"): True,
        res("verb2", "group2", "resource2"): False}),
    "star group, exact match other": (rule("verb1", "*", "resource1"), {
        res("verb1", "group1", "resource1"): True, res("verb1", "group2", "resource1"): True,
        res("verb1", "group1", "resource2"): False, res("verb2", "group1", "resource1"): False}),
    "star resource, exact match other": (rule("verb1", "group1", "*"), {
        res("verb1", "group1", "resource1"): True, res("verb1", "group2", "resource1"): False,
        res("verb1", "group1", "resource2"): True, res("verb2", "group1", "resource1"): False}),
    "tuple expansion": (rule("verb1,verb2", "group1,group2", "resource1,resource2"), {
        res(v, g, r): True for v in ("verb1", "verb2") for g in ("group1", "group2")
        for r in ("resource1", "resource2")}),
    "subresource expansion": (rule("*", "*", "resource1/subresource1"), {
        res("verb1", "group1", "resource1", "subresource1"): True,
        res("verb1", "group2", "resource1", "subresource2"): False,
        res("verb1", "group1", "resource2", "subresource1"): False,
        res("verb2", "group1", "resource1", "subresource1"): True}),
    "star nonresource, exact match other": (rule("verb1", urls="*"), {
        **{url("verb1", p): True for p in ("/foo", "/foo/bar", "/foo/baz", "/foo/bar/one", "/foo/baz/one")},
        **{url("verb2", p): False for p in ("/foo", "/foo/bar", "/foo/baz", "/foo/bar/one", "/foo/baz/one")}}),
    "star nonresource subpath": (rule("verb1", urls="/foo/*"), {
        url("verb1", "/foo"): False, url("verb1", "/foo/bar"): True, url("verb1", "/foo/baz"): True,
        url("verb1", "/foo/bar/one"): True, url("verb1", "/foo/baz/one"): True, url("verb1", "/notfoo"): False,
        url("verb1", "/notfoo/bar"): False, url("verb1", "/notfoo/baz/one"): False}),
    "star verb, exact nonresource": (rule("*", urls="/foo,/foo/bar/one"), {
        url("verb1", "/foo"): True, url("verb1", "/foo/bar"): False, url("verb1", "/foo/bar/one"): True,
        url("verb2", "/foo"): True, url("verb2", "/foo/baz/one"): False}),
}


@pytest.mark.parametrize("name", sorted(RULE_MATCHES))
def test_rule_matches(name: str) -> None:
    r, cases = RULE_MATCHES[name]
    assert {a: rule_allows(a, r) for a in cases} == cases


RESOURCE_MATCHES = [  # TestResourceMatches (evaluation_helpers_test.go)
    ("all matches 01", ["*"], "foo", "", True),
    ("checks all rules", ["doesn't match", "*"], "foo", "", True),
    ("matches exact rule", ["foo/bar"], "foo", "bar", True),
    ("matches exact rule 02", ["foo/bar"], "foo", "", False),
    ("matches subresource", ["*/scale"], "foo", "scale", True),
    ("doesn't match partial subresource hit", ["foo/bar", "*/other"], "foo", "other/segment", False),
    ("matches subresource with multiple slashes", ["*/other/segment"], "foo", "other/segment", True),
    ("doesn't fail on empty", [""], "foo", "other/segment", False),
    ("doesn't fail on slash", ["/"], "foo", "other/segment", False),
    ("doesn't fail on missing subresource", ["*/"], "foo", "other/segment", False),
    ("doesn't match on not star", ["*something/other/segment"], "foo", "other/segment", False),
    ("doesn't match on something else", ["something/other/segment"], "foo", "other/segment", False),
]


@pytest.mark.parametrize("name,resources,resource,sub,expected", RESOURCE_MATCHES, ids=[c[0] for c in RESOURCE_MATCHES])
def test_resource_matches(name: str, resources: list[str], resource: str, sub: str, expected: bool) -> None:
    r = {"verbs": ["get"], "apiGroups": [""], "resources": resources}
    assert rule_allows(res("get", "", resource, sub), r) is expected


def test_resource_names_only_match_named_requests() -> None:
    r = {"verbs": ["get", "list"], "apiGroups": ["apps"], "resources": ["statefulsets"], "resourceNames": ["web"]}
    assert rule_allows(Attributes("get", "statefulsets", "apps", "default", "web"), r)
    assert not rule_allows(Attributes("get", "statefulsets", "apps", "default", "db"), r)
    assert not rule_allows(Attributes("list", "statefulsets", "apps", "default"), r)  # a list has no name


def _sa(name: str, ns: str = "") -> dict[str, Any]:
    return {"kind": "ServiceAccount", "name": name, **({"namespace": ns} if ns else {})}


APPLIES_TO = [  # TestAppliesTo (rule_test.go)
    ("single subject that matches username", [{"kind": "User", "name": "foobar"}], User("foobar"), "", 0),
    ("multiple subjects, one that matches username",
     [{"kind": "User", "name": "barfoo"}, {"kind": "User", "name": "foobar"}], User("foobar"), "", 1),
    ("multiple subjects, none that match username",
     [{"kind": "User", "name": "barfoo"}, {"kind": "User", "name": "foobar"}], User("zimzam"), "", None),
    ("multiple subjects, one that match group",
     [{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"}], User("zimzam", ("foobar",)), "", 1),
    ("multiple subjects, one that match group, should ignore namespace",
     [{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"}], User("zimzam", ("foobar",)),
     "namespace1", 1),
    ("multiple subjects with a service account that matches",
     [{"kind": "User", "name": "barfoo"}, {"kind": "Group", "name": "foobar"}, _sa("default", "kube-system")],
     User("system:serviceaccount:kube-system:default"), "default", 2),
    ("service account without a namespace takes the binding's", [_sa("default")],
     User("system:serviceaccount:default:default"), "default", 0),
    ("service account without a namespace in a cluster binding matches nobody", [_sa("default")],
     User("system:serviceaccount:default:default"), "", None),
    ("* user subject name doesn't match all users", [{"kind": "User", "name": "*"}], User("foobar"), "default", None),
    ("binding to all authenticated and unauthenticated subjects matches authenticated user",
     [{"kind": "Group", "name": "system:authenticated"}, {"kind": "Group", "name": "system:unauthenticated"}],
     User("foobar", ("system:authenticated",)), "", 0),
    ("binding to all authenticated and unauthenticated subjects matches anonymous user",
     [{"kind": "Group", "name": "system:authenticated"}, {"kind": "Group", "name": "system:unauthenticated"}],
     User("system:anonymous", ("system:unauthenticated",)), "", 1),
]


@pytest.mark.parametrize("name,subjects,user,namespace,index", APPLIES_TO, ids=[c[0] for c in APPLIES_TO])
def test_applies_to(name: str, subjects: list[Any], user: User, namespace: str, index: int | None) -> None:
    assert applies_to(user, subjects, namespace) == index


def _role(name: str, *rules: dict[str, Any], ns: str = "") -> dict[str, Any]:
    return {"metadata": {"name": name, **({"namespace": ns} if ns else {})}, "rules": list(rules)}


def _binding(name: str, role_kind: str, role: str, *subjects: str, ns: str = "") -> dict[str, Any]:
    subs = [{"kind": s.split(":", 1)[0], "name": s.split(":", 1)[1]} for s in subjects]
    return {"metadata": {"name": name, **({"namespace": ns} if ns else {})},
            "roleRef": {"kind": role_kind, "name": role}, "subjects": subs}


def test_authorizer_cluster_role_bound_in_one_namespace() -> None:
    # TestAuthorizer, first case: a ClusterRole "*" bound by a RoleBinding in ns1 only.
    policy = Policy.of([], [_role("admin", rule("*", "*", "*"))],
                       [_binding("admin", "ClusterRole", "admin", "User:admin", "Group:admins", ns="ns1")], [])
    ok = [(User("admin"), "get", "Pods", "ns1"), (User("admin"), "watch", "Pods", "ns1"),
          (User("admin", ("group1",)), "watch", "Foobar", "ns1"), (User("joe", ("admins",)), "watch", "Foobar", "ns1"),
          (User("joe", ("group1", "admins")), "watch", "Foobar", "ns1")]
    bad = [(User("admin"), "GET", "Pods", "ns2"), (User("admin"), "GET", "Nodes", ""),
           (User("admin", ("admins",)), "GET", "Pods", "ns2"), (User("admin", ("admins",)), "GET", "Nodes", "")]
    for user, verb, resource, ns in ok:
        assert authorize(policy, user, Attributes(verb, resource, "", ns)).allowed, (user, verb, resource, ns)
    for user, verb, resource, ns in bad:
        assert not authorize(policy, user, Attributes(verb, resource, "", ns)).allowed, (user, verb, resource, ns)


def test_authorizer_non_resource_urls() -> None:
    # TestAuthorizer, "Non-resource-url tests".
    policy = Policy.of([], [_role("non-resource-url-getter", rule("get", urls="/apis")),
                            _role("non-resource-url", rule("*", urls="/apis")),
                            _role("non-resource-url-prefix", rule("get", urls="/apis/*"))], [],
                       [_binding("non-resource-url-getter", "ClusterRole", "non-resource-url-getter", "User:foo",
                                 "Group:bar"),
                        _binding("non-resource-url", "ClusterRole", "non-resource-url", "User:admin", "Group:admin"),
                        _binding("non-resource-url-prefix", "ClusterRole", "non-resource-url-prefix",
                                 "User:prefixed", "Group:prefixed")])
    ok = [(User("foo"), "get", "/apis"), (User("", ("bar",)), "get", "/apis"), (User("admin"), "watch", "/apis"),
          (User("prefixed"), "get", "/apis/v1"), (User("", ("prefixed",)), "get", "/apis/v1/foorbar")]
    bad = [(User("foo"), "watch", "/apis"), (User("foo"), "get", "/api/v1"), (User("admin"), "get", "/api/v1"),
           (User("prefixed"), "get", "/api/v1")]
    for user, verb, path in ok:
        assert authorize(policy, user, url(verb, path)).allowed
    for user, verb, path in bad:
        assert not authorize(policy, user, url(verb, path)).allowed


@pytest.mark.parametrize("resources,sub,allowed", [("pods", "", True), ("pods", "status", False),
                                                   ("pods/status", "status", True), ("pods/status", "", False)])
def test_authorizer_subresource_resolution(resources: str, sub: str, allowed: bool) -> None:
    # TestAuthorizer, the two "test subresource resolution" cases.
    policy = Policy.of([], [_role("admin", rule("*", "*", resources))],
                       [_binding("admin", "ClusterRole", "admin", "User:admin", ns="ns1")], [])
    assert authorize(policy, User("admin"), Attributes("get", "pods", "", "ns1", "", sub)).allowed is allowed


def test_reasons_name_the_binding_and_missing_roles_are_reported() -> None:
    policy = Policy.of([_role("reader", rule("get", "", "pods"), ns="default")], [],
                       [_binding("read", "Role", "reader", "User:jane", ns="default"),
                        _binding("gone", "Role", "nope", "User:jane", ns="default")], [])
    jane = User("jane", ("system:authenticated",))
    d = authorize(policy, jane, Attributes("get", "pods", "", "default", "web-0"))
    assert d.allowed and d.reason == 'RBAC: allowed by RoleBinding "read/default" of Role "reader" to User "jane"'
    d = authorize(policy, jane, Attributes("delete", "pods", "", "default", "web-0"))
    assert not d.allowed and d.reason == 'RBAC: role.rbac.authorization.k8s.io "nope" not found'
    assert forbidden_message(jane, Attributes("delete", "pods", "", "default", "web-0")) == (
        'pods "web-0" is forbidden: User "jane" cannot delete resource "pods" in API group "" in the namespace '
        '"default"')
    assert forbidden_message(jane, Attributes("list", "nodes")) == (
        'nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" at the cluster scope')
    assert forbidden_message(jane, Attributes("patch", "statefulsets", "apps", "default", "web", "scale")) == (
        'statefulsets.apps "web" is forbidden: User "jane" cannot patch resource "statefulsets/scale" in API '
        'group "apps" in the namespace "default"')
    assert forbidden_message(jane, url("get", "/metrics")) == 'forbidden: User "jane" cannot get path "/metrics"'


def test_bootstrap_roles_aggregate_view_into_edit_into_admin() -> None:
    objs = bootstrap_objects()
    roles = {o["metadata"]["name"]: o for o in objs if o["kind"] == "ClusterRole"}
    policy = Policy.of([], roles.values(), [], [o for o in objs if o["kind"] == "ClusterRoleBinding"])
    view, edit, admin = (set(map(repr, roles[n]["rules"])) for n in ("view", "edit", "admin"))
    assert view < edit < admin
    extra = {"metadata": {"name": "crontab-viewer", "labels": {
        "rbac.authorization.k8s.io/aggregate-to-view": "true"}}, "rules": [rule("get", "stable.example.com", "crontabs")]}
    assert rule("get", "stable.example.com", "crontabs") in aggregated_rules(roles["view"], [*roles.values(), extra])
    master = User("root", ("system:masters",))
    assert authorize(policy, master, Attributes("delete", "nodes", "", "", "k8s-w1")).reason == (
        'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"')
    anyone = User("jane", ("system:authenticated",))
    assert authorize(policy, anyone, url("get", "/healthz")).allowed
    assert not authorize(policy, anyone, Attributes("get", "pods", "", "default")).allowed
