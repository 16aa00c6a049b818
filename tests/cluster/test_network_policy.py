"""NetworkPolicies enforced in the simulated network: dropped connections time out in virtual time,
with each tool's own words; the DNS-egress gotcha; explanations through the facade, CLI and scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from simk8s import Cluster, viz
from simk8s.cli import main
from simk8s.examples import WEB_YAML
from simk8s.scenario import run_scenario, scenario_from_dict

CLIENT = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client", "labels": {"app": "client"}},
          "spec": {"containers": [{"name": "c", "image": "nicolaka/netshoot", "command": ["sleep", "infinity"]}]}}
DENY_ALL = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: default-deny}
spec: {podSelector: {}, policyTypes: [Ingress, Egress]}
"""
ALLOW_DNS = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-dns}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - to:
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
      podSelector: {matchLabels: {k8s-app: kube-dns}}
    ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]
"""
ALLOW_WEB = """
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-from-client}
spec:
  podSelector: {matchLabels: {app: nginx}}
  ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: 80}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-to-web}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: [{to: [{podSelector: {matchLabels: {app: nginx}}}], ports: [{port: 80}]}]
"""


@pytest.fixture
def lab() -> Cluster:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.apply(CLIENT)
    c.settle()
    return c


def timed(c: Cluster, cmd: str, pod: str = "client") -> tuple[str, int, float]:
    start = c.now
    r = c.exec(pod, cmd)
    return r.stdout + r.stderr, r.code, c.now - start


def test_without_policies_everything_connects(lab: Cluster) -> None:
    out, code, took = timed(lab, "curl -sS http://web-0.nginx")
    assert code == 0 and "</html>" in out and took == 0


def test_a_dropped_connect_times_out_in_virtual_time_with_curls_words(lab: Cluster) -> None:
    lab.apply(DENY_ALL)
    ip = lab.get("pods", "web-0")["status"]["podIP"]
    out, code, took = timed(lab, f"curl -sS --connect-timeout 5 http://{ip}")
    assert (out, code, took) == (f"curl: (28) Failed to connect to {ip} port 80 after 5001 ms: "
                                 "Timeout was reached\n", 28, 5)
    out, code, took = timed(lab, f"curl -sS -m 3 http://{ip}")
    assert (out, code, took) == ("curl: (28) Connection timed out after 3001 milliseconds\n", 28, 3)
    # No timeout of its own: the kernel gives up on the SYN retries first.
    out, code, took = timed(lab, f"curl -sS http://{ip}")
    assert (out, code, took) == (f"curl: (28) Failed to connect to {ip} port 80 after 130001 ms: "
                                 "Couldn't connect to server\n", 28, 130)
    out, code, took = timed(lab, f"nc -zv -w 2 {ip} 80")
    assert (out, code, took) == (f"nc: connect to {ip} port 80 (tcp) timed out: Operation now in progress\n", 1, 2)
    # nginx-slim's curl 7.47 words it the old way.
    out, code, took = timed(lab, f"curl -sS --connect-timeout 2 http://{ip}", pod="web-1")
    assert (out, code, took) == ("curl: (28) Connection timed out after 2001 milliseconds\n", 28, 2)


def test_default_deny_egress_blocks_dns_until_port_53_is_allowed(lab: Cluster) -> None:
    lab.apply(DENY_ALL)
    out, code, took = timed(lab, "nslookup web-0.nginx")
    assert out == ";; communications error to 10.200.1.10#53: timed out\n" * 3 + \
        ";; no servers could be reached\n\n"
    assert (code, took) == (1, 15)
    out, code, took = timed(lab, "curl -sS --connect-timeout 5 http://web-0.nginx")
    assert (out, code, took) == ("curl: (28) Resolving timed out after 5001 milliseconds\n", 28, 5)
    out, code, took = timed(lab, "curl -sS http://web-0.nginx")
    assert (out, code, took) == ("curl: (6) Could not resolve host: web-0.nginx\n", 6, 10)
    out, code, _ = timed(lab, "dig +short web-0.nginx")
    assert code == 9
    lab.apply(ALLOW_DNS)
    out, code, took = timed(lab, "nslookup web-0.nginx")
    assert code == 0 and took == 0 and "Name:\tweb-0.nginx.default.svc.cluster.local" in out
    # Names resolve now; the connection itself is still dropped.
    out, code, took = timed(lab, "curl -sS --connect-timeout 5 http://web-0.nginx")
    assert (code, took) == (28, 5) and "Failed to connect to web-0.nginx port 80 after 5001 ms" in out
    lab.apply(ALLOW_WEB)
    out, code, took = timed(lab, "curl -sS http://web-0.nginx")
    assert code == 0 and "</html>" in out
    out, code, _ = timed(lab, "curl -sS --connect-timeout 1 http://web-0.nginx", pod="web-1")
    assert code == 28  # web-1 is not the client: default-deny still holds it


def test_services_are_judged_after_dnat_against_the_backend(lab: Cluster) -> None:
    lab.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
               "spec": {"selector": {"app": "nginx"}, "ports": [{"port": 8080, "targetPort": 80}]}})
    lab.settle()
    lab.apply(DENY_ALL)
    lab.apply(ALLOW_DNS)
    out, code, _ = timed(lab, "wget -qO- -T 2 http://web:8080")
    assert (out, code) == ("wget: download timed out\n", 1)
    lab.apply(ALLOW_WEB)  # allows port 80: the target port, not the Service's 8080
    out, code, _ = timed(lab, "curl -sS http://web:8080")
    assert code == 0 and "</html>" in out


def test_relabelling_the_client_changes_the_verdict(lab: Cluster) -> None:
    lab.apply(DENY_ALL)
    lab.apply(ALLOW_DNS)
    lab.apply(ALLOW_WEB)
    assert lab.explain_connection("web-1", "web-0", 80).allowed is False
    lab.kubectl("label pod web-1 app=client --overwrite")
    assert lab.explain_connection("web-1", "web-0", 80).allowed is True


def test_explain_connection_names_policies_and_rules(lab: Cluster) -> None:
    lab.apply(DENY_ALL)
    lab.apply(ALLOW_WEB)
    v = lab.explain_connection("client", "default/web-0", 80)
    assert v.allowed
    assert v.explain().splitlines() == [
        "default/client -> default/web-0 port 80/TCP: ALLOWED",
        "  Egress: default/client is isolated by default/client-to-web, default/default-deny; "
        "allowed by default/client-to-web egress[0]",
        "  Ingress: default/web-0 is isolated by default/default-deny, default/web-from-client; "
        "allowed by default/web-from-client ingress[0]",
    ]
    dns = lab.explain_connection("client", "10.200.1.10", 53, "udp")
    assert not dns.allowed and "kube-system/coredns" in dns.explain()
    assert not lab.explain_connection("client", "web-0", 443).allowed


def test_explain_step_and_cli(lab: Cluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = scenario_from_dict({"steps": [
        {"run": "kubectl apply -f web.yaml -f deny.yaml"},
        {"sleep": 60},
        {"explain": {"from": "web-1", "to": "web-0", "port": 80},
         "expect": {"allowed": False, "contains": ["default/default-deny"]}},
        {"explain": {"from": "web-1", "to": "web-0", "port": 80}, "expect": {"allowed": True}},
    ]})
    scenario.files = {"deny.yaml": DENY_ALL, "web.yaml": WEB_YAML}
    result = run_scenario(scenario)
    assert result.failures == ["step 4 (explain): expected the connection to be allowed"]
    assert "# web-1" not in result.transcript and "# default/web-1 -> default/web-0 port 80/TCP: DENIED" \
        in result.transcript
    manifest = tmp_path / "m.yaml"
    manifest.write_text(DENY_ALL)
    assert main(["explain", "-f", str(manifest), "--from", "10.0.0.1", "--to", "8.8.8.8", "--port", "53"]) == 0
    assert capsys.readouterr().out.startswith("10.0.0.1 -> 8.8.8.8 port 53/TCP: ALLOWED\n")
    assert main(["explain", "-f", str(manifest), "--from", "nope", "--to", "8.8.8.8", "--port", "53"]) == 2
    assert capsys.readouterr().err == 'simk8s: error: pods "nope" not found\n'


def test_connection_graph_before_and_after_a_default_deny(lab: Cluster) -> None:
    before = viz.connection_graph(lab, port=80)
    assert before.number_of_edges() == 6  # client, web-0, web-1: every ordered pair
    lab.apply(DENY_ALL)
    lab.apply(ALLOW_WEB)
    after = viz.connection_graph(lab, port=80)
    assert sorted(after.edges) == [("client", "web-0"), ("client", "web-1")]
    assert after.edges["client", "web-0"]["rules"] == ["default/client-to-web egress[0]",
                                                      "default/web-from-client ingress[0]"]
