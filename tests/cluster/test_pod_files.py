"""A container's /dev, /proc and kubelet-managed /etc files, as a real container shows them."""

from __future__ import annotations

from simk8s import Cluster


def sh(cluster: Cluster, pod: str, script: str) -> tuple[str, str, int]:
    r = cluster.exec(pod, ["sh", "-c", script])
    return r.stdout, r.stderr, r.code


def test_dev_lists_the_runtime_devices_and_curl_can_discard_into_dev_null(web: Cluster) -> None:
    out, _, code = sh(web, "web-0", "ls /dev")
    assert code == 0
    assert out.split() == ["fd", "full", "mqueue", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin",
                           "stdout", "termination-log", "tty", "urandom", "zero"]
    assert sh(web, "web-1", "curl -s -o /dev/null http://web-0.nginx; echo $?") == ("0\n", "", 0)
    out, _, _ = sh(web, "web-1", "curl -s -o /dev/stdout http://web-0.nginx/missing")
    assert "404 Not Found" in out


def test_device_reads_and_writes_behave_like_the_kernel_devices(web: Cluster) -> None:
    assert sh(web, "web-0", "echo gone > /dev/null; cat /dev/null; echo $?") == ("0\n", "", 0)
    out, _, _ = sh(web, "web-0", "cat /dev/zero | wc -c")
    assert int(out) > 0
    first = web.exec("web-0", ["cat", "/dev/urandom"]).stdout
    again = web.exec("web-0", ["cat", "/dev/urandom"]).stdout
    assert first and first != again and set(first) != {"\0"}


def test_proc_1_describes_the_main_process(web: Cluster) -> None:
    out, _, _ = sh(web, "web-0", "cat /proc/1/cmdline")
    assert out == "nginx\0-g\0daemon off;\0"
    status = web.exec("web-0", ["cat", "/proc/1/status"]).stdout
    assert status.startswith("Name:\tnginx\n") and "\nPid:\t1\n" in status
    assert "HOSTNAME=web-0\0" in web.exec("web-0", ["cat", "/proc/1/environ"]).stdout


def test_etc_hosts_and_resolv_conf_are_the_kubelets(web: Cluster) -> None:
    ip = web.get("pods", "web-1")["status"]["podIP"]
    hosts = web.exec("web-1", ["cat", "/etc/hosts"]).stdout
    assert hosts.startswith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n")
    assert hosts.endswith(f"{ip}\tweb-1.nginx.default.svc.cluster.local\tweb-1\n")
    assert web.exec("web-1", ["cat", "/etc/resolv.conf"]).stdout == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.200.1.10\n"
        "options ndots:5\n")


def test_dns_config_and_host_aliases_reach_the_pods_files_and_its_resolver(cluster: Cluster) -> None:
    cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "tuned"}, "spec": {
        "containers": [{"name": "c", "image": "nicolaka/netshoot", "command": ["sleep", "infinity"]}],
        "dnsConfig": {"searches": ["corp.example"], "options": [{"name": "ndots", "value": "1"},
                                                                 {"name": "edns0"}]},
        "hostAliases": [{"ip": "10.1.2.3", "hostnames": ["db.local", "db"]}]}})
    cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "own"}, "spec": {
        "containers": [{"name": "c", "image": "busybox", "command": ["sleep", "infinity"]}],
        "dnsPolicy": "None", "dnsConfig": {"nameservers": ["1.1.1.1"], "searches": ["example.com"]}}})
    cluster.settle()
    assert cluster.exec("tuned", ["cat", "/etc/resolv.conf"]).stdout == (
        "search default.svc.cluster.local svc.cluster.local cluster.local corp.example\n"
        "nameserver 10.200.1.10\noptions ndots:1 edns0\n")
    assert cluster.exec("tuned", ["cat", "/etc/hosts"]).stdout.endswith(
        "\n# Entries added by HostAliases.\n10.1.2.3\tdb.local\tdb\n")
    assert cluster.exec("own", ["cat", "/etc/resolv.conf"]).stdout == "search example.com\nnameserver 1.1.1.1\n"
    # ndots:1: a dotted name is tried as it is first
    out = cluster.exec("tuned", ["dig", "+search", "+short", "kubernetes.default"]).stdout
    assert out == "10.200.0.1\n"
