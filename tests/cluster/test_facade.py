"""The Cluster facade over its core: the parts it exposes, switches, and the faces attached to it."""

from __future__ import annotations

import pytest

from simk8s import Cluster
from simk8s.cluster import _FACES
from simk8s.controllers.statefulset import StatefulSetController
from simk8s.examples import WEB_YAML


def test_dns_reply_is_the_whole_reply_behind_resolve() -> None:
    c = Cluster()
    c.apply(WEB_YAML)
    c.settle()
    reply = c.dns_reply("web-0.nginx.default.svc.cluster.local")
    assert [str(r.rdata) for r in reply.rr] == c.resolve("web-0.nginx.default.svc.cluster.local")
    assert reply.rr[0].ttl == 5
    srv = c.dns_reply("nginx.default.svc.cluster.local", "SRV")
    assert sorted(str(r.rdata).split()[-1] for r in srv.rr) == [
        "web-0.nginx.default.svc.cluster.local.", "web-1.nginx.default.svc.cluster.local."]


def test_feature_gates_default_to_1_32_and_reach_the_controllers() -> None:
    assert Cluster().feature_gates["MaxUnavailableStatefulSet"] is False
    c = Cluster(feature_gates={"MaxUnavailableStatefulSet": True})
    sts = next(x for x in c.controllers if isinstance(x, StatefulSetController))
    assert sts.max_unavailable_gate is True
    with pytest.raises(ValueError, match="unrecognized feature gate: NoSuchGate"):
        Cluster(feature_gates={"NoSuchGate": True})


def test_a_view_through_another_store_leaves_the_cluster_alone() -> None:
    c = Cluster()

    class Counting:
        def __init__(self, store):
            self.store, self.calls = store, 0

        def __getattr__(self, name):
            self.calls += 1
            return getattr(self.store, name)

    view = c.through(Counting(c.store))
    assert view.get("nodes", "k8s-w1")["metadata"]["name"] == "k8s-w1"
    assert view.store.calls == 1
    assert c.store is c.core.store and view.core is c.core


def test_the_package_attaches_its_faces() -> None:
    assert {"kubectl", "serve", "html"} <= set(_FACES)
    c = Cluster()
    assert c.kubectl("get nodes").code == 0
    assert "<table" in c._repr_html_()


def test_run_leaves_nothing_behind_so_a_quiet_cluster_looks_idle_and_forks() -> None:
    c = Cluster()
    c.apply(WEB_YAML)
    c.settle()
    c.run(5)
    assert c.idle() and c.now == pytest.approx(c.now)
    before = c.now
    c.run(2.5)
    assert c.now == before + 2.5 and c.idle()
    fork = c.fork()                                  # a queue with a stale stop event refused this
    assert fork.now == c.now
    assert fork.kubectl("get pods").stdout == c.kubectl("get pods").stdout
