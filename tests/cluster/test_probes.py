"""The kubelet's probe workers, restart policy and crash back-off, with upstream's timings,
events and messages (pkg/kubelet/prober, kuberuntime, client-go flowcontrol.Backoff)."""

from __future__ import annotations

from typing import Any

from simk8s import Cluster


def pod(name: str, image: str = "busybox", **container: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "c", "image": image, **container}]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def events(cluster: Cluster, name: str) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in cluster.get("events") if e["involvedObject"]["name"] == name]


def status(cluster: Cluster, name: str) -> Any:
    return cluster.get("pods", name)["status"]["containerStatuses"][0]


def test_the_docs_exec_liveness_example_restarts_the_container(cluster: Cluster) -> None:
    # kubernetes.io "Define a liveness command": the file disappears after 30 s.
    cluster.create(pod("liveness-exec", args=["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; "
                                                               "sleep 600"],
                       livenessProbe={"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5,
                                      "periodSeconds": 5}))
    cluster.run(40)
    assert status(cluster, "liveness-exec")["restartCount"] == 0
    cluster.run(80)  # three failures from about 40 s, then 30 s of grace: sh ignores SIGTERM
    got = events(cluster, "liveness-exec")
    assert ("Unhealthy", "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n") in got
    assert ("Killing", "Container c failed liveness probe, will be restarted") in got
    st = status(cluster, "liveness-exec")
    assert st["restartCount"] == 1 and st["state"].get("running")
    last = st["lastState"]["terminated"]
    assert last["exitCode"] == 137 and last["reason"] == "Error"  # sh as PID 1 ignores SIGTERM: killed at 30 s
    row = cluster.kubectl("get pod liveness-exec").stdout.splitlines()[1].split()
    assert row[1:4] == ["1/1", "Running", "1"] and row[4].startswith("(")


def test_an_http_liveness_failure_restarts_nginx_which_exits_cleanly(cluster: Cluster) -> None:
    cluster.create(pod("web", "nginx:1.27", livenessProbe={"httpGet": {"path": "/healthz", "port": 80},
                                                           "periodSeconds": 3, "failureThreshold": 2}))
    cluster.run(30)
    got = events(cluster, "web")
    assert ("Unhealthy", "Liveness probe failed: HTTP probe failed with statuscode: 404") in got
    st = status(cluster, "web")
    assert st["restartCount"] >= 1
    assert st["lastState"]["terminated"]["exitCode"] == 0 and st["lastState"]["terminated"]["reason"] == "Completed"


def test_tcp_readiness_waits_for_the_database_and_a_wrong_port_is_refused(cluster: Cluster) -> None:
    env = [{"name": "POSTGRES_PASSWORD", "value": "x"}]
    cluster.create(pod("db", "postgres:16", env=env, readinessProbe={"tcpSocket": {"port": 5432}, "periodSeconds": 2}))
    cluster.create(pod("bad", "postgres:16", env=env, readinessProbe={"tcpSocket": {"port": 5433}}))
    cluster.settle()
    assert status(cluster, "db")["ready"] is True
    assert status(cluster, "bad")["ready"] is False
    ip = cluster.get("pods", "bad")["status"]["podIP"]
    assert ("Unhealthy", f"Readiness probe failed: dial tcp {ip}:5433: connect: connection refused") in \
        events(cluster, "bad")
    assert cluster.kubectl("get pod bad").stdout.splitlines()[1].split()[1:3] == ["0/1", "Running"]


def test_a_startup_probe_holds_back_liveness_and_kills_a_container_that_never_starts(cluster: Cluster) -> None:
    cluster.create(pod("slow", "nginx:1.27", startupProbe={"httpGet": {"path": "/ready", "port": 80},
                                                            "periodSeconds": 2, "failureThreshold": 3},
                       livenessProbe={"tcpSocket": {"port": 81}}))
    cluster.run(25)
    got = events(cluster, "slow")
    assert ("Killing", "Container c failed startup probe, will be restarted") in got
    assert not any(m.startswith("Liveness") for _, m in got)  # liveness waits for the startup probe
    assert status(cluster, "slow")["started"] is False


def test_crash_back_off_doubles_from_10s_to_5m_and_shows_in_the_status(cluster: Cluster) -> None:
    cluster.create(pod("crash", command=["sh", "-c", "echo boom; exit 3"]))
    cluster.run(900)
    waits = []
    for ev in cluster.store.log:
        if ev.kind.kind == "Pod" and ev.obj["metadata"]["name"] == "crash":
            for cs in ev.obj["status"].get("containerStatuses") or ():
                message = (cs["state"].get("waiting") or {}).get("message", "")
                if message and (not waits or waits[-1] != message.split()[1]):
                    waits.append(message.split()[1])
    assert waits[:6] == ["10s", "20s", "40s", "1m20s", "2m40s", "5m0s"]
    st = status(cluster, "crash")
    assert st["lastState"]["terminated"]["exitCode"] == 3
    assert cluster.kubectl("logs crash").stdout == "boom\n"
    assert cluster.kubectl("logs --previous crash").stdout == "boom\n"


def test_the_back_off_is_forgotten_after_ten_minutes_of_running(cluster: Cluster) -> None:
    cluster.create(pod("flaky", command=["sh", "-c", "sleep 700; exit 1"]))
    cluster.run(2200)
    reasons = [cs["state"] for ev in cluster.store.log if ev.kind.kind == "Pod"
               and ev.obj["metadata"]["name"] == "flaky" for cs in ev.obj["status"].get("containerStatuses") or ()]
    assert status(cluster, "flaky")["restartCount"] >= 2
    assert not any((s.get("waiting") or {}).get("reason") == "CrashLoopBackOff" for s in reasons)


def test_probe_kinds_report_upstream_outputs(cluster: Cluster) -> None:
    cluster.create(pod("grpc", "example.com/app:1", ports=[{"containerPort": 9090}],
                       readinessProbe={"grpc": {"port": 9090}}))
    cluster.create(pod("nogrpc", "nginx:1.27", readinessProbe={"grpc": {"port": 80}, "timeoutSeconds": 2}))
    cluster.create(pod("slowexec", command=["sleep", "infinity"],
                       readinessProbe={"exec": {"command": ["sleep", "5"]}, "timeoutSeconds": 1}))
    cluster.settle()
    assert status(cluster, "grpc")["ready"] is True
    ip = cluster.get("pods", "nogrpc")["status"]["podIP"]
    assert ("Unhealthy", f'Readiness probe failed: timeout: failed to connect service "{ip}:80" within 2s: '
                         "context deadline exceeded") in events(cluster, "nogrpc")
    assert status(cluster, "slowexec")["ready"] is False
    assert ("Unhealthy", "Readiness probe failed: ") in events(cluster, "slowexec")


def test_restart_policy_on_failure_and_never(cluster: Cluster) -> None:
    cluster.create({**pod("ok", command=["sh", "-c", "echo done"]), "spec": {
        "restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox",
                                                      "command": ["sh", "-c", "echo done"]}]}})
    cluster.create({**pod("no"), "spec": {"restartPolicy": "Never", "containers": [
        {"name": "c", "image": "busybox", "command": ["sh", "-c", "exit 2"]}]}})
    cluster.settle()
    assert cluster.kubectl("get pod ok").stdout.splitlines()[1].split()[1:4] == ["0/1", "Completed", "0"]
    assert cluster.kubectl("get pod no").stdout.splitlines()[1].split()[1:4] == ["0/1", "Error", "0"]
    assert cluster.get("pods", "no")["status"]["phase"] == "Failed"


def test_describe_lists_every_probe_as_kubectl_does(cluster: Cluster) -> None:
    cluster.create(pod("p", "nginx:1.27", livenessProbe={"exec": {"command": ["cat", "/tmp/healthy"]},
                                                        "initialDelaySeconds": 5, "periodSeconds": 5},
                       readinessProbe={"httpGet": {"path": "/", "port": 80}},
                       startupProbe={"grpc": {"port": 9090}, "failureThreshold": 30}))
    lines = [line.strip() for line in cluster.kubectl("describe pod p").stdout.splitlines()]
    probes = [line.split(":", 1) for line in lines if line.split(":")[0] in ("Liveness", "Readiness", "Startup")]
    assert [(k, v.lstrip()) for k, v in probes] == [
        ("Liveness", "exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3"),
        ("Readiness", "http-get http://:80/ delay=0s timeout=1s period=10s #success=1 #failure=3"),
        ("Startup", "grpc <pod>:9090  delay=0s timeout=1s period=10s #success=1 #failure=30")]


def test_a_settled_cluster_with_probed_and_database_pods_forks_and_continues_alike() -> None:
    c = Cluster(seed=2)
    c.create(pod("db", "postgres:16", env=[{"name": "POSTGRES_PASSWORD", "value": "x"}],
                 readinessProbe={"exec": {"command": ["pg_isready"]}, "periodSeconds": 5},
                 livenessProbe={"tcpSocket": {"port": 5432}}))
    c.create(pod("web", "nginx:1.27", readinessProbe={"httpGet": {"path": "/ok", "port": 80}}))
    c.settle()
    f = c.fork()

    def steps(x: Cluster) -> list[str]:
        out = [x.exec("web", "echo ok > /usr/share/nginx/html/ok").stdout]
        x.settle()
        out.append(x.kubectl("get pods").stdout)
        x.exec("db", "true")
        x.run(30)
        out.append(x.kubectl("logs db").stdout)
        return out

    assert steps(c) == steps(f)
    assert [(ev.rv, ev.type, ev.obj) for ev in c.store.log] == [(ev.rv, ev.type, ev.obj) for ev in f.store.log]
