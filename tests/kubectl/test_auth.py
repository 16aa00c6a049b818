"""RBAC end to end: ``kubectl auth can-i``/``whoami``, ``--as`` on every verb with the API server's 403,
the default service account per namespace, the ServiceAccount admission plugin, and aggregation."""

from __future__ import annotations

import pytest

from simk8s import Cluster
from simk8s.api.errors import Forbidden

RBAC = "rbac.authorization.k8s.io"
JANE_VIEW = {"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding", "metadata": {"name": "jane-view"},
             "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "User", "name": "jane"}]}


@pytest.fixture
def c() -> Cluster:
    return Cluster(seed=1)


def test_the_default_user_is_kubeadms_admin(c: Cluster) -> None:
    assert c.kubectl("auth whoami").stdout == (
        "ATTRIBUTE   VALUE\nUsername    kubernetes-admin\nGroups      [kubeadm:cluster-admins system:authenticated]\n")
    r = c.kubectl("auth can-i '*' '*'")
    assert (r.stdout, r.code) == ("yes\n", 0)
    assert c.kubectl("auth can-i --list").stdout.splitlines()[1:3] == [
        "*.*                                             []                  []               [*]",
        "                                                [*]                 []               [*]"]


def test_impersonated_users_get_the_api_servers_403(c: Cluster) -> None:
    r = c.kubectl("get pods --as jane")
    assert (r.stderr, r.code) == ('Error from server (Forbidden): pods is forbidden: User "jane" cannot list resource '
                                  '"pods" in API group "" in the namespace "default"\n', 1)
    r = c.kubectl("--as=system:serviceaccount:default:default get nodes")
    assert r.stderr == ('Error from server (Forbidden): nodes is forbidden: User "system:serviceaccount:default:default" '
                        'cannot list resource "nodes" in API group "" at the cluster scope\n')
    c.apply(JANE_VIEW)
    assert c.kubectl("get pods --as jane").stderr == "No resources found in default namespace.\n"
    r = c.kubectl("run x --image=nginx --as jane")
    assert r.stderr.startswith('Error from server (Forbidden): pods is forbidden: User "jane" cannot create resource')
    assert c.store.try_get("Pod", "x", "default") is None
    r = c.kubectl("auth whoami --as=system:serviceaccount:default:op")
    assert "Groups      [system:serviceaccounts system:serviceaccounts:default system:authenticated]" in r.stdout
    assert c.kubectl("get pods --as-group=x").stderr == (
        "error: requesting uid, groups or user-extra for  without impersonating a user\n")


def test_exec_and_logs_need_their_subresources(c: Cluster) -> None:
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
             "spec": {"containers": [{"name": "c", "image": "nginx:1.25"}]}})
    c.settle()
    c.apply(JANE_VIEW)
    r = c.kubectl("exec p --as jane -- true")
    assert r.stderr == ('Error from server (Forbidden): pods "p" is forbidden: User "jane" cannot create resource '
                        '"pods/exec" in API group "" in the namespace "default"\n')
    assert c.kubectl("logs p --as jane").code == 0  # view grants pods/log


def test_can_i_answers_like_kubectl(c: Cluster) -> None:
    c.apply(JANE_VIEW)
    assert (c.kubectl("auth can-i list pods --as jane").stdout, c.kubectl("auth can-i create pods --as jane").code) \
        == ("yes\n", 1)
    r = c.kubectl("auth can-i get nodes --as jane")
    assert (r.stdout, r.stderr) == ("no\n", "Warning: resource 'nodes' is not namespace scoped\n")
    r = c.kubectl("auth can-i frob foos --as jane")
    assert r.stderr == ("Warning: the server doesn't have a resource type 'foos'\n"
                        "Warning: verb 'frob' is not a known verb\n")
    assert c.kubectl("auth can-i get /healthz --as jane").stdout == "yes\n"
    assert c.kubectl("auth can-i list pods -n kube-system --as jane").stdout == "no\n"
    assert c.kubectl("auth can-i get pods -q --as jane").stdout == ""
    assert c.kubectl("auth can-i get").stderr == (
        "error: you must specify two arguments: verb resource or verb resource/resourceName.\n"
        "See 'kubectl auth can-i -h' for help and examples.\n")
    listed = c.kubectl("auth can-i --list --as jane").stdout.splitlines()
    assert "statefulsets.apps                               []                  []               [get list watch]" \
        in listed


def test_a_namespace_gets_a_default_service_account_and_pods_get_their_token(c: Cluster) -> None:
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    c.settle()
    assert c.get("serviceaccounts", "default", "team")["metadata"]["name"] == "default"
    c.delete("serviceaccounts", "default", "team")
    c.settle()
    assert c.store.try_get("ServiceAccount", "default", "team") is not None  # the controller puts it back
    with pytest.raises(Forbidden) as e:
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "team"},
                  "spec": {"serviceAccountName": "ghost", "containers": [{"name": "c", "image": "nginx"}]}})
    assert str(e.value) == ('pods "p" is forbidden: error looking up service account team/ghost: serviceaccount '
                            '"ghost" not found')
    c.apply({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "quiet", "namespace": "team"},
             "automountServiceAccountToken": False})
    pod = c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "q", "namespace": "team"},
                    "spec": {"serviceAccountName": "quiet", "containers": [{"name": "c", "image": "nginx"}]}})
    assert not any(v["name"].startswith("kube-api-access-") for v in pod["spec"].get("volumes") or ())
    pod = c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "r", "namespace": "team"},
                    "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    mount = pod["spec"]["containers"][0]["volumeMounts"][0]
    assert mount["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount" and mount["readOnly"] is True


def test_new_aggregated_rules_reach_view_edit_and_admin(c: Cluster) -> None:
    c.apply({"apiVersion": f"{RBAC}/v1", "kind": "ClusterRole",
             "metadata": {"name": "sc-viewer", "labels": {f"{RBAC}/aggregate-to-view": "true"}},
             "rules": [{"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["get"]}]})
    c.settle()
    for role in ("view", "edit", "admin"):
        rules = c.get("clusterroles", role)["rules"]
        assert {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["get"]} in rules, role
    c.apply(JANE_VIEW)
    assert c.kubectl("auth can-i get storageclasses --as jane").stdout == "yes\n"
