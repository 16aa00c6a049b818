"""Less common StatefulSet paths: identity repair, stale claims, Parallel updates, terminal pods."""

from test_statefulset import kinds, settled
from test_statefulset_fixtures import Harness, make_set

from simk8s.logic.statefulset.plan import _scaled_max_unavailable


def test_lost_pod_name_label_is_repaired_with_an_update():
    h = settled(make_set(replicas=2))
    del h.pods["web-1"]["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"]
    p = h.sync()
    assert kinds(p) == [("UpdatePod", "web-1")]
    assert p.actions[0].pod["metadata"]["labels"]["statefulset.kubernetes.io/pod-name"] == "web-1"
    assert h.events[-1].message == "update Pod web-1 in StatefulSet web successful"


def test_missing_claim_volume_is_repaired_and_claim_created():
    h = settled(make_set(replicas=1))
    h.pods["web-0"]["spec"]["volumes"] = []
    del h.claims["www-web-0"]
    assert kinds(h.sync()) == [("CreateClaim", "www-web-0"), ("UpdatePod", "web-0")]


def test_claim_still_owned_by_the_previous_pod_blocks_recreation():
    h = settled(make_set(replicas=1, retention=("Retain", "Delete")))
    h.remove("web-0")
    h.claims["www-web-0"]["metadata"]["ownerReferences"] = [
        {"apiVersion": "v1", "kind": "Pod", "name": "web-0", "uid": "old", "controller": True}]
    assert kinds(h.sync()) == []


def test_succeeded_pod_is_deleted_too():
    h = settled(make_set(replicas=2))
    h.pods["web-0"]["status"] = {"phase": "Succeeded"}
    assert kinds(h.sync()) == [("DeletePod", "web-0", "Succeeded")]


def test_parallel_still_updates_one_pod_at_a_time():
    h = settled(make_set(replicas=3, policy="Parallel"))
    h.set_image("nginx:2")
    assert kinds(h.sync()) == [("DeletePod", "web-2", "Update")]
    assert kinds(h.sync()) == []


def test_parallel_replaces_a_failed_pod_without_blocking_the_others():
    h = Harness(make_set(replicas=3, policy="Parallel"))
    h.sync()
    h.pods["web-0"]["status"] = {"phase": "Failed"}
    del h.pods["web-2"]
    assert kinds(h.sync()) == [("DeletePod", "web-0", "Failed"), ("CreatePod", "web-2")]


def test_terminating_ready_pod_still_counts_as_ready_but_not_current():
    h = settled(make_set(replicas=2))
    h.pods["web-1"]["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    p = h.sync()
    assert p.status["readyReplicas"] == 2 and p.status["currentReplicas"] == 1


def test_max_unavailable_counts_already_unavailable_pods():
    h = settled(make_set(replicas=6, partition=3, max_unavailable=2, policy="Parallel"), gate=True)
    h.set_image("nginx:2")
    h.run("web-0")   # one pod unready: only one deletion fits the budget
    assert kinds(h.sync()) == [("DeletePod", "web-5", "Update")]


def test_max_unavailable_percentage_rounds_down_to_at_least_one():
    assert _scaled_max_unavailable("50%", 5) == 2
    assert _scaled_max_unavailable("10%", 5) == 1
    assert _scaled_max_unavailable(None, 5) == 1


def test_scale_down_waits_while_an_in_range_pod_is_unready():
    h = settled(make_set(replicas=3))
    h.scale(2)
    h.run("web-0")
    assert kinds(h.sync()) == []


def test_history_stays_within_limit_plus_live_revisions():
    h = settled(make_set(replicas=2, history=2))
    for i in range(2, 8):
        h.set_image(f"nginx:{i}")
        h.settle()
        assert len(h.revisions) <= 2 + 2
    assert len(h.revisions) == 3   # limit 2 of history + the live one


def test_pod_index_label_matches_the_ordinal():
    h = settled(make_set(replicas=3, start=4))
    assert {n: p["metadata"]["labels"]["apps.kubernetes.io/pod-index"] for n, p in h.pods.items()} == {
        "web-4": "4", "web-5": "5", "web-6": "6"}
