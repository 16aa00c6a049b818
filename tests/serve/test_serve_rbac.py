"""``simk8s serve`` authenticates kubeconfig users (bearer tokens in the documented simple form) and
authorizes every request with the cluster's RBAC: the real kubectl 1.32 sees the same 403s,
``auth can-i`` and ``auth whoami`` answers as the emulated kubectl."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from simk8s import Cluster
from simk8s.serve import Endpoint

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")

RBAC = "rbac.authorization.k8s.io"
JANE_VIEW = {"apiVersion": f"{RBAC}/v1", "kind": "RoleBinding", "metadata": {"name": "jane-view"},
             "roleRef": {"kind": "ClusterRole", "name": "view"}, "subjects": [{"kind": "User", "name": "jane"}]}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Endpoint, dict[str, str], Cluster]]:
    tmp = tmp_path_factory.mktemp("auth")
    cluster = Cluster(seed=1)
    cluster.apply(JANE_VIEW)
    with cluster.serve(speed=None) as endpoint:
        env = {**os.environ, "KUBECONFIG": str(endpoint.kubeconfig), "KUBECACHEDIR": str(tmp / "cache")}
        yield endpoint, env, cluster


def kubectl(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["kubectl", *args], env=env, capture_output=True, text=True, timeout=60)


def test_impersonated_requests_get_the_same_403_as_the_emulated_kubectl(served: tuple[Endpoint, dict[str, str],
                                                                                  Cluster]) -> None:
    _, env, _ = served
    twin = Cluster(seed=1)
    twin.apply(JANE_VIEW)
    for args in (["get", "nodes", "--as=jane"], ["delete", "pod", "web-0", "--as=jane"],
                 ["get", "pods", "--as=system:serviceaccount:default:default"]):
        real = kubectl(env, *args)
        assert real.returncode == 1
        assert real.stderr == twin.kubectl(args).stderr
    assert kubectl(env, "get", "pods", "--as=jane").returncode == 0


def test_can_i_and_whoami_through_the_real_kubectl(served: tuple[Endpoint, dict[str, str], Cluster]) -> None:
    _, env, _ = served
    assert kubectl(env, "auth", "can-i", "list", "pods", "--as=jane").stdout == "yes\n"
    r = kubectl(env, "auth", "can-i", "create", "pods", "--as=jane")
    assert (r.stdout, r.returncode) == ("no\n", 1)
    assert kubectl(env, "auth", "can-i", "*", "*").stdout == "yes\n"
    who = kubectl(env, "auth", "whoami").stdout
    assert who == ("ATTRIBUTE   VALUE\nUsername    kubernetes-admin\n"
                   "Groups      [kubeadm:cluster-admins system:authenticated]\n")
    who = kubectl(env, "auth", "whoami", "--as=system:serviceaccount:default:op").stdout
    assert "Groups      [system:serviceaccounts system:serviceaccounts:default system:authenticated]" in who


def test_can_i_list_through_the_real_kubectl_matches_the_emulation(
        served: tuple[Endpoint, dict[str, str], Cluster]) -> None:
    _, env, _ = served
    twin = Cluster(seed=1)
    twin.apply(JANE_VIEW)
    for args in (["auth", "can-i", "--list", "--as=jane"], ["auth", "can-i", "--list"],
                 ["auth", "can-i", "--list", "-n", "kube-system", "--as=jane"],
                 ["auth", "can-i", "--list", "--as=system:serviceaccount:default:default", "--no-headers"]):
        real = kubectl(env, *args)
        assert real.returncode == 0, real.stderr
        assert real.stdout == twin.kubectl(args).stdout, args
    assert "pods" in kubectl(env, "auth", "can-i", "--list", "--as=jane").stdout


def _get(endpoint: Endpoint, path: str, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    u = urlparse(endpoint.url)
    conn = http.client.HTTPConnection(u.hostname or "127.0.0.1", int(u.port or 80), timeout=30)
    conn.request("GET", path, headers=headers)
    r = conn.getresponse()
    out = (r.status, json.loads(r.read()))
    conn.close()
    return out


def test_bearer_tokens_name_users(served: tuple[Endpoint, dict[str, str], Cluster]) -> None:
    endpoint, _, _ = served
    code, body = _get(endpoint, "/api/v1/nodes", {"Authorization": "Bearer jane"})
    assert (code, body["message"]) == (403, 'nodes is forbidden: User "jane" cannot list resource "nodes" in API '
                                             'group "" at the cluster scope')
    assert _get(endpoint, "/api/v1/namespaces/default/pods", {"Authorization": "Bearer jane"})[0] == 200
    assert _get(endpoint, "/api/v1/nodes", {"Authorization": "Bearer bob@kubeadm:cluster-admins"})[0] == 200
    assert _get(endpoint, "/api/v1/nodes", {"Authorization": "Bearer simk8s"})[0] == 200
    assert _get(endpoint, "/api/v1/nodes", {})[0] == 200  # no credentials: the admin, as before
    code, body = _get(endpoint, "/api/v1/nodes", {"Authorization": "Basic x"})
    assert (code, body["reason"]) == (401, "Unauthorized")
    # jane may not impersonate anybody
    code, body = _get(endpoint, "/api/v1/namespaces/default/pods",
                      {"Authorization": "Bearer jane", "Impersonate-User": "bob"})
    assert (code, body["message"]) == (403, 'users "bob" is forbidden: User "jane" cannot impersonate resource '
                                             '"users" in API group "" at the cluster scope')


def test_a_kubeconfig_user_may_act_as_someone(served: tuple[Endpoint, dict[str, str], Cluster],
                                              tmp_path: Path) -> None:
    # client-go sends no bearer token over plain HTTP; a kubeconfig user's "as" is sent as impersonation.
    _, env, _ = served
    config = tmp_path / "jane.conf"
    config.write_text(Path(env["KUBECONFIG"]).read_text().replace("token: simk8s", "token: simk8s\n    as: jane"))
    jane = {**env, "KUBECONFIG": str(config)}
    assert kubectl(jane, "auth", "whoami").stdout.splitlines()[1:] == [
        "Username    jane", "Groups      [system:authenticated]"]
    assert kubectl(jane, "get", "nodes").stderr == (
        'Error from server (Forbidden): nodes is forbidden: User "jane" cannot list resource "nodes" in API group "" '
        "at the cluster scope\n")
