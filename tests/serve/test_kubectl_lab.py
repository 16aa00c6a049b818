"""The seed lab typed into the real kubectl 1.32 against ``simk8s serve``, step by step, next to the
emulated kubectl on a twin cluster (same seed, same epoch): the same rows and messages.

The served cluster runs as fast as idle, so rows are compared exactly and AGE (the server computes
it from each event's own time) within a second or two. The tests run in file order: each step
continues the lab. Skipped (with the reason) where kubectl is not installed.
"""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from simk8s import Cluster
from simk8s.examples import WEB_YAML

pytest.importorskip("aiohttp", reason="simk8s serve needs the serve extra (aiohttp)")
pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")

from simk8s.serve import Endpoint, wall_epoch  # noqa: E402


@dataclass
class Lab:
    served: Cluster
    twin: Cluster
    endpoint: Endpoint
    env: dict[str, str]
    manifest: Path

    def kubectl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["kubectl", *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def emulated(self, cmd: str, stdin: str = "") -> str:
        return str(self.twin.kubectl(cmd, stdin=stdin).stdout)

    def settle(self) -> None:
        self.endpoint.call(self.served.settle)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    tmp = tmp_path_factory.mktemp("lab")
    manifest = tmp / "web.yaml"
    manifest.write_text(WEB_YAML)
    epoch = wall_epoch()
    served, twin = Cluster(seed=1, epoch=epoch), Cluster(seed=1, epoch=epoch)
    with served.serve(speed=None) as endpoint:
        env = {**os.environ, "KUBECONFIG": str(endpoint.kubeconfig), "KUBECACHEDIR": str(tmp / "cache")}
        yield Lab(served, twin, endpoint, env, manifest)


def rows(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line.strip()]


def same_rows(real: str, emulated: str, age_column: int = -1, tolerance: int = 2) -> None:
    a, b = rows(real), rows(emulated)
    assert len(a) == len(b), (real, emulated)
    for x, y in zip(a, b, strict=True):
        if x[0] == "NAME":
            assert x == y
            continue
        assert x[:age_column] == y[:age_column], (x, y)
        ax, ay = x[age_column], y[age_column]
        if ax.endswith("s") and ay.endswith("s") and ax[:-1].isdigit() and ay[:-1].isdigit():
            assert abs(int(ax[:-1]) - int(ay[:-1])) <= tolerance, (x, y)
        else:
            assert ax == ay, (x, y)


def test_1_apply_and_watch_the_pods_come_up(lab: Lab) -> None:
    watch = subprocess.Popen(["kubectl", "get", "pods", "-w", "-l", "app=nginx", "-v=6"], env=lab.env, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # The watch is open before the objects exist, as in the lab's `apply && get -w`: wait for
    # kubectl's own log line of the watch request (-v=6; a fixed sleep lost the first rows when
    # kubectl started slowly on a loaded machine).
    assert watch.stderr is not None
    deadline = time.monotonic() + 60
    while "watch=true" not in watch.stderr.readline():
        assert time.monotonic() < deadline and watch.poll() is None, "kubectl get -w did not start watching"
    applied = lab.kubectl("apply", "-f", str(lab.manifest))
    assert applied.stdout == "service/nginx created\nstatefulset.apps/web created\n"
    lab.settle()
    time.sleep(1.0)
    watch.send_signal(signal.SIGTERM)
    out, _ = watch.communicate(timeout=30)
    lab.twin.apply(WEB_YAML)
    emulated = lab.emulated("get pods -w -l app=nginx")
    same_rows(out, emulated)
    assert [r[2] for r in rows(out)][-1] == "Running"


def test_2_exec_hostname(lab: Lab) -> None:
    for pod in ("web-0", "web-1"):
        r = lab.kubectl("exec", pod, "--", "sh", "-c", "hostname")
        assert r.stdout == lab.emulated(f"exec {pod} -- sh -c hostname") == f"{pod}\n"
    failed = lab.kubectl("exec", "web-0", "--", "sh", "-c", "exit 3")
    assert failed.returncode == 3
    assert failed.stderr.strip().endswith("command terminated with exit code 3")


def _terminal(lab: Lab, argv: list[str], lines: list[str]) -> tuple[int, str]:
    """Run kubectl on a pseudo-terminal, typing ``lines``; its exit status and what the screen showed."""
    master, slave = pty.openpty()
    p = subprocess.Popen(argv, env=lab.env, stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    screen = b""

    def read(seconds: float) -> None:
        nonlocal screen
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    screen += os.read(master, 65536)
                except OSError:
                    return
    read(3.0)
    for line in lines:
        os.write(master, (line + "\r").encode())
        read(1.5)
    code = p.wait(timeout=60)
    read(0.5)
    os.close(master)
    return code, screen.decode(errors="replace").replace("\r\n", "\n")


def test_3_dns_from_a_netshoot_pod(lab: Lab) -> None:
    typed = ["nslookup nginx", "nslookup -type=srv nginx", "nslookup web-0.nginx", "exit"]
    code, screen = _terminal(lab, ["kubectl", "run", "-it", "--rm", "netdebug", "--image=nicolaka/netshoot",
                                   "--restart=Never", "--", "zsh"], typed)
    emulated = lab.emulated("run -it --rm netdebug --image=nicolaka/netshoot --restart=Never -- zsh",
                            stdin="\n".join(typed) + "\n")
    assert code == 0
    start = emulated.index("Welcome to Netshoot!")
    assert screen[screen.index("Welcome to Netshoot!"):].strip() == emulated[start:].strip()
    assert "service = 0 50 80 web-0.nginx.default.svc.cluster.local." in screen
    lab.settle()
    assert lab.kubectl("get", "pod", "netdebug").returncode == 1   # --rm removed it


def test_4_scale_patch_and_rollout_status(lab: Lab) -> None:
    lab.twin.settle()
    assert lab.kubectl("scale", "sts", "web", "--replicas=5").stdout == lab.emulated(
        "scale sts web --replicas=5") == "statefulset.apps/web scaled\n"
    lab.settle()
    lab.twin.settle()
    same_rows(lab.kubectl("get", "pods").stdout, lab.emulated("get pods"))
    patch = '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":3}}}}'
    assert lab.kubectl("patch", "sts", "web", "-p", patch).stdout == "statefulset.apps/web patched\n"
    lab.twin.patch("statefulsets", "web", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 3}}}})
    lab.settle()
    lab.twin.settle()
    status = lab.kubectl("rollout", "status", "sts/web", "--timeout=60s")
    assert status.returncode == 0
    assert status.stdout == lab.emulated("rollout status sts/web")


def test_5_delete_a_pod_and_it_comes_back_with_its_name(lab: Lab) -> None:
    r = lab.kubectl("delete", "pod", "web-0")
    assert r.stdout == lab.emulated("delete pod web-0") == 'pod "web-0" deleted\n'
    lab.settle()
    lab.twin.settle()
    same_rows(lab.kubectl("get", "pods", "-l", "app=nginx").stdout, lab.emulated("get pods -l app=nginx"))


def test_6_logs(lab: Lab) -> None:
    for cluster_exec in (lambda: lab.kubectl("exec", "web-1", "--", "curl", "-s", "http://localhost/"),
                         lambda: lab.emulated("exec web-1 -- curl -s http://localhost/")):
        cluster_exec()
    real = lab.kubectl("logs", "web-1").stdout
    stamp = re.compile(r"\[[^]]+\]")
    assert stamp.sub("[T]", real) == stamp.sub("[T]", lab.emulated("logs web-1"))
    assert '"GET / HTTP/1.1"' in real
    tail = lab.kubectl("logs", "web-1", "--tail=1", "--timestamps").stdout
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z .*GET / HTTP/1.1.*\n", tail)


def test_7_describe_shows_the_events(lab: Lab) -> None:
    real = lab.kubectl("describe", "pod", "web-1").stdout
    emulated = lab.emulated("describe pod web-1")
    events = real[real.index("Events:"):]
    assert "Normal  Scheduled" in events and "Successfully assigned default/web-1 to" in events

    def reasons(text: str) -> list[tuple[str, str]]:
        block = text[text.index("Events:"):].splitlines()[3:]
        return [(line.split()[1], " ".join(line.split()[4:])) for line in block if line.strip()]
    assert reasons(real) == reasons(emulated)
    head = real[:real.index("Start Time:")]
    assert head == emulated[:emulated.index("Start Time:")]


def test_8_explain(lab: Lab) -> None:
    r = lab.kubectl("explain", "pod.spec")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("KIND:       Pod\nVERSION:    v1\n\nFIELD: spec <Object>")
    assert re.search(r"containers\t<\[\]Object> -required-", r.stdout)
