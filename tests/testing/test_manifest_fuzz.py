"""Arbitrary and mutated manifests: each is stored and simulates, or is refused leaving the store
unchanged (the short version of ``python -m fuzz.manifests``)."""

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
