"""kubectl verbs end to end: logs, label/annotate, wait, rollout, drain, run, patch types, yaml output."""

from __future__ import annotations

import pytest
import yaml

from simk8s import Cluster
from simk8s.examples import WEB_YAML


@pytest.fixture
def web() -> Cluster:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    return c


def test_logs_show_nginx_access_and_error_lines_for_requests(web: Cluster) -> None:
    assert web.kubectl("exec web-0 -- curl -s http://localhost/").stdout.startswith("<html>")
    log = web.kubectl("logs web-0").stdout.splitlines()
    assert log[0].endswith('directory index of "/usr/share/nginx/html/" is forbidden, client: 127.0.0.1, '
                           'server: localhost, request: "GET / HTTP/1.1", host: "localhost"')
    assert log[1].startswith('127.0.0.1 - - [') and log[1].endswith('"GET / HTTP/1.1" 403 169 "-" "curl/7.88.1"')


def test_label_needs_overwrite_to_change_and_dash_removes(web: Cluster) -> None:
    assert web.kubectl("label pod web-0 env=prod").stdout == "pod/web-0 labeled\n"
    r = web.kubectl("label pod web-0 env=dev")
    assert (r.code, r.stderr) == (1, "error: 'env' already has a value (prod), and --overwrite is false\n")
    assert web.kubectl("label pod web-0 env=dev --overwrite").code == 0
    assert web.get("pods", "web-0")["metadata"]["labels"]["env"] == "dev"
    assert web.kubectl("label pod web-0 env-").stdout == "pod/web-0 unlabeled\n"
    assert web.kubectl("annotate sts web note=hi").stdout == "statefulset.apps/web annotated\n"
    assert web.get("sts", "web")["metadata"]["annotations"]["note"] == "hi"


def test_wait_for_ready_and_for_delete(web: Cluster) -> None:
    assert web.kubectl("wait --for=condition=Ready pod/web-1 --timeout=10s").stdout == "pod/web-1 condition met\n"
    web.delete("pods", "web-1")
    assert web.kubectl("wait --for=delete pod/web-1 --timeout=60s").stdout == "pod/web-1 condition met\n"


def test_rollout_restart_status_history_and_undo(web: Cluster) -> None:
    assert web.kubectl("rollout restart sts/web").stdout == "statefulset.apps/web restarted\n"
    status = web.kubectl("rollout status sts/web").stdout.splitlines()
    assert status[-1] == "partitioned roll out complete: 2 new pods have been updated..."
    history = web.kubectl("rollout history sts/web").stdout.splitlines()
    assert history[:4] == ["statefulset.apps/web ", "REVISION  CHANGE-CAUSE", "1         <none>", "2         <none>"]
    assert web.kubectl("rollout undo sts/web").stdout == "statefulset.apps/web rolled back\n"
    web.settle()
    annotations = web.get("sts", "web")["spec"]["template"]["metadata"].get("annotations") or {}
    assert "kubectl.kubernetes.io/restartedAt" not in annotations


def test_drain_evicts_and_a_local_path_pod_waits_for_its_node_to_be_uncordoned(web: Cluster) -> None:
    node = web.get("pods", "web-0")["spec"]["nodeName"]
    out = web.kubectl(f"drain {node} --ignore-daemonsets").stdout.splitlines()
    assert out[0] == f"node/{node} cordoned" and "evicting pod default/web-0" in out
    assert out[-1] == f"node/{node} drained"
    web.settle()
    assert web.get("pods", "web-0")["spec"].get("nodeName") is None      # its volume lives on that node
    message = [e["message"] for e in web.get("events") if e["reason"] == "FailedScheduling"][-1]
    assert "1 node(s) were unschedulable" in message and "2 node(s) had volume node affinity conflict" in message
    assert web.kubectl(f"uncordon {node}").stdout == f"node/{node} uncordoned\n"
    web.settle()
    assert web.get("pods", "web-0")["spec"]["nodeName"] == node


def test_run_creates_a_bare_pod_and_delete_waits_for_it(web: Cluster) -> None:
    assert web.kubectl("run solo --image=nginx:1.25").stdout == "pod/solo created\n"
    web.settle()
    assert web.get("pods", "solo")["metadata"]["labels"] == {"run": "solo"}
    assert web.kubectl("delete pod solo").stdout == 'pod "solo" deleted\n'
    assert [p["metadata"]["name"] for p in web.get("pods")] == ["web-0", "web-1"]


def test_patch_types(web: Cluster) -> None:
    r = web.kubectl(["patch", "sts", "web", "--type=merge", "-p", '{"spec":{"replicas":3}}'])
    assert r.stdout == "statefulset.apps/web patched\n" and web.get("sts", "web")["spec"]["replicas"] == 3
    r = web.kubectl(["patch", "sts", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":2}]'])
    assert r.code == 0 and web.get("sts", "web")["spec"]["replicas"] == 2
    rv = web.store.resource_version
    r = web.kubectl(["patch", "sts", "web", "--type=json", "-p", '[{"op":"remove","path":"/spec/nope"}]'])
    assert (r.code, r.stderr) == (1, "The request is invalid: the server rejected our request due to an error in "
                                     "our request\n")
    assert web.store.resource_version == rv


def test_yaml_output_round_trips_the_object(web: Cluster) -> None:
    doc = yaml.safe_load(web.kubectl("get sts web -o yaml").stdout)
    assert doc == web.get("sts", "web")


def test_immutable_fields_are_refused_on_update_and_nothing_changes(web: Cluster) -> None:
    rv = web.store.resource_version
    r = web.kubectl(["patch", "sts", "web", "-p", '{"spec":{"serviceName":"other"}}'])
    assert (r.code, r.stderr) == (1, "The StatefulSet \"web\" is invalid: spec: Forbidden: updates to statefulset "
                                     "spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
                                     "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and "
                                     "'minReadySeconds' are forbidden\n")
    r = web.kubectl(["patch", "svc", "nginx", "-p", '{"spec":{"clusterIP":"10.200.9.9"}}'])
    assert r.stderr == ('The Service "nginx" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.200.9.9"}: '
                        "may not change once set\n")
    assert web.store.resource_version == rv


def test_rollout_status_of_a_defaulted_set_prints_every_event_and_ends_partitioned() -> None:
    # kubectl prints the viewer's text on every watch event of the set, repeated lines included.
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    r = c.kubectl("rollout status sts/web")
    assert r.code == 0
    lines = r.stdout.splitlines()
    assert lines[0] == "Waiting for statefulset spec update to be observed..."
    assert lines.count("Waiting for 2 pods to be ready...") >= 1 and "Waiting for 1 pods to be ready..." in lines
    assert lines[-1] == "partitioned roll out complete: 2 new pods have been updated..."


def test_rollout_status_errors_end_the_command(web: Cluster) -> None:
    r = web.kubectl("rollout status pod/web-0")
    assert (r.code, r.stderr) == (1, "error: no status viewer has been implemented for Pod\n")
    r = web.kubectl("rollout status sts/web --revision=-1")
    assert (r.code, r.stderr) == (1, "error: revision must be a positive integer: -1\n")
    web.patch("sts", "web", {"spec": {"updateStrategy": {"type": "OnDelete", "rollingUpdate": None}}})
    r = web.kubectl("rollout status sts/web")
    assert (r.code, r.stdout, r.stderr) == (
        1, "", "error: rollout status is only available for RollingUpdate strategy type\n")


def test_rollout_status_without_watch_prints_once(web: Cluster) -> None:
    web.kubectl("scale sts web --replicas=3")
    r = web.kubectl("rollout status sts/web --watch=false")
    assert (r.code, r.stdout) == (0, "Waiting for statefulset spec update to be observed...\n")
    web.run(1)
    r = web.kubectl("rollout status sts/web --watch=false")
    assert (r.code, r.stdout) == (0, "Waiting for 1 pods to be ready...\n")


def _pod_history(c: Cluster, name: str) -> list[tuple[float, str, str]]:
    return [(ev.t, ev.type, (ev.obj.get("status") or {}).get("phase", "")) for ev in c.store.log
            if ev.kind.kind == "Pod" and ev.obj["metadata"]["name"] == name]


def test_run_rm_deletes_at_once_after_the_shell_exits(web: Cluster) -> None:
    # The attached zsh is the container's main process: `exit` ends the container, the pod turns
    # Succeeded (restartPolicy Never), and kubectl's delete of a terminal pod needs no grace period.
    r = web.kubectl(["run", "-it", "--rm", "netdebug", "--image=nicolaka/netshoot", "--restart=Never", "--", "zsh"],
                    stdin="hostname\nexit\n")
    assert r.code == 0 and r.stdout.endswith('pod "netdebug" deleted\n')
    history = _pod_history(web, "netdebug")
    succeeded = next(t for t, typ, phase in history if phase == "Succeeded")
    deleted = next(t for t, typ, _ in history if typ == "DELETED")
    assert deleted - succeeded < 1.0
    assert web.env.now - succeeded < 1.0
    assert web.store.try_get("Pod", "netdebug", "default") is None
    assert not [e for e in web.get("events") if e["involvedObject"]["name"] == "netdebug" and e["reason"] == "Killing"]


def test_run_exit_code_of_the_attached_shell_is_kubectls(web: Cluster) -> None:
    r = web.kubectl(["run", "-it", "--rm", "oops", "--image=busybox", "--restart=Never", "--", "sh"],
                    stdin="exit 3\n")
    assert (r.code, r.stderr) == (3, "pod default/oops terminated (Error)\n")
    assert r.stdout.endswith('pod "oops" deleted\n')


def test_run_interactive_defaults_to_on_failure_and_keeps_a_finished_pod_without_rm(web: Cluster) -> None:
    r = web.kubectl(["run", "-it", "box", "--image=busybox", "--", "sh"], stdin="exit\n")
    assert r.code == 0
    pod = web.get("pods", "box")
    assert pod["spec"]["restartPolicy"] == "OnFailure" and pod["status"]["phase"] == "Succeeded"
    assert pod["status"]["containerStatuses"][0]["state"]["terminated"]["reason"] == "Completed"
