"""Service types end to end: NodePort allocation as the API server does it, LoadBalancer addresses
from the cluster's pool (a MetalLB-style layer-2 controller), and both reachable from pods, from
the control-plane terminal and through every node's IP:nodePort."""

from __future__ import annotations

from typing import Any

import pytest

from simk8s import Cluster, Topology
from simk8s.api.errors import Invalid
from simk8s.examples import WEB_YAML
from simk8s.terminal import HostShell


def svc(name: str, stype: str, port: int = 80, **extra: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {"type": stype, "selector": {"app": "nginx"},
                            "ports": [{"name": "web", "port": port, "targetPort": 80}]}
    ports = extra.pop("ports", None)
    if ports:
        spec["ports"] = ports
    spec.update(extra)
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


@pytest.fixture
def web() -> Cluster:
    c = Cluster(seed=1)
    c.apply(WEB_YAML)
    c.settle()
    for i in (0, 1):
        c.exec(f"web-{i}", ["sh", "-c", f"echo web-{i} > /usr/share/nginx/html/index.html"])
    return c


def external_ip(c: Cluster, name: str) -> str:
    row = next(line for line in c.kubectl("get svc").stdout.splitlines() if line.startswith(name + " "))
    return row.split()[3]


def reasons(c: Cluster, name: str) -> list[tuple[str, str, str]]:
    return [(e["reason"], e["source"]["component"], e["message"]) for e in c.get("events")
            if e["involvedObject"]["kind"] == "Service" and e["involvedObject"]["name"] == name]


# ------------------------------------------------------------------------------------ LoadBalancer
def test_a_load_balancer_gets_the_pools_first_address_and_shows_it_as_external_ip(web: Cluster) -> None:
    web.apply(svc("web-lb", "LoadBalancer"))
    web.settle()
    assert external_ip(web, "web-lb") == "192.168.10.240"
    got = web.get("services", "web-lb")
    assert got["status"]["loadBalancer"]["ingress"] == [{"ip": "192.168.10.240", "ipMode": "VIP"}]
    events = reasons(web, "web-lb")
    assert events[0] == ("IPAllocated", "metallb-controller", 'Assigned IP ["192.168.10.240"]')
    assert events[1][:2] == ("nodeAssigned", "metallb-speaker")
    assert events[1][2].startswith('announcing from node "k8s-w') and events[1][2].endswith('" with protocol "layer2"')
    described = web.kubectl("describe svc web-lb").stdout
    assert "LoadBalancer Ingress:     192.168.10.240\n" in described
    assert f"NodePort:                 web  {got['spec']['ports'][0]['nodePort']}/TCP\n" in described
    assert "External Traffic Policy:  Cluster\n" in described


def test_addresses_return_to_the_pool_and_a_waiting_service_gets_one() -> None:
    c = Cluster(seed=1, topology=Topology(load_balancer_pool=("192.168.10.240-192.168.10.241",)))
    for name in ("a", "b", "c"):
        c.apply(svc(name, "LoadBalancer"))
        c.settle()
    assert [external_ip(c, n) for n in "abc"] == ["192.168.10.240", "192.168.10.241", "<pending>"]
    assert reasons(c, "c")[-1] == ("AllocationFailed", "metallb-controller",
                                   'Failed to allocate IP for "default/c": no available IPs')
    c.delete("services", "a")
    c.settle()
    assert external_ip(c, "c") == "192.168.10.240"
    c.patch("services", "b", {"spec": {"type": "NodePort"}})
    c.settle()
    assert external_ip(c, "b") == "<none>" and c.get("services", "b")["status"]["loadBalancer"] == {}


def test_a_requested_address_is_honoured_inside_the_pool_only(web: Cluster) -> None:
    web.apply(svc("fixed", "LoadBalancer", loadBalancerIP="192.168.10.250"))
    web.apply(svc("outside", "LoadBalancer", loadBalancerIP="10.0.0.1"))
    web.settle()
    assert external_ip(web, "fixed") == "192.168.10.250"
    assert external_ip(web, "outside") == "<pending>"
    assert reasons(web, "outside")[-1][2] == 'Failed to allocate IP for "default/outside": ["10.0.0.1"] is not ' \
                                            "allowed in config"


def test_without_a_pool_load_balancers_stay_pending_with_no_events() -> None:
    c = Cluster(seed=1, topology=Topology(load_balancer_pool=()))
    c.apply(svc("lb", "LoadBalancer"))
    c.settle()
    assert external_ip(c, "lb") == "<pending>" and reasons(c, "lb") == []


def test_a_malformed_pool_is_refused_when_the_cluster_is_built() -> None:
    with pytest.raises(ValueError, match="invalid address pool entry 'nope'"):
        Cluster(seed=1, topology=Topology(load_balancer_pool=("nope",)))


# ---------------------------------------------------------------------------------------- NodePort
def test_dynamic_node_ports_come_from_the_upper_band() -> None:
    # The lowest min(max(16, 2768/32), 128) = 86 ports are left for users who pick their own.
    c = Cluster(seed=4)
    for i in range(40):
        c.apply(svc(f"np{i}", "NodePort"))
    ports = [c.get("services", f"np{i}")["spec"]["ports"][0]["nodePort"] for i in range(40)]
    assert len(set(ports)) == 40 and all(30086 <= p <= 32767 for p in ports)


def test_requested_node_ports_must_be_free_and_in_range() -> None:
    c = Cluster(seed=1)
    c.apply(svc("a", "NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    rv = c.store.resource_version
    with pytest.raises(Invalid) as e:
        c.create(svc("b", "NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert str(e.value) == ('Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port '
                            "is already allocated")
    with pytest.raises(Invalid) as e:
        c.create(svc("b", "NodePort", ports=[{"port": 80, "nodePort": 40000}]))
    assert str(e.value).endswith("spec.ports[0].nodePort: Invalid value: 40000: provided port is not in the valid "
                                 "range. The range of valid ports is 30000-32767")
    assert c.store.resource_version == rv  # nothing was written
    c.delete("services", "a")
    c.create(svc("b", "NodePort", ports=[{"port": 80, "nodePort": 30080}]))  # released with its Service


def test_an_update_without_node_ports_keeps_the_allocated_ones() -> None:
    # patchAllocatedValues: a replace that leaves nodePort out keeps the port of the same name.
    c = Cluster(seed=1)
    c.apply(svc("a", "NodePort"))
    before = c.get("services", "a")
    body = svc("a", "NodePort", ports=[{"name": "web", "port": 80, "targetPort": 80}])
    body["metadata"].update(namespace="default", resourceVersion=before["metadata"]["resourceVersion"])
    body["spec"]["clusterIP"] = before["spec"]["clusterIP"]
    after = c.store.update("Service", body)
    assert after["spec"]["ports"][0]["nodePort"] == before["spec"]["ports"][0]["nodePort"]


def test_services_sharing_a_port_number_share_the_node_port() -> None:
    c = Cluster(seed=1)
    c.apply(svc("dns", "NodePort", ports=[{"name": "udp", "port": 53, "protocol": "UDP"},
                                          {"name": "tcp", "port": 53, "protocol": "TCP"}]))
    ports = [p["nodePort"] for p in c.get("services", "dns")["spec"]["ports"]]
    assert ports[0] == ports[1]


def test_local_traffic_policy_load_balancer_gets_a_health_check_node_port(web: Cluster) -> None:
    web.apply(svc("local", "LoadBalancer", externalTrafficPolicy="Local"))
    spec = web.get("services", "local")["spec"]
    assert 30086 <= spec["healthCheckNodePort"] <= 32767
    assert spec["healthCheckNodePort"] != spec["ports"][0]["nodePort"]


# ------------------------------------------------------------------------------------ reachability
def test_load_balancer_and_node_ports_answer_from_pods_and_the_control_plane(web: Cluster) -> None:
    web.apply(svc("web-lb", "LoadBalancer"))
    web.apply(svc("web-np", "NodePort", port=8080, ports=[{"port": 8080, "targetPort": 80, "nodePort": 30080}]))
    web.settle()
    body = {"web-0\n", "web-1\n"}
    assert web.kubectl("exec web-0 -- curl -s http://192.168.10.240/").stdout in body
    for node_ip in ("192.168.10.10", "192.168.10.101", "192.168.10.102", "192.168.10.103"):
        assert web.kubectl(f"exec web-1 -- curl -s http://{node_ip}:30080/").stdout in body
    host = HostShell(web)
    assert host.run("curl -s http://192.168.10.240/").stdout in body
    assert host.run("curl -s 192.168.10.102:30080").stdout in body
    refused = host.run("curl -s 192.168.10.102:30081")
    assert refused.code == 7  # nobody listens on that node port


def test_local_policy_answers_only_on_nodes_with_an_endpoint(web: Cluster) -> None:
    web.apply(svc("local", "NodePort", externalTrafficPolicy="Local",
                  ports=[{"port": 80, "targetPort": 80, "nodePort": 30090}]))
    web.settle()
    nodes = {web.get("pods", f"web-{i}")["spec"]["nodeName"] for i in (0, 1)}
    ips = {n["metadata"]["name"]: n["status"]["addresses"][0]["address"] for n in web.get("nodes")}
    host = HostShell(web)
    for name, ip in ips.items():
        r = host.run(f"curl -s http://{ip}:30090/")
        assert (r.code == 0) == (name in nodes), name


def test_the_address_moves_to_another_node_when_its_node_is_lost(web: Cluster) -> None:
    web.apply(svc("web-lb", "LoadBalancer"))
    web.settle()
    first = reasons(web, "web-lb")[-1][2].split('"')[1]
    web.fail_node(first)
    host = HostShell(web)
    assert host.run("curl -s http://192.168.10.240/").code != 0  # its node answers no more
    web.run(60)  # NotReady after the node monitor grace period: the election moves on
    moved = reasons(web, "web-lb")[-1][2].split('"')[1]
    assert moved != first
    assert host.run("curl -s http://192.168.10.240/").stdout in {"web-0\n", "web-1\n"}


# ------------------------------------------------------------- type changes (upstream e2e, sig-network)
def external(name: str, target: str = "foo.example.com") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"type": "ExternalName", "externalName": target}}


# [sig-network] Services should be able to change the type from ExternalName to ClusterIP [Conformance]
# [sig-network] Services should be able to change the type from ExternalName to NodePort [Conformance]
@pytest.mark.parametrize("stype", ["ClusterIP", "NodePort"])
def test_external_name_to_cluster_ip_or_node_port_allocates_what_the_type_needs(stype: str) -> None:
    c = Cluster(seed=1)
    c.apply(external("ext"))
    c.patch("services", "ext", {"spec": {"type": stype, "externalName": None, "selector": {"app": "x"},
                                         "ports": [{"port": 80, "name": "http"}]}})
    spec = c.get("services", "ext")["spec"]
    assert spec["clusterIP"] and spec["clusterIPs"] == [spec["clusterIP"]]
    assert bool(spec["ports"][0].get("nodePort")) == (stype == "NodePort")


# [sig-network] Services should be able to change the type from ClusterIP to ExternalName [Conformance]
# [sig-network] Services should be able to change the type from NodePort to ExternalName [Conformance]
@pytest.mark.parametrize("stype", ["ClusterIP", "NodePort"])
def test_cluster_ip_or_node_port_to_external_name_drops_their_fields(stype: str) -> None:
    c = Cluster(seed=1)
    c.apply(svc("s", stype))
    c.patch("services", "s", {"spec": {"type": "ExternalName", "externalName": "foo.example.com"}})
    spec = c.get("services", "s")["spec"]
    assert "clusterIP" not in spec and "clusterIPs" not in spec and "ipFamilies" not in spec
    assert not spec["ports"][0].get("nodePort") and "externalTrafficPolicy" not in spec
    assert c.resolve("s.default.svc.cluster.local", "CNAME") == ["foo.example.com."]


def test_node_port_to_cluster_ip_drops_the_unchanged_node_ports() -> None:
    # dropTypeDependentFields: an apply that changes only the type needs no nodePort surgery.
    c = Cluster(seed=1)
    c.apply(svc("s", "NodePort"))
    c.apply(svc("s", "ClusterIP"))
    spec = c.get("services", "s")["spec"]
    assert not spec["ports"][0].get("nodePort") and "externalTrafficPolicy" not in spec
    with pytest.raises(Invalid, match="may not be used when `type` is 'ClusterIP'"):
        c.patch("services", "s", {"spec": {"ports": [{"port": 80, "nodePort": 30999}]}})
