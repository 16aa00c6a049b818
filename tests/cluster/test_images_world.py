"""An open image world: any well-formed reference pulls; a catalogue adds fidelity for the images
lessons use (nginx, busybox, netshoot, dnsutils, the official databases); the cluster names the
references that do not exist; malformed ones are the kubelet's InvalidImageName."""

from __future__ import annotations

from typing import Any

from simk8s import Cluster
from simk8s.scenario import run_scenario, scenario_from_dict


def pod(name: str, image: str, env: dict[str, str] | None = None, **container: Any) -> dict[str, Any]:
    c: dict[str, Any] = {"name": "c", "image": image, **container}
    if env:
        c["env"] = [{"name": k, "value": v} for k, v in env.items()]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": {"containers": [c]}}


def row(cluster: Cluster, name: str) -> list[str]:
    return cluster.kubectl(f"get pod {name}").stdout.splitlines()[1].split()


def test_any_well_formed_reference_pulls_and_runs(cluster: Cluster) -> None:
    images = {"n": "nginx:1.28", "pg": "postgres:16", "my": "mysql:8.4", "r": "redis:7", "m": "mongo:7",
              "app": "ghcr.io/acme/shop-api:2.3.1"}
    env = {"pg": {"POSTGRES_PASSWORD": "s3cret"}, "my": {"MYSQL_ROOT_PASSWORD": "s3cret"}}
    for name, image in images.items():
        cluster.create(pod(name, image, env.get(name)))
    cluster.run(60)
    for name in images:
        assert row(cluster, name)[1:3] == ["1/1", "Running"], name
    assert cluster.exec("n", ["curl", "-sI", "http://localhost/"]).stdout.splitlines()[1] == "Server: nginx/1.28.0"
    pulled = [e["message"] for e in cluster.get("events") if e["reason"] == "Pulled"
              and e["involvedObject"]["name"] == "app"]
    assert pulled and pulled[0].startswith('Successfully pulled image "ghcr.io/acme/shop-api:2.3.1" in ')


def test_a_generic_image_has_a_busybox_userland_and_listens_on_its_declared_ports(cluster: Cluster) -> None:
    cluster.create(pod("app", "registry.example.com/team/api:1.0", ports=[{"containerPort": 8080}]))
    cluster.create(pod("client", "busybox", command=["sleep", "3600"]))
    cluster.run(60)
    ip = cluster.get("pods", "app")["status"]["podIP"]
    r = cluster.exec("client", ["wget", "-qO-", f"http://{ip}:8080/healthz"])
    assert r.code == 0
    r = cluster.exec("client", ["wget", "-qO-", f"http://{ip}:9090/"])
    assert r.code == 1 and "Connection refused" in r.stderr
    assert cluster.exec("app", ["sh", "-c", "ls / >/dev/null && echo ok"]).stdout == "ok\n"


def test_official_postgres_and_mysql_refuse_to_start_without_their_password(cluster: Cluster) -> None:
    cluster.create(pod("pg", "postgres:16"))
    cluster.create(pod("my", "mysql:8.4"))
    cluster.run(90)
    assert row(cluster, "pg")[2] in ("CrashLoopBackOff", "Error")
    assert cluster.kubectl("logs pg").stdout == (
        "Error: Database is uninitialized and superuser password is not specified.\n"
        "       You must specify POSTGRES_PASSWORD to a non-empty value for the\n"
        '       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".\n\n'
        '       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all\n'
        "       connections without a password. This is *not* recommended.\n\n"
        '       See PostgreSQL documentation about "trust":\n'
        "       https://www.postgresql.org/docs/current/auth-trust.html\n")
    logs = cluster.kubectl("logs my").stdout
    assert "[ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n" in logs
    assert logs.endswith("    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n"
                         "    - MYSQL_RANDOM_ROOT_PASSWORD\n")
    status = cluster.get("pods", "my")["status"]["containerStatuses"][0]
    assert status["restartCount"] >= 2 and status["lastState"]["terminated"]["exitCode"] == 1


def test_client_health_commands_answer_once_the_server_has_started(cluster: Cluster) -> None:
    cluster.create(pod("pg", "postgres:17", {"POSTGRES_PASSWORD": "x"}))
    cluster.create(pod("my", "mariadb:11.4", {"MARIADB_ROOT_PASSWORD": "x"}))
    cluster.create(pod("r", "redis:7.4"))
    cluster.create(pod("m", "mongo:8"))
    while not cluster.get("pods", "my").get("status", {}).get("containerStatuses", [{}])[0].get("started"):
        cluster.run(0.1)
    early = cluster.exec("my", ["mysqladmin", "ping"])
    assert early.code == 1 and "Can't connect to local MySQL server through socket" in early.stderr
    cluster.run(30)
    assert cluster.exec("pg", ["pg_isready"]).stdout == "/var/run/postgresql:5432 - accepting connections\n"
    assert cluster.exec("my", ["mysqladmin", "ping", "-uroot", "-px"]).stdout == "mysqld is alive\n"
    assert cluster.exec("r", ["redis-cli", "ping"]).stdout == "PONG\n"
    assert cluster.exec("m", ["mongosh", "--quiet", "--eval", "db.adminCommand('ping')"]).stdout == "{ ok: 1 }\n"
    ip = cluster.get("pods", "pg")["status"]["podIP"]
    assert cluster.exec("r", ["sh", "-c", f"pg_isready -h {ip}"]).code == 127  # redis has no postgres client
    assert cluster.exec("pg", ["pg_isready", "-h", cluster.get("pods", "r")["status"]["podIP"]]).code == 2


STS = """
apiVersion: v1
kind: Service
metadata: {name: pg}
spec: {clusterIP: None, selector: {app: pg}, ports: [{port: 5432}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: pg}
spec:
  serviceName: pg
  replicas: 1
  selector: {matchLabels: {app: pg}}
  template:
    metadata: {labels: {app: pg}}
    spec:
      containers:
      - name: postgres
        image: postgres:16
        env: [{name: POSTGRES_PASSWORD, value: s3cret}]
        ports: [{containerPort: 5432}]
        readinessProbe: {exec: {command: [pg_isready, -U, postgres]}, periodSeconds: 5}
        volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
"""


def test_the_postgres_data_directory_lives_on_the_volume_across_pods(cluster: Cluster) -> None:
    cluster.apply(STS)
    cluster.settle()
    first = cluster.kubectl("logs pg-0").stdout
    assert "PostgreSQL init process complete; ready for start up." in first
    assert cluster.exec("pg-0", ["cat", "/var/lib/postgresql/data/PG_VERSION"]).stdout == "16\n"
    assert cluster.exec("pg-0", ["pg_isready", "-h", "pg-0.pg"]).stdout == "pg-0.pg:5432 - accepting connections\n"
    cluster.delete("pods", "pg-0")
    cluster.settle()
    again = cluster.kubectl("logs pg-0").stdout
    assert again.startswith("\nPostgreSQL Database directory appears to contain a database; Skipping "
                            "initialization\n\n")
    assert cluster.kubectl("get pod pg-0").stdout.splitlines()[1].split()[1:3] == ["1/1", "Running"]


def test_missing_images_fail_to_pull_with_containerds_messages() -> None:
    c = Cluster(seed=1, missing_images=["nginx:1.99", "acme/private-app"])
    c.create(pod("tag", "nginx:1.99"))
    c.create(pod("repo", "acme/private-app:3"))
    c.create(pod("host", "registry.invalid/app:1"))
    c.run(40)
    assert row(c, "tag")[2] in ("ErrImagePull", "ImagePullBackOff")
    failed = {e["involvedObject"]["name"]: e["message"] for e in c.get("events")
              if e["reason"] == "Failed" and e["message"].startswith("Failed to pull")}
    assert failed["tag"] == (
        'Failed to pull image "nginx:1.99": rpc error: code = NotFound desc = failed to pull and unpack image '
        '"docker.io/library/nginx:1.99": failed to resolve reference "docker.io/library/nginx:1.99": '
        "docker.io/library/nginx:1.99: not found")
    waiting = c.get("pods", "tag")["status"]["containerStatuses"][0]["state"]["waiting"]
    if waiting["reason"] == "ImagePullBackOff":
        assert waiting["message"] == ('Back-off pulling image "nginx:1.99": ErrImagePull: '
                                      + failed["tag"].split(": ", 1)[1])
    assert failed["repo"].endswith("pull access denied, repository does not exist or may require authorization: "
                                   "server message: insufficient_scope: authorization failed")
    assert failed["host"].endswith('Head "https://registry.invalid/v2/app/manifests/1": dial tcp: lookup '
                                   "registry.invalid: no such host")


def test_a_scenario_names_its_missing_images() -> None:
    scenario = scenario_from_dict({"name": "pull", "missing_images": ["nginx:nope"], "steps": [
        {"run": "kubectl run web --image=nginx:nope"}, {"sleep": 30},
        {"run": "kubectl get pods", "expect": {"regex": [r"web\s+0/1\s+(ErrImagePull|ImagePullBackOff)"]}}]})
    result = run_scenario(scenario)
    assert result.ok, result.failures


def test_a_malformed_reference_is_invalid_image_name(cluster: Cluster) -> None:
    cluster.create(pod("bad", "Busybox:1.36"))
    cluster.settle()
    assert row(cluster, "bad")[1:3] == ["0/1", "InvalidImageName"]
    events = [(e["reason"], e["message"]) for e in cluster.get("events") if e["involvedObject"]["name"] == "bad"]
    message = ('Failed to apply default image tag "Busybox:1.36": couldn\'t parse image name "Busybox:1.36": '
               "invalid reference format: repository name (library/Busybox) must be lowercase")
    assert ("InspectFailed", message) in events and ("Failed", "Error: InvalidImageName") in events
    state = cluster.get("pods", "bad")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert state == {"message": message, "reason": "InvalidImageName"}


def test_a_client_reaches_the_database_through_its_service(cluster: Cluster) -> None:
    cluster.apply(STS)
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "pg-rw"},
                   "spec": {"selector": {"app": "pg"}, "ports": [{"port": 5432}]}})
    cluster.create(pod("client", "postgres:16", command=["sleep", "infinity"]))
    cluster.settle()
    assert cluster.exec("client", ["pg_isready", "-h", "pg-rw"]).stdout == "pg-rw:5432 - accepting connections\n"
    assert cluster.exec("client", ["pg_isready", "-h", "pg-rw", "-p", "5433"]).code == 2
