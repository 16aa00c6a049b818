"""Arbitrary and mutated manifests: each is stored and simulates, or is refused leaving the store
unchanged (the short version of ``python -m fuzz.manifests``)."""

import copy
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simk8s.cluster import Cluster
from simk8s.testing.manifests import BASES, Mutation, check_manifest, manifests, mutate, random_manifest

CLUSTER = Cluster(seed=7)   # shared: later manifests also apply over what earlier ones created


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)
@given(obj=manifests(), fmt_yaml=st.booleans())
def test_every_manifest_is_stored_and_simulates_or_is_refused_cleanly(obj, fmt_yaml):
    check_manifest(CLUSTER, obj, fmt="yaml" if fmt_yaml else "json")


def test_the_campaigns_generator_in_short():
    rng = random.Random(3)
    counts = {"stored": 0, "refused": 0}
    cluster = Cluster(seed=3)
    for i in range(200):
        if i % 50 == 0:
            cluster = Cluster(seed=i)
        counts[check_manifest(cluster, random_manifest(rng), fmt=rng.choice(("json", "yaml")))] += 1
    assert counts["stored"] > 20 and counts["refused"] > 20


def test_the_bases_are_stored_and_a_refusal_leaves_the_store_as_it_was():
    c = Cluster(seed=1)
    assert [check_manifest(c, b) for b in BASES] == ["stored"] * len(BASES)
    before = (c.store.resource_version, len(c.store.log))
    bad = mutate(BASES[1], Mutation((0, 0), "replace", "two"))   # some field of the StatefulSet
    bad["spec"]["replicas"] = "two"
    assert check_manifest(c, bad) == "refused"
    assert (c.store.resource_version, len(c.store.log)) == before


def test_huge_valid_counts_are_stored_and_simulate_with_a_bounded_number_of_pods():
    c = Cluster(seed=1)
    deployment, sts = copy.deepcopy(BASES[3]), copy.deepcopy(BASES[1])
    assert check_manifest(c, deployment) == "stored"
    deployment["spec"]["replicas"] = -2147483649   # a strategic merge narrows it to 2147483647, as Go's converter does
    assert check_manifest(c, deployment, fmt="yaml") == "stored"
    assert c.store.get("Deployment", "dep", "default")["spec"]["replicas"] == 2**31 - 1
    sts["spec"]["replicas"] = 2**31 - 1
    assert check_manifest(c, sts) == "stored"
    c.run(30)
    pods = c.store.list("Pod")
    # The replica set's client: a burst of 30, then 20 a second, since the cluster started at the most.
    assert 30 < len([p for p in pods if p["metadata"]["name"].startswith("dep-")]) <= 30 + 20 * c.core.env.now
    assert 1 <= len([p for p in pods if p["metadata"]["name"].startswith("web-")]) <= 20   # OrderedReady
