"""NetworkPolicy defaults and validation, with the API server's texts (pkg/apis/networking/validation)."""

from __future__ import annotations

import pytest

from simk8s import Cluster
from simk8s.api.errors import Invalid
from tests.api.test_validation_apps import errors


def netpol(**spec):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "p", "namespace": "default"}, "spec": {"podSelector": {}, **spec}}


def test_ports_endport_protocols_and_peers():
    p = netpol(ingress=[{"ports": [{"port": "http", "endPort": 90}, {"port": 80, "endPort": 70},
                                   {"port": 0}, {"endPort": 90}, {"port": 80, "protocol": "ICMP"},
                                   {"port": "Not_A_Name"}],
                         "from": [{}, {"ipBlock": {"cidr": "10.0.0.0/8"}, "podSelector": {}},
                                  {"ipBlock": {"cidr": "10.0.0.0/8", "except": ["11.0.0.0/16", "10.0.0.0/8"]}},
                                  {"ipBlock": {"cidr": "10.0.0.0"}}, {"ipBlock": {}}]}],
               policyTypes=["Ingress", "Sideways"])
    assert errors("NetworkPolicy", p) == [
        'spec.ingress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
        "spec.ingress[0].ports[1].endPort: Invalid value: 70: must be greater than or equal to `port`",
        "spec.ingress[0].ports[2].port: Invalid value: 0: must be between 1 and 65535, inclusive",
        "spec.ingress[0].ports[3].endPort: Invalid value: 90: may not be specified when `port` is not specified",
        'spec.ingress[0].ports[4].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
        'spec.ingress[0].ports[5].port: Invalid value: "Not_A_Name": must contain only alpha-numeric characters '
        '(a-z, 0-9), and hyphens (-)',
        "spec.ingress[0].from[0]: Required value: must specify a peer",
        "spec.ingress[0].from[1]: Forbidden: may not specify both ipBlock and another peer",
        'spec.ingress[0].from[2].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
        'spec.ingress[0].from[2].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
        'spec.ingress[0].from[3].ipBlock.cidr: Invalid value: "10.0.0.0": not a valid CIDR',
        "spec.ingress[0].from[4].ipBlock.cidr: Required value",
        'spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"',
    ]


def test_too_many_policy_types_and_selector_errors():
    p = netpol(policyTypes=["Ingress", "Egress", "Ingress"],
               podSelector={"matchExpressions": [{"key": "app", "operator": "In"}]})
    assert errors("NetworkPolicy", p) == [
        "spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is "
        "'In' or 'NotIn'",
        'spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not '
        "specify more than two policyTypes",
    ]


def test_defaults_policy_types_and_protocol_as_the_api_server_does():
    c = Cluster(seed=1)
    c.apply(netpol(egress=[{"ports": [{"port": 53}]}]))
    stored = c.get("networkpolicies", "p")
    assert stored["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert stored["spec"]["egress"][0]["ports"][0]["protocol"] == "TCP"
    c.apply({**netpol(ingress=[{}]), "metadata": {"name": "q", "namespace": "default"}})
    assert c.get("netpol", "q")["spec"]["policyTypes"] == ["Ingress"]
    assert c.kubectl("get netpol").stdout.splitlines() == [
        "NAME   POD-SELECTOR   AGE", "p      <none>         0s", "q      <none>         0s"]


def test_a_bad_policy_is_refused_whole_and_the_store_is_unchanged():
    c = Cluster(seed=1)
    rv = c.store.resource_version
    with pytest.raises(Invalid) as e:
        c.create(netpol(ingress=[{"from": [{}]}]))
    assert str(e.value) == ('NetworkPolicy.networking.k8s.io "p" is invalid: spec.ingress[0].from[0]: '
                            "Required value: must specify a peer")
    assert c.store.resource_version == rv
    r = c.kubectl(["apply", "-f", "-"], stdin="apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n"
                  "metadata: {name: p}\nspec: {podSelector: {}, ingres: []}\n")
    assert r.code == 1
    assert 'strict decoding error: unknown field "spec.ingres"' in r.stderr
