"""The seed lab's storage step, end to end inside simulated nginx-slim containers."""

from __future__ import annotations

import re
from types import SimpleNamespace

from simk8s.node.images import lookup_image, pod_files, serve_http
from simk8s.node.vfs import ContainerFS, MemFS

SPEC = lookup_image("k8s.gcr.io/nginx-slim:0.8")
IPS = {"web-0": "172.16.158.2", "web-1": "172.16.24.2"}


def container(pod: str, volume: MemFS) -> ContainerFS:
    assert SPEC is not None
    return SPEC.filesystem({"/usr/share/nginx/html": volume}, pod_files(pod, [IPS[pod]], subdomain="nginx"))


def exec_in(pod: str, fs: ContainerFS, argv: list[str], tty: bool = False):
    assert SPEC is not None
    services = SimpleNamespace(
        resolve_host=lambda name: None,
        http=lambda ip, port, method, path: serve_http(fs, method, path, server=SPEC.http_server)
        if ip in ("127.0.0.1", IPS[pod]) and port == 80 else None,
    )
    return SPEC.shell(fs, pod, services, tty=tty).exec_argv(argv)


def test_index_written_through_exec_survives_pod_recreation():
    volumes = {pod: MemFS() for pod in IPS}
    first = {pod: container(pod, volumes[pod]) for pod in IPS}
    for pod in IPS:
        script = 'echo "$(hostname)-pv-test" > /usr/share/nginx/html/index.html'
        r = exec_in(pod, first[pod], ["sh", "-c", script])
        assert (r.stdout, r.stderr, r.code) == ("", "", 0)
    # `kubectl delete pod -l app=nginx`: new containers, same claims, same volumes.
    second = {pod: container(pod, volumes[pod]) for pod in IPS}
    outputs = [exec_in(pod, second[pod], ["curl", "http://localhost/"], tty=True).stdout for pod in IPS]
    assert outputs == ["web-0-pv-test\n", "web-1-pv-test\n"]


def test_before_anything_is_written_the_empty_volume_hides_the_welcome_page():
    fs = container("web-0", MemFS())
    r = exec_in("web-0", fs, ["curl", "-s", "http://localhost/"])
    assert "<head><title>403 Forbidden</title></head>" in r.stdout and "nginx/1.11.1" in r.stdout


def test_hostname_variants_read_the_kubelet_hosts_file():
    fs = container("web-1", MemFS())
    r = exec_in("web-1", fs, ["sh", "-c", "hostname; hostname -f; hostname -i; cat /etc/hostname"])
    assert r.stdout == "web-1\nweb-1.nginx.default.svc.cluster.local\n172.16.24.2\nweb-1\n"


def test_exec_of_a_program_the_image_lacks_returns_none_for_the_runtime_to_report():
    fs = container("web-0", MemFS())
    assert exec_in("web-0", fs, ["nslookup", "nginx"]) is None


def test_netdebug_zsh_session_as_the_seed_shows_it():
    spec = lookup_image("nicolaka/netshoot")
    assert spec is not None
    answers = {"nginx": "Server:\t\t10.200.1.10\nAddress:\t10.200.1.10#53\n\n"
                        "Name:\tnginx.default.svc.cluster.local\nAddress: 172.16.24.2\n"}
    services = SimpleNamespace(dns_tool=lambda argv: (answers[argv[-1]], "", 0))
    fs = spec.filesystem(extra=pod_files("netdebug", ["172.16.24.9"]))
    sh = spec.shell(fs, "netdebug", services, tty=True, dialect="zsh")
    r = sh.interactive(["nslookup nginx", "exit"], prompt=lambda s: spec.prompt(s.hostname, s.cwd))
    assert r.output == ("netdebug ~ nslookup nginx\n" + answers["nginx"] + "netdebug ~ exit\n")
    assert r.code == 0
    seed_words = "Welcome to Netshoot! (github.com/nicolaka/netshoot) netdebug ~"
    shown = re.sub("\x1b\\][^\x07]*\x07", "", spec.startup_output)  # a terminal hides OSC escapes
    assert seed_words in " ".join((shown + spec.prompt("netdebug")).split())
