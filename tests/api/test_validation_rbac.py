"""RBAC objects and ServiceAccounts: defaults and validation with pkg/apis/rbac/validation's texts."""

from __future__ import annotations

from simk8s import Cluster
from tests.api.test_validation_apps import errors

RBAC = "rbac.authorization.k8s.io"


def test_policy_rules_need_verbs_groups_and_resources_or_urls():
    role = {"metadata": {"name": "r", "namespace": "default"},
            "rules": [{"verbs": []}, {"verbs": ["get"], "nonResourceURLs": ["/healthz"], "resources": ["pods"]}]}
    assert errors("Role", role) == [
        "rules[0].verbs: Required value: verbs must contain at least one value",
        "rules[0].apiGroups: Required value: resource rules must supply at least one api group",
        "rules[0].resources: Required value: resource rules must supply at least one resource",
        'rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to '
        "non-resource URLs",
        'rules[1].nonResourceURLs: Invalid value: []string{"/healthz"}: rules cannot apply to both regular '
        "resources and non-resource URLs",
    ]
    cluster_role = {"metadata": {"name": "a/b"}, "rules": [{"verbs": ["get"], "nonResourceURLs": ["/healthz"]}],
                    "aggregationRule": {"clusterRoleSelectors": []}}
    assert errors("ClusterRole", cluster_role) == [
        "metadata.name: Invalid value: \"a/b\": may not contain '/'",
        "aggregationRule.clusterRoleSelectors: Required value: at least one clusterRoleSelector required if "
        "aggregationRule is non-nil",
    ]


def test_bindings_check_the_role_ref_and_subjects_and_keep_role_ref_immutable():
    rb = {"metadata": {"name": "rb", "namespace": "default"}, "roleRef": {"kind": "Pod", "name": ""},
          "subjects": [{"kind": "ServiceAccount", "name": "x", "apiGroup": RBAC}, {"kind": "Robot", "name": "r"},
                       {"kind": "User", "name": ""}]}
    assert errors("RoleBinding", rb) == [
        'roleRef.kind: Unsupported value: "Pod": supported values: "Role", "ClusterRole"',
        "roleRef.name: Required value",
        f'subjects[0].apiGroup: Unsupported value: "{RBAC}": supported values: ""',
        'subjects[1].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
        "subjects[2].name: Required value",
    ]
    crb = {"metadata": {"name": "crb"}, "roleRef": {"kind": "Role", "name": "x"},
           "subjects": [{"kind": "ServiceAccount", "name": "x"}]}
    assert errors("ClusterRoleBinding", crb) == [
        'roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"',
        "subjects[0].namespace: Required value",
    ]
    old = {"metadata": {"name": "rb", "namespace": "default"}, "roleRef": {"kind": "Role", "name": "a"}}
    new = {"metadata": {"name": "rb", "namespace": "default"}, "roleRef": {"kind": "Role", "name": "b"}}
    assert errors("RoleBinding", new, old) == [
        f'roleRef: Invalid value: rbac.RoleRef{{APIGroup:"{RBAC}", Kind:"Role", Name:"b"}}: cannot change roleRef']


def test_subjects_and_role_ref_get_the_rbac_group_and_tables_print():
    c = Cluster(seed=1)
    c.apply({"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding", "metadata": {"name": "rb"},
             "roleRef": {"kind": "ClusterRole", "name": "view"},
             "subjects": [{"kind": "User", "name": "jane"}, {"kind": "ServiceAccount", "name": "op",
                                                               "namespace": "default"}]})
    rb = c.get("rolebindings", "rb")
    assert rb["roleRef"]["apiGroup"] == RBAC and rb["subjects"][0]["apiGroup"] == RBAC
    assert "apiGroup" not in rb["subjects"][1]
    assert c.kubectl("get rolebinding rb -o wide").stdout.splitlines() == [
        "NAME   ROLE               AGE   USERS   GROUPS   SERVICEACCOUNTS",
        "rb     ClusterRole/view   0s    jane             default/op"]
    c.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "op"}})
    assert c.kubectl("get sa op").stdout.splitlines() == ["NAME   SECRETS   AGE", "op     0         0s"]
