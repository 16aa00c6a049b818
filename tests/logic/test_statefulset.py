"""The StatefulSet planner orders pod and claim writes exactly like the upstream controller."""

import pytest
from test_statefulset_fixtures import Harness, make_set

from simk8s.logic import statefulset as S


def kinds(plan):
    out = []
    for a in plan.actions:
        if isinstance(a, S.CreatePod):
            out.append(("CreatePod", a.pod["metadata"]["name"]))
        elif isinstance(a, S.CreateClaim):
            out.append(("CreateClaim", a.claim["metadata"]["name"]))
        elif isinstance(a, S.DeletePod):
            out.append(("DeletePod", a.name, a.reason))
        elif isinstance(a, S.UpdatePod):
            out.append(("UpdatePod", a.pod["metadata"]["name"]))
        elif isinstance(a, S.UpdateClaim):
            out.append(("UpdateClaim", a.claim["metadata"]["name"]))
        else:
            out.append(("FailSync", a.error))
    return out


def settled(sts, **kw):
    h = Harness(sts, **kw)
    h.settle()
    return h


def test_web_1_is_not_created_until_web_0_is_ready():
    h = Harness(make_set(replicas=5))
    assert kinds(h.sync()) == [("CreateClaim", "www-web-0"), ("CreatePod", "web-0")]
    assert h.events[-2:] == [
        S.Event("Normal", "SuccessfulCreate", "create Claim www-web-0 Pod web-0 in StatefulSet web success"),
        S.Event("Normal", "SuccessfulCreate", "create Pod web-0 in StatefulSet web successful"),
    ]
    assert kinds(h.sync()) == []          # web-0 Pending
    h.run("web-0")
    assert kinds(h.sync()) == []          # Running but not Ready
    h.ready("web-0")
    assert kinds(h.sync()) == [("CreateClaim", "www-web-1"), ("CreatePod", "web-1")]


def test_burst_to_five_creates_one_pod_per_sync_in_order():
    h = Harness(make_set(replicas=5))
    created = []
    for _ in range(5):
        p = h.sync()
        pods = [k[1] for k in kinds(p) if k[0] == "CreatePod"]
        assert len(pods) == 1
        created += pods
        h.ready(pods[0])
    assert created == ["web-0", "web-1", "web-2", "web-3", "web-4"]
    h.sync()
    st = h.sts["status"]
    assert st["replicas"] == st["readyReplicas"] == st["updatedReplicas"] == st["currentReplicas"] == 5
    assert st["currentRevision"] == st["updateRevision"]


def test_new_pod_shape():
    h = Harness(make_set(replicas=1))
    pod = h.sync().actions[1].pod
    rev = h.sts["status"]["updateRevision"]
    assert pod["metadata"]["name"] == "web-0"
    assert pod["metadata"]["generateName"] == "web-"
    assert pod["metadata"]["labels"] == {
        "app": "nginx", "statefulset.kubernetes.io/pod-name": "web-0", "apps.kubernetes.io/pod-index": "0",
        "controller-revision-hash": rev}
    assert rev.startswith("web-")
    assert pod["spec"]["hostname"] == "web-0" and pod["spec"]["subdomain"] == "nginx"
    assert pod["spec"]["volumes"] == [{"name": "www", "persistentVolumeClaim": {"claimName": "www-web-0"}}]
    assert pod["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "uid-web",
        "controller": True, "blockOwnerDeletion": True}]


def test_claim_labels_merge_selector_over_template_labels():
    sts = make_set()
    sts["spec"]["volumeClaimTemplates"][0]["metadata"]["labels"] = {"tier": "db", "app": "other"}
    claim = S.new_claims(sts, 0, {"metadata": {"name": "web-0"}})[0]
    assert claim["metadata"]["name"] == "www-web-0"
    assert claim["metadata"]["labels"] == {"tier": "db", "app": "nginx"}
    assert "ownerReferences" not in claim["metadata"]


def test_parallel_creates_all_pods_in_one_sync():
    h = Harness(make_set(replicas=4, policy="Parallel"))
    p = h.sync()
    assert [k[1] for k in kinds(p) if k[0] == "CreatePod"] == ["web-0", "web-1", "web-2", "web-3"]
    assert [a.batch for a in p.actions if isinstance(a, S.CreatePod)] == [1, 2, 2, 3]


def test_scale_down_deletes_highest_ordinal_first_one_at_a_time():
    h = settled(make_set(replicas=5))
    h.scale(3)
    assert kinds(h.sync()) == [("DeletePod", "web-4", "ScaleDown")]
    assert h.events[-1].message == "delete Pod web-4 in StatefulSet web successful"
    assert kinds(h.sync()) == []          # waits for web-4 to be gone
    h.finish_terminations()
    assert kinds(h.sync()) == [("DeletePod", "web-3", "ScaleDown")]
    h.finish_terminations()
    assert kinds(h.sync()) == []
    assert sorted(h.claims) == [f"www-web-{i}" for i in range(5)]   # Retain keeps PVCs


def test_parallel_scale_down_deletes_all_condemned_at_once():
    h = settled(make_set(replicas=5, policy="Parallel"))
    h.scale(2)
    assert kinds(h.sync()) == [("DeletePod", n, "ScaleDown") for n in ("web-4", "web-3", "web-2")]


def test_rolling_update_goes_in_reverse_order_and_respects_partition():
    h = settled(make_set(replicas=5, partition=2))
    old = h.sts["status"]["currentRevision"]
    h.set_image("nginx:2")
    order = []
    for _ in range(40):
        p = h.sync()
        order += [k[1] for k in kinds(p) if k[0] == "DeletePod"]
        h.finish_terminations()
        for n in h.pods:
            h.ready(n)
        h.now += 1
    assert order == ["web-4", "web-3", "web-2"]
    st = h.sts["status"]
    new = st["updateRevision"]
    assert new != old and st["currentRevision"] == old
    assert st["updatedReplicas"] == 3 and st["currentReplicas"] == 2
    labels = {n: p["metadata"]["labels"]["controller-revision-hash"] for n, p in h.pods.items()}
    assert labels == {"web-0": old, "web-1": old, "web-2": new, "web-3": new, "web-4": new}


def test_rolling_update_waits_for_the_recreated_pod_to_be_ready():
    h = settled(make_set(replicas=3))
    h.set_image("nginx:2")
    assert kinds(h.sync()) == [("DeletePod", "web-2", "Update")]
    assert h.sts["status"]["currentReplicas"] == 2
    h.finish_terminations()
    assert kinds(h.sync()) == [("CreatePod", "web-2")]
    assert kinds(h.sync()) == []
    h.ready("web-2")
    assert kinds(h.sync()) == [("DeletePod", "web-1", "Update")]


def test_completed_rollout_advances_current_revision():
    h = settled(make_set(replicas=3))
    h.set_image("nginx:2")
    h.settle()
    st = h.sts["status"]
    assert st["currentRevision"] == st["updateRevision"] and st["currentReplicas"] == 3


def test_rollback_reuses_the_revision_name():
    h = settled(make_set(replicas=2))
    first = h.sts["status"]["currentRevision"]
    h.set_image("nginx:2")
    h.settle()
    second = h.sts["status"]["currentRevision"]
    h.set_image("nginx:1")
    h.settle()
    assert h.sts["status"]["currentRevision"] == first != second
    assert h.revisions[first]["revision"] == 3
    assert all(p["metadata"]["labels"]["controller-revision-hash"] == first for p in h.pods.values())


def test_failed_pod_is_deleted_then_recreated_on_a_later_sync():
    h = settled(make_set(replicas=3))
    h.pods["web-1"]["status"] = {"phase": "Failed"}
    assert kinds(h.sync()) == [("DeletePod", "web-1", "Failed")]
    assert kinds(h.sync()) == []          # still terminating
    h.finish_terminations()
    assert kinds(h.sync()) == [("CreatePod", "web-1")]   # PVC www-web-1 is reused


def test_missing_lower_ordinal_is_recreated_first_even_if_a_higher_one_is_unhealthy():
    h = settled(make_set(replicas=3))
    h.remove("web-0")
    h.run("web-2")
    assert kinds(h.sync()) == [("CreatePod", "web-0")]


def test_start_ordinal_shifts_the_range():
    h = settled(make_set(replicas=3, start=2))
    assert h.names() == ["web-2", "web-3", "web-4"]


def test_pending_pod_gets_its_deleted_claim_recreated():
    h = settled(make_set(replicas=2))
    h.pods["web-1"]["status"] = {"phase": "Pending"}
    del h.claims["www-web-1"]
    assert kinds(h.sync()) == [("CreateClaim", "www-web-1")]


def test_claim_being_deleted_blocks_pod_creation_with_the_upstream_error():
    h = Harness(make_set(replicas=1))
    h.claims["www-web-0"] = {"metadata": {"name": "www-web-0", "uid": "c1",
                                          "deletionTimestamp": "2024-01-01T00:00:00Z"}}
    p = h.sync()
    assert kinds(p) == [("FailSync", "pvc www-web-0 is being deleted")]
    assert h.events[-1] == S.Event(
        "Warning", "FailedCreate",
        "create Pod web-0 in StatefulSet web failed error: pvc www-web-0 is being deleted")
    assert "web-0" not in h.pods


def test_failure_events_for_claim_creation():
    h = Harness(make_set(replicas=1))
    a = h.sync().actions[0]
    msgs = [e.message for e in S.failure_events(a, 'PersistentVolumeClaim "www-web-0" is invalid')]
    assert msgs == [
        'create Claim www-web-0 for Pod web-0 in StatefulSet web failed error: '
        'PersistentVolumeClaim "www-web-0" is invalid',
        'create Pod web-0 in StatefulSet web failed error: failed to create PVC www-web-0: '
        'PersistentVolumeClaim "www-web-0" is invalid',
    ]
    assert S.failure_event(a, "x").reason == "FailedCreate"


def test_failed_update_deletion_does_not_decrement_current_replicas():
    h = settled(make_set(replicas=3))
    h.set_image("nginx:2")
    h.fail_on = lambda a: "boom" if isinstance(a, S.DeletePod) else None
    p = h.sync()
    assert p.status["currentReplicas"] == 2
    assert h.sts["status"]["currentReplicas"] == 3
    assert h.events[-1].message == "delete Pod web-2 in StatefulSet web failed error: boom"


def test_on_delete_never_deletes_for_updates_and_recreates_at_the_new_revision():
    h = settled(make_set(replicas=2, strategy="OnDelete"))
    h.set_image("nginx:2")
    assert kinds(h.sync()) == []
    h.remove("web-0")
    p = h.sync()
    assert kinds(p) == [("CreatePod", "web-0")]
    assert p.actions[0].pod["spec"]["containers"][0]["image"] == "nginx:2"
    assert h.sts["status"]["currentRevision"] != h.sts["status"]["updateRevision"]


def test_deleted_pod_below_partition_comes_back_at_the_old_template():
    h = settled(make_set(replicas=3, partition=2))
    h.set_image("nginx:2")
    h.settle()
    h.remove("web-0")
    p = h.sync()
    assert p.actions[0].pod["spec"]["containers"][0]["image"] == "nginx:1"


def test_set_being_deleted_only_gets_status():
    sts = make_set(replicas=3)
    sts["metadata"]["deletionTimestamp"] = "2024-01-01T00:00:00Z"
    h = Harness(sts)
    p = h.sync()
    assert p.actions == [] and p.status["replicas"] == 0 and p.status["observedGeneration"] == 1


def test_min_ready_seconds_blocks_next_pod_and_requeues():
    h = Harness(make_set(replicas=2, min_ready=10))
    h.sync()
    h.ready("web-0")
    p = h.sync()
    assert kinds(p) == [] and p.requeue_after == 10.0
    h.now += 11
    assert [k[1] for k in kinds(h.sync()) if k[0] == "CreatePod"] == ["web-1"]


def test_plan_says_when_the_first_ready_pod_becomes_available():
    """``available_from``: the earliest end of a Ready pod's minReadySeconds, whatever the status
    counts (the controller's resync looks again then); None once every Ready pod is available."""
    h = Harness(make_set(replicas=1, min_ready=10))
    h.sync()
    assert h.sync().available_from is None          # web-0 not Ready yet: nothing to wait for
    h.ready("web-0")
    ready_at = h.now
    h.now += 4
    assert h.sync().available_from == ready_at + 10
    h.now += 7
    assert h.sync().available_from is None


def test_max_unavailable_gate_deletes_two_above_partition():
    h = settled(make_set(replicas=6, partition=3, max_unavailable=2), gate=True)
    h.set_image("nginx:2")
    assert kinds(h.sync()) == [("DeletePod", "web-5", "Update"), ("DeletePod", "web-4", "Update")]


@pytest.mark.parametrize("retention,set_ref", [(("Delete", "Retain"), True), (("Retain", "Retain"), False)])
def test_when_deleted_delete_puts_a_set_owner_ref_on_claims(retention, set_ref):
    h = settled(make_set(replicas=2, retention=retention))
    for c in h.claims.values():
        refs = c["metadata"].get("ownerReferences", [])
        assert (refs == [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "uid-web",
                          "controller": True, "blockOwnerDeletion": True}]) == set_ref


def test_when_scaled_delete_hands_condemned_claims_to_the_pod_before_deleting_it():
    h = settled(make_set(replicas=3, retention=("Delete", "Delete")))
    h.scale(2)
    p = h.sync()
    assert kinds(p) == [("UpdateClaim", "www-web-2"), ("DeletePod", "web-2", "ScaleDown")]
    refs = h.claims["www-web-2"]["metadata"]["ownerReferences"]
    assert [(r["kind"], r["name"]) for r in refs] == [("Pod", "web-2")]
    h.finish_terminations()
    assert "www-web-2" not in h.claims


def test_inputs_are_not_mutated():
    # The harness passes frozen inputs: any mutation would raise TypeError.
    h = settled(make_set(replicas=3, retention=("Delete", "Delete")))
    h.set_image("nginx:2")
    h.scale(1)
    h.settle()
    assert h.names() == ["web-0"]
