"""Upstream's controller-test invariants hold after every sync while pods come up in random order."""

import random
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent / "logic"))

from test_statefulset_fixtures import Harness, make_set

from simk8s.testing.invariants import (
    check_at_most_one_pod_per_ordinal,
    check_burst,
    check_claim,
    check_monotonic,
    check_statefulset,
    check_update,
)

POLICIES = [None, ("Retain", "Retain"), ("Delete", "Retain"), ("Retain", "Delete"), ("Delete", "Delete")]


def advance(h: Harness, rng: random.Random) -> None:
    """Kubelet/GC step: one random pod moves Pending -> Running -> Ready, or a terminating one goes away."""
    h.now += rng.choice([0, 1, 5])
    if not h.pods or rng.random() < 0.2:
        return
    name = rng.choice(sorted(h.pods))
    pod = h.pods[name]
    if pod["metadata"].get("deletionTimestamp"):
        h.remove(name)
    elif pod["status"].get("phase") == "Pending":
        h.run(name)
    else:
        h.ready(name)


def drive(h: Harness, rng: random.Random, steps: int, check) -> None:
    for _ in range(steps):
        h.sync()
        problems = check(h)
        assert not problems, problems
        advance(h, rng)


def shape_check(h: Harness) -> list[str]:
    return check_statefulset(h.sts, list(h.pods.values()), h.claims)


@pytest.mark.parametrize("policy", ["OrderedReady", "Parallel"])
@pytest.mark.parametrize("retention", POLICIES)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), up=st.integers(1, 5), down=st.integers(0, 4))
def test_scale_up_and_down_keep_the_invariants(policy, retention, seed, up, down):
    rng = random.Random(seed)
    h = Harness(make_set(replicas=up, policy=policy, retention=retention))
    drive(h, rng, 25, shape_check)
    h.settle()
    assert sorted(h.pods) == sorted(f"web-{i}" for i in range(up))
    h.scale(min(down, up))
    drive(h, rng, 25, shape_check)
    h.settle()
    assert len(h.pods) == min(down, up)
    st_ = h.sts["status"]
    assert st_["replicas"] == st_.get("readyReplicas", 0) == st_.get("updatedReplicas", 0) == min(down, up)


@pytest.mark.parametrize("policy", ["OrderedReady", "Parallel"])
@pytest.mark.parametrize("retention", [None, ("Delete", "Delete")])
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), partition=st.integers(0, 5))
def test_rolling_updates_keep_current_pods_first_and_updated_pods_last(policy, retention, seed, n, partition):
    rng = random.Random(seed)
    h = Harness(make_set(replicas=n, policy=policy, retention=retention, partition=partition))
    h.settle()
    h.set_image("nginx:2")
    drive(h, rng, 40, lambda h: check_update(h.sts, list(h.pods.values()), h.claims))
    h.settle()
    st_ = h.sts["status"]
    assert st_.get("updatedReplicas", 0) == max(0, n - partition)
    assert (st_["currentRevision"] == st_["updateRevision"]) == (partition == 0)


def test_messages_read_like_upstream():
    sts = make_set(replicas=3)
    ready = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}

    def pod(i, status):
        name = f"web-{i}"
        return {"metadata": {"name": name, "namespace": "default", "uid": f"p{i}", "labels": {
            "statefulset.kubernetes.io/pod-name": name}},
            "spec": {"volumes": [{"name": "www", "persistentVolumeClaim": {"claimName": f"www-{name}"}}]},
            "status": status}

    claims = {f"www-web-{i}": {"metadata": {"name": f"www-web-{i}"}} for i in range(3)}
    assert check_monotonic(sts, [pod(0, {"phase": "Pending"}), pod(1, ready)], claims) == [
        "successor web-1 is Running and Ready while web-0 is not"]
    assert check_monotonic(sts, [pod(0, ready), pod(2, ready)], claims) == [
        "pods web-2 deployed in the wrong order 1"]
    bad = pod(0, ready)
    bad["spec"]["volumes"] = []
    assert check_burst(sts, [bad], {}) == [
        "pods web-0 does not match the storage specification of StatefulSet web ",
        'persistentvolumeclaim "www-web-0" not found']
    assert check_claim(sts, pod(0, ready), None) == ["claim for Pod web-0 was not created"]
    owned = {"metadata": {"name": "www-web-0", "ownerReferences": [{"kind": "StatefulSet", "name": "web",
                                                                   "uid": "uid-web"}]}}
    assert check_claim(sts, pod(0, ready), owned) == [
        "claim www-web-0 has unexpected owner ref on web for StatefulSet retain"]
    assert check_at_most_one_pod_per_ordinal(sts, [pod(1, ready), {"metadata": {"name": "web-01"}}]) == [
        "pods web-1 and web-01 both have ordinal 1"]


@pytest.mark.parametrize("retention", POLICIES)
@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5))
def test_parallel_sets_survive_random_pod_failures(retention, seed, n):
    rng = random.Random(seed)
    h = Harness(make_set(replicas=n, policy="Parallel", retention=retention))
    for _ in range(30):
        h.sync()
        assert not check_statefulset(h.sts, list(h.pods.values()), h.claims)
        if h.pods and rng.random() < 0.2:
            victim = h.pods[rng.choice(sorted(h.pods))]
            if not victim["metadata"].get("deletionTimestamp"):
                victim["status"] = {"phase": "Failed"}
        advance(h, rng)
    h.settle()
    assert sorted(h.pods) == sorted(f"web-{i}" for i in range(n))
