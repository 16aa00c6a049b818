"""The kubectl emulation against a settled seed-lab cluster: tables, output formats, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from simk8s import Cluster
from simk8s.examples import WEB_YAML

WEB = WEB_YAML


@pytest.fixture(scope="module")
def web() -> Cluster:
    c = Cluster(seed=1)
    c.apply(WEB)
    c.settle()
    return c


def test_get_pods_table_has_kubectl_columns_and_widths(web: Cluster) -> None:
    r = web.kubectl("get pods")
    assert r.code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "NAME    READY   STATUS    RESTARTS   AGE"
    assert lines[1].startswith("web-0   1/1     Running   0          ")


def test_wide_output_adds_ip_and_node(web: Cluster) -> None:
    header = web.kubectl("get pods -o wide").stdout.splitlines()[0].split()
    assert header[5:] == ["IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"]


def test_several_kinds_print_one_table_each_with_kind_prefixes(web: Cluster) -> None:
    out = web.kubectl("get pods,sts").stdout
    tables = out.split("\n\n")
    assert tables[0].splitlines()[1].startswith("pod/web-0")
    assert tables[1].splitlines() == [tables[1].splitlines()[0], tables[1].splitlines()[1]]
    assert tables[1].splitlines()[0] == "NAME                   READY   AGE"


def test_pvc_and_pv_columns(web: Cluster) -> None:
    rows = [line.split() for line in web.kubectl("get pvc").stdout.splitlines()]
    assert rows[0] == ["NAME", "STATUS", "VOLUME", "CAPACITY", "ACCESS", "MODES", "STORAGECLASS",
                       "VOLUMEATTRIBUTESCLASS", "AGE"]
    assert rows[1][:2] == ["www-web-0", "Bound"] and rows[1][2].startswith("pvc-") and rows[1][3:7] == [
        "1Gi", "RWO", "local-path", "<unset>"]
    pv = [line.split() for line in web.kubectl("get pv").stdout.splitlines()][1]
    assert pv[1:6] == ["1Gi", "RWO", "Delete", "Bound", pv[5]] and pv[5].startswith("default/www-web-")


def test_output_name_jsonpath_and_json(web: Cluster) -> None:
    assert web.kubectl("get pods -o name").stdout == "pod/web-0\npod/web-1\n"
    assert web.kubectl("get sts web -o jsonpath={.spec.replicas}").stdout == "2"
    names = web.kubectl(["get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name}{\"\\n\"}{end}"]).stdout
    assert names == "web-0\nweb-1\n"
    assert '"kind": "StatefulSet"' in web.kubectl("get sts web -o json").stdout


def test_errors_are_kubectls_and_exit_one(web: Cluster) -> None:
    cases = {
        "get pod web-9": 'Error from server (NotFound): pods "web-9" not found\n',
        "get foo": 'error: the server doesn\'t have a resource type "foo"\n',
        "frobnicate": 'error: unknown command "frobnicate" for "kubectl"\n',
        "get pods --nope": "error: unknown flag: --nope\nSee 'kubectl get --help' for usage.\n",
        "scale sts web": 'error: required flag(s) "replicas" not set\n',
        "exec web-9 -- ls": 'Error from server (NotFound): pods "web-9" not found\n',
        "exec web-0 -c nope -- ls": "error: container nope not found in pod web-0\n",
    }
    rv = web.store.resource_version
    for cmd, err in cases.items():
        r = web.kubectl(cmd)
        assert (r.code, r.stderr) == (1, err), cmd
    assert web.store.resource_version == rv


def test_invalid_scale_patch_is_refused_with_the_api_message_and_changes_nothing(web: Cluster) -> None:
    rv = web.store.resource_version
    r = web.kubectl(["patch", "sts", "web", "-p", '{"spec":{"replicas":-1}}'])
    assert r.code == 1
    assert r.stderr == ("The StatefulSet \"web\" is invalid: spec.replicas: Invalid value: -1: "
                        "must be greater than or equal to 0\n")
    assert web.store.resource_version == rv


def test_exec_of_a_missing_program_fails_like_the_runtime(web: Cluster) -> None:
    r = web.kubectl("exec web-0 -- nosuchcmd")
    assert r.code == 1 and 'exec: "nosuchcmd": executable file not found in $PATH' in r.stderr


def test_exit_code_of_the_command_is_kubectls(web: Cluster) -> None:
    r = web.kubectl(["exec", "web-0", "--", "sh", "-c", "exit 3"])
    assert r.code == 3 and r.stderr == "command terminated with exit code 3\n"


def test_apply_twice_is_unchanged(web: Cluster, tmp_path: Path) -> None:
    assert [a for _, _, a in web.apply(WEB)] == ["unchanged", "unchanged"]


def test_describe_pod_shows_volumes_and_events(web: Cluster) -> None:
    out = web.kubectl("describe pod web-0").stdout
    assert out.startswith("Name:             web-0\nNamespace:        default\n")
    assert "    ClaimName:  www-web-0\n" in out
    assert "default-scheduler  Successfully assigned default/web-0 to" in out


BAD_MANIFESTS = {
    "apiVersion: v1\nmetadata:\n  name: x\n":
        'error: error validating "STDIN": error validating data: kind not set; if you choose to ignore these '
        "errors, turn validation off with --validate=false\n",
    "apiVersion: foo/v1\nkind: Bar\nmetadata:\n  name: x\n":
        'error: resource mapping not found for name: "x" namespace: "" from "STDIN": no matches for kind "Bar" in '
        'version "foo/v1"\nensure CRDs are installed first\n',
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  replica: 2\n  selector: {matchLabels: "
    "{a: b}}\n  template: {metadata: {labels: {a: b}}, spec: {containers: [{name: c, image: nginx}]}}\n":
        'Error from server (BadRequest): error when creating "STDIN": StatefulSet in version "v1" cannot be handled '
        'as a StatefulSet: strict decoding error: unknown field "spec.replica"\n',
    "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: web\nspec:\n  replicas: -1\n  selector: {matchLabels: "
    "{a: b}}\n  template: {metadata: {labels: {a: c}}, spec: {containers: [{name: c, image: nginx}]}}\n":
        'The StatefulSet "web" is invalid: \n* spec.replicas: Invalid value: -1: must be greater than or equal to 0\n'
        '* spec.template.metadata.labels: Invalid value: map[string]string{"a":"c"}: `selector` does not match '
        "template `labels`\n",
}


@pytest.mark.parametrize("manifest", list(BAD_MANIFESTS))
def test_bad_manifests_are_refused_as_kubectl_does_and_change_nothing(manifest: str) -> None:
    c = Cluster(seed=1)
    rv = c.store.resource_version
    r = c.kubectl(["apply", "-f", "-"], stdin=manifest)
    assert (r.code, r.stderr) == (1, BAD_MANIFESTS[manifest])
    assert c.store.resource_version == rv


def test_malformed_yaml_is_a_parse_error() -> None:
    r = Cluster(seed=1).kubectl(["apply", "-f", "-"], stdin="kind: Service\nmetadata:\n  name: x\n   bad: [")
    assert r.code == 1 and r.stderr.startswith("error: error parsing STDIN: error converting YAML to JSON: yaml: line")


def test_a_lost_node_is_not_ready_and_a_cordoned_one_scheduling_disabled(web: Cluster) -> None:
    # printers.go printNode: any Ready status but True prints "NotReady" (the lost node's Ready
    # condition is Unknown); "Unknown" only when there is no Ready condition at all.
    web.fail_node("k8s-w2")
    web.run(60)
    web.kubectl("cordon k8s-w3")
    rows = {line.split()[0]: line.split()[1] for line in web.kubectl("get nodes").stdout.splitlines()[1:]}
    assert rows == {"k8s-m": "Ready", "k8s-w1": "Ready", "k8s-w2": "NotReady", "k8s-w3": "Ready,SchedulingDisabled"}
    ready = [c for c in web.get("nodes", "k8s-w2")["status"]["conditions"] if c["type"] == "Ready"]
    assert ready[0]["status"] == "Unknown"
