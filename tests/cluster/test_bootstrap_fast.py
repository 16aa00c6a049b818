"""The trusted bootstrap (templates + ``Store.create_trusted``) stores what the create pipeline does."""

from __future__ import annotations

import json

import pytest

from simk8s.cluster import Cluster, NodeSpec, Topology


class PipelineCluster(Cluster):
    trusted_bootstrap = False


def _dump(c: Cluster) -> list[str]:
    return [json.dumps([ev.rv, ev.type, ev.kind.kind, ev.obj, ev.old, ev.t]) for ev in c.store.log] + \
        [json.dumps([k.kind, o]) for k, o in c.objects()] + [repr(c.store.rng.getstate()), repr(c.pod_cidrs)]


TOPOLOGIES = [
    None,
    Topology.workers(5),
    Topology(nodes=(NodeSpec("a", labels={"x": "1"}, zone="z1"), NodeSpec("b", cpu="4", pods=20)),
             storage_class=None),
]


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_fast_bootstrap_equals_pipeline(topology: Topology | None) -> None:
    for seed in (1, 2, 3, 77):   # the first builds the templates, the rest reuse them
        fast, slow = Cluster(seed=seed, topology=topology), PipelineCluster(seed=seed, topology=topology)
        assert _dump(fast) == _dump(slow)
        fast.settle()
        slow.settle()
        assert _dump(fast) == _dump(slow)


def test_fast_bootstrap_refuses_what_the_pipeline_refuses() -> None:
    from simk8s.api.errors import ApiError

    bad = Topology(nodes=(NodeSpec("a"), NodeSpec("a")))
    for cls in (Cluster, PipelineCluster, Cluster):
        with pytest.raises(ApiError):
            cls(topology=bad)
    with pytest.raises(ApiError):
        Cluster(topology=Topology(dns_ip="not-an-ip"))
