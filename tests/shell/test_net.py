"""curl, wget and the DNS tools reach the simulated network only through the services hook."""

from __future__ import annotations

from types import SimpleNamespace

from simk8s.node.shell import Shell
from simk8s.node.shell.registry import commands_for
from simk8s.node.vfs import MemFS

PODS = {"web-0.nginx": "172.16.158.2", "nginx": "172.16.24.2"}


def services(**extra):
    def http(ip, port, method, path):
        if ip == "172.16.158.2" and port == 80:
            if path == "/":
                return 200, [("Server", "nginx/1.11.1"), ("Content-Length", "14")], "web-0-pv-test\n"
            return 404, [("Server", "nginx/1.11.1")], "<html>404</html>\r\n"
        return None

    return SimpleNamespace(resolve_host=PODS.get, http=http, **extra)


def shell(tools=("curl", "wget", "nslookup", "cat"), dialect="ash", tty=True, **extra):
    return Shell(commands_for(tools), MemFS({"/tmp/.keep": ""}), {}, dialect, "netdebug",
                 services(**extra), sh_dialect="ash", tty=tty)


HEADER = ("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n"
          "                                 Dload  Upload   Total   Spent    Left  Speed\n")
ZERO = "  0     0    0     0    0     0      0      0 --:--:-- --:--:-- --:--:--     0"


def test_without_a_terminal_curl_prints_its_progress_meter_to_stderr():
    r = shell(tty=False).run("curl http://web-0.nginx/")
    assert r.stdout == "web-0-pv-test\n"
    assert r.stderr == HEADER + "\r" + ZERO + (
        "\r100    14  100    14    0     0  14000      0 --:--:-- --:--:-- --:--:-- 14000\n")
    r = shell(tty=False).run("curl http://nope/")
    assert r.stderr == HEADER + "\r" + ZERO + "curl: (6) Could not resolve host: nope\n"
    r = shell(tty=False).run("curl http://10.0.0.1/")
    assert r.stderr == HEADER + "\r" + ZERO + "\r" + ZERO + "\n" + (
        "curl: (7) Failed to connect to 10.0.0.1 port 80 after 0 ms: Couldn't connect to server\n")
    assert shell(tty=False).run("curl -s http://web-0.nginx/").stderr == ""
    # Writing the body to a file shows the meter even on a terminal.
    assert shell().run("curl -o /tmp/x http://web-0.nginx/").stderr.startswith(HEADER)


def test_curl_fetches_through_dns_and_http_hooks():
    r = shell().run("curl http://web-0.nginx/")
    assert (r.stdout, r.stderr, r.code) == ("web-0-pv-test\n", "", 0)


def test_curl_errors_use_curl_7_88_wording_and_exit_codes():
    r = shell().run("curl http://nope/")
    assert (r.stderr, r.code) == ("curl: (6) Could not resolve host: nope\n", 6)
    r = shell().run("curl http://10.0.0.1/")
    assert (r.stderr, r.code) == (
        "curl: (7) Failed to connect to 10.0.0.1 port 80 after 0 ms: Couldn't connect to server\n", 7)
    r = shell().run("curl -s http://nope/; echo $?")
    assert (r.stdout, r.stderr) == ("6\n", "")
    r = shell().run("curl -f http://web-0.nginx/x")
    assert (r.stderr, r.code) == ("curl: (22) The requested URL returned error: 404\n", 22)


def test_curl_head_output_and_write_out():
    r = shell().run("curl -I web-0.nginx")
    assert r.stdout == "HTTP/1.1 200 OK\r\nServer: nginx/1.11.1\r\nContent-Length: 14\r\n\r\n"
    r = shell().run("curl -s -o /tmp/page -w '%{http_code}\\n' http://web-0.nginx/; cat /tmp/page")
    assert r.stdout == "200\nweb-0-pv-test\n"


def test_busybox_wget():
    assert shell().run("wget -qO- http://web-0.nginx/").stdout == "web-0-pv-test\n"
    r = shell().run("wget -q -O - http://nope/")
    assert (r.stderr, r.code) == ("wget: bad address 'nope'\n", 1)
    r = shell().run("wget -qO- http://10.0.0.1/")
    assert r.stderr == "wget: can't connect to remote host (10.0.0.1): Connection refused\n"
    r = shell().run("wget -qO- http://web-0.nginx/missing")
    assert r.stderr == "wget: server returned error: HTTP/1.1 404 Not Found\n"


def test_dns_tools_are_delegated_to_the_caller():
    seen: list[list[str]] = []

    def dns_tool(argv):
        seen.append(argv)
        return "Server:\t\t10.200.1.10\nAddress:\t10.200.1.10#53\n\n", "", 0

    r = shell(dns_tool=dns_tool).run("nslookup -type=srv nginx")
    assert seen == [["nslookup", "-type=srv", "nginx"]]
    assert r.stdout.startswith("Server:\t\t10.200.1.10\n") and r.code == 0
    r = shell().run("nslookup nginx")
    assert (r.stdout, r.code) == (";; connection timed out; no servers could be reached\n\n", 1)


def test_a_missing_tool_is_not_found():
    r = shell(tools=("cat",), dialect="dash").run("curl http://web-0.nginx/")
    assert (r.stderr, r.code) == ("sh: 1: curl: not found\n", 127)


def test_busybox_wget_progress_lines_match_busybox():
    r = shell(tty=False).run("cd /tmp && wget http://web-0.nginx/ && cat index.html")
    assert r.stderr == ("Connecting to web-0.nginx (172.16.158.2:80)\nsaving to 'index.html'\n"
                        "index.html           100% |********************************|    14  0:00:00 ETA\n"
                        "'index.html' saved\n")
    assert r.stdout == "web-0-pv-test\n"
    r = shell(tty=False).run("wget -O - http://web-0.nginx/")
    assert r.stderr.endswith(
        "-                    100% |********************************|    14  0:00:00 ETA\n"
        "written to stdout\n")


def test_the_seed_hosts_first_line_downloads_web_yaml_into_the_working_directory():
    from simk8s.node.shell.net import StaticWeb

    url = ("https://raw.githubusercontent.com/kubernetes/website/main/content/en/examples/"
           "application/web/web.yaml")
    web = StaticWeb({url: "apiVersion: v1\n"}, {"raw.githubusercontent.com": "185.199.108.133"})
    host = Shell(commands_for(["curl", "cat", "ls"]), MemFS({"/root/.keep": ""}), {}, "bash", "k8s-m", web,
                 cwd="/root", tty=True)
    r = host.run(f"curl -s -O {url} && ls && cat web.yaml")
    assert (r.stdout, r.stderr, r.code) == ("web.yaml\napiVersion: v1\n", "", 0)
    r = host.run("curl -sf https://raw.githubusercontent.com/nope; echo $?")
    assert r.stdout == "22\n"
