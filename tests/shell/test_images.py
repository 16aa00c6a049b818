"""Images resolve like a runtime resolves them, and nginx answers like nginx."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from simk8s.node.images import access_log_line, lookup_image, serve, serve_http
from simk8s.node.shell import Shell
from simk8s.node.vfs import ContainerFS, MemFS


@pytest.mark.parametrize("ref", ["k8s.gcr.io/nginx-slim:0.8", "registry.k8s.io/nginx-slim:0.8",
                                 "gcr.io/google_containers/nginx-slim:0.8"])
def test_the_seed_image_is_nginx_1_11_1_with_dash_and_curl(ref):
    spec = lookup_image(ref)
    assert spec is not None and spec.http_server == "nginx/1.11.1"
    assert spec.sh_dialect == "dash" and {"curl", "hostname", "sh"} <= spec.tools


def test_docker_hub_short_names_and_an_open_world_of_images():
    assert lookup_image("nginx") == lookup_image("docker.io/library/nginx:latest") is not None
    assert lookup_image("nginx:1.25").http_server == "nginx/1.25.5"  # type: ignore[union-attr]
    assert lookup_image("nginx:1.28").http_server == "nginx/1.28.0"  # type: ignore[union-attr]
    assert lookup_image("busybox:1.28").sh_dialect == "ash"  # type: ignore[union-attr]
    assert lookup_image("nicolaka/netshoot").default_shell == "zsh"  # type: ignore[union-attr]
    generic = lookup_image("example.com/team/app:1")
    assert generic is not None and generic.generic and generic.sh_dialect == "ash"
    assert generic.name == "example.com/team/app:1" and "wget" in generic.tools
    assert lookup_image("NGINX") is None  # malformed: InvalidImageName, not a pull


def test_netshoot_banner_matches_the_seed_text_word_for_word():
    spec = lookup_image("nicolaka/netshoot")
    assert spec is not None
    seed = ("dP dP dP 88 88 88 88d888b. .d8888b. d8888P .d8888b. 88d888b. .d8888b. .d8888b. d8888P "
            "88' `88 88ooood8 88 Y8ooooo. 88' `88 88' `88 88' `88 88 88 88 88. ... 88 88 88 88 88. "
            ".88 88. .88 88 dP dP `88888P' dP `88888P' dP dP `88888P' `88888P' dP Welcome to "
            "Netshoot! (github.com/nicolaka/netshoot)")
    assert " ".join(spec.banner.split()) == seed
    assert spec.prompt("netdebug") == "netdebug ~ "


def test_an_empty_volume_over_the_web_root_gives_403_and_a_written_page_is_served():
    spec = lookup_image("k8s.gcr.io/nginx-slim:0.8")
    assert spec is not None
    volume = MemFS()
    fs = ContainerFS(spec.files, {"/usr/share/nginx/html": volume})
    r = serve(fs, "GET", "/", server=spec.http_server)
    assert r.status == 403
    assert r.body == ('<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body bgcolor="white">\r\n'
                      "<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx/1.11.1</center>\r\n"
                      "</body>\r\n</html>\r\n")
    assert r.error == 'directory index of "/usr/share/nginx/html/" is forbidden'
    volume.write("/index.html", "web-0-pv-test\n")
    status, headers, body = serve_http(fs, "GET", "/", server=spec.http_server)
    assert (status, body) == (200, "web-0-pv-test\n")
    assert ("Server", "nginx/1.11.1") in headers and ("Content-Length", "14") in headers


def test_missing_files_and_directories_without_slash():
    fs = ContainerFS(lookup_image("nginx:1.27").files)  # type: ignore[union-attr]
    r = serve(fs, "GET", "/nope.html", server="nginx/1.27.3")
    assert r.status == 404 and "<body>\r\n" in r.body and "nginx/1.27.3" in r.body
    assert r.error == 'open() "/usr/share/nginx/html/nope.html" failed (2: No such file or directory)'
    fs.mkdir("/usr/share/nginx/html/docs")
    r = serve(fs, "GET", "/docs", host="web-0.nginx")
    assert r.status == 301 and ("Location", "http://web-0.nginx/docs/") in r.headers
    assert serve(fs, "POST", "/").status == 405
    assert serve(fs, "GET", "/index.html").body.startswith("<!DOCTYPE html>")


def test_access_log_uses_the_combined_format():
    line = access_log_line("127.0.0.1", "GET", "/", 200, 14, "curl/7.47.0", now=1_700_000_000)
    assert line == '127.0.0.1 - - [14/Nov/2023:22:13:20 +0000] "GET / HTTP/1.1" 200 14 "-" "curl/7.47.0"'


def test_curl_localhost_inside_web_0_reads_the_persistent_volume():
    spec = lookup_image("k8s.gcr.io/nginx-slim:0.8")
    assert spec is not None
    volume = MemFS()
    fs = ContainerFS(spec.files, {"/usr/share/nginx/html": volume})
    services = SimpleNamespace(
        resolve_host=lambda name: None,
        http=lambda ip, port, method, path: serve_http(fs, method, path, server=spec.http_server)
        if ip == "127.0.0.1" and port == 80 else None,
    )
    # `kubectl exec -i -t`: a terminal, so curl shows no progress meter.
    sh = Shell(spec.commands(), fs, dict(spec.env), "dash", "web-0", services, tty=True)
    assert sh.run("""sh -c 'echo "$(hostname)-pv-test" > /usr/share/nginx/html/index.html'""").code == 0
    r = sh.run("curl http://localhost/")
    assert (r.stdout, r.stderr, r.code) == ("web-0-pv-test\n", "", 0)
    # The old curl of Ubuntu 16.04 words a refused connection without the "after N ms" part.
    r = sh.run("curl http://localhost:8080/")
    assert (r.stderr, r.code) == (
        "curl: (7) Failed to connect to localhost port 8080: Connection refused\n", 7)
